//! Group commit: writes that arrive while another is committing wait for it, then commit
//! together in one transaction, so a team writing at once pays for one durable commit (an
//! fsync or two) per group instead of one each. Each batch keeps its own validation, its own
//! journal entry and its own result: a batch that fails is staged apart (an [`Overlay`]) and
//! dropped, the others commit. Nobody is answered before the transaction holding their
//! change is durable.

use super::apply::{self, Receipt};
use super::engine::{Engine, Overlay, Txn};
use super::error::StoreError;
use crate::domain::{Change, Pipeline, Timestamp};
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Batches larger than this (an import) are written on their own, without waiting in line or
/// being copied into it.
pub const GROUP_MAX_CHANGES: usize = 64;

/// One write waiting for a commit.
pub enum Job {
    Apply {
        author: String,
        at: Timestamp,
        changes: Vec<Change>,
    },
    /// Undo (`redo: false`) or redo of the author's last change.
    Step {
        author: String,
        at: Timestamp,
        redo: bool,
    },
}

impl Job {
    fn run(&self, txn: &mut dyn Txn, pipeline: &Pipeline) -> Result<Receipt, StoreError> {
        match self {
            Job::Apply { author, at, changes } => apply::apply_in(txn, pipeline, author, *at, changes),
            Job::Step { author, at, redo } => apply::step_in(txn, author, *at, *redo),
        }
    }
}

#[derive(Default)]
struct Line {
    next: u64,
    waiting: Vec<(u64, Job)>,
    done: HashMap<u64, Result<Receipt, StoreError>>,
    /// A writer is committing a group: the others wait for its outcome or their turn.
    committing: bool,
}

#[derive(Default)]
pub struct Group {
    line: Mutex<Line>,
    turn: Condvar,
}

