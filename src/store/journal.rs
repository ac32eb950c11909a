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
