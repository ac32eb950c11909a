//! The CLI end to end, on the real binary and a temporary database: every noun and verb,
//! JSON output parsed back, exit codes, and human dates.

mod common;
use common::Db;
use serde_json::Value;

fn created(v: &Value) -> String {
    v["created"][0].as_str().unwrap_or_else(|| panic!("no created id in {v}")).to_string()
}

#[test]
fn contacts_companies_deals_tasks_and_activities_round_trip() {
    let db = Db::new("redb");
    // company + contact (the contact's company is linked by name)
    let co = created(&db.json(&[
        "company",
        "add",
        "Atlas GmbH",
        "--website",
        "atlas.de",
        "--industry",
        "wholesale",
        "--tag",
        "vip",
    ]));
    assert_eq!(co, "co1");
    let c = created(&db.json(&[
        "contact",
        "add",
        "Anna Müller",
        "--company",
        "Atlas",
        "--title",
        "Buyer",
        "--email",
        "work:anna@atlas.de",
        "--phone",
        "mobile:+49 170 1234567",
        "--tag",
        "vip",
        "--field",
        "vat=DE123",
        "--address",
        "Hauptstr. 1, 10115 Berlin, Germany",
        "--cadence",
        "14",
    ]));
    assert_eq!(c, "c1");
    let list = db.json(&["contact", "list"]);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["name"], "Anna Müller");
    assert_eq!(list[0]["company"], "Atlas GmbH");
    assert_eq!(list[0]["email"], "anna@atlas.de");
    assert_eq!(list[0]["owner"], "anna");

    // a contact whose company does not exist yet creates it in the same change
    let out = db.json(&["contact", "add", "Иван Петров", "--company", "Nordlicht AB"]);
    assert_eq!(out["created"], serde_json::json!(["co2", "c2"]));
    assert_eq!(db.json(&["company", "list"]).as_array().map(Vec::len), Some(2));

    // edit and show
    db.ok(&[
        "contact",
        "edit",
        "c1",
        "--title",
        "Head of Purchasing",
        "--rm-tag",
        "vip",
        "--email",
        "home:anna@example.org",
    ]);
    let card = db.json(&["contact", "show", "müller"]);
    assert_eq!(card["contact"]["title"], "Head of Purchasing");
    assert_eq!(card["contact"]["tags"], serde_json::json!([]));
    assert_eq!(card["contact"]["emails"].as_array().map(Vec::len), Some(2));
    assert_eq!(card["contact"]["fields"]["vat"], "DE123");
    assert_eq!(card["contact"]["address"]["city"], "Berlin");
    assert_eq!(card["company"]["name"], "Atlas GmbH");

    // deals: add, move, list by stage, show with history
    let d = created(&db.json(&[
        "deal",
        "add",
        "Annual supply",
        "--contact",
        "Anna",
        "--value",
        "12,000 EUR",
        "--stage",
        "proposal",
        "--close",
        "+30d",
    ]));
    assert_eq!(d, "d1");
    db.ok(&["deal", "move", "d1", "negotiation"]);
    let deals = db.json(&["deal", "list", "--stage", "negotiation"]);
    assert_eq!(deals[0]["id"], "d1");
    assert_eq!(deals[0]["company"], "Atlas GmbH", "a deal gets its contact's company");
    assert_eq!(deals[0]["value"]["minor"], 1_200_000);
    assert_eq!(deals[0]["probability"], 75);
    assert_eq!(deals[0]["weighted"]["minor"], 900_000);
    assert_eq!(deals[0]["close"], "2026-12-27");
    let dcard = db.json(&["deal", "show", "d1"]);
    let stages: Vec<&str> = dcard["history"].as_array().unwrap().iter().map(|h| h["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["proposal", "negotiation"]);
    db.ok(&["deal", "edit", "d1", "--value", "15000", "--probability", "60"]);
    assert_eq!(db.json(&["deal", "show", "d1"])["deal"]["weighted"]["minor"], 900_000);
    db.ok(&["deal", "move", "d1", "won", "--reason", "best delivery time"]);
    assert_eq!(db.json(&["deal", "show", "d1"])["reason"], "best delivery time");

    // tasks: add with human dates, list overdue/today, snooze, done with recurrence
    let t1 = created(&db.json(&[
        "task",
        "add",
        "Send quote",
        "--due",
        "yesterday 10:00",
        "--contact",
        "c1",
        "--priority",
        "high",
    ]));
    let t2 = created(&db.json(&["task", "add", "Call back", "--due", "today 17:00", "--contact", "c1"]));
    let t3 = created(&db.json(&["task", "add", "Weekly review", "--due", "fri", "--repeat", "weekly"]));
    let overdue = db.json(&["task", "list", "--overdue"]);
    assert_eq!(
        overdue.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect::<Vec<_>>(),
        [t1.as_str()]
    );
    assert_eq!(overdue[0]["due"], "2026-11-26T10:00:00Z");
    assert_eq!(overdue[0]["contact"], "Anna Müller");
    let today = db.json(&["task", "list", "--today"]);
    assert_eq!(today[0]["id"], t2.as_str());
    db.ok(&["task", "snooze", &t1, "tomorrow 9:00"]);
    assert_eq!(db.json(&["task", "list", "--overdue"]).as_array().map(Vec::len), Some(0));
    assert_eq!(db.json(&["task", "show", &t1])["snoozed_until"], "2026-11-28T09:00:00Z");
    let done = db.json(&["task", "done", &t3]);
    assert_eq!(done["created"], serde_json::json!(["t4"]), "a weekly task rolls over");
    assert_eq!(db.json(&["task", "show", "t4"])["due"], "2026-12-11");
    assert_eq!(db.json(&["task", "show", &t3])["due"], "2026-12-04");
    db.ok(&["task", "reopen", &t3]);
    db.ok(&["task", "edit", &t2, "--title", "Call back about delivery", "--due", "+2d"]);
    assert_eq!(db.json(&["task", "show", &t2])["title"], "Call back about delivery");
    assert_eq!(db.json(&["task", "list", "--done"]).as_array().map(Vec::len), Some(0));

    // log activities; the card's timeline is newest first
    db.ok(&[
        "log",
        "call",
        "Anna",
        "Discussed the quote",
        "--outcome",
        "reached",
        "--duration",
        "15m",
        "--at",
        "yesterday 15:00",
    ]);
    db.ok(&["log", "meeting", "c1", "Site visit", "--deal", "d1", "--body", "Saw the warehouse"]);
    let acts = db.json(&["activity", "list", "--contact", "c1"]);
    assert_eq!(acts[0]["summary"], "Site visit");
    assert_eq!(acts[1]["duration_min"], 15);
    let card = db.json(&["contact", "show", "c1"]);
    assert_eq!(card["last_contact"], "2026-11-27T09:00:00Z");
    assert_eq!(card["activities"].as_array().map(Vec::len), Some(2));
    assert_eq!(card["deals"][0]["id"], "d1");

    // rm to trash, restore
    db.ok(&["contact", "rm", "c2"]);
    let trash = db.json(&["trash", "list"]);
    assert_eq!(trash[0]["id"], "c2");
    assert_eq!(db.json(&["contact", "list"]).as_array().map(Vec::len), Some(1));
    db.ok(&["trash", "restore", "c2"]);
    assert_eq!(db.json(&["contact", "list"]).as_array().map(Vec::len), Some(2));
    for (noun, id) in [("company", "co2"), ("deal", "d1"), ("task", t2.as_str())] {
        db.ok(&[noun, "rm", id]);
    }
    db.ok(&["activity", "rm", "a1"]);
    assert_eq!(db.json(&["trash", "list"]).as_array().map(Vec::len), Some(4));

    // history of one record and of everything
    let hist = db.json(&["history", "c1"]);
    assert!(
        hist.as_array()
            .unwrap()
            .iter()
            .any(|h| h["summary"].as_str().unwrap().contains("title = \"Head of Purchasing\"")),
        "{hist}"
    );
    assert!(hist.as_array().unwrap().iter().all(|h| h["author"] == "anna"));
    assert!(db.json(&["history", "--limit", "3"]).as_array().map(Vec::len) == Some(3));

    // users
    db.ok(&["user", "add", "kenji", "--name", "Kenji Sato", "--role", "manager"]);
    let users = db.json(&["user", "list"]);
    let logins: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap()).collect();
    assert_eq!(logins, ["anna", "kenji"]);
    assert_eq!(users[0]["role"], "admin", "the first user is the admin");
}

