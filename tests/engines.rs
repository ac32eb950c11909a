//! Engine conversion and `crm doctor`, through the real binary.

mod common;
use common::Db;
use crm::store::{EngineKind, Store, Tree};

#[test]
fn migrate_copies_everything_and_switches_engines_both_ways() {
    let db = Db::new("sled");
    db.ok(&["demo", "--contacts", "60", "--seed", "3"]);
    db.ok(&["contact", "edit", "c1", "--title", "Chief Buyer"]);
    let contacts = db.ok(&["contact", "list", "--format", "json"]);
    let history = db.ok(&["history", "c1", "--format", "json"]);
    let tasks = db.ok(&["task", "list", "--all", "--format", "json"]);

    let out = db.cmd().args(["migrate", "--to", "redb"]).env_remove("CRM_ENGINE").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("from sled to redb") && text.contains("counts and checksums match"), "{text}");
    assert_eq!(std::fs::read_to_string(db.path().join("engine")).unwrap(), "redb\n");

    // The same data, history and undo stack, now on redb.
    let redb = Db { dir: db.dir, engine: "redb" };
    assert_eq!(redb.ok(&["contact", "list", "--format", "json"]), contacts);
    assert_eq!(redb.ok(&["history", "c1", "--format", "json"]), history);
    assert_eq!(redb.ok(&["task", "list", "--all", "--format", "json"]), tasks);
    redb.ok(&["undo"]);
    assert_eq!(
        redb.json(&["contact", "show", "c1"])["contact"]["title"].as_str().map(|t| t != "Chief Buyer"),
        Some(true)
    );
    redb.ok(&["redo"]);
    let e = redb.fails(&["--engine", "sled", "contact", "list"], 4);
    assert!(e.contains("is a redb database"), "{e}");

    // And back.
    let out = redb.cmd().args(["migrate", "--to", "sled"]).env_remove("CRM_ENGINE").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sled = Db { dir: redb.dir, engine: "sled" };
    assert_eq!(sled.ok(&["contact", "list", "--format", "json"]), contacts);
    let e = sled.fails(&["migrate", "--to", "sled"], 4);
    assert!(e.contains("already uses sled"), "{e}");
    sled.ok(&["doctor"]);
}

#[test]
fn doctor_finds_damaged_indexes_and_repair_rebuilds_them() {
    for engine in common::ENGINES {
        let db = Db::new(engine);
        db.ok(&["demo", "--contacts", "40"]);
        assert!(db.ok(&["doctor"]).contains("No problems found"));
        // Damage: drop one index entry and add a stray one, behind the store's back.
        {
            let store = Store::open(&db.path(), Some(EngineKind::parse(engine).unwrap())).unwrap();
            let mut first = None;
            store
                .engine()
                .scan(Tree::ActivityByContact, crm::store::engine::full_range(), false, &mut |k, _| {
                    first = Some(k.to_vec());
                    false
                })
                .unwrap();
            let first = first.expect("demo data has activities");
            store
                .engine()
                .write(&mut |txn| {
                    txn.remove(Tree::ActivityByContact, &first)?;
                    txn.put(Tree::ContactByCompany, &[0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 3, 231], &[])
                })
                .unwrap();
        }
        let report = db.fails(&["doctor"], 7);
        let out = String::from_utf8_lossy(&db.run(&["doctor"]).stdout).to_string();
        assert!(out.contains("missing activity_by_contact entry"), "{out}");
        assert!(out.contains("stray contact_by_company entry for record 999"), "{out}");
        assert!(out.contains("crm doctor --repair"), "{out}{report}");
        db.ok(&["doctor", "--repair"]);
        assert!(db.ok(&["doctor"]).contains("No problems found"), "{engine}");
    }
}

#[test]
fn a_schema_1_database_gets_the_agenda_indexes_on_open() {
    for engine in common::ENGINES {
        let db = Db::new(engine);
        db.ok(&["demo", "--contacts", "60"]);
        let agenda = db.ok(&["agenda", "--all", "--format", "json"]);
        let remind = db.run(&["remind", "--all"]);
        // Make it a schema-1 database: no agenda indexes, version 1.
        {
            let store = Store::open(&db.path(), Some(EngineKind::parse(engine).unwrap())).unwrap();
            store
                .engine()
                .write(&mut |txn| {
                    for tree in [Tree::TaskByAssignee, Tree::ContactCadence, Tree::DealByOwner, Tree::ContactTouch] {
                        let mut keys = Vec::new();
                        txn.scan(tree, crm::store::engine::full_range(), false, &mut |k, _| {
                            keys.push(k.to_vec());
                            true
                        })?;
                        assert!(!keys.is_empty(), "{tree:?} has entries on demo data");
                        for k in keys {
                            txn.remove(tree, &k)?;
                        }
                    }
                    txn.put(Tree::Meta, b"schema_version", &1u32.to_be_bytes())
                })
                .unwrap();
        }
        // Opening upgrades it: the same agenda, the same reminder, and doctor is clean.
        assert_eq!(db.ok(&["agenda", "--all", "--format", "json"]), agenda, "{engine}");
        let again = db.run(&["remind", "--all"]);
        assert_eq!((again.status.code(), again.stdout), (remind.status.code(), remind.stdout), "{engine}");
        assert!(db.ok(&["doctor"]).contains("No problems found"), "{engine}");
    }
}
