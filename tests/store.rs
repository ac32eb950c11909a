//! The store on both engines: undo/redo give back the exact bytes, failed batches write
//! nothing, and the engine seam behaves the same under both.

mod common;
use common::ENGINES;
use crm::domain::*;
use crm::store::{EngineKind, Store, StoreError, Tree};
use proptest::prelude::*;
use std::collections::BTreeMap;

const T0: Timestamp = Timestamp(1_795_770_000_000);

fn open(dir: &std::path::Path, engine: &str) -> Store {
    Store::open(dir, Some(EngineKind::parse(engine).unwrap())).unwrap()
}

/// Every tree, journal and counters included.
fn full_snapshot(s: &Store) -> crm::store::Snapshot {
    let mut out = BTreeMap::new();
    for t in Tree::ALL {
        let mut v = Vec::new();
        s.engine()
            .scan(t, crm::store::engine::full_range(), false, &mut |k, val| {
                v.push((k.to_vec(), val.to_vec()));
                true
            })
            .unwrap();
        out.insert(t.name(), v);
    }
    out
}

/// Abstract operations; indexes pick among records created so far.
#[derive(Debug, Clone)]
enum Op {
    AddCompany(u8),
    AddContact(u8, Option<u8>),
    EditContact(u8, u8),
    AddDeal(u8, u8),
    MoveDeal(u8, u8),
    AddTask(u8, i16),
    CompleteTask(u8),
    SnoozeTask(u8),
    Log(u8, u8),
    Trash(u8, u8),
    Restore(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<u8>().prop_map(Op::AddCompany),
        (any::<u8>(), proptest::option::of(any::<u8>())).prop_map(|(a, b)| Op::AddContact(a, b)),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::EditContact(a, b)),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::AddDeal(a, b)),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::MoveDeal(a, b)),
        (any::<u8>(), -48i16..48).prop_map(|(a, b)| Op::AddTask(a, b)),
        any::<u8>().prop_map(Op::CompleteTask),
        any::<u8>().prop_map(Op::SnoozeTask),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Log(a, b)),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Trash(a, b)),
        any::<u8>().prop_map(Op::Restore),
    ]
}

fn pick(n: u8, count: u64) -> u64 {
    if count == 0 {
        1
    } else {
        n as u64 % count + 1
    }
}

fn to_change(op: &Op, s: &Store) -> Change {
    let count = |t: Tree| s.count(t).unwrap();
    let (companies, contacts, deals, tasks) =
        (count(Tree::Companies), count(Tree::Contacts), count(Tree::Deals), count(Tree::Tasks));
    match *op {
        Op::AddCompany(n) => Change::Create(Record::Company(Company {
            id: CompanyId::placeholder(0),
            name: format!("Co {n}"),
            ..Company::default()
        })),
        Op::AddContact(n, co) => Change::Create(Record::Contact(Contact {
            id: ContactId::placeholder(0),
            name: format!("Person {n}"),
            company: co.filter(|_| companies > 0).map(|c| CompanyId(pick(c, companies))),
            tags: vec![format!("t{}", n % 3)],
            ..Contact::default()
        })),
        Op::EditContact(c, e) => Change::Edit {
            target: Ref::Contact(ContactId(pick(c, contacts))),
            edits: vec![match e % 4 {
                0 => Edit::Name(format!("Renamed {e}")),
                1 => Edit::AddTag(format!("x{e}")),
                2 => Edit::Company(if companies > 0 { Some(CompanyId(pick(e, companies))) } else { None }),
                _ => Edit::AddEmail(Labeled { label: "work".into(), value: format!("p{e}@ex.com") }),
            }],
        },
        Op::AddDeal(c, v) => Change::Create(Record::Deal(Deal {
            id: DealId::placeholder(0),
            title: format!("Deal {v}"),
            contact: (contacts > 0).then(|| ContactId(pick(c, contacts))),
            value: Money::new(v as i64 * 1000, Currency::EUR),
            stage: "lead".into(),
            ..Deal::default()
        })),
        Op::MoveDeal(d, st) => Change::MoveDeal {
            deal: DealId(pick(d, deals)),
            stage: ["lead", "qualified", "proposal", "negotiation", "won", "lost"][st as usize % 6].into(),
            reason: String::new(),
        },
        Op::AddTask(c, hours) => Change::Create(Record::Task(Task {
            id: TaskId::placeholder(0),
            title: format!("Task {c}"),
            due: Due::At(T0.plus_minutes(hours as i64 * 60)),
            contact: (contacts > 0).then(|| ContactId(pick(c, contacts))),
            recurrence: if c % 5 == 0 { Recurrence::Daily } else { Recurrence::None },
            ..Task::default()
        })),
        Op::CompleteTask(t) => Change::CompleteTask {
            task: TaskId(pick(t, tasks)),
            next: (t % 2 == 0).then_some(Due::At(T0.plus_days(1))),
        },
        Op::SnoozeTask(t) => Change::SnoozeTask { task: TaskId(pick(t, tasks)), until: T0.plus_days(2) },
        Op::Log(c, k) => Change::Create(Record::Activity(Activity {
            id: ActivityId::placeholder(0),
            kind: ActivityKind::ALL[k as usize % 4],
            at: T0.plus_minutes(k as i64),
            contact: Some(ContactId(pick(c, contacts))),
            summary: format!("Talked {k}"),
            ..Activity::default()
        })),
        Op::Trash(kind, n) => Change::Trash {
            target: match kind % 3 {
                0 => Ref::Contact(ContactId(pick(n, contacts))),
                1 => Ref::Deal(DealId(pick(n, deals))),
                _ => Ref::Task(TaskId(pick(n, tasks))),
            },
        },
        Op::Restore(n) => Change::Restore { target: Ref::Contact(ContactId(pick(n, contacts))) },
    }
}

