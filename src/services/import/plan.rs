//! An import planned against the database: every draft becomes changes of one batch (with
//! placeholder ids linking contacts to the companies the same batch creates), a duplicate of
//! an existing record updates it (or is skipped, or created anyway), and a bad row is set
//! aside with its line and reason. The plan is the dry run; `run_import` applies it in one
//! `apply`, so one `crm undo` takes the whole import back.

use super::{CompanyDraft, ContactDraft, DealDraft, Draft, Item, Parsed, TaskDraft};
use crate::domain::ids::PLACEHOLDER_BASE;
use crate::domain::*;
use crate::services::dupes::{ContactIndex, FxBuild, Why};
use crate::services::input::{DealInput, TaskInput};
use crate::services::{fold, Crm, Result, ServiceError};
use crate::store::Receipt;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What to do with a row that matches an existing record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDuplicate {
    /// Add what the row has and the record lacks (emails, phones, tags, fields, empty fields).
    #[default]
    Update,
    Skip,
    /// Create a second record anyway.
    Create,
}

impl OnDuplicate {
    pub fn parse(text: &str) -> std::result::Result<OnDuplicate, String> {
        match text.trim().to_lowercase().as_str() {
            "update" | "merge" => Ok(OnDuplicate::Update),
            "skip" => Ok(OnDuplicate::Skip),
            "create" => Ok(OnDuplicate::Create),
            other => Err(format!("\"{other}\" is not a duplicate policy (update, skip, create)")),
        }
    }
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ImportOptions {
    pub on_duplicate: OnDuplicate,
}

/// A row that looks like a record crm already has (or an earlier row of the same file).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct DupeNote {
    pub line: usize,
    pub label: String,
    /// The record it matches (`c12`), or "line N" for an earlier row of the file.
    pub existing: String,
    pub existing_label: String,
    pub why: String,
    /// What the import does with it: updated, skipped, created, merged.
    pub action: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct RowError {
    pub line: usize,
    pub reason: String,
    #[serde(skip)]
    pub raw: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, serde::Deserialize)]
pub struct Counts {
    pub contacts: usize,
    pub companies: usize,
    pub deals: usize,
    pub tasks: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.contacts + self.companies + self.deals + self.tasks
    }
}

/// The dry run: what an import would do.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ImportPlan {
    pub source: String,
    /// Rows or cards read (empty rows included).
    pub rows: usize,
    pub create: Counts,
    /// Existing records that get something new.
    pub update: usize,
    /// Empty rows and duplicates left alone.
    pub skip: usize,
    pub duplicates: Vec<DupeNote>,
    pub errors: Vec<RowError>,
    /// How the file was read.
    pub notes: Vec<String>,
    #[serde(skip)]
    pub changes: Vec<Change>,
}

impl ImportPlan {
    /// A short human summary (the dry-run output, the TUI's confirmation).
    pub fn summary(&self) -> String {
        format!(
            "{}: create {}; update {}; skip {}; {}; {}",
            n(self.rows, "row", "rows"),
            self.created(),
            self.update,
            self.skip,
            n(self.duplicates.len(), "duplicate", "duplicates"),
            n(self.errors.len(), "bad row", "bad rows"),
        )
    }

    /// What the import creates: "8 contacts, 7 companies", or "nothing".
    pub fn created(&self) -> String {
        let c = &self.create;
        let parts: Vec<String> = [
            (c.contacts, "contact", "contacts"),
            (c.companies, "company", "companies"),
            (c.deals, "deal", "deals"),
            (c.tasks, "task", "tasks"),
        ]
        .into_iter()
        .filter(|(count, ..)| *count > 0)
        .map(|(count, one, many)| n(count, one, many))
        .collect();
        if parts.is_empty() {
            "nothing".to_string()
        } else {
            parts.join(", ")
        }
    }
}

fn n(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Placeholder numbers of a batch, one counter per kind.
#[derive(Default)]
struct Placeholders(HashMap<EntityKind, u64>);

impl Placeholders {
    fn next(&mut self, kind: EntityKind) -> u64 {
        let n = self.0.entry(kind).or_insert(0);
        *n += 1;
        *n
    }
}

/// Where a record of the batch is: created by change `pos`, or an existing one.
#[derive(Clone, Copy)]
enum Slot {
    Pending(usize),
    Existing,
}

struct Planner<'a> {
    crm: &'a Crm,
    opts: ImportOptions,
    plan: ImportPlan,
    ids: Placeholders,
    users: HashSet<String>,
    /// Folded company name → id (placeholder for ones this import creates).
    companies: HashMap<String, (CompanyId, Slot), FxBuild>,
    contacts: ContactIndex,
    /// Folded contact name → id, for linking deals and tasks (None when ambiguous).
    contact_names: HashMap<String, Option<ContactId>>,
    /// Line each pending contact came from, and its place in the batch.
    pending_lines: Pending,
    /// Existing contacts as this batch leaves them (after earlier rows' updates).
    updated: HashMap<ContactId, Contact>,
    deal_titles: HashMap<String, Option<DealId>>,
    deal_keys: HashSet<(String, Option<CompanyId>)>,
    task_keys: HashSet<(String, Option<ContactId>)>,
    spent: Spent,
}

