//! The write spine: `apply` validates a batch of changes against the current state and, in
//! one transaction, writes the records, their index entries and a journal entry. Undo and
//! redo write the journal's before- or after-images back through the same path.

use super::bulk::Records;
use super::codec::{self, decode_record, encode_record};
use super::engine::{prefix_range, Txn};
use super::error::StoreError;
use super::journal::{JournalEntry, Logged, Op, Write};
use super::keys::{self, meta};
use super::trees::Tree;
use crate::domain::ids::PLACEHOLDER_BASE;
use crate::domain::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// What an applied batch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Journal sequence number of the entry.
    pub seq: u64,
    /// Records created, in the order of the changes.
    pub created: Vec<Ref>,
    /// Every record written (created ones included).
    pub touched: Vec<Ref>,
    /// What happened, one line per change (for undo/redo: what was undone/redone).
    pub summary: String,
}

/// Writes a record's new bytes (None = remove) and keeps its index entries in step.
pub(crate) fn write_record(
    txn: &mut dyn Txn,
    kind: EntityKind,
    key: &[u8],
    after: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, StoreError> {
    let decoded = match after {
        Some(a) => Some(decode_record(kind, a)?),
        None => None,
    };
    write_decoded(txn, kind, key, after.zip(decoded.as_ref()))
}

/// `write_record` for a caller that has the record as well as its bytes (no decoding again).
fn write_decoded(
    txn: &mut dyn Txn,
    kind: EntityKind,
    key: &[u8],
    after: Option<(&[u8], &Record)>,
) -> Result<Option<Vec<u8>>, StoreError> {
    let tree = keys::entity_tree(kind);
    let before = txn.get(tree, key)?;
    let old_idx: BTreeSet<(Tree, Vec<u8>)> = match &before {
        Some(b) => keys::index_entries(&decode_record(kind, b)?).into_iter().collect(),
        None => BTreeSet::new(),
    };
    let new_idx: BTreeSet<(Tree, Vec<u8>)> = match after {
        Some((_, rec)) => keys::index_entries(rec).into_iter().collect(),
        None => BTreeSet::new(),
    };
    let after = after.map(|(bytes, _)| bytes);
    for (t, k) in old_idx.difference(&new_idx) {
        txn.remove(*t, k)?;
    }
    for (t, k) in new_idx.difference(&old_idx) {
        txn.put(*t, k, &[])?;
    }
    match after {
        Some(a) => txn.put(tree, key, a)?,
        None => txn.remove(tree, key)?,
    }
    Ok(before)
}

fn read_counter(txn: &dyn Txn, key: &[u8]) -> Result<u64, StoreError> {
    Ok(txn.get(Tree::Meta, key)?.as_deref().and_then(keys::read_u64).unwrap_or(1))
}

fn bump_counter(txn: &mut dyn Txn, key: &[u8]) -> Result<u64, StoreError> {
    let n = read_counter(txn, key)?;
    txn.put(Tree::Meta, key, &keys::id(n + 1))?;
    Ok(n)
}

/// The state of one batch inside its transaction.
struct Batch<'t> {
    txn: &'t mut dyn Txn,
    author: &'t str,
    at: Timestamp,
    pipeline: &'t Pipeline,
    writes: Vec<Write>,
    positions: HashMap<(EntityKind, Vec<u8>), usize>,
    placeholders: HashMap<(EntityKind, u64), u64>,
    created: Vec<Ref>,
    /// Records known to exist and not be in the trash at this point of the batch, so that a
    /// large batch linking many records to one company reads that company once.
    live: std::collections::HashSet<Ref>,
    /// Next ids handed out in this batch, written to `meta` at its end.
    counters: HashMap<EntityKind, u64>,
}

