//! The bulk write path: a batch made only of record creations (an import) written with the
//! same rules and the same journal entry as `apply`, but without the per-record work a batch of
//! edits needs. Fresh ids have no before-image to read and no old index entries to diff; the
//! index entries are gathered per tree and written in key order after the records, the trees
//! at once (`Txn::put_keys`); each record is encoded once, and its bytes go to its tree and
//! then move (not copy) into the journal entry. A large batch is prepared (ids mapped,
//! validated, encoded) on another thread while this one checks links in batch order and
//! writes, and its journal entry is encoded and compressed beside the index inserts.
//!
//! `create_in` answers `None` when the batch is not one it can take (an edit in it, a user to
//! create, a placeholder created twice, or an id counter that does not lie beyond every key of
//! its tree); `apply_in` then runs the general path, so the result never depends on which
//! path wrote it.

use super::apply::{self, Receipt};
use super::codec::{self, encode_record};
use super::engine::{full_range, Txn};
use super::error::StoreError;
use super::journal::{history_keys, JournalEntry, Logged, Op, Write};
use super::keys::{self, meta};
use super::trees::Tree;
use crate::domain::ids::PLACEHOLDER_BASE;
use crate::domain::*;
use std::collections::{HashMap, HashSet};

#[cfg(test)]
thread_local! {
    /// Tests turn the bulk path off to compare it with the general one.
    static OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Set in a process that ends right after its one large write (`crm import`): what the OS
/// takes back at exit anyway is not freed one block at a time.
static EXITS_AFTER_WRITE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn set_exits_after_write() {
    EXITS_AFTER_WRITE.store(true, std::sync::atomic::Ordering::Relaxed);
}

pub fn exits_after_write() -> bool {
    EXITS_AFTER_WRITE.load(std::sync::atomic::Ordering::Relaxed)
}

/// Lets go of a large structure without making the caller wait for it: in a process that exits
/// after this write it is left for the OS (freeing 100k records costs a core for a tenth of a
/// second), elsewhere (the TUI, a server) it is freed on another thread.
pub fn release<T: Send + 'static>(big: T) {
    if exits_after_write() {
        std::mem::forget(big);
    } else {
        std::thread::spawn(move || drop(big));
    }
}

/// Whether every change of the batch creates a numbered record (not a user).
pub(crate) fn is_bulk(changes: &[Change]) -> bool {
    #[cfg(test)]
    if OFF.with(|o| o.get()) {
        return false;
    }
    !changes.is_empty()
        && changes.iter().all(
            |c| matches!(c, Change::Create(r) if !matches!(r, Record::User(_)) && r.reference().number().is_some()),
        )
}

/// Per kind: the next id to hand out, checked to lie beyond every key of the kind's tree, and
/// the first one this batch handed out.
struct Ids {
    counters: [Option<u64>; 6],
    starts: [Option<u64>; 6],
}

