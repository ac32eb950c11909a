//! sled 0.34.7 behind the engine seam. sled allows one process per database; writes are
//! serialised in-process by a mutex, staged in an overlay (so scans see them), committed in
//! one multi-tree sled transaction and flushed before returning.

use super::{Engine, EngineKind, KeyRange, Overlay, Read, Visit, WriteFn};
use crate::store::error::StoreError;
use crate::store::trees::Tree;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;

pub struct SledEngine {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    write_lock: Mutex<()>,
    commits: std::sync::atomic::AtomicU64,
}

fn engine_err(e: sled::Error) -> StoreError {
    StoreError::Engine(e.to_string())
}

impl SledEngine {
    pub fn open(path: &Path, dir: &Path) -> Result<SledEngine, StoreError> {
        // No background flusher: every write flushes before it returns, and without the thread
        // the lock is released as soon as the handle is dropped.
        let db = sled::Config::new().path(path).flush_every_ms(None).open().map_err(|e| match e {
            sled::Error::Io(ref io)
                if io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("lock") =>
            {
                StoreError::Busy(dir.to_path_buf())
            }
            other => engine_err(other),
        })?;
        let trees =
            Tree::ALL.iter().map(|t| db.open_tree(t.name())).collect::<Result<Vec<_>, _>>().map_err(engine_err)?;
        Ok(SledEngine { db, trees, write_lock: Mutex::new(()), commits: Default::default() })
    }

    fn tree(&self, t: Tree) -> &sled::Tree {
        &self.trees[t.index()]
    }
}

fn to_sled_bound(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl Read for SledEngine {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree(tree).get(key).map_err(engine_err)?.map(|v| v.to_vec()))
    }

    fn scan(&self, tree: Tree, range: KeyRange, rev: bool, visit: Visit<'_>) -> Result<(), StoreError> {
        let r = (to_sled_bound(&range.0), to_sled_bound(&range.1));
        let iter = self.tree(tree).range::<&[u8], _>(r);
        if rev {
            for item in iter.rev() {
                let (k, v) = item.map_err(engine_err)?;
                if !visit(&k, &v) {
                    break;
                }
            }
        } else {
            for item in iter {
                let (k, v) = item.map_err(engine_err)?;
                if !visit(&k, &v) {
                    break;
                }
            }
        }
        Ok(())
    }
}

impl Engine for SledEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Sled
    }

    fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn write(&self, body: WriteFn<'_>) -> Result<(), StoreError> {
        let _guard = self.write_lock.lock().map_err(|_| StoreError::Engine("write lock poisoned".into()))?;
        let mut overlay = Overlay::new(self);
        body(&mut overlay)?;
        let pending = overlay.into_pending();
        if pending.is_empty() {
            return Ok(());
        }
        let result: Result<(), TransactionError<()>> = self.trees.as_slice().transaction(|tx| {
            for ((tree, key), value) in &pending {
                let t = &tx[tree.index()];
                match value {
                    Some(v) => {
                        t.insert(key.as_slice(), v.as_slice())?;
                    }
                    None => {
                        t.remove(key.as_slice())?;
                    }
                }
            }
            Ok::<(), ConflictableTransactionError<()>>(())
        });
        result.map_err(|e| StoreError::Engine(format!("sled transaction failed: {e:?}")))?;
        self.db.flush().map_err(engine_err)?;
        self.commits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    fn count(&self, tree: Tree) -> Result<u64, StoreError> {
        Ok(self.tree(tree).len() as u64)
    }
}
