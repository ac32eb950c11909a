//! Schema versions and the upgrade hook that runs every time a database is opened.

use super::codec;
use super::engine::full_range;
use super::engine::{Engine, Txn};
use super::error::StoreError;
use super::keys::{self, meta};
use super::trees::Tree;
use crate::domain::{EntityKind, Pipeline};
use std::path::Path;

/// The schema this crm writes. Bump it with a new step in `STEPS`.
pub const SCHEMA_VERSION: u32 = 8;

/// Upgrade steps: `STEPS[i]` takes a database from version i+1 to i+2, inside one
/// transaction (re-encoding records of an old version, building a new index, …).
type Step = fn(&mut dyn Txn) -> Result<(), StoreError>;
const STEPS: &[Step] = &[to_2, to_3, to_4, to_5, to_6, to_7, to_8];

/// Schema 8: a long journal entry is stored compressed (`journal::PACK_FROM`) and in parts of
/// at most `journal::PART` bytes (`journal::put`). Entries stored whole are read the same, so
/// there is nothing to convert; the version changes so that an older crm, which would take such
/// an entry for a damaged one, refuses the database.
fn to_8(_: &mut dyn Txn) -> Result<(), StoreError> {
    Ok(())
}

/// Schema 7: the records an entry created in a run of consecutive ids (an import) have one
/// history key for the run instead of one each (`keys::history`). Each entry's keys are
/// rewritten in the new form; an entry that cannot be read keeps its keys (`crm doctor`
/// reports it). An older crm would not find such a record's creation, hence the version.
fn to_7(txn: &mut dyn Txn) -> Result<(), StoreError> {
    use super::journal::{history_keys, JournalEntry, Logged, Write};
    let mut entries = Vec::new();
    super::journal::scan(txn, false, &mut |_, v| {
        if let Ok(e) = codec::decode::<JournalEntry>(v) {
            // Only entries with a run change form; the rest are left as they are.
            let new = history_keys(e.seq, &e.writes, &e.changes);
            if new.iter().any(|k| keys::history::parse_range(k).is_some()) {
                let side = e.changes.iter().filter_map(Logged::side_target);
                let old: Vec<Vec<u8>> = e
                    .writes
                    .iter()
                    .filter_map(Write::reference)
                    .chain(side)
                    .map(|r| keys::history::record(&r, e.seq))
                    .collect();
                entries.push((old, new));
            }
        }
        true
    })?;
    for (old, new) in entries {
        for k in old {
            txn.remove(Tree::RecordHistory, &k)?;
        }
        for k in new {
            txn.put(Tree::RecordHistory, &k, &[])?;
        }
    }
    Ok(())
}

/// Schema 6: records shared with users (the `shares` tree, created empty on open like every
/// tree) and the visibility setting (absent means team). Nothing to convert; the version
/// changes so that an older crm, which would show every record to everyone, refuses to open it.
fn to_6(_: &mut dyn Txn) -> Result<(), StoreError> {
    Ok(())
}

/// Schema 5: user records version 2 (manager, hashed token); version 1 users are re-encoded.
/// Their index entries do not change (none depends on the new fields).
fn to_5(txn: &mut dyn Txn) -> Result<(), StoreError> {
    let mut old = Vec::new();
    txn.scan(Tree::Users, full_range(), false, &mut |k, v| {
        if v.first() == Some(&1) {
            old.push((k.to_vec(), v.to_vec()));
        }
        true
    })?;
    for (k, v) in old {
        let user = codec::decode_user(&v)?;
        txn.put(Tree::Users, &k, &codec::encode(&user)?)?;
    }
    Ok(())
}

/// Schema 4: activities by time and contacts by creation, for reports over a period.
fn to_4(txn: &mut dyn Txn) -> Result<(), StoreError> {
    build_indexes(txn, &[Tree::ActivityByTime, Tree::ContactByCreated])
}

/// Schema 3: the last call or meeting of each contact, for follow-up cadences; cadence and
/// by-owner keys that carry what the agenda needs (every N days and created; since when in
/// the stage), so they are rebuilt.
fn to_3(txn: &mut dyn Txn) -> Result<(), StoreError> {
    for tree in [Tree::ContactCadence, Tree::DealByOwner] {
        super::engine::clear(txn, tree)?;
    }
    build_indexes(txn, &[Tree::ContactTouch, Tree::ContactCadence, Tree::DealByOwner])
}