#[test]
fn quiet_prints_ids_and_csv_has_headers() {
    let db = Db::new("redb");
    assert_eq!(db.ok(&["contact", "add", "Zoë Ålund", "-q"]), "c1\n");
    db.ok(&["contact", "add", "Bob, \"the\" builder", "--email", "bob@b.io"]);
    assert_eq!(db.ok(&["contact", "list", "-q"]), "c2\nc1\n");
    let csv = db.ok(&["contact", "list", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("id,name,company,title,email,phone,tags,owner,last contact"));
    assert_eq!(lines.next(), Some("c2,\"Bob, \"\"the\"\" builder\",,,bob@b.io,,,anna,"));
    let table = db.ok(&["contact", "list"]);
    assert!(table.starts_with("ID  NAME"), "{table}");
    assert!(table.contains("Zoë Ålund"));
}

#[test]
fn undo_and_redo_across_processes() {
    let db = Db::new("sled");
    db.ok(&["contact", "add", "Ann"]);
    db.ok(&["contact", "edit", "c1", "--name", "Anne"]);
    let r = db.json(&["undo"]);
    assert!(r["summary"].as_str().unwrap().starts_with("undid #"), "{r}");
    assert_eq!(db.json(&["contact", "show", "c1"])["contact"]["name"], "Ann");
    db.ok(&["undo"]);
    db.fails(&["contact", "show", "c1"], 3);
    let e = db.fails(&["undo"], 1);
    assert!(e.contains("nothing to undo"), "{e}");
    db.ok(&["redo"]);
    db.ok(&["redo"]);
    assert_eq!(db.json(&["contact", "show", "c1"])["contact"]["name"], "Anne");
    db.fails(&["redo"], 1);
    // Another user's undo does not touch anna's changes.
    let out = db.cmd().args(["undo"]).env("CRM_USER", "kenji").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn undo_refuses_to_overwrite_a_later_change_by_someone_else() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Ann"]);
    let out = db.cmd().args(["contact", "edit", "c1", "--title", "CEO"]).env("CRM_USER", "kenji").output().unwrap();
    assert!(out.status.success());
    let e = db.fails(&["undo"], 6);
    assert!(e.contains("c1 was changed after it"), "{e}");
    assert_eq!(db.json(&["contact", "show", "c1"])["contact"]["title"], "CEO");
}

#[test]
fn bad_input_gets_clear_messages_and_exit_codes() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Anna Müller"]);
    db.ok(&["contact", "add", "Anna Schmidt"]);
    let e = db.fails(&["contact", "show", "anna"], 3);
    assert!(e.contains("\"anna\" matches 2 contacts") && e.contains("c1") && e.contains("Anna Schmidt"), "{e}");
    let e = db.fails(&["contact", "show", "c99"], 3);
    assert!(e.contains("c99 does not exist"), "{e}");
    let e = db.fails(&["task", "add", "x", "--due", "2026-02-31"], 4);
    assert!(e.contains("February 2026 has 28 days"), "{e}");
    let e = db.fails(&["task", "add", "x", "--due", "31/02"], 4);
    assert!(e.contains("February has no day 31"), "{e}");
    let e = db.fails(&["contact", "add", "Bo", "--email", "bo-at-example"], 4);
    assert!(e.contains("is not an email address"), "{e}");
    let e = db.fails(&["contact", "add", " "], 4);
    assert!(e.contains("name cannot be empty"), "{e}");
    let e = db.fails(&["deal", "add", "X", "--value", "-5"], 4);
    assert!(e.contains("cannot be negative"), "{e}");
    let e = db.fails(&["deal", "add", "X", "--stage", "closing"], 4);
    assert!(e.contains("unknown stage \"closing\""), "{e}");
    let e = db.fails(&["contact", "list", "--bogus"], 2);
    assert!(e.contains("--bogus"), "{e}");
    // An edit that names no field is refused, not journaled as an empty change.
    let seq = |db: &Db| db.ok(&["history"]).lines().count();
    let before = seq(&db);
    let e = db.fails(&["contact", "edit", "c1"], 4);
    assert!(e.contains("nothing to change"), "{e}");
    assert_eq!(seq(&db), before, "no journal entry");
    assert_eq!(db.json(&["contact", "list"]).as_array().map(Vec::len), Some(2), "nothing was written");
    let e = db.fails(&["--engine", "sled", "contact", "list"], 4);
    assert!(e.contains("is a redb database") && e.contains("crm migrate --to sled"), "{e}");
}

