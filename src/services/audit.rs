//! The audit log: who created, changed, moved, merged, exported, trashed or restored what,
//! and when, one line per change, read from the journal. The CLI (`crm audit`) and the TUI
//! audit view both list these rows.

use super::{Crm, Result, ServiceError};
use crate::domain::*;
use crate::store::journal::{JournalEntry, Logged};
use crate::store::Op;
use serde::Serialize;
use std::collections::HashMap;

/// Which journal lines to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AuditQuery {
    /// Only what this login did.
    pub user: Option<String>,
    /// Only from this instant on.
    pub since: Option<Timestamp>,
    /// Only what happened to this record.
    pub record: Option<Ref>,
    /// At most this many lines (0: no limit).
    pub limit: usize,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AuditRow {
    /// The journal entry (`crm history` shows the same number).
    pub seq: u64,
    pub at: Timestamp,
    pub user: String,
    /// created, changed, moved, done, reopened, snoozed, trashed, restored, merged, exported,
    /// undo, redo.
    pub action: String,
    pub record: Option<Ref>,
    /// The record's name or title as it is now (as it was, for created records).
    pub label: String,
    pub detail: String,
}

impl Crm {
    /// Journal lines newest first, filtered by `q`.
    pub fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditRow>> {
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        // In private visibility, what the user's team did (an admin's audit covers everyone).
        let access = self.access()?;
        if let Some(r) = &q.record {
            if access.get(r)?.is_none() {
                return Err(ServiceError::NotFound(format!("{r} does not exist")));
            }
        }
        let mut labels = Labels { crm: self, cache: HashMap::new() };
        let mut rows = Vec::new();
        let mut failed = None;
        let mut take = |e: JournalEntry, rows: &mut Vec<AuditRow>| -> bool {
            if q.since.is_some_and(|s| e.at < s) {
                return false;
            }
            if q.user.as_ref().is_some_and(|u| *u != e.author) || !access.owns(&e.author) {
                return true;
            }
            match entry_rows(&e, q.record.as_ref(), &mut labels) {
                Ok(mut r) => rows.append(&mut r),
                Err(err) => {
                    failed = Some(err);
                    return false;
                }
            }
            rows.len() < limit
        };
        match &q.record {
            // The record's own history index: no need to read the whole journal.
            Some(r) => {
                for e in self.store.history(r)? {
                    if !take(e, &mut rows) {
                        break;
                    }
                }
            }
            None => self.store.visit_journal(&mut |e| take(e, &mut rows))?,
        }
        if let Some(e) = failed {
            return Err(e);
        }
        rows.truncate(limit);
        Ok(rows)
    }
}

/// Record labels by reference, read once each.
struct Labels<'a> {
    crm: &'a Crm,
    cache: HashMap<Ref, String>,
}

impl Labels<'_> {
    fn get(&mut self, r: &Ref) -> Result<String> {
        if let Some(l) = self.cache.get(r) {
            return Ok(l.clone());
        }
        let label = self.crm.store.get(r)?.map(|rec| rec.label().to_string()).unwrap_or_default();
        self.cache.insert(r.clone(), label.clone());
        Ok(label)
    }
}

fn action_of(l: &Logged) -> &'static str {
    match l {
        Logged::Created { .. } => "created",
        Logged::Exported { .. } => "exported",
        Logged::Changed(c) => match c.as_ref() {
            Change::Create(_) => "created",
            Change::Edit { .. } => "changed",
            Change::MoveDeal { .. } => "moved",
            Change::CompleteTask { .. } => "done",
            Change::ReopenTask { .. } => "reopened",
            Change::SnoozeTask { .. } => "snoozed",
            Change::Trash { .. } => "trashed",
            Change::Restore { .. } => "restored",
            Change::SetVisibility(_) => "setting",
            Change::Share { .. } => "shared",
            Change::Unshare { .. } => "unshared",
        },
    }
}

/// The contact a merge in this entry kept, if the entry is a merge: a contact is trashed while
/// another contact is edited or has records relinked to it in the same batch.
fn merged_into(e: &JournalEntry, trashed: &Ref) -> Option<Ref> {
    e.changes.iter().find_map(|l| match l {
        Logged::Changed(c) => match c.as_ref() {
            Change::Edit { target: t @ Ref::Contact(_), .. } if t != trashed => Some(t.clone()),
            Change::Edit { edits, .. } => edits.iter().find_map(|ed| match ed {
                Edit::Contact(Some(k)) if Ref::Contact(*k) != *trashed => Some(Ref::Contact(*k)),
                _ => None,
            }),
            _ => None,
        },
        _ => None,
    })
}

fn entry_rows(e: &JournalEntry, only: Option<&Ref>, labels: &mut Labels<'_>) -> Result<Vec<AuditRow>> {
    let row = |action: &str, record: Option<Ref>, label: String, detail: String| AuditRow {
        seq: e.seq,
        at: e.at,
        user: e.author.clone(),
        action: action.to_string(),
        record,
        label,
        detail,
    };
    let mut out = Vec::new();
    if let Op::Undo { of } | Op::Redo { of } = e.op {
        let action = if matches!(e.op, Op::Undo { .. }) { "undo" } else { "redo" };
        let written: Vec<Ref> = e.writes.iter().filter_map(|w| w.reference()).collect();
        let record = match only {
            Some(r) => Some(r.clone()),
            None if written.len() == 1 => written.first().cloned(),
            None => None,
        };
        let label = match &record {
            Some(r) => labels.get(r)?,
            None => format!("{} records", written.len()),
        };
        let what = labels.crm.store.journal_entry(of)?.map(|o| o.summary()).unwrap_or_default();
        let verb = if action == "undo" { "undid" } else { "redid" };
        out.push(row(action, record, label, format!("{verb} #{of}: {what}")));
        return Ok(out);
    }
    for l in &e.changes {
        let target = l.target();
        if only.is_some() && target.as_ref() != only {
            continue;
        }
        let mut action = action_of(l);
        let mut detail = l.describe();
        if let (Logged::Changed(c), Some(t @ Ref::Contact(_))) = (l, &target) {
            if matches!(c.as_ref(), Change::Trash { .. }) {
                if let Some(kept) = merged_into(e, t) {
                    action = "merged";
                    detail = format!("merged into {kept}");
                }
            }
        }
        let label = match (l, &target) {
            (Logged::Created { label, .. }, _) => label.clone(),
            (_, Some(r)) => labels.get(r)?,
            (_, None) => String::new(),
        };
        if let Logged::Exported { what, .. } = l {
            detail = l.describe();
            out.push(row(action, None, what.clone(), detail));
            continue;
        }
        out.push(row(action, target, label, detail));
    }
    Ok(out)
}
