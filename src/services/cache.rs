//! What a long-running server keeps in memory to answer a team's reads: a search index over
//! every live record and the contacts in list order. `crm serve` turns it on; a one-off
//! command never does (building it costs more than the one read it would answer).
//!
//! It holds everyone's records: what a caller may see is decided per request, as on the
//! uncached path (`Crm::contacts` filters the list by owner and shares; `Crm::search` uses it
//! only for those who see everything: in private visibility a rep's search results and their
//! details must not come from records the rep does not see). It is kept current from the
//! journal: before a read, the entries written since it was last brought up to date are read
//! and the records they wrote refreshed, so a read never sees less than was acknowledged
//! before it began, whoever wrote it (an undo, an import, a write through the socket).

use super::query::{contact_text, last_contacts, ContactQuery, ContactRow, ContactSort};
use super::search::{self, Hit, Query, SearchIndex};
use crate::domain::*;
use crate::store::{Store, StoreError};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Condvar, Mutex, RwLock, RwLockReadGuard};

/// Past this many records written since the last look (an import), rebuilding is cheaper
/// than refreshing them one by one.
const REBUILD_PAST: usize = 20_000;

/// How long the cache goes without reading the journal head while this process writes
/// nothing: what another process writing the files itself (a tool bypassing crm's lock) may
/// wait to be seen, as long as a live update may (`live::POLL`).
const LOOK_EVERY: std::time::Duration = super::live::POLL;

/// Contact lists longer than this are read from the store as before (the rows are the cost).
pub const LIST_MAX: usize = 5_000;

#[derive(Default)]
pub struct ReadCache {
    state: RwLock<Option<Cached>>,
    gate: Gate,
}

/// At most one search or list per core at a time: the others wait their turn in line rather
/// than all share the cores, so each is answered in its own time and a write's commit is not
/// starved of a core by a crowd of reads.
struct Gate {
    busy: Mutex<usize>,
    free: Condvar,
    max: usize,
}

impl Default for Gate {
    fn default() -> Gate {
        let max = std::thread::available_parallelism().map_or(1, |n| n.get());
        Gate { busy: Mutex::new(0), free: Condvar::new(), max }
    }
}

struct Turn<'a>(&'a Gate);

impl Gate {
    fn enter(&self) -> Turn<'_> {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while *busy >= self.max {
            busy = self.free.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy += 1;
        Turn(self)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut busy = self.0.busy.lock().unwrap_or_else(|e| e.into_inner());
        *busy -= 1;
        self.0.free.notify_one();
    }
}

struct Cached {
    /// The journal head the cache reflects: every entry before it is in.
    head: u64,
    /// This process's commits (`Store::commits`) that `head` includes.
    seen: u64,
    /// When the journal head was last read.
    looked: std::time::Instant,
    index: SearchIndex,
    contacts: ContactList,
}

impl Cached {
    fn build(store: &Store) -> Result<Cached, StoreError> {
        // The head first: whatever is written while reading is refreshed at the next look.
        let seen = store.commits();
        let head = store.journal_head()?;
        let index = SearchIndex::build(store)?;
        let contacts = ContactList::build(store)?;
        Ok(Cached { head, seen, looked: std::time::Instant::now(), index, contacts })
    }

    fn catch_up(&mut self, store: &Store, head: u64) -> Result<(), StoreError> {
        let mut touched: Vec<Ref> = Vec::new();
        // Contacts whose latest activity may have changed: those of an activity written,
        // before and after (an activity moved to another contact changes both).
        let mut contacted: Vec<ContactId> = Vec::new();
        for seq in self.head..head {
            if let Some(entry) = store.journal_entry(seq)? {
                touched.extend(entry.writes.iter().filter_map(|w| w.reference()));
                for w in entry.writes.iter().filter(|w| w.kind == EntityKind::Activity) {
                    for bytes in [&w.before, &w.after].into_iter().flatten() {
                        if let Record::Activity(a) = crate::store::codec::decode_record(w.kind, bytes)? {
                            contacted.extend(a.contact);
                        }
                    }
                }
            }
            if touched.len() > REBUILD_PAST {
                *self = Cached::build(store)?;
                return Ok(());
            }
        }
        touched.sort();
        touched.dedup();
        self.contacts.refresh_last(store, &contacted)?;
        // Each record read once for both (the search index's own `refresh` would read it again).
        for (r, rec) in affected_records(store, &touched)? {
            match &rec {
                Some(rec) => self.index.upsert(rec),
                None => self.index.remove(&r),
            }
            self.contacts.note(&r, rec);
        }
        self.contacts.rank_if_moved();
        self.head = head;
        Ok(())
    }
}