/// What contact rows leave behind once planned, made on other threads (the row's text, its
/// company's name, its emptied duplicate keys): freed with the planner's lookups at the end
/// (`store::bulk::release`) rather than row by row on the planning thread, where freeing
/// another thread's blocks took a tenth of its time.
#[derive(Default)]
struct Spent {
    text: Vec<String>,
    keys: Vec<crate::services::dupes::Keys>,
}

/// Per contact this batch creates, by its placeholder number (1, 2, 3…: a vector, not a hash
/// map of 100k entries): the line it came from and its place in the batch.
#[derive(Default)]
struct Pending(Vec<Option<(usize, usize)>>);

impl Pending {
    fn insert(&mut self, id: ContactId, at: (usize, usize)) {
        if let Some(n) = id.0.checked_sub(PLACEHOLDER_BASE).and_then(|n| usize::try_from(n).ok()) {
            if self.0.len() <= n {
                self.0.resize(n + 1, None);
            }
            self.0[n] = Some(at);
        }
    }

    fn get(&self, id: ContactId) -> Option<(usize, usize)> {
        let n = usize::try_from(id.0.checked_sub(PLACEHOLDER_BASE)?).ok()?;
        self.0.get(n).copied().flatten()
    }
}

fn company_key(name: &str) -> String {
    fold(name.trim())
}