impl Batch<'_> {
    fn resolve(&self, kind: EntityKind, n: u64) -> Result<u64, StoreError> {
        if n < PLACEHOLDER_BASE {
            return Ok(n);
        }
        self.placeholders.get(&(kind, n)).copied().ok_or_else(|| {
            StoreError::validation(
                kind.name(),
                format!("placeholder {} is not created earlier in this batch", n - PLACEHOLDER_BASE),
            )
        })
    }

    fn resolve_ref(&self, r: &Ref) -> Result<Ref, StoreError> {
        match r.number() {
            Some(n) => Ok(Ref::from_number(r.kind(), self.resolve(r.kind(), n)?).unwrap_or_else(|| r.clone())),
            None => Ok(r.clone()),
        }
    }

    fn load(&self, r: &Ref) -> Result<Option<Record>, StoreError> {
        let tree = keys::entity_tree(r.kind());
        match self.txn.get(tree, &keys::entity_key(r))? {
            Some(b) => Ok(Some(decode_record(r.kind(), &b)?)),
            None => Ok(None),
        }
    }

    /// Loads a record that must exist and not be in the trash.
    fn load_live(&self, r: &Ref) -> Result<Record, StoreError> {
        let rec = self.load(r)?.ok_or_else(|| StoreError::NotFound(r.clone()))?;
        if rec.deleted().is_some() {
            return Err(StoreError::Trashed(r.clone()));
        }
        Ok(rec)
    }

    fn check_links(&mut self, rec: &Record) -> Result<(), StoreError> {
        // An owner other than the author must be a user: a typo would hide the record from its owner.
        let owner = rec.owner();
        if let Record::User(u) = rec {
            if let Some(m) = &u.manager {
                if m == &u.login {
                    return Err(StoreError::validation("manager", format!("{m} cannot be their own manager")));
                }
                if self.load(&Ref::User(m.clone()))?.is_none() {
                    return Err(StoreError::validation(
                        "manager",
                        format!("there is no user \"{m}\"; see `crm user list`"),
                    ));
                }
            }
        }
        if let Some(o) = owner.filter(|o| *o != self.author) {
            if self.load(&Ref::User(o.to_string()))?.is_none() {
                let field = if matches!(rec, Record::Task(_)) { "assignee" } else { "owner" };
                return Err(StoreError::validation(field, format!("there is no user \"{o}\"; see `crm user list`")));
            }
        }
        for link in rec.links() {
            if self.live.contains(&link) {
                continue;
            }
            self.load_live(&link).map_err(|e| match e {
                StoreError::NotFound(r) => StoreError::validation(r.kind().name(), format!("{r} does not exist")),
                StoreError::Trashed(r) => StoreError::validation(r.kind().name(), format!("{r} is in the trash")),
                other => other,
            })?;
            self.live.insert(link);
        }
        Ok(())
    }

    /// Validates and writes a record, remembering the first before-image of the batch; gives
    /// the record back (as written) to callers that log it.
    fn put(&mut self, mut rec: Record) -> Result<Record, StoreError> {
        rec.set_updated(self.at);
        crate::domain::validate::record(&rec, self.pipeline)?;
        let kind = rec.kind();
        let key = keys::entity_key(&rec.reference());
        let bytes = encode_record(&rec)?;
        let before = write_decoded(self.txn, kind, &key, Some((&bytes, &rec)))?;
        // What the batch wrote is what later links of the batch see.
        if rec.deleted().is_some() {
            self.live.remove(&rec.reference());
        } else {
            self.live.insert(rec.reference());
        }
        match self.positions.get(&(kind, key.clone())) {
            Some(&i) => self.writes[i].after = Some(bytes),
            None => {
                self.positions.insert((kind, key.clone()), self.writes.len());
                self.writes.push(Write { kind, key, before, after: Some(bytes) });
            }
        }
        Ok(rec)
    }

    /// The next id of a kind. Counters are kept in the batch and written once at its end: a
    /// batch creating 100k records does not read and write `meta` 100k times.
    fn next_id(&mut self, kind: EntityKind) -> Result<u64, StoreError> {
        let n = match self.counters.get(&kind) {
            Some(n) => *n,
            None => read_counter(self.txn, &meta::next_id(kind))?,
        };
        self.counters.insert(kind, n + 1);
        Ok(n)
    }

    fn flush_counters(&mut self) -> Result<(), StoreError> {
        for (kind, n) in std::mem::take(&mut self.counters) {
            self.txn.put(Tree::Meta, &meta::next_id(kind), &keys::id(n))?;
        }
        Ok(())
    }
}