fn undo_redo_round_trip(engine: &str, ops: &[Op]) {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), engine);
    s.apply("anna", T0, &[Change::Create(Record::User(User { login: "anna".into(), ..User::default() }))]).unwrap();
    let start = s.data_snapshot().unwrap();
    let mut applied = 0;
    for (i, op) in ops.iter().enumerate() {
        // Some ops are invalid in the state they meet (trash a trashed record…): they must fail
        // cleanly and write nothing.
        let before = full_snapshot(&s);
        match s.apply("anna", T0.plus_minutes(i as i64), &[to_change(op, &s)]) {
            Ok(_) => applied += 1,
            Err(StoreError::Validation(_) | StoreError::NotFound(_) | StoreError::Trashed(_)) => {
                assert_eq!(before, full_snapshot(&s), "a failed change wrote something: {op:?}")
            }
            Err(e) => panic!("unexpected error for {op:?}: {e}"),
        }
    }
    let end = s.data_snapshot().unwrap();
    for _ in 0..applied {
        s.undo("anna", T0).unwrap();
    }
    s.undo("anna", T0).unwrap(); // the user creation
    assert!(matches!(s.undo("anna", T0), Err(StoreError::NothingToUndo)));
    let mut start_no_user = start.clone();
    start_no_user.insert("users", vec![]);
    assert_eq!(s.data_snapshot().unwrap(), start_no_user, "undo all must restore the exact bytes");
    for _ in 0..=applied {
        s.redo("anna", T0).unwrap();
    }
    assert!(matches!(s.redo("anna", T0), Err(StoreError::NothingToRedo)));
    assert_eq!(s.data_snapshot().unwrap(), end, "redo all must give the exact end state");
    let report = crm::store::doctor::check(&s, false).unwrap();
    assert!(report.healthy(), "{report}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]
    #[test]
    fn undo_all_then_redo_all_is_byte_identical_redb(ops in proptest::collection::vec(op(), 1..24)) {
        undo_redo_round_trip("redb", &ops);
    }

    #[test]
    fn undo_all_then_redo_all_is_byte_identical_sled(ops in proptest::collection::vec(op(), 1..24)) {
        undo_redo_round_trip("sled", &ops);
    }
}