impl<'a> Planner<'a> {
    fn new(crm: &'a Crm, opts: ImportOptions, kind_needs: &[EntityKind]) -> Result<Planner<'a>> {
        let mut p = Planner {
            crm,
            opts,
            plan: ImportPlan::default(),
            ids: Placeholders::default(),
            users: HashSet::new(),
            companies: HashMap::default(),
            contacts: ContactIndex::default(),
            contact_names: HashMap::new(),
            pending_lines: Pending::default(),
            updated: HashMap::new(),
            deal_titles: HashMap::new(),
            deal_keys: HashSet::new(),
            task_keys: HashSet::new(),
            spent: Spent::default(),
        };
        let store = crm.store();
        store.scan(EntityKind::User, &mut |r| {
            if let Record::User(u) = r {
                if u.deleted.is_none() {
                    p.users.insert(u.login);
                }
            }
            true
        })?;
        store.scan(EntityKind::Company, &mut |r| {
            if let Record::Company(c) = r {
                if c.deleted.is_none() {
                    p.companies.entry(company_key(&c.name)).or_insert((c.id, Slot::Existing));
                }
            }
            true
        })?;
        if kind_needs.contains(&EntityKind::Contact) {
            store.scan(EntityKind::Contact, &mut |r| {
                if let Record::Contact(c) = r {
                    if c.deleted.is_none() {
                        p.contacts.add(&c);
                        p.contact_names.entry(fold(c.name.trim())).and_modify(|v| *v = None).or_insert(Some(c.id));
                    }
                }
                true
            })?;
        }
        if kind_needs.contains(&EntityKind::Deal) {
            store.scan(EntityKind::Deal, &mut |r| {
                if let Record::Deal(d) = r {
                    if d.deleted.is_none() {
                        p.deal_titles.entry(fold(d.title.trim())).and_modify(|v| *v = None).or_insert(Some(d.id));
                        p.deal_keys.insert((fold(d.title.trim()), d.company));
                    }
                }
                true
            })?;
        }
        if kind_needs.contains(&EntityKind::Task) {
            store.scan(EntityKind::Task, &mut |r| {
                if let Record::Task(t) = r {
                    if t.is_open() {
                        p.task_keys.insert((fold(t.title.trim()), t.contact));
                    }
                }
                true
            })?;
        }
        Ok(p)
    }

    fn check_owner(&self, owner: &str) -> std::result::Result<(), String> {
        if owner.is_empty() || owner == self.crm.user() || self.users.contains(owner) {
            Ok(())
        } else {
            Err(format!("owner: there is no user \"{owner}\"; see `crm user list` or map the column to a field"))
        }
    }

    /// Validates a new record as `apply` will (an empty owner becomes the importing user).
    fn validate(&self, rec: &mut Record) -> std::result::Result<(), String> {
        let owner = match rec {
            Record::Contact(r) => &mut r.owner,
            Record::Company(r) => &mut r.owner,
            Record::Deal(r) => &mut r.owner,
            Record::Task(r) => &mut r.assignee,
            Record::Activity(r) => &mut r.author,
            Record::User(_) => return Err("users are not imported".into()),
        };
        if owner.is_empty() {
            *owner = self.crm.user().to_string();
        }
        crate::domain::validate::record(rec, self.crm.store().pipeline()).map_err(|e| e.to_string())
    }

    /// The company named `name`, created in this batch when none has it.
    fn company(&mut self, name: &str) -> Option<CompanyId> {
        self.company_keyed(company_key(name), name)
    }

    /// `company` with the name's key already made (on the thread that makes rows ready).
    fn company_keyed(&mut self, key: String, name: &str) -> Option<CompanyId> {
        if key.is_empty() {
            return None;
        }
        if let Some((id, _)) = self.companies.get(&key) {
            self.spent.text.push(key);
            return Some(*id);
        }
        let id = CompanyId::placeholder(self.ids.next(EntityKind::Company));
        let pos = self.plan.changes.len();
        self.plan.changes.push(Change::Create(Record::Company(Company {
            id,
            name: name.trim().to_string(),
            ..Company::default()
        })));
        self.plan.create.companies += 1;
        self.companies.insert(key, (id, Slot::Pending(pos)));
        Some(id)
    }

    fn error(&mut self, line: usize, reason: String, raw: &str) {
        self.plan.errors.push(RowError { line, reason, raw: raw.to_string() });
    }

    fn contact(&mut self, line: usize, d: ContactDraft, raw: &str) {
        let ready = ready_contact(d, self.crm.user(), self.crm.store().pipeline());
        self.contact_ready(line, ready, raw)
    }

    /// A contact row made ready (by `ready_contact`) meets the database and the rows before it.
    fn contact_ready(&mut self, line: usize, ready: ReadyContact, raw: &str) {
        let (mut c, mut keys) = match ready.contact {
            Ok(ck) => ck,
            Err(e) => return self.error(line, e, raw),
        };
        if let Err(e) = self.check_owner(&c.owner) {
            return self.error(line, e, raw);
        }
        c.company = self.company_keyed(ready.company_key, &ready.company);
        self.spent.text.push(ready.company);
        let found = match self.contacts.find_keys(&c, &keys) {
            Some((existing, why)) if why.is_strong() => return self.duplicate(line, c, existing, why, raw),
            weak => weak,
        };
        c.id = ContactId::placeholder(self.ids.next(EntityKind::Contact));
        if let Some((existing, why)) = found {
            let (existing_s, existing_label) = self.describe(existing);
            self.plan.duplicates.push(DupeNote {
                line,
                label: c.name.clone(),
                existing: existing_s,
                existing_label,
                why: why.to_string(),
                action: "created".into(),
            });
        }
        // (Deals and tasks, which link to contacts by name, come in files of their own: the
        // names of contacts this file creates are not needed.)
        self.contacts.add_keys(c.id, c.company, &mut keys);
        self.spent.keys.push(keys);
        self.pending_lines.insert(c.id, (line, self.plan.changes.len()));
        self.plan.changes.push(Change::Create(Record::Contact(c)));
        self.plan.create.contacts += 1;
    }

    fn describe(&self, id: ContactId) -> (String, String) {
        if let Some((line, pos)) = self.pending_lines.get(id) {
            let label = match self.plan.changes.get(pos) {
                Some(Change::Create(r)) => r.label().to_string(),
                _ => String::new(),
            };
            return (format!("line {line}"), label);
        }
        let label = match self.crm.store().get(&Ref::Contact(id)) {
            Ok(Some(r)) => r.label().to_string(),
            _ => String::new(),
        };
        (id.to_string(), label)
    }

    fn duplicate(&mut self, line: usize, c: Contact, existing: ContactId, why: Why, raw: &str) {
        let (existing_s, existing_label) = self.describe(existing);
        let mut note = DupeNote {
            line,
            label: c.name.clone(),
            existing: existing_s,
            existing_label,
            why: why.to_string(),
            action: String::new(),
        };
        match self.opts.on_duplicate {
            OnDuplicate::Skip => {
                note.action = "skipped".into();
                self.plan.skip += 1;
            }
            OnDuplicate::Create => {
                note.action = "created".into();
                let mut c = c;
                c.id = ContactId::placeholder(self.ids.next(EntityKind::Contact));
                self.pending_lines.insert(c.id, (line, self.plan.changes.len()));
                self.plan.changes.push(Change::Create(Record::Contact(c)));
                self.plan.create.contacts += 1;
            }
            OnDuplicate::Update if existing.is_placeholder() => {
                // An earlier row of this file: fold this one into the record it creates.
                if let Some(Change::Create(Record::Contact(target))) =
                    self.pending_lines.get(existing).and_then(|(_, pos)| self.plan.changes.get_mut(pos))
                {
                    let edits = fill(target, &c);
                    for e in &edits {
                        let mut rec = Record::Contact(target.clone());
                        if e.apply_to(&mut rec).is_ok() {
                            if let Record::Contact(t) = rec {
                                *target = t;
                            }
                        }
                    }
                    let merged = target.clone();
                    self.contacts.add(&merged);
                    note.action = if edits.is_empty() { "skipped (nothing new)".into() } else { "merged".into() };
                }
                self.plan.skip += 1;
            }
            OnDuplicate::Update => {
                let current = match self.updated.get(&existing) {
                    Some(c) => Some(c.clone()),
                    None => match self.crm.store().get(&Ref::Contact(existing)) {
                        Ok(Some(Record::Contact(x))) => Some(x),
                        Ok(_) => None,
                        Err(e) => return self.error(line, e.to_string(), raw),
                    },
                };
                let Some(mut current) = current else {
                    return self.error(line, format!("{existing} disappeared while importing"), raw);
                };
                let edits = fill(&current, &c);
                if edits.is_empty() {
                    note.action = "skipped (nothing new)".into();
                    self.plan.skip += 1;
                } else {
                    let mut rec = Record::Contact(current.clone());
                    for e in &edits {
                        let _ = e.apply_to(&mut rec);
                    }
                    if let Record::Contact(x) = rec {
                        current = x;
                    }
                    self.contacts.add(&current);
                    note.action = "updated".into();
                    self.plan.update += 1;
                    self.plan.changes.push(Change::Edit { target: Ref::Contact(existing), edits });
                    self.updated.insert(existing, current);
                }
            }
        }
        self.plan.duplicates.push(note);
    }

    fn company_row(&mut self, line: usize, d: CompanyDraft, raw: &str) {
        let mut co = Company {
            id: CompanyId::placeholder(0),
            name: d.name.trim().to_string(),
            website: d.website,
            industry: d.industry,
            address: d.address,
            tags: d.tags,
            fields: d.fields,
            notes: d.notes,
            owner: d.owner,
            ..Company::default()
        };
        co.tags.sort();
        co.tags.dedup();
        let mut rec = Record::Company(co);
        if let Err(e) = self.validate(&mut rec) {
            return self.error(line, e, raw);
        }
        let Record::Company(mut co) = rec else { return };
        if let Err(e) = self.check_owner(&co.owner) {
            return self.error(line, e, raw);
        }
        let key = company_key(&co.name);
        match self.companies.get(&key).copied() {
            None => {
                co.id = CompanyId::placeholder(self.ids.next(EntityKind::Company));
                self.companies.insert(key, (co.id, Slot::Pending(self.plan.changes.len())));
                self.plan.changes.push(Change::Create(Record::Company(co)));
                self.plan.create.companies += 1;
            }
            Some((id, slot)) => {
                let mut note = DupeNote {
                    line,
                    label: co.name.clone(),
                    existing: if id.is_placeholder() { "an earlier row".into() } else { id.to_string() },
                    existing_label: co.name.clone(),
                    why: "same name".into(),
                    action: String::new(),
                };
                match (self.opts.on_duplicate, slot) {
                    (OnDuplicate::Skip, _) => {
                        note.action = "skipped".into();
                        self.plan.skip += 1;
                    }
                    (OnDuplicate::Create, _) => {
                        note.action = "created".into();
                        co.id = CompanyId::placeholder(self.ids.next(EntityKind::Company));
                        self.plan.changes.push(Change::Create(Record::Company(co)));
                        self.plan.create.companies += 1;
                    }
                    (OnDuplicate::Update, Slot::Pending(pos)) => {
                        if let Some(Change::Create(rec @ Record::Company(_))) = self.plan.changes.get_mut(pos) {
                            let Record::Company(cur) = &*rec else { return };
                            let edits = fill_company(cur, &co);
                            for e in &edits {
                                let _ = e.apply_to(rec);
                            }
                            note.action =
                                if edits.is_empty() { "skipped (nothing new)".into() } else { "merged".into() };
                        }
                        self.plan.skip += 1;
                    }
                    (OnDuplicate::Update, Slot::Existing) => {
                        let cur = match self.crm.store().get(&Ref::Company(id)) {
                            Ok(Some(Record::Company(c))) => c,
                            _ => return self.error(line, format!("{id} disappeared while importing"), raw),
                        };
                        let edits = fill_company(&cur, &co);
                        if edits.is_empty() {
                            note.action = "skipped (nothing new)".into();
                            self.plan.skip += 1;
                        } else {
                            note.action = "updated".into();
                            self.plan.update += 1;
                            self.plan.changes.push(Change::Edit { target: Ref::Company(id), edits });
                        }
                    }
                }
                self.plan.duplicates.push(note);
            }
        }
    }

    /// A contact named in a deal or task row: an email or a name of an existing contact.
    fn find_contact(&self, text: &str) -> std::result::Result<Option<ContactId>, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if let Some(id) = t.contains('@').then(|| self.contacts.by_email(t)).flatten() {
            return Ok(Some(id));
        }
        if let Ok(id) = t.parse::<ContactId>() {
            if t.starts_with('c') {
                return Ok(Some(id));
            }
        }
        match self.contact_names.get(&fold(t)) {
            Some(Some(id)) => Ok(Some(*id)),
            Some(None) => Err(format!("contact: several contacts are named \"{t}\"; use an email or id (c12)")),
            None if t.contains('@') => {
                Err(format!("contact: no contact has the email {t} (import the contacts first)"))
            }
            None => Err(format!("contact: no contact is named \"{t}\" (import the contacts first)")),
        }
    }

