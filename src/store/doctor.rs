//! `crm doctor`: checks that every index entry points at a live record and every record is
//! indexed, that the journal reads end to end, and that counters are ahead of what exists.
//! `--repair` rebuilds the index trees from the entity trees and the journal.

use super::codec;
use super::engine::{full_range, Engine};
use super::error::StoreError;
use super::journal::JournalEntry;
use super::keys::{self, meta};
use super::trees::Tree;
use super::Store;
use crate::domain::EntityKind;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

#[derive(Debug, Clone, Serialize, Default, serde::Deserialize)]
pub struct DoctorReport {
    pub engine: String,
    /// Live and trashed records per kind.
    pub records: BTreeMap<String, u64>,
    pub journal_entries: u64,
    /// Problems found, in plain words.
    pub problems: Vec<String>,
    /// Index entries rebuilt by --repair.
    pub repaired: bool,
}

impl DoctorReport {
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for DoctorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "engine: {}", self.engine)?;
        for (k, n) in &self.records {
            writeln!(f, "{k:>12}: {n}")?;
        }
        writeln!(f, "     journal: {} entries", self.journal_entries)?;
        if self.problems.is_empty() {
            writeln!(f, "No problems found.")?;
        } else {
            writeln!(f, "{} problem(s):", self.problems.len())?;
            for p in self.problems.iter().take(50) {
                writeln!(f, "  - {p}")?;
            }
            if self.problems.len() > 50 {
                writeln!(f, "  … and {} more", self.problems.len() - 50)?;
            }
            if self.repaired {
                writeln!(f, "Indexes rebuilt from the records; run `crm doctor` again to confirm.")?;
            } else {
                writeln!(f, "Run `crm doctor --repair` to rebuild the indexes from the records.")?;
            }
        }
        Ok(())
    }
}

const MAX_PROBLEMS: usize = 1000;

fn note(problems: &mut Vec<String>, p: String) {
    if problems.len() < MAX_PROBLEMS {
        problems.push(p);
    }
}

/// Index entries the records and the journal call for, per index tree, sorted.
fn expected_indexes(engine: &dyn Engine, report: &mut DoctorReport) -> Result<HashMap<Tree, Vec<Vec<u8>>>, StoreError> {
    let mut want: HashMap<Tree, Vec<Vec<u8>>> = Tree::INDEXES.iter().map(|t| (*t, Vec::new())).collect();
    for kind in EntityKind::ALL {
        let tree = keys::entity_tree(kind);
        let mut n = 0u64;
        let mut max_id = 0u64;
        let mut problems = Vec::new();
        engine.scan(tree, full_range(), false, &mut |k, v| {
            n += 1;
            match codec::decode_record(kind, v) {
                Ok(rec) => {
                    if keys::entity_key(&rec.reference()) != k {
                        problems.push(format!("{} is stored under the wrong key", rec.reference()));
                    }
                    if let Some(id) = rec.reference().number() {
                        max_id = max_id.max(id);
                    }
                    for (t, key) in keys::index_entries(&rec) {
                        want.entry(t).or_default().push(key);
                    }
                }
                Err(e) => problems.push(format!("a {kind} record cannot be read: {e}")),
            }
            true
        })?;
        for p in problems {
            note(&mut report.problems, p);
        }
        report.records.insert(kind.name().to_string(), n);
        if kind != EntityKind::User {
            let next = engine.get(Tree::Meta, &meta::next_id(kind))?.as_deref().and_then(keys::read_u64).unwrap_or(1);
            if max_id >= next {
                note(
                    &mut report.problems,
                    format!("the {kind} id counter ({next}) is behind the highest id ({max_id})"),
                );
            }
        }
    }
    // The per-record history index comes from the journal.
    let mut max_seq = 0u64;
    let mut entries = 0u64;
    let mut bad = Vec::new();
    super::journal::scan(engine, false, &mut |k, v| {
        entries += 1;
        match codec::decode::<JournalEntry>(v) {
            Ok(e) => {
                if keys::read_u64(k) != Some(e.seq) {
                    bad.push(format!("journal entry #{} is stored under the wrong key", e.seq));
                }
                max_seq = max_seq.max(e.seq);
                want.entry(Tree::RecordHistory)
                    .or_default()
                    .extend(super::journal::history_keys(e.seq, &e.writes, &e.changes));
            }
            Err(e) => bad.push(format!("journal entry {:?} cannot be read: {e}", keys::read_u64(k))),
        }
        true
    })?;
    for p in bad {
        note(&mut report.problems, p);
    }
    report.journal_entries = entries;
    let next_seq = engine.get(Tree::Meta, meta::NEXT_SEQ)?.as_deref().and_then(keys::read_u64).unwrap_or(1);
    if entries > 0 && max_seq >= next_seq {
        note(&mut report.problems, format!("the journal counter ({next_seq}) is behind the last entry (#{max_seq})"));
    }
    for v in want.values_mut() {
        v.sort();
        v.dedup();
    }
    Ok(want)
}

