//! The journal: one entry per applied batch, undo or redo, with the author, the time, the
//! changes as given, and the exact bytes before and after every record it wrote.

use super::engine::{full_range, prefix_range, Read, Txn};
use super::error::StoreError;
use super::keys;
use super::trees::Tree;
use crate::domain::{Change, EntityKind, Ref, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Apply,
    Undo {
        of: u64,
    },
    Redo {
        of: u64,
    },
    /// Something that wrote no record but belongs in the audit log (an export): never on an
    /// undo stack.
    Event,
}

/// One record written by an entry: its entity-tree key and its encoded value before and
/// after (None = absent). Undo writes `before` back, redo writes `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Write {
    pub kind: EntityKind,
    #[serde(with = "bytes")]
    pub key: Vec<u8>,
    #[serde(with = "image")]
    pub before: Option<Vec<u8>>,
    #[serde(with = "image")]
    pub after: Option<Vec<u8>>,
}

/// Byte strings as serde's bytes rather than a sequence of u8: the same bincode (a length,
/// then the bytes) and the same JSON (an array of numbers), written in one copy instead of one
/// call per byte (encoding a 100k-row import's entry took 30 ms of it).
mod bytes {
    use serde::de::{Deserializer, Error, SeqAccess, Visitor};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_byte_buf(ByteBuf)
    }

    struct ByteBuf;

    impl<'de> Visitor<'de> for ByteBuf {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("bytes")
        }

        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
            while let Some(b) = seq.next_element::<u8>()? {
                out.push(b);
            }
            Ok(out)
        }
    }
}

/// `bytes` for a record image that may be absent.
mod image {
    use serde::de::{Deserializer, Visitor};
    use serde::{Serialize, Serializer};

    struct Bytes<'a>(&'a [u8]);

    impl Serialize for Bytes<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            super::bytes::serialize(self.0, s)
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&Bytes(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        d.deserialize_option(Image)
    }

    struct Image;

    impl<'de> Visitor<'de> for Image {
        type Value = Option<Vec<u8>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("bytes or nothing")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            super::bytes::deserialize(d).map(Some)
        }
    }
}

impl Write {
    pub fn reference(&self) -> Option<Ref> {
        super::keys::ref_from_key(self.kind, &self.key)
    }
}

/// A change as the journal keeps it. A created record is kept once, as the after-image of its
/// write; the logged change only names it (this keeps the journal about a third smaller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Logged {
    Created {
        target: Ref,
        label: String,
    },
    Changed(Box<Change>),
    /// Records left the database: `what` ("csv contacts", "vcard", "json", "backup"), how
    /// many records, and the filter used (empty: everything).
    Exported {
        what: String,
        count: u64,
        filter: String,
    },
}

impl Logged {
    pub fn new(change: Change) -> Logged {
        match change {
            Change::Create(r) => Logged::Created { target: r.reference(), label: r.label().to_string() },
            other => Logged::Changed(Box::new(other)),
        }
    }

    /// The record a change is about; None for events about no one record (an export).
    pub fn target(&self) -> Option<Ref> {
        match self {
            Logged::Created { target, .. } => Some(target.clone()),
            Logged::Changed(c) => c.target(),
            Logged::Exported { .. } => None,
        }
    }

    /// Whether the change wrote outside the entity trees (a share, a setting), where the
    /// journal keeps no before/after image and undo replays the change itself.
    pub fn is_side(&self) -> bool {
        matches!(self, Logged::Changed(c) if matches!(c.as_ref(), Change::SetVisibility(_) | Change::Share { .. } | Change::Unshare { .. }))
    }