fn slot(kind: EntityKind) -> usize {
    EntityKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl Ids {
    /// The next id of `kind`; None when the tree already holds a key at or beyond the counter
    /// (a database repaired by hand): then the general path, which reads before it writes, runs.
    fn next(&mut self, txn: &dyn Txn, kind: EntityKind) -> Result<Option<u64>, StoreError> {
        let i = slot(kind);
        let n = match self.counters[i] {
            Some(n) => n,
            None => {
                let n = txn.get(Tree::Meta, &meta::next_id(kind))?.as_deref().and_then(keys::read_u64).unwrap_or(1);
                let mut last = None;
                txn.scan(keys::entity_tree(kind), full_range(), true, &mut |k, _| {
                    last = keys::read_u64(k);
                    false
                })?;
                if last.is_some_and(|l| l >= n) {
                    return Ok(None);
                }
                self.starts[i] = Some(n);
                n
            }
        };
        self.counters[i] = Some(n + 1);
        Ok(Some(n))
    }
}

/// Per kind, the real id and position of each placeholder the batch creates, by placeholder
/// number (a planner numbers them 1, 2, 3…: a vector, not a hash map of 100k entries).
struct Placeholders {
    slots: [Vec<Option<(u64, usize)>>; 6],
}

impl Placeholders {
    /// False when `n` is already created in the batch, or too far beyond its size.
    fn insert(&mut self, kind: EntityKind, n: u64, at: (u64, usize), batch: usize) -> bool {
        let slots = &mut self.slots[slot(kind)];
        let Some(i) = usize::try_from(n).ok().filter(|i| *i <= 2 * batch + 64) else { return false };
        if slots.len() <= i {
            slots.resize(i + 1, None);
        }
        slots[i].replace(at).is_none()
    }

    fn get(&self, kind: EntityKind, n: u64) -> Option<(u64, usize)> {
        self.slots[slot(kind)].get(usize::try_from(n).ok()?).copied().flatten()
    }
}

/// Which linked records are live: those this batch created so far (by id, from the first
/// fresh one of their kind), and those of the database, read once each.
struct Live {
    batch: [Vec<bool>; 6],
    starts: [Option<u64>; 6],
    found: HashSet<Ref>,
}

impl Live {
    fn created(&mut self, kind: EntityKind, live: bool) {
        self.batch[slot(kind)].push(live);
    }

    /// Some(live) for a record this batch created so far, None for one it did not.
    fn in_batch(&self, r: &Ref) -> Option<bool> {
        let (i, n) = (slot(r.kind()), r.number()?);
        let start = self.starts[i]?;
        self.batch[i].get(usize::try_from(n.checked_sub(start)?).ok()?).copied()
    }
}

/// A record of the batch made ready off the transaction: ids mapped, stamped, validated,
/// encoded, its index entries and label made; of the record itself only what the checks that
/// read the database need (holding 100k records until then cost a third more memory).
/// Errors keep their stage so that the first bad record fails the batch with the message the
/// general path gives.
struct Prepared {
    target: Ref,
    live: bool,
    /// The owner (assignee of a task) when it is not the author: it must be a user.
    owner: Option<String>,
    links: Vec<Ref>,
    bytes: Vec<u8>,
    index: Vec<(Tree, Vec<u8>)>,
    label: String,
    /// An error found before the links are checked (a placeholder not created earlier).
    before_links: Option<StoreError>,
    /// An error found after (validation, encoding).
    after_links: Option<StoreError>,
}

/// What `create_in` keeps of a record once it is written, to free with the batch.
type Leftover = (Vec<(Tree, Vec<u8>)>, Vec<Ref>, Option<String>);

/// Below this many records the batch is prepared on the calling thread: starting a thread costs
/// more than it saves.
const PARALLEL_FROM: usize = 2048;

/// Records handed over at a time by the thread that prepares them.
const CHUNK: usize = 512;

/// A batch as `apply` gets it: borrowed, or handed over by a caller that has no more use for
/// it (`Store::apply_owned`), whose records the bulk path then takes instead of cloning
/// (cloning 100k records was a third of preparing them).
pub(crate) enum Records<'a> {
    Borrowed(&'a [Change]),
    Taken(&'a mut Vec<Change>),
}

impl Records<'_> {
    pub(crate) fn changes(&self) -> &[Change] {
        match self {
            Records::Borrowed(c) => c,
            Records::Taken(c) => c,
        }
    }
}

/// The record a change creates, cloned.
fn record_of(change: &Change) -> Record {
    match change {
        Change::Create(r) => r.clone(),
        // `create_in` only prepares batches of creations.
        _ => Record::Contact(Contact::default()),
    }
}

/// The record a change creates, taken (an empty contact is left in its place).
fn take_record(change: &mut Change) -> Record {
    match change {
        Change::Create(r) => std::mem::replace(r, Record::Contact(Contact::default())),
        _ => Record::Contact(Contact::default()),
    }
}

/// Writes a batch of creations; None (nothing written, nothing taken) when the general path
/// must take it. Records of a `Taken` batch are taken once its ids are settled: after an error
/// the batch is gone with the failed write.
pub(crate) fn create_in(
    txn: &mut dyn Txn,
    pipeline: &Pipeline,
    author: &str,
    at: Timestamp,
    records: &mut Records<'_>,
) -> Result<Option<Receipt>, StoreError> {
    let changes = records.changes();
    // First the ids, in batch order (cheap): each change's real id, and where each placeholder
    // is created, so that the records can then be prepared in parallel.
    let mut ids = Ids { counters: [None; 6], starts: [None; 6] };
    let mut placeholders = Placeholders { slots: Default::default() };
    let mut reals = Vec::with_capacity(changes.len());
    for (pos, change) in changes.iter().enumerate() {
        let Change::Create(original) = change else { return Ok(None) };
        let kind = original.kind();
        let Some(own) = original.reference().number() else { return Ok(None) };
        let Some(real) = ids.next(txn, kind)? else { return Ok(None) };
        // A placeholder created twice means different records at different points of the
        // batch: the general path, which maps as it goes, takes such a batch (and one numbered
        // far beyond the batch's size, which a planner does not make).
        if own >= PLACEHOLDER_BASE && !placeholders.insert(kind, own - PLACEHOLDER_BASE, (real, pos), changes.len()) {
            return Ok(None);
        }
        reals.push(real);
    }
    // Then in batch order, as records come prepared (on another thread for a large batch),
    // what depends on the records before them: links to live records, owners that are users,
    // the first error; and each record is written (a later error rolls the transaction back).
    let seq = txn.get(Tree::Meta, meta::NEXT_SEQ)?.as_deref().and_then(keys::read_u64).unwrap_or(1);
    let mut live = Live { batch: Default::default(), starts: ids.starts, found: HashSet::new() };
    let mut users: HashMap<String, bool> = HashMap::new();
    // Per index tree (a handful), its entries not written yet.
    let mut index: Vec<(Tree, Vec<Vec<u8>>)> = Vec::new();
    let mut writes = Vec::with_capacity(changes.len());
    let mut logged = Vec::with_capacity(changes.len());
    let mut created = Vec::with_capacity(changes.len());
    // What is left of each record once written (made on the thread that prepares them): freed
    // with the batch (`release`), not one record at a time here, where freeing another
    // thread's blocks took a tenth of this thread's time in a large batch.
    let large = changes.len() >= PARALLEL_FROM;
    let mut leftovers: Vec<Leftover> = Vec::with_capacity(if large { changes.len() } else { 0 });
    let mut take = |txn: &mut dyn Txn, mut p: Prepared| -> Result<(), StoreError> {
        if let Some(e) = p.before_links {
            return Err(e);
        }
        check_links(txn, &p, &mut live, &mut users)?;
        if let Some(e) = p.after_links {
            return Err(e);
        }
        let r = p.target;
        for (tree, key) in p.index.drain(..) {
            // Written after the records, sorted, a tree per thread (`Txn::put_keys`).
            match index.iter_mut().find(|(t, _)| *t == tree) {
                Some((_, keys)) => keys.push(key),
                None => index.push((tree, vec![key])),
            }
        }
        let (kind, key) = (r.kind(), keys::entity_key(&r));
        // Fresh ids are increasing: each entity tree is appended to.
        txn.put(keys::entity_tree(kind), &key, &p.bytes)?;
        writes.push(Write { kind, key, before: None, after: Some(p.bytes) });
        logged.push(Logged::Created { target: r.clone(), label: p.label });
        live.created(kind, p.live);
        created.push(r);
        if large {
            leftovers.push((p.index, p.links, p.owner));
        }
        Ok(())
    };
    let prep = |pos: usize, rec: Record| prepare(rec, pos, &reals, &placeholders, pipeline, author, at);
    let one_thread = changes.len() < PARALLEL_FROM || std::thread::available_parallelism().map_or(1, |n| n.get()) < 2;
    // In batch order, each record cloned out of a borrowed batch or taken out of one handed over.
    let mut recs: Box<dyn Iterator<Item = Record> + Send + '_> = match records {
        Records::Borrowed(changes) => Box::new(changes.iter().map(record_of)),
        Records::Taken(changes) => Box::new(changes.iter_mut().map(take_record)),
    };
    if one_thread {
        for (pos, rec) in recs.enumerate() {
            take(txn, prep(pos, rec))?;
        }
    } else {
        // One thread prepares (maps ids, stamps, validates, encodes) while this one checks and
        // writes: on two cores the two halves of the work overlap.
        std::thread::scope(|s| -> Result<(), StoreError> {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(8);
            s.spawn(move || {
                for n in 0.. {
                    let batch: Vec<Prepared> =
                        recs.by_ref().take(CHUNK).enumerate().map(|(i, rec)| prep(n * CHUNK + i, rec)).collect();
                    // Done, or this side stopped at an error: the rest is not needed.
                    if batch.is_empty() || tx.send(batch).is_err() {
                        break;
                    }
                }
            });
            for batch in rx {
                for p in batch {
                    take(txn, p)?;
                }
            }
            Ok(())
        })?;
    }
    let entry = JournalEntry { seq, at, author: author.to_string(), op: Op::Apply, changes: logged, writes };
    // Fresh ids run on: a few range keys, not one per record (`keys::history`).
    let history = history_keys(seq, &entry.writes, &entry.changes);

    // The journal entry is encoded (and compressed) on another thread (in a large batch) while
    // the index entries are written, sorted, each tree on a thread of its own (redb).
    index.sort_by_key(|(t, _)| *t);
    std::thread::scope(|s| -> Result<(), StoreError> {
        let journal = beside(s, large, || codec::encode_journal(&entry).map(super::journal::pack));
        txn.put_keys(&mut index)?;
        for k in &history {
            txn.put(Tree::RecordHistory, k, &[])?;
        }
        for (i, next) in ids.counters.iter().enumerate() {
            if let (Some(next), Some(kind)) = (next, EntityKind::ALL.get(i)) {
                txn.put(Tree::Meta, &meta::next_id(*kind), &keys::id(*next))?;
            }
        }
        txn.put(Tree::Meta, meta::NEXT_SEQ, &keys::id(seq + 1))?;
        let bytes = journal.join().map_err(|_| StoreError::Engine("encoding the journal entry failed".into()))??;
        super::journal::put(txn, seq, &bytes)
    })?;
    apply::push(txn, Tree::Undo, author, seq)?;
    apply::clear_stack(txn, Tree::Redo, author)?;
    // What `apply::receipt` makes of such an entry: it wrote the records it created, no others.
    let receipt = Receipt { seq, touched: created.clone(), created, summary: entry.summary() };
    // The entry's 100k record images (and what else the batch made) are not freed before the
    // commit.
    if large {
        release((entry, leftovers, index));
    }
    Ok(Some(receipt))
}

