//! `crm migrate --to ENGINE`: copies every tree of a database to the other engine, verifies
//! entry counts and checksums tree by tree, then switches the directory over. The old data
//! stays beside it as a backup until the user deletes it.

use super::engine::{self, full_range, Engine, EngineKind};
use super::error::StoreError;
use super::trees::Tree;
use super::{detect_engine, Store};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
pub struct MigrateReport {
    pub from: String,
    pub to: String,
    /// Entries copied per tree.
    pub entries: Vec<(String, u64)>,
    pub checksum: String,
    /// Where the old engine's data was kept.
    pub backup: PathBuf,
}

impl fmt::Display for MigrateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: u64 = self.entries.iter().map(|(_, n)| n).sum();
        writeln!(
            f,
            "Copied {total} entries in {} trees from {} to {}; counts and checksums match ({}).",
            self.entries.len(),
            self.from,
            self.to,
            self.checksum
        )?;
        writeln!(
            f,
            "The database now uses {}. The old data is kept in {} (delete it when you are happy).",
            self.to,
            self.backup.display()
        )
    }
}

/// Count and FNV-1a 64 checksum of a tree's keys and values, in key order.
pub fn tree_digest(e: &dyn Engine, tree: Tree) -> Result<(u64, u64), StoreError> {
    let mut n = 0u64;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in (bytes.len() as u64).to_be_bytes().iter().chain(bytes) {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    e.scan(tree, full_range(), false, &mut |k, v| {
        n += 1;
        feed(k);
        feed(v);
        true
    })?;
    Ok((n, h))
}

const CHUNK: usize = 20_000;

/// Copies every tree of `from` into `to` in chunks.
pub fn copy_all(from: &dyn Engine, to: &dyn Engine) -> Result<(), StoreError> {
    for tree in Tree::ALL {
        let mut start: Option<Vec<u8>> = None;
        loop {
            let mut chunk: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(CHUNK);
            let range = match &start {
                Some(s) => (std::ops::Bound::Excluded(s.clone()), std::ops::Bound::Unbounded),
                None => full_range(),
            };
            from.scan(tree, range, false, &mut |k, v| {
                chunk.push((k.to_vec(), v.to_vec()));
                chunk.len() < CHUNK
            })?;
            if chunk.is_empty() {
                break;
            }
            start = chunk.last().map(|(k, _)| k.clone());
            to.write(&mut |txn| {
                for (k, v) in &chunk {
                    txn.put(tree, k, v)?;
                }
                Ok(())
            })?;
            if chunk.len() < CHUNK {
                break;
            }
        }
    }
    Ok(())
}

fn io(e: std::io::Error, what: &str, p: &Path) -> StoreError {
    StoreError::Engine(format!("cannot {what} {}: {e}", p.display()))
}

pub fn migrate(dir: &Path, to: EngineKind) -> Result<MigrateReport, StoreError> {
    let from =
        detect_engine(dir)?.ok_or_else(|| StoreError::Engine(format!("there is no database in {}", dir.display())))?;
    if from == to {
        return Err(StoreError::validation("engine", format!("database {} already uses {to}", dir.display())));
    }
    // Opening runs schema upgrades and takes the lock: nobody writes while we copy.
    let source = Store::open(dir, Some(from))?;
    let staging = dir.join(format!("migrating-to-{to}"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io(e, "remove", &staging))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| io(e, "create", &staging))?;
    let target = engine::open(&staging, to)?;
    copy_all(source.engine(), target.as_ref())?;
    let mut entries = Vec::new();
    let mut combined: u64 = 0;
    for tree in Tree::ALL {
        let a = tree_digest(source.engine(), tree)?;
        let b = tree_digest(target.as_ref(), tree)?;
        if a != b {
            return Err(StoreError::Corrupt(format!(
                "tree {} differs after the copy ({} entries vs {}); nothing was switched, the copy is in {}",
                tree.name(),
                a.0,
                b.0,
                staging.display()
            )));
        }
        combined = combined.rotate_left(7) ^ a.1;
        entries.push((tree.name().to_string(), a.0));
    }
    drop(target);
    drop(source);
    // Switch: old data to a backup folder, new data into place, marker last.
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let backup = dir.join(format!("backup-{from}-{stamp}"));
    std::fs::create_dir_all(&backup).map_err(|e| io(e, "create", &backup))?;
    let old_data = engine::data_path(dir, from);
    std::fs::rename(&old_data, engine::data_path(&backup, from)).map_err(|e| io(e, "move", &old_data))?;
    let new_data = engine::data_path(&staging, to);
    std::fs::rename(&new_data, engine::data_path(dir, to)).map_err(|e| io(e, "move", &new_data))?;
    std::fs::write(dir.join("engine"), format!("{to}\n")).map_err(|e| io(e, "write", &dir.join("engine")))?;
    std::fs::remove_dir_all(&staging).map_err(|e| io(e, "remove", &staging))?;
    Ok(MigrateReport {
        from: from.to_string(),
        to: to.to_string(),
        entries,
        checksum: format!("{combined:016x}"),
        backup,
    })
}
