//! Roles and visibility (issue 9, point 4), through the real binary as different users: in
//! private visibility a rep cannot list, show, search or export another rep's contact (nor
//! what hangs off it) until it is shared with them; a manager sees their team; an admin sees
//! everything; team visibility (the default) shows everything to everyone; changing what one
//! does not see is refused with exit 8.

mod common;

use common::Db;
use serde_json::Value;

const DENIED: i32 = 8;
const NOT_FOUND: i32 = 3;
const NOTHING: i32 = 1;

fn created(v: &Value) -> String {
    v["created"][0].as_str().unwrap_or_else(|| panic!("no created id in {v}")).to_string()
}

/// crm as `login` (CRM_USER), insisting on success; returns stdout.
fn ok_as(db: &Db, login: &str, args: &[&str]) -> String {
    let out = db.cmd().env("CRM_USER", login).args(args).output().expect("run crm");
    assert!(
        out.status.success(),
        "{login}: crm {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn json_as(db: &Db, login: &str, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let text = ok_as(db, login, &all);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{login}: crm {args:?} gave bad JSON ({e}):\n{text}"))
}

/// crm as `login`, expecting exit `code`; returns stdout and stderr together.
fn fails_as(db: &Db, login: &str, args: &[&str], code: i32) -> String {
    let out = db.cmd().env("CRM_USER", login).args(args).output().expect("run crm");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(code), "{login}: crm {args:?}: expected exit {code}\n{text}");
    text
}

/// The `field` of every row of a JSON list.
fn column(v: &Value, field: &str) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|r| r[field].as_str().map(str::to_string).unwrap_or_else(|| r[field].to_string()))
        .collect();
    out.sort();
    out
}

struct Team {
    db: Db,
    /// Olek's contact (Olek reports to Marta) with a deal, a task and a call.
    olga: String,
    olga_deal: String,
    olga_task: String,
    /// Zoe's contact (Zoe has no manager).
    zofia: String,
}

/// anna (admin, the first user), marta (manager), olek (rep, reports to marta), zoe (rep).
fn team(engine: &'static str) -> Team {
    let db = Db::new(engine);
    db.ok(&["user", "list"]);
    db.ok(&["user", "add", "marta", "--role", "manager"]);
    db.ok(&["user", "add", "olek", "--role", "rep", "--manager", "marta"]);
    db.ok(&["user", "add", "zoe", "--role", "rep"]);
    let olga = created(&json_as(&db, "olek", &["contact", "add", "Olga Orlova", "--email", "olga@orlova.pl"]));
    let olga_deal =
        created(&json_as(&db, "olek", &["deal", "add", "Orlova supply", "--contact", &olga, "--value", "5000"]));
    let olga_task =
        created(&json_as(&db, "olek", &["task", "add", "Call Olga back", "--contact", &olga, "--due", "+1d"]));
    ok_as(&db, "olek", &["log", "call", &olga, "Talked prices"]);
    let zofia = created(&json_as(&db, "zoe", &["contact", "add", "Zofia Zielinska"]));
    Team { db, olga, olga_deal, olga_task, zofia }
}

fn contact_names(db: &Db, login: &str) -> Vec<String> {
    column(&json_as(db, login, &["contact", "list"]), "name")
}

#[test]
fn team_visibility_is_the_default_and_shows_everything_to_everyone() {
    let t = team("redb");
    let db = &t.db;
    assert_eq!(ok_as(db, "zoe", &["visibility", "-q"]).trim(), "team");
    assert_eq!(contact_names(db, "zoe"), ["Olga Orlova", "Zofia Zielinska"]);
    ok_as(db, "zoe", &["contact", "show", &t.olga]);
    ok_as(db, "zoe", &["contact", "edit", &t.olga, "--title", "Buyer"]);
}

