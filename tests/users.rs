//! Teams, first slice: users with roles and managers, personal tokens (shown once, stored
//! hashed), who may export, the audit log, and the rep who leaves (scenario 6).

mod common;

use common::Db;
use serde_json::Value;
use std::io::Write;
use std::process::Stdio;

fn created(v: &Value) -> String {
    v["created"][0].as_str().unwrap_or_else(|| panic!("no created id in {v}")).to_string()
}

/// `crm user verify` with `token` on stdin: (exit code, stdout, stderr).
fn verify(db: &Db, token: &str) -> (Option<i32>, String, String) {
    let mut child = db
        .cmd()
        .args(["user", "verify", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run crm");
    child.stdin.take().expect("stdin").write_all(format!("{token}\n").as_bytes()).expect("write token");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Every byte of every file under `dir`.
fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(all_bytes(&p));
        } else {
            out.extend(std::fs::read(&p).expect("read file"));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn team(db: &Db) {
    db.ok(&["user", "add", "marta", "--name", "Marta Kowalska", "--role", "manager"]);
    db.ok(&["user", "add", "olek", "--name", "Olek Nowak", "--role", "rep", "--manager", "marta"]);
}

#[test]
fn tokens_are_shown_once_stored_hashed_and_refused_when_revoked_or_disabled() {
    for engine in common::ENGINES {
        let db = Db::new(engine);
        team(&db);
        let token = db.ok(&["user", "token", "olek", "-q"]).trim().to_string();
        assert!(token.starts_with("crm_olek_") && token.len() == "crm_olek_".len() + 64, "{token}");

        // Only a salted hash is kept: neither the token nor its secret part is in any file.
        let secret = token.rsplit_once('_').map(|(_, s)| s.to_string()).unwrap_or_default();
        let bytes = all_bytes(&db.path());
        assert!(!contains(&bytes, token.as_bytes()), "{engine}: the raw token is in the database files");
        assert!(!contains(&bytes, secret.as_bytes()), "{engine}: the token's secret is in the database files");
        let users = db.json(&["user", "list"]);
        assert!(!users.to_string().contains(&secret));
        let olek = users.as_array().unwrap().iter().find(|u| u["login"] == "olek").cloned().unwrap();
        assert_eq!(olek["token"], "active");
        assert_eq!(olek["manager"], "marta");

        let (code, out, _) = verify(&db, &token);
        assert_eq!(code, Some(0), "{engine}: a fresh token is accepted");
        assert!(out.contains("\"olek\""), "{out}");

        // A wrong secret, garbage, a rep managing someone else's token.
        let mut bad = token.clone();
        let last = if bad.ends_with('0') { '1' } else { '0' };
        bad.pop();
        bad.push(last);
        let (code, _, err) = verify(&db, &bad);
        assert_eq!(code, Some(8));
        assert!(err.contains("not valid"), "{err}");
        let (code, _, err) = verify(&db, "hunter2");
        assert_eq!((code, err.contains("not a crm token")), (Some(8), true), "{err}");
        let e = db.fails(&["--as", "olek", "user", "token", "marta"], 8);
        assert!(e.contains("only marta or an admin"), "{e}");

        // Disabled: refused, and olek cannot act as himself; enabled again: accepted.
        db.ok(&["user", "disable", "olek"]);
        let (code, _, err) = verify(&db, &token);
        assert_eq!(code, Some(8));
        assert!(err.contains("olek is disabled"), "{err}");
        let e = db.fails(&["--as", "olek", "contact", "list"], 8);
        assert!(e.contains("user olek is disabled") && e.contains("crm user enable olek"), "{e}");
        db.ok(&["user", "enable", "olek"]);
        assert_eq!(verify(&db, &token).0, Some(0));

        // Revoked: refused with the date; a new token replaces it, and the old one is unknown.
        db.ok(&["--as", "olek", "user", "token", "olek", "--revoke"]);
        let (code, _, err) = verify(&db, &token);
        assert_eq!(code, Some(8));
        assert!(err.contains("revoked on 2026-11-27"), "{err}");
        db.fails(&["user", "token", "olek", "--revoke"], 4);
        let second = db.ok(&["user", "token", "olek", "-q"]).trim().to_string();
        assert_ne!(second, token);
        assert_eq!(verify(&db, &second).0, Some(0));
        assert!(verify(&db, &token).2.contains("not valid"));

        // The audit says what happened to the token, never its hash.
        let audit = db.json(&["audit", "--record", "@olek"]);
        let details: Vec<&str> = audit.as_array().unwrap().iter().map(|r| r["detail"].as_str().unwrap()).collect();
        assert_eq!(
            details,
            [
                "new token issued",
                "token revoked",
                "disabled = false",
                "disabled = true",
                "new token issued",
                "created user \"olek\""
            ],
            "{engine}"
        );
    }
}

#[test]
fn reps_may_not_export_managers_may_and_every_export_is_in_the_audit() {
    let db = Db::new("redb");
    team(&db);
    db.ok(&["contact", "add", "Anna Müller", "--tag", "vip"]);
    db.ok(&["contact", "add", "Bo Berg"]);

    for args in [&["export", "csv", "contacts"][..], &["export", "vcard"], &["export", "json"], &["backup"]] {
        let mut all = vec!["--as", "olek"];
        all.extend(args);
        let e = db.fails(&all, 8);
        assert!(e.contains("is for admins and managers") && e.contains("olek is a rep"), "{args:?}: {e}");
    }
    let e = db.fails(&["--as", "olek", "import", "json", "/nonexistent.json"], 4);
    assert!(e.contains("cannot read"), "the file is read first: {e}");

    let csv = db.ok(&["--as", "marta", "export", "csv", "contacts", "tag:vip"]);
    assert!(csv.contains("Anna Müller") && !csv.contains("Bo Berg"), "{csv}");
    db.ok(&["--as", "marta", "export", "vcard"]);
    let backup = db.path().with_extension("backup.json");
    db.ok(&["--as", "marta", "export", "json", "--out", backup.to_str().unwrap()]);

    let audit = db.json(&["audit", "--user", "marta"]);
    let rows: Vec<(&str, &str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["action"].as_str().unwrap(), r["label"].as_str().unwrap(), r["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [
            ("exported", "json (whole database)", "exported 5 records (json (whole database))"),
            ("exported", "vcard contacts", "exported 2 records (vcard contacts)"),
            ("exported", "csv contacts", "exported 1 record (csv contacts, tag:vip)"),
        ]
    );
    // An export changes nothing, so there is nothing to undo.
    db.fails(&["--as", "marta", "undo"], 1);
    // A manager cannot add users; a rep cannot disable anyone.
    db.fails(&["--as", "marta", "user", "add", "zoe"], 8);
    db.fails(&["--as", "olek", "user", "disable", "marta"], 8);
    // The last admin cannot be disabled or demoted.
    let e = db.fails(&["user", "set", "anna", "--role", "rep"], 8);
    assert!(e.contains("last admin"), "{e}");
}

#[test]
fn the_rep_who_leaves_hands_everything_over_in_one_change_that_one_undo_takes_back() {
    let db = Db::new("sled");
    team(&db);
    // Olek sells to his accounts; for a while he was a manager and exported them.
    db.ok(&["user", "set", "olek", "--role", "manager"]);
    db.ok(&["--as", "olek", "company", "add", "Atlas GmbH"]);
    db.ok(&["--as", "olek", "contact", "add", "Anna Müller", "--company", "Atlas"]);
    db.ok(&["--as", "olek", "contact", "add", "Bo Berg"]);
    let gone = created(&db.json(&["--as", "olek", "contact", "add", "Gone Away"]));
    db.ok(&["--as", "olek", "contact", "rm", &gone]);
    db.ok(&["--as", "olek", "deal", "add", "Annual supply", "--contact", "Anna"]);
    db.ok(&["--as", "olek", "task", "add", "Call Anna", "--due", "tomorrow"]);
    let done = created(&db.json(&["--as", "olek", "task", "add", "Old call", "--due", "yesterday"]));
    db.ok(&["--as", "olek", "task", "done", &done]);
    db.ok(&["contact", "add", "Anna's own"]);
    db.ok(&["--as", "olek", "export", "csv", "contacts"]);
    db.ok(&["user", "set", "olek", "--role", "rep"]);
    db.ok(&["user", "add", "pia", "--manager", "olek"]);

    let before = db.json(&["contact", "list"]);
    let msg = db.ok(&["user", "disable", "olek", "--reassign-to", "marta"]);
    assert!(
        msg.contains("olek is disabled; to marta: 2 contacts, 1 company, 1 deal, 1 open task, manager of 1 user"),
        "{msg}"
    );

    let owners = |kind: &str| -> Vec<String> {
        let mut v: Vec<String> = db
            .json(&[kind, "list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["owner"].as_str().unwrap_or("?").to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(owners("contact"), ["anna", "marta", "marta"]);
    assert_eq!(owners("company"), ["marta"]);
    assert_eq!(owners("deal"), ["marta"]);
    let tasks = db.json(&["task", "list", "--all"]);
    let assignees: Vec<(&str, &str)> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["title"].as_str().unwrap(), t["assignee"].as_str().unwrap()))
        .collect();
    assert!(assignees.contains(&("Call Anna", "marta")), "{assignees:?}");
    // What is done or trashed keeps its history: still Olek's.
    let trashed = db.json(&["audit", "--record", &gone]);
    assert_eq!(trashed.as_array().map(Vec::len), Some(2), "created and trashed only: {trashed}");
    let old_call = db.json(&["audit", "--record", &done]);
    assert_eq!(old_call[0]["action"], "done", "{old_call}");
    let users = db.json(&["user", "list"]);
    let pia = users.as_array().unwrap().iter().find(|u| u["login"] == "pia").cloned().unwrap();
    assert_eq!(pia["manager"], "marta");

    // Olek cannot use crm any more; the audit shows what he exported before leaving.
    let e = db.fails(&["--as", "olek", "agenda"], 8);
    assert!(e.contains("disabled"), "{e}");
    let audit = db.json(&["audit", "--user", "olek"]);
    let exported: Vec<&Value> = audit.as_array().unwrap().iter().filter(|r| r["action"] == "exported").collect();
    assert_eq!(exported.len(), 1, "{audit}");
    assert_eq!(exported[0]["detail"], "exported 3 records (csv contacts)");
    assert_eq!(audit[audit.as_array().unwrap().len() - 1]["detail"], "created company \"Atlas GmbH\"");

    // One undo takes the whole handover back.
    let undo = db.ok(&["undo"]);
    assert!(undo.contains("undid"), "{undo}");
    assert_eq!(db.json(&["contact", "list"]), before);
    assert_eq!(owners("deal"), ["olek"]);
    db.ok(&["--as", "olek", "agenda"]);
    let last = db.json(&["audit", "--limit", "1"]);
    assert_eq!(last[0]["action"], "undo");
    assert_eq!(last[0]["user"], "anna");

    // Checks on the way in.
    db.fails(&["user", "disable", "olek", "--reassign-to", "nobody"], 3);
    db.fails(&["user", "disable", "olek", "--reassign-to", "olek"], 4);
    let e = db.fails(&["user", "disable", "anna"], 8);
    assert!(e.contains("cannot disable yourself"), "{e}");
}

fn at(db: &Db, when: &str, args: &[&str]) -> String {
    let out = db.cmd().env("CRM_NOW", when).args(args).output().expect("run crm");
    assert!(out.status.success(), "crm {args:?} at {when} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn audit_filters_by_user_date_and_record_and_names_merges() {
    let db = Db::new("redb");
    at(&db, "2026-11-01T10:00:00Z", &["contact", "add", "Anna Müller", "--email", "anna@atlas.de"]);
    at(&db, "2026-11-01T10:00:00Z", &["user", "add", "kenji"]);
    at(&db, "2026-11-20T10:00:00Z", &["--as", "kenji", "contact", "add", "Anna Mueller", "--phone", "+49 1"]);
    at(&db, "2026-11-25T10:00:00Z", &["contact", "edit", "c1", "--title", "Buyer"]);
    at(&db, "2026-11-26T10:00:00Z", &["merge", "c1", "c2"]);

    let rows = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["audit"];
        all.extend(args);
        db.json(&all)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {}",
                    r["user"].as_str().unwrap(),
                    r["action"].as_str().unwrap(),
                    r["record"].as_str().unwrap_or("-"),
                    r["detail"].as_str().unwrap()
                )
            })
            .collect()
    };
    // "-7d" from Friday 2026-11-27: from Friday 2026-11-20 on.
    assert_eq!(
        rows(&["--since", "-7d"]),
        [
            "anna changed c1 phone + work:+49 1",
            "anna merged c2 merged into c1",
            "anna changed c1 title = \"Buyer\"",
            "kenji created c2 created contact \"Anna Mueller\"",
        ]
    );
    assert_eq!(rows(&["--user", "kenji"]), ["kenji created c2 created contact \"Anna Mueller\""]);
    let c1 = rows(&["--record", "c1"]);
    assert_eq!(c1.len(), 3, "{c1:?}");
    assert!(c1[2].starts_with("anna created c1"), "{c1:?}");
    assert_eq!(rows(&["--record", "c1", "--since", "2026-11-25 12:00"]).len(), 1);
    assert_eq!(rows(&["--limit", "2"]).len(), 2);

    let csv = db.ok(&["audit", "--user", "kenji", "--format", "csv"]);
    assert!(csv.starts_with("when,who,what,record,label,detail\n"), "{csv}");
    assert!(csv.contains("kenji,created,c2,Anna Mueller"), "{csv}");
    let table = db.ok(&["audit", "--record", "c2"]);
    assert!(table.contains("merged") && table.contains("Anna Mueller"), "{table}");

    let e = db.fails(&["audit", "--user", "nobody"], 3);
    assert!(e.contains("no user \"nobody\""), "{e}");
    let e = db.fails(&["audit", "--since", "someday"], 4);
    assert!(e.contains("someday"), "{e}");
}

/// Schema 5 re-encodes version 1 users (before managers and tokens) as version 2.
#[test]
fn a_schema_4_database_gets_version_2_users_on_open() {
    use crm::domain::Ref;
    use crm::store::{keys, EngineKind, Store, Tree};
    for engine in common::ENGINES {
        let db = Db::new(engine);
        db.ok(&["user", "add", "kenji", "--role", "manager"]);
        // Make it schema 4: kenji stored as a version 1 record.
        {
            let store = Store::open(&db.path(), Some(EngineKind::parse(engine).unwrap())).unwrap();
            let key = keys::entity_key(&Ref::User("kenji".into()));
            // Version 1 bytes: login, name, role (1 = manager), disabled, created, updated, deleted.
            let mut bytes = vec![1u8, 5];
            bytes.extend(b"kenji");
            bytes.push(5);
            bytes.extend(b"kenji");
            bytes.extend([1, 0, 0, 0, 0]);
            store
                .engine()
                .write(&mut |txn| {
                    txn.put(Tree::Users, &key, &bytes)?;
                    txn.put(Tree::Meta, keys::meta::SCHEMA_VERSION, &4u32.to_be_bytes())
                })
                .unwrap();
            assert_eq!(store.engine().get(Tree::Users, &key).unwrap().unwrap()[0], 1);
        }
        let users = db.json(&["user", "list"]);
        let kenji = users.as_array().unwrap().iter().find(|u| u["login"] == "kenji").cloned().unwrap();
        assert_eq!((kenji["role"].as_str(), kenji["token"].as_str()), (Some("manager"), Some("none")), "{engine}");
        let store = Store::open(&db.path(), Some(EngineKind::parse(engine).unwrap())).unwrap();
        let key = keys::entity_key(&Ref::User("kenji".into()));
        assert_eq!(store.engine().get(Tree::Users, &key).unwrap().unwrap()[0], 2, "{engine}: re-encoded");
        assert_eq!(
            store.engine().get(Tree::Meta, keys::meta::SCHEMA_VERSION).unwrap().as_deref(),
            Some(&crm::store::migrate::SCHEMA_VERSION.to_be_bytes()[..])
        );
    }
}