#[test]
fn help_has_examples_and_exit_codes() {
    let db = Db::new("redb");
    let top = db.ok(&["--help"]);
    assert!(top.contains("Exit codes") && top.contains("5 database in use"), "{top}");
    for noun in ["contact add", "deal add", "task add", "log", "deal move", "task snooze"] {
        let mut args: Vec<&str> = noun.split(' ').collect();
        args.push("--help");
        let h = db.ok(&args);
        assert!(h.contains("Example"), "crm {noun} --help has no example:\n{h}");
    }
}

#[test]
fn overview_without_a_subcommand_says_what_to_do() {
    let db = Db::new("redb");
    let out = db.ok(&[]);
    assert!(out.contains("The database is empty") && out.contains("crm demo"), "{out}");
    db.ok(&["task", "add", "Late thing", "--due", "yesterday"]);
    let out = db.ok(&[]);
    assert!(out.contains("Overdue (1)") && out.contains("Late thing"), "{out}");
}

#[test]
fn owners_must_be_users_and_companies_can_be_shown_and_edited() {
    let db = Db::new("redb");
    let e = db.fails(&["contact", "add", "Ann", "--owner", "nobody"], 4);
    assert!(e.contains("there is no user \"nobody\""), "{e}");
    db.ok(&["user", "add", "kenji"]);
    db.ok(&["contact", "add", "Ann", "--owner", "kenji", "--company", "Atlas"]);
    db.ok(&[
        "company",
        "edit",
        "atlas",
        "--industry",
        "retail",
        "--tag",
        "vip",
        "--field",
        "vat=DE1",
        "--name",
        "Atlas AG",
    ]);
    let card = db.json(&["company", "show", "co1"]);
    assert_eq!(card["company"]["name"], "Atlas AG");
    assert_eq!(card["company"]["industry"], "retail");
    assert_eq!(card["company"]["fields"]["vat"], "DE1");
    assert_eq!(card["contacts"][0]["name"], "Ann");
    assert_eq!(card["contacts"][0]["owner"], "kenji");
    db.ok(&["company", "edit", "co1", "--rm-tag", "vip", "--rm-field", "vat"]);
    let card = db.json(&["company", "show", "co1"]);
    assert_eq!(card["company"]["tags"], serde_json::json!([]));
    let text = db.ok(&["company", "show", "co1"]);
    assert!(text.contains("co1  Atlas AG") && text.contains("Contacts (1)"), "{text}");
}

