//! The engine seam: named ordered trees of bytes, point reads, ordered scans, and one
//! atomic, durable write across trees. Nothing above this module knows which engine runs.

mod redb_engine;
mod sled_engine;

use super::error::StoreError;
use super::trees::Tree;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;

pub use redb_engine::{set_cache_size as set_redb_cache_size, set_exclusive as set_redb_exclusive, RedbEngine};
pub use sled_engine::SledEngine;

/// Which engine holds a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    Redb,
    Sled,
}

impl EngineKind {
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Redb => "redb",
            EngineKind::Sled => "sled",
        }
    }

    pub fn parse(text: &str) -> Result<EngineKind, String> {
        match text.trim().to_lowercase().as_str() {
            "redb" => Ok(EngineKind::Redb),
            "sled" => Ok(EngineKind::Sled),
            other => Err(format!("unknown storage engine \"{other}\" (redb or sled)")),
        }
    }

    /// The engine new databases get when nobody chose one (see docs/storage.md for why).
    pub const DEFAULT: EngineKind = EngineKind::Redb;
}

impl std::fmt::Display for EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A key range for scans.
pub type KeyRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// All keys starting with `prefix`.
pub fn prefix_range(prefix: &[u8]) -> KeyRange {
    let mut end = prefix.to_vec();
    // The smallest key greater than every key with this prefix: bump the last byte below 0xff.
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return (Bound::Included(prefix.to_vec()), Bound::Excluded(end));
        }
    }
    (Bound::Included(prefix.to_vec()), Bound::Unbounded)
}

pub fn full_range() -> KeyRange {
    (Bound::Unbounded, Bound::Unbounded)
}

/// Visitor for scans: return `false` to stop.
pub type Visit<'a> = &'a mut dyn FnMut(&[u8], &[u8]) -> bool;

/// Visitor for `scan_each`: the range's position, key, value; return `false` to end the range.
pub type VisitEach<'a> = &'a mut dyn FnMut(usize, &[u8], &[u8]) -> bool;

/// Reads, outside or inside a write.
pub trait Read {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Visits the entries of `range` in key order (reverse order when `rev`).
    fn scan(&self, tree: Tree, range: KeyRange, rev: bool, visit: Visit<'_>) -> Result<(), StoreError>;
    /// Scans several ranges of one tree, in one read where the engine has read transactions
    /// (thousands of small lookups otherwise pay for a transaction each). `visit` gets the
    /// range's position in `ranges`; returning false ends that range.
    fn scan_each(&self, tree: Tree, ranges: &[KeyRange], rev: bool, visit: VisitEach<'_>) -> Result<(), StoreError> {
        for (i, r) in ranges.iter().enumerate() {
            self.scan(tree, r.clone(), rev, &mut |k, v| visit(i, k, v))?;
        }
        Ok(())
    }
}

/// A write in progress: reads see its own writes.
pub trait Txn: Read {
    fn put(&mut self, tree: Tree, key: &[u8], value: &[u8]) -> Result<(), StoreError>;
    fn remove(&mut self, tree: Tree, key: &[u8]) -> Result<(), StoreError>;
    /// Sorts each tree's keys and puts them, with empty values (the index entries of a large
    /// batch). In key order a tree's pages fill left to right; an engine may fill several
    /// trees at once (redb does, on threads of their own).
    fn put_keys(&mut self, trees: &mut [(Tree, Vec<Vec<u8>>)]) -> Result<(), StoreError> {
        put_keys_in_turn(self, trees)
    }
}

/// `Txn::put_keys` one tree after the other, on this thread.
pub fn put_keys_in_turn<T: Txn + ?Sized>(txn: &mut T, trees: &mut [(Tree, Vec<Vec<u8>>)]) -> Result<(), StoreError> {
    for (tree, keys) in trees.iter_mut() {
        keys.sort_unstable();
        for k in keys.iter() {
            txn.put(*tree, k, &[])?;
        }
    }
    Ok(())
}

/// Removes every entry of a tree, inside a write (rebuilding an index).
pub fn clear(txn: &mut dyn Txn, tree: Tree) -> Result<(), StoreError> {
    let mut old = Vec::new();
    txn.scan(tree, full_range(), false, &mut |k, _| {
        old.push(k.to_vec());
        true
    })?;
    for k in old {
        txn.remove(tree, &k)?;
    }
    Ok(())
}

/// Writes staged in memory over what `base` reads (reads see them): sled's transaction
/// before it is committed, or one batch of a group commit before it joins the transaction.
pub struct Overlay<'a> {
    base: &'a dyn Read,
    pending: BTreeMap<(Tree, Vec<u8>), Option<Vec<u8>>>,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn Read) -> Overlay<'a> {
        Overlay { base, pending: BTreeMap::new() }
    }

    /// The staged writes, in key order (None: removed).
    pub fn into_pending(self) -> BTreeMap<(Tree, Vec<u8>), Option<Vec<u8>>> {
        self.pending
    }
}

