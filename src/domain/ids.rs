//! Record ids. Stored as plain integers; shown to people with a type prefix
//! (`c12`, `co3`, `d7`, `a40`, `t30`) so that an id on its own says what it names.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Ids at or above this value are placeholders inside one batch of changes:
/// "the record this batch creates with that placeholder". `apply` swaps them for real ids,
/// so one batch can create a company and a contact that works there.
pub const PLACEHOLDER_BASE: u64 = 1 << 62;

/// The kinds of record the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Contact,
    Company,
    Deal,
    Activity,
    Task,
    User,
}

impl EntityKind {
    pub const ALL: [EntityKind; 6] = [
        EntityKind::Contact,
        EntityKind::Company,
        EntityKind::Deal,
        EntityKind::Activity,
        EntityKind::Task,
        EntityKind::User,
    ];

    /// The prefix used when showing an id of this kind.
    pub fn prefix(self) -> &'static str {
        match self {
            EntityKind::Contact => "c",
            EntityKind::Company => "co",
            EntityKind::Deal => "d",
            EntityKind::Activity => "a",
            EntityKind::Task => "t",
            EntityKind::User => "@",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            EntityKind::Contact => "contact",
            EntityKind::Company => "company",
            EntityKind::Deal => "deal",
            EntityKind::Activity => "activity",
            EntityKind::Task => "task",
            EntityKind::User => "user",
        }
    }

    /// A stable one-byte tag, used in keys of indexes that mix kinds.
    pub fn tag(self) -> u8 {
        match self {
            EntityKind::Contact => 1,
            EntityKind::Company => 2,
            EntityKind::Deal => 3,
            EntityKind::Activity => 4,
            EntityKind::Task => 5,
            EntityKind::User => 6,
        }
    }

    pub fn from_tag(tag: u8) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.tag() == tag)
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a text is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{input}\" is not {expected}")]
pub struct IdParseError {
    pub input: String,
    pub expected: String,
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub u64);

        impl $name {
            pub const KIND: EntityKind = $kind;
            /// The placeholder number `n` of a batch (see [`PLACEHOLDER_BASE`]).
            pub fn placeholder(n: u64) -> Self {
                $name(PLACEHOLDER_BASE + n)
            }
            pub fn is_placeholder(self) -> bool {
                self.0 >= PLACEHOLDER_BASE
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", Self::KIND.prefix(), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            /// Accepts `c12` (the prefix of this kind) or a bare `12`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                let digits = t
                    .strip_prefix(Self::KIND.prefix())
                    .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
                    .unwrap_or(t);
                digits.parse::<u64>().map($name).map_err(|_| IdParseError {
                    input: s.to_string(),
                    expected: format!("a {} id like {}12", Self::KIND.name(), Self::KIND.prefix()),
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.collect_str(self)
                } else {
                    s.serialize_u64(self.0)
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let s = String::deserialize(d)?;
                    s.parse().map_err(serde::de::Error::custom)
                } else {
                    u64::deserialize(d).map($name)
                }
            }
        }
    };
}

id_type!(
    /// A person at a customer.
    ContactId,
    EntityKind::Contact
);
id_type!(
    /// A customer organisation.
    CompanyId,
    EntityKind::Company
);
id_type!(
    /// An opportunity on the pipeline.
    DealId,
    EntityKind::Deal
);
id_type!(
    /// A logged call, meeting, email or note.
    ActivityId,
    EntityKind::Activity
);
id_type!(
    /// A reminder / to-do.
    TaskId,
    EntityKind::Task
);

/// A reference to any record, as typed by people (`c12`, `co3`, `d7`, `a4`, `t30`, `@anna`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref {
    Contact(ContactId),
    Company(CompanyId),
    Deal(DealId),
    Activity(ActivityId),
    Task(TaskId),
    User(String),
}

impl Ref {
    pub fn kind(&self) -> EntityKind {
        match self {
            Ref::Contact(_) => EntityKind::Contact,
            Ref::Company(_) => EntityKind::Company,
            Ref::Deal(_) => EntityKind::Deal,
            Ref::Activity(_) => EntityKind::Activity,
            Ref::Task(_) => EntityKind::Task,
            Ref::User(_) => EntityKind::User,
        }
    }