#[test]
fn search_finds_across_types_and_exits_1_on_nothing() {
    let db = Db::new("redb");
    db.ok(&[
        "contact",
        "add",
        "Anna Müller",
        "--company",
        "Atlas GmbH",
        "--phone",
        "+49 (30) 123-4567",
        "--tag",
        "vip",
    ]);
    db.ok(&["contact", "add", "Élodie Fabre"]);
    db.ok(&["deal", "add", "Atlas supply", "--contact", "c1"]);
    db.ok(&["task", "add", "Call Atlas back"]);
    let hits = db.json(&["search", "muller"]);
    assert_eq!(hits[0]["id"], "c1");
    assert_eq!(hits[0]["kind"], "contact");
    assert_eq!(db.json(&["search", "elodie"])[0]["label"], "Élodie Fabre");
    assert_eq!(db.json(&["search", "30 1234567"])[0]["id"], "c1");
    assert_eq!(db.ok(&["search", "@atlas", "-q"]), "co1\n");
    assert_eq!(db.ok(&["search", "$atlas", "-q"]), "d1\n");
    assert_eq!(db.ok(&["search", "!atlas", "-q"]), "t1\n");
    assert_eq!(db.ok(&["search", "atlas", "--type", "deal", "-q"]), "d1\n");
    assert_eq!(db.ok(&["search", "#vip", "-q"]), "c1\n");
    let out = db.run(&["search", "zzqxj"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn lists_take_the_filter_language_and_saved_views() {
    let db = Db::new("redb");
    db.ok(&["user", "add", "kenji"]);
    db.ok(&["contact", "add", "Anna Müller", "--tag", "vip", "--address", "Berlin"]);
    db.ok(&["contact", "add", "Bo Berg", "--owner", "kenji"]);
    db.ok(&["deal", "add", "Big", "--contact", "c1", "--value", "20000", "--stage", "proposal"]);
    db.ok(&["deal", "add", "Small", "--contact", "c2", "--value", "900", "--stage", "proposal"]);
    db.ok(&["task", "add", "Urgent thing", "--priority", "urgent", "--due", "yesterday"]);
    db.ok(&["task", "add", "Later thing", "--due", "+10d"]);
    assert_eq!(db.ok(&["contact", "list", "tag:vip", "-q"]), "c1\n");
    assert_eq!(db.ok(&["contact", "list", "owner:me", "-q"]), "c1\n", "me is the current user (anna)");
    assert_eq!(db.ok(&["contact", "list", "city:berlin", "muller", "-q"]), "c1\n");
    assert_eq!(db.ok(&["contact", "list", "last_contact:never", "-q"]), "c1\nc2\n");
    assert_eq!(db.ok(&["contact", "list", "-q", "--", "-tag:vip"]), "c2\n");
    assert_eq!(db.ok(&["deal", "list", "stage:prop", "value>5000", "-q"]), "d1\n");
    assert_eq!(db.ok(&["task", "list", "priority>=high", "-q"]), "t1\n");
    assert_eq!(db.ok(&["task", "list", "due.after:+5d", "-q"]), "t2\n");
    let e = db.fails(&["deal", "list", "stge:prop"], 4);
    assert!(
        e.contains("crm: bad filter:\n  stge:prop\n  ^^^^ unknown field \"stge\" (did you mean \"stage\"?)"),
        "{e}"
    );
    let e = db.fails(&["contact", "list", "stage:prop"], 4);
    assert!(e.contains("stage does not apply to contacts"), "{e}");
    db.ok(&["view", "save", "big", "stage:proposal", "value>5000"]);
    assert_eq!(db.ok(&["deal", "list", "--view", "big", "-q"]), "d1\n");
    assert!(db.ok(&["view", "list"]).contains("big   stage:proposal value>5000"));
    db.ok(&["view", "rm", "big"]);
    db.fails(&["deal", "list", "--view", "big"], 3);
}
