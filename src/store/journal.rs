//! The journal: one entry per applied batch, undo or redo, with the author, the time, the
//! changes as given, and the exact bytes before and after every record it wrote.

use crate::domain::{Change, EntityKind, Ref, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Apply,
    Undo {
        of: u64,
    },
    Redo {
        of: u64,
    },
    /// Something that wrote no record but belongs in the audit log (an export): never on an
    /// undo stack.
    Event,
}

/// One record written by an entry: its entity-tree key and its encoded value before and
/// after (None = absent). Undo writes `before` back, redo writes `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Write {
    pub kind: EntityKind,
    pub key: Vec<u8>,
    pub before: Option<Vec<u8>>,
    pub after: Option<Vec<u8>>,
}

impl Write {
    pub fn reference(&self) -> Option<Ref> {
        super::keys::ref_from_key(self.kind, &self.key)
    }
}

/// A change as the journal keeps it. A created record is kept once, as the after-image of its
/// write; the logged change only names it (this keeps the journal about a third smaller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Logged {
    Created {
        target: Ref,
        label: String,
    },
    Changed(Box<Change>),
    /// Records left the database: `what` ("csv contacts", "vcard", "json", "backup"), how
    /// many records, and the filter used (empty: everything).
    Exported {
        what: String,
        count: u64,
        filter: String,
    },
}

impl Logged {
    pub fn new(change: Change) -> Logged {
        match change {
            Change::Create(r) => Logged::Created { target: r.reference(), label: r.label().to_string() },
            other => Logged::Changed(Box::new(other)),
        }
    }

    /// The record a change is about; None for events about no one record (an export).
    pub fn target(&self) -> Option<Ref> {
        match self {
            Logged::Created { target, .. } => Some(target.clone()),
            Logged::Changed(c) => c.target(),
            Logged::Exported { .. } => None,
        }
    }

    /// Whether the change wrote outside the entity trees (a share, a setting), where the
    /// journal keeps no before/after image and undo replays the change itself.
    pub fn is_side(&self) -> bool {
        matches!(self, Logged::Changed(c) if matches!(c.as_ref(), Change::SetVisibility(_) | Change::Share { .. } | Change::Unshare { .. }))
    }

    /// The record such a change is about (the shared record), for its history.
    pub fn side_target(&self) -> Option<Ref> {
        if self.is_side() {
            self.target()
        } else {
            None
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Logged::Created { target, label } => format!("created {} {label:?}", target.kind()),
            Logged::Changed(c) => c.describe(),
            Logged::Exported { what, count, filter } => {
                let records = if *count == 1 { "record" } else { "records" };
                if filter.is_empty() {
                    format!("exported {count} {records} ({what})")
                } else {
                    format!("exported {count} {records} ({what}, {filter})")
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub seq: u64,
    pub at: Timestamp,
    pub author: String,
    pub op: Op,
    pub changes: Vec<Logged>,
    pub writes: Vec<Write>,
}

impl JournalEntry {
    /// One line per change, for history and audit listings.
    pub fn summary(&self) -> String {
        match self.op {
            Op::Undo { of } => format!("undid #{of}"),
            Op::Redo { of } => format!("redid #{of}"),
            Op::Apply | Op::Event => {
                let parts: Vec<String> = self
                    .changes
                    .iter()
                    .take(3)
                    .map(|c| match c.target() {
                        Some(t) => format!("{t}: {}", c.describe()),
                        None => c.describe(),
                    })
                    .collect();
                if self.changes.len() > 3 {
                    format!("{}; … ({} changes)", parts.join("; "), self.changes.len())
                } else {
                    parts.join("; ")
                }
            }
        }
    }
}

/// The `record_history` keys of journal entry `seq` (`keys::history`): one per record it
/// wrote or a side change is about, except that records it created with consecutive ids of
/// one kind, `RUN_FROM` or more, share one range key. The only place these keys are made:
/// `apply`, the bulk path, a restore, a migration and `crm doctor` all agree through it.
pub fn history_keys(seq: u64, writes: &[Write], changes: &[Logged]) -> Vec<Vec<u8>> {
    use super::keys::history;
    let mut out = Vec::new();
    let flush = |out: &mut Vec<Vec<u8>>, kind: EntityKind, (first, last): (u64, u64)| {
        if last - first + 1 >= history::RUN_FROM {
            out.push(history::range(kind, first, last, seq));
        } else {
            out.extend((first..=last).filter_map(|n| Ref::from_number(kind, n)).map(|r| history::record(&r, seq)));
        }
    };
    // Per kind, the run of consecutive ids being created.
    let mut runs: Vec<(EntityKind, (u64, u64))> = Vec::new();
    for w in writes {
        let created = w.before.is_none() && w.after.is_some() && w.kind != EntityKind::User;
        match super::keys::read_u64(&w.key).filter(|_| created && w.key.len() == 8) {
            Some(n) => match runs.iter_mut().find(|(k, _)| *k == w.kind) {
                Some((_, run)) if run.1.checked_add(1) == Some(n) => run.1 = n,
                Some((kind, run)) => {
                    let done = std::mem::replace(run, (n, n));
                    flush(&mut out, *kind, done);
                }
                None => runs.push((w.kind, (n, n))),
            },
            None => out.extend(w.reference().map(|r| history::record(&r, seq))),
        }
    }
    for (kind, run) in runs {
        flush(&mut out, kind, run);
    }
    out.extend(changes.iter().filter_map(Logged::side_target).map(|r| history::record(&r, seq)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::keys::{self, history};

    fn created(kind: EntityKind, n: u64) -> Write {
        Write { kind, key: keys::id(n).to_vec(), before: None, after: Some(vec![1]) }
    }

    #[test]
    fn runs_of_created_records_share_one_history_key() {
        // Companies and contacts interleaved (as an import makes them), an edit, a short run.
        let mut writes = Vec::new();
        for n in 1..=20 {
            writes.push(created(EntityKind::Contact, 100 + n));
            if n % 2 == 0 {
                writes.push(created(EntityKind::Company, 7 + n / 2));
            }
        }
        writes.push(Write { before: Some(vec![1]), ..created(EntityKind::Contact, 5) });
        writes.push(created(EntityKind::Deal, 1));
        writes.push(created(EntityKind::Deal, 2));
        let mut got = history_keys(9, &writes, &[]);
        got.sort();
        let mut want = vec![
            history::range(EntityKind::Contact, 101, 120, 9),
            history::range(EntityKind::Company, 8, 17, 9),
            history::record(&Ref::Contact(crate::domain::ContactId(5)), 9),
            history::record(&Ref::Deal(crate::domain::DealId(1)), 9),
            history::record(&Ref::Deal(crate::domain::DealId(2)), 9),
        ];
        want.sort();
        assert_eq!(got, want);
        let range = history::range(EntityKind::Contact, 101, 120, 9);
        assert_eq!(history::parse_range(&range), Some((EntityKind::Contact, 101, 120, 9)));
        assert_eq!(history::parse_range(&want[0]), None, "a record's key is no range");
        // A gap ends a run: 1..=9 then 11..=12 (too short for a range).
        let gap: Vec<Write> = (1..=12).filter(|n| *n != 10).map(|n| created(EntityKind::Task, n)).collect();
        let got = history_keys(3, &gap, &[]);
        assert_eq!(got.len(), 3);
        assert!(got.contains(&history::range(EntityKind::Task, 1, 9, 3)));
    }
}
