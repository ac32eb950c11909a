//! The whole database as one serde value, and back: every record of every tree (trash
//! included), the journal (history and undo, with before/after images decoded to records),
//! the undo/redo stacks, and `meta` (settings such as the pipeline, id counters, schema).
//!
//! Restoring writes the trees directly, like `crm migrate` does, rather than through
//! `apply`: it replaces the database's history rather than adding to it. Index trees and the
//! per-record history are rebuilt from the records and the journal.

use super::codec::{self, decode_record, encode_record};
use super::engine::full_range;
use super::error::StoreError;
use super::journal::{JournalEntry, Logged, Op, Write};
use super::keys;
use super::trees::Tree;
use super::Store;
use crate::domain::*;
use serde::{Deserialize, Serialize};

/// Name of the format in the file, so that a wrong file is recognised.
pub const FORMAT: &str = "crm-backup";
/// Bumped when the layout of the file changes; restore reads this version and older.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    pub format: String,
    pub format_version: u32,
    /// The crm that wrote it.
    pub crm_version: String,
    pub written_at: Timestamp,
    pub users: Vec<User>,
    pub companies: Vec<Company>,
    pub contacts: Vec<Contact>,
    pub deals: Vec<Deal>,
    pub activities: Vec<Activity>,
    pub tasks: Vec<Task>,
    /// Settings, readable (the authoritative copy is in `meta`).
    pub pipeline: Option<Pipeline>,
    pub journal: Vec<JournalRecord>,
    /// Undo and redo stacks: hex key → hex value.
    pub undo: Vec<(String, String)>,
    pub redo: Vec<(String, String)>,
    /// Every `meta` entry (schema version, id counters, pipeline, visibility): hex key → hex value.
    pub meta: Vec<(String, String)>,
    /// Records shared with users (record, login). Absent from backups written before sharing.
    #[serde(default)]
    pub shares: Vec<(Ref, String)>,
}

impl Backup {
    /// How many records it holds (users, companies, contacts, deals, activities, tasks).
    pub fn record_count(&self) -> usize {
        self.users.len()
            + self.companies.len()
            + self.contacts.len()
            + self.deals.len()
            + self.activities.len()
            + self.tasks.len()
    }
}

/// A journal entry with its before/after images decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalRecord {
    pub seq: u64,
    pub at: Timestamp,
    pub author: String,
    pub op: Op,
    pub changes: Vec<Logged>,
    pub writes: Vec<WriteRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteRecord {
    pub kind: EntityKind,
    pub key: String,
    pub before: Option<Image>,
    pub after: Option<Image>,
}

/// A record as it was: decoded, or raw bytes (hex) when this crm cannot decode it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

pub fn unhex(s: &str) -> Result<Vec<u8>, StoreError> {
    let bad = || StoreError::Corrupt(format!("\"{}\" is not hex", s.chars().take(20).collect::<String>()));
    if !s.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(bad))
        .collect()
}

fn image(kind: EntityKind, bytes: &Option<Vec<u8>>) -> Option<Image> {
    bytes.as_ref().map(|b| match decode_record(kind, b) {
        Ok(r) if encode_record(&r).as_deref().ok() == Some(b.as_slice()) => Image { record: Some(r), raw: None },
        _ => Image { record: None, raw: Some(hex(b)) },
    })
}

fn image_bytes(img: &Option<Image>) -> Result<Option<Vec<u8>>, StoreError> {
    match img {
        None => Ok(None),
        Some(Image { record: Some(r), .. }) => Ok(Some(encode_record(r)?)),
        Some(Image { raw: Some(h), .. }) => Ok(Some(unhex(h)?)),
        Some(_) => Err(StoreError::Corrupt("a journal image has neither a record nor raw bytes".into())),
    }
}

fn raw_tree(store: &Store, tree: Tree) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::new();
    store.engine().scan(tree, full_range(), false, &mut |k, v| {
        out.push((hex(k), hex(v)));
        true
    })?;
    Ok(out)
}

/// Reads the whole database.
pub fn dump(store: &Store, written_at: Timestamp) -> Result<Backup, StoreError> {
    let mut b = Backup {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        crm_version: env!("CARGO_PKG_VERSION").into(),
        written_at,
        users: vec![],
        companies: vec![],
        contacts: vec![],
        deals: vec![],
        activities: vec![],
        tasks: vec![],
        pipeline: Some(store.pipeline().clone()),
        journal: vec![],
        undo: raw_tree(store, Tree::Undo)?,
        redo: raw_tree(store, Tree::Redo)?,
        meta: raw_tree(store, Tree::Meta)?,
        shares: vec![],
    };
    let mut shares = Vec::new();
    // Each share once: from its `r` ‖ record ‖ login entry.
    store.engine().scan(Tree::Shares, full_range(), false, &mut |k, _| {
        shares.extend(keys::share::parse_by_record(k));
        true
    })?;
    b.shares = shares;
    for kind in EntityKind::ALL {
        store.scan(kind, &mut |r| {
            match r {
                Record::User(x) => b.users.push(x),
                Record::Company(x) => b.companies.push(x),
                Record::Contact(x) => b.contacts.push(x),
                Record::Deal(x) => b.deals.push(x),
                Record::Activity(x) => b.activities.push(x),
                Record::Task(x) => b.tasks.push(x),
            }
            true
        })?;
    }
    let mut err = None;
    super::journal::scan(store.engine(), false, &mut |_, v| match codec::decode::<JournalEntry>(v) {
        Ok(e) => {
            b.journal.push(JournalRecord {
                seq: e.seq,
                at: e.at,
                author: e.author,
                op: e.op,
                changes: e.changes,
                writes: e
                    .writes
                    .iter()
                    .map(|w| WriteRecord {
                        kind: w.kind,
                        key: hex(&w.key),
                        before: image(w.kind, &w.before),
                        after: image(w.kind, &w.after),
                    })
                    .collect(),
            });
            true
        }
        Err(e) => {
            err = Some(e);
            false
        }
    })?;
    err.map_or(Ok(b), Err)
}