/// Applies one change to the batch.
fn apply_change(b: &mut Batch<'_>, change: &Change) -> Result<Change, StoreError> {
    Ok(match change {
        Change::Create(original) => {
            let kind = original.kind();
            let mut rec = original.clone();
            let mut err = None;
            let own = rec.reference().number();
            let real = match own {
                Some(_) => Some(b.next_id(kind)?),
                None => None,
            };
            rec.map_ids(&mut |k, n| {
                if k == kind && Some(n) == own && real.is_some() {
                    return real.unwrap_or(n);
                }
                match b.resolve(k, n) {
                    Ok(v) => v,
                    Err(e) => {
                        err = Some(e);
                        n
                    }
                }
            });
            if let Some(e) = err {
                return Err(e);
            }
            if let (Some(n), Some(real)) = (own, real) {
                if n >= PLACEHOLDER_BASE {
                    b.placeholders.insert((kind, n), real);
                }
            }
            if let Record::User(u) = &rec {
                if b.load(&Ref::User(u.login.clone()))?.is_some() {
                    return Err(StoreError::validation("login", format!("user {} already exists", u.login)));
                }
            }
            rec.stamp_new(b.at, b.author);
            b.check_links(&rec)?;
            b.created.push(rec.reference());
            Change::Create(b.put(rec)?)
        }
        Change::Edit { target, edits } => {
            let target = b.resolve_ref(target)?;
            let mut rec = b.load_live(&target)?;
            let mut resolved = Vec::with_capacity(edits.len());
            for (i, e) in edits.iter().enumerate() {
                if let Edit::Unchanged(seen) = e {
                    // A guard is checked against the record as stored, and not journaled.
                    let seen = resolve_edit(b, seen)?;
                    let yours = edits[i + 1..].iter().find(|y| y.sets_same_field(&seen));
                    Edit::Unchanged(Box::new(seen)).check_guard(&rec, yours).map_err(StoreError::FieldConflict)?;
                    continue;
                }
                let e = resolve_edit(b, e)?;
                e.apply_to(&mut rec).map_err(|m| StoreError::validation(e.field(), m))?;
                resolved.push(e);
            }
            b.check_links(&rec)?;
            b.put(rec)?;
            Change::Edit { target, edits: resolved }
        }
        Change::MoveDeal { deal, stage, reason } => {
            let id = DealId(b.resolve(EntityKind::Deal, deal.0)?);
            let Record::Deal(mut d) = b.load_live(&Ref::Deal(id))? else {
                return Err(StoreError::NotFound(Ref::Deal(id)));
            };
            let st = b.pipeline.find(stage).map_err(|m| StoreError::validation("stage", m))?;
            if st.key == d.stage {
                return Err(StoreError::validation("stage", format!("{id} is already in {}", st.name)));
            }
            d.stage = st.key.clone();
            d.history.push(StageEntry { stage: st.key.clone(), at: b.at });
            if st.kind != StageKind::Open || !reason.is_empty() {
                d.reason = reason.clone();
            }
            let key = st.key.clone();
            b.put(Record::Deal(d))?;
            Change::MoveDeal { deal: id, stage: key, reason: reason.clone() }
        }
        Change::CompleteTask { task, next } => {
            let id = TaskId(b.resolve(EntityKind::Task, task.0)?);
            let Record::Task(mut t) = b.load_live(&Ref::Task(id))? else {
                return Err(StoreError::NotFound(Ref::Task(id)));
            };
            if t.done.is_some() {
                return Err(StoreError::validation("task", format!("{id} is already done")));
            }
            t.done = Some(b.at);
            let follow_up = next.map(|due| Task {
                id: TaskId::placeholder(0),
                due,
                done: None,
                snoozed_until: None,
                hidden_until: None,
                ..t.clone()
            });
            b.put(Record::Task(t))?;
            if let Some(mut nt) = follow_up {
                nt.id = TaskId(b.next_id(EntityKind::Task)?);
                let mut rec = Record::Task(nt);
                rec.stamp_new(b.at, b.author);
                b.created.push(rec.reference());
                b.put(rec)?;
            }
            Change::CompleteTask { task: id, next: *next }
        }
        Change::ReopenTask { task } => {
            let id = TaskId(b.resolve(EntityKind::Task, task.0)?);
            let Record::Task(mut t) = b.load_live(&Ref::Task(id))? else {
                return Err(StoreError::NotFound(Ref::Task(id)));
            };
            if t.done.is_none() {
                return Err(StoreError::validation("task", format!("{id} is not done")));
            }
            t.done = None;
            b.put(Record::Task(t))?;
            Change::ReopenTask { task: id }
        }
        Change::SnoozeTask { task, until } => {
            let id = TaskId(b.resolve(EntityKind::Task, task.0)?);
            let Record::Task(mut t) = b.load_live(&Ref::Task(id))? else {
                return Err(StoreError::NotFound(Ref::Task(id)));
            };
            if t.done.is_some() {
                return Err(StoreError::validation("task", format!("{id} is done; reopen it first")));
            }
            t.snoozed_until = Some(*until);
            b.put(Record::Task(t))?;
            Change::SnoozeTask { task: id, until: *until }
        }
        Change::Trash { target } => {
            let target = b.resolve_ref(target)?;
            let mut rec = b.load_live(&target)?;
            rec.set_deleted(Some(b.at));
            b.put(rec)?;
            Change::Trash { target }
        }
        Change::Restore { target } => {
            let target = b.resolve_ref(target)?;
            let mut rec = b.load(&target)?.ok_or_else(|| StoreError::NotFound(target.clone()))?;
            if rec.deleted().is_none() {
                return Err(StoreError::validation(target.kind().name(), format!("{target} is not in the trash")));
            }
            rec.set_deleted(None);
            b.put(rec)?;
            Change::Restore { target }
        }
        Change::SetVisibility(v) => {
            let now = read_visibility(|k| b.txn.get(Tree::Meta, k))?;
            if now == *v {
                return Err(StoreError::validation("visibility", format!("visibility is already {v}")));
            }
            b.txn.put(Tree::Meta, meta::VISIBILITY, v.name().as_bytes())?;
            Change::SetVisibility(*v)
        }
        Change::Share { target, login } | Change::Unshare { target, login } => {
            let share = matches!(change, Change::Share { .. });
            let target = b.resolve_ref(target)?;
            if matches!(target, Ref::User(_)) {
                return Err(StoreError::validation("share", "users are not shared; every user sees every user"));
            }
            let rec = b.load_live(&target)?;
            let login = login.trim().to_string();
            let shared = is_shared(b.txn, &target, &login)?;
            if share {
                match b.load(&Ref::User(login.clone()))? {
                    Some(Record::User(u)) if u.deleted.is_none() => {}
                    _ => {
                        return Err(StoreError::validation(
                            "user",
                            format!("there is no user \"{login}\"; see `crm user list`"),
                        ))
                    }
                }
                if rec.owner() == Some(login.as_str()) {
                    return Err(StoreError::validation("share", format!("{target} is {login}'s own already")));
                }
                if shared {
                    return Err(StoreError::validation("share", format!("{target} is already shared with {login}")));
                }
            } else if !shared {
                return Err(StoreError::validation("share", format!("{target} is not shared with {login}")));
            }
            set_share(b.txn, &target, &login, share)?;
            if share {
                Change::Share { target, login }
            } else {
                Change::Unshare { target, login }
            }
        }
    })
}