#[test]
fn a_rep_cannot_read_another_reps_private_contact_until_it_is_shared() {
    for engine in common::ENGINES {
        let t = team(engine);
        let db = &t.db;
        // Only an admin sets visibility.
        let e = fails_as(db, "olek", &["visibility", "private"], DENIED);
        assert!(e.contains("setting visibility is for admins"), "{e}");
        ok_as(db, "anna", &["visibility", "private"]);
        assert_eq!(ok_as(db, "zoe", &["visibility", "-q"]).trim(), "private");

        // Lists, cards, search, names, deals, tasks, activities, history: nothing of Olek's.
        assert_eq!(contact_names(db, "zoe"), ["Zofia Zielinska"], "{engine}");
        assert_eq!(contact_names(db, "olek"), ["Olga Orlova"], "{engine}");
        let e = fails_as(db, "zoe", &["contact", "show", &t.olga], NOT_FOUND);
        assert!(e.contains(&format!("{} does not exist", t.olga)), "{e}");
        assert!(!e.contains("Olga"), "the name leaks: {e}");
        fails_as(db, "zoe", &["search", "olga"], NOTHING);
        fails_as(db, "zoe", &["search", "orlova"], NOTHING);
        fails_as(db, "zoe", &["contact", "show", "Olga Orlova"], NOT_FOUND);
        assert!(json_as(db, "zoe", &["deal", "list"]).as_array().unwrap().is_empty(), "{engine}");
        assert!(json_as(db, "zoe", &["task", "list", "--all"]).as_array().unwrap().is_empty(), "{engine}");
        assert!(json_as(db, "zoe", &["activity", "list"]).as_array().unwrap().is_empty(), "{engine}");
        fails_as(db, "zoe", &["deal", "show", &t.olga_deal], NOT_FOUND);
        fails_as(db, "zoe", &["history", &t.olga], NOT_FOUND);
        let history = ok_as(db, "zoe", &["history"]);
        assert!(!history.contains("Olga"), "{history}");
        assert!(ok_as(db, "zoe", &["agenda", "--all"]).find("Olga").is_none());

        // Changing it, linking to it or sharing it: refused, saying which record and why.
        let e = fails_as(db, "zoe", &["contact", "edit", &t.olga, "--title", "Spy"], DENIED);
        assert!(e.contains(&t.olga) && e.contains("not yours to change"), "{e}");
        fails_as(db, "zoe", &["contact", "rm", &t.olga], DENIED);
        fails_as(db, "zoe", &["deal", "move", &t.olga_deal, "won"], DENIED);
        fails_as(db, "zoe", &["task", "done", &t.olga_task], DENIED);
        fails_as(db, "zoe", &["share", &t.olga, "zoe"], DENIED);
        fails_as(db, "zoe", &["log", "note", &t.olga, "x"], NOT_FOUND);
        let card = json_as(db, "olek", &["contact", "show", &t.olga]);
        assert_eq!(card["contact"]["title"], "", "{engine}: nothing was written");

        // Shared: Zoe sees it, what hangs off it, and may edit it; she may not share it on.
        ok_as(db, "olek", &["share", &t.olga, "zoe"]);
        assert_eq!(column(&json_as(db, "olek", &["share", &t.olga]), "shared with"), ["zoe"]);
        assert_eq!(contact_names(db, "zoe"), ["Olga Orlova", "Zofia Zielinska"], "{engine}");
        let card = json_as(db, "zoe", &["contact", "show", &t.olga]);
        assert_eq!(card["deals"].as_array().map(Vec::len), Some(1), "{engine}: {card}");
        assert_eq!(card["tasks"].as_array().map(Vec::len), Some(1), "{engine}: {card}");
        assert_eq!(card["activities"].as_array().map(Vec::len), Some(1), "{engine}: {card}");
        assert_eq!(column(&json_as(db, "zoe", &["deal", "list"]), "title"), ["Orlova supply"]);
        assert!(ok_as(db, "zoe", &["search", "olga"]).contains("Olga Orlova"));
        ok_as(db, "zoe", &["contact", "edit", &t.olga, "--title", "Buyer"]);
        let e = fails_as(db, "zoe", &["share", &t.olga, "marta"], DENIED);
        assert!(e.contains("olek, their manager or an admin"), "{e}");

        // Taken back (and the same by undo): hidden again.
        ok_as(db, "olek", &["unshare", &t.olga, "zoe"]);
        assert_eq!(contact_names(db, "zoe"), ["Zofia Zielinska"], "{engine}");
        ok_as(db, "olek", &["undo"]);
        assert_eq!(contact_names(db, "zoe"), ["Olga Orlova", "Zofia Zielinska"], "{engine}: unshare undone");
        ok_as(db, "olek", &["undo"]);
        assert_eq!(contact_names(db, "zoe"), ["Zofia Zielinska"], "{engine}: share undone");
        ok_as(db, "olek", &["redo"]);
        assert_eq!(contact_names(db, "zoe"), ["Olga Orlova", "Zofia Zielinska"], "{engine}: share redone");

        // Team visibility again: everyone sees everything.
        ok_as(db, "anna", &["visibility", "team"]);
        assert_eq!(contact_names(db, "olek"), ["Olga Orlova", "Zofia Zielinska"], "{engine}");
    }
}

