//! Key layouts. Every number is big-endian so that byte order is numeric order; signed
//! times have their sign bit flipped so that negative times sort first.

use super::trees::Tree;
use crate::domain::*;
use chrono::Datelike;

pub fn id(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

pub fn time(ms: i64) -> [u8; 8] {
    ((ms as u64) ^ (1 << 63)).to_be_bytes()
}

pub fn read_u64(bytes: &[u8]) -> Option<u64> {
    bytes.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes)
}

/// The last 8 bytes of an index key: the id of the record it points at.
pub fn trailing_id(key: &[u8]) -> Option<u64> {
    key.len().checked_sub(8).and_then(|start| read_u64(&key[start..]))
}

pub fn time_from(bytes: &[u8]) -> Option<i64> {
    read_u64(bytes).map(|u| (u ^ (1 << 63)) as i64)
}

pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

pub fn entity_tree(kind: EntityKind) -> Tree {
    match kind {
        EntityKind::Contact => Tree::Contacts,
        EntityKind::Company => Tree::Companies,
        EntityKind::Deal => Tree::Deals,
        EntityKind::Activity => Tree::Activities,
        EntityKind::Task => Tree::Tasks,
        EntityKind::User => Tree::Users,
    }
}

/// The key of a record in its entity tree: the id, or the login for users.
pub fn entity_key(r: &Ref) -> Vec<u8> {
    match r {
        Ref::User(login) => login.as_bytes().to_vec(),
        other => id(other.number().unwrap_or(0)).to_vec(),
    }
}

/// Inverse of `entity_key`.
pub fn ref_from_key(kind: EntityKind, key: &[u8]) -> Option<Ref> {
    match kind {
        EntityKind::User => std::str::from_utf8(key).ok().map(|s| Ref::User(s.to_string())),
        k => read_u64(key).and_then(|n| Ref::from_number(k, n)),
    }
}

/// kind ‖ entity key (‖ 0 for users, so that one login is not a prefix of another).
pub fn record_prefix(r: &Ref) -> Vec<u8> {
    let mut out = vec![r.kind().tag()];
    out.extend_from_slice(&entity_key(r));
    if matches!(r, Ref::User(_)) {
        out.push(0);
    }
    out
}

/// When an open task next needs attention, for the `task_due` index: the due instant (a
/// whole-day due counts from the start of that day, UTC) or the end of a snooze, if later.
pub fn task_due_ms(t: &Task) -> i64 {
    t.due.attention_ms(t.snoozed_until)
}

/// An open task as the `task_by_assignee` index keeps it: enough to place it in the agenda
/// (state, urgency) without decoding the record. Fixed width, after `assignee ‖ 0`:
/// next-attention ms ‖ due kind ‖ due ‖ snoozed ‖ hidden ‖ priority ‖ deal ‖ contact ‖ task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSummary {
    pub id: TaskId,
    pub due: Due,
    pub snoozed_until: Option<Timestamp>,
    pub hidden_until: Option<Timestamp>,
    pub priority: Priority,
    pub deal: Option<DealId>,
    pub contact: Option<ContactId>,
}

impl TaskSummary {
    const LEN: usize = 8 + 1 + 8 + 8 + 8 + 1 + 8 + 8 + 8;

    pub fn of(t: &Task) -> TaskSummary {
        TaskSummary {
            id: t.id,
            due: t.due,
            snoozed_until: t.snoozed_until,
            hidden_until: t.hidden_until,
            priority: t.priority,
            deal: t.deal,
            contact: t.contact,
        }
    }

    /// A task with these fields (and no title or assignee): what `domain::agenda` needs to
    /// judge it.
    pub fn skeleton(&self) -> Task {
        Task {
            id: self.id,
            due: self.due,
            snoozed_until: self.snoozed_until,
            hidden_until: self.hidden_until,
            priority: self.priority,
            deal: self.deal,
            contact: self.contact,
            ..Task::default()
        }
    }

