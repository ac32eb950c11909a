//! `Change`: the only way anything in the database changes. A batch of changes is applied
//! in one transaction with one journal entry; each change describes itself for the audit log.

use super::entities::*;
use super::ids::*;
use super::money::Money;
use super::recurrence::Recurrence;
use super::time::{Day, Timestamp};
use serde::{Deserialize, Serialize};

/// A domain-level mutation.
// Creates carry the whole record; batches are short-lived, so boxing it would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// Create a record. Its id may be a placeholder (see `ids::PLACEHOLDER_BASE`) that later
    /// changes of the same batch refer to.
    Create(Record),
    /// Change fields of a record.
    Edit { target: Ref, edits: Vec<Edit> },
    /// Move a deal to another stage; the stage history records it. `reason` is kept for won/lost.
    MoveDeal { deal: DealId, stage: String, reason: String },
    /// Mark a task done. `next` is when a repeating task's next occurrence falls due: the
    /// caller computes it (in the user's time zone) so that replaying the journal anywhere
    /// gives the same result.
    CompleteTask { task: TaskId, next: Option<Due> },
    /// Open a done task again.
    ReopenTask { task: TaskId },
    /// Do not remind before `until`.
    SnoozeTask { task: TaskId, until: Timestamp },
    /// Move a record to the trash.
    Trash { target: Ref },
    /// Take a record back out of the trash.
    Restore { target: Ref },
}

/// One field-level edit. Not every edit applies to every kind of record; applying one that
/// does not is a validation error that names the field and the record kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Edit {
    /// Contact or company name, deal or task title, activity summary, user display name.
    Name(String),
    /// A contact's job title.
    JobTitle(String),
    Company(Option<CompanyId>),
    Contact(Option<ContactId>),
    Deal(Option<DealId>),
    AddEmail(Labeled),
    RemoveEmail(String),
    AddPhone(Labeled),
    RemovePhone(String),
    Address(Address),
    AddTag(String),
    RemoveTag(String),
    SetField(String, String),
    RemoveField(String),
    Notes(String),
    /// Owner of a contact/company/deal, assignee of a task.
    Owner(String),
    Cadence(Option<u32>),
    Website(String),
    Industry(String),
    Value(Money),
    Probability(Option<u8>),
    Close(Option<Day>),
    Due(Due),
    Priority(Priority),
    Recurrence(Recurrence),
    HiddenUntil(Option<Timestamp>),
    Body(String),
    At(Timestamp),
    Kind(ActivityKind),
    Outcome(String),
    Duration(Option<u32>),
    Role(Role),
    Disabled(bool),
    /// A user's manager (a login).
    Manager(Option<String>),
    /// A user's token: a new one, revoked, or none.
    Token(Option<super::token::TokenHash>),
}

