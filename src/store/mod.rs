//! Persistence: records, indexes and the journal on an embedded engine (redb or sled).
//! Every write goes through [`Store::apply`] (or undo/redo), never straight to a tree.

pub mod apply;
pub mod backup;
pub mod bulk;
pub mod codec;
pub mod convert;
pub mod doctor;
pub mod engine;
pub mod error;
mod group;
pub mod journal;
pub mod keys;
pub mod migrate;
pub mod trees;

pub use apply::Receipt;
pub use engine::EngineKind;
pub use error::StoreError;
pub use journal::{JournalEntry, Op};
pub use trees::Tree;

use crate::domain::*;
use engine::{prefix_range, Engine, KeyRange};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};

/// Entries of trees by tree name, for comparing whole database states.
pub type Snapshot = BTreeMap<&'static str, Vec<(Vec<u8>, Vec<u8>)>>;

/// The file beside the data that says which engine wrote it.
const ENGINE_MARKER: &str = "engine";

pub struct Store {
    engine: Box<dyn Engine>,
    dir: PathBuf,
    pipeline: Pipeline,
    /// Writes arriving together commit together (a server's many clients).
    group: group::Group,
}

/// Which engine a database directory holds, if any.
pub fn detect_engine(dir: &Path) -> Result<Option<EngineKind>, StoreError> {
    let marker = dir.join(ENGINE_MARKER);
    if marker.exists() {
        let text = std::fs::read_to_string(&marker)
            .map_err(|e| StoreError::Engine(format!("cannot read {}: {e}", marker.display())))?;
        return EngineKind::parse(&text)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", marker.display())));
    }
    for kind in [EngineKind::Redb, EngineKind::Sled] {
        if engine::data_path(dir, kind).exists() {
            return Ok(Some(kind));
        }
    }
    Ok(None)
}