/// The visibility setting as stored in `meta` (absent: team).
pub(crate) fn read_visibility(
    get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, StoreError>,
) -> Result<Visibility, StoreError> {
    match get(meta::VISIBILITY)? {
        None => Ok(Visibility::Team),
        Some(b) => std::str::from_utf8(&b)
            .ok()
            .and_then(|t| Visibility::parse(t).ok())
            .ok_or_else(|| StoreError::Corrupt(format!("meta/visibility holds {:?}", String::from_utf8_lossy(&b)))),
    }
}

fn is_shared(txn: &dyn Txn, target: &Ref, login: &str) -> Result<bool, StoreError> {
    Ok(txn.get(Tree::Shares, &keys::share::by_record(target, login))?.is_some())
}

/// Writes (`on`) or removes both entries of a share.
fn set_share(txn: &mut dyn Txn, target: &Ref, login: &str, on: bool) -> Result<(), StoreError> {
    let (a, b) = (keys::share::by_record(target, login), keys::share::by_login(login, target));
    if on {
        txn.put(Tree::Shares, &a, &[])?;
        txn.put(Tree::Shares, &b, &[])
    } else {
        txn.remove(Tree::Shares, &a)?;
        txn.remove(Tree::Shares, &b)
    }
}

/// Settings and shares live outside the entity trees, so the journal keeps no image of them:
/// a change to them is its own undo record (setting the visibility it already has, sharing
/// twice or taking back a share that is not there are refused, so the state before is
/// known). Undo (`forward == false`) writes the state before back, redo the state after; a
/// state that moved on since is a conflict, as for records.
fn replay_side_change(txn: &mut dyn Txn, seq: u64, change: &Change, forward: bool) -> Result<(), StoreError> {
    let verb = if forward { "redo" } else { "undo" };
    let conflict = |what: String| StoreError::Conflict(format!("cannot {verb} #{seq}: {what}"));
    match change {
        Change::SetVisibility(v) => {
            let other = if *v == Visibility::Team { Visibility::Private } else { Visibility::Team };
            let (expect, target) = if forward { (other, *v) } else { (*v, other) };
            let now = read_visibility(|k| txn.get(Tree::Meta, k))?;
            if now != expect {
                return Err(conflict(format!("visibility was changed to {now} after it")));
            }
            txn.put(Tree::Meta, meta::VISIBILITY, target.name().as_bytes())
        }
        Change::Share { target, login } | Change::Unshare { target, login } => {
            let share = matches!(change, Change::Share { .. });
            let want = share == forward;
            if is_shared(txn, target, login)? == want {
                let state = if want { "shared with" } else { "no longer shared with" };
                return Err(conflict(format!("{target} is already {state} {login}")));
            }
            set_share(txn, target, login, want)
        }
        _ => Ok(()),
    }
}