    fn key(&self, assignee: &str, sort_ms: i64) -> Vec<u8> {
        let (kind, due) = match self.due {
            Due::Day(d) => (0u8, d.0.num_days_from_ce() as i64),
            Due::At(t) => (1u8, t.0),
        };
        let opt = |t: Option<Timestamp>| time(t.map(|t| t.0).unwrap_or(i64::MIN));
        let priority = Priority::ALL.iter().position(|p| *p == self.priority).unwrap_or(0) as u8;
        cat(&[
            assignee.as_bytes(),
            &[0],
            &time(sort_ms),
            &[kind],
            &time(due),
            &opt(self.snoozed_until),
            &opt(self.hidden_until),
            &[priority],
            &id(self.deal.map(|d| d.0).unwrap_or(0)),
            &id(self.contact.map(|c| c.0).unwrap_or(0)),
            &id(self.id.0),
        ])
    }

    /// Reads a `task_by_assignee` key back: the assignee and the summary.
    pub fn parse(key: &[u8]) -> Option<(&str, TaskSummary)> {
        let split = key.len().checked_sub(Self::LEN + 1)?;
        let assignee = std::str::from_utf8(&key[..split]).ok()?;
        let rest = &key[split + 1..];
        let at = |i: usize| time_from(&rest[i..i + 8]);
        let opt = |i: usize| at(i).filter(|v| *v != i64::MIN).map(Timestamp);
        let due = match rest[8] {
            0 => Due::Day(Day(chrono::NaiveDate::from_num_days_from_ce_opt(i32::try_from(at(9)?).ok()?)?)),
            _ => Due::At(Timestamp(at(9)?)),
        };
        let nonzero = |i: usize| read_u64(&rest[i..i + 8]).filter(|n| *n != 0);
        Some((
            assignee,
            TaskSummary {
                due,
                snoozed_until: opt(17),
                hidden_until: opt(25),
                priority: *Priority::ALL.get(rest[33] as usize)?,
                deal: nonzero(34).map(DealId),
                contact: nonzero(42).map(ContactId),
                id: TaskId(read_u64(&rest[50..58])?),
            },
        ))
    }
}

/// A `contact_cadence` key read back: owner, every N days, created, contact.
pub fn parse_cadence(key: &[u8]) -> Option<(&str, u32, Timestamp, ContactId)> {
    let split = key.len().checked_sub(21)?;
    let owner = std::str::from_utf8(&key[..split]).ok()?;
    let tail = &key[split + 1..];
    let days = u32::from_be_bytes(tail[..4].try_into().ok()?);
    Some((owner, days, Timestamp(time_from(&tail[4..12])?), ContactId(read_u64(&tail[12..])?)))
}

/// The time in an `id ‖ time ‖ id` key (`activity_by_contact`, `activity_by_deal`,
/// `contact_touch`).
pub fn time_after_id(key: &[u8]) -> Option<Timestamp> {
    key.get(8..16).and_then(time_from).map(Timestamp)
}

/// A `deal_by_owner` key read back: stage key, in it since, deal.
pub fn parse_deal_by_owner(key: &[u8]) -> Option<(&str, Timestamp, DealId)> {
    let body = key.get(..key.len().checked_sub(16)?)?;
    let tail = &key[body.len()..];
    // owner ‖ 0 ‖ stage ‖ 0: logins contain no NUL, so the stage is between the first and last.
    let start = body.iter().position(|b| *b == 0)? + 1;
    let stage = std::str::from_utf8(body.get(start..body.len().checked_sub(1)?)?).ok()?;
    Some((stage, Timestamp(time_from(&tail[..8])?), DealId(read_u64(&tail[8..])?)))
}

/// `owner ‖ 0`: the prefix of one person's entries in the by-owner and by-assignee indexes.
pub fn owner_prefix(login: &str) -> Vec<u8> {
    cat(&[login.as_bytes(), &[0]])
}

/// An `activity_by_time` key: at ‖ kind ‖ author ‖ 0 ‖ id.
pub fn activity_time_key(a: &Activity) -> Vec<u8> {
    let kind = ActivityKind::ALL.iter().position(|k| *k == a.kind).unwrap_or(0) as u8;
    cat(&[&time(a.at.0), &[kind], a.author.as_bytes(), &[0], &id(a.id.0)])
}

/// Reads an `activity_by_time` key: when, what kind, by whom.
pub fn parse_activity_time(key: &[u8]) -> Option<(Timestamp, ActivityKind, &str)> {
    let at = time_from(key)?;
    let kind = *ActivityKind::ALL.get(*key.get(8)? as usize)?;
    let author = key.get(9..key.len().checked_sub(9)?)?;
    Some((Timestamp(at), kind, std::str::from_utf8(author).ok()?))
}

