//! Golden bytes: the on-disk form of every record type at its current version is pinned.
//! If one of these fails, the encoding changed: add a new record version and a migration
//! (see docs/data-model.md) instead of editing the expected bytes.

use crm::domain::*;
use crm::store::codec::{decode, encode, Versioned};
use crm::store::journal::{JournalEntry, Logged, Op, Write};
use serde::{de::DeserializeOwned, Serialize};
use std::collections::BTreeMap;

const T: Timestamp = Timestamp(1_795_770_000_000);

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn check<V: Serialize + DeserializeOwned + Versioned + PartialEq + std::fmt::Debug>(value: &V, expected_hex: &str) {
    let bytes = encode(value).expect("encode");
    assert_eq!(hex(&bytes), expected_hex, "{} v{} encoding changed", V::WHAT, V::VERSION);
    assert_eq!(bytes[0], V::VERSION);
    let back: V = decode(&bytes).expect("decode");
    assert_eq!(&back, value);
    // Decoding must consume every byte, and refuse unknown versions.
    let mut longer = bytes.clone();
    longer.push(0);
    let e = decode::<V>(&longer).expect_err("trailing byte");
    assert!(e.to_string().contains("unread bytes"), "{e}");
    let mut other = bytes.clone();
    other[0] = 99;
    assert!(decode::<V>(&other).expect_err("version").to_string().contains("version 99 is unknown"));
}

fn contact() -> Contact {
    Contact {
        id: ContactId(12),
        name: "Anna Müller".into(),
        title: "Buyer".into(),
        company: Some(CompanyId(3)),
        emails: vec![Labeled { label: "work".into(), value: "anna@atlas.de".into() }],
        phones: vec![Labeled { label: "mobile".into(), value: "+49 170 1".into() }],
        address: Address { city: "Berlin".into(), country: "DE".into(), ..Address::default() },
        tags: vec!["vip".into()],
        fields: BTreeMap::from([("vat".to_string(), "DE1".to_string())]),
        notes: "n".into(),
        owner: "anna".into(),
        cadence_days: Some(14),
        created: T,
        updated: T,
        deleted: None,
    }
}

#[test]
fn contact_v1() {
    check(&contact(), "010c0c416e6e61204dc3bc6c6c657205427579657201030104776f726b0d616e6e614061746c61732e646501066d6f62696c65092b343920313730203100064265726c696e00000244450103766970010376617403444531016e04616e6e61010efd0045773844030000fd004577384403000000");
}

#[test]
fn company_v1() {
    let c = Company {
        id: CompanyId(3),
        name: "Atlas GmbH".into(),
        website: "atlas.de".into(),
        industry: "wholesale".into(),
        owner: "anna".into(),
        created: T,
        updated: T,
        deleted: Some(T),
        ..Company::default()
    };
    check(&c, "01030a41746c617320476d62480861746c61732e64650977686f6c6573616c65000000000000000004616e6e61fd0045773844030000fd004577384403000001fd0045773844030000");
}

#[test]
fn deal_v1() {
    let d = Deal {
        id: DealId(7),
        title: "Annual supply".into(),
        company: Some(CompanyId(3)),
        contact: Some(ContactId(12)),
        value: Money::new(1_250_050, Currency::EUR),
        stage: "proposal".into(),
        probability: Some(60),
        close: Day::ymd(2026, 12, 31),
        owner: "anna".into(),
        history: vec![
            StageEntry { stage: "lead".into(), at: T },
            StageEntry { stage: "proposal".into(), at: T.plus_days(3) },
        ],
        reason: String::new(),
        notes: String::new(),
        created: T,
        updated: T,
        deleted: None,
    };
    check(&d, "01070d416e6e75616c20737570706c790103010cfc04262600034555520870726f706f73616c013c01fc1a95160004616e6e6102046c656164fd00457738440300000870726f706f73616cfd006d5d57440300000000fd0045773844030000fd004577384403000000");
}

#[test]
fn activity_v1() {
    let a = Activity {
        id: ActivityId(40),
        kind: ActivityKind::Call,
        at: T,
        contact: Some(ContactId(12)),
        company: Some(CompanyId(3)),
        deal: None,
        summary: "Quote".into(),
        body: "Long talk".into(),
        author: "anna".into(),
        outcome: "reached".into(),
        duration_min: Some(15),
        created: T,
        updated: T,
        deleted: None,
    };
    check(&a, "012800fd0045773844030000010c0103000551756f7465094c6f6e672074616c6b04616e6e610772656163686564010ffd0045773844030000fd004577384403000000");
}

#[test]
fn task_v1() {
    let t = Task {
        id: TaskId(30),
        title: "Send quote".into(),
        due: Due::At(T),
        contact: Some(ContactId(12)),
        deal: Some(DealId(7)),
        assignee: "anna".into(),
        priority: Priority::High,
        recurrence: Recurrence::Weekly { days: 0b10001 },
        done: None,
        snoozed_until: Some(T.plus_days(1)),
        hidden_until: None,
        notes: String::new(),
        created: T,
        updated: T,
        deleted: None,
    };
    check(&t, "011e0a53656e642071756f746501fd0045773844030000010c010704616e6e610203110001fd00fdc342440300000000fd0045773844030000fd004577384403000000");
    let day_task = Task {
        id: TaskId(31),
        title: "Day".into(),
        due: Due::Day(Day::ymd(2026, 12, 1).unwrap()),
        recurrence: Recurrence::Monthly { day: 0 },
        ..Task::default()
    };
    check(&day_task, "011f0344617900fcde94160000000001040000000000000000");
}