impl Edit {
    /// The field this edit sets, as people name it.
    pub fn field(&self) -> &'static str {
        match self {
            Edit::Name(_) => "name",
            Edit::JobTitle(_) => "title",
            Edit::Company(_) => "company",
            Edit::Contact(_) => "contact",
            Edit::Deal(_) => "deal",
            Edit::AddEmail(_) | Edit::RemoveEmail(_) => "email",
            Edit::AddPhone(_) | Edit::RemovePhone(_) => "phone",
            Edit::Address(_) => "address",
            Edit::AddTag(_) | Edit::RemoveTag(_) => "tags",
            Edit::SetField(..) | Edit::RemoveField(_) => "custom field",
            Edit::Notes(_) => "notes",
            Edit::Owner(_) => "owner",
            Edit::Cadence(_) => "cadence",
            Edit::Website(_) => "website",
            Edit::Industry(_) => "industry",
            Edit::Value(_) => "value",
            Edit::Probability(_) => "probability",
            Edit::Close(_) => "close date",
            Edit::Due(_) => "due",
            Edit::Priority(_) => "priority",
            Edit::Recurrence(_) => "repeat",
            Edit::HiddenUntil(_) => "hidden until",
            Edit::Body(_) => "body",
            Edit::At(_) => "time",
            Edit::Kind(_) => "kind",
            Edit::Outcome(_) => "outcome",
            Edit::Duration(_) => "duration",
            Edit::Role(_) => "role",
            Edit::Disabled(_) => "disabled",
            Edit::Manager(_) => "manager",
            Edit::Token(_) => "token",
        }
    }

    /// A one-line description for the audit log.
    pub fn describe(&self) -> String {
        fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
            v.as_ref().map(|x| x.to_string()).unwrap_or_else(|| "none".into())
        }
        match self {
            Edit::Name(v)
            | Edit::JobTitle(v)
            | Edit::Website(v)
            | Edit::Industry(v)
            | Edit::Outcome(v)
            | Edit::Owner(v) => {
                format!("{} = {v:?}", self.field())
            }
            Edit::Notes(_) | Edit::Body(_) => format!("{} edited", self.field()),
            Edit::Company(v) => format!("company = {}", opt(v)),
            Edit::Contact(v) => format!("contact = {}", opt(v)),
            Edit::Deal(v) => format!("deal = {}", opt(v)),
            Edit::AddEmail(l) => format!("email + {l}"),
            Edit::RemoveEmail(v) => format!("email − {v}"),
            Edit::AddPhone(l) => format!("phone + {l}"),
            Edit::RemovePhone(v) => format!("phone − {v}"),
            Edit::Address(a) => format!("address = {a:?}", a = a.to_string()),
            Edit::AddTag(t) => format!("tag + {t}"),
            Edit::RemoveTag(t) => format!("tag − {t}"),
            Edit::SetField(k, v) => format!("{k} = {v:?}"),
            Edit::RemoveField(k) => format!("{k} removed"),
            Edit::Cadence(v) => {
                format!("cadence = {}", v.map(|d| format!("every {d} days")).unwrap_or_else(|| "none".into()))
            }
            Edit::Value(m) => format!("value = {m}"),
            Edit::Probability(p) => {
                format!("probability = {}", p.map(|p| format!("{p}%")).unwrap_or_else(|| "stage default".into()))
            }
            Edit::Close(d) => format!("close date = {}", opt(d)),
            Edit::Due(Due::Day(d)) => format!("due = {d}"),
            Edit::Due(Due::At(t)) => format!("due = {t}"),
            Edit::Priority(p) => format!("priority = {p}"),
            Edit::Recurrence(r) => format!("repeat = {r}"),
            Edit::HiddenUntil(t) => format!("hidden until = {}", opt(t)),
            Edit::At(t) => format!("time = {t}"),
            Edit::Kind(k) => format!("kind = {k}"),
            Edit::Duration(d) => {
                format!("duration = {}", d.map(|m| format!("{m} min")).unwrap_or_else(|| "none".into()))
            }
            Edit::Role(r) => format!("role = {r}"),
            Edit::Disabled(b) => format!("disabled = {b}"),
            Edit::Manager(m) => format!("manager = {}", opt(m)),
            // Never the hash: the audit log says what happened to the token.
            Edit::Token(None) => "token removed".into(),
            Edit::Token(Some(t)) if t.revoked.is_some() => "token revoked".into(),
            Edit::Token(Some(_)) => "new token issued".into(),
        }
    }

    /// Applies the edit to a record, or says why it does not fit it.
    pub fn apply_to(&self, record: &mut Record) -> Result<(), String> {
        fn add_unique(list: &mut Vec<Labeled>, l: &Labeled) {
            if !list.iter().any(|x| x.value.eq_ignore_ascii_case(&l.value)) {
                list.push(l.clone());
            }
        }
        fn remove_value(list: &mut Vec<Labeled>, v: &str, what: &str) -> Result<(), String> {
            let before = list.len();
            list.retain(|x| !x.value.eq_ignore_ascii_case(v.trim()));
            if list.len() == before {
                Err(format!("there is no {what} {v:?} to remove"))
            } else {
                Ok(())
            }
        }
        fn add_tag(tags: &mut Vec<String>, t: &str) {
            let t = t.trim().trim_start_matches('#').to_lowercase();
            if !t.is_empty() && !tags.contains(&t) {
                tags.push(t);
                tags.sort();
            }
        }
        fn remove_tag(tags: &mut Vec<String>, t: &str) -> Result<(), String> {
            let t = t.trim().trim_start_matches('#').to_lowercase();
            let before = tags.len();
            tags.retain(|x| *x != t);
            if tags.len() == before {
                Err(format!("there is no tag {t:?} to remove"))
            } else {
                Ok(())
            }
        }
        let kind = record.kind();
        let misfit = || format!("a {kind} has no {} to set", self.field());
        match (self, record) {
            (Edit::Name(v), Record::Contact(r)) => r.name = v.clone(),
            (Edit::Name(v), Record::Company(r)) => r.name = v.clone(),
            (Edit::Name(v), Record::Deal(r)) => r.title = v.clone(),
            (Edit::Name(v), Record::Task(r)) => r.title = v.clone(),
            (Edit::Name(v), Record::Activity(r)) => r.summary = v.clone(),
            (Edit::Name(v), Record::User(r)) => r.name = v.clone(),
            (Edit::JobTitle(v), Record::Contact(r)) => r.title = v.clone(),
            (Edit::Company(v), Record::Contact(r)) => r.company = *v,
            (Edit::Company(v), Record::Deal(r)) => r.company = *v,
            (Edit::Company(v), Record::Activity(r)) => r.company = *v,
            (Edit::Contact(v), Record::Deal(r)) => r.contact = *v,
            (Edit::Contact(v), Record::Activity(r)) => r.contact = *v,
            (Edit::Contact(v), Record::Task(r)) => r.contact = *v,
            (Edit::Deal(v), Record::Activity(r)) => r.deal = *v,
            (Edit::Deal(v), Record::Task(r)) => r.deal = *v,
            (Edit::AddEmail(l), Record::Contact(r)) => add_unique(&mut r.emails, l),
            (Edit::RemoveEmail(v), Record::Contact(r)) => remove_value(&mut r.emails, v, "email")?,
            (Edit::AddPhone(l), Record::Contact(r)) => add_unique(&mut r.phones, l),
            (Edit::RemovePhone(v), Record::Contact(r)) => remove_value(&mut r.phones, v, "phone")?,
            (Edit::Address(a), Record::Contact(r)) => r.address = a.clone(),
            (Edit::Address(a), Record::Company(r)) => r.address = a.clone(),
            (Edit::AddTag(t), Record::Contact(r)) => add_tag(&mut r.tags, t),
            (Edit::AddTag(t), Record::Company(r)) => add_tag(&mut r.tags, t),
            (Edit::RemoveTag(t), Record::Contact(r)) => remove_tag(&mut r.tags, t)?,
            (Edit::RemoveTag(t), Record::Company(r)) => remove_tag(&mut r.tags, t)?,
            (Edit::SetField(k, v), Record::Contact(r)) => {
                r.fields.insert(k.trim().to_string(), v.clone());
            }
            (Edit::SetField(k, v), Record::Company(r)) => {
                r.fields.insert(k.trim().to_string(), v.clone());
            }
            (Edit::RemoveField(k), Record::Contact(r)) => {
                r.fields.remove(k.trim()).ok_or_else(|| format!("there is no field {k:?} to remove"))?;
            }
            (Edit::RemoveField(k), Record::Company(r)) => {
                r.fields.remove(k.trim()).ok_or_else(|| format!("there is no field {k:?} to remove"))?;
            }
            (Edit::Notes(v), Record::Contact(r)) => r.notes = v.clone(),
            (Edit::Notes(v), Record::Company(r)) => r.notes = v.clone(),
            (Edit::Notes(v), Record::Deal(r)) => r.notes = v.clone(),
            (Edit::Notes(v), Record::Task(r)) => r.notes = v.clone(),
            (Edit::Owner(v), Record::Contact(r)) => r.owner = v.clone(),
            (Edit::Owner(v), Record::Company(r)) => r.owner = v.clone(),
            (Edit::Owner(v), Record::Deal(r)) => r.owner = v.clone(),
            (Edit::Owner(v), Record::Task(r)) => r.assignee = v.clone(),
            (Edit::Owner(v), Record::Activity(r)) => r.author = v.clone(),
            (Edit::Cadence(v), Record::Contact(r)) => r.cadence_days = *v,
            (Edit::Website(v), Record::Company(r)) => r.website = v.clone(),
            (Edit::Industry(v), Record::Company(r)) => r.industry = v.clone(),
            (Edit::Value(v), Record::Deal(r)) => r.value = *v,
            (Edit::Probability(v), Record::Deal(r)) => r.probability = *v,
            (Edit::Close(v), Record::Deal(r)) => r.close = *v,
            (Edit::Due(v), Record::Task(r)) => r.due = *v,
            (Edit::Priority(v), Record::Task(r)) => r.priority = *v,
            (Edit::Recurrence(v), Record::Task(r)) => r.recurrence = *v,
            (Edit::HiddenUntil(v), Record::Task(r)) => r.hidden_until = *v,
            (Edit::Body(v), Record::Activity(r)) => r.body = v.clone(),
            (Edit::At(v), Record::Activity(r)) => r.at = *v,
            (Edit::Kind(v), Record::Activity(r)) => r.kind = *v,
            (Edit::Outcome(v), Record::Activity(r)) => r.outcome = v.clone(),
            (Edit::Duration(v), Record::Activity(r)) => r.duration_min = *v,
            (Edit::Role(v), Record::User(r)) => r.role = *v,
            (Edit::Disabled(v), Record::User(r)) => r.disabled = *v,
            (Edit::Manager(v), Record::User(r)) => r.manager = v.clone(),
            (Edit::Token(v), Record::User(r)) => r.token = v.clone(),
            _ => return Err(misfit()),
        }
        Ok(())
    }
}