    /// Parses a row with the same rules as `crm deal add` / `crm task add`, links swapped in.
    fn parsed_with_links(
        &mut self,
        changes: Result<Vec<Change>>,
        company: Option<CompanyId>,
        contact: Option<ContactId>,
    ) -> std::result::Result<Record, String> {
        let mut changes = changes.map_err(|e| e.to_string())?;
        let Some(Change::Create(mut rec)) = changes.pop() else {
            return Err("the row makes no record".into());
        };
        match &mut rec {
            Record::Deal(d) => {
                d.id = DealId::placeholder(self.ids.next(EntityKind::Deal));
                d.company = company.or(d.company);
                d.contact = contact;
            }
            Record::Task(t) => {
                t.id = TaskId::placeholder(self.ids.next(EntityKind::Task));
                t.contact = contact;
            }
            _ => {}
        }
        self.validate(&mut rec)?;
        Ok(rec)
    }

    /// A task's "done" cell: a time (as `crm export csv` writes it), yes/no, or empty (open).
    fn done_at(&self, text: &str) -> std::result::Result<Option<Timestamp>, String> {
        let t = text.trim();
        match t.to_lowercase().as_str() {
            "" | "no" | "false" | "0" | "open" | "not done" => Ok(None),
            "yes" | "true" | "1" | "x" | "done" | "completed" => Ok(Some(self.crm.now())),
            _ => self
                .crm
                .parse_instant(t)
                .map(Some)
                .map_err(|_| format!("done: \"{t}\" is neither a time (like 2026-11-27 14:30) nor yes/no")),
        }
    }