impl Store {
    /// Opens the database in `dir`, creating it (with `engine`, or the default engine) when
    /// it does not exist. Asking for an engine other than the one that wrote it is an error.
    pub fn open(dir: &Path, engine: Option<EngineKind>) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Engine(format!("cannot create {}: {e}", dir.display())))?;
        let kind = match (detect_engine(dir)?, engine) {
            (Some(found), Some(wanted)) if found != wanted => {
                return Err(StoreError::WrongEngine {
                    path: dir.to_path_buf(),
                    found: found.to_string(),
                    wanted: wanted.to_string(),
                })
            }
            (Some(found), _) => found,
            (None, wanted) => wanted.unwrap_or(EngineKind::DEFAULT),
        };
        let engine = engine::open(dir, kind)?;
        let marker = dir.join(ENGINE_MARKER);
        if !marker.exists() {
            std::fs::write(&marker, format!("{kind}\n"))
                .map_err(|e| StoreError::Engine(format!("cannot write {}: {e}", marker.display())))?;
        }
        migrate::on_open(engine.as_ref(), dir)?;
        let pipeline = match engine.get(Tree::Meta, keys::meta::PIPELINE)? {
            Some(b) => codec::decode(&b)?,
            None => Pipeline::default(),
        };
        Ok(Store { engine, dir: dir.to_path_buf(), pipeline, group: group::Group::default() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn engine_kind(&self) -> EngineKind {
        self.engine.kind()
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Replaces the stored pipeline (the stage list from the config). Refused, with nothing
    /// written, when the list is invalid or leaves out a stage that live deals are in: a deal
    /// never points at a stage that does not exist. Returns whether anything changed.
    pub fn set_pipeline(&mut self, pipeline: Pipeline) -> Result<bool, StoreError> {
        if pipeline == self.pipeline {
            return Ok(false);
        }
        pipeline.validate().map_err(|m| StoreError::validation("stages", m))?;
        let removed: Vec<String> =
            self.pipeline.stages.iter().filter(|s| pipeline.get(&s.key).is_none()).map(|s| s.key.clone()).collect();
        let bytes = codec::encode(&pipeline)?;
        self.engine.write(&mut |txn| {
            let mut orphaned = Vec::new();
            for key in &removed {
                let mut n = 0usize;
                let range = engine::prefix_range(&keys::cat(&[key.as_bytes(), &[0]]));
                txn.scan(Tree::DealStage, range, false, &mut |_, _| {
                    n += 1;
                    true
                })?;
                if n > 0 {
                    orphaned.push(format!("{n} deal{} in \"{key}\"", if n == 1 { "" } else { "s" }));
                }
            }
            if !orphaned.is_empty() {
                return Err(StoreError::validation(
                    "stages",
                    format!(
                        "the stage list leaves out stages that deals are in ({}); keep those stages or move the deals first",
                        orphaned.join(", ")
                    ),
                ));
            }
            txn.put(Tree::Meta, keys::meta::PIPELINE, &bytes)
        })?;
        self.pipeline = pipeline;
        Ok(true)
    }

    /// Who sees what (`meta/visibility`; absent: team). Read on every request rather than
    /// kept like the pipeline, so that a change made by another process counts at once.
    pub fn visibility(&self) -> Result<Visibility, StoreError> {
        apply::read_visibility(|k| self.engine.get(Tree::Meta, k))
    }

    /// The logins a record is shared with, in order.
    pub fn shared_with(&self, r: &Ref) -> Result<Vec<String>, StoreError> {
        let prefix = keys::share::record_prefix_of(r);
        let mut out = Vec::new();
        self.engine.scan(Tree::Shares, prefix_range(&prefix), false, &mut |k, _| {
            out.extend(keys::share::login_in(k, &prefix));
            true
        })?;
        Ok(out)
    }

    /// The records shared with each of `logins`, as (login, record) pairs.
    pub fn shares_of(&self, logins: &[&str]) -> Result<Vec<(String, Ref)>, StoreError> {
        let mut out = Vec::new();
        for login in logins {
            let prefix = keys::share::login_prefix(login);
            self.engine.scan(Tree::Shares, prefix_range(&prefix), false, &mut |k, _| {
                out.extend(keys::share::record_in(k, &prefix).map(|r| (login.to_string(), r)));
                true
            })?;
        }
        Ok(out)
    }

    /// Validates and applies a batch of changes in one durable transaction with one journal
    /// entry. On error nothing is written.
    pub fn apply(&self, author: &str, at: Timestamp, changes: &[Change]) -> Result<Receipt, StoreError> {
        self.apply_records(author, at, bulk::Records::Borrowed(changes))
    }

    /// `apply` of a batch the caller has no more use for: a large one's records are taken,
    /// not cloned, to be written (`bulk::Records`), and the batch is freed after the answer
    /// (`bulk::release`).
    pub fn apply_owned(&self, author: &str, at: Timestamp, mut changes: Vec<Change>) -> Result<Receipt, StoreError> {
        let receipt = self.apply_records(author, at, bulk::Records::Taken(&mut changes));
        // A large batch (an import of 100k records) is not freed before the answer: dropping
        // it record by record took a twentieth of the import.
        if changes.len() >= 10_000 {
            bulk::release(changes);
        }
        receipt
    }

    /// A small batch joins the group commit (as a copy, or moved when handed over); a large one
    /// is written alone.
    fn apply_records(
        &self,
        author: &str,
        at: Timestamp,
        mut records: bulk::Records<'_>,
    ) -> Result<Receipt, StoreError> {
        if records.changes().len() <= group::GROUP_MAX_CHANGES {
            let changes = match records {
                bulk::Records::Borrowed(c) => c.to_vec(),
                bulk::Records::Taken(c) => std::mem::take(c),
            };
            let job = group::Job::Apply { author: author.to_string(), at, changes };
            return self.group.write(&*self.engine, &self.pipeline, job);
        }
        let mut out = None;
        let pipeline = &self.pipeline;
        self.engine.write(&mut |txn| {
            out = Some(apply::apply_records_in(txn, pipeline, author, at, &mut records)?);
            Ok(())
        })?;
        out.ok_or_else(|| StoreError::Engine("write did not run".into()))
    }

    /// Reverts `author`'s most recent change that is not undone yet.
    pub fn undo(&self, author: &str, at: Timestamp) -> Result<Receipt, StoreError> {
        self.step(author, at, false)
    }

    /// Re-applies `author`'s most recently undone change.
    pub fn redo(&self, author: &str, at: Timestamp) -> Result<Receipt, StoreError> {
        self.step(author, at, true)
    }

    /// Journals something that wrote no record (an export), for the audit log; returns its seq.
    pub fn record_event(&self, author: &str, at: Timestamp, events: Vec<journal::Logged>) -> Result<u64, StoreError> {
        let mut seq = None;
        self.engine.write(&mut |txn| {
            seq = Some(apply::event_in(txn, author, at, events.clone())?);
            Ok(())
        })?;
        seq.ok_or_else(|| StoreError::Engine("write did not run".into()))
    }

    fn step(&self, author: &str, at: Timestamp, redo: bool) -> Result<Receipt, StoreError> {
        self.group.write(&*self.engine, &self.pipeline, group::Job::Step { author: author.to_string(), at, redo })
    }

    /// A record by reference, trashed or not.
    pub fn get(&self, r: &Ref) -> Result<Option<Record>, StoreError> {
        match self.engine.get(keys::entity_tree(r.kind()), &keys::entity_key(r))? {
            Some(b) => Ok(Some(codec::decode_record(r.kind(), &b)?)),
            None => Ok(None),
        }
    }

    /// Visits every record of a kind in id order (trashed ones included); `visit` returns
    /// false to stop.
    pub fn scan(&self, kind: EntityKind, visit: &mut dyn FnMut(Record) -> bool) -> Result<(), StoreError> {
        let mut err = None;
        self.engine.scan(
            keys::entity_tree(kind),
            engine::full_range(),
            false,
            &mut |_, v| match codec::decode_record(kind, v) {
                Ok(r) => visit(r),
                Err(e) => {
                    err = Some(e);
                    false
                }
            },
        )?;
        err.map_or(Ok(()), Err)
    }

    /// Every live (not trashed) record of a kind.
    pub fn all_live(&self, kind: EntityKind) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        self.scan(kind, &mut |r| {
            if r.deleted().is_none() {
                out.push(r);
            }
            true
        })?;
        Ok(out)
    }

    /// Keys of an index tree in a range, in order (reverse when `rev`), at most `limit`.
    pub fn index_keys(&self, tree: Tree, range: KeyRange, rev: bool, limit: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        self.engine.scan(tree, range, rev, &mut |k, _| {
            out.push(k.to_vec());
            out.len() < limit
        })?;
        Ok(out)
    }

    /// Visits the keys of an index tree in `range`, in order (reverse when `rev`), until
    /// `visit` returns false: for indexes whose keys carry what the caller needs.
    pub fn visit_keys(
        &self,
        tree: Tree,
        range: KeyRange,
        rev: bool,
        visit: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<(), StoreError> {
        self.engine.scan(tree, range, rev, &mut |k, _| visit(k))
    }

    /// The latest time under each record of a (record id ‖ time ‖ id) index — a contact's last
    /// activity, a deal's, a contact's last call — None where there is none, in one read.
    pub fn latest_under_each(&self, tree: Tree, ids: &[u64]) -> Result<Vec<Option<Timestamp>>, StoreError> {
        let ranges: Vec<KeyRange> = ids.iter().map(|n| prefix_range(&keys::id(*n))).collect();
        let mut out = vec![None; ids.len()];
        self.engine.scan_each(tree, &ranges, true, &mut |i, k, _| {
            out[i] = keys::time_after_id(k);
            false
        })?;
        Ok(out)
    }

    /// Records of one kind by id (None where there is none), in one read.
    pub fn get_many(&self, kind: EntityKind, ids: &[u64]) -> Result<Vec<Option<Record>>, StoreError> {
        use std::ops::Bound::Included;
        let ranges: Vec<KeyRange> =
            ids.iter().map(|n| (Included(keys::id(*n).to_vec()), Included(keys::id(*n).to_vec()))).collect();
        let mut out: Vec<Option<Record>> = vec![None; ids.len()];
        let mut failed = None;
        self.engine.scan_each(keys::entity_tree(kind), &ranges, false, &mut |i, _, v| {
            match codec::decode_record(kind, v) {
                Ok(r) => out[i] = Some(r),
                Err(e) => failed = Some(e),
            }
            false
        })?;
        match failed {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// Ids (the trailing 8 bytes) of the index entries under `prefix`.
    pub fn index_ids(&self, tree: Tree, prefix: &[u8], rev: bool, limit: usize) -> Result<Vec<u64>, StoreError> {
        Ok(self
            .index_keys(tree, prefix_range(prefix), rev, limit)?
            .iter()
            .filter_map(|k| keys::trailing_id(k))
            .collect())
    }

    /// Open tasks whose attention time (due, or end of snooze) is before `before`, soonest first.
    pub fn tasks_due_before(&self, before: Timestamp) -> Result<Vec<Task>, StoreError> {
        let range = (Bound::Unbounded, Bound::Excluded(keys::time(before.0).to_vec()));
        let ids: Vec<u64> = self
            .index_keys(Tree::TaskDue, range, false, usize::MAX)?
            .iter()
            .filter_map(|k| keys::trailing_id(k))
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(Record::Task(t)) = self.get(&Ref::Task(TaskId(id)))? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Writes this process has committed so far (see `Engine::commits`).
    pub fn commits(&self) -> u64 {
        self.engine.commits()
    }

    /// The number the next journal entry will get: it changes with every write, from this
    /// process or another, so a reader can tell that it should look again.
    pub fn journal_head(&self) -> Result<u64, StoreError> {
        Ok(self.engine.get(Tree::Meta, keys::meta::NEXT_SEQ)?.as_deref().and_then(keys::read_u64).unwrap_or(1))
    }

    /// One journal entry.
    pub fn journal_entry(&self, seq: u64) -> Result<Option<JournalEntry>, StoreError> {
        match journal::get(self.engine.as_ref(), seq)? {
            Some(b) => Ok(Some(codec::decode(&b)?)),
            None => Ok(None),
        }
    }

    /// Journal entries, newest first, at most `limit`, that `keep` accepts.
    pub fn journal(
        &self,
        limit: usize,
        keep: &mut dyn FnMut(&JournalEntry) -> bool,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let mut out = Vec::new();
        let mut err = None;
        journal::scan(self.engine.as_ref(), true, &mut |_, v| match codec::decode::<JournalEntry>(v) {
            Ok(e) => {
                if keep(&e) {
                    out.push(e);
                }
                out.len() < limit
            }
            Err(e) => {
                err = Some(e);
                false
            }
        })?;
        err.map_or(Ok(out), Err)
    }

    /// Visits journal entries newest first until `visit` returns false (an audit going back
    /// to a date stops there instead of reading the whole journal).
    pub fn visit_journal(&self, visit: &mut dyn FnMut(JournalEntry) -> bool) -> Result<(), StoreError> {
        let mut err = None;
        journal::scan(self.engine.as_ref(), true, &mut |_, v| match codec::decode::<JournalEntry>(v) {
            Ok(e) => visit(e),
            Err(e) => {
                err = Some(e);
                false
            }
        })?;
        err.map_or(Ok(()), Err)
    }

    /// The journal entries that wrote a record, newest first.
    pub fn history(&self, r: &Ref) -> Result<Vec<JournalEntry>, StoreError> {
        let mut seqs = self.index_ids(Tree::RecordHistory, &keys::record_prefix(r), true, usize::MAX)?;
        // And the entries that created it in a run with others (an import): `keys::history`.
        if let (Some(range), Some(n)) = (keys::history::ranges_from(r), r.number()) {
            self.engine.scan(Tree::RecordHistory, range, false, &mut |k, _| {
                if let Some((_, first, last, seq)) = keys::history::parse_range(k) {
                    if first <= n && n <= last {
                        seqs.push(seq);
                    }
                }
                true
            })?;
            seqs.sort_unstable_by(|a, b| b.cmp(a));
            seqs.dedup();
        }
        let mut out = Vec::with_capacity(seqs.len());
        for s in seqs {
            if let Some(e) = self.journal_entry(s)? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Records in the trash, most recently deleted first.
    pub fn trash(&self) -> Result<Vec<Record>, StoreError> {
        let keys_found = self.index_keys(Tree::Trash, engine::full_range(), false, usize::MAX)?;
        let mut out = Vec::new();
        for k in keys_found {
            let Some((&tag, rest)) = k.split_first() else { continue };
            let Some(kind) = EntityKind::from_tag(tag) else { continue };
            if let Some(r) = keys::ref_from_key(kind, rest) {
                if let Some(rec) = self.get(&r)? {
                    out.push(rec);
                }
            }
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.deleted()));
        Ok(out)
    }

    pub fn count(&self, tree: Tree) -> Result<u64, StoreError> {
        self.engine.count(tree)
    }

    /// The raw engine, for checks, conversions and benchmarks (not for features).
    pub fn engine(&self) -> &dyn Engine {
        self.engine.as_ref()
    }

    /// Every entry of the entity and index trees (not the journal, the stacks, the counters
    /// or the history index, which only grow): what undo must restore byte for byte.
    pub fn data_snapshot(&self) -> Result<Snapshot, StoreError> {
        let mut out = BTreeMap::new();
        for t in Tree::ALL {
            if matches!(t, Tree::Meta | Tree::Journal | Tree::Undo | Tree::Redo | Tree::RecordHistory) {
                continue;
            }
            let mut entries = Vec::new();
            self.engine.scan(t, engine::full_range(), false, &mut |k, v| {
                entries.push((k.to_vec(), v.to_vec()));
                true
            })?;
            out.insert(t.name(), entries);
        }
        Ok(out)
    }
}
