//! Schema versions and the upgrade hook that runs every time a database is opened.

use super::codec;
use super::engine::{Engine, Txn};
use super::error::StoreError;
use super::keys::meta;
use super::trees::Tree;
use crate::domain::Pipeline;
use std::path::Path;

/// The schema this crm writes. Bump it with a new step in `STEPS`.
pub const SCHEMA_VERSION: u32 = 1;

/// Upgrade steps: `STEPS[i]` takes a database from version i+1 to i+2, inside one
/// transaction (re-encoding records of an old version, building a new index, …).
type Step = fn(&mut dyn Txn) -> Result<(), StoreError>;
const STEPS: &[Step] = &[];

fn read_version(txn: &dyn Txn) -> Result<Option<u32>, StoreError> {
    Ok(txn.get(Tree::Meta, meta::SCHEMA_VERSION)?.map(|b| {
        let mut a = [0u8; 4];
        a.copy_from_slice(&b[..4.min(b.len())]);
        u32::from_be_bytes(a)
    }))
}

/// Initialises a new database or upgrades an old one; refuses one from a newer crm.
pub fn on_open(engine: &dyn Engine, dir: &Path) -> Result<(), StoreError> {
    if let Some(v) = engine.get(Tree::Meta, meta::SCHEMA_VERSION)? {
        let found = u32::from_be_bytes(v.get(..4).and_then(|s| s.try_into().ok()).unwrap_or([0; 4]));
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema { path: dir.to_path_buf(), found, known: SCHEMA_VERSION });
        }
    }
    engine.write(&mut |txn| {
        match read_version(txn)? {
            None => {
                txn.put(Tree::Meta, meta::PIPELINE, &codec::encode(&Pipeline::default())?)?;
            }
            Some(mut v) => {
                while v < SCHEMA_VERSION {
                    let step = STEPS
                        .get(v as usize - 1)
                        .ok_or_else(|| StoreError::Corrupt(format!("no upgrade from schema {v}")))?;
                    step(txn)?;
                    v += 1;
                }
            }
        }
        txn.put(Tree::Meta, meta::SCHEMA_VERSION, &SCHEMA_VERSION.to_be_bytes())
    })
}