/// `f` run on another thread of `s` when `large`, else here and now: a thread costs more than
/// the work of a small batch (a server logging one call per request started three per write,
/// while it held the write lock).
fn beside<'s, T: Send + 's>(
    s: &'s std::thread::Scope<'s, '_>,
    large: bool,
    f: impl FnOnce() -> T + Send + 's,
) -> Later<'s, T> {
    if large {
        Later::Running(s.spawn(f))
    } else {
        Later::Done(f())
    }
}

enum Later<'s, T> {
    Running(std::thread::ScopedJoinHandle<'s, T>),
    Done(T),
}

impl<T> Later<'_, T> {
    fn join(self) -> std::thread::Result<T> {
        match self {
            Later::Running(h) => h.join(),
            Later::Done(t) => Ok(t),
        }
    }
}

/// One record of the batch, at position `pos`: as `apply` would make it, short of the checks
/// that read the database.
fn prepare(
    mut rec: Record,
    pos: usize,
    reals: &[u64],
    placeholders: &Placeholders,
    pipeline: &Pipeline,
    author: &str,
    at: Timestamp,
) -> Prepared {
    let (kind, own, real) = (rec.kind(), rec.reference().number(), reals.get(pos).copied().unwrap_or(0));
    let mut before_links = None;
    rec.map_ids(&mut |k, n| {
        if k == kind && Some(n) == own {
            return real;
        }
        if n < PLACEHOLDER_BASE {
            return n;
        }
        match placeholders.get(k, n - PLACEHOLDER_BASE) {
            Some((v, at)) if at < pos => v,
            _ => {
                // The last one, as the general path reports it.
                before_links = Some(StoreError::validation(
                    k.name(),
                    format!("placeholder {} is not created earlier in this batch", n - PLACEHOLDER_BASE),
                ));
                n
            }
        }
    });
    rec.stamp_new(at, author);
    rec.set_updated(at);
    let mut out = Prepared {
        target: rec.reference(),
        live: rec.deleted().is_none(),
        owner: rec.owner().filter(|o| *o != author).map(str::to_string),
        links: rec.links(),
        bytes: Vec::new(),
        index: Vec::new(),
        label: String::new(),
        before_links,
        after_links: None,
    };
    if out.before_links.is_some() {
        return out;
    }
    if let Err(e) = crate::domain::validate::record(&rec, pipeline) {
        out.after_links = Some(e.into());
        return out;
    }
    match encode_record(&rec) {
        Ok(b) => out.bytes = b,
        Err(e) => {
            out.after_links = Some(e);
            return out;
        }
    }
    out.index = keys::index_entries(&rec);
    out.label = rec.label().to_string();
    out
}