impl Group {
    fn lock(&self) -> MutexGuard<'_, Line> {
        self.line.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes `job` durably, alone or with others waiting at the same time.
    pub fn write(&self, engine: &dyn Engine, pipeline: &Pipeline, job: Job) -> Result<Receipt, StoreError> {
        let mut line = self.lock();
        let me = line.next;
        line.next += 1;
        line.waiting.push((me, job));
        loop {
            if let Some(result) = line.done.remove(&me) {
                return result;
            }
            if line.committing {
                line = self.turn.wait(line).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // Our turn: commit everyone waiting (us included), then hand over.
            line.committing = true;
            let group = std::mem::take(&mut line.waiting);
            drop(line);
            let results = commit(engine, pipeline, group);
            line = self.lock();
            line.done.extend(results);
            line.committing = false;
            self.turn.notify_all();
        }
    }
}

/// One transaction for the whole group; each job's outcome.
fn commit(engine: &dyn Engine, pipeline: &Pipeline, group: Vec<(u64, Job)>) -> Vec<(u64, Result<Receipt, StoreError>)> {
    if let [(id, job)] = group.as_slice() {
        // Alone: straight into the transaction (its failure aborts it, as without groups).
        let mut out = None;
        let written = engine.write(&mut |txn| {
            out = Some(job.run(txn, pipeline)?);
            Ok(())
        });
        let result = written.and_then(|()| out.take().ok_or_else(|| StoreError::Engine("write did not run".into())));
        return vec![(*id, result)];
    }
    let mut outcomes: Vec<Result<Receipt, StoreError>> = Vec::new();
    let written = engine.write(&mut |txn| {
        outcomes.clear();
        for (_, job) in &group {
            // Staged apart, so that a job failing half-way leaves nothing behind.
            let mut staged = Overlay::new(&*txn);
            let result = job.run(&mut staged, pipeline);
            let pending = staged.into_pending();
            if result.is_ok() {
                for ((tree, key), value) in pending {
                    match value {
                        Some(v) => txn.put(tree, &key, &v)?,
                        None => txn.remove(tree, &key)?,
                    }
                }
            }
            outcomes.push(result);
        }
        Ok(())
    });
    // (Fewer outcomes than jobs only when the transaction failed half-way.)
    let mut outcomes = outcomes.into_iter();
    group
        .iter()
        .map(|(id, _)| {
            let result = match (&written, outcomes.next()) {
                // A job's own failure is its answer, committed or not.
                (_, Some(Err(e))) => Err(e),
                (Ok(()), Some(Ok(receipt))) => Ok(receipt),
                (Err(e), _) => Err(StoreError::Engine(format!("the commit failed, nothing was written: {e}"))),
                (Ok(()), None) => Err(StoreError::Engine("write did not run".into())),
            };
            (*id, result)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use crate::store::{EngineKind, Store};

    const AT: Timestamp = Timestamp(1_800_000_000_000);

    /// A contact owned by its author (an empty owner is the author).
    fn contact(name: &str) -> Change {
        Change::Create(Record::Contact(Contact {
            id: ContactId::placeholder(1),
            name: name.into(),
            ..Contact::default()
        }))
    }

    fn names(store: &Store) -> Vec<String> {
        let mut v: Vec<String> =
            store.all_live(EntityKind::Contact).unwrap().iter().map(|r| r.label().to_string()).collect();
        v.sort();
        v
    }

    /// In one group, a batch that fails leaves nothing, the others commit with a journal
    /// entry each, in order, and undo still takes back one batch at a time.
    #[test]
    fn a_failing_batch_in_a_group_leaves_nothing_and_the_others_commit() {
        for kind in [EngineKind::Redb, EngineKind::Sled] {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path(), Some(kind)).unwrap();
            let head = store.journal_head().unwrap();
            let bad = vec![
                contact("Half Written"),
                Change::Edit { target: Ref::Contact(ContactId(999)), edits: vec![Edit::Name("x".into())] },
            ];
            let group = vec![
                (1, Job::Apply { author: "anna".into(), at: AT, changes: vec![contact("Ada")] }),
                (2, Job::Apply { author: "anna".into(), at: AT, changes: bad }),
                (3, Job::Apply { author: "ben".into(), at: AT, changes: vec![contact("Bea")] }),
                (4, Job::Step { author: "ben".into(), at: AT, redo: false }),
                (5, Job::Apply { author: "anna".into(), at: AT, changes: vec![contact("Cy")] }),
            ];
            let results = commit(&*store.engine, &store.pipeline, group);
            let ids: Vec<u64> = results.iter().map(|(id, _)| *id).collect();
            assert_eq!(ids, [1, 2, 3, 4, 5], "{kind:?}");
            assert!(matches!(results[1].1, Err(StoreError::NotFound(_))), "{kind:?}: {:?}", results[1].1);
            let seqs: Vec<u64> = [0, 2, 3, 4].iter().map(|&i| results[i].1.as_ref().unwrap().seq).collect();
            assert_eq!(seqs, [head, head + 1, head + 2, head + 3], "{kind:?}: one entry each, in order");
            // Ben's undo in the same group took back Ben's contact, written just before it.
            assert_eq!(names(&store), ["Ada", "Cy"], "{kind:?}");
            assert_eq!(store.journal_head().unwrap(), head + 4, "{kind:?}");
            store.undo("anna", AT).unwrap();
            assert_eq!(names(&store), ["Ada"], "{kind:?}");
        }
    }

    /// Many threads writing at once: every write answered Ok is in, each exactly once, the
    /// ones refused are not, and the journal holds one entry per acknowledged write.
    #[test]
    fn concurrent_writers_each_get_their_own_answer() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(Store::open(dir.path(), Some(EngineKind::Redb)).unwrap());
        let head = store.journal_head().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let mut ok = Vec::new();
                    for i in 0..15 {
                        let mut changes = vec![contact(&format!("C{t:02}-{i:02}"))];
                        if i % 5 == 4 {
                            changes.push(Change::Trash { target: Ref::Deal(DealId(4242)) });
                        }
                        match store.apply("anna", AT, &changes) {
                            Ok(r) => ok.push((r.seq, format!("C{t:02}-{i:02}"))),
                            Err(e) => assert!(i % 5 == 4, "write {t}/{i} refused: {e}"),
                        }
                    }
                    ok
                })
            })
            .collect();
        let mut acknowledged: Vec<(u64, String)> = threads.into_iter().flat_map(|h| h.join().unwrap()).collect();
        acknowledged.sort();
        assert_eq!(acknowledged.len(), 8 * 12);
        let seqs: Vec<u64> = acknowledged.iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, (head..head + 96).collect::<Vec<_>>(), "one journal entry per acknowledged write");
        let mut expected: Vec<String> = acknowledged.into_iter().map(|(_, n)| n).collect();
        expected.sort();
        assert_eq!(names(&store), expected);
    }
}