impl ReadCache {
    /// Fills the cache (a server calls it on a thread of its own at start: until it is
    /// done, reads take the uncached path).
    pub fn fill(&self, store: &Store) -> Result<(), StoreError> {
        let built = Cached::build(store)?;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        *state = Some(built);
        Ok(())
    }

    pub fn is_filled(&self) -> bool {
        self.state.read().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    /// The cache brought up to date with the journal, or None while it is being filled. The
    /// journal is not read at all while this process has committed nothing since the last look
    /// and that look is recent: a read of the store waits for any commit flushing to disk,
    /// which a read from memory has no reason to.
    fn current(&self, store: &Store) -> Result<Option<RwLockReadGuard<'_, Option<Cached>>>, StoreError> {
        // Counted before the journal head is read: a write counted here is in that head.
        let commits = store.commits();
        {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            match state.as_ref() {
                None => return Ok(None),
                Some(c) if c.seen == commits && c.looked.elapsed() < LOOK_EVERY => return Ok(Some(state)),
                Some(_) => {}
            }
        }
        let head = store.journal_head()?;
        {
            let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = state.as_mut() {
                // Another reader may have caught up meanwhile.
                if c.head < head {
                    c.catch_up(store, head)?;
                }
                c.seen = c.seen.max(commits);
                c.looked = std::time::Instant::now();
            }
        }
        Ok(Some(self.state.read().unwrap_or_else(|e| e.into_inner())))
    }

    /// The best `limit` hits among every live record; None while the cache is being filled.
    pub fn search(&self, store: &Store, query: &Query, limit: usize) -> Result<Option<Vec<Hit>>, StoreError> {
        let _turn = self.gate.enter();
        let Some(state) = self.current(store)? else { return Ok(None) };
        Ok(state.as_ref().map(|c| c.index.search(query, limit)))
    }

    /// The rows a contact list shows, in order, of the contacts `sees(owner, contact)`
    /// accepts; None when the cache cannot answer this query (another order, no limit or a
    /// long one) or is being filled.
    pub fn contact_rows(
        &self,
        store: &Store,
        q: &ContactQuery,
        sees: &mut dyn FnMut(&str, ContactId) -> bool,
    ) -> Result<Option<Vec<ContactRow>>, StoreError> {
        let limit = match q.limit {
            Some(n) if n <= LIST_MAX && q.sort == ContactSort::Name => n,
            _ => return Ok(None),
        };
        let _turn = self.gate.enter();
        let Some(state) = self.current(store)? else { return Ok(None) };
        let Some(c) = state.as_ref() else { return Ok(None) };
        let ids = c.contacts.list(q, limit, sees);
        Ok(Some(ids.iter().filter_map(|id| c.contacts.listed.get(id)).map(|l| l.row.clone()).collect()))
    }
}

/// The records a write touched and those whose entries show them (`search::affected`: the
/// contacts and deals of a renamed company), each as it is now (None: gone), companies first.
fn affected_records(store: &Store, touched: &[Ref]) -> Result<Vec<(Ref, Option<Record>)>, StoreError> {
    search::affected(store, touched)?.into_iter().map(|r| Ok((r.clone(), store.get(&r)?))).collect()
}

/// One live contact as a list shows and filters it.
struct Listed {
    /// Its place in list order: the folded name.
    key: Box<str>,
    /// `contact_text`: what the text filter looks in.
    text: Box<str>,
    row: ContactRow,
}

/// A text filter whose letters are in more than one contact in this many walks the list in
/// order until it has enough (quick, precisely because so many match); a rarer one looks only
/// at the contacts holding all its three-byte windows.
const WALK_PAST: usize = 8;