#[test]
fn user_v2() {
    let u = User {
        login: "olek".into(),
        name: "Olek".into(),
        role: Role::Rep,
        disabled: true,
        created: T,
        updated: T,
        deleted: None,
        manager: Some("marta".into()),
        token: Some(crm::domain::token::TokenHash { salt: [1; 16], hash: [2; 32], issued: T, revoked: Some(T) }),
    };
    check(&u, "02046f6c656b044f6c656b0201fd0045773844030000fd00457738440300000001056d6172746101010101010101010101010101010101010202020202020202020202020202020202020202020202020202020202020202fd004577384403000001fd0045773844030000");
}

/// Version 1 users (before managers and tokens) are still read: journal images keep them.
#[test]
fn user_v1_is_still_read() {
    let v1 = "0104616e6e6104416e6e610000fd0045773844030000fd004577384403000000";
    let bytes: Vec<u8> = (0..v1.len()).step_by(2).map(|i| u8::from_str_radix(&v1[i..i + 2], 16).unwrap()).collect();
    let u = crm::store::codec::decode_user(&bytes).expect("decode v1");
    let expected = User {
        login: "anna".into(),
        name: "Anna".into(),
        role: Role::Admin,
        disabled: false,
        created: T,
        updated: T,
        deleted: None,
        manager: None,
        token: None,
    };
    assert_eq!(u, expected);
    assert_eq!(crm::store::codec::decode_record(EntityKind::User, &bytes).expect("record"), Record::User(expected));
}

#[test]
fn pipeline_v1() {
    check(&Pipeline::default(), "0106046c656164044c6561640a00010e097175616c6966696564095175616c6966696564190001150870726f706f73616c0850726f706f73616c3200010e0b6e65676f74696174696f6e0b4e65676f74696174696f6e4b00011503776f6e03576f6e640100046c6f7374044c6f7374000200");
}

#[test]
fn journal_entry_v1() {
    let e = JournalEntry {
        seq: 5,
        at: T,
        author: "anna".into(),
        op: Op::Apply,
        changes: vec![
            Logged::Created { target: Ref::Task(TaskId(31)), label: "Call back".into() },
            Logged::Changed(Box::new(Change::Edit {
                target: Ref::Contact(ContactId(12)),
                edits: vec![Edit::JobTitle("CEO".into()), Edit::AddTag("vip".into())],
            })),
            Logged::Changed(Box::new(Change::MoveDeal {
                deal: DealId(7),
                stage: "won".into(),
                reason: "price".into(),
            })),
            Logged::Changed(Box::new(Change::CompleteTask {
                task: TaskId(30),
                next: Some(Due::Day(Day::ymd(2026, 12, 4).unwrap())),
            })),
        ],
        writes: vec![Write {
            kind: EntityKind::Contact,
            key: vec![0, 0, 0, 0, 0, 0, 0, 12],
            before: Some(vec![1, 2]),
            after: None,
        }],
    };
    check(&e, "0105fd004577384403000004616e6e61000400051f000943616c6c206261636b0101010c0002010343454f0a0376697001020703776f6e05707269636501031e0100fce4941600010008000000000000000c0102010200");
    let undo =
        JournalEntry { seq: 6, at: T, author: "anna".into(), op: Op::Undo { of: 5 }, changes: vec![], writes: vec![] };
    check(&undo, "0106fd004577384403000004616e6e6101050000");
    // An export: an event with no writes (appended variants leave older entries' bytes alone).
    let export = JournalEntry {
        seq: 7,
        at: T,
        author: "olek".into(),
        op: Op::Event,
        changes: vec![Logged::Exported { what: "csv contacts".into(), count: 120, filter: "tag:vip".into() }],
        writes: vec![],
    };
    check(&export, "0107fd0045773844030000046f6c656b0301020c63737620636f6e746163747378077461673a76697000");
}

#[test]
fn golden_bytes_are_stored_and_read_back_unchanged_by_both_engines() {
    use crm::store::{EngineKind, Store, Tree};
    let bytes = encode(&contact()).expect("encode");
    for engine in [EngineKind::Redb, EngineKind::Sled] {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), Some(engine)).expect("open");
        store.engine().write(&mut |txn| txn.put(Tree::Contacts, &12u64.to_be_bytes(), &bytes)).expect("write");
        drop(store);
        let store = Store::open(dir.path(), Some(engine)).expect("reopen");
        assert_eq!(
            store.engine().get(Tree::Contacts, &12u64.to_be_bytes()).expect("read").as_deref(),
            Some(&bytes[..]),
            "{engine}"
        );
        assert_eq!(store.get(&Ref::Contact(ContactId(12))).expect("get"), Some(Record::Contact(contact())), "{engine}");
    }
}