#[test]
fn a_failing_batch_writes_nothing_on_either_engine() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path(), engine);
        s.apply(
            "anna",
            T0,
            &[Change::Create(Record::Contact(Contact {
                id: ContactId::placeholder(0),
                name: "Ann".into(),
                ..Contact::default()
            }))],
        )
        .unwrap();
        let before = full_snapshot(&s);
        let bad_batches: Vec<Vec<Change>> = vec![
            // valid first change, invalid second: the whole batch is refused
            vec![
                Change::Create(Record::Contact(Contact {
                    id: ContactId::placeholder(0),
                    name: "Bo".into(),
                    ..Contact::default()
                })),
                Change::Edit {
                    target: Ref::Contact(ContactId(1)),
                    edits: vec![Edit::AddEmail(Labeled { label: "work".into(), value: "nope".into() })],
                },
            ],
            vec![Change::Create(Record::Contact(Contact {
                id: ContactId::placeholder(0),
                name: "".into(),
                ..Contact::default()
            }))],
            vec![Change::Create(Record::Deal(Deal {
                id: DealId::placeholder(0),
                title: "X".into(),
                stage: "closing".into(),
                ..Deal::default()
            }))],
            vec![Change::Create(Record::Deal(Deal {
                id: DealId::placeholder(0),
                title: "X".into(),
                stage: "lead".into(),
                value: Money::new(-1, Currency::EUR),
                ..Deal::default()
            }))],
            vec![Change::Create(Record::Deal(Deal {
                id: DealId::placeholder(0),
                title: "X".into(),
                stage: "lead".into(),
                contact: Some(ContactId(42)),
                ..Deal::default()
            }))],
            vec![Change::Edit { target: Ref::Contact(ContactId(1)), edits: vec![Edit::Value(Money::default())] }],
            vec![Change::MoveDeal { deal: DealId(9), stage: "won".into(), reason: String::new() }],
            vec![Change::Restore { target: Ref::Contact(ContactId(1)) }],
            vec![Change::CompleteTask { task: TaskId(1), next: None }],
            vec![Change::Create(Record::User(User { login: "bad login".into(), ..User::default() }))],
        ];
        for batch in bad_batches {
            let err = s.apply("anna", T0, &batch).expect_err("must fail");
            assert!(!err.to_string().is_empty());
            assert_eq!(before, full_snapshot(&s), "{engine}: {batch:?} wrote something ({err})");
        }
    }
}

#[test]
fn two_reps_editing_one_record_both_keep_different_fields_and_the_same_field_is_a_conflict() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path(), engine);
        for login in ["anna", "ben", "carl"] {
            let user = User { login: login.into(), name: login.into(), ..User::default() };
            s.apply("anna", T0, &[Change::Create(Record::User(user))]).unwrap();
        }
        let deal =
            Deal { id: DealId::placeholder(0), title: "Fit-out".into(), stage: "lead".into(), ..Deal::default() };
        s.apply("anna", T0, &[Change::Create(Record::Deal(deal))]).unwrap();
        let target = Ref::Deal(DealId(1));
        let eur = |c| Money::new(c, Currency::EUR);
        // Both opened the deal as it was; each change carries what its editor saw.
        let shown = |edits: Vec<Edit>| Change::Edit { target: target.clone(), edits };
        let anna = shown(vec![Edit::Value(eur(500_000))])
            .guarded_by(&shown(vec![Edit::Value(eur(0)), Edit::Name("Fit-out".into())]));
        let ben =
            shown(vec![Edit::Name("Office fit-out".into())]).guarded_by(&shown(vec![Edit::Name("Fit-out".into())]));
        s.apply("anna", T0, &[anna]).unwrap();
        s.apply("ben", T0, &[ben]).expect("a different field: both apply");
        let Some(Record::Deal(d)) = s.get(&target).unwrap() else { panic!("{engine}: deal gone") };
        assert_eq!((d.title.as_str(), d.value), ("Office fit-out", eur(500_000)), "{engine}");
        // Carl saw the old title and renames it too: a conflict naming both values; nothing of
        // his batch is written, not even the value he also changed.
        let before = full_snapshot(&s);
        let carl = shown(vec![Edit::Value(eur(600_000)), Edit::Name("Fit-out B".into())])
            .guarded_by(&shown(vec![Edit::Value(eur(500_000)), Edit::Name("Fit-out".into())]));
        match s.apply("carl", T0, &[carl]) {
            Err(StoreError::FieldConflict(c)) => assert_eq!(
                c,
                FieldConflict {
                    target: target.clone(),
                    field: "name".into(),
                    seen: "Fit-out".into(),
                    theirs: "Office fit-out".into(),
                    yours: "Fit-out B".into(),
                },
                "{engine}"
            ),
            other => panic!("{engine}: expected a field conflict, got {other:?}"),
        }
        assert_eq!(before, full_snapshot(&s), "{engine}: a refused batch wrote something");
        // Guards are checked, not journaled: the history says what changed.
        let history = s.history(&target).unwrap();
        assert!(history.iter().all(|h| !format!("{h:?}").contains("Unchanged")), "{engine}: {history:?}");
    }
}

