//! The records of the CRM. Every record has an owner (or an author / assignee), creation
//! and update times, and a `deleted` mark when it sits in the trash.

use super::ids::*;
use super::money::Money;
use super::recurrence::Recurrence;
use super::time::{Day, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// An email address or phone number with its label (`work`, `home`, `mobile`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Labeled {
    pub label: String,
    pub value: String,
}

impl Labeled {
    /// Parses `label:value` or a bare value (label `default_label`).
    pub fn parse(text: &str, default_label: &str) -> Labeled {
        match text.split_once(':') {
            Some((l, v)) if !l.trim().is_empty() && !l.contains('@') && !l.contains(' ') && l.len() <= 16 => {
                Labeled { label: l.trim().to_lowercase(), value: v.trim().to_string() }
            }
            _ => Labeled { label: default_label.into(), value: text.trim().to_string() },
        }
    }
}

impl fmt::Display for Labeled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.label, self.value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Address {
    pub street: String,
    pub city: String,
    pub region: String,
    pub postcode: String,
    pub country: String,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        [&self.street, &self.city, &self.region, &self.postcode, &self.country].iter().all(|s| s.is_empty())
    }

    /// Parses "street, postcode city, country"-style text loosely: the last part is the
    /// country when there are three or more parts, the one before the city.
    pub fn parse(text: &str) -> Address {
        let parts: Vec<&str> = text.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        let mut a = Address::default();
        match parts.as_slice() {
            [] => {}
            [city] => a.city = city.to_string(),
            [street, city] => {
                a.street = street.to_string();
                a.city = city.to_string();
            }
            [street @ .., city, country] => {
                a.street = street.join(", ");
                a.city = city.to_string();
                a.country = country.to_string();
            }
        }
        // "75001 Paris" → postcode + city
        if let Some((first, rest)) = a.city.split_once(' ') {
            if first.chars().any(|c| c.is_ascii_digit()) && !rest.is_empty() {
                a.postcode = first.to_string();
                a.city = rest.to_string();
            }
        }
        a
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let city = [self.postcode.as_str(), self.city.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let parts: Vec<&str> = [self.street.as_str(), city.as_str(), self.region.as_str(), self.country.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        f.write_str(&parts.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Contact {
    pub id: ContactId,
    pub name: String,
    /// Job title.
    pub title: String,
    pub company: Option<CompanyId>,
    pub emails: Vec<Labeled>,
    pub phones: Vec<Labeled>,
    pub address: Address,
    pub tags: Vec<String>,
    pub fields: BTreeMap<String, String>,
    pub notes: String,
    pub owner: String,
    /// Follow up every N days after the last call or meeting.
    pub cadence_days: Option<u32>,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub deleted: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    /// Website or mail domain (`acme.com`).
    pub website: String,
    pub industry: String,
    pub address: Address,
    pub tags: Vec<String>,
    pub fields: BTreeMap<String, String>,
    pub notes: String,
    pub owner: String,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub deleted: Option<Timestamp>,
}

/// One step of a deal's way through the pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageEntry {
    pub stage: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Deal {
    pub id: DealId,
    pub title: String,
    pub company: Option<CompanyId>,
    pub contact: Option<ContactId>,
    pub value: Money,
    /// Key of the pipeline stage.
    pub stage: String,
    /// Overrides the stage's default probability (percent).
    pub probability: Option<u8>,
    pub close: Option<Day>,
    pub owner: String,
    /// Every stage the deal entered, oldest first; the last entry is the current stage.
    pub history: Vec<StageEntry>,
    /// Why it was won or lost.
    pub reason: String,
    pub notes: String,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub deleted: Option<Timestamp>,
}

impl Deal {
    /// When the deal entered its current stage.
    pub fn stage_since(&self) -> Timestamp {
        self.history.last().map(|e| e.at).unwrap_or(self.created)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ActivityKind {
    #[default]
    Call,
    Meeting,
    Email,
    Note,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 4] =
        [ActivityKind::Call, ActivityKind::Meeting, ActivityKind::Email, ActivityKind::Note];

    pub fn name(self) -> &'static str {
        match self {
            ActivityKind::Call => "call",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Email => "email",
            ActivityKind::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Result<ActivityKind, String> {
        let t = text.trim().to_lowercase();
        ActivityKind::ALL
            .into_iter()
            .find(|k| k.name() == t)
            .ok_or_else(|| format!("\"{}\" is not an activity kind (call, meeting, email, note)", text.trim()))
    }
}

impl fmt::Display for ActivityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Activity {
    pub id: ActivityId,
    pub kind: ActivityKind,
    /// When it happened.
    pub at: Timestamp,
    pub contact: Option<ContactId>,
    pub company: Option<CompanyId>,
    pub deal: Option<DealId>,
    pub summary: String,
    pub body: String,
    pub author: String,
    /// For calls: reached, voicemail, no answer, …
    pub outcome: String,
    pub duration_min: Option<u32>,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub deleted: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

    pub fn name(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(text: &str) -> Result<Priority, String> {
        let t = text.trim().to_lowercase();
        Priority::ALL
            .into_iter()
            .find(|p| p.name() == t || (t.len() == 1 && p.name().starts_with(&t)))
            .ok_or_else(|| format!("\"{}\" is not a priority (low, normal, high, urgent)", text.trim()))
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// When a task is due: a whole day, or a precise instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Due {
    Day(Day),
    At(Timestamp),
}

impl Due {
    /// The instant it falls due, for ordering: a whole day counts from its start (UTC).
    pub fn ms(self) -> i64 {
        match self {
            Due::At(ts) => ts.0,
            Due::Day(d) => d.0.and_hms_opt(0, 0, 0).map(|dt| dt.and_utc().timestamp_millis()).unwrap_or(0),
        }
    }

    /// When a task due then and snoozed until `snoozed` next needs attention: the later one.
    pub fn attention_ms(self, snoozed: Option<Timestamp>) -> i64 {
        snoozed.map_or(self.ms(), |s| s.0.max(self.ms()))
    }
}

/// Stored as a tagged pair; in JSON as `"2026-12-01"` (a day) or an RFC 3339 instant.
impl Serialize for Due {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            match self {
                Due::Day(d) => d.serialize(s),
                Due::At(t) => t.serialize(s),
            }
        } else {
            match self {
                Due::Day(d) => (0u8, d.number() as i64).serialize(s),
                Due::At(t) => (1u8, t.0).serialize(s),
            }
        }
    }
}

impl<'de> Deserialize<'de> for Due {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            if text.len() == 10 {
                chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").map(|x| Due::Day(Day(x))).map_err(D::Error::custom)
            } else {
                chrono::DateTime::parse_from_rfc3339(&text)
                    .map(|x| Due::At(Timestamp::from_datetime(&x)))
                    .map_err(D::Error::custom)
            }
        } else {
            let (tag, n) = <(u8, i64)>::deserialize(d)?;
            match tag {
                0 => i32::try_from(n)
                    .ok()
                    .and_then(Day::from_number)
                    .map(Due::Day)
                    .ok_or_else(|| D::Error::custom("bad day")),
                1 => Ok(Due::At(Timestamp(n))),
                _ => Err(D::Error::custom("bad due tag")),
            }
        }
    }
}

impl Default for Due {
    fn default() -> Self {
        Due::At(Timestamp(0))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Task {
    pub id: TaskId,
    pub title: String,
    pub due: Due,
    pub contact: Option<ContactId>,
    pub deal: Option<DealId>,
    pub assignee: String,
    pub priority: Priority,
    pub recurrence: Recurrence,
    /// When it was done; None while open.
    pub done: Option<Timestamp>,
    /// Do not remind before this instant.
    pub snoozed_until: Option<Timestamp>,
    /// Not actionable (and not listed) before this instant.
    pub hidden_until: Option<Timestamp>,
    pub notes: String,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub deleted: Option<Timestamp>,
}

impl Task {
    pub fn is_open(&self) -> bool {
        self.done.is_none() && self.deleted.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    #[default]
    Rep,
}

impl Role {
    pub fn parse(text: &str) -> Result<Role, String> {
        match text.trim().to_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            "rep" => Ok(Role::Rep),
            other => Err(format!("\"{other}\" is not a role (admin, manager, rep)")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Rep => "rep",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct User {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub deleted: Option<Timestamp>,
    /// The login of the user's manager (user record version 2).
    #[serde(default)]
    pub manager: Option<String>,
    /// The user's personal token, hashed (user record version 2).
    #[serde(default)]
    pub token: Option<super::token::TokenHash>,
}

/// Any record, as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    Contact(Contact),
    Company(Company),
    Deal(Deal),
    Activity(Activity),
    Task(Task),
    User(User),
}

impl Record {
    pub fn kind(&self) -> EntityKind {
        match self {
            Record::Contact(_) => EntityKind::Contact,
            Record::Company(_) => EntityKind::Company,
            Record::Deal(_) => EntityKind::Deal,
            Record::Activity(_) => EntityKind::Activity,
            Record::Task(_) => EntityKind::Task,
            Record::User(_) => EntityKind::User,
        }
    }

    pub fn reference(&self) -> Ref {
        match self {
            Record::Contact(r) => Ref::Contact(r.id),
            Record::Company(r) => Ref::Company(r.id),
            Record::Deal(r) => Ref::Deal(r.id),
            Record::Activity(r) => Ref::Activity(r.id),
            Record::Task(r) => Ref::Task(r.id),
            Record::User(r) => Ref::User(r.login.clone()),
        }
    }

    /// A short label for people: the name or title.
    pub fn label(&self) -> &str {
        match self {
            Record::Contact(r) => &r.name,
            Record::Company(r) => &r.name,
            Record::Deal(r) => &r.title,
            Record::Activity(r) => &r.summary,
            Record::Task(r) => &r.title,
            Record::User(r) => &r.login,
        }
    }

    /// Whose a record is: the owner of a contact, company or deal, the assignee of a task, the
    /// author of an activity.
    pub fn owner(&self) -> Option<&str> {
        match self {
            Record::Contact(c) => Some(&c.owner),
            Record::Company(c) => Some(&c.owner),
            Record::Deal(d) => Some(&d.owner),
            Record::Task(t) => Some(&t.assignee),
            Record::Activity(a) => Some(&a.author),
            Record::User(_) => None,
        }
    }

    pub fn deleted(&self) -> Option<Timestamp> {
        match self {
            Record::Contact(r) => r.deleted,
            Record::Company(r) => r.deleted,
            Record::Deal(r) => r.deleted,
            Record::Activity(r) => r.deleted,
            Record::Task(r) => r.deleted,
            Record::User(r) => r.deleted,
        }
    }

    pub fn set_deleted(&mut self, at: Option<Timestamp>) {
        match self {
            Record::Contact(r) => r.deleted = at,
            Record::Company(r) => r.deleted = at,
            Record::Deal(r) => r.deleted = at,
            Record::Activity(r) => r.deleted = at,
            Record::Task(r) => r.deleted = at,
            Record::User(r) => r.deleted = at,
        }
    }

    pub fn set_updated(&mut self, at: Timestamp) {
        match self {
            Record::Contact(r) => r.updated = at,
            Record::Company(r) => r.updated = at,
            Record::Deal(r) => r.updated = at,
            Record::Activity(r) => r.updated = at,
            Record::Task(r) => r.updated = at,
            Record::User(r) => r.updated = at,
        }
    }

    /// Fills in what a new record gets from the batch that creates it.
    pub fn stamp_new(&mut self, at: Timestamp, author: &str) {
        fn owner(o: &mut String, author: &str) {
            if o.is_empty() {
                *o = author.to_string();
            }
        }
        match self {
            Record::Contact(r) => {
                owner(&mut r.owner, author);
                r.created = at;
            }
            Record::Company(r) => {
                owner(&mut r.owner, author);
                r.created = at;
            }
            Record::Deal(r) => {
                owner(&mut r.owner, author);
                r.created = at;
                if r.history.is_empty() {
                    r.history.push(StageEntry { stage: r.stage.clone(), at });
                }
            }
            Record::Activity(r) => {
                owner(&mut r.author, author);
                r.created = at;
            }
            Record::Task(r) => {
                owner(&mut r.assignee, author);
                r.created = at;
            }
            Record::User(r) => r.created = at,
        }
        self.set_updated(at);
    }

    /// Swaps every id (own and linked) through `map`: used to turn batch placeholders into
    /// real ids.
    pub fn map_ids(&mut self, map: &mut dyn FnMut(EntityKind, u64) -> u64) {
        fn opt<T: Copy>(
            v: &mut Option<T>,
            kind: EntityKind,
            map: &mut dyn FnMut(EntityKind, u64) -> u64,
            get: fn(T) -> u64,
            make: fn(u64) -> T,
        ) {
            if let Some(x) = v {
                *x = make(map(kind, get(*x)));
            }
        }
        match self {
            Record::Contact(r) => {
                r.id = ContactId(map(EntityKind::Contact, r.id.0));
                opt(&mut r.company, EntityKind::Company, map, |i| i.0, CompanyId);
            }
            Record::Company(r) => r.id = CompanyId(map(EntityKind::Company, r.id.0)),
            Record::Deal(r) => {
                r.id = DealId(map(EntityKind::Deal, r.id.0));
                opt(&mut r.company, EntityKind::Company, map, |i| i.0, CompanyId);
                opt(&mut r.contact, EntityKind::Contact, map, |i| i.0, ContactId);
            }
            Record::Activity(r) => {
                r.id = ActivityId(map(EntityKind::Activity, r.id.0));
                opt(&mut r.company, EntityKind::Company, map, |i| i.0, CompanyId);
                opt(&mut r.contact, EntityKind::Contact, map, |i| i.0, ContactId);
                opt(&mut r.deal, EntityKind::Deal, map, |i| i.0, DealId);
            }
            Record::Task(r) => {
                r.id = TaskId(map(EntityKind::Task, r.id.0));
                opt(&mut r.contact, EntityKind::Contact, map, |i| i.0, ContactId);
                opt(&mut r.deal, EntityKind::Deal, map, |i| i.0, DealId);
            }
            Record::User(_) => {}
        }
    }

    /// The records this one links to.
    pub fn links(&self) -> Vec<Ref> {
        let mut out = Vec::new();
        let (company, contact, deal) = match self {
            Record::Contact(r) => (r.company, None, None),
            Record::Deal(r) => (r.company, r.contact, None),
            Record::Activity(r) => (r.company, r.contact, r.deal),
            Record::Task(r) => (None, r.contact, r.deal),
            Record::Company(_) | Record::User(_) => (None, None, None),
        };
        out.extend(company.map(Ref::Company));
        out.extend(contact.map(Ref::Contact));
        out.extend(deal.map(Ref::Deal));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labeled_parsing() {
        assert_eq!(Labeled::parse("work:a@b.io", "work"), Labeled { label: "work".into(), value: "a@b.io".into() });
        assert_eq!(Labeled::parse("a@b.io", "work"), Labeled { label: "work".into(), value: "a@b.io".into() });
        assert_eq!(Labeled::parse("Mobile: +33 6 12", "work").label, "mobile");
    }

    #[test]
    fn address_parsing() {
        let a = Address::parse("12 rue de la Paix, 75002 Paris, France");
        assert_eq!(a.street, "12 rue de la Paix");
        assert_eq!(a.postcode, "75002");
        assert_eq!(a.city, "Paris");
        assert_eq!(a.country, "France");
        assert_eq!(a.to_string(), "12 rue de la Paix, 75002 Paris, France");
        assert_eq!(Address::parse("Berlin").city, "Berlin");
    }

    #[test]
    fn placeholders_are_mapped_everywhere() {
        let mut r = Record::Deal(Deal {
            id: DealId::placeholder(0),
            company: Some(CompanyId::placeholder(1)),
            contact: Some(ContactId(5)),
            ..Deal::default()
        });
        r.map_ids(&mut |_, n| if n >= PLACEHOLDER_BASE { n - PLACEHOLDER_BASE + 100 } else { n });
        assert_eq!(r.links(), vec![Ref::Company(CompanyId(101)), Ref::Contact(ContactId(5))]);
        assert_eq!(r.reference(), Ref::Deal(DealId(100)));
    }
}