fn resolve_edit(b: &Batch<'_>, e: &Edit) -> Result<Edit, StoreError> {
    Ok(match e {
        Edit::Company(Some(c)) => Edit::Company(Some(CompanyId(b.resolve(EntityKind::Company, c.0)?))),
        Edit::Contact(Some(c)) => Edit::Contact(Some(ContactId(b.resolve(EntityKind::Contact, c.0)?))),
        Edit::Deal(Some(d)) => Edit::Deal(Some(DealId(b.resolve(EntityKind::Deal, d.0)?))),
        other => other.clone(),
    })
}

/// Appends the journal entry, the per-record history entries, and returns its seq.
fn append_journal(
    txn: &mut dyn Txn,
    author: &str,
    at: Timestamp,
    op: Op,
    changes: Vec<Logged>,
    writes: Vec<Write>,
) -> Result<JournalEntry, StoreError> {
    let seq = bump_counter(txn, meta::NEXT_SEQ)?;
    for k in super::journal::history_keys(seq, &writes, &changes) {
        txn.put(Tree::RecordHistory, &k, &[])?;
    }
    let entry = JournalEntry { seq, at, author: author.to_string(), op, changes, writes };
    super::journal::put(txn, seq, &super::journal::pack(codec::encode(&entry)?))?;
    Ok(entry)
}

pub(super) fn receipt(entry: &JournalEntry, created: Vec<Ref>) -> Receipt {
    // Writes are already one per record (the batch merges repeated writes of a record).
    let mut touched: Vec<Ref> = entry.writes.iter().filter_map(Write::reference).collect();
    for r in entry.changes.iter().filter_map(Logged::side_target) {
        if !touched.contains(&r) {
            touched.push(r);
        }
    }
    Receipt { seq: entry.seq, created, touched, summary: entry.summary() }
}

/// Pushes journal entry `seq` on a user's undo or redo stack. Stack keys carry a push
/// counter, not the seq, so that the top is the most recent push.
pub(super) fn push(txn: &mut dyn Txn, stack: Tree, author: &str, seq: u64) -> Result<(), StoreError> {
    let n = bump_counter(txn, meta::NEXT_STACK)?;
    txn.put(stack, &keys::stack_key(author, n), &keys::id(seq))
}

pub(super) fn clear_stack(txn: &mut dyn Txn, tree: Tree, author: &str) -> Result<(), StoreError> {
    let mut keys_found = Vec::new();
    txn.scan(tree, prefix_range(&keys::stack_prefix(author)), false, &mut |k, _| {
        keys_found.push(k.to_vec());
        true
    })?;
    for k in keys_found {
        txn.remove(tree, &k)?;
    }
    Ok(())
}

/// The body of `Store::apply`, run inside the engine's write transaction.
pub(crate) fn apply_in(
    txn: &mut dyn Txn,
    pipeline: &Pipeline,
    author: &str,
    at: Timestamp,
    changes: &[Change],
) -> Result<Receipt, StoreError> {
    apply_records_in(txn, pipeline, author, at, &mut Records::Borrowed(changes))
}

