//! redb 4.x behind the engine seam, opened in `MultiWriter` mode: several crm processes may
//! use one database at once (one write transaction at a time, across processes); `crm serve`
//! opens it exclusively (`set_exclusive`). Commits use
//! redb's default `Durability::Immediate`: acknowledged means on disk.

use super::{Engine, EngineKind, KeyRange, Read, Txn, Visit, VisitEach, WriteFn};
use crate::store::error::StoreError;
use crate::store::trees::Tree;
use redb::{ConcurrencyMode, Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// redb's cache: pages read, and the pages a write transaction changed, up to half of it,
/// until its commit (beyond that they are written out early and read back when touched again).
/// Small by default (see `open`); a process that writes one large batch (`crm import`) sets it
/// larger before opening the database.
static CACHE_BYTES: AtomicUsize = AtomicUsize::new(8 * 1024 * 1024);

/// The cache size of the databases this process opens from now on.
pub fn set_cache_size(bytes: usize) {
    CACHE_BYTES.store(bytes, Ordering::Relaxed);
}

/// Whether the databases this process opens from now on exclude every other process (see
/// `set_exclusive`).
static EXCLUSIVE: AtomicBool = AtomicBool::new(false);

/// Opens the databases of this process exclusively from now on: no other process may open them
/// directly meanwhile (they reach this one through its socket, as every crm does anyway). A
/// commit then flushes to disk once rather than twice: shared, redb must make the pages durable
/// before the header that names them, because another process could read that header at once.
/// `crm serve` does, for its team's writes.
pub fn set_exclusive(exclusive: bool) {
    EXCLUSIVE.store(exclusive, Ordering::Relaxed);
}

pub struct RedbEngine {
    db: Database,
    commits: std::sync::atomic::AtomicU64,
}

fn def(tree: Tree) -> TableDefinition<'static, &'static [u8], &'static [u8]> {
    TableDefinition::new(tree.name())
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Engine(e.to_string())
}

fn bound(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn bounds(range: &KeyRange) -> (Bound<&[u8]>, Bound<&[u8]>) {
    (bound(&range.0), bound(&range.1))
}

/// An empty range (start after end) makes redb panic; answer it with nothing instead.
fn is_empty_range(range: &KeyRange) -> bool {
    match (&range.0, &range.1) {
        (Bound::Included(s), Bound::Included(e)) => s > e,
        (Bound::Included(s), Bound::Excluded(e)) | (Bound::Excluded(s), Bound::Included(e)) => s >= e,
        (Bound::Excluded(s), Bound::Excluded(e)) => s >= e,
        _ => false,
    }
}

fn scan_table<T: ReadableTable<&'static [u8], &'static [u8]>>(
    table: &T,
    range: KeyRange,
    rev: bool,
    visit: Visit<'_>,
) -> Result<(), StoreError> {
    if is_empty_range(&range) {
        return Ok(());
    }
    let iter = table.range::<&[u8]>(bounds(&range)).map_err(err)?;
    if rev {
        for item in iter.rev() {
            let (k, v) = item.map_err(err)?;
            if !visit(k.value(), v.value()) {
                break;
            }
        }
    } else {
        for item in iter {
            let (k, v) = item.map_err(err)?;
            if !visit(k.value(), v.value()) {
                break;
            }
        }
    }
    Ok(())
}

impl RedbEngine {
    pub fn open(path: &Path, dir: &Path) -> Result<RedbEngine, StoreError> {
        let db = Database::builder()
            .set_concurrency_mode(if EXCLUSIVE.load(Ordering::Relaxed) {
                ConcurrencyMode::ExclusiveWriter
            } else {
                ConcurrencyMode::MultiWriter
            })
            // Pages read stay in this cache up to its size, on top of the OS page cache: at 256 MB
            // it held ~90 MB of the TUI's 100k-contact session for no measured gain (lists, the
            // agenda, search and the demo generator ran as fast or faster at 8–16 MB).
            .set_cache_size(CACHE_BYTES.load(Ordering::Relaxed))
            .create(path)
            .map_err(|e| match e {
                redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Busy(dir.to_path_buf()),
                other => err(other),
            })?;
        // Every table exists from the start so that reads never meet a missing one.
        let txn = db.begin_write().map_err(err)?;
        for t in Tree::ALL {
            txn.open_table(def(t)).map_err(err)?;
        }
        txn.commit().map_err(err)?;
        Ok(RedbEngine { db, commits: Default::default() })
    }
}

impl Read for RedbEngine {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(def(tree)).map_err(err)?;
        Ok(table.get(key).map_err(err)?.map(|g| g.value().to_vec()))
    }

    fn scan(&self, tree: Tree, range: KeyRange, rev: bool, visit: Visit<'_>) -> Result<(), StoreError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(def(tree)).map_err(err)?;
        scan_table(&table, range, rev, visit)
    }

    fn scan_each(&self, tree: Tree, ranges: &[KeyRange], rev: bool, visit: VisitEach<'_>) -> Result<(), StoreError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(def(tree)).map_err(err)?;
        for (i, r) in ranges.iter().enumerate() {
            scan_table(&table, r.clone(), rev, &mut |k, v| visit(i, k, v))?;
        }
        Ok(())
    }
}