fn in_range(key: &[u8], range: &KeyRange) -> bool {
    let lo = match &range.0 {
        Bound::Included(s) => key >= s.as_slice(),
        Bound::Excluded(s) => key > s.as_slice(),
        Bound::Unbounded => true,
    };
    let hi = match &range.1 {
        Bound::Included(e) => key <= e.as_slice(),
        Bound::Excluded(e) => key < e.as_slice(),
        Bound::Unbounded => true,
    };
    lo && hi
}

impl Read for Overlay<'_> {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.pending.get(&(tree, key.to_vec())) {
            Some(v) => Ok(v.clone()),
            None => self.base.get(tree, key),
        }
    }

    fn scan(&self, tree: Tree, range: KeyRange, rev: bool, visit: Visit<'_>) -> Result<(), StoreError> {
        let mut staged: Vec<(&Vec<u8>, &Option<Vec<u8>>)> = self
            .pending
            .range((tree, Vec::new())..)
            .take_while(|((t, _), _)| *t == tree)
            .filter(|((_, k), _)| in_range(k, &range))
            .map(|((_, k), v)| (k, v))
            .collect();
        if rev {
            staged.reverse();
        }
        // Merge the staged writes into the committed entries, in scan order.
        let before = |a: &[u8], b: &[u8]| if rev { a > b } else { a < b };
        let mut i = 0;
        let mut go = true;
        self.base.scan(tree, range, rev, &mut |k, v| {
            while i < staged.len() && before(staged[i].0, k) {
                if let Some(sv) = staged[i].1 {
                    if !visit(staged[i].0, sv) {
                        go = false;
                        return false;
                    }
                }
                i += 1;
            }
            if i < staged.len() && staged[i].0.as_slice() == k {
                let keep = match staged[i].1 {
                    Some(sv) => visit(k, sv),
                    None => true,
                };
                i += 1;
                go = keep;
                return keep;
            }
            go = visit(k, v);
            go
        })?;
        while go && i < staged.len() {
            if let Some(sv) = staged[i].1 {
                go = visit(staged[i].0, sv);
            }
            i += 1;
        }
        Ok(())
    }
}

impl Txn for Overlay<'_> {
    fn put(&mut self, tree: Tree, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.pending.insert((tree, key.to_vec()), Some(value.to_vec()));
        Ok(())
    }

    fn remove(&mut self, tree: Tree, key: &[u8]) -> Result<(), StoreError> {
        self.pending.insert((tree, key.to_vec()), None);
        Ok(())
    }
}

/// The body of a write: it either returns Ok (everything is committed atomically and
/// durably) or an error (nothing is written).
pub type WriteFn<'a> = &'a mut dyn FnMut(&mut dyn Txn) -> Result<(), StoreError>;