    fn deal_row(&mut self, line: usize, d: DealDraft, raw: &str) {
        if let Err(e) = self.check_owner(&d.owner) {
            return self.error(line, e, raw);
        }
        let contact = match self.find_contact(&d.contact) {
            Ok(c) => c,
            Err(e) => return self.error(line, e, raw),
        };
        let value = match (d.value.trim(), d.currency.trim()) {
            ("", _) => None,
            (v, "") => Some(v.to_string()),
            (v, c) => Some(format!("{v} {c}")),
        };
        let input = DealInput {
            title: Some(d.title.trim().to_string()),
            stage: Some(d.stage).filter(|s| !s.trim().is_empty()),
            value,
            company: None,
            contact: contact.filter(|c| !c.is_placeholder()).map(|c| c.to_string()),
            close: Some(d.close).filter(|s| !s.trim().is_empty()),
            probability: Some(d.probability).filter(|s| !s.trim().is_empty()),
            owner: Some(d.owner).filter(|s| !s.trim().is_empty()),
            notes: Some(d.notes).filter(|s| !s.is_empty()),
        };
        let parsed = self.crm.deal_changes(None, input);
        // Validate before creating the company, so a bad row leaves no company behind.
        if let Err(e) = &parsed {
            return self.error(line, e.to_string(), raw);
        }
        let company = self.company(&d.company);
        let key = (fold(d.title.trim()), company);
        if self.deal_keys.contains(&key) && self.opts.on_duplicate != OnDuplicate::Create {
            self.plan.duplicates.push(DupeNote {
                line,
                label: d.title.clone(),
                existing: "a deal".into(),
                existing_label: d.title.clone(),
                why: "same title and company".into(),
                action: "skipped".into(),
            });
            self.plan.skip += 1;
            return;
        }
        match self.parsed_with_links(parsed, company, contact) {
            Ok(rec) => {
                self.deal_keys.insert(key);
                self.plan.changes.push(Change::Create(rec));
                self.plan.create.deals += 1;
            }
            Err(e) => self.error(line, e, raw),
        }
    }

    fn task_row(&mut self, line: usize, d: TaskDraft, raw: &str) {
        if let Err(e) = self.check_owner(&d.assignee) {
            return self.error(line, e, raw);
        }
        let contact = match self.find_contact(&d.contact) {
            Ok(c) => c,
            Err(e) => return self.error(line, e, raw),
        };
        let deal = match d.deal.trim() {
            "" => None,
            t => match self.deal_titles.get(&fold(t)) {
                Some(Some(id)) => Some(*id),
                Some(None) => return self.error(line, format!("deal: several deals are titled \"{t}\""), raw),
                None => return self.error(line, format!("deal: no deal is titled \"{t}\""), raw),
            },
        };
        let input = TaskInput {
            title: Some(d.title.trim().to_string()),
            due: Some(d.due).filter(|s| !s.trim().is_empty()),
            contact: None,
            deal: deal.map(|x| x.to_string()),
            priority: Some(d.priority).filter(|s| !s.trim().is_empty()),
            repeat: Some(d.repeat).filter(|s| !s.trim().is_empty()),
            assignee: Some(d.assignee).filter(|s| !s.trim().is_empty()),
            notes: Some(d.notes).filter(|s| !s.is_empty()),
            hidden_until: None,
        };
        // crm's export writes when a task was done: the task comes back done, not open again.
        let done = match self.done_at(&d.done) {
            Ok(done) => done,
            Err(e) => return self.error(line, e, raw),
        };
        // Only an open task is a duplicate of an open task: a done one is history.
        let key = (fold(d.title.trim()), contact);
        if done.is_none() && self.task_keys.contains(&key) && self.opts.on_duplicate != OnDuplicate::Create {
            self.plan.duplicates.push(DupeNote {
                line,
                label: d.title.clone(),
                existing: "an open task".into(),
                existing_label: d.title.clone(),
                why: "same title and contact".into(),
                action: "skipped".into(),
            });
            self.plan.skip += 1;
            return;
        }
        let parsed = self.crm.task_changes(None, input);
        match self.parsed_with_links(parsed, None, contact) {
            Ok(mut rec) => {
                if let Record::Task(t) = &mut rec {
                    t.done = done;
                }
                if done.is_none() {
                    self.task_keys.insert(key);
                }
                self.plan.changes.push(Change::Create(rec));
                self.plan.create.tasks += 1;
            }
            Err(e) => self.error(line, e, raw),
        }
    }
}