type RedbTable<'t> = redb::Table<'t, &'static [u8], &'static [u8]>;

/// A write transaction that opens each table once: opening a table per get or put cost about a
/// tenth of a large batch (an import of 100k contacts).
struct RedbTxn<'t> {
    txn: &'t redb::WriteTransaction,
    /// By `Tree::index`. A visitor of `scan` must not use the same tree of this transaction
    /// (none does: they collect keys and act after the scan).
    tables: Vec<std::cell::RefCell<Option<RedbTable<'t>>>>,
}

impl<'t> RedbTxn<'t> {
    fn with<R>(
        &self,
        tree: Tree,
        f: impl FnOnce(&mut RedbTable<'t>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let cell = self.tables.get(tree.index()).ok_or_else(|| err(format!("no table slot for {}", tree.name())))?;
        let mut slot = cell.try_borrow_mut().map_err(|_| err(format!("table {} is already in use", tree.name())))?;
        let table = match &mut *slot {
            Some(t) => t,
            empty => empty.insert(self.txn.open_table(def(tree)).map_err(err)?),
        };
        f(table)
    }
}

impl Read for RedbTxn<'_> {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.with(tree, |t| Ok(t.get(key).map_err(err)?.map(|g| g.value().to_vec())))
    }

    fn scan(&self, tree: Tree, range: KeyRange, rev: bool, visit: Visit<'_>) -> Result<(), StoreError> {
        self.with(tree, |t| scan_table(&*t, range, rev, visit))
    }
}

impl Txn for RedbTxn<'_> {
    fn put(&mut self, tree: Tree, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.with(tree, |t| t.insert(key, value).map(|_| ()).map_err(err))
    }

    fn remove(&mut self, tree: Tree, key: &[u8]) -> Result<(), StoreError> {
        self.with(tree, |t| t.remove(key).map(|_| ()).map_err(err))
    }

    /// The trees are filled at once, one thread each: the tables of one write transaction are
    /// independent, and a 100k-contact import's two indexes took 8% less time than one after
    /// the other (docs/performance.md, "Import"). Small batches stay on this thread.
    fn put_keys(&mut self, trees: &mut [(Tree, Vec<Vec<u8>>)]) -> Result<(), StoreError> {
        let total: usize = trees.iter().map(|(_, k)| k.len()).sum();
        if trees.len() < 2 || total < PARALLEL_KEYS_FROM {
            return super::put_keys_in_turn(self, trees);
        }
        // Each table is taken out of its slot for its thread and put back after.
        let mut jobs = Vec::with_capacity(trees.len());
        for (tree, keys) in trees.iter_mut() {
            let cell =
                self.tables.get(tree.index()).ok_or_else(|| err(format!("no table slot for {}", tree.name())))?;
            let taken =
                cell.try_borrow_mut().map_err(|_| err(format!("table {} is already in use", tree.name())))?.take();
            let table = match taken {
                Some(t) => t,
                None => self.txn.open_table(def(*tree)).map_err(err)?,
            };
            jobs.push((*tree, table, keys));
        }
        fn fill(table: &mut RedbTable<'_>, keys: &mut [Vec<u8>]) -> Result<(), StoreError> {
            keys.sort_unstable();
            for k in keys.iter() {
                table.insert(&k[..], &[][..]).map_err(err)?;
            }
            Ok(())
        }
        let results: Vec<(Tree, RedbTable<'_>, Result<(), StoreError>)> = std::thread::scope(|s| {
            let mut jobs = jobs.into_iter();
            let here = jobs.next();
            let spawned: Vec<_> = jobs
                .map(|(tree, mut table, keys)| {
                    s.spawn(move || {
                        let r = fill(&mut table, keys);
                        (tree, table, r)
                    })
                })
                .collect();
            let mut out: Vec<_> = here
                .into_iter()
                .map(|(tree, mut table, keys)| {
                    let r = fill(&mut table, keys);
                    (tree, table, r)
                })
                .collect();
            for h in spawned {
                match h.join() {
                    Ok(done) => out.push(done),
                    // Its table is gone with the thread: this write fails and is rolled back.
                    Err(_) => return Err(err("writing index entries failed".to_string())),
                }
            }
            Ok(out)
        })?;
        let mut first_error = None;
        for (tree, table, r) in results {
            if let Some(cell) = self.tables.get(tree.index()) {
                *cell.borrow_mut() = Some(table);
            }
            if let Err(e) = r {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Below this many keys in all, `put_keys` fills the trees one after the other: threads cost
/// more than they save.
const PARALLEL_KEYS_FROM: usize = 2048;

impl Engine for RedbEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Redb
    }

    fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn write(&self, body: WriteFn<'_>) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(err)?;
        // The tables close (drop) before the commit.
        let result = {
            let tables = (0..Tree::ALL.len()).map(|_| std::cell::RefCell::new(None)).collect();
            let mut t = RedbTxn { txn: &txn, tables };
            body(&mut t)
        };
        match result {
            Ok(()) => {
                txn.commit().map_err(err)?;
                self.commits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            }
            Err(e) => {
                txn.abort().map_err(err)?;
                Err(e)
            }
        }
    }

    fn count(&self, tree: Tree) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(err)?;
        let table = txn.open_table(def(tree)).map_err(err)?;
        table.len().map_err(err)
    }
}