pub trait Engine: Read + Send + Sync {
    fn kind(&self) -> EngineKind;
    /// How many writes this process has committed to the database so far: a reader that
    /// saw the same number earlier knows nothing was written here since.
    fn commits(&self) -> u64;
    /// Runs `body` in one transaction; commits durably (survives kill -9) when it returns Ok.
    fn write(&self, body: WriteFn<'_>) -> Result<(), StoreError>;
    /// Number of entries in a tree.
    fn count(&self, tree: Tree) -> Result<u64, StoreError> {
        let mut n = 0u64;
        self.scan(tree, full_range(), false, &mut |_, _| {
            n += 1;
            true
        })?;
        Ok(n)
    }
}

/// The file or folder inside a database directory that holds the engine's data.
pub fn data_path(dir: &Path, kind: EngineKind) -> std::path::PathBuf {
    match kind {
        EngineKind::Redb => dir.join("crm.redb"),
        EngineKind::Sled => dir.join("sled"),
    }
}

/// Opens (creating if needed) the engine's data inside `dir`.
pub fn open(dir: &Path, kind: EngineKind) -> Result<Box<dyn Engine>, StoreError> {
    let path = data_path(dir, kind);
    Ok(match kind {
        EngineKind::Redb => Box::new(RedbEngine::open(&path, dir)?),
        EngineKind::Sled => Box::new(SledEngine::open(&path, dir)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges() {
        assert_eq!(prefix_range(b"ab"), (Bound::Included(b"ab".to_vec()), Bound::Excluded(b"ac".to_vec())));
        assert_eq!(prefix_range(&[1, 0xff]), (Bound::Included(vec![1, 0xff]), Bound::Excluded(vec![2])));
        assert_eq!(prefix_range(&[0xff]), (Bound::Included(vec![0xff]), Bound::Unbounded));
    }

    /// Keys of three trees, out of order: what `put_keys` must leave, sorted.
    fn unsorted_keys(n: u64) -> Vec<(Tree, Vec<Vec<u8>>)> {
        let scrambled = |salt: u64| (0..n).map(|i| ((i * 7919 + salt) % n).to_be_bytes().to_vec()).collect();
        vec![
            (Tree::ContactByCompany, scrambled(1)),
            (Tree::ContactByCreated, scrambled(2)),
            (Tree::Trash, scrambled(3)),
        ]
    }

    #[test]
    fn put_keys_fills_every_tree_sorted_and_leaves_the_transaction_usable() {
        use crate::store::{EngineKind, Store};
        // Below and above the size from which redb fills the trees on threads of their own.
        for n in [100u64, 5000] {
            for kind in [EngineKind::Redb, EngineKind::Sled] {
                let dir = tempfile::tempdir().expect("dir");
                let store = Store::open(dir.path(), Some(kind)).expect("open");
                let mut trees = unsorted_keys(n);
                store
                    .engine()
                    .write(&mut |txn| {
                        txn.put(Tree::Trash, b"before", &[])?;
                        txn.put_keys(&mut trees)?;
                        // The tables are still this transaction's: reads see the keys, writes go on.
                        assert!(txn.get(Tree::ContactByCompany, &(n - 1).to_be_bytes())?.is_some());
                        txn.put(Tree::Trash, b"zafter", &[])
                    })
                    .expect("write");
                for (tree, keys) in &trees {
                    let mut want: Vec<Vec<u8>> = (0..n).map(|i| i.to_be_bytes().to_vec()).collect();
                    if *tree == Tree::Trash {
                        want.extend([b"before".to_vec(), b"zafter".to_vec()]);
                    }
                    let mut got = Vec::new();
                    store
                        .engine()
                        .scan(*tree, full_range(), false, &mut |k, v| {
                            assert!(v.is_empty());
                            got.push(k.to_vec());
                            true
                        })
                        .expect("scan");
                    assert_eq!(got, want, "{kind:?} {n}: {}", tree.name());
                    assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted in place");
                }
            }
        }
    }
}