fn describe_index_key(tree: Tree, key: &[u8]) -> String {
    if let Some((kind, first, last, seq)) = keys::history::parse_range(key).filter(|_| tree == Tree::RecordHistory) {
        let (a, b) = (crate::domain::Ref::from_number(kind, first), crate::domain::Ref::from_number(kind, last));
        if let (Some(a), Some(b)) = (a, b) {
            return format!("{} entry for records {a}–{b} (journal entry #{seq})", tree.name());
        }
    }
    let id = keys::trailing_id(key).map(|n| n.to_string()).unwrap_or_else(|| "?".into());
    format!("{} entry for record {id}", tree.name())
}

/// Checks the database; with `repair`, rebuilds every index tree when something is off.
pub fn check(store: &Store, repair: bool) -> Result<DoctorReport, StoreError> {
    let engine = store.engine();
    let mut report = DoctorReport { engine: engine.kind().to_string(), ..DoctorReport::default() };
    let want = expected_indexes(engine, &mut report)?;
    for tree in Tree::INDEXES {
        let expected = want.get(&tree).map(Vec::as_slice).unwrap_or(&[]);
        let mut i = 0;
        let mut problems = Vec::new();
        engine.scan(tree, full_range(), false, &mut |k, _| {
            while i < expected.len() && expected[i].as_slice() < k {
                problems.push(format!("missing {}", describe_index_key(tree, &expected[i])));
                i += 1;
            }
            if i < expected.len() && expected[i].as_slice() == k {
                i += 1;
            } else {
                problems.push(format!("stray {} (no such live record)", describe_index_key(tree, k)));
            }
            problems.len() < MAX_PROBLEMS
        })?;
        for k in &expected[i.min(expected.len())..] {
            if problems.len() >= MAX_PROBLEMS {
                break;
            }
            problems.push(format!("missing {}", describe_index_key(tree, k)));
        }
        for p in problems {
            note(&mut report.problems, p);
        }
    }
    // Undo and redo stacks must point at journal entries.
    for stack in [Tree::Undo, Tree::Redo] {
        let mut dangling = Vec::new();
        engine.scan(stack, full_range(), false, &mut |_, v| {
            if let Some(seq) = keys::read_u64(v) {
                dangling.push(seq);
            }
            true
        })?;
        for seq in dangling {
            if engine.get(Tree::Journal, &keys::id(seq))?.is_none() {
                note(
                    &mut report.problems,
                    format!("the {} stack names journal entry #{seq}, which is missing", stack.name()),
                );
            }
        }
    }
    if repair && !report.problems.is_empty() {
        rebuild_indexes(engine, &want)?;
        report.repaired = true;
    }
    Ok(report)
}

fn rebuild_indexes(engine: &dyn Engine, want: &HashMap<Tree, Vec<Vec<u8>>>) -> Result<(), StoreError> {
    engine.write(&mut |txn| {
        for tree in Tree::INDEXES {
            super::engine::clear(txn, tree)?;
            for k in want.get(&tree).map(Vec::as_slice).unwrap_or(&[]) {
                txn.put(tree, k, &[])?;
            }
        }
        Ok(())
    })
}
