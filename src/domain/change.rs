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
    // New variants go at the end: journals hold changes by variant number.
    /// How much each user sees: the whole team's records, or only their own, their team's and
    /// what is shared with them (admins only; see `domain::visibility`).
    SetVisibility(super::visibility::Visibility),
    /// Let `login` see and edit a record they would not see in private visibility.
    Share { target: Ref, login: String },
    /// Take a share back.
    Unshare { target: Ref, login: String },
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
    /// A guard, not a change: the field the inner edit sets still holds the inner edit's value.
    /// An edit made from what someone saw carries one per field it sets (`guarded`), so that a
    /// field another rep changed meanwhile is a conflict instead of being silently overwritten.
    Unchanged(Box<Edit>),
}

/// The same field changed by someone else since the editor saw it (issue: teams, conflicts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldConflict {
    pub target: Ref,
    /// The field as people name it (`name`, `value`, `due`…).
    pub field: String,
    /// What the editor saw when they started.
    pub seen: String,
    /// What the field holds now (someone else's save).
    pub theirs: String,
    /// What the editor wanted to save.
    pub yours: String,
}

impl std::fmt::Display for FieldConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} was changed by someone else while you edited it: it is now {:?} (it was {:?}), yours is {:?}; \
             nothing was saved — choose one and save again",
            self.target, self.field, self.theirs, self.seen, self.yours
        )
    }
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
            Edit::Unchanged(e) => e.field(),
        }
    }

    /// The value this edit sets, as people read it (single-valued fields; list edits give the
    /// item added or removed).
    pub fn value_text(&self) -> String {
        fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
            v.as_ref().map(|x| x.to_string()).unwrap_or_else(|| "none".into())
        }
        match self {
            Edit::Name(v)
            | Edit::JobTitle(v)
            | Edit::Website(v)
            | Edit::Industry(v)
            | Edit::Outcome(v)
            | Edit::Owner(v)
            | Edit::Notes(v)
            | Edit::Body(v)
            | Edit::RemoveEmail(v)
            | Edit::RemovePhone(v)
            | Edit::AddTag(v)
            | Edit::RemoveTag(v)
            | Edit::RemoveField(v) => v.clone(),
            Edit::SetField(_, v) => v.clone(),
            Edit::Company(v) => opt(v),
            Edit::Contact(v) => opt(v),
            Edit::Deal(v) => opt(v),
            Edit::AddEmail(l) | Edit::AddPhone(l) => l.to_string(),
            Edit::Address(a) => a.to_string(),
            Edit::Cadence(v) => v.map(|d| format!("every {d} days")).unwrap_or_else(|| "none".into()),
            Edit::Value(m) => m.to_string(),
            Edit::Probability(p) => p.map(|p| format!("{p}%")).unwrap_or_else(|| "stage default".into()),
            Edit::Close(d) => opt(d),
            Edit::Due(Due::Day(d)) => d.to_string(),
            Edit::Due(Due::At(t)) => t.to_string(),
            Edit::Priority(p) => p.to_string(),
            Edit::Recurrence(r) => r.to_string(),
            Edit::HiddenUntil(t) => opt(t),
            Edit::At(t) => t.to_string(),
            Edit::Kind(k) => k.to_string(),
            Edit::Duration(d) => d.map(|m| format!("{m} min")).unwrap_or_else(|| "none".into()),
            Edit::Role(r) => r.to_string(),
            Edit::Disabled(b) => b.to_string(),
            Edit::Manager(m) => opt(m),
            Edit::Token(_) => "(token)".into(),
            Edit::Unchanged(e) => e.value_text(),
        }
    }

    /// The edit that sets this edit's field to the value it has in `record`: None for list
    /// edits (emails, phones, tags: additions and removals by two reps both apply), for tokens,
    /// and for fields the record does not have.
    pub fn current_in(&self, record: &Record) -> Option<Edit> {
        Some(match (self, record) {
            (Edit::Name(_), Record::Contact(r)) => Edit::Name(r.name.clone()),
            (Edit::Name(_), Record::Company(r)) => Edit::Name(r.name.clone()),
            (Edit::Name(_), Record::Deal(r)) => Edit::Name(r.title.clone()),
            (Edit::Name(_), Record::Task(r)) => Edit::Name(r.title.clone()),
            (Edit::Name(_), Record::Activity(r)) => Edit::Name(r.summary.clone()),
            (Edit::Name(_), Record::User(r)) => Edit::Name(r.name.clone()),
            (Edit::JobTitle(_), Record::Contact(r)) => Edit::JobTitle(r.title.clone()),
            (Edit::Company(_), Record::Contact(r)) => Edit::Company(r.company),
            (Edit::Company(_), Record::Deal(r)) => Edit::Company(r.company),
            (Edit::Company(_), Record::Activity(r)) => Edit::Company(r.company),
            (Edit::Contact(_), Record::Deal(r)) => Edit::Contact(r.contact),
            (Edit::Contact(_), Record::Activity(r)) => Edit::Contact(r.contact),
            (Edit::Contact(_), Record::Task(r)) => Edit::Contact(r.contact),
            (Edit::Deal(_), Record::Activity(r)) => Edit::Deal(r.deal),
            (Edit::Deal(_), Record::Task(r)) => Edit::Deal(r.deal),
            (Edit::Address(_), Record::Contact(r)) => Edit::Address(r.address.clone()),
            (Edit::Address(_), Record::Company(r)) => Edit::Address(r.address.clone()),
            (Edit::SetField(k, _), Record::Contact(r)) => {
                Edit::SetField(k.clone(), r.fields.get(k.trim()).cloned().unwrap_or_default())
            }
            (Edit::SetField(k, _), Record::Company(r)) => {
                Edit::SetField(k.clone(), r.fields.get(k.trim()).cloned().unwrap_or_default())
            }
            (Edit::Notes(_), Record::Contact(r)) => Edit::Notes(r.notes.clone()),
            (Edit::Notes(_), Record::Company(r)) => Edit::Notes(r.notes.clone()),
            (Edit::Notes(_), Record::Deal(r)) => Edit::Notes(r.notes.clone()),
            (Edit::Notes(_), Record::Task(r)) => Edit::Notes(r.notes.clone()),
            (Edit::Owner(_), Record::Contact(r)) => Edit::Owner(r.owner.clone()),
            (Edit::Owner(_), Record::Company(r)) => Edit::Owner(r.owner.clone()),
            (Edit::Owner(_), Record::Deal(r)) => Edit::Owner(r.owner.clone()),
            (Edit::Owner(_), Record::Task(r)) => Edit::Owner(r.assignee.clone()),
            (Edit::Owner(_), Record::Activity(r)) => Edit::Owner(r.author.clone()),
            (Edit::Cadence(_), Record::Contact(r)) => Edit::Cadence(r.cadence_days),
            (Edit::Website(_), Record::Company(r)) => Edit::Website(r.website.clone()),
            (Edit::Industry(_), Record::Company(r)) => Edit::Industry(r.industry.clone()),
            (Edit::Value(_), Record::Deal(r)) => Edit::Value(r.value),
            (Edit::Probability(_), Record::Deal(r)) => Edit::Probability(r.probability),
            (Edit::Close(_), Record::Deal(r)) => Edit::Close(r.close),
            (Edit::Due(_), Record::Task(r)) => Edit::Due(r.due),
            (Edit::Priority(_), Record::Task(r)) => Edit::Priority(r.priority),
            (Edit::Recurrence(_), Record::Task(r)) => Edit::Recurrence(r.recurrence),
            (Edit::HiddenUntil(_), Record::Task(r)) => Edit::HiddenUntil(r.hidden_until),
            (Edit::Body(_), Record::Activity(r)) => Edit::Body(r.body.clone()),
            (Edit::At(_), Record::Activity(r)) => Edit::At(r.at),
            (Edit::Kind(_), Record::Activity(r)) => Edit::Kind(r.kind),
            (Edit::Outcome(_), Record::Activity(r)) => Edit::Outcome(r.outcome.clone()),
            (Edit::Duration(_), Record::Activity(r)) => Edit::Duration(r.duration_min),
            (Edit::Role(_), Record::User(r)) => Edit::Role(r.role),
            (Edit::Disabled(_), Record::User(r)) => Edit::Disabled(r.disabled),
            (Edit::Manager(_), Record::User(r)) => Edit::Manager(r.manager.clone()),
            (Edit::Unchanged(e), _) => return e.current_in(record),
            _ => return None,
        })
    }

    /// Whether two edits set the same field (custom fields: the same key).
    pub fn sets_same_field(&self, other: &Edit) -> bool {
        match (self, other) {
            (Edit::SetField(k, _), Edit::SetField(l, _)) => k.trim() == l.trim(),
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }

    /// Whether the edit sets a whole field (rather than adding to or removing from a list).
    pub fn is_single_valued(&self) -> bool {
        !matches!(
            self,
            Edit::AddEmail(_)
                | Edit::RemoveEmail(_)
                | Edit::AddPhone(_)
                | Edit::RemovePhone(_)
                | Edit::AddTag(_)
                | Edit::RemoveTag(_)
                | Edit::RemoveField(_)
                | Edit::Token(_)
                | Edit::Unchanged(_)
        )
    }

    /// Checks a guard (`Unchanged`) against the record as it is now; other edits pass.
    /// `yours` is the edit of the same field the batch makes, for the message.
    pub fn check_guard(&self, record: &Record, yours: Option<&Edit>) -> Result<(), FieldConflict> {
        let Edit::Unchanged(seen) = self else { return Ok(()) };
        let now = seen.current_in(record);
        if now.as_ref() == Some(seen.as_ref()) {
            return Ok(());
        }
        Err(FieldConflict {
            target: record.reference(),
            field: seen.field().to_string(),
            seen: seen.value_text(),
            theirs: now.map(|e| e.value_text()).unwrap_or_default(),
            yours: yours.map(Edit::value_text).unwrap_or_default(),
        })
    }

    /// A one-line description for the audit log.
    pub fn describe(&self) -> String {
        match self {
            // Text people type is quoted.
            Edit::Name(_)
            | Edit::JobTitle(_)
            | Edit::Website(_)
            | Edit::Industry(_)
            | Edit::Outcome(_)
            | Edit::Owner(_)
            | Edit::Address(_) => format!("{} = {:?}", self.field(), self.value_text()),
            Edit::Notes(_) | Edit::Body(_) => format!("{} edited", self.field()),
            Edit::AddEmail(l) => format!("email + {l}"),
            Edit::RemoveEmail(v) => format!("email − {v}"),
            Edit::AddPhone(l) => format!("phone + {l}"),
            Edit::RemovePhone(v) => format!("phone − {v}"),
            Edit::AddTag(t) => format!("tag + {t}"),
            Edit::RemoveTag(t) => format!("tag − {t}"),
            Edit::SetField(k, v) => format!("{k} = {v:?}"),
            Edit::RemoveField(k) => format!("{k} removed"),
            // Never the hash: the audit log says what happened to the token.
            Edit::Token(None) => "token removed".into(),
            Edit::Token(Some(t)) if t.revoked.is_some() => "token revoked".into(),
            Edit::Token(Some(_)) => "new token issued".into(),
            Edit::Unchanged(e) => format!("{} was {:?}", e.field(), e.value_text()),
            // Every other field: ids, amounts, dates, choices, numbers.
            _ => format!("{} = {}", self.field(), self.value_text()),
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
            // Checked by the store (`check_guard`), which can say it is a conflict.
            (Edit::Unchanged(_), _) => {}
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
    /// This change as made in a form that showed `shown` (the same change built from the values
    /// the form opened with): each single-valued field it sets gets a guard that the field still
    /// holds what was shown, so that a field someone else changed meanwhile is a conflict. List
    /// edits (emails, phones, tags) need none: two reps' additions and removals both apply.
    pub fn guarded_by(self, shown: &Change) -> Change {
        let (Change::Edit { target, edits }, Change::Edit { target: was, edits: seen }) = (&self, shown) else {
            return self;
        };
        if target != was {
            return self;
        }
        let mut out = Vec::with_capacity(edits.len() * 2);
        for e in edits {
            if let Some(s) = seen.iter().find(|s| s.is_single_valued() && s.sets_same_field(e) && *s != e) {
                out.push(Edit::Unchanged(Box::new(s.clone())));
            }
            out.push(e.clone());
        }
        Change::Edit { target: target.clone(), edits: out }
    }

    /// The record a change is about (for creates: the record as given, maybe a placeholder);
    /// None for a database setting.
    pub fn target(&self) -> Option<Ref> {
        Some(match self {
            Change::Create(r) => r.reference(),
            Change::Edit { target, .. }
            | Change::Trash { target }
            | Change::Restore { target }
            | Change::Share { target, .. }
            | Change::Unshare { target, .. } => target.clone(),
            Change::MoveDeal { deal, .. } => Ref::Deal(*deal),
            Change::CompleteTask { task, .. } | Change::ReopenTask { task } | Change::SnoozeTask { task, .. } => {
                Ref::Task(*task)
            }
            Change::SetVisibility(_) => return None,
        })
    }

    /// A one-line description for the audit log and history.
    pub fn describe(&self) -> String {
        match self {
            Change::Create(r) => format!("created {} {:?}", r.kind(), r.label()),
            Change::Edit { edits, .. } => edits
                .iter()
                .filter(|e| !matches!(e, Edit::Unchanged(_)))
                .map(Edit::describe)
                .collect::<Vec<_>>()
                .join("; "),
            Change::MoveDeal { stage, reason, .. } if reason.is_empty() => format!("moved to {stage}"),
            Change::MoveDeal { stage, reason, .. } => format!("moved to {stage} ({reason})"),
            Change::CompleteTask { next: None, .. } => "done".into(),
            Change::CompleteTask { next: Some(Due::Day(d)), .. } => format!("done; next on {d}"),
            Change::CompleteTask { next: Some(Due::At(t)), .. } => format!("done; next at {t}"),
            Change::ReopenTask { .. } => "reopened".into(),
            Change::SnoozeTask { until, .. } => format!("snoozed until {until}"),
            Change::Trash { .. } => "moved to the trash".into(),
            Change::Restore { .. } => "restored from the trash".into(),
            Change::SetVisibility(v) => format!("visibility = {v}"),
            Change::Share { login, .. } => format!("shared with {login}"),
            Change::Unshare { login, .. } => format!("no longer shared with {login}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    fn deal(title: &str, cents: i64) -> Record {
        Record::Deal(Deal {
            id: DealId(7),
            title: title.into(),
            value: Money::new(cents, Currency::EUR),
            ..Deal::default()
        })
    }

    #[test]
    fn a_guarded_edit_carries_what_was_shown_of_each_single_valued_field_it_changes() {
        let target = Ref::Deal(DealId(7));
        let eur = |c| Money::new(c, Currency::EUR);
        let typed = Change::Edit {
            target: target.clone(),
            edits: vec![Edit::Value(eur(200_000)), Edit::Name("Fit-out".into()), Edit::AddTag("vip".into())],
        };
        let shown = Change::Edit {
            target: target.clone(),
            edits: vec![Edit::Value(eur(100_000)), Edit::Name("Fit-out".into()), Edit::AddTag("old".into())],
        };
        // The name is saved as it was shown: no guard; tags are a list: no guard.
        assert_eq!(
            typed.guarded_by(&shown),
            Change::Edit {
                target: target.clone(),
                edits: vec![
                    Edit::Unchanged(Box::new(Edit::Value(eur(100_000)))),
                    Edit::Value(eur(200_000)),
                    Edit::Name("Fit-out".into()),
                    Edit::AddTag("vip".into()),
                ],
            }
        );
        // Custom fields are guarded key by key; another record's change is left alone.
        let f = |k: &str, v: &str| Edit::SetField(k.into(), v.into());
        let typed = Change::Edit { target: target.clone(), edits: vec![f("size", "L")] };
        let shown = Change::Edit { target: target.clone(), edits: vec![f("colour", "red"), f("size", "M")] };
        let Change::Edit { edits, .. } = typed.guarded_by(&shown) else { panic!("not an edit") };
        assert_eq!(edits, vec![Edit::Unchanged(Box::new(f("size", "M"))), f("size", "L")]);
        let other = Change::Edit { target: Ref::Deal(DealId(8)), edits: vec![Edit::Name("x".into())] };
        assert_eq!(other.clone().guarded_by(&shown), other);
    }

    #[test]
    fn a_guard_holds_while_the_field_is_as_seen_and_names_both_values_when_not() {
        let guard = Edit::Unchanged(Box::new(Edit::Name("Fit-out".into())));
        let yours = Edit::Name("Fit-out, phase 2".into());
        assert_eq!(guard.check_guard(&deal("Fit-out", 0), Some(&yours)), Ok(()));
        // Another field changed meanwhile: still fine.
        assert_eq!(guard.check_guard(&deal("Fit-out", 500), Some(&yours)), Ok(()));
        let err = guard.check_guard(&deal("Office fit-out", 0), Some(&yours)).unwrap_err();
        assert_eq!(
            err,
            FieldConflict {
                target: Ref::Deal(DealId(7)),
                field: "name".into(),
                seen: "Fit-out".into(),
                theirs: "Office fit-out".into(),
                yours: "Fit-out, phase 2".into(),
            }
        );
        assert!(err.to_string().contains("now \"Office fit-out\""), "{err}");
        // A guard changes nothing and says nothing in the history.
        let mut rec = deal("Fit-out", 0);
        guard.apply_to(&mut rec).unwrap();
        assert_eq!(rec, deal("Fit-out", 0));
        let c = Change::Edit { target: Ref::Deal(DealId(7)), edits: vec![guard, yours] };
        assert_eq!(c.describe(), "name = \"Fit-out, phase 2\"");
    }

    #[test]
    fn descriptions_read_field_equals_value_with_typed_text_quoted() {
        let cases = [
            (Edit::Name("Ann".into()), "name = \"Ann\""),
            (Edit::Company(None), "company = none"),
            (Edit::Company(Some(CompanyId(3))), "company = co3"),
            (Edit::Cadence(Some(7)), "cadence = every 7 days"),
            (Edit::Probability(None), "probability = stage default"),
            (Edit::Duration(Some(30)), "duration = 30 min"),
            (Edit::Value(Money::new(120_000, Currency::EUR)), "value = €1,200"),
            (Edit::SetField("size".into(), "L".into()), "size = \"L\""),
            (Edit::AddTag("vip".into()), "tag + vip"),
            (Edit::Notes("long".into()), "notes edited"),
        ];
        for (edit, text) in cases {
            assert_eq!(edit.describe(), text);
        }
    }

    #[test]
    fn custom_fields_are_the_same_field_only_under_the_same_key() {
        let f = |k: &str, v: &str| Edit::SetField(k.into(), v.into());
        assert!(f("size", "L").sets_same_field(&f(" size", "M")));
        assert!(!f("size", "L").sets_same_field(&f("colour", "L")));
        assert!(Edit::Name("a".into()).sets_same_field(&Edit::Name("b".into())));
        assert!(!Edit::Name("a".into()).sets_same_field(&Edit::JobTitle("a".into())));
        assert!(!Edit::Unchanged(Box::new(Edit::Name("a".into()))).sets_same_field(&Edit::Name("a".into())));
    }

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
        assert_eq!(ch.target(), Some(Ref::Deal(DealId(7))));
        let ch = Change::Share { target: Ref::Contact(ContactId(3)), login: "bob".into() };
        assert_eq!((ch.target(), ch.describe()), (Some(Ref::Contact(ContactId(3))), "shared with bob".to_string()));
        assert_eq!(Change::SetVisibility(super::super::visibility::Visibility::Private).target(), None);
        let ch = Change::Edit {
            target: Ref::Contact(ContactId(1)),
            edits: vec![Edit::Name("Bo".into()), Edit::AddTag("x".into())],
        };
        assert_eq!(ch.describe(), "name = \"Bo\"; tag + x");
    }
}