#[test]
fn a_manager_sees_their_team_and_an_admin_everything() {
    let t = team("redb");
    let db = &t.db;
    ok_as(db, "anna", &["visibility", "private"]);
    assert_eq!(contact_names(db, "marta"), ["Olga Orlova"], "olek reports to marta; zoe does not");
    ok_as(db, "marta", &["contact", "show", &t.olga]);
    fails_as(db, "marta", &["contact", "show", &t.zofia], NOT_FOUND);
    assert_eq!(contact_names(db, "anna"), ["Olga Orlova", "Zofia Zielinska"]);
    ok_as(db, "anna", &["contact", "edit", &t.zofia, "--title", "CEO"]);
    // A manager shares what their team owns; Zoe then sees it.
    ok_as(db, "marta", &["share", &t.olga, "zoe"]);
    assert_eq!(contact_names(db, "zoe"), ["Olga Orlova", "Zofia Zielinska"]);
}

#[test]
fn exports_hold_only_what_the_exporter_sees() {
    let t = team("redb");
    let db = &t.db;
    ok_as(db, "anna", &["visibility", "private"]);
    let csv = ok_as(db, "marta", &["export", "csv", "contacts"]);
    assert!(csv.contains("Olga Orlova") && !csv.contains("Zofia"), "{csv}");
    let vcf = ok_as(db, "marta", &["export", "vcard"]);
    assert!(vcf.contains("Olga Orlova") && !vcf.contains("Zofia"), "{vcf}");
    // A whole-database backup holds every team's records: admins only while private.
    let e = fails_as(db, "marta", &["export", "json"], DENIED);
    assert!(e.contains("for admins while visibility is private"), "{e}");
    let backup = ok_as(db, "anna", &["export", "json"]);
    assert!(backup.contains("Zofia") && backup.contains("Olga"));
    // Reps never bulk export (as before).
    fails_as(db, "zoe", &["export", "csv", "contacts"], DENIED);
}