/// `apply_in` of a batch that may be handed over (`Store::apply_owned`).
pub(crate) fn apply_records_in(
    txn: &mut dyn Txn,
    pipeline: &Pipeline,
    author: &str,
    at: Timestamp,
    records: &mut Records<'_>,
) -> Result<Receipt, StoreError> {
    if records.changes().is_empty() {
        return Err(StoreError::validation("change", "nothing to change"));
    }
    // A batch of creations only (an import) takes the bulk path: same result, less work.
    if super::bulk::is_bulk(records.changes()) {
        if let Some(r) = super::bulk::create_in(txn, pipeline, author, at, records)? {
            return Ok(r);
        }
    }
    let changes = records.changes();
    let mut b = Batch {
        txn,
        author,
        at,
        pipeline,
        writes: Vec::new(),
        positions: HashMap::new(),
        placeholders: HashMap::new(),
        created: Vec::new(),
        live: std::collections::HashSet::new(),
        counters: HashMap::new(),
    };
    let mut resolved = Vec::with_capacity(changes.len());
    for c in changes {
        resolved.push(Logged::new(apply_change(&mut b, c)?));
    }
    b.flush_counters()?;
    let Batch { writes, created, .. } = b;
    let entry = append_journal(txn, author, at, Op::Apply, resolved, writes)?;
    push(txn, Tree::Undo, author, entry.seq)?;
    clear_stack(txn, Tree::Redo, author)?;
    Ok(receipt(&entry, created))
}

/// Appends an event (an export) to the journal: no record written, nothing to undo, and the
/// author's redo stack is left alone.
pub(crate) fn event_in(txn: &mut dyn Txn, author: &str, at: Timestamp, events: Vec<Logged>) -> Result<u64, StoreError> {
    Ok(append_journal(txn, author, at, Op::Event, events, Vec::new())?.seq)
}

/// Undo (`redo == false`) or redo the author's most recent entry on the matching stack.
pub(crate) fn step_in(txn: &mut dyn Txn, author: &str, at: Timestamp, redo: bool) -> Result<Receipt, StoreError> {
    let (from, to) = if redo { (Tree::Redo, Tree::Undo) } else { (Tree::Undo, Tree::Redo) };
    let mut top = None;
    txn.scan(from, prefix_range(&keys::stack_prefix(author)), true, &mut |k, _| {
        top = Some(k.to_vec());
        false
    })?;
    let top = top.ok_or(if redo { StoreError::NothingToRedo } else { StoreError::NothingToUndo })?;
    let seq = txn
        .get(from, &top)?
        .as_deref()
        .and_then(keys::read_u64)
        .ok_or_else(|| StoreError::Corrupt("bad undo stack entry".into()))?;
    let bytes = super::journal::get(txn, seq)?
        .ok_or_else(|| StoreError::Corrupt(format!("journal entry #{seq} is missing")))?;
    let entry: JournalEntry = codec::decode(&bytes)?;
    let mut writes = Vec::with_capacity(entry.writes.len());
    let ordered: Vec<&Write> = if redo { entry.writes.iter().collect() } else { entry.writes.iter().rev().collect() };
    for w in ordered {
        let (expect, target) = if redo { (&w.before, &w.after) } else { (&w.after, &w.before) };
        let current = txn.get(keys::entity_tree(w.kind), &w.key)?;
        if current != *expect {
            let who = w.reference().map(|r| r.to_string()).unwrap_or_else(|| w.kind.to_string());
            return Err(StoreError::Conflict(format!(
                "cannot {} #{seq}: {who} was changed after it; undo those changes first or edit {who} by hand",
                if redo { "redo" } else { "undo" }
            )));
        }
        write_record(txn, w.kind, &w.key, target.as_deref())?;
        writes.push(Write { kind: w.kind, key: w.key.clone(), before: current, after: target.clone() });
    }
    let sides: Vec<&Change> = entry
        .changes
        .iter()
        .filter_map(|l| match l {
            Logged::Changed(c) if l.is_side() => Some(c.as_ref()),
            _ => None,
        })
        .collect();
    let ordered: Vec<&&Change> = if redo { sides.iter().collect() } else { sides.iter().rev().collect() };
    for c in ordered {
        replay_side_change(txn, seq, c, redo)?;
    }
    let op = if redo { Op::Redo { of: seq } } else { Op::Undo { of: seq } };
    let mut new_entry = append_journal(txn, author, at, op, Vec::new(), writes)?;
    txn.remove(from, &top)?;
    push(txn, to, author, seq)?;
    // The receipt says what was undone or redone, not just "undid #n".
    new_entry.op = Op::Apply;
    new_entry.changes = entry.changes;
    let mut r = receipt(&new_entry, Vec::new());
    r.summary = format!("{} #{seq}: {}", if redo { "redid" } else { "undid" }, r.summary);
    Ok(r)
}