/// Schema 2: open tasks by assignee. (It also added `contact_cadence` and `deal_by_owner`,
/// whose keys schema 3 changed; upgrades always run to the last step in one transaction, so
/// schema 3 builds those two and building them here too would be wasted.)
fn to_2(txn: &mut dyn Txn) -> Result<(), StoreError> {
    build_indexes(txn, &[Tree::TaskByAssignee])
}

/// Fills new index trees from the records, as `apply` would have written them.
fn build_indexes(txn: &mut dyn Txn, trees: &[Tree]) -> Result<(), StoreError> {
    for kind in EntityKind::ALL {
        let mut entries = Vec::new();
        let mut failed = None;
        txn.scan(keys::entity_tree(kind), full_range(), false, &mut |_, v| match codec::decode_record(kind, v) {
            Ok(r) => {
                entries.extend(keys::index_entries(&r).into_iter().filter(|(t, _)| trees.contains(t)));
                true
            }
            Err(e) => {
                failed = Some(e);
                false
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        for (tree, key) in entries {
            txn.put(tree, &key, &[])?;
        }
    }
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use crate::store::{doctor, EngineKind, Store};

    const AT: Timestamp = Timestamp(1_795_770_000_000);

    fn history_tree(store: &Store) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        store
            .engine()
            .scan(Tree::RecordHistory, full_range(), false, &mut |k, _| {
                out.push(k.to_vec());
                true
            })
            .expect("scan");
        out
    }

    #[test]
    fn schema_7_turns_the_history_of_an_import_into_one_range_key() {
        for kind in [EngineKind::Redb, EngineKind::Sled] {
            let dir = tempfile::tempdir().expect("dir");
            let contacts: Vec<Change> = (1..=20)
                .map(|n| {
                    Change::Create(Record::Contact(Contact {
                        id: ContactId::placeholder(n),
                        name: format!("Person {n}"),
                        ..Contact::default()
                    }))
                })
                .collect();
            let (fresh, c7) = {
                let store = Store::open(dir.path(), Some(kind)).expect("open");
                store.apply("anna", AT, &contacts).expect("import");
                let edit =
                    Change::Edit { target: Ref::Contact(ContactId(7)), edits: vec![Edit::JobTitle("CTO".into())] };
                store.apply("anna", AT, &[edit]).expect("edit");
                let fresh = history_tree(&store);
                assert_eq!(fresh.len(), 2, "{kind}: the run's key and the edit's");
                let c7: Vec<u64> =
                    store.history(&Ref::Contact(ContactId(7))).expect("history").iter().map(|e| e.seq).collect();
                assert_eq!(c7, vec![2, 1], "{kind}: newest first, the import included");
                // As schema 6 wrote it: one key per record.
                store
                    .engine()
                    .write(&mut |txn| {
                        crate::store::engine::clear(txn, Tree::RecordHistory)?;
                        for n in 1..=20 {
                            txn.put(Tree::RecordHistory, &keys::history::record(&Ref::Contact(ContactId(n)), 1), &[])?;
                        }
                        txn.put(Tree::RecordHistory, &keys::history::record(&Ref::Contact(ContactId(7)), 2), &[])?;
                        txn.put(Tree::Meta, meta::SCHEMA_VERSION, &6u32.to_be_bytes())
                    })
                    .expect("old layout");
                (fresh, c7)
            };
            let store = Store::open(dir.path(), Some(kind)).expect("reopen upgrades");
            assert_eq!(history_tree(&store), fresh, "{kind}: the same keys as a new database");
            let again: Vec<u64> =
                store.history(&Ref::Contact(ContactId(7))).expect("history").iter().map(|e| e.seq).collect();
            assert_eq!(again, c7, "{kind}");
            let report = doctor::check(&store, false).expect("doctor");
            assert!(report.problems.is_empty(), "{kind}: {:?}", report.problems);
            // Undo and redo of the import keep the history right and doctor happy.
            store.undo("anna", AT).expect("undo edit");
            store.undo("anna", AT).expect("undo import");
            store.redo("anna", AT).expect("redo import");
            let seqs: Vec<u64> =
                store.history(&Ref::Contact(ContactId(20))).expect("history").iter().map(|e| e.seq).collect();
            assert_eq!(seqs, vec![5, 4, 1], "{kind}: redo, undo, import");
            let report = doctor::check(&store, false).expect("doctor");
            assert!(report.problems.is_empty(), "{kind}: {:?}", report.problems);
        }
    }
}