/// Reads a `contact_by_created` key: when, whose.
pub fn parse_contact_created(key: &[u8]) -> Option<(Timestamp, &str)> {
    let at = time_from(key)?;
    let owner = key.get(8..key.len().checked_sub(9)?)?;
    Some((Timestamp(at), std::str::from_utf8(owner).ok()?))
}

/// The index entries a record should have. A record in the trash has only its trash entry.
pub fn index_entries(r: &Record) -> Vec<(Tree, Vec<u8>)> {
    let mut out = Vec::new();
    if r.deleted().is_some() {
        let mut k = vec![r.kind().tag()];
        k.extend_from_slice(&entity_key(&r.reference()));
        out.push((Tree::Trash, k));
        return out;
    }
    match r {
        Record::Contact(c) => {
            out.push((Tree::ContactByCreated, cat(&[&time(c.created.0), c.owner.as_bytes(), &[0], &id(c.id.0)])));
            if let Some(co) = c.company {
                out.push((Tree::ContactByCompany, cat(&[&id(co.0), &id(c.id.0)])));
            }
            if let Some(days) = c.cadence_days {
                out.push((
                    Tree::ContactCadence,
                    cat(&[&owner_prefix(&c.owner), &days.to_be_bytes(), &time(c.created.0), &id(c.id.0)]),
                ));
            }
        }
        Record::Deal(d) => {
            out.push((Tree::DealStage, cat(&[d.stage.as_bytes(), &[0], &id(d.id.0)])));
            out.push((
                Tree::DealByOwner,
                cat(&[&owner_prefix(&d.owner), d.stage.as_bytes(), &[0], &time(d.stage_since().0), &id(d.id.0)]),
            ));
            if let Some(c) = d.contact {
                out.push((Tree::DealByContact, cat(&[&id(c.0), &id(d.id.0)])));
            }
            if let Some(co) = d.company {
                out.push((Tree::DealByCompany, cat(&[&id(co.0), &id(d.id.0)])));
            }
        }
        Record::Activity(a) => {
            out.push((Tree::ActivityByTime, activity_time_key(a)));
            if let Some(c) = a.contact {
                out.push((Tree::ActivityByContact, cat(&[&id(c.0), &time(a.at.0), &id(a.id.0)])));
                if matches!(a.kind, ActivityKind::Call | ActivityKind::Meeting) {
                    out.push((Tree::ContactTouch, cat(&[&id(c.0), &time(a.at.0), &id(a.id.0)])));
                }
            }
            if let Some(d) = a.deal {
                out.push((Tree::ActivityByDeal, cat(&[&id(d.0), &time(a.at.0), &id(a.id.0)])));
            }
        }
        Record::Task(t) => {
            if t.done.is_none() {
                out.push((Tree::TaskDue, cat(&[&time(task_due_ms(t)), &id(t.id.0)])));
                out.push((Tree::TaskByAssignee, TaskSummary::of(t).key(&t.assignee, task_due_ms(t))));
            }
            if let Some(c) = t.contact {
                out.push((Tree::TaskByContact, cat(&[&id(c.0), &id(t.id.0)])));
            }
            if let Some(d) = t.deal {
                out.push((Tree::TaskByDeal, cat(&[&id(d.0), &id(t.id.0)])));
            }
        }
        Record::Company(_) | Record::User(_) => {}
    }
    out
}

/// Keys of the `shares` tree: who a record is shared with (`r` ‖ record ‖ login) and what
/// is shared with a login (`u` ‖ login ‖ 0 ‖ record), written together.
pub mod share {
    use super::{cat, record_prefix};
    use crate::domain::{EntityKind, Ref};

    pub fn by_record(r: &Ref, login: &str) -> Vec<u8> {
        cat(&[b"r", &record_prefix(r), login.as_bytes()])
    }

    pub fn by_login(login: &str, r: &Ref) -> Vec<u8> {
        cat(&[&login_prefix(login), &record_prefix(r)])
    }