/// Live contacts in list order (folded name, then id), and which contacts hold each three
/// bytes of text (a filter's letters find its matches without walking the list).
#[derive(Default)]
struct ContactList {
    order: BTreeSet<(Box<str>, ContactId)>,
    listed: HashMap<ContactId, Listed>,
    /// Company names as a contact's text holds them (trashed companies keep theirs).
    companies: HashMap<CompanyId, String>,
    /// When each contact was last contacted (its latest activity), trashed ones included.
    last: HashMap<u64, Timestamp>,
    /// Contacts by a number of their own, for `grams` (4 bytes a posting rather than 8).
    slots: Vec<ContactId>,
    slot_of: HashMap<ContactId, u32>,
    /// Three bytes of text → the slots of the live contacts whose text holds them, ascending.
    grams: HashMap<[u8; 3], Vec<u32>>,
    /// Each slot's place in list order (`u32::MAX`: not listed); rebuilt after writes that
    /// move contacts in the order.
    rank: Vec<u32>,
    moved: bool,
    /// Tests choose the way (true: candidates, false: walk) to compare the two.
    force: Option<bool>,
}

/// The distinct three-byte windows of `text`, ascending.
fn grams(text: &str) -> Vec<[u8; 3]> {
    let mut g: Vec<[u8; 3]> = text.as_bytes().windows(3).map(|w| [w[0], w[1], w[2]]).collect();
    g.sort_unstable();
    g.dedup();
    g
}

impl ContactList {
    fn build(store: &Store) -> Result<ContactList, StoreError> {
        let mut list = ContactList { last: last_contacts(store)?, ..ContactList::default() };
        store.scan(EntityKind::Company, &mut |r| {
            if let Record::Company(co) = r {
                list.companies.insert(co.id, co.name);
            }
            true
        })?;
        store.scan(EntityKind::Contact, &mut |r| {
            if let Record::Contact(c) = r {
                list.upsert(&c);
            }
            true
        })?;
        list.rank_if_moved();
        Ok(list)
    }

    fn slot(&mut self, id: ContactId) -> u32 {
        let slots = &mut self.slots;
        *self.slot_of.entry(id).or_insert_with(|| {
            slots.push(id);
            (slots.len() - 1) as u32
        })
    }

    /// Lists or unlists `slot` under each of `grams`, keeping the postings ascending.
    fn post(&mut self, slot: u32, grams: &[[u8; 3]], listed: bool) {
        for g in grams {
            let postings = self.grams.entry(*g).or_default();
            match (postings.binary_search(&slot), listed) {
                (Err(at), true) => postings.insert(at, slot),
                (Ok(at), false) => {
                    postings.remove(at);
                }
                _ => {}
            }
        }
    }

    /// Takes `id` out of the list (the caller marks the ranks `moved`).
    fn remove(&mut self, id: ContactId) -> Option<Listed> {
        let gone = self.listed.remove(&id)?;
        self.order.remove(&(gone.key.clone(), id));
        let slot = self.slot(id);
        self.post(slot, &grams(&gone.text), false);
        Some(gone)
    }

    fn upsert(&mut self, c: &Contact) {
        let before = self.remove(c.id);
        if c.deleted.is_some() {
            self.moved |= before.is_some();
            return;
        }
        let company = c.company.and_then(|co| self.companies.get(&co)).cloned().unwrap_or_default();
        let listed = Listed {
            key: super::fold(&c.name).into(),
            text: contact_text(c, &company).into(),
            row: ContactRow::of(c, company, self.last.get(&c.id.0).copied()),
        };
        let slot = self.slot(c.id);
        self.post(slot, &grams(&listed.text), true);
        self.order.insert((listed.key.clone(), c.id));
        // An edit that keeps the name keeps every contact's place: no ranks to rebuild.
        self.moved |= before.is_none_or(|b| b.key != listed.key);
        self.listed.insert(c.id, listed);
    }

    /// Reads when `contacts` were last contacted again (their activities changed).
    fn refresh_last(&mut self, store: &Store, contacts: &[ContactId]) -> Result<(), StoreError> {
        let ids: Vec<u64> = contacts.iter().map(|c| c.0).collect();
        let lasts = store.latest_under_each(crate::store::Tree::ActivityByContact, &ids)?;
        for (c, last) in contacts.iter().zip(lasts) {
            match last {
                Some(t) => self.last.insert(c.0, t),
                None => self.last.remove(&c.0),
            };
            if let Some(listed) = self.listed.get_mut(c) {
                listed.row.last_contact = self.last.get(&c.0).copied();
            }
        }
        Ok(())
    }

    fn rank_if_moved(&mut self) {
        if !self.moved {
            return;
        }
        self.rank = vec![u32::MAX; self.slots.len()];
        for (place, (_, id)) in self.order.iter().enumerate() {
            if let Some(&slot) = self.slot_of.get(id) {
                self.rank[slot as usize] = place as u32;
            }
        }
        self.moved = false;
    }