impl Change {
    /// The record a change is about (for creates: the record as given, maybe a placeholder).
    pub fn target(&self) -> Ref {
        match self {
            Change::Create(r) => r.reference(),
            Change::Edit { target, .. } | Change::Trash { target } | Change::Restore { target } => target.clone(),
            Change::MoveDeal { deal, .. } => Ref::Deal(*deal),
            Change::CompleteTask { task, .. } | Change::ReopenTask { task } | Change::SnoozeTask { task, .. } => {
                Ref::Task(*task)
            }
        }
    }

    /// A one-line description for the audit log and history.
    pub fn describe(&self) -> String {
        match self {
            Change::Create(r) => format!("created {} {:?}", r.kind(), r.label()),
            Change::Edit { edits, .. } => edits.iter().map(Edit::describe).collect::<Vec<_>>().join("; "),
            Change::MoveDeal { stage, reason, .. } if reason.is_empty() => format!("moved to {stage}"),
            Change::MoveDeal { stage, reason, .. } => format!("moved to {stage} ({reason})"),
            Change::CompleteTask { next: None, .. } => "done".into(),
            Change::CompleteTask { next: Some(Due::Day(d)), .. } => format!("done; next on {d}"),
            Change::CompleteTask { next: Some(Due::At(t)), .. } => format!("done; next at {t}"),
            Change::ReopenTask { .. } => "reopened".into(),
            Change::SnoozeTask { until, .. } => format!("snoozed until {until}"),
            Change::Trash { .. } => "moved to the trash".into(),
            Change::Restore { .. } => "restored from the trash".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_to_the_right_kinds_only() {
        let mut c = Record::Contact(Contact { name: "Ann".into(), ..Contact::default() });
        Edit::AddTag("#VIP".into()).apply_to(&mut c).unwrap();
        Edit::AddTag("vip".into()).apply_to(&mut c).unwrap();
        Edit::AddEmail(Labeled::parse("ann@x.io", "work")).apply_to(&mut c).unwrap();
        let Record::Contact(ref inner) = c else { panic!("kind changed") };
        assert_eq!(inner.tags, vec!["vip".to_string()]);
        assert_eq!(inner.emails.len(), 1);
        let err = Edit::Value(Money::default()).apply_to(&mut c).unwrap_err();
        assert_eq!(err, "a contact has no value to set");
        let err = Edit::RemoveTag("nope".into()).apply_to(&mut c).unwrap_err();
        assert!(err.contains("no tag \"nope\""), "{err}");
    }

    #[test]
    fn changes_describe_themselves() {
        let ch = Change::MoveDeal { deal: DealId(7), stage: "won".into(), reason: "best price".into() };
        assert_eq!(ch.describe(), "moved to won (best price)");
        assert_eq!(ch.target(), Ref::Deal(DealId(7)));
        let ch = Change::Edit {
            target: Ref::Contact(ContactId(1)),
            edits: vec![Edit::Name("Bo".into()), Edit::AddTag("x".into())],
        };
        assert_eq!(ch.describe(), "name = \"Bo\"; tag + x");
    }
}