    /// The prefix of a record's `by_record` entries.
    pub fn record_prefix_of(r: &Ref) -> Vec<u8> {
        cat(&[b"r", &record_prefix(r)])
    }

    pub fn login_prefix(login: &str) -> Vec<u8> {
        cat(&[b"u", login.as_bytes(), &[0]])
    }

    /// The login in a `by_record` key under `prefix`.
    pub fn login_in(key: &[u8], prefix: &[u8]) -> Option<String> {
        key.strip_prefix(prefix).and_then(|l| std::str::from_utf8(l).ok()).map(str::to_string)
    }

    /// A `by_record` key read back: the record and the login (None for a `by_login` key).
    pub fn parse_by_record(key: &[u8]) -> Option<(Ref, String)> {
        let (&tag, tail) = key.strip_prefix(b"r")?.split_first()?;
        let r = super::ref_from_key(EntityKind::from_tag(tag)?, tail.get(..8)?)?;
        Some((r, std::str::from_utf8(tail.get(8..)?).ok()?.to_string()))
    }

    /// The record in a `by_login` key under `prefix`.
    pub fn record_in(key: &[u8], prefix: &[u8]) -> Option<Ref> {
        let (&tag, rest) = key.strip_prefix(prefix)?.split_first()?;
        super::ref_from_key(EntityKind::from_tag(tag)?, rest)
    }
}

/// Keys of the `record_history` tree: which journal entries wrote a record. A record written
/// by an entry has `kind ‖ entity key ‖ seq` (`record`); a run of records one entry created
/// with consecutive ids (an import's 100k contacts) has one key for the whole run (`range`,
/// schema 7): `0xff ‖ kind ‖ last id ‖ first id ‖ seq`, after every kind tag so that the two
/// never mix. Sorted by the last id, the runs that may hold id n are those from `n` on.
pub mod history {
    use super::{cat, id, read_u64, record_prefix};
    use crate::domain::{EntityKind, Ref};
    use crate::store::engine::KeyRange;
    use std::ops::Bound;

    /// Runs shorter than this keep one key per record (a form's batch of a contact and its
    /// new company stays as it always was).
    pub const RUN_FROM: u64 = 8;

    const RANGE: u8 = 0xff;

    pub fn record(r: &Ref, seq: u64) -> Vec<u8> {
        cat(&[&record_prefix(r), &id(seq)])
    }

    pub fn range(kind: EntityKind, first: u64, last: u64, seq: u64) -> Vec<u8> {
        cat(&[&[RANGE, kind.tag()], &id(last), &id(first), &id(seq)])
    }

    /// A `range` key read back: kind, first id, last id, seq.
    pub fn parse_range(key: &[u8]) -> Option<(EntityKind, u64, u64, u64)> {
        let rest = key.strip_prefix(&[RANGE])?;
        let (&tag, rest) = rest.split_first()?;
        if rest.len() != 24 {
            return None;
        }
        Some((EntityKind::from_tag(tag)?, read_u64(&rest[8..])?, read_u64(rest)?, read_u64(&rest[16..])?))
    }

    /// The range keys that may cover record `r` (those of its kind whose run ends at or
    /// after its id); None for users, which are never created in runs.
    pub fn ranges_from(r: &Ref) -> Option<KeyRange> {
        let n = r.number()?;
        let tag = r.kind().tag();
        Some((Bound::Included(cat(&[&[RANGE, tag], &id(n)])), Bound::Excluded(vec![RANGE, tag + 1])))
    }
}

/// Meta keys.
pub mod meta {
    pub const SCHEMA_VERSION: &[u8] = b"schema_version";
    pub const NEXT_SEQ: &[u8] = b"next_seq";
    pub const NEXT_STACK: &[u8] = b"next_stack";
    pub const PIPELINE: &[u8] = b"pipeline";
    /// `team` or `private` (absent: team), see `domain::visibility`.
    pub const VISIBILITY: &[u8] = b"visibility";
    pub fn next_id(kind: crate::domain::EntityKind) -> Vec<u8> {
        format!("next_id/{}", kind.name()).into_bytes()
    }
}

/// login ‖ 0 ‖ push number, for the undo and redo trees (the value is the journal seq).
pub fn stack_key(login: &str, seq: u64) -> Vec<u8> {
    cat(&[login.as_bytes(), &[0], &id(seq)])
}