/// Edits that add to `cur` what `new` has and `cur` lacks; nothing `cur` says is overwritten.
pub fn fill(cur: &Contact, new: &Contact) -> Vec<Edit> {
    let mut e = Vec::new();
    if cur.title.is_empty() && !new.title.is_empty() {
        e.push(Edit::JobTitle(new.title.clone()));
    }
    if cur.company.is_none() && new.company.is_some() {
        e.push(Edit::Company(new.company));
    }
    for x in &new.emails {
        if !cur.emails.iter().any(|y| y.value.eq_ignore_ascii_case(&x.value)) {
            e.push(Edit::AddEmail(x.clone()));
        }
    }
    for x in &new.phones {
        if !cur.phones.iter().any(|y| y.value.eq_ignore_ascii_case(&x.value)) {
            e.push(Edit::AddPhone(x.clone()));
        }
    }
    if cur.address.is_empty() && !new.address.is_empty() {
        e.push(Edit::Address(new.address.clone()));
    }
    for t in &new.tags {
        if !cur.tags.contains(t) {
            e.push(Edit::AddTag(t.clone()));
        }
    }
    fill_fields(&cur.fields, &new.fields, &mut e);
    if !new.notes.is_empty() && !cur.notes.contains(new.notes.as_str()) {
        e.push(Edit::Notes(if cur.notes.is_empty() {
            new.notes.clone()
        } else {
            format!("{}\n\n{}", cur.notes, new.notes)
        }));
    }
    if cur.cadence_days.is_none() && new.cadence_days.is_some() {
        e.push(Edit::Cadence(new.cadence_days));
    }
    e
}

fn fill_fields(cur: &BTreeMap<String, String>, new: &BTreeMap<String, String>, e: &mut Vec<Edit>) {
    for (k, v) in new {
        match cur.get(k) {
            None => e.push(Edit::SetField(k.clone(), v.clone())),
            Some(old) if old != v => {
                // Keep both: the record's value stays, the import's goes beside it.
                let key = format!("{k} (imported)");
                if cur.get(&key) != Some(v) {
                    e.push(Edit::SetField(key, v.clone()));
                }
            }
            Some(_) => {}
        }
    }
}

pub fn fill_company(cur: &Company, new: &Company) -> Vec<Edit> {
    let mut e = Vec::new();
    if cur.website.is_empty() && !new.website.is_empty() {
        e.push(Edit::Website(new.website.clone()));
    }
    if cur.industry.is_empty() && !new.industry.is_empty() {
        e.push(Edit::Industry(new.industry.clone()));
    }
    if cur.address.is_empty() && !new.address.is_empty() {
        e.push(Edit::Address(new.address.clone()));
    }
    for t in &new.tags {
        if !cur.tags.contains(t) {
            e.push(Edit::AddTag(t.clone()));
        }
    }
    fill_fields(&cur.fields, &new.fields, &mut e);
    if !new.notes.is_empty() && !cur.notes.contains(new.notes.as_str()) {
        e.push(Edit::Notes(if cur.notes.is_empty() {
            new.notes.clone()
        } else {
            format!("{}\n\n{}", cur.notes, new.notes)
        }));
    }
    e
}

/// What planning a contact row needs of no other row and not of the database: the contact made
/// from its draft (tags sorted, owner defaulting to the importing user) and validated, and its
/// duplicate keys; or why the row is bad. The rows of a large file are made ready on another
/// thread (`plan_rows`).
struct ReadyContact {
    contact: std::result::Result<(Contact, crate::services::dupes::Keys), String>,
    company: String,
    company_key: String,
}

