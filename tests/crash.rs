//! Durability and process behaviour: acknowledged changes survive SIGKILL on both engines
//! (30 rounds each, killed at random moments, then `crm doctor`-clean); a sled database is
//! refused to a second process with a clear message; a redb database is shared by several.

mod common;
use common::{crm_command, Db, ENGINES};
use crm::domain::{ContactId, Record, Ref};
use crm::store::{EngineKind, Store};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// A small deterministic sequence of "random" kill points.
fn kill_points(rounds: usize, seed: u64) -> Vec<usize> {
    let mut x = seed;
    (0..rounds)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 40) as usize
        })
        .collect()
}

fn crash_rounds(engine: &'static str, rounds: usize) -> (usize, usize) {
    let db = Db::new(engine);
    let mut acked_total = 0;
    let mut found_total = 0;
    for (round, acks_before_kill) in kill_points(rounds, 0x9e37_79b9 + engine.len() as u64).into_iter().enumerate() {
        let mut child = crm_command(&db.path(), engine)
            .args(["stress", "--changes", "100000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start crm stress");
        let stdout = child.stdout.take().expect("stdout");
        let mut acked: Vec<String> = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read ack");
            let id = line.split_whitespace().nth(2).expect("ack line has an id").to_string();
            acked.push(id);
            if acked.len() > acks_before_kill {
                break;
            }
        }
        // SIGKILL in the middle of whatever it is doing now.
        child.kill().expect("kill");
        child.wait().expect("reap");
        let store = Store::open(&db.path(), Some(EngineKind::parse(engine).unwrap())).expect("reopen after kill");
        for id in &acked {
            let r: Ref = id.parse().expect("contact id");
            let Ref::Contact(ContactId(_)) = r else { panic!("not a contact id: {id}") };
            match store.get(&r).expect("read") {
                Some(Record::Contact(c)) => assert!(c.name.starts_with("Stress "), "{c:?}"),
                other => panic!("{engine} round {round}: acknowledged {id} is missing after kill -9 ({other:?})"),
            }
        }
        let report = crm::store::doctor::check(&store, false).expect("doctor");
        assert!(report.healthy(), "{engine} round {round}: {report}");
        acked_total += acked.len();
        found_total += acked.len();
    }
    (acked_total, found_total)
}

#[test]
fn acknowledged_changes_survive_kill_9_redb() {
    let (acked, found) = crash_rounds("redb", 30);
    assert!(acked >= 30, "every round acknowledges at least one change");
    assert_eq!(acked, found);
    eprintln!("redb: 30 kill -9 rounds, {acked} acknowledged changes, all present, doctor clean");
}

#[test]
fn acknowledged_changes_survive_kill_9_sled() {
    let (acked, found) = crash_rounds("sled", 30);
    assert!(acked >= 30);
    assert_eq!(acked, found);
    eprintln!("sled: 30 kill -9 rounds, {acked} acknowledged changes, all present, doctor clean");
}

#[test]
fn a_second_process_on_a_sled_database_gets_a_clear_message() {
    let db = Db::new("sled");
    db.ok(&["contact", "add", "Ann"]);
    let held = Store::open(&db.path(), Some(EngineKind::Sled)).expect("open");
    let stderr = db.fails(&["contact", "list"], 5);
    let expected = format!("crm: database {} is in use by another crm process\n", db.path().display());
    assert_eq!(stderr, expected);
    drop(held);
    db.ok(&["contact", "list"]);
}

#[test]
fn several_processes_share_a_redb_database() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Ann"]);
    // This process keeps the database open (as the TUI would) while others read and write.
    let held = Store::open(&db.path(), Some(EngineKind::Redb)).expect("open");
    db.ok(&["contact", "add", "Bo"]);
    assert_eq!(db.ok(&["contact", "list", "-q"]), "c1\nc2\n");
    match held.get(&Ref::Contact(ContactId(2))).expect("read") {
        Some(Record::Contact(c)) => assert_eq!(c.name, "Bo"),
        other => panic!("the holder does not see the other process's change: {other:?}"),
    }
    // And the holder's writes are seen by the next process.
    held.apply("anna", crm::domain::Timestamp(0), &[crm::domain::Change::Trash { target: Ref::Contact(ContactId(1)) }])
        .expect("write");
    assert_eq!(db.ok(&["contact", "list", "-q"]), "c2\n");
    let _ = ENGINES;
}

/// A process that keeps searches and lists in memory (as `crm serve` does) also sees what
/// another process writes to the database directly, without going through it: it looks at the
/// journal at least every quarter of a second even when it wrote nothing itself.
#[test]
fn reads_kept_in_memory_see_another_process_writing_directly() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Ann Atlas"]);
    let opts = crm::services::OpenOptions {
        db: Some(db.path()),
        config: Some(db.dir.path().join("none.toml")),
        engine: None,
        user: Some("anna".into()),
    };
    let held = crm::services::Crm::open(opts).expect("open");
    held.keep_reads_in_memory();
    let patience = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while held.reads_from() != "memory" {
        assert!(std::time::Instant::now() < patience, "memory never filled");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let quint =
        crm::services::query::ContactQuery { text: Some("quint".into()), limit: Some(10), ..Default::default() };
    assert!(held.contacts(&quint).expect("list").is_empty());
    // This process holds no lock: the CLI opens the database itself and writes.
    db.ok(&["contact", "add", "Zoe Quint"]);
    let mut names: Vec<String> = Vec::new();
    while names.is_empty() {
        assert!(std::time::Instant::now() < patience, "the other process's contact never showed");
        std::thread::sleep(std::time::Duration::from_millis(50));
        names = held.contacts(&quint).expect("list").into_iter().map(|r| r.name).collect();
    }
    assert_eq!(names, ["Zoe Quint"]);
    let q = crm::services::search::Query::parse("zoe quint");
    assert_eq!(held.search(&q, 5).expect("search").first().map(|h| h.label.as_str()), Some("Zoe Quint"));
}
