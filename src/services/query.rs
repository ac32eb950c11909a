//! Queries: lists and cards as plain rows, shared by the CLI and the TUI.

use super::{Crm, Result, ServiceError};
use crate::domain::agenda::{task_state, TaskState};
use crate::domain::*;
use crate::store::{keys, JournalEntry, Op, Tree};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContactRow {
    pub id: ContactId,
    pub name: String,
    pub title: String,
    pub company_id: Option<CompanyId>,
    pub company: String,
    pub email: String,
    pub phone: String,
    pub city: String,
    pub tags: Vec<String>,
    pub owner: String,
    pub last_contact: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactSort {
    #[default]
    Name,
    Company,
    /// Last contacted, longest ago first (who needs a call).
    Last,
    Owner,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContactQuery {
    /// Case- and accent-insensitive fragment of name, email, phone or company.
    pub text: Option<String>,
    pub tag: Option<String>,
    pub owner: Option<String>,
    pub company: Option<CompanyId>,
    pub sort: ContactSort,
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CompanyRow {
    pub id: CompanyId,
    pub name: String,
    pub website: String,
    pub industry: String,
    pub city: String,
    pub tags: Vec<String>,
    pub owner: String,
    pub contacts: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DealRow {
    pub id: DealId,
    pub title: String,
    pub company_id: Option<CompanyId>,
    pub company: String,
    pub contact_id: Option<ContactId>,
    pub contact: String,
    pub value: Money,
    pub stage: String,
    pub stage_name: String,
    /// Effective probability (override or stage default), percent.
    pub probability: u8,
    pub weighted: Money,
    pub close: Option<Day>,
    pub owner: String,
    pub days_in_stage: i64,
    pub open: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DealQuery {
    pub stage: Option<String>,
    pub owner: Option<String>,
    pub open_only: bool,
    pub company: Option<CompanyId>,
    pub contact: Option<ContactId>,
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TaskRow {
    pub id: TaskId,
    pub title: String,
    pub due: Due,
    pub state: TaskState,
    pub contact_id: Option<ContactId>,
    pub contact: String,
    pub deal_id: Option<DealId>,
    pub deal: String,
    pub assignee: String,
    pub priority: Priority,
    pub repeat: String,
    pub snoozed_until: Option<Timestamp>,
    pub done: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskScope {
    /// Open tasks (overdue, today, upcoming).
    #[default]
    Open,
    Overdue,
    Today,
    Upcoming,
    Done,
    All,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TaskQuery {
    pub scope: TaskScope,
    pub assignee: Option<String>,
    pub contact: Option<ContactId>,
    pub deal: Option<DealId>,
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActivityRow {
    pub id: ActivityId,
    pub kind: ActivityKind,
    pub at: Timestamp,
    pub contact_id: Option<ContactId>,
    pub contact: String,
    pub deal_id: Option<DealId>,
    pub summary: String,
    pub body: String,
    pub author: String,
    pub outcome: String,
    pub duration_min: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActivityQuery {
    pub contact: Option<ContactId>,
    pub deal: Option<DealId>,
    pub kind: Option<ActivityKind>,
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContactCard {
    pub contact: Contact,
    pub company: Option<CompanyRow>,
    pub last_contact: Option<Timestamp>,
    pub deals: Vec<DealRow>,
    pub tasks: Vec<TaskRow>,
    pub activities: Vec<ActivityRow>,
    /// Logins the contact is shared with (`crm share`).
    #[serde(default)]
    pub shared_with: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CompanyCard {
    pub company: Company,
    pub contacts: Vec<ContactRow>,
    pub deals: Vec<DealRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DealCard {
    pub deal: DealRow,
    pub history: Vec<StageEntry>,
    pub reason: String,
    pub notes: String,
    pub tasks: Vec<TaskRow>,
    pub activities: Vec<ActivityRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HistoryRow {
    pub seq: u64,
    pub at: Timestamp,
    pub author: String,
    /// apply, undo or redo.
    pub op: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrashRow {
    pub id: Ref,
    pub kind: EntityKind,
    pub label: String,
    pub deleted: Option<Timestamp>,
}

/// Caches names of linked records while building rows.
struct Names<'a> {
    crm: &'a Crm,
    companies: HashMap<u64, Option<Company>>,
    contacts: HashMap<u64, String>,
    deals: HashMap<u64, String>,
}

impl<'a> Names<'a> {
    fn new(crm: &'a Crm) -> Self {
        Names { crm, companies: HashMap::new(), contacts: HashMap::new(), deals: HashMap::new() }
    }

    fn company(&mut self, id: Option<CompanyId>) -> Result<Option<&Company>> {
        let Some(id) = id else { return Ok(None) };
        if !self.companies.contains_key(&id.0) {
            let c = match self.crm.store.get(&Ref::Company(id))? {
                Some(Record::Company(c)) => Some(c),
                _ => None,
            };
            self.companies.insert(id.0, c);
        }
        Ok(self.companies.get(&id.0).and_then(|c| c.as_ref()))
    }

    fn company_name(&mut self, id: Option<CompanyId>) -> Result<String> {
        Ok(self.company(id)?.map(|c| c.name.clone()).unwrap_or_default())
    }

    fn label(&self, r: &Ref) -> Result<String> {
        Ok(self.crm.store.get(r)?.map(|x| x.label().to_string()).unwrap_or_default())
    }

    fn contact_name(&mut self, id: Option<ContactId>) -> Result<String> {
        let Some(id) = id else { return Ok(String::new()) };
        if let Some(n) = self.contacts.get(&id.0) {
            return Ok(n.clone());
        }
        let n = self.label(&Ref::Contact(id))?;
        self.contacts.insert(id.0, n.clone());
        Ok(n)
    }

    fn deal_title(&mut self, id: Option<DealId>) -> Result<String> {
        let Some(id) = id else { return Ok(String::new()) };
        if let Some(n) = self.deals.get(&id.0) {
            return Ok(n.clone());
        }
        let n = self.label(&Ref::Deal(id))?;
        self.deals.insert(id.0, n.clone());
        Ok(n)
    }
}

impl ContactRow {
    /// A contact's row, given its company's name and when it was last contacted.
    pub fn of(c: &Contact, company: String, last: Option<Timestamp>) -> ContactRow {
        ContactRow {
            id: c.id,
            name: c.name.clone(),
            title: c.title.clone(),
            company_id: c.company,
            company,
            email: c.emails.first().map(|e| e.value.clone()).unwrap_or_default(),
            phone: c.phones.first().map(|p| p.value.clone()).unwrap_or_default(),
            city: c.address.city.clone(),
            tags: c.tags.clone(),
            owner: c.owner.clone(),
            last_contact: last,
        }
    }
}

/// When each contact was last contacted (its latest activity), from the index alone.
pub(super) fn last_contacts(store: &crate::store::Store) -> Result<HashMap<u64, Timestamp>, crate::store::StoreError> {
    let mut out: HashMap<u64, Timestamp> = HashMap::new();
    store.engine().scan(Tree::ActivityByContact, crate::store::engine::full_range(), false, &mut |k, _| {
        if let (Some(c), Some(t)) = (keys::read_u64(k), keys::time_after_id(k)) {
            let e = out.entry(c).or_insert(t);
            if *e < t {
                *e = t;
            }
        }
        true
    })?;
    Ok(out)
}

/// What a contact list's text filter looks in, folded: name, company, emails, phones.
pub(super) fn contact_text(c: &Contact, company: &str) -> String {
    let emails = c.emails.iter().map(|e| e.value.as_str());
    let phones = c.phones.iter().map(|p| p.value.as_str());
    let words: Vec<&str> = [c.name.as_str(), company].into_iter().chain(emails).chain(phones).collect();
    super::fold(&words.join(" "))
}

fn apply_limit<T>(mut v: Vec<T>, limit: Option<usize>) -> Vec<T> {
    if let Some(n) = limit {
        v.truncate(n);
    }
    v
}

impl Crm {
    /// A live record the user sees; one they do not see does not exist for them.
    fn live(&self, r: Ref) -> Result<Record> {
        match self.access()?.get(&r)? {
            Some(rec) if rec.deleted().is_none() => Ok(rec),
            Some(_) => Err(crate::store::StoreError::Trashed(r).into()),
            None => Err(ServiceError::NotFound(format!("{r} does not exist"))),
        }
    }

    /// When each contact was last called, met, mailed or noted, from one scan of the index.
    fn last_contacts(&self) -> Result<HashMap<u64, Timestamp>> {
        Ok(last_contacts(&self.store)?)
    }

    fn last_contact(&self, id: ContactId) -> Result<Option<Timestamp>> {
        Ok(self.store.latest_under_each(Tree::ActivityByContact, &[id.0])?.pop().flatten())
    }

    fn contact_row(&self, c: &Contact, names: &mut Names<'_>, last: Option<Timestamp>) -> Result<ContactRow> {
        Ok(ContactRow::of(c, names.company_name(c.company)?, last))
    }

    pub fn contacts(&self, q: &ContactQuery) -> Result<Vec<ContactRow>> {
        self.contacts_as(q, |r| r)
    }

    /// `contacts`, each row turned into a `T` as soon as it is made (the TUI keeps compact rows:
    /// 100k full rows at once would stay resident after they are dropped).
    pub fn contacts_as<T>(&self, q: &ContactQuery, into: impl Fn(ContactRow) -> T) -> Result<Vec<T>> {
        if let Some(rows) = self.cached_contacts(q, &into)? {
            return Ok(rows);
        }
        let last = self.last_contacts()?;
        let mut names = Names::new(self);
        let needle = q.text.as_deref().map(super::fold).filter(|s| !s.is_empty());
        let tag = q.tag.as_deref().map(|t| t.trim_start_matches('#').to_lowercase());
        let access = self.access()?;
        let mut rows = Vec::new();
        let mut err = None;
        self.store.scan(EntityKind::Contact, &mut |rec| {
            // A contact is seen by its owner and shares alone: no link to read per row.
            if !access.sees_directly(&rec) {
                return true;
            }
            let Record::Contact(c) = rec else { return true };
            if c.deleted.is_some()
                || q.owner.as_ref().is_some_and(|o| *o != c.owner)
                || q.company.is_some_and(|co| Some(co) != c.company)
                || tag.as_ref().is_some_and(|t| !c.tags.contains(t))
            {
                return true;
            }
            match self.contact_row(&c, &mut names, last.get(&c.id.0).copied()) {
                Ok(row) => {
                    if needle.as_ref().is_some_and(|n| !contact_text(&c, &row.company).contains(n.as_str())) {
                        return true;
                    }
                    // The sort key, taken before the row is turned into a `T`.
                    let key = match q.sort {
                        ContactSort::Name => (false, super::fold(&row.name), String::new(), None, row.id),
                        ContactSort::Company => {
                            (row.company.is_empty(), super::fold(&row.company), super::fold(&row.name), None, row.id)
                        }
                        ContactSort::Last => (false, String::new(), String::new(), row.last_contact, row.id),
                        ContactSort::Owner => (false, row.owner.clone(), super::fold(&row.name), None, row.id),
                    };
                    rows.push((key, into(row)));
                    true
                }
                Err(e) => {
                    err = Some(e);
                    false
                }
            }
        })?;
        if let Some(e) = err {
            return Err(e);
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(apply_limit(rows.into_iter().map(|(_, row)| row).collect(), q.limit))
    }

    /// `contacts_as` answered from a server's memory (no read of the store). None when there
    /// is no cache or it cannot answer this query.
    fn cached_contacts<T>(&self, q: &ContactQuery, into: &impl Fn(ContactRow) -> T) -> Result<Option<Vec<T>>> {
        let Some(cache) = self.read_cache() else { return Ok(None) };
        let access = self.access()?;
        let mut sees = |owner: &str, id: ContactId| access.sees_owned(Some(owner), &Ref::Contact(id));
        Ok(cache.contact_rows(&self.store, q, &mut sees)?.map(|rows| rows.into_iter().map(into).collect()))
    }

    pub fn contact_card(&self, id: ContactId) -> Result<ContactCard> {
        let Record::Contact(contact) = self.live(Ref::Contact(id))? else {
            return Err(ServiceError::NotFound(format!("{id} does not exist")));
        };
        let company = match contact.company {
            Some(co) => self.companies_rows(Some(co))?.into_iter().next(),
            None => None,
        };
        let deals = self.deals(&DealQuery { contact: Some(id), ..DealQuery::default() })?;
        let tasks = self.tasks(&TaskQuery { scope: TaskScope::All, contact: Some(id), ..TaskQuery::default() })?;
        let activities = self.activities(&ActivityQuery { contact: Some(id), ..ActivityQuery::default() })?;
        let last_contact = self.last_contact(id)?;
        let shared_with = self.store.shared_with(&Ref::Contact(id))?;
        Ok(ContactCard { contact, company, last_contact, deals, tasks, activities, shared_with })
    }

    fn companies_rows(&self, only: Option<CompanyId>) -> Result<Vec<CompanyRow>> {
        let access = self.access()?;
        let list: Vec<Company> = match only {
            Some(id) => match self.store.get(&Ref::Company(id))? {
                Some(Record::Company(c)) if c.deleted.is_none() => vec![c],
                _ => vec![],
            },
            None => self
                .store
                .all_live(EntityKind::Company)?
                .into_iter()
                .filter_map(|r| if let Record::Company(c) = r { Some(c) } else { None })
                .collect(),
        };
        let mut rows = Vec::with_capacity(list.len());
        for c in list {
            if !access.sees(&Record::Company(c.clone()))? {
                continue;
            }
            let contacts = self.store.index_ids(Tree::ContactByCompany, &keys::id(c.id.0), false, usize::MAX)?.len();
            rows.push(CompanyRow {
                id: c.id,
                name: c.name,
                website: c.website,
                industry: c.industry,
                city: c.address.city,
                tags: c.tags,
                owner: c.owner,
                contacts,
            });
        }
        Ok(rows)
    }

    pub fn companies(&self, text: Option<&str>, tag: Option<&str>, limit: Option<usize>) -> Result<Vec<CompanyRow>> {
        let needle = text.map(super::fold);
        let tag = tag.map(|t| t.trim_start_matches('#').to_lowercase());
        let mut rows: Vec<CompanyRow> = self
            .companies_rows(None)?
            .into_iter()
            .filter(|r| {
                needle.as_ref().is_none_or(|n| super::fold(&format!("{} {}", r.name, r.website)).contains(n.as_str()))
            })
            .filter(|r| tag.as_ref().is_none_or(|t| r.tags.contains(t)))
            .collect();
        rows.sort_by_cached_key(|r| (super::fold(&r.name), r.id));
        Ok(apply_limit(rows, limit))
    }

    pub fn company_card(&self, id: CompanyId) -> Result<CompanyCard> {
        let Record::Company(company) = self.live(Ref::Company(id))? else {
            return Err(ServiceError::NotFound(format!("{id} does not exist")));
        };
        let contacts = self.contacts(&ContactQuery { company: Some(id), ..ContactQuery::default() })?;
        let deals = self.deals(&DealQuery { company: Some(id), ..DealQuery::default() })?;
        Ok(CompanyCard { company, contacts, deals })
    }

    fn deal_row(&self, d: &Deal, names: &mut Names<'_>) -> Result<DealRow> {
        let pipeline = self.store.pipeline();
        let stage = pipeline.get(&d.stage);
        let probability = crate::domain::report::probability(pipeline, d);
        Ok(DealRow {
            id: d.id,
            title: d.title.clone(),
            company_id: d.company,
            company: names.company_name(d.company)?,
            contact_id: d.contact,
            contact: names.contact_name(d.contact)?,
            value: d.value,
            stage: d.stage.clone(),
            stage_name: stage.map(|s| s.name.clone()).unwrap_or_else(|| d.stage.clone()),
            probability,
            weighted: d.value.percent(probability),
            close: d.close,
            owner: d.owner.clone(),
            days_in_stage: d.stage_since().days_until(self.now()).max(0),
            open: stage.is_none_or(|s| s.kind == StageKind::Open),
        })
    }

    pub fn deals(&self, q: &DealQuery) -> Result<Vec<DealRow>> {
        let pipeline = self.store.pipeline();
        // Narrow by index where the query allows it.
        let ids: Option<Vec<u64>> = if let Some(c) = q.contact {
            Some(self.store.index_ids(Tree::DealByContact, &keys::id(c.0), false, usize::MAX)?)
        } else if let Some(co) = q.company {
            Some(self.store.index_ids(Tree::DealByCompany, &keys::id(co.0), false, usize::MAX)?)
        } else if let Some(s) = &q.stage {
            let st = pipeline.find(s).map_err(ServiceError::Invalid)?;
            Some(self.store.index_ids(Tree::DealStage, &keys::cat(&[st.key.as_bytes(), &[0]]), false, usize::MAX)?)
        } else {
            None
        };
        let deals: Vec<Deal> = match ids {
            Some(ids) => {
                let mut v = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(Record::Deal(d)) = self.store.get(&Ref::Deal(DealId(id)))? {
                        v.push(d);
                    }
                }
                v
            }
            None => self
                .store
                .all_live(EntityKind::Deal)?
                .into_iter()
                .filter_map(|r| if let Record::Deal(d) = r { Some(d) } else { None })
                .collect(),
        };
        let stage_key = match &q.stage {
            Some(s) => Some(pipeline.find(s).map_err(ServiceError::Invalid)?.key.clone()),
            None => None,
        };
        let access = self.access()?;
        let mut names = Names::new(self);
        let mut rows = Vec::new();
        for d in deals {
            if d.deleted.is_some()
                || q.owner.as_ref().is_some_and(|o| *o != d.owner)
                || stage_key.as_ref().is_some_and(|s| *s != d.stage)
            {
                continue;
            }
            let rec = Record::Deal(d);
            if !access.sees(&rec)? {
                continue;
            }
            let Record::Deal(d) = rec else { continue };
            let row = self.deal_row(&d, &mut names)?;
            if q.open_only && !row.open {
                continue;
            }
            rows.push(row);
        }
        rows.sort_by_key(|r| {
            (pipeline.position(&r.stage).unwrap_or(usize::MAX), std::cmp::Reverse(r.value.minor), r.id)
        });
        Ok(apply_limit(rows, q.limit))
    }

    pub fn deal_card(&self, id: DealId) -> Result<DealCard> {
        let Record::Deal(d) = self.live(Ref::Deal(id))? else {
            return Err(ServiceError::NotFound(format!("{id} does not exist")));
        };
        let mut names = Names::new(self);
        let deal = self.deal_row(&d, &mut names)?;
        let tasks = self.tasks(&TaskQuery { scope: TaskScope::All, deal: Some(id), ..TaskQuery::default() })?;
        let activities = self.activities(&ActivityQuery { deal: Some(id), ..ActivityQuery::default() })?;
        Ok(DealCard { deal, history: d.history, reason: d.reason, notes: d.notes, tasks, activities })
    }

    fn task_row(&self, t: &Task, names: &mut Names<'_>, now: &chrono::DateTime<chrono::Local>) -> Result<TaskRow> {
        Ok(TaskRow {
            id: t.id,
            title: t.title.clone(),
            due: t.due,
            state: task_state(t, now),
            contact_id: t.contact,
            contact: names.contact_name(t.contact)?,
            deal_id: t.deal,
            deal: names.deal_title(t.deal)?,
            assignee: t.assignee.clone(),
            priority: t.priority,
            repeat: if t.recurrence.is_none() { String::new() } else { t.recurrence.to_string() },
            snoozed_until: t.snoozed_until,
            done: t.done,
        })
    }

    pub fn tasks(&self, q: &TaskQuery) -> Result<Vec<TaskRow>> {
        let now = self.now_local();
        let open_scope =
            matches!(q.scope, TaskScope::Open | TaskScope::Overdue | TaskScope::Today | TaskScope::Upcoming);
        // Open tasks come from the due index (bounded by time for overdue/today); the rest from a scan.
        let tasks: Vec<Task> = if let Some(c) = q.contact {
            self.tasks_by_ids(self.store.index_ids(Tree::TaskByContact, &keys::id(c.0), false, usize::MAX)?)?
        } else if let Some(d) = q.deal {
            self.tasks_by_ids(self.store.index_ids(Tree::TaskByDeal, &keys::id(d.0), false, usize::MAX)?)?
        } else if open_scope {
            let horizon = match q.scope {
                // Day dues are keyed at UTC midnight: look a day and a half ahead, then filter exactly.
                TaskScope::Overdue | TaskScope::Today => self.now().plus_days(2),
                _ => Timestamp(i64::MAX),
            };
            self.store.tasks_due_before(horizon)?
        } else {
            self.store
                .all_live(EntityKind::Task)?
                .into_iter()
                .filter_map(|r| if let Record::Task(t) = r { Some(t) } else { None })
                .collect()
        };
        let access = self.access()?;
        let mut names = Names::new(self);
        let mut rows = Vec::new();
        for t in tasks {
            if t.deleted.is_some() || q.assignee.as_ref().is_some_and(|a| *a != t.assignee) {
                continue;
            }
            let rec = Record::Task(t);
            if !access.sees(&rec)? {
                continue;
            }
            let Record::Task(t) = rec else { continue };
            let state = task_state(&t, &now);
            let keep = match q.scope {
                TaskScope::Open => matches!(state, TaskState::Overdue | TaskState::Today | TaskState::Upcoming),
                TaskScope::Overdue => state == TaskState::Overdue,
                TaskScope::Today => state == TaskState::Today,
                TaskScope::Upcoming => state == TaskState::Upcoming,
                TaskScope::Done => state == TaskState::Done,
                TaskScope::All => true,
            };
            if keep {
                rows.push(self.task_row(&t, &mut names, &now)?);
            }
        }
        rows.sort_by_key(|r| {
            (
                r.done.is_some(),
                r.state,
                keys::task_due_ms(&Task { due: r.due, snoozed_until: r.snoozed_until, ..Task::default() }),
                r.id,
            )
        });
        Ok(apply_limit(rows, q.limit))
    }

    fn tasks_by_ids(&self, ids: Vec<u64>) -> Result<Vec<Task>> {
        let mut v = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(Record::Task(t)) = self.store.get(&Ref::Task(TaskId(id)))? {
                v.push(t);
            }
        }
        Ok(v)
    }

    pub fn task_row_by_id(&self, id: TaskId) -> Result<TaskRow> {
        let Record::Task(t) = self.live(Ref::Task(id))? else {
            return Err(ServiceError::NotFound(format!("{id} does not exist")));
        };
        self.task_row(&t, &mut Names::new(self), &self.now_local())
    }

    /// Activities, newest first.
    pub fn activities(&self, q: &ActivityQuery) -> Result<Vec<ActivityRow>> {
        let limit = q.limit.unwrap_or(usize::MAX);
        let ids: Vec<u64> = if let Some(c) = q.contact {
            self.store.index_ids(Tree::ActivityByContact, &keys::id(c.0), true, usize::MAX)?
        } else if let Some(d) = q.deal {
            self.store.index_ids(Tree::ActivityByDeal, &keys::id(d.0), true, usize::MAX)?
        } else {
            let mut all: Vec<(Timestamp, u64)> = Vec::new();
            self.store.scan(EntityKind::Activity, &mut |r| {
                if let Record::Activity(a) = r {
                    if a.deleted.is_none() {
                        all.push((a.at, a.id.0));
                    }
                }
                true
            })?;
            all.sort_by_key(|(at, id)| std::cmp::Reverse((*at, *id)));
            all.into_iter().map(|(_, id)| id).collect()
        };
        let access = self.access()?;
        let mut names = Names::new(self);
        let mut rows = Vec::new();
        for id in ids {
            if rows.len() >= limit {
                break;
            }
            let Some(Record::Activity(a)) = access.get(&Ref::Activity(ActivityId(id)))? else { continue };
            if a.deleted.is_some() || q.kind.is_some_and(|k| k != a.kind) {
                continue;
            }
            rows.push(ActivityRow {
                id: a.id,
                kind: a.kind,
                at: a.at,
                contact_id: a.contact,
                contact: names.contact_name(a.contact)?,
                deal_id: a.deal,
                summary: a.summary,
                body: a.body,
                author: a.author,
                outcome: a.outcome,
                duration_min: a.duration_min,
            });
        }
        Ok(rows)
    }

    /// Who changed what, when: of one record, or of the whole database.
    pub fn history(&self, target: Option<&Ref>, limit: usize) -> Result<Vec<HistoryRow>> {
        let access = self.access()?;
        let entries: Vec<JournalEntry> = match target {
            Some(r) => {
                if access.get(r)?.is_none() {
                    return Err(ServiceError::NotFound(format!("{r} does not exist")));
                }
                let mut v = self.store.history(r)?;
                v.truncate(limit);
                v
            }
            // In private visibility, the entries about records the user sees (or by their team
            // about none, such as an export): what the others did stays theirs.
            None if !access.sees_all() => {
                let mut err = None;
                let mut keep = |e: &JournalEntry| {
                    let targets: Vec<Ref> = e
                        .changes
                        .iter()
                        .filter_map(|c| c.target())
                        .chain(e.writes.iter().filter_map(|w| w.reference()))
                        .collect();
                    if targets.is_empty() {
                        return access.owns(&e.author);
                    }
                    targets.iter().all(|r| match access.get(r) {
                        Ok(seen) => seen.is_some(),
                        Err(x) => {
                            err.get_or_insert(x);
                            false
                        }
                    })
                };
                let v = self.store.journal(limit, &mut keep)?;
                if let Some(e) = err {
                    return Err(e);
                }
                v
            }
            None => self.store.journal(limit, &mut |_| true)?,
        };
        Ok(entries
            .into_iter()
            .map(|e| HistoryRow {
                seq: e.seq,
                at: e.at,
                author: e.author.clone(),
                op: match e.op {
                    Op::Apply => "apply".into(),
                    Op::Undo { .. } => "undo".into(),
                    Op::Redo { .. } => "redo".into(),
                    Op::Event => "event".into(),
                },
                summary: match target {
                    // For one record, only what happened to it.
                    Some(r) if e.op == Op::Apply => {
                        let own: Vec<String> =
                            e.changes.iter().filter(|c| c.target().as_ref() == Some(r)).map(|c| c.describe()).collect();
                        if own.is_empty() {
                            e.summary()
                        } else {
                            own.join("; ")
                        }
                    }
                    _ => e.summary(),
                },
            })
            .collect())
    }

    pub fn trash_rows(&self) -> Result<Vec<TrashRow>> {
        let access = self.access()?;
        let mut seen = Vec::new();
        for r in self.store.trash()? {
            if access.sees(&r)? {
                seen.push(r);
            }
        }
        Ok(seen
            .into_iter()
            .map(|r| TrashRow { id: r.reference(), kind: r.kind(), label: r.label().to_string(), deleted: r.deleted() })
            .collect())
    }

    pub fn users(&self) -> Result<Vec<User>> {
        Ok(self
            .store
            .all_live(EntityKind::User)?
            .into_iter()
            .filter_map(|r| if let Record::User(u) = r { Some(u) } else { None })
            .collect())
    }
}