fn ready_contact(d: ContactDraft, user: &str, pipeline: &Pipeline) -> ReadyContact {
    let mut c = Contact {
        id: ContactId::placeholder(0),
        name: d.name,
        title: d.title,
        emails: d.emails,
        phones: d.phones,
        address: d.address,
        tags: d.tags,
        fields: d.fields,
        notes: d.notes,
        owner: d.owner,
        cadence_days: d.cadence,
        ..Contact::default()
    };
    c.tags.sort();
    c.tags.dedup();
    // As `Planner::validate`: what `apply` will check.
    if c.owner.is_empty() {
        c.owner = user.to_string();
    }
    let rec = Record::Contact(c);
    let contact = match crate::domain::validate::record(&rec, pipeline) {
        Err(e) => Err(e.to_string()),
        Ok(()) => match rec {
            Record::Contact(c) => {
                let keys = crate::services::dupes::Keys::of(&c);
                Ok((c, keys))
            }
            _ => Err("not a contact".into()),
        },
    };
    ReadyContact { contact, company_key: company_key(&d.company), company: d.company }
}

/// A row on its way to the planner: a contact made ready, or any other row as read.
enum Row {
    Contact { line: usize, raw: String, ready: ReadyContact },
    Other(Item),
}

/// Below this many rows a file is planned on one thread.
const READY_ON_A_THREAD_FROM: usize = 2048;