/// Records (not users) in the database and journal entries by people (not crm's own, such as
/// creating the first user): what a restore would throw away.
pub fn user_data(store: &Store, system_author: &str) -> Result<(u64, u64), StoreError> {
    let mut records = 0;
    for kind in EntityKind::ALL.into_iter().filter(|k| *k != EntityKind::User) {
        records += store.count(keys::entity_tree(kind))?;
    }
    let entries = store.journal(usize::MAX, &mut |e| e.author != system_author)?.len() as u64;
    Ok((records, entries))
}

/// Replaces everything in the database with the backup, in one transaction.
pub fn restore(store: &Store, b: &Backup) -> Result<(), StoreError> {
    if b.format != FORMAT {
        return Err(StoreError::validation("backup", format!("this is not a crm backup (format \"{}\")", b.format)));
    }
    if b.format_version > FORMAT_VERSION {
        return Err(StoreError::validation(
            "backup",
            format!(
                "the backup is format version {}, newer than this crm reads ({FORMAT_VERSION}); upgrade crm",
                b.format_version
            ),
        ));
    }
    // Journal images and raw entries are checked first; records are encoded inside the write,
    // where an error aborts it and leaves the database as it was.
    let mut journal = Vec::with_capacity(b.journal.len());
    for j in &b.journal {
        let mut writes = Vec::with_capacity(j.writes.len());
        for w in &j.writes {
            writes.push(Write {
                kind: w.kind,
                key: unhex(&w.key)?,
                before: image_bytes(&w.before)?,
                after: image_bytes(&w.after)?,
            });
        }
        let entry = JournalEntry {
            seq: j.seq,
            at: j.at,
            author: j.author.clone(),
            op: j.op,
            changes: j.changes.clone(),
            writes,
        };
        journal.push(entry);
    }
    type Entries = Vec<(Vec<u8>, Vec<u8>)>;
    let raw = |list: &[(String, String)]| -> Result<Entries, StoreError> {
        list.iter().map(|(k, v)| Ok((unhex(k)?, unhex(v)?))).collect()
    };
    let (undo, redo, meta) = (raw(&b.undo)?, raw(&b.redo)?, raw(&b.meta)?);
    store.engine().write(&mut |txn| {
        for tree in Tree::ALL {
            let mut keys_found = Vec::new();
            txn.scan(tree, full_range(), false, &mut |k, _| {
                keys_found.push(k.to_vec());
                true
            })?;
            for k in keys_found {
                txn.remove(tree, &k)?;
            }
        }
        let put = |txn: &mut dyn super::engine::Txn, r: Record| -> Result<(), StoreError> {
            txn.put(keys::entity_tree(r.kind()), &keys::entity_key(&r.reference()), &encode_record(&r)?)?;
            for (t, k) in keys::index_entries(&r) {
                txn.put(t, &k, &[])?;
            }
            Ok(())
        };
        b.users.iter().try_for_each(|x| put(txn, Record::User(x.clone())))?;
        b.companies.iter().try_for_each(|x| put(txn, Record::Company(x.clone())))?;
        b.contacts.iter().try_for_each(|x| put(txn, Record::Contact(x.clone())))?;
        b.deals.iter().try_for_each(|x| put(txn, Record::Deal(x.clone())))?;
        b.activities.iter().try_for_each(|x| put(txn, Record::Activity(x.clone())))?;
        b.tasks.iter().try_for_each(|x| put(txn, Record::Task(x.clone())))?;
        for (r, login) in &b.shares {
            txn.put(Tree::Shares, &keys::share::by_record(r, login), &[])?;
            txn.put(Tree::Shares, &keys::share::by_login(login, r), &[])?;
        }
        for entry in &journal {
            super::journal::put(txn, entry.seq, &super::journal::pack(codec::encode(entry)?))?;
            for k in super::journal::history_keys(entry.seq, &entry.writes, &entry.changes) {
                txn.put(Tree::RecordHistory, &k, &[])?;
            }
        }
        for (tree, list) in [(Tree::Undo, &undo), (Tree::Redo, &redo), (Tree::Meta, &meta)] {
            for (k, v) in list.iter() {
                txn.put(tree, k, v)?;
            }
        }
        Ok(())
    })
}