    /// `r` as it is now (None: gone); the order's ranks are left for `rank_if_moved`.
    fn note(&mut self, r: &Ref, rec: Option<Record>) {
        match (r, rec) {
            (Ref::Company(id), Some(Record::Company(co))) => {
                self.companies.insert(*id, co.name);
            }
            (Ref::Company(id), _) => {
                self.companies.remove(id);
            }
            (Ref::Contact(_), Some(Record::Contact(c))) => self.upsert(&c),
            (Ref::Contact(id), _) => {
                self.moved |= self.remove(*id).is_some();
            }
            _ => {}
        }
    }

    /// The first `limit` contacts in list order matching `q`'s filters that `sees` accepts.
    fn list(&self, q: &ContactQuery, limit: usize, sees: &mut dyn FnMut(&str, ContactId) -> bool) -> Vec<ContactId> {
        let needle = q.text.as_deref().map(super::fold).filter(|s| !s.is_empty());
        let tag = q.tag.as_deref().map(|t| t.trim_start_matches('#').to_lowercase());
        let mut keep = |id: ContactId, c: &Listed| {
            !(q.owner.as_deref().is_some_and(|o| o != c.row.owner)
                || q.company.is_some_and(|co| Some(co) != c.row.company_id)
                || tag.as_ref().is_some_and(|t| !c.row.tags.contains(t))
                || needle.as_ref().is_some_and(|n| !c.text.contains(n.as_str()))
                || !sees(&c.row.owner, id))
        };
        if let Some(candidates) = needle.as_deref().and_then(|n| self.candidates(n)) {
            // In list order first, then checked only until there are enough: a filter's
            // letters are often in thousands of contacts, and checking each (its record and
            // text) cost far more than ordering their ranks.
            let mut ranked: Vec<(u32, u32)> = candidates
                .into_iter()
                .map(|slot| (self.rank[slot as usize], slot))
                .filter(|(rank, _)| *rank != u32::MAX)
                .collect();
            ranked.sort_unstable();
            return ranked
                .into_iter()
                .map(|(_, slot)| self.slots[slot as usize])
                .filter(|id| self.listed.get(id).is_some_and(|c| keep(*id, c)))
                .take(limit)
                .collect();
        }
        let mut out = Vec::new();
        for (_, id) in &self.order {
            if out.len() >= limit {
                break;
            }
            if self.listed.get(id).is_some_and(|c| keep(*id, c)) {
                out.push(*id);
            }
        }
        out
    }

    /// The slots of the contacts holding every three-byte window of `needle` (a superset of
    /// those holding `needle`), or None when the list is better walked: a needle under three
    /// bytes, or one whose every window is in more than one contact in `WALK_PAST`.
    fn candidates(&self, needle: &str) -> Option<Vec<u32>> {
        let mut lists: Vec<&[u32]> =
            grams(needle).iter().map(|g| self.grams.get(g).map_or(&[][..], Vec::as_slice)).collect();
        lists.sort_by_key(|p| p.len());
        let (first, rest) = lists.split_first()?;
        let dense = first.len() * WALK_PAST > self.listed.len();
        if !self.force.unwrap_or(!dense) {
            return None;
        }
        // Both ascending: each list is searched onward from where the last slot was found.
        let mut at = vec![0; rest.len()];
        Some(
            first
                .iter()
                .copied()
                .filter(|slot| rest.iter().zip(at.iter_mut()).all(|(p, from)| gallop(p, from, *slot)))
                .collect(),
        )
    }
}