#[cfg(test)]
thread_local! {
    /// Tests plan on one thread to compare with two.
    static ONE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn one_thread() -> bool {
    #[cfg(test)]
    if ONE_THREAD.with(|o| o.get()) {
        return true;
    }
    std::thread::available_parallelism().map_or(1, |c| c.get()) < 2
}

impl Crm {
    /// Plans an import of parsed drafts: the dry run. `progress(done, total)` is called as rows
    /// are planned.
    pub fn plan_import(
        &self,
        parsed: Parsed,
        source: &str,
        opts: ImportOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportPlan> {
        let needs: Vec<EntityKind> = {
            let mut k = vec![EntityKind::Contact];
            if parsed.items.iter().any(|i| matches!(i.draft, Ok(Some(Draft::Task(_))))) {
                k.push(EntityKind::Deal);
                k.push(EntityKind::Task);
            }
            if parsed.items.iter().any(|i| matches!(i.draft, Ok(Some(Draft::Deal(_))))) {
                k.push(EntityKind::Deal);
            }
            k
        };
        let total = parsed.items.len();
        let mut plan = self.plan_rows(&needs, &mut parsed.items.into_iter(), total, source, opts, progress)?;
        plan.notes = parsed.notes;
        Ok(plan)
    }

    /// `plan_import` of the rows of a CSV file of `kind` as the parser hands them over (the CLI
    /// parses on one thread while this plans on another); `total` is at least the number of
    /// rows, for sizing and progress. The plan's notes are the parser's to fill in.
    pub fn plan_import_rows(
        &self,
        kind: super::ImportKind,
        rows: &mut (dyn Iterator<Item = Item> + Send),
        total: usize,
        source: &str,
        opts: ImportOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportPlan> {
        let needs = match kind {
            super::ImportKind::Contacts | super::ImportKind::Companies => vec![EntityKind::Contact],
            super::ImportKind::Deals => vec![EntityKind::Contact, EntityKind::Deal],
            super::ImportKind::Tasks => vec![EntityKind::Contact, EntityKind::Deal, EntityKind::Task],
        };
        self.plan_rows(&needs, rows, total, source, opts, progress)
    }

    fn plan_rows(
        &self,
        needs: &[EntityKind],
        rows: &mut (dyn Iterator<Item = Item> + Send),
        total: usize,
        source: &str,
        opts: ImportOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportPlan> {
        let mut p = Planner::new(self, opts, needs)?;
        p.plan.source = source.to_string();
        // Sized for every row (and a company per eight rows) up front: growing these one
        // doubling at a time copied the batch over and over (a tenth of a 100k-row import).
        p.plan.changes.reserve(total + total / 8);
        p.pending_lines.0.reserve(total);
        p.contacts.reserve(total);
        p.spent.text.reserve(2 * total);
        p.spent.keys.reserve(total);
        let mut n = 0;
        let mut plan_row = |row: Row| {
            match row {
                Row::Contact { line, raw, ready } => {
                    p.contact_ready(line, ready, &raw);
                    p.spent.text.push(raw);
                }
                Row::Other(item) => match item.draft {
                    Err(e) => p.error(item.line, e, &item.raw),
                    Ok(None) => p.plan.skip += 1,
                    Ok(Some(Draft::Contact(d))) => p.contact(item.line, d, &item.raw),
                    Ok(Some(Draft::Company(d))) => p.company_row(item.line, d, &item.raw),
                    Ok(Some(Draft::Deal(d))) => p.deal_row(item.line, d, &item.raw),
                    Ok(Some(Draft::Task(d))) => p.task_row(item.line, d, &item.raw),
                },
            }
            if n % 1024 == 0 {
                progress(n, total);
            }
            n += 1;
        };
        let (user, pipeline) = (self.user(), self.store().pipeline());
        let ready = |item: Item| match item.draft {
            Ok(Some(Draft::Contact(d))) => {
                Row::Contact { line: item.line, raw: item.raw, ready: ready_contact(d, user, pipeline) }
            }
            draft => Row::Other(Item { draft, ..item }),
        };
        if total < READY_ON_A_THREAD_FROM || one_thread() {
            rows.map(ready).for_each(&mut plan_row);
        } else {
            // Contacts are built, validated and given their duplicate keys on one thread while
            // this one links, checks for duplicates and adds them, in file order.
            const BATCH: usize = 512;
            std::thread::scope(|s| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Row>>(16);
                s.spawn(move || {
                    let mut batch = Vec::with_capacity(BATCH);
                    for item in rows {
                        batch.push(ready(item));
                        if batch.len() == BATCH
                            && tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err()
                        {
                            return;
                        }
                    }
                    let _ = tx.send(batch);
                });
                rx.into_iter().flatten().for_each(&mut plan_row);
            });
        }
        p.plan.rows = n;
        progress(n, n);
        // The lookups of 100k rows (a string or two each) are not freed before the write:
        // that took a twentieth of the import on the planning thread.
        let Planner { plan, companies, contacts, contact_names, pending_lines, updated, spent, .. } = p;
        if n >= 10_000 {
            crate::store::bulk::release((companies, contacts, contact_names, pending_lines, updated, spent));
        }
        Ok(plan)
    }

    /// Applies a plan in one batch (one journal entry, one undo). With `strict`, any bad row
    /// refuses the whole import and nothing is written. None when there is nothing to write.
    pub fn run_import(&self, plan: &mut ImportPlan, strict: bool) -> Result<Option<Receipt>> {
        if strict && !plan.errors.is_empty() {
            let first = &plan.errors[0];
            return Err(ServiceError::Invalid(format!(
                "{} bad rows (first: line {}: {}); --strict: nothing was imported",
                plan.errors.len(),
                first.line,
                first.reason
            )));
        }
        if plan.changes.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.apply(std::mem::take(&mut plan.changes))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::import::{csv, ImportKind};
    use crate::services::OpenOptions;

    /// Rows as the CLI plans them (handed over while the file is parsed) make the same plan,
    /// changes included, as the whole file parsed first: duplicates of contacts in the
    /// database and of earlier rows (the update policy folds them into earlier changes), bad
    /// rows, empty rows, companies linked and created.
    #[test]
    fn rows_planned_as_they_are_parsed_make_the_same_plan() {
        let dir = tempfile::tempdir().expect("dir");
        let crm = Crm::open(OpenOptions {
            db: Some(dir.path().join("db")),
            config: Some(dir.path().join("none.toml")),
            engine: None,
            user: Some("anna".into()),
        })
        .expect("open");
        let mut there = Contact { name: "Eva Ruiz".into(), ..Contact::default() };
        there.emails.push(Labeled { label: "work".into(), value: "eva.7@example.com".into() });
        crm.apply(vec![Change::Create(Record::Contact(there))]).expect("seed");
        let mut file = String::from("Name,Email,Company,Tags\n");
        for i in 0..3000 {
            match i % 500 {
                7 => file.push_str("Eva Ruiz,eva.7@example.com,,vip\n"),
                9 => file.push_str(",,,\n"),
                11 => file.push_str("Bad Mail,not-an-email,,\n"),
                13 => {
                    file.push_str(&format!("Person {},p{}@example.com,Firm {},late\n", i - 10, i - 10, (i - 10) % 40))
                }
                _ => file.push_str(&format!("Person {i},p{i}@example.com,Firm {},\n", i % 40)),
            }
        }
        let bytes = file.as_bytes();
        let opts = || ImportOptions { on_duplicate: OnDuplicate::Update };
        let whole = csv::parse(bytes, ImportKind::Contacts, &[]).expect("parse");
        let a = crm.plan_import(whole.clone(), "f.csv", opts(), &mut |_, _| {}).expect("plan");
        let mut items = whole.items.clone().into_iter();
        let mut b = crm
            .plan_import_rows(
                ImportKind::Contacts,
                &mut items,
                csv::rows_at_most(bytes),
                "f.csv",
                opts(),
                &mut |_, _| {},
            )
            .expect("plan rows");
        b.notes = whole.notes.clone();
        assert!(a.errors.len() == 6 && a.duplicates.len() == 12 && a.create.companies == 40, "{}", a.summary());
        assert_eq!(a.rows, 3000);
        // And on one thread (contacts made ready by the planner itself) the same again.
        ONE_THREAD.with(|o| o.set(true));
        let mut c = crm.plan_import(whole.clone(), "f.csv", opts(), &mut |_, _| {}).expect("plan");
        ONE_THREAD.with(|o| o.set(false));
        for other in [&mut b, &mut c] {
            assert_eq!(serde_json::to_value(&a).expect("json"), serde_json::to_value(&*other).expect("json"));
            assert_eq!(a.changes, std::mem::take(&mut other.changes));
        }
        // And parse_each hands over the very items parse returns.
        let mut each = Vec::new();
        let notes = csv::parse_each(bytes, ImportKind::Contacts, &[], &mut |i| each.push(i)).expect("parse_each");
        let again = csv::parse(bytes, ImportKind::Contacts, &[]).expect("parse");
        assert_eq!((each, notes), (again.items, again.notes));
    }
}