/// `apply`'s link rules: an owner other than the author is a user; a linked record exists and
/// is not in the trash.
fn check_links(
    txn: &dyn Txn,
    rec: &Prepared,
    live: &mut Live,
    users: &mut HashMap<String, bool>,
) -> Result<(), StoreError> {
    if let Some(o) = rec.owner.as_deref() {
        let known = match users.get(o) {
            Some(k) => *k,
            None => {
                let k = txn.get(Tree::Users, &keys::entity_key(&Ref::User(o.to_string())))?.is_some();
                users.insert(o.to_string(), k);
                k
            }
        };
        if !known {
            let field = if rec.target.kind() == EntityKind::Task { "assignee" } else { "owner" };
            return Err(StoreError::validation(field, format!("there is no user \"{o}\"; see `crm user list`")));
        }
    }
    for link in &rec.links {
        match live.in_batch(link) {
            Some(true) => continue,
            Some(false) => {
                let msg = format!("{link} is in the trash");
                return Err(StoreError::validation(link.kind().name(), msg));
            }
            None if live.found.contains(link) => continue,
            None => {}
        }
        let msg = match txn.get(keys::entity_tree(link.kind()), &keys::entity_key(link))? {
            None => format!("{link} does not exist"),
            Some(b) if codec::decode_record(link.kind(), &b)?.deleted().is_some() => format!("{link} is in the trash"),
            Some(_) => {
                live.found.insert(link.clone());
                continue;
            }
        };
        return Err(StoreError::validation(link.kind().name(), msg));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{engine, EngineKind, Store};

    const AT: Timestamp = Timestamp(1_795_770_000_000);

    /// Every entry of every tree: records, indexes, journal, stacks, counters, history.
    fn everything(store: &Store) -> crate::store::Snapshot {
        let mut out = std::collections::BTreeMap::new();
        for t in Tree::ALL {
            let mut entries = Vec::new();
            store
                .engine()
                .scan(t, engine::full_range(), false, &mut |k, v| {
                    entries.push((k.to_vec(), v.to_vec()));
                    true
                })
                .expect("scan");
            out.insert(t.name(), entries);
        }
        out
    }

    fn contact(n: u64, name: &str, company: Option<CompanyId>) -> Record {
        Record::Contact(Contact {
            id: ContactId::placeholder(n),
            name: name.into(),
            company,
            emails: vec![Labeled { label: "work".into(), value: format!("{n}@atlas.de") }],
            cadence_days: n.is_multiple_of(2).then_some(14),
            ..Contact::default()
        })
    }

    /// An import-like batch: a new company and contacts linked to it, a contact of a company
    /// that was there before, a trashed one, a deal, an open and a done task, an activity.
    fn batch() -> Vec<Change> {
        let new_co = CompanyId::placeholder(1);
        let mut changes = vec![Change::Create(Record::Company(Company {
            id: new_co,
            name: "Nordwind".into(),
            ..Company::default()
        }))];
        for n in 1..=5 {
            changes.push(Change::Create(contact(n, &format!("Person {n}"), Some(new_co))));
        }
        changes.push(Change::Create(contact(6, "Jan Koch", Some(CompanyId(1)))));
        let Record::Contact(mut gone) = contact(7, "Gone", None) else { unreachable!() };
        gone.deleted = Some(AT);
        changes.push(Change::Create(Record::Contact(gone)));
        changes.push(Change::Create(Record::Deal(Deal {
            id: DealId::placeholder(1),
            title: "Annual supply".into(),
            stage: "lead".into(),
            company: Some(new_co),
            contact: Some(ContactId::placeholder(2)),
            ..Deal::default()
        })));
        for (n, done) in [(1, None), (2, Some(AT))] {
            changes.push(Change::Create(Record::Task(Task {
                id: TaskId::placeholder(n),
                title: format!("Task {n}"),
                due: Due::Day(Day(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"))),
                contact: Some(ContactId::placeholder(3)),
                done,
                ..Task::default()
            })));
        }
        changes.push(Change::Create(Record::Activity(Activity {
            id: ActivityId::placeholder(1),
            kind: ActivityKind::Call,
            at: AT,
            contact: Some(ContactId::placeholder(1)),
            company: Some(new_co),
            summary: "First call".into(),
            ..Activity::default()
        })));
        changes
    }

    /// A database with a company, a contact and some history, the same in both.
    fn seeded(dir: &std::path::Path, kind: EngineKind) -> Store {
        let store = Store::open(dir, Some(kind)).expect("open");
        let first = vec![
            Change::Create(Record::Company(Company {
                id: CompanyId::placeholder(1),
                name: "Atlas".into(),
                ..Company::default()
            })),
            Change::Create(Record::User(User { login: "ben".into(), name: "Ben".into(), ..User::default() })),
        ];
        store.apply("anna", AT, &first).expect("seed");
        store
    }

    type Both = (Result<Receipt, StoreError>, Result<Receipt, StoreError>, Store, Store, [tempfile::TempDir; 2]);

    /// The batch applied by the bulk path to one database and by the general path to another.
    fn both(kind: EngineKind, changes: &[Change]) -> Both {
        let (a, b) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
        let (bulk, general) = (seeded(a.path(), kind), seeded(b.path(), kind));
        let r1 = bulk.apply("anna", AT, changes);
        OFF.with(|o| o.set(true));
        let r2 = general.apply("anna", AT, changes);
        OFF.with(|o| o.set(false));
        (r1, r2, bulk, general, [a, b])
    }

    #[test]
    fn the_bulk_path_writes_exactly_what_the_general_path_writes() {
        for kind in [EngineKind::Redb, EngineKind::Sled] {
            let changes = batch();
            assert!(is_bulk(&changes));
            let (r1, r2, bulk, general, _dirs) = both(kind, &changes);
            let (r1, r2) = (r1.expect("bulk"), r2.expect("general"));
            assert_eq!(r1, r2, "{kind}: receipts");
            assert_eq!(r1.created.len(), changes.len());
            assert_eq!(everything(&bulk), everything(&general), "{kind}: every tree, byte for byte");
            // And one undo takes it all back on both.
            let before = {
                let dir = tempfile::tempdir().expect("dir");
                let s = seeded(dir.path(), kind);
                s.data_snapshot().expect("snapshot")
            };
            bulk.undo("anna", AT).expect("undo");
            assert_eq!(bulk.data_snapshot().expect("snapshot"), before, "{kind}: undo");
            bulk.redo("anna", AT).expect("redo");
            general.undo("anna", AT).expect("undo");
            general.redo("anna", AT).expect("redo");
            assert_eq!(everything(&bulk), everything(&general), "{kind}: after undo and redo");
        }
    }

    #[test]
    fn bad_batches_fail_the_same_way_and_write_nothing() {
        let owner = |o: &str| {
            let mut c = batch();
            if let Some(Change::Create(Record::Contact(x))) = c.get_mut(2) {
                x.owner = o.into();
            }
            c
        };
        let mut missing_link = batch();
        missing_link.push(Change::Create(contact(9, "Lost", Some(CompanyId(77)))));
        let mut bad_placeholder = batch();
        bad_placeholder.push(Change::Create(contact(10, "Nowhere", Some(CompanyId::placeholder(9)))));
        let mut invalid = batch();
        invalid.push(Change::Create(contact(11, "", None)));
        // A company the batch creates in the trash, then a contact linked to it.
        let mut trashed_link = batch();
        trashed_link.push(Change::Create(Record::Company(Company {
            id: CompanyId::placeholder(5),
            name: "Gone Ltd".into(),
            deleted: Some(AT),
            ..Company::default()
        })));
        trashed_link.push(Change::Create(contact(13, "Linked", Some(CompanyId::placeholder(5)))));
        for changes in [owner("nobody"), missing_link, bad_placeholder, invalid, trashed_link] {
            let (r1, r2, bulk, general, _dirs) = both(EngineKind::Redb, &changes);
            let (e1, e2) = (r1.expect_err("bulk refuses"), r2.expect_err("general refuses"));
            assert_eq!(e1.to_string(), e2.to_string());
            assert_eq!(everything(&bulk), everything(&general), "nothing written: {e1}");
        }
        // An owner who is a user is fine on both paths.
        let (r1, r2, ..) = both(EngineKind::Redb, &owner("ben"));
        assert_eq!(r1.expect("bulk"), r2.expect("general"));
    }

    /// A batch large enough to be prepared on several threads: companies created in the
    /// batch, contacts linked to them and to a company that was there before.
    fn large_batch(n: u64) -> Vec<Change> {
        let mut changes = Vec::new();
        for i in 1..=n {
            let co = (i - 1) / 50 + 1;
            if i % 50 == 1 {
                changes.push(Change::Create(Record::Company(Company {
                    id: CompanyId::placeholder(co),
                    name: format!("Company {co}"),
                    ..Company::default()
                })));
            }
            let company = if i % 7 == 0 { CompanyId(1) } else { CompanyId::placeholder(co) };
            changes.push(Change::Create(contact(i, &format!("Person {i}"), Some(company))));
        }
        changes
    }

    #[test]
    fn a_large_batch_prepared_in_parallel_writes_what_the_general_path_writes() {
        let changes = large_batch(3 * PARALLEL_FROM as u64);
        for kind in [EngineKind::Redb, EngineKind::Sled] {
            let (r1, r2, bulk, general, _dirs) = both(kind, &changes);
            let r1 = r1.expect("bulk");
            assert_eq!(r1, r2.expect("general"), "{kind}");
            assert_eq!(everything(&bulk), everything(&general), "{kind}: every tree, byte for byte");
            // Handed over, its records taken instead of cloned: the same again.
            let dir = tempfile::tempdir().expect("dir");
            let taken = seeded(dir.path(), kind);
            assert_eq!(taken.apply_owned("anna", AT, changes.clone()).expect("taken"), r1, "{kind}");
            assert_eq!(everything(&taken), everything(&bulk), "{kind}: records taken, byte for byte");
        }
    }

    #[test]
    fn a_batch_handed_over_that_the_bulk_path_declines_is_written_whole_by_the_general_path() {
        // A placeholder created twice: declined before any record is taken.
        let mut changes = large_batch(PARALLEL_FROM as u64 + 10);
        changes.push(changes[1].clone());
        for kind in [EngineKind::Redb, EngineKind::Sled] {
            let (_, general, _dirs) = {
                let (r1, r2, a, b, dirs) = both(kind, &changes);
                assert_eq!(r1.expect("bulk"), r2.expect("general"), "{kind}");
                (a, b, dirs)
            };
            let dir = tempfile::tempdir().expect("dir");
            let taken = seeded(dir.path(), kind);
            taken.apply_owned("anna", AT, changes.clone()).expect("taken");
            assert_eq!(everything(&taken), everything(&general), "{kind}: byte for byte");
        }
    }

    #[test]
    fn in_a_large_batch_the_first_bad_record_is_the_one_reported() {
        let mut changes = large_batch(3 * PARALLEL_FROM as u64);
        let late = changes.len() - 10;
        let early = changes.len() / 4;
        // Late (in the last chunk): an invalid contact; earlier (in another chunk): a link to a
        // placeholder company the batch creates only further on.
        if let Some(Change::Create(Record::Contact(c))) = changes.get_mut(late) {
            c.name.clear();
        }
        if let Some(Change::Create(Record::Contact(c))) = changes.get_mut(early) {
            c.company = Some(CompanyId::placeholder(10_000));
        }
        let (r1, r2, bulk, general, _dirs) = both(EngineKind::Redb, &changes);
        let (e1, e2) = (r1.expect_err("bulk refuses"), r2.expect_err("general refuses"));
        assert!(e1.to_string().contains("placeholder 10000"), "{e1}");
        assert_eq!(e1.to_string(), e2.to_string());
        assert_eq!(everything(&bulk), everything(&general), "nothing written");
        // Only the late one bad: that is the one reported.
        if let Some(Change::Create(Record::Contact(c))) = changes.get_mut(early) {
            c.company = None;
        }
        let (r1, r2, ..) = both(EngineKind::Redb, &changes);
        let (e1, e2) = (r1.expect_err("bulk refuses"), r2.expect_err("general refuses"));
        assert!(e1.to_string().contains("name"), "{e1}");
        assert_eq!(e1.to_string(), e2.to_string());
    }

    #[test]
    fn a_placeholder_created_twice_falls_back_to_the_general_path() {
        let mut changes = batch();
        changes.push(Change::Create(Record::Company(Company {
            id: CompanyId::placeholder(1),
            name: "Nordwind again".into(),
            ..Company::default()
        })));
        changes.push(Change::Create(contact(12, "Late", Some(CompanyId::placeholder(1)))));
        let (r1, r2, bulk, general, _dirs) = both(EngineKind::Redb, &changes);
        assert_eq!(r1.expect("bulk"), r2.expect("general"));
        assert_eq!(everything(&bulk), everything(&general));
        let dir = tempfile::tempdir().expect("dir");
        let store = seeded(dir.path(), EngineKind::Redb);
        let mut declined = None;
        store
            .engine()
            .write(&mut |txn| {
                declined =
                    Some(create_in(txn, store.pipeline(), "anna", AT, &mut Records::Borrowed(&changes))?.is_none());
                Err(StoreError::Engine("roll back".into()))
            })
            .expect_err("rolled back");
        assert_eq!(declined, Some(true));
    }

    #[test]
    fn an_id_counter_behind_the_tree_falls_back_to_the_general_path() {
        let dir = tempfile::tempdir().expect("dir");
        let store = seeded(dir.path(), EngineKind::Redb);
        // A database repaired by hand: the company counter says 1 but co1 exists.
        store
            .engine()
            .write(&mut |txn| txn.put(Tree::Meta, &meta::next_id(EntityKind::Company), &keys::id(1)))
            .expect("rewind");
        let mut txn_result = None;
        store
            .engine()
            .write(&mut |txn| {
                txn_result =
                    Some(create_in(txn, store.pipeline(), "anna", AT, &mut Records::Borrowed(&batch()))?.is_none());
                Err(StoreError::Engine("roll back".into()))
            })
            .expect_err("rolled back");
        assert_eq!(txn_result, Some(true), "the bulk path declines");
    }
}