#[test]
fn engine_seam_scans_agree_on_both_engines() {
    use crm::store::engine::prefix_range;
    use std::ops::Bound;
    let mut results = Vec::new();
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path(), engine);
        s.engine()
            .write(&mut |txn| {
                for k in [&b"a1"[..], b"a2", b"a3", b"b1", b"\xffz"] {
                    txn.put(Tree::Meta, k, b"v")?;
                }
                txn.remove(Tree::Meta, b"a2")?;
                // reads inside the write see its own writes, scans too, in order
                let mut seen = Vec::new();
                txn.scan(Tree::Meta, prefix_range(b"a"), true, &mut |k, _| {
                    seen.push(k.to_vec());
                    true
                })?;
                assert_eq!(seen, vec![b"a3".to_vec(), b"a1".to_vec()], "{engine}");
                assert_eq!(txn.get(Tree::Meta, b"a2")?, None);
                Ok(())
            })
            .unwrap();
        let mut keys = Vec::new();
        s.engine()
            .scan(Tree::Meta, (Bound::Excluded(b"a1".to_vec()), Bound::Included(b"b1".to_vec())), false, &mut |k, _| {
                keys.push(k.to_vec());
                true
            })
            .unwrap();
        let mut empty = 0;
        s.engine()
            .scan(Tree::Meta, (Bound::Included(b"z".to_vec()), Bound::Excluded(b"a".to_vec())), false, &mut |_, _| {
                empty += 1;
                true
            })
            .unwrap();
        assert_eq!(empty, 0);
        results.push(keys);
    }
    assert_eq!(results[0], vec![b"a3".to_vec(), b"b1".to_vec()]);
    assert_eq!(results[0], results[1]);
}

#[test]
fn opening_with_the_other_engine_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), "sled"));
    let err = Store::open(dir.path(), Some(EngineKind::Redb)).err().expect("must refuse");
    assert!(err.to_string().contains("is a sled database"), "{err}");
    // No explicit choice: the database keeps its engine.
    assert_eq!(Store::open(dir.path(), None).unwrap().engine_kind(), EngineKind::Sled);
}

#[test]
fn history_lists_who_changed_a_record() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path(), engine);
        let user = |login: &str| Change::Create(Record::User(User { login: login.into(), ..User::default() }));
        s.apply("anna", T0, &[user("anna"), user("kenji")]).unwrap();
        let r = s
            .apply(
                "anna",
                T0,
                &[Change::Create(Record::Contact(Contact {
                    id: ContactId::placeholder(0),
                    name: "Ann".into(),
                    ..Contact::default()
                }))],
            )
            .unwrap();
        let c = r.created[0].clone();
        s.apply(
            "kenji",
            T0.plus_minutes(5),
            &[Change::Edit { target: c.clone(), edits: vec![Edit::JobTitle("CEO".into())] }],
        )
        .unwrap();
        let h = s.history(&c).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].author, "kenji");
        assert_eq!(h[0].at, T0.plus_minutes(5));
        assert!(h[0].summary().contains("title = \"CEO\""), "{}", h[0].summary());
        assert_eq!(h[1].author, "anna");
    }
}
