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

use super::query::{contact_text, ContactQuery, ContactSort};
use super::search::{self, Hit, Query, SearchIndex};
use crate::domain::*;
use crate::store::{Store, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::sync::{RwLock, RwLockReadGuard};

/// Past this many records written since the last look (an import), rebuilding is cheaper
/// than refreshing them one by one.
const REBUILD_PAST: usize = 20_000;

/// Contact lists longer than this are read from the store as before (the rows are the cost).
pub const LIST_MAX: usize = 5_000;

#[derive(Default)]
pub struct ReadCache {
    state: RwLock<Option<Cached>>,
}

struct Cached {
    /// The journal head the cache reflects: every entry before it is in.
    head: u64,
    index: SearchIndex,
    contacts: ContactList,
}

impl Cached {
    fn build(store: &Store) -> Result<Cached, StoreError> {
        // The head first: whatever is written while reading is refreshed at the next look.
        let head = store.journal_head()?;
        let index = SearchIndex::build(store)?;
        let contacts = ContactList::build(store)?;
        Ok(Cached { head, index, contacts })
    }

    fn catch_up(&mut self, store: &Store, head: u64) -> Result<(), StoreError> {
        let mut touched: Vec<Ref> = Vec::new();
        for seq in self.head..head {
            if let Some(entry) = store.journal_entry(seq)? {
                touched.extend(entry.writes.iter().filter_map(|w| w.reference()));
            }
            if touched.len() > REBUILD_PAST {
                *self = Cached::build(store)?;
                return Ok(());
            }
        }
        touched.sort();
        touched.dedup();
        self.index.refresh(store, &touched)?;
        self.contacts.refresh(store, &touched)?;
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

    /// The cache brought up to date with the journal, or None while it is being filled.
    fn current(&self, store: &Store) -> Result<Option<RwLockReadGuard<'_, Option<Cached>>>, StoreError> {
        let head = store.journal_head()?;
        {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            match state.as_ref() {
                None => return Ok(None),
                Some(c) if c.head >= head => return Ok(Some(state)),
                Some(_) => {}
            }
        }
        {
            let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = state.as_mut() {
                // Another reader may have caught up meanwhile.
                if c.head < head {
                    c.catch_up(store, head)?;
                }
            }
        }
        Ok(Some(self.state.read().unwrap_or_else(|e| e.into_inner())))
    }

    /// The best `limit` hits among every live record; None while the cache is being filled.
    pub fn search(&self, store: &Store, query: &Query, limit: usize) -> Result<Option<Vec<Hit>>, StoreError> {
        let Some(state) = self.current(store)? else { return Ok(None) };
        Ok(state.as_ref().map(|c| c.index.search(query, limit)))
    }

    /// The contacts a list shows, in order, that `sees(owner, contact)` accepts; None when the
    /// cache cannot answer this query (another order, no limit or a long one) or is being
    /// filled.
    pub fn contact_ids(
        &self,
        store: &Store,
        q: &ContactQuery,
        sees: &mut dyn FnMut(&str, ContactId) -> bool,
    ) -> Result<Option<Vec<ContactId>>, StoreError> {
        let limit = match q.limit {
            Some(n) if n <= LIST_MAX && q.sort == ContactSort::Name => n,
            _ => return Ok(None),
        };
        let Some(state) = self.current(store)? else { return Ok(None) };
        let Some(c) = state.as_ref() else { return Ok(None) };
        Ok(Some(c.contacts.list(q, limit, sees)))
    }
}

/// One live contact as a list filters it.
struct Listed {
    /// `contact_text`: what the text filter looks in.
    text: Box<str>,
    owner: Box<str>,
    tags: Box<[String]>,
    company: Option<CompanyId>,
}

/// Live contacts in list order (folded name, then id).
#[derive(Default)]
struct ContactList {
    order: BTreeMap<(Box<str>, ContactId), Listed>,
    /// Each contact's key in `order`.
    keys: HashMap<ContactId, Box<str>>,
    /// Company names as a contact's text holds them (trashed companies keep theirs).
    companies: HashMap<CompanyId, String>,
}

impl ContactList {
    fn build(store: &Store) -> Result<ContactList, StoreError> {
        let mut list = ContactList::default();
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
        Ok(list)
    }

    fn remove(&mut self, id: ContactId) {
        if let Some(key) = self.keys.remove(&id) {
            self.order.remove(&(key, id));
        }
    }

    fn upsert(&mut self, c: &Contact) {
        self.remove(c.id);
        if c.deleted.is_some() {
            return;
        }
        let company = c.company.and_then(|co| self.companies.get(&co)).map_or("", String::as_str);
        let listed = Listed {
            text: contact_text(c, company).into(),
            owner: c.owner.as_str().into(),
            tags: c.tags.clone().into(),
            company: c.company,
        };
        let key: Box<str> = super::fold(&c.name).into();
        self.keys.insert(c.id, key.clone());
        self.order.insert((key, c.id), listed);
    }

    /// Brings the records written since the last look up to date (contacts of a renamed
    /// company included: their text holds its name).
    fn refresh(&mut self, store: &Store, touched: &[Ref]) -> Result<(), StoreError> {
        for r in search::affected(store, touched)? {
            match r {
                Ref::Company(id) => match store.get(&r)? {
                    Some(Record::Company(co)) => {
                        self.companies.insert(id, co.name);
                    }
                    _ => {
                        self.companies.remove(&id);
                    }
                },
                Ref::Contact(id) => match store.get(&r)? {
                    Some(Record::Contact(c)) => self.upsert(&c),
                    _ => self.remove(id),
                },
                _ => {}
            }
        }
        Ok(())
    }

    /// The first `limit` contacts in list order matching `q`'s filters that `sees` accepts.
    fn list(&self, q: &ContactQuery, limit: usize, sees: &mut dyn FnMut(&str, ContactId) -> bool) -> Vec<ContactId> {
        let needle = q.text.as_deref().map(super::fold).filter(|s| !s.is_empty());
        let tag = q.tag.as_deref().map(|t| t.trim_start_matches('#').to_lowercase());
        let mut out = Vec::new();
        for ((_, id), c) in &self.order {
            if out.len() >= limit {
                break;
            }
            if q.owner.as_deref().is_some_and(|o| o != &*c.owner)
                || q.company.is_some_and(|co| Some(co) != c.company)
                || tag.as_ref().is_some_and(|t| !c.tags.contains(t))
                || needle.as_ref().is_some_and(|n| !c.text.contains(n.as_str()))
                || !sees(&c.owner, *id)
            {
                continue;
            }
            out.push(*id);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::{Crm, OpenOptions};
    use std::sync::Arc;

    /// Every answer from memory is the answer read from the database: searches and contact
    /// lists, for an admin, a manager and a rep, in team and private visibility, after writes
    /// that change what lists and searches hold (a company renamed, a contact trashed, an undo,
    /// a share, a new contact).
    #[test]
    fn answers_from_memory_are_the_answers_from_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let anna = Crm::open(OpenOptions {
            db: Some(dir.path().join("db")),
            config: Some(dir.path().join("none.toml")),
            engine: None,
            user: Some("anna".into()),
        })
        .unwrap();
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
                        let from_memory = c.read_cache().unwrap().contact_ids(c.store(), &q, &mut |_, _| true).unwrap();
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
    }
}