#[test]
fn the_facade_refuses_what_a_front_end_sends_on_behalf_of_a_user() {
    use crm::domain::*;
    use crm::services::{Crm, OpenOptions, ServiceError};
    let t = team("redb");
    ok_as(&t.db, "anna", &["visibility", "private"]);
    // What the socket holder and the server do for each request: the caller's view, then a
    // plain `apply` of the changes the client sent.
    let zoe = Crm::open(OpenOptions {
        db: Some(t.db.path()),
        config: Some(t.db.path().with_extension("config.toml")),
        user: Some("zoe".into()),
        ..OpenOptions::default()
    })
    .expect("open as zoe");
    let olga: ContactId = t.olga.parse().expect("contact id");
    let denied = |changes: Vec<Change>| match zoe.apply(changes) {
        Err(ServiceError::Denied(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let m = denied(vec![Change::Edit { target: Ref::User("zoe".into()), edits: vec![Edit::Role(Role::Admin)] }]);
    assert!(m.contains("changing users is for admins"), "{m}");
    denied(vec![Change::SetVisibility(Visibility::Team)]);
    denied(vec![Change::Trash { target: Ref::Contact(olga) }]);
    denied(vec![Change::Share { target: Ref::Contact(olga), login: "zoe".into() }]);
    let e = zoe
        .apply(vec![Change::Create(Record::Task(Task {
            id: TaskId::placeholder(1),
            title: "Steal Olga".into(),
            contact: Some(olga),
            assignee: "zoe".into(),
            ..Task::default()
        }))])
        .expect_err("linking to a contact zoe does not see");
    assert!(matches!(&e, ServiceError::NotFound(m) if m == &format!("{olga} does not exist")), "{e}");
    assert!(zoe.contact_card(olga).is_err());
    assert_eq!(zoe.visible_record(&Ref::Contact(olga)).expect("read"), None);
    // A user may still rename themselves and manage their own token.
    zoe.apply(vec![Change::Edit { target: Ref::User("zoe".into()), edits: vec![Edit::Name("Zoe Z".into())] }])
        .expect("own name");
    zoe.issue_token("zoe").expect("own token");
}

#[test]
fn requests_a_rep_sends_on_the_wire_cannot_take_secrets_data_or_skip_the_export_journal() {
    use crm::api::{handle, Request};
    use crm::domain::Role;
    use crm::services::{Crm, OpenOptions};
    let t = team("redb");
    let open = |login: &str| {
        Crm::open(OpenOptions {
            db: Some(t.db.path()),
            config: Some(t.db.path().with_extension("config.toml")),
            user: Some(login.into()),
            ..OpenOptions::default()
        })
        .expect("open")
    };
    ok_as(&t.db, "zoe", &["user", "token", "zoe"]);
    let zoe = open("zoe");
    let code = |r: Result<serde_json::Value, crm::api::ApiError>| match r {
        Ok(v) => panic!("expected a refusal, got {v}"),
        Err(e) => e.code,
    };
    // No user record leaves the database with its token's salt and hash.
    for req in [Request::Users {}, Request::UserRecord { login: "zoe".into() }] {
        let text = handle(&zoe, req).expect("users").to_string();
        assert!(text.contains("\"issued\""), "the token's dates travel: {text}");
    }
    let stored = zoe.user_record("zoe").expect("zoe").token.expect("a token");
    let sent: crm::domain::User =
        serde_json::from_value(handle(&zoe, Request::UserRecord { login: "zoe".into() }).expect("user"))
            .expect("user json");
    let sent = sent.token.expect("token dates");
    assert_ne!(stored.hash, [0; 32]);
    assert_eq!((sent.hash, sent.salt, sent.issued), ([0; 32], [0; 16], stored.issued));
    // Sample data and repairs are for admins; bulk exports for managers and admins.
    assert_eq!(code(handle(&zoe, Request::Demo { contacts: 10, seed: 1 })), "denied");
    assert_eq!(code(handle(&zoe, Request::Doctor { repair: true })), "denied");
    handle(&zoe, Request::Doctor { repair: false }).expect("anyone may check");
    let export = |kind| Request::Export { kind, vcard: None, view: None, filter: String::new() };
    assert_eq!(code(handle(&zoe, export(crm::services::import::ImportKind::Contacts))), "denied");
    // A manager's export is journaled where the database is, once, whatever the client does.
    let marta = open("marta");
    assert_eq!(marta.current_user().expect("marta").role, Role::Manager);
    handle(&marta, export(crm::services::import::ImportKind::Contacts)).expect("a manager exports");
    let audit = ok_as(&t.db, "anna", &["audit", "--user", "marta"]);
    let rows: Vec<&str> = audit.lines().filter(|l| l.contains("exported")).collect();
    assert_eq!(rows.len(), 1, "{audit}");
    assert!(rows[0].contains("exported 2 records (csv contacts)"), "{audit}");
}
