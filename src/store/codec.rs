//! The one place where records become bytes: a version byte, then bincode 2.0.1
//! (`config::standard()`, serde). Decoding must consume every byte. A new field means a new
//! version number here and an upgrade step in `migrate.rs`.

use super::error::StoreError;
use crate::domain::{Activity, Company, Contact, Deal, EntityKind, Pipeline, Record, Task, User};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Something with an on-disk version.
pub trait Versioned {
    /// The version written today.
    const VERSION: u8;
    /// What it is, for error messages.
    const WHAT: &'static str;
}

macro_rules! versioned {
    ($($t:ty => $v:expr, $what:expr;)*) => {
        $(impl Versioned for $t { const VERSION: u8 = $v; const WHAT: &'static str = $what; })*
    };
}

versioned! {
    Contact => 1, "contact";
    Company => 1, "company";
    Deal => 1, "deal";
    Activity => 1, "activity";
    Task => 1, "task";
    User => 2, "user";
    Pipeline => 1, "pipeline";
    super::journal::JournalEntry => 1, "journal entry";
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

pub fn encode<T: Serialize + Versioned>(value: &T) -> Result<Vec<u8>, StoreError> {
    // Straight after the version byte, in one pass: `encode_to_vec` measures the value first
    // and the body was then copied behind the version byte (a tenth of an import's encoding).
    let mut out = Vec::with_capacity(128);
    out.push(T::VERSION);
    bincode::serde::encode_into_std_write(value, &mut out, config())
        .map_err(|e| StoreError::Engine(format!("cannot encode {}: {e}", T::WHAT)))?;
    Ok(out)
}

/// A journal entry, in a buffer sized for it up front: the entry of a large import is many
/// megabytes, and growing to that one doubling at a time copied it over and over.
pub fn encode_journal(entry: &super::journal::JournalEntry) -> Result<Vec<u8>, StoreError> {
    let records: usize = entry
        .writes
        .iter()
        .map(|w| w.key.len() + w.before.as_ref().map_or(0, Vec::len) + w.after.as_ref().map_or(0, Vec::len) + 8)
        .sum();
    let mut out = Vec::with_capacity(64 + records + entry.changes.len() * 40);
    out.push(super::journal::JournalEntry::VERSION);
    bincode::serde::encode_into_std_write(entry, &mut out, config())
        .map_err(|e| StoreError::Engine(format!("cannot encode journal entry: {e}")))?;
    Ok(out)
}

pub fn decode<T: DeserializeOwned + Versioned>(bytes: &[u8]) -> Result<T, StoreError> {
    let Some((&version, body)) = bytes.split_first() else {
        return Err(StoreError::Corrupt(format!("an empty {} record", T::WHAT)));
    };
    if version != T::VERSION {
        return Err(StoreError::Corrupt(format!(
            "{} record version {version} is unknown (expected {})",
            T::WHAT,
            T::VERSION
        )));
    }
    decode_body(body)
}

/// Decodes a body (the bytes after the version byte) that must be read whole.
fn decode_body<T: DeserializeOwned + Versioned>(body: &[u8]) -> Result<T, StoreError> {
    let (value, used) = bincode::serde::decode_from_slice::<T, _>(body, config())
        .map_err(|e| StoreError::Corrupt(format!("cannot read a {} record: {e}", T::WHAT)))?;
    if used != body.len() {
        return Err(StoreError::Corrupt(format!(
            "a {} record has {} unread bytes at its end",
            T::WHAT,
            body.len() - used
        )));
    }
    Ok(value)
}

pub fn encode_record(r: &Record) -> Result<Vec<u8>, StoreError> {
    match r {
        Record::Contact(x) => encode(x),
        Record::Company(x) => encode(x),
        Record::Deal(x) => encode(x),
        Record::Activity(x) => encode(x),
        Record::Task(x) => encode(x),
        Record::User(x) => encode(x),
    }
}

pub fn decode_record(kind: EntityKind, bytes: &[u8]) -> Result<Record, StoreError> {
    Ok(match kind {
        EntityKind::Contact => Record::Contact(decode(bytes)?),
        EntityKind::Company => Record::Company(decode(bytes)?),
        EntityKind::Deal => Record::Deal(decode(bytes)?),
        EntityKind::Activity => Record::Activity(decode(bytes)?),
        EntityKind::Task => Record::Task(decode(bytes)?),
        EntityKind::User => Record::User(decode_user(bytes)?),
    })
}

/// User record version 1: before managers and tokens.
#[derive(serde::Deserialize)]
pub struct UserV1 {
    pub login: String,
    pub name: String,
    pub role: crate::domain::Role,
    pub disabled: bool,
    pub created: crate::domain::Timestamp,
    pub updated: crate::domain::Timestamp,
    pub deleted: Option<crate::domain::Timestamp>,
}

impl Versioned for UserV1 {
    const VERSION: u8 = 1;
    const WHAT: &'static str = "user";
}

impl From<UserV1> for User {
    fn from(u: UserV1) -> User {
        User {
            login: u.login,
            name: u.name,
            role: u.role,
            disabled: u.disabled,
            created: u.created,
            updated: u.updated,
            deleted: u.deleted,
            manager: None,
            token: None,
        }
    }
}

/// A user record of any version this crm knows: journal images keep version 1 bytes
/// forever (undo writes them back), so version 1 is read as well as the current one.
pub fn decode_user(bytes: &[u8]) -> Result<User, StoreError> {
    match bytes.first() {
        Some(1) => Ok(decode::<UserV1>(bytes)?.into()),
        _ => decode(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Change, ContactId, Ref, Timestamp, Visibility};
    use crate::store::journal::{JournalEntry, Logged, Op};

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// Golden bytes of a journal entry holding the visibility and sharing changes: they are
    /// variants 8, 9 and 10 of `Change`, after every older one, so journals written before
    /// them decode unchanged and these keep decoding.
    #[test]
    fn visibility_and_share_changes_keep_their_journal_bytes() {
        let target = Ref::Contact(ContactId(12));
        let entry = JournalEntry {
            seq: 7,
            at: Timestamp(1_795_770_000_000),
            author: "olek".into(),
            op: Op::Apply,
            changes: vec![
                Logged::Changed(Box::new(Change::SetVisibility(Visibility::Private))),
                Logged::Changed(Box::new(Change::Share { target: target.clone(), login: "zoe".into() })),
                Logged::Changed(Box::new(Change::Unshare { target, login: "zoe".into() })),
            ],
            writes: vec![],
        };
        let bytes = encode(&entry).expect("encode");
        assert_eq!(hex(&bytes), "0107fd0045773844030000046f6c656b00030108010109010c00037a6f65010a010c00037a6f6500");
        assert_eq!(decode::<JournalEntry>(&bytes).expect("decode"), entry);
    }
}