/// Whether ascending `list` holds `slot`, looking from `*from` on in growing steps, then
/// halving; `*from` moves to the first entry not below `slot` (slots are asked ascending).
fn gallop(list: &[u32], from: &mut usize, slot: u32) -> bool {
    let mut step = 1;
    let mut hi = *from;
    while hi < list.len() && list[hi] < slot {
        *from = hi + 1;
        hi += step;
        step *= 2;
    }
    let hi = hi.min(list.len());
    *from += list[*from..hi].partition_point(|&s| s < slot);
    list.get(*from) == Some(&slot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::Crm;
    use std::sync::Arc;

    /// Every answer from memory is the answer read from the database: searches and contact
    /// lists, for an admin, a manager and a rep, in team and private visibility, after writes
    /// that change what lists and searches hold (a company renamed, a contact trashed, an undo,
    /// a share, a new contact).
    #[test]
    fn answers_from_memory_are_the_answers_from_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let anna = Crm::open_in(dir.path(), "anna");
        let now = anna.now();
        crate::services::demo::generate(anna.store(), "anna", now, 400, 7, &mut |_, _| {}).unwrap();
        // Two views of one database: one reads it each time, one from memory.
        let plain = Crm { reads: Arc::default(), ..anna.clone() };
        let cached = anna.clone();
        assert!(cached.reads.set(ReadCache::default()).is_ok());
        cached.read_cache().unwrap().fill(cached.store()).unwrap();
        assert!(plain.read_cache().is_none());

        let compare = |what: &str| {
            for login in ["anna", "marta", "kenji", "olek"] {
                let (p, c) = (plain.as_user(login).unwrap(), cached.as_user(login).unwrap());
                for text in ["a", "mar", "sato", "gmbh", "+4", "#vip", "@a", "$a", "!call", "zzzq"] {
                    let q = Query::parse(text);
                    assert_eq!(
                        p.search(&q, 20).unwrap(),
                        c.search(&q, 20).unwrap(),
                        "{what}: {login} searching {text}"
                    );
                }
                for (text, tag) in
                    [(None, None), (Some("mar"), None), (Some("gmbh"), None), (Some("+4"), None), (None, Some("vip"))]
                {
                    for limit in [1, 7, 50] {
                        let q = ContactQuery {
                            text: text.map(String::from),
                            tag: tag.map(String::from),
                            limit: Some(limit),
                            ..ContactQuery::default()
                        };
                        let from_memory =
                            c.read_cache().unwrap().contact_rows(c.store(), &q, &mut |_, _| true).unwrap();
                        assert!(from_memory.is_some(), "{what}: the cache answers a limited list by name");
                        assert_eq!(p.contacts(&q).unwrap(), c.contacts(&q).unwrap(), "{what}: {login} listing {q:?}");
                    }
                }
            }
        };
        compare("as generated");
        let Record::Contact(first) = anna.store().all_live(EntityKind::Contact).unwrap().remove(0) else { panic!() };
        let company = first.company.expect("demo contacts mostly have a company");
        anna.apply(vec![Change::Edit {
            target: Ref::Company(company),
            edits: vec![Edit::Name("Zzzq Renamed GmbH".into())],
        }])
        .unwrap();
        compare("company renamed");
        assert!(!cached
            .contacts(&ContactQuery { text: Some("zzzq".into()), limit: Some(5), ..ContactQuery::default() })
            .unwrap()
            .is_empty());
        // A call logged, then moved to the trash: the contact's last contact follows.
        let call = Activity {
            kind: ActivityKind::Call,
            at: Timestamp(now.0 + 60_000),
            contact: Some(first.id),
            summary: "Called".into(),
            ..Activity::default()
        };
        let logged = anna.apply(vec![Change::Create(Record::Activity(call))]).unwrap();
        compare("call logged");
        let listed = |c: &Crm| {
            c.contacts(&ContactQuery { text: Some(first.name.clone()), limit: Some(50), ..ContactQuery::default() })
        };
        assert!(listed(&cached)
            .unwrap()
            .iter()
            .any(|r| r.id == first.id && r.last_contact == Some(Timestamp(now.0 + 60_000))));
        anna.apply(vec![Change::Trash { target: logged.created[0].clone() }]).unwrap();
        compare("call trashed");
        anna.apply(vec![Change::Trash { target: Ref::Contact(first.id) }]).unwrap();
        compare("contact trashed");
        anna.undo().unwrap();
        compare("trash undone");
        anna.set_visibility(Visibility::Private).unwrap();
        compare("private");
        anna.share(Ref::Contact(first.id), "kenji").unwrap();
        anna.apply(vec![Change::Create(Record::Contact(Contact {
            id: ContactId::placeholder(1),
            name: "Aaron Zzzq".into(),
            owner: "olek".into(),
            ..Contact::default()
        }))])
        .unwrap();
        compare("shared, and a contact added");
        // An edit that keeps the name keeps the list order; a rename moves the contact.
        let Record::Contact(second) = anna.store().all_live(EntityKind::Contact).unwrap().remove(1) else { panic!() };
        anna.apply(vec![Change::Edit { target: Ref::Contact(second.id), edits: vec![Edit::AddTag("zzzq".into())] }])
            .unwrap();
        compare("a contact tagged");
        anna.apply(vec![Change::Edit {
            target: Ref::Contact(second.id),
            edits: vec![Edit::Name("Aaab Marzzzq".into())],
        }])
        .unwrap();
        compare("a contact renamed");
    }

    #[test]
    fn galloping_finds_exactly_the_slots_a_list_holds() {
        let list: Vec<u32> = (0..500).map(|n| n * 9 + (n % 7)).collect();
        let mut from = 0;
        for slot in 0..4600 {
            assert_eq!(gallop(&list, &mut from, slot), list.binary_search(&slot).is_ok(), "slot {slot}");
        }
        let (mut from, empty) = (0, []);
        assert!(!gallop(&empty, &mut from, 3));
    }

    /// What `Cached::catch_up` does for the list: the records a write touched, as they are now.
    fn refresh(list: &mut ContactList, store: &Store, touched: &[Ref]) -> Result<(), StoreError> {
        for (r, rec) in affected_records(store, touched)? {
            list.note(&r, rec);
        }
        list.rank_if_moved();
        Ok(())
    }

    /// A text filter finds the same contacts from the few that hold its rarest bytes as by
    /// walking the whole list, after edits that take bytes away and give them back.
    #[test]
    fn candidates_by_rare_bytes_are_the_contacts_walking_the_list_finds() {
        let dir = tempfile::tempdir().unwrap();
        let anna = Crm::open_in(dir.path(), "anna");
        crate::services::demo::generate(anna.store(), "anna", anna.now(), 300, 11, &mut |_, _| {}).unwrap();
        let mut list = ContactList::build(anna.store()).unwrap();
        let ids: Vec<ContactId> = list.order.iter().map(|(_, id)| *id).take(3).collect();
        let rename =
            |id: ContactId, name: &str| Change::Edit { target: Ref::Contact(id), edits: vec![Edit::Name(name.into())] };
        let texts = ["mar", "gmbh", "ller", "@", "qqqzx", "ana", "ö", "renamed", "+49 30", "1"];
        let check = |list: &mut ContactList, what: &str| {
            for text in texts {
                for (limit, owner) in [(5, None), (50, None), (1000, None), (50, Some("kenji"))] {
                    let q = ContactQuery {
                        text: Some(text.into()),
                        owner: owner.map(String::from),
                        ..ContactQuery::default()
                    };
                    list.force = Some(true);
                    let fast = list.list(&q, limit, &mut |_, _| true);
                    list.force = Some(false);
                    let walked = list.list(&q, limit, &mut |_, _| true);
                    list.force = None;
                    assert_eq!(fast, walked, "{what}: {text:?} limit {limit} owner {owner:?}");
                }
            }
        };
        check(&mut list, "as built");
        for (i, name) in ["Renamed Qqqzx", "Renamed Again", "Qqqzx Renamed"].iter().enumerate() {
            anna.apply(vec![rename(ids[i % 2], name)]).unwrap();
            refresh(&mut list, anna.store(), &[Ref::Contact(ids[i % 2])]).unwrap();
            check(&mut list, name);
        }
        let find = |list: &ContactList, text: &str| {
            list.list(&ContactQuery { text: Some(text.into()), ..ContactQuery::default() }, 9, &mut |_, _| true)
        };
        assert_eq!(find(&list, "qqqzx"), [ids[0]]);
        assert_eq!(find(&list, "renamed again"), [ids[1]]);
        anna.apply(vec![Change::Trash { target: Ref::Contact(ids[2]) }]).unwrap();
        refresh(&mut list, anna.store(), &[Ref::Contact(ids[2])]).unwrap();
        anna.undo().unwrap();
        refresh(&mut list, anna.store(), &[Ref::Contact(ids[2])]).unwrap();
        check(&mut list, "trashed and back");
        assert_eq!(list.order.len(), list.listed.len());
        // Postings are exact: each live contact under each window of its text, and nothing else.
        let mut expected: HashMap<[u8; 3], Vec<u32>> = HashMap::new();
        for (id, c) in &list.listed {
            for g in grams(&c.text) {
                expected.entry(g).or_default().push(list.slot_of[id]);
            }
        }
        expected.values_mut().for_each(|v| v.sort_unstable());
        list.grams.retain(|_, v| !v.is_empty());
        assert_eq!(list.grams, expected);
    }
}
