//! What people type, turned into `Change`s: the one place where the CLI's options and the
//! TUI's forms become changes, so that no rule is written twice. Every field is text as typed;
//! `None` leaves a field as it is (on edit) or empty (on create).

use super::{Crm, Result, ServiceError};
use crate::domain::*;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ContactInput {
    pub name: Option<String>,
    pub title: Option<String>,
    /// Id or name; a name no company has creates the company; "none" unlinks.
    pub company: Option<String>,
    /// `[label:]value` each.
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub tags: Vec<String>,
    /// `key=value` each.
    pub fields: Vec<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub owner: Option<String>,
    /// Days, or "none".
    pub cadence: Option<String>,
    pub remove_emails: Vec<String>,
    pub remove_phones: Vec<String>,
    pub remove_tags: Vec<String>,
    pub remove_fields: Vec<String>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct CompanyInput {
    pub name: Option<String>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub tags: Vec<String>,
    pub fields: Vec<String>,
    pub notes: Option<String>,
    pub owner: Option<String>,
    pub remove_tags: Vec<String>,
    pub remove_fields: Vec<String>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DealInput {
    pub title: Option<String>,
    /// Only on create; moves go through `Change::MoveDeal`.
    pub stage: Option<String>,
    pub value: Option<String>,
    pub company: Option<String>,
    pub contact: Option<String>,
    pub close: Option<String>,
    /// Percent, or "default".
    pub probability: Option<String>,
    pub owner: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TaskInput {
    pub title: Option<String>,
    pub due: Option<String>,
    pub contact: Option<String>,
    pub deal: Option<String>,
    pub priority: Option<String>,
    pub repeat: Option<String>,
    pub assignee: Option<String>,
    pub notes: Option<String>,
    /// Not actionable before this time; "none" clears it.
    pub hidden_until: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ActivityInput {
    pub kind: String,
    pub contact: String,
    pub summary: String,
    pub body: Option<String>,
    pub at: Option<String>,
    pub deal: Option<String>,
    pub outcome: Option<String>,
    pub duration: Option<String>,
}

fn invalid(msg: String) -> ServiceError {
    ServiceError::Invalid(msg)
}

fn split_kv(text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(invalid(format!("\"{text}\" is not key=value"))),
    }
}

/// "none", "-" or nothing: clear the field.
pub fn is_none(text: &str) -> bool {
    matches!(text.trim().to_lowercase().as_str(), "none" | "-" | "")
}

/// Builds a new record from edits, so that create and edit share one path.
fn with_edits(mut rec: Record, edits: &[Edit]) -> Result<Record> {
    for e in edits {
        e.apply_to(&mut rec).map_err(|m| ServiceError::Store(crate::store::StoreError::validation(e.field(), m)))?;
    }
    Ok(rec)
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

impl Crm {
    /// A company by id or name; a name no company has creates it within the same batch.
    fn company_link(&self, text: &str, changes: &mut Vec<Change>) -> Result<CompanyId> {
        let t = text.trim();
        let looks_like_id =
            t.strip_prefix("co").is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
        match self.resolve_company(t) {
            Ok(id) => Ok(id),
            Err(ServiceError::NotFound(_)) if !looks_like_id => {
                let id = CompanyId::placeholder(changes.len() as u64);
                changes.push(Change::Create(Record::Company(Company {
                    id,
                    name: t.to_string(),
                    ..Company::default()
                })));
                Ok(id)
            }
            Err(e) => Err(e),
        }
    }

    /// Changes that create a contact (`target` None) or edit one.
    pub fn contact_changes(&self, target: Option<ContactId>, input: ContactInput) -> Result<Vec<Change>> {
        let mut changes = Vec::new();
        let mut e = Vec::new();
        if let (Some(n), Some(_)) = (&input.name, target) {
            e.push(Edit::Name(n.clone()));
        }
        if let Some(t) = input.title {
            e.push(Edit::JobTitle(t));
        }
        if let Some(c) = input.company {
            e.push(Edit::Company(if is_none(&c) { None } else { Some(self.company_link(&c, &mut changes)?) }));
        }
        e.extend(
            input.emails.iter().filter(|x| !x.trim().is_empty()).map(|x| Edit::AddEmail(Labeled::parse(x, "work"))),
        );
        e.extend(
            input.phones.iter().filter(|x| !x.trim().is_empty()).map(|x| Edit::AddPhone(Labeled::parse(x, "work"))),
        );
        e.extend(input.tags.into_iter().filter(|t| !t.trim().is_empty()).map(Edit::AddTag));
        for kv in input.fields {
            let (k, v) = split_kv(&kv)?;
            e.push(Edit::SetField(k, v));
        }
        if let Some(a) = input.address {
            e.push(Edit::Address(Address::parse(&a)));
        }
        if let Some(n) = input.notes {
            e.push(Edit::Notes(n));
        }
        if let Some(o) = non_empty(input.owner) {
            e.push(Edit::Owner(o));
        }
        if let Some(c) = input.cadence {
            e.push(Edit::Cadence(if is_none(&c) {
                None
            } else {
                Some(c.trim().trim_end_matches('d').trim().parse().map_err(|_| {
                    ServiceError::Store(crate::store::StoreError::validation(
                        "cadence",
                        format!("\"{c}\" is not a number of days"),
                    ))
                })?)
            }));
        }
        e.extend(input.remove_emails.into_iter().map(Edit::RemoveEmail));
        e.extend(input.remove_phones.into_iter().map(Edit::RemovePhone));
        e.extend(input.remove_tags.into_iter().map(Edit::RemoveTag));
        e.extend(input.remove_fields.into_iter().map(Edit::RemoveField));
        match target {
            Some(id) => changes.push(Change::Edit { target: Ref::Contact(id), edits: e }),
            None => {
                let name = input.name.unwrap_or_default();
                let base = Contact { id: ContactId::placeholder(99), name, ..Contact::default() };
                changes.push(Change::Create(with_edits(Record::Contact(base), &e)?));
            }
        }
        Ok(changes)
    }

    pub fn company_changes(&self, target: Option<CompanyId>, input: CompanyInput) -> Result<Vec<Change>> {
        let mut e = Vec::new();
        if let (Some(n), Some(_)) = (&input.name, target) {
            e.push(Edit::Name(n.clone()));
        }
        if let Some(w) = input.website {
            e.push(Edit::Website(w));
        }
        if let Some(i) = input.industry {
            e.push(Edit::Industry(i));
        }
        if let Some(a) = input.address {
            e.push(Edit::Address(Address::parse(&a)));
        }
        e.extend(input.tags.into_iter().filter(|t| !t.trim().is_empty()).map(Edit::AddTag));
        for kv in input.fields {
            let (k, v) = split_kv(&kv)?;
            e.push(Edit::SetField(k, v));
        }
        if let Some(n) = input.notes {
            e.push(Edit::Notes(n));
        }
        if let Some(o) = non_empty(input.owner) {
            e.push(Edit::Owner(o));
        }
        e.extend(input.remove_tags.into_iter().map(Edit::RemoveTag));
        e.extend(input.remove_fields.into_iter().map(Edit::RemoveField));
        Ok(vec![match target {
            Some(id) => Change::Edit { target: Ref::Company(id), edits: e },
            None => {
                let base = Company {
                    id: CompanyId::placeholder(0),
                    name: input.name.unwrap_or_default(),
                    ..Company::default()
                };
                Change::Create(with_edits(Record::Company(base), &e)?)
            }
        }])
    }

    pub fn deal_changes(&self, target: Option<DealId>, input: DealInput) -> Result<Vec<Change>> {
        let mut changes = Vec::new();
        let mut e = Vec::new();
        if let (Some(t), Some(_)) = (&input.title, target) {
            e.push(Edit::Name(t.clone()));
        }
        if let Some(v) = non_empty(input.value) {
            e.push(Edit::Value(self.parse_money(&v).map_err(|m| field_error("value", m))?));
        }
        if let Some(c) = input.company {
            e.push(Edit::Company(if is_none(&c) { None } else { Some(self.company_link(&c, &mut changes)?) }));
        }
        if let Some(c) = input.contact {
            e.push(Edit::Contact(if is_none(&c) { None } else { Some(self.resolve_contact(&c)?) }));
        }
        if let Some(c) = input.close {
            e.push(Edit::Close(if is_none(&c) {
                None
            } else {
                Some(self.parse_day(&c).map_err(|m| field_error("close", m))?)
            }));
        }
        if let Some(p) = input.probability {
            let t = p.trim().trim_end_matches('%');
            e.push(Edit::Probability(if t == "default" || is_none(t) {
                None
            } else {
                Some(
                    t.parse().map_err(|_| {
                        field_error("probability", invalid(format!("\"{p}\" is not a percentage (0–100)")))
                    })?,
                )
            }));
        }
        if let Some(o) = non_empty(input.owner) {
            e.push(Edit::Owner(o));
        }
        if let Some(n) = input.notes {
            e.push(Edit::Notes(n));
        }
        match target {
            Some(id) => changes.push(Change::Edit { target: Ref::Deal(id), edits: e }),
            None => {
                let pipeline = self.store().pipeline();
                let stage = match non_empty(input.stage) {
                    Some(s) => pipeline.find(&s).map_err(|m| field_error("stage", invalid(m)))?.key.clone(),
                    None => pipeline.first().map(|s| s.key.clone()).unwrap_or_default(),
                };
                // A deal with a contact but no company belongs to the contact's company.
                let has_company = e.iter().any(|x| matches!(x, Edit::Company(_)));
                if let (false, Some(Edit::Contact(Some(c)))) =
                    (has_company, e.iter().find(|x| matches!(x, Edit::Contact(_))))
                {
                    if let Some(Record::Contact(ct)) = self.store().get(&Ref::Contact(*c))? {
                        e.push(Edit::Company(ct.company));
                    }
                }
                let title = input.title.unwrap_or_default();
                let base = Deal {
                    id: DealId::placeholder(99),
                    title,
                    stage,
                    value: Money::new(0, self.currency()),
                    ..Deal::default()
                };
                changes.push(Change::Create(with_edits(Record::Deal(base), &e)?));
            }
        }
        Ok(changes)
    }

    pub fn task_changes(&self, target: Option<TaskId>, input: TaskInput) -> Result<Vec<Change>> {
        let due = match non_empty(input.due.clone()) {
            Some(d) => Some(self.parse_due(&d).map_err(|m| field_error("due", m))?),
            None => None,
        };
        let mut e = Vec::new();
        if let (Some(t), Some(_)) = (&input.title, target) {
            e.push(Edit::Name(t.clone()));
        }
        if let (Some(d), Some(_)) = (due, target) {
            e.push(Edit::Due(d));
        }
        if let Some(c) = input.contact {
            e.push(Edit::Contact(if is_none(&c) { None } else { Some(self.resolve_contact(&c)?) }));
        }
        if let Some(d) = input.deal {
            e.push(Edit::Deal(if is_none(&d) { None } else { Some(self.resolve_deal(&d)?) }));
        }
        if let Some(p) = non_empty(input.priority) {
            e.push(Edit::Priority(Priority::parse(&p).map_err(|m| field_error("priority", invalid(m)))?));
        }
        if let Some(r) = input.repeat {
            let anchor = due.map(|d| agenda::due_day(d, &chrono::Local)).unwrap_or_else(|| self.today());
            e.push(Edit::Recurrence(Recurrence::parse(&r, anchor).map_err(|m| field_error("repeat", invalid(m)))?));
        }
        if let Some(a) = non_empty(input.assignee) {
            e.push(Edit::Owner(a));
        }
        if let Some(n) = input.notes {
            e.push(Edit::Notes(n));
        }
        if let Some(h) = input.hidden_until {
            let at = if is_none(&h) {
                None
            } else {
                Some(self.parse_instant(&h).map_err(|m| field_error("hidden until", m))?)
            };
            e.push(Edit::HiddenUntil(at));
        }
        Ok(vec![match target {
            Some(id) => Change::Edit { target: Ref::Task(id), edits: e },
            None => {
                let due = due.unwrap_or(Due::Day(Day(self.today())));
                let base =
                    Task { id: TaskId::placeholder(0), title: input.title.unwrap_or_default(), due, ..Task::default() };
                Change::Create(with_edits(Record::Task(base), &e)?)
            }
        }])
    }

    pub fn activity_changes(&self, input: ActivityInput) -> Result<Vec<Change>> {
        let kind = ActivityKind::parse(&input.kind).map_err(|m| field_error("kind", invalid(m)))?;
        let contact = self.resolve_contact(&input.contact)?;
        let company = match self.store().get(&Ref::Contact(contact))? {
            Some(Record::Contact(c)) => c.company,
            _ => None,
        };
        let at = match non_empty(input.at) {
            Some(t) => self.parse_instant(&t).map_err(|m| field_error("time", m))?,
            None => self.now(),
        };
        let deal = match non_empty(input.deal) {
            Some(d) => Some(self.resolve_deal(&d)?),
            None => None,
        };
        let duration_min = match non_empty(input.duration) {
            Some(d) => Some(self.parse_minutes(&d).map_err(|m| field_error("duration", m))?),
            None => None,
        };
        Ok(vec![Change::Create(Record::Activity(Activity {
            id: ActivityId::placeholder(0),
            kind,
            at,
            contact: Some(contact),
            company,
            deal,
            summary: input.summary,
            body: input.body.unwrap_or_default(),
            outcome: input.outcome.unwrap_or_default(),
            duration_min,
            ..Activity::default()
        }))])
    }
}

/// Turns an input error into a validation error of `field`, so that forms can show it there.
fn field_error(field: &str, e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid(m) => ServiceError::Store(crate::store::StoreError::validation(field, m)),
        other => other,
    }
}