    /// The record such a change is about (the shared record), for its history.
    pub fn side_target(&self) -> Option<Ref> {
        if self.is_side() {
            self.target()
        } else {
            None
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Logged::Created { target, label } => format!("created {} {label:?}", target.kind()),
            Logged::Changed(c) => c.describe(),
            Logged::Exported { what, count, filter } => {
                let records = if *count == 1 { "record" } else { "records" };
                if filter.is_empty() {
                    format!("exported {count} {records} ({what})")
                } else {
                    format!("exported {count} {records} ({what}, {filter})")
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub seq: u64,
    pub at: Timestamp,
    pub author: String,
    pub op: Op,
    pub changes: Vec<Logged>,
    pub writes: Vec<Write>,
}

impl JournalEntry {
    /// One line per change, for history and audit listings.
    pub fn summary(&self) -> String {
        match self.op {
            Op::Undo { of } => format!("undid #{of}"),
            Op::Redo { of } => format!("redid #{of}"),
            Op::Apply | Op::Event => {
                let parts: Vec<String> = self
                    .changes
                    .iter()
                    .take(3)
                    .map(|c| match c.target() {
                        Some(t) => format!("{t}: {}", c.describe()),
                        None => c.describe(),
                    })
                    .collect();
                if self.changes.len() > 3 {
                    format!("{}; … ({} changes)", parts.join("; "), self.changes.len())
                } else {
                    parts.join("; ")
                }
            }
        }
    }
}

/// The `record_history` keys of journal entry `seq` (`keys::history`): one per record it
/// wrote or a side change is about, except that records it created with consecutive ids of
/// one kind, `RUN_FROM` or more, share one range key. The only place these keys are made:
/// `apply`, the bulk path, a restore, a migration and `crm doctor` all agree through it.
pub fn history_keys(seq: u64, writes: &[Write], changes: &[Logged]) -> Vec<Vec<u8>> {
    use super::keys::history;
    let mut out = Vec::new();
    let flush = |out: &mut Vec<Vec<u8>>, kind: EntityKind, (first, last): (u64, u64)| {
        if last - first + 1 >= history::RUN_FROM {
            out.push(history::range(kind, first, last, seq));
        } else {
            out.extend((first..=last).filter_map(|n| Ref::from_number(kind, n)).map(|r| history::record(&r, seq)));
        }
    };
    // Per kind, the run of consecutive ids being created.
    let mut runs: Vec<(EntityKind, (u64, u64))> = Vec::new();
    for w in writes {
        let created = w.before.is_none() && w.after.is_some() && w.kind != EntityKind::User;
        match super::keys::read_u64(&w.key).filter(|_| created && w.key.len() == 8) {
            Some(n) => match runs.iter_mut().find(|(k, _)| *k == w.kind) {
                Some((_, run)) if run.1.checked_add(1) == Some(n) => run.1 = n,
                Some((kind, run)) => {
                    let done = std::mem::replace(run, (n, n));
                    flush(&mut out, *kind, done);
                }
                None => runs.push((w.kind, (n, n))),
            },
            None => out.extend(w.reference().map(|r| history::record(&r, seq))),
        }
    }
    for (kind, run) in runs {
        flush(&mut out, kind, run);
    }
    out.extend(changes.iter().filter_map(Logged::side_target).map(|r| history::record(&r, seq)));
    out
}

/// The most bytes of an entry stored under one key. A longer entry is stored in parts: the
/// first under `keys::id(seq)`, the others under `keys::id(seq)` ‖ part number (u32, from 1),
/// which sort right after it (schema 8). redb gives a value a power-of-two run of pages and
/// writes, checksums and syncs the run whole: a 100k-row import's 17 MB entry took 32 MB, more
/// than half of what the import wrote (docs/performance.md, "Import").
pub const PART: usize = (1 << 18) - 512;

/// Entries this long or longer are stored compressed (`pack`): an import's entry holds every
/// record it created, much alike, and LZ4 makes 17 MB of them 3.5 MB in 17 ms. Shorter ones,
/// the entries of everyday edits, are stored as encoded.
pub const PACK_FROM: usize = 64 * 1024;

/// The first byte of a compressed entry; an entry as encoded starts with its version (1).
const PACKED: u8 = 0xC0;

/// An encoded entry as it is stored: compressed when long (`PACK_FROM`) and smaller for it. Run
/// it where the entry is encoded (a large import does so on another thread).
pub fn pack(encoded: Vec<u8>) -> Vec<u8> {
    if encoded.len() < PACK_FROM {
        return encoded;
    }
    let mut out = Vec::with_capacity(encoded.len() / 3);
    out.push(PACKED);
    out.extend_from_slice(&lz4_flex::block::compress_prepend_size(&encoded));
    if out.len() < encoded.len() {
        out
    } else {
        encoded
    }
}

/// The encoded entry of what `pack` stored under `key`.
fn unpack(key: &[u8], stored: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(body) = stored.strip_prefix(&[PACKED]) else { return Ok(None) };
    let seq = keys::read_u64(key).map_or_else(|| "?".to_string(), |s| s.to_string());
    let bad = |why: String| StoreError::Corrupt(format!("journal entry #{seq}: {why}"));
    // The size comes first (u32, little end); LZ4 makes at most 255 bytes of one, so a larger
    // size is damage, not a reason to allocate it.
    let size = body.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    if size.is_none_or(|n| n > body.len().saturating_mul(255)) {
        return Err(bad("its compressed bytes give an impossible size".into()));
    }
    lz4_flex::block::decompress_size_prepended(body)
        .map(Some)
        .map_err(|e| bad(format!("its compressed bytes cannot be read: {e}")))
}

fn part_key(seq: u64, n: u32) -> Vec<u8> {
    let mut k = keys::id(seq).to_vec();
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// Stores entry `seq` as `pack` made it (in parts when it is long). The only place entries are
/// put.
pub fn put(txn: &mut dyn Txn, seq: u64, packed: &[u8]) -> Result<(), StoreError> {
    let mut parts = packed.chunks(PART);
    txn.put(Tree::Journal, &keys::id(seq), parts.next().unwrap_or_default())?;
    for (n, part) in (1u32..).zip(parts) {
        txn.put(Tree::Journal, &part_key(seq, n), part)?;
    }
    Ok(())
}

/// The encoded entry `seq` (parts joined, uncompressed); None when there is no such entry.
pub fn get<R: Read + ?Sized>(r: &R, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
    let head = keys::id(seq);
    let mut out: Option<Vec<u8>> = None;
    let mut orphan = false;
    r.scan(Tree::Journal, prefix_range(&head), false, &mut |k, v| {
        match out.as_mut() {
            Some(bytes) => bytes.extend_from_slice(v),
            None if k == head => out = Some(v.to_vec()),
            None => orphan = true,
        }
        !orphan
    })?;
    if orphan {
        return Err(StoreError::Corrupt(format!("journal entry #{seq} has parts but no start")));
    }
    match out {
        Some(stored) => Ok(Some(unpack(&head, &stored)?.unwrap_or(stored))),
        None => Ok(None),
    }
}

/// Visits every entry, oldest first (newest first with `rev`), as its key (`keys::id(seq)`)
/// and its encoded bytes (parts joined, uncompressed), until `visit` returns false. A part
/// without its start is visited alone under its own key, where decoding it reports it; a
/// compressed entry that cannot be uncompressed ends the scan with the error.
pub fn scan<R: Read + ?Sized>(r: &R, rev: bool, visit: &mut dyn FnMut(&[u8], &[u8]) -> bool) -> Result<(), StoreError> {
    let mut failed = None;
    let mut emit = |k: &[u8], v: &[u8]| match unpack(k, v) {
        Ok(None) => visit(k, v),
        Ok(Some(bytes)) => visit(k, &bytes),
        Err(e) => {
            failed = Some(e);
            false
        }
    };
    let is_part_of = |k: &[u8], head: &[u8]| k.len() > head.len() && k.starts_with(head);
    if rev {
        // Parts come before their start, last first.
        let mut parts: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut go = true;
        r.scan(Tree::Journal, full_range(), true, &mut |k, v| {
            if k.len() > 8 {
                if parts.first().is_some_and(|(first, _)| first[..8] != k[..8]) {
                    go = parts.drain(..).all(|(pk, pv)| emit(&pk, &pv));
                }
                parts.push((k.to_vec(), v.to_vec()));
                return go;
            }
            if parts.is_empty() {
                go = emit(k, v);
            } else if parts.iter().all(|(pk, _)| is_part_of(pk, k)) {
                let mut bytes = v.to_vec();
                parts.drain(..).rev().for_each(|(_, pv)| bytes.extend_from_slice(&pv));
                go = emit(k, &bytes);
            } else {
                go = parts.drain(..).all(|(pk, pv)| emit(&pk, &pv)) && emit(k, v);
            }
            go
        })?;
        if go {
            parts.drain(..).all(|(pk, pv)| emit(&pk, &pv));
        }
    } else {
        // Parts come after their start: an entry is visited when the next one begins.
        let mut current: Option<(Vec<u8>, Vec<u8>)> = None;
        let mut go = true;
        r.scan(Tree::Journal, full_range(), false, &mut |k, v| {
            if let Some((_, bytes)) = current.as_mut().filter(|(head, _)| is_part_of(k, head)) {
                bytes.extend_from_slice(v);
                return true;
            }
            if let Some((head, bytes)) = current.replace((k.to_vec(), v.to_vec())) {
                go = emit(&head, &bytes);
            }
            go
        })?;
        if let Some((head, bytes)) = current.filter(|_| go) {
            emit(&head, &bytes);
        }
    }
    failed.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::keys::{self, history};

    /// A new store on each engine (redb first), with its directory.
    fn stores() -> Vec<(crate::store::EngineKind, tempfile::TempDir, crate::store::Store)> {
        use crate::store::{EngineKind, Store};
        [EngineKind::Redb, EngineKind::Sled]
            .into_iter()
            .map(|kind| {
                let dir = tempfile::tempdir().expect("dir");
                let store = Store::open(dir.path(), Some(kind)).expect("open");
                (kind, dir, store)
            })
            .collect()
    }

    /// Bytes that tell their position apart (a part joined out of order would show).
    fn bytes(seq: u64, len: usize) -> Vec<u8> {
        (0..len).map(|i| (i as u64 * 31 + seq) as u8).collect()
    }

    #[test]
    fn a_long_entry_is_stored_in_parts_and_read_whole() {
        // Short, long (two parts and a bit), short, exactly two parts, and one byte.
        let lens = [(1, 40), (2, 2 * PART + 7), (3, PART), (4, 2 * PART), (5, 1)];
        for (kind, _dir, store) in stores() {
            let engine = store.engine();
            engine
                .write(&mut |txn| {
                    for (seq, len) in lens {
                        // Far beyond the entries the store itself wrote on open.
                        put(txn, 1000 + seq, &bytes(seq, len))?;
                    }
                    Ok(())
                })
                .expect("write");
            let mut stored = 0;
            engine
                .scan(Tree::Journal, prefix_range(&keys::id(1002)), false, &mut |_, v| {
                    assert!(v.len() <= PART);
                    stored += 1;
                    true
                })
                .expect("scan");
            assert_eq!(stored, 3, "{kind:?}: 2 parts and 7 bytes");
            for (seq, len) in lens {
                assert_eq!(get(engine, 1000 + seq).expect("get"), Some(bytes(seq, len)), "{kind:?} #{seq}");
            }
            assert_eq!(get(engine, 1006).expect("get"), None);
            for rev in [false, true] {
                let mut seen = Vec::new();
                scan(engine, rev, &mut |k, v| {
                    if let Some(seq) = keys::read_u64(k).filter(|s| *s > 1000) {
                        assert_eq!(k.len(), 8);
                        assert_eq!(v, bytes(seq - 1000, v.len()), "{kind:?} #{seq}");
                        seen.push((seq - 1000, v.len()));
                    }
                    true
                })
                .expect("scan");
                let mut want = lens.to_vec();
                if rev {
                    want.reverse();
                }
                assert_eq!(seen, want, "{kind:?}, newest first: {rev}");
                // Stopping at the long entry stops there, in both directions.
                let mut visited = Vec::new();
                scan(engine, rev, &mut |k, _| {
                    visited.push(keys::read_u64(k));
                    keys::read_u64(k) != Some(1002)
                })
                .expect("scan");
                assert_eq!(visited.last(), Some(&Some(1002)));
            }
        }
    }

    /// `Write` as it was derived before its byte strings were written as bytes.
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct DerivedWrite {
        kind: EntityKind,
        key: Vec<u8>,
        before: Option<Vec<u8>>,
        after: Option<Vec<u8>>,
    }

    #[test]
    fn writes_encode_and_decode_as_they_did_as_sequences_of_bytes() {
        let config = bincode::config::standard();
        let writes = [
            Write {
                kind: EntityKind::Contact,
                key: keys::id(7).to_vec(),
                before: None,
                after: Some(vec![1, 0, 255, 3]),
            },
            Write { kind: EntityKind::Deal, key: vec![], before: Some((0..=255).collect()), after: None },
            Write { kind: EntityKind::User, key: b"anna".to_vec(), before: Some(vec![]), after: Some(vec![9; 300]) },
        ];
        for w in writes {
            let old =
                DerivedWrite { kind: w.kind, key: w.key.clone(), before: w.before.clone(), after: w.after.clone() };
            let ours = bincode::serde::encode_to_vec(&w, config).expect("encode");
            assert_eq!(ours, bincode::serde::encode_to_vec(&old, config).expect("encode"));
            let (back, _): (Write, usize) = bincode::serde::decode_from_slice(&ours, config).expect("decode");
            assert_eq!(back, w);
            let json = serde_json::to_string(&w).expect("json");
            assert_eq!(json, serde_json::to_string(&old).expect("json"));
            assert_eq!(serde_json::from_str::<Write>(&json).expect("from json"), w);
        }
    }

    /// An import's entry: `n` contacts created.
    fn import_entry(seq: u64, n: u64) -> JournalEntry {
        let writes = (1..=n)
            .map(|i| {
                let c = crate::domain::Contact {
                    id: crate::domain::ContactId(i),
                    name: format!("Person {i}"),
                    owner: "anna".into(),
                    ..Default::default()
                };
                let after = crate::store::codec::encode(&c).expect("encode");
                Write { kind: EntityKind::Contact, key: keys::id(i).to_vec(), before: None, after: Some(after) }
            })
            .collect();
        JournalEntry { seq, at: Timestamp(1), author: "anna".into(), op: Op::Apply, changes: Vec::new(), writes }
    }

    #[test]
    fn a_long_entry_is_stored_compressed_and_read_back_as_encoded() {
        use crate::store::codec;
        let (long, short) = (import_entry(1001, 20_000), import_entry(1002, 3));
        let (long_bytes, short_bytes) = (codec::encode(&long).expect("encode"), codec::encode(&short).expect("encode"));
        assert!(long_bytes.len() > 2 * PART);
        let packed = pack(long_bytes.clone());
        assert_eq!(packed[0], PACKED);
        assert!(packed.len() < long_bytes.len() / 3, "{} of {}", packed.len(), long_bytes.len());
        assert_eq!(pack(short_bytes.clone()), short_bytes, "short entries are stored as encoded");
        for (kind, _dir, store) in stores() {
            let engine = store.engine();
            engine
                .write(&mut |txn| {
                    put(txn, 1001, &pack(long_bytes.clone()))?;
                    put(txn, 1002, &pack(short_bytes.clone()))
                })
                .expect("write");
            assert_eq!(get(engine, 1001).expect("get").as_ref(), Some(&long_bytes), "{kind:?}");
            assert_eq!(store.journal_entry(1001).expect("entry"), Some(long.clone()));
            assert_eq!(store.journal_entry(1002).expect("entry"), Some(short.clone()));
            let mut seen = Vec::new();
            scan(engine, true, &mut |k, v| {
                seen.push((keys::read_u64(k), v.to_vec()));
                seen.len() < 2
            })
            .expect("scan");
            assert_eq!(seen, vec![(Some(1002), short_bytes.clone()), (Some(1001), long_bytes.clone())], "{kind:?}");
        }
    }

    #[test]
    fn a_damaged_compressed_entry_is_an_error_not_a_crash() {
        use crate::store::codec;
        let mut packed = pack(codec::encode(&import_entry(1001, 2_000)).expect("encode"));
        let cut = packed.len() / 2;
        packed.truncate(cut);
        // A size no entry can have: refused before anything is allocated for it.
        let huge = [&[PACKED][..], &u32::MAX.to_le_bytes(), &[0u8; 16]].concat();
        let (_, _dir, store) = stores().remove(0);
        let engine = store.engine();
        engine
            .write(&mut |txn| {
                put(txn, 1001, &packed)?;
                put(txn, 1002, &huge)
            })
            .expect("write");
        let err = get(engine, 1001).expect_err("cut short");
        assert!(err.to_string().contains("its compressed bytes cannot be read"), "{err}");
        let err = get(engine, 1002).expect_err("impossible size");
        assert!(err.to_string().contains("impossible size"), "{err}");
        let err = scan(engine, false, &mut |_, _| true).expect_err("the scan meets it");
        assert!(err.to_string().contains("journal entry #1001: its compressed bytes"), "{err}");
    }

    #[test]
    fn a_part_without_its_start_is_reported_not_joined_to_another_entry() {
        let (_, _dir, store) = stores().remove(0);
        let engine = store.engine();
        engine
            .write(&mut |txn| {
                put(txn, 1001, &bytes(1, 10))?;
                put(txn, 1002, &bytes(2, PART + 5))?;
                put(txn, 1003, &bytes(3, 10))?;
                // Entry 1002 loses its start.
                txn.remove(Tree::Journal, &keys::id(1002))
            })
            .expect("write");
        let err = get(engine, 1002).expect_err("a part alone");
        assert!(err.to_string().contains("#1002 has parts but no start"), "{err}");
        for rev in [false, true] {
            let mut seen = Vec::new();
            scan(engine, rev, &mut |k, v| {
                if keys::read_u64(k).is_some_and(|s| s > 1000) {
                    seen.push((k.len(), v.len()));
                }
                true
            })
            .expect("scan");
            if rev {
                seen.reverse();
            }
            assert_eq!(seen, vec![(8, 10), (12, 5), (8, 10)], "newest first: {rev}");
        }
    }

    fn created(kind: EntityKind, n: u64) -> Write {
        Write { kind, key: keys::id(n).to_vec(), before: None, after: Some(vec![1]) }
    }

    #[test]
    fn runs_of_created_records_share_one_history_key() {
        // Companies and contacts interleaved (as an import makes them), an edit, a short run.
        let mut writes = Vec::new();
        for n in 1..=20 {
            writes.push(created(EntityKind::Contact, 100 + n));
            if n % 2 == 0 {
                writes.push(created(EntityKind::Company, 7 + n / 2));
            }
        }
        writes.push(Write { before: Some(vec![1]), ..created(EntityKind::Contact, 5) });
        writes.push(created(EntityKind::Deal, 1));
        writes.push(created(EntityKind::Deal, 2));
        let mut got = history_keys(9, &writes, &[]);
        got.sort();
        let mut want = vec![
            history::range(EntityKind::Contact, 101, 120, 9),
            history::range(EntityKind::Company, 8, 17, 9),
            history::record(&Ref::Contact(crate::domain::ContactId(5)), 9),
            history::record(&Ref::Deal(crate::domain::DealId(1)), 9),
            history::record(&Ref::Deal(crate::domain::DealId(2)), 9),
        ];
        want.sort();
        assert_eq!(got, want);
        let range = history::range(EntityKind::Contact, 101, 120, 9);
        assert_eq!(history::parse_range(&range), Some((EntityKind::Contact, 101, 120, 9)));
        assert_eq!(history::parse_range(&want[0]), None, "a record's key is no range");
        // A gap ends a run: 1..=9 then 11..=12 (too short for a range).
        let gap: Vec<Write> = (1..=12).filter(|n| *n != 10).map(|n| created(EntityKind::Task, n)).collect();
        let got = history_keys(3, &gap, &[]);
        assert_eq!(got.len(), 3);
        assert!(got.contains(&history::range(EntityKind::Task, 1, 9, 3)));
    }
}