pub fn stack_prefix(login: &str) -> Vec<u8> {
    cat(&[login.as_bytes(), &[0]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_sort_in_byte_order() {
        let mut v = [-5i64, 3, -1_000_000, 0, i64::MAX, i64::MIN];
        let mut keys: Vec<[u8; 8]> = v.iter().map(|t| time(*t)).collect();
        keys.sort();
        v.sort();
        let back: Vec<i64> = keys.iter().map(|k| time_from(k).unwrap()).collect();
        assert_eq!(back, v);
    }

    #[test]
    fn task_summaries_read_back_from_their_keys() {
        let day = Day(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        for (due, snoozed, hidden, deal) in [
            (Due::Day(day), None, None, None),
            (Due::At(Timestamp(-5)), Some(Timestamp(1_700_000_000_000)), Some(Timestamp(0)), Some(DealId(9))),
        ] {
            let t = Task {
                id: TaskId(u64::MAX >> 3),
                due,
                snoozed_until: snoozed,
                hidden_until: hidden,
                priority: Priority::Urgent,
                deal,
                contact: Some(ContactId(4)),
                assignee: "ł\u{0}x".into(),
                ..Task::default()
            };
            let entries = index_entries(&Record::Task(t.clone()));
            let key = &entries.iter().find(|(tree, _)| *tree == Tree::TaskByAssignee).unwrap().1;
            let (who, back) = TaskSummary::parse(key).unwrap();
            assert_eq!(who, t.assignee);
            assert_eq!(back, TaskSummary::of(&t));
        }
    }

    #[test]
    fn cadence_and_deal_owner_keys_read_back() {
        let c = Contact {
            id: ContactId(77),
            owner: "zoë".into(),
            cadence_days: Some(14),
            created: Timestamp(-3),
            ..Contact::default()
        };
        let e = index_entries(&Record::Contact(c));
        let key = &e.iter().find(|(t, _)| *t == Tree::ContactCadence).unwrap().1;
        assert!(key.starts_with(&owner_prefix("zoë")));
        assert_eq!(parse_cadence(key), Some(("zoë", 14, Timestamp(-3), ContactId(77))));
        let d = Deal {
            id: DealId(5),
            owner: "kenji".into(),
            stage: "negotiation".into(),
            created: Timestamp(1_000),
            ..Deal::default()
        };
        let e = index_entries(&Record::Deal(d));
        let key = &e.iter().find(|(t, _)| *t == Tree::DealByOwner).unwrap().1;
        assert_eq!(parse_deal_by_owner(key), Some(("negotiation", Timestamp(1_000), DealId(5))));
    }

    #[test]
    fn activity_and_contact_time_keys_read_back() {
        let a = Activity {
            id: ActivityId(42),
            kind: ActivityKind::Email,
            at: Timestamp(-5_000),
            author: "kenji".into(),
            ..Activity::default()
        };
        let k = activity_time_key(&a);
        assert_eq!(parse_activity_time(&k), Some((Timestamp(-5_000), ActivityKind::Email, "kenji")));
        assert_eq!(trailing_id(&k), Some(42));
        let c = Contact { id: ContactId(7), owner: "anna".into(), created: Timestamp(99), ..Contact::default() };
        let entries = index_entries(&Record::Contact(c));
        let (_, k) = entries.iter().find(|(t, _)| *t == Tree::ContactByCreated).expect("contact_by_created entry");
        assert_eq!(parse_contact_created(k), Some((Timestamp(99), "anna")));
        // Keys sort by time first, whatever the author.
        let later = Activity { at: Timestamp(1), author: "aaa".into(), ..a.clone() };
        assert!(activity_time_key(&a) < activity_time_key(&later));
        assert_eq!(parse_activity_time(&k[..5]), None);
    }

    #[test]
    fn trashed_records_only_have_a_trash_entry() {
        let t = Task { id: TaskId(3), contact: Some(ContactId(1)), deleted: Some(Timestamp(5)), ..Task::default() };
        let e = index_entries(&Record::Task(t));
        assert_eq!(e, vec![(Tree::Trash, vec![EntityKind::Task.tag(), 0, 0, 0, 0, 0, 0, 0, 3])]);
    }
}