    /// The numeric id, for every kind but users.
    pub fn number(&self) -> Option<u64> {
        match self {
            Ref::Contact(i) => Some(i.0),
            Ref::Company(i) => Some(i.0),
            Ref::Deal(i) => Some(i.0),
            Ref::Activity(i) => Some(i.0),
            Ref::Task(i) => Some(i.0),
            Ref::User(_) => None,
        }
    }

    /// Builds a reference from a kind and a numeric id (not for users).
    pub fn from_number(kind: EntityKind, n: u64) -> Option<Ref> {
        Some(match kind {
            EntityKind::Contact => Ref::Contact(ContactId(n)),
            EntityKind::Company => Ref::Company(CompanyId(n)),
            EntityKind::Deal => Ref::Deal(DealId(n)),
            EntityKind::Activity => Ref::Activity(ActivityId(n)),
            EntityKind::Task => Ref::Task(TaskId(n)),
            EntityKind::User => return None,
        })
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Contact(i) => i.fmt(f),
            Ref::Company(i) => i.fmt(f),
            Ref::Deal(i) => i.fmt(f),
            Ref::Activity(i) => i.fmt(f),
            Ref::Task(i) => i.fmt(f),
            Ref::User(login) => write!(f, "@{login}"),
        }
    }
}

impl FromStr for Ref {
    type Err = IdParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let err = || IdParseError {
            input: s.to_string(),
            expected: "a record id like c12 (contact), co3 (company), d7 (deal), a4 (activity), t30 (task) or @login"
                .into(),
        };
        if let Some(login) = t.strip_prefix('@') {
            return if login.is_empty() { Err(err()) } else { Ok(Ref::User(login.to_string())) };
        }
        let split = t.find(|c: char| c.is_ascii_digit()).ok_or_else(err)?;
        let (prefix, digits) = t.split_at(split);
        let n: u64 = digits.parse().map_err(|_| err())?;
        let kind = EntityKind::ALL.into_iter().find(|k| k.prefix() == prefix.to_ascii_lowercase()).ok_or_else(err)?;
        Ref::from_number(kind, n).ok_or_else(err)
    }
}

impl Serialize for Ref {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            match self {
                Ref::User(login) => (self.kind().tag(), 0u64, login.as_str()).serialize(s),
                other => (other.kind().tag(), other.number().unwrap_or(0), "").serialize(s),
            }
        }
    }
}

impl<'de> Deserialize<'de> for Ref {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            s.parse().map_err(D::Error::custom)
        } else {
            let (tag, n, login) = <(u8, u64, String)>::deserialize(d)?;
            let kind = EntityKind::from_tag(tag).ok_or_else(|| D::Error::custom("bad kind tag"))?;
            if kind == EntityKind::User {
                Ok(Ref::User(login))
            } else {
                Ref::from_number(kind, n).ok_or_else(|| D::Error::custom("bad ref"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_show_and_parse_with_prefix() {
        assert_eq!(ContactId(12).to_string(), "c12");
        assert_eq!(CompanyId(3).to_string(), "co3");
        assert_eq!("c12".parse::<ContactId>(), Ok(ContactId(12)));
        assert_eq!("12".parse::<ContactId>(), Ok(ContactId(12)));
        assert!("d12".parse::<ContactId>().is_err());
        assert_eq!("co3".parse::<Ref>(), Ok(Ref::Company(CompanyId(3))));
        assert_eq!("c3".parse::<Ref>(), Ok(Ref::Contact(ContactId(3))));
        assert_eq!("T30".parse::<Ref>(), Ok(Ref::Task(TaskId(30))));
        assert_eq!("@anna".parse::<Ref>(), Ok(Ref::User("anna".into())));
        let e = "x9".parse::<Ref>().unwrap_err();
        assert!(e.to_string().contains("is not a record id"), "{e}");
    }
}
