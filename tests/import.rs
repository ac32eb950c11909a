//! Import, export, backup, duplicates and merge, end to end through the real binary on both
//! engines, with the fixtures in tests/fixtures/import/.

mod common;

use common::{Db, ENGINES};
use crm::services::import::vcard;
use crm::store::{Store, Tree};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A copy of a fixture in the test's temporary directory (reports are written beside it).
fn fixture(db: &Db, name: &str) -> String {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name);
    let to = db.dir.path().join(name);
    std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    to.display().to_string()
}

/// Every entry of every tree, journal and counters included.
fn all_trees(db: &Db) -> crm::store::Snapshot {
    let store = Store::open(&db.path(), None).expect("open store");
    let mut out = BTreeMap::new();
    for t in Tree::ALL {
        let mut entries = Vec::new();
        store
            .engine()
            .scan(t, crm::store::engine::full_range(), false, &mut |k, v| {
                entries.push((k.to_vec(), v.to_vec()));
                true
            })
            .expect("scan");
        out.insert(t.name(), entries);
    }
    out
}

fn contacts(db: &Db) -> Vec<Value> {
    db.json(&["contact", "list"]).as_array().cloned().unwrap_or_default()
}

fn names(db: &Db) -> Vec<String> {
    let mut n: Vec<String> = contacts(db).iter().map(|c| c["name"].as_str().unwrap_or("").to_string()).collect();
    n.sort();
    n
}

fn card(db: &Db, name: &str) -> Value {
    db.json(&["contact", "show", name])
}

#[test]
fn every_csv_dialect_maps_its_headers() {
    let db = Db::new("redb");
    db.ok(&["import", "csv", &fixture(&db, "google.csv")]);
    db.ok(&["import", "csv", &fixture(&db, "outlook-1252.csv")]);
    db.ok(&["import", "csv", &fixture(&db, "hubspot-bom.csv")]);
    db.ok(&["import", "csv", &fixture(&db, "pipedrive.csv")]);
    assert_eq!(
        names(&db),
        [
            "Anna Müller",
            "Björn Svensson",
            "Chloé Lefèvre",
            "Dr. Eva Ruiz",
            "Jan Koch",
            "Kenji Sato",
            "Leila Haddad",
            "Marta Nowak",
            "Olek Shevchenko"
        ]
    );
    // Google: labels, several values in one cell, address parts, department and birthday kept.
    let anna = card(&db, "Anna Müller");
    let c = &anna["contact"];
    assert_eq!(c["title"], "Head of Purchasing");
    assert_eq!(c["emails"][0]["label"], "work");
    assert_eq!(c["emails"][1]["value"], "anna.m@gmx.de");
    assert_eq!(c["emails"][1]["label"], "home");
    assert_eq!(c["phones"][0]["label"], "mobile");
    assert_eq!(c["address"]["city"], "Berlin");
    assert_eq!(c["address"]["postcode"], "10115");
    assert_eq!(c["tags"], serde_json::json!(["key-accounts"]));
    assert_eq!(c["fields"]["birthday"], "1985-04-12");
    assert_eq!(c["fields"]["url"], "https://atlas.de");
    assert_eq!(c["fields"]["Organization Department"], "Einkauf");
    assert_eq!(c["notes"], "Met at the fair.\nLikes tea.");
    let jan = card(&db, "Jan Koch");
    assert_eq!(jan["contact"]["emails"].as_array().map(Vec::len), Some(2));
    // Both Atlas people work at the one company the import created.
    assert_eq!(jan["contact"]["company"], anna["contact"]["company"]);
    let companies = db.json(&["company", "list"]);
    let atlas: Vec<&Value> = companies.as_array().unwrap().iter().filter(|c| c["name"] == "Atlas GmbH").collect();
    assert_eq!(atlas.len(), 1);
    // Outlook, semicolons, Windows-1252: Title is the prefix, Job Title the title, home city kept.
    let eva = card(&db, "Eva Ruiz");
    assert_eq!(eva["contact"]["title"], "CTO");
    assert_eq!(eva["contact"]["address"]["city"], "Madrid");
    assert_eq!(eva["contact"]["fields"]["Home City"], "Toledo");
    assert_eq!(eva["contact"]["tags"], serde_json::json!(["vip"]));
    let bjorn = card(&db, "Björn");
    assert_eq!(bjorn["contact"]["address"]["city"], "Malmö");
    // HubSpot with a BOM: unknown columns become custom fields.
    let kenji = card(&db, "Kenji");
    assert_eq!(kenji["contact"]["fields"]["Lead Source"], "Trade show");
    assert_eq!(kenji["contact"]["fields"]["Lifecycle Stage"], "customer");
    assert_eq!(kenji["contact"]["title"], "Director");
    // Pipedrive: the owner column names a user, the label is a tag.
    let olek = card(&db, "Olek");
    assert_eq!(olek["contact"]["owner"], "anna");
    assert_eq!(olek["contact"]["tags"], serde_json::json!(["hot-lead"]));
}

#[test]
fn one_import_is_one_undo() {
    for engine in ENGINES {
        let db = Db::new(engine);
        db.ok(&["contact", "add", "Already Here"]);
        let before = all_trees(&db);
        let out = db.ok(&["import", "csv", &fixture(&db, "google.csv")]);
        assert!(out.contains("create 3 contacts, 2 companies"), "{out}");
        assert_eq!(names(&db).len(), 4);
        let undo = db.ok(&["undo"]);
        assert!(undo.contains("undid"), "{undo}");
        assert_eq!(names(&db), ["Already Here"]);
        let after = all_trees(&db);
        for t in ["contacts", "companies", "contact_by_company", "trash"] {
            assert_eq!(before[t], after[t], "{engine}: tree {t} differs after undo");
        }
    }
}

#[test]
fn strict_with_one_bad_row_writes_nothing() {
    for engine in ENGINES {
        let db = Db::new(engine);
        db.ok(&["contact", "add", "Someone"]);
        let before = all_trees(&db);
        let err = db.fails(&["import", "csv", &fixture(&db, "bad-row.csv"), "--strict"], 4);
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("not-an-email"), "{err}");
        assert!(err.contains("nothing was imported"), "{err}");
        assert_eq!(before, all_trees(&db), "{engine}: --strict wrote something");
        assert!(!db.dir.path().join("bad-row.csv.import-report.csv").exists(), "{engine}: a report without an import");
    }
}

#[test]
fn good_rows_are_imported_and_bad_ones_reported() {
    let db = Db::new("redb");
    let report = db.dir.path().join("report.csv");
    let out = db.ok(&["import", "csv", &fixture(&db, "bad-row.csv"), "--report", report.to_str().unwrap()]);
    assert!(out.contains("; 1 bad row"), "{out}");
    assert_eq!(names(&db), ["Good One", "Good Two"]);
    let text = std::fs::read_to_string(&report).expect("report written");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(&rows[0][0], "3");
    assert!(rows[0][2].contains("\"not-an-email\" is not an email address"), "{text}");
    assert_eq!(&rows[0][3], "Bad Mail,not-an-email,");
}

#[test]
fn dry_run_lists_each_bad_row_with_its_whole_reason() {
    let db = Db::new("redb");
    let out = db.ok(&["import", "csv", &fixture(&db, "bad-row.csv"), "--dry-run"]);
    // The reason is the table's last column: printed whole, never clipped with "…".
    let line = out.lines().find(|l| l.starts_with("3 ")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.ends_with("\"not-an-email\" is not an email address: it has no @"), "{out}");
}

#[test]
fn dry_run_counts_and_explains_duplicates_without_writing() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Anna M.", "--email", "ANNA@atlas.de"]);
    db.ok(&["contact", "add", "Somebody Else", "--phone", "030 55501"]);
    let before = all_trees(&db);
    let out = db.ok(&["import", "csv", &fixture(&db, "google.csv"), "--dry-run"]);
    assert!(out.starts_with("Dry run (nothing written): 3 rows: create 2 contacts, 2 companies; update 1"), "{out}");
    assert!(out.contains("same email anna@atlas.de"), "{out}");
    assert!(out.contains("same phone +49 30 555 01"), "{out}");
    assert_eq!(before, all_trees(&db));
    let plan = db.json(&["import", "csv", &fixture(&db, "google.csv"), "--dry-run"]);
    assert_eq!(plan["create"]["contacts"], 2);
    assert_eq!(plan["update"], 1);
    let dupes = plan["duplicates"].as_array().unwrap();
    assert_eq!(dupes[0]["line"], 2);
    assert_eq!(dupes[0]["action"], "updated");
    // Importing for real adds to Anna what the file knows and she lacked.
    db.ok(&["import", "csv", &fixture(&db, "google.csv")]);
    let anna = card(&db, "Anna M.");
    assert_eq!(anna["contact"]["emails"].as_array().map(Vec::len), Some(2));
    assert_eq!(anna["contact"]["title"], "Head of Purchasing");
    assert_eq!(names(&db).len(), 4);
    // Again: every row is now a duplicate with nothing new.
    let again = db.json(&["import", "csv", &fixture(&db, "google.csv"), "--dry-run"]);
    assert_eq!(again["create"]["contacts"], 0);
    assert_eq!(again["update"], 0);
}

#[test]
fn map_overrides_headers() {
    let db = Db::new("redb");
    let file = db.dir.path().join("odd.csv");
    std::fs::write(&file, "Who;Mail;Where\nZoe Zed;zoe@z.io;Oslo\n").unwrap();
    db.ok(&[
        "import",
        "csv",
        file.to_str().unwrap(),
        "--map",
        "who=name",
        "--map",
        "Mail=email:home",
        "--map",
        "3=city",
    ]);
    let z = card(&db, "Zoe Zed");
    assert_eq!(z["contact"]["emails"][0]["label"], "home");
    assert_eq!(z["contact"]["address"]["city"], "Oslo");
    let err = db.fails(&["import", "csv", file.to_str().unwrap(), "--map", "Nope=name"], 4);
    assert!(err.contains("no column \"Nope\""), "{err}");
}

#[test]
fn deals_and_tasks_link_to_what_is_there() {
    let db = Db::new("redb");
    db.ok(&["import", "csv", &fixture(&db, "google.csv")]);
    db.ok(&["import", "csv", &fixture(&db, "deals.csv"), "--type", "deals"]);
    let deals = db.json(&["deal", "list"]);
    let annual = deals.as_array().unwrap().iter().find(|d| d["title"] == "Annual supply").unwrap().clone();
    assert_eq!(annual["contact"], "Anna Müller");
    assert_eq!(annual["company"], "Atlas GmbH");
    assert_eq!(annual["stage"], "proposal");
    let pilot = deals.as_array().unwrap().iter().find(|d| d["title"] == "Pilot").unwrap().clone();
    assert_eq!(pilot["company"], "New Corp");
    db.ok(&["import", "csv", &fixture(&db, "tasks.csv"), "--type", "tasks"]);
    let tasks = db.json(&["task", "list"]);
    let quote = tasks.as_array().unwrap().iter().find(|t| t["title"] == "Send the quote").unwrap().clone();
    assert_eq!(quote["contact"], "Anna Müller");
    assert_eq!(quote["deal"], "Annual supply");
    assert_eq!(quote["priority"], "high");
    assert_eq!(tasks.as_array().unwrap().len(), 2);
}

/// (NAME, unescaped value) of every property of every card, folded lines joined.
fn properties(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for l in text.split('\n') {
        let l = l.trim_end_matches('\r');
        if (l.starts_with(' ') || l.starts_with('\t')) && !lines.is_empty() {
            lines.last_mut().unwrap().push_str(&l[1..]);
        } else if !l.is_empty() {
            lines.push(l.to_string());
        }
    }
    for l in lines {
        let p = vcard::parse_line(&l).expect("a property");
        if ["BEGIN", "END", "VERSION"].contains(&p.name.as_str()) {
            continue;
        }
        let name = if p.group.is_empty() { p.name } else { format!("{}.{}", p.group, p.name) };
        out.push((name, vcard::unescape(&p.value)));
    }
    out
}

#[test]
fn vcard_round_trip_keeps_every_property() {
    for engine in ENGINES {
        let db = Db::new(engine);
        let out = db.ok(&["import", "vcard", &fixture(&db, "quirks.vcf")]);
        assert!(out.contains("create 2 contacts, 1 company"), "{out}");
        let exported = db.ok(&["export", "vcard"]);
        let original = std::fs::read_to_string(fixture(&db, "quirks.vcf")).unwrap();
        let got = properties(&exported);
        for (name, value) in properties(&original) {
            // Labels are kept as TYPE; the value of every property comes back as it was.
            let found = got.iter().any(|(n, v)| *n == name && *v == value);
            let tel_uri = name == "TEL" && got.iter().any(|(n, v)| n == "TEL" && value.ends_with(v.as_str()));
            assert!(found || tel_uri, "{engine}: {name}:{value} is missing from the export:\n{exported}");
        }
        // Labels survive.
        assert!(exported.contains("EMAIL;TYPE=home:anna.m@gmx.de"), "{exported}");
        assert!(exported.contains("TEL;TYPE=cell:+49 170 1234567"), "{exported}");
        // vCard → crm → vCard → crm gives the same contacts.
        let file = db.dir.path().join("again.vcf");
        std::fs::write(&file, &exported).unwrap();
        let db2 = Db::new(engine);
        db2.ok(&["import", "vcard", file.to_str().unwrap()]);
        let strip = |v: Value| {
            let mut c = v["contact"].clone();
            for k in ["id", "company", "created", "updated"] {
                c.as_object_mut().unwrap().remove(k);
            }
            c
        };
        for name in ["Anna Maria", "Kenji"] {
            assert_eq!(strip(card(&db, name)), strip(card(&db2, name)), "{engine}: {name}");
        }
    }
}

#[test]
fn vcard_quirks_map_to_fields() {
    let db = Db::new("redb");
    db.ok(&["import", "vcard", &fixture(&db, "quirks.vcf")]);
    let anna = card(&db, "Anna Maria");
    let c = &anna["contact"];
    assert_eq!(c["name"], "Dr. Anna Maria Müller");
    assert_eq!(anna["company"]["name"], "Atlas, Inc.");
    assert_eq!(c["notes"], "First line\nSecond line, with comma; and semicolon");
    assert_eq!(c["tags"], serde_json::json!(["key-accounts", "vip"]));
    assert_eq!(c["address"]["street"], "Hauptstr. 1");
    assert_eq!(c["fields"]["birthday"], "1985-04-12");
    assert!(c["fields"]["vcard:PHOTO"].as_str().unwrap().ends_with("NB8nOT04MjwuMzQy/9k="));
    assert_eq!(c["fields"]["vcard:X-SOCIALPROFILE"], ";TYPE=linkedin:https://linkedin.com/in/annamueller");
    let kenji = card(&db, "Kenji");
    assert_eq!(kenji["contact"]["phones"][0]["value"], "+81-90-1234-5678");
    assert_eq!(kenji["contact"]["phones"][0]["label"], "mobile");
    assert!(kenji["contact"]["notes"].as_str().unwrap().contains("at seventy-five octets"));
}

#[test]
fn vcard_21_is_decoded_or_refused_clearly() {
    let db = Db::new("redb");
    db.ok(&["import", "vcard", &fixture(&db, "v21-qp.vcf")]);
    let j = card(&db, "Jürgen");
    assert_eq!(j["contact"]["name"], "Jürgen Müller");
    assert_eq!(j["contact"]["notes"], "Erste Zeile\r\nZweite Zeile mit Umlaut ä");
    assert_eq!(j["contact"]["phones"][0]["label"], "mobile");
    assert_eq!(j["contact"]["phones"][1]["label"], "work");
    let err = db.fails(&["import", "vcard", &fixture(&db, "v21-bad.vcf"), "--strict"], 4);
    assert!(err.contains("line 3: FN: bad quoted-printable \"=ZZ\""), "{err}");
    assert!(!names(&db).contains(&"Fine Person".to_string()));
}

#[test]
fn json_backup_restores_an_identical_database() {
    for engine in ENGINES {
        let db = Db::new(engine);
        db.ok(&["demo", "--contacts", "60"]);
        db.ok(&["import", "vcard", &fixture(&db, "quirks.vcf")]);
        db.ok(&["contact", "rm", "Kenji"]);
        db.ok(&["undo"]);
        db.ok(&["contact", "rm", "Kenji"]);
        // The database as the backup sees it (exporting may itself be recorded afterwards).
        let original = all_trees(&db);
        let history = db.ok(&["history", "--limit", "3"]);
        let file = db.dir.path().join("backup.json");
        db.ok(&["export", "json", "--out", file.to_str().unwrap()]);
        let restored = Db::new(engine);
        let out = restored.ok(&["import", "json", file.to_str().unwrap()]);
        assert!(out.contains("Restored"), "{out}");
        assert_eq!(original, all_trees(&restored), "{engine}: the restored database differs");
        // History and undo work on the copy as on the original.
        assert_eq!(restored.ok(&["history", "--limit", "3"]), history);
        restored.ok(&["undo"]);
        assert!(names(&restored).iter().any(|n| n == "Kenji Sato"));
        // A database with its own data is not overwritten by accident.
        let err = restored.fails(&["import", "json", file.to_str().unwrap()], 4);
        assert!(err.contains("not empty") && err.contains("--force"), "{err}");
        restored.ok(&["import", "json", file.to_str().unwrap(), "--force"]);
        assert_eq!(original, all_trees(&restored));
    }
}

#[test]
fn backup_writes_a_timestamped_file_and_bad_files_are_refused() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Anna"]);
    let out = db.ok(&["backup"]);
    let path = out.lines().next().unwrap().trim_start_matches("Wrote ").to_string();
    assert!(path.ends_with("backups/crm-20261127-090000.json"), "{out}");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["format"], "crm-backup");
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["contacts"][0]["name"], "Anna");
    let bad = db.dir.path().join("bad.json");
    std::fs::write(&bad, "{\"hello\": 1}").unwrap();
    let fresh = Db::new("redb");
    let err = fresh.fails(&["import", "json", bad.to_str().unwrap()], 4);
    assert!(err.contains("not a crm backup"), "{err}");
    std::fs::write(&bad, "not json").unwrap();
    let err = fresh.fails(&["import", "json", bad.to_str().unwrap()], 4);
    assert!(err.contains("not a JSON file (line 1"), "{err}");
}

#[test]
fn merge_keeps_every_linked_record_and_undoes() {
    for engine in ENGINES {
        let db = Db::new(engine);
        db.ok(&["contact", "add", "Anna Müller", "--email", "anna@atlas.de", "--tag", "vip", "--company", "Atlas"]);
        db.ok(&[
            "contact",
            "add",
            "Anna Mueller",
            "--email",
            "ANNA@atlas.de",
            "--email",
            "home:anna@gmx.de",
            "--title",
            "Buyer",
            "--tag",
            "fair",
            "--field",
            "source=fair",
            "--company",
            "Atlas",
        ]);
        let dupes = db.json(&["dupes"]);
        assert_eq!(dupes.as_array().unwrap().len(), 1, "{dupes}");
        assert!(dupes[0]["why"].as_str().unwrap().contains("same email"));
        db.ok(&["log", "call", "c2", "Discussed the quote"]);
        db.ok(&["log", "note", "c1", "Birthday in April"]);
        db.ok(&["task", "add", "Send the quote", "--contact", "c2"]);
        db.ok(&["deal", "add", "Annual supply", "--contact", "c2", "--value", "1200"]);
        let before = all_trees(&db);
        let dry = db.ok(&["merge", "c1", "c2", "--dry-run", "--take", "title"]);
        assert!(dry.contains("moves 1 activities, 1 tasks, 1 deals"), "{dry}");
        assert_eq!(before, all_trees(&db));
        db.ok(&["merge", "c1", "c2"]);
        let anna = card(&db, "c1");
        let c = &anna["contact"];
        assert_eq!(c["emails"].as_array().map(Vec::len), Some(2));
        assert_eq!(c["tags"], serde_json::json!(["fair", "vip"]));
        assert_eq!(c["title"], "Buyer", "empty title filled from the other");
        assert_eq!(c["fields"]["source"], "fair");
        assert_eq!(anna["deals"].as_array().map(Vec::len), Some(1));
        assert_eq!(anna["tasks"].as_array().map(Vec::len), Some(1));
        assert_eq!(anna["activities"].as_array().map(Vec::len), Some(2));
        assert_eq!(names(&db), ["Anna Müller"]);
        assert!(db.ok(&["trash", "list"]).contains("Anna Mueller"));
        let none = db.fails(&["dupes"], 1);
        assert!(none.is_empty(), "{none}");
        db.ok(&["undo"]);
        let after = all_trees(&db);
        for t in
            ["contacts", "activities", "tasks", "deals", "activity_by_contact", "task_by_contact", "deal_by_contact"]
        {
            assert_eq!(before[t], after[t], "{engine}: {t} differs after undoing the merge");
        }
        let err = db.fails(&["merge", "c1", "c1"], 4);
        assert!(err.contains("itself"), "{err}");
    }
}

#[test]
fn export_csv_filters_like_the_list_and_reads_back() {
    let db = Db::new("redb");
    db.ok(&["import", "csv", &fixture(&db, "google.csv")]);
    db.ok(&["import", "csv", &fixture(&db, "outlook-1252.csv")]);
    let vip = db.ok(&["export", "csv", "contacts", "tag:vip"]);
    let mut r = csv::Reader::from_reader(vip.as_bytes());
    assert_eq!(r.records().count(), 1, "{vip}");
    let file = db.dir.path().join("all.csv");
    db.ok(&["export", "csv", "contacts", "--out", file.to_str().unwrap()]);
    let copy = Db::new("redb");
    let out = copy.ok(&["import", "csv", file.to_str().unwrap()]);
    assert!(out.contains("create 5 contacts"), "{out}");
    for name in ["Anna Müller", "Eva Ruiz", "Björn"] {
        let (a, b) = (card(&db, name), card(&copy, name));
        for k in ["name", "title", "emails", "phones", "address", "tags", "fields", "notes", "owner"] {
            assert_eq!(a["contact"][k], b["contact"][k], "{name}: {k}");
        }
        assert_eq!(a["company"]["name"], b["company"]["name"]);
    }
    let deals = db.ok(&["export", "csv", "deals"]);
    assert!(deals.starts_with("id,title,value,currency,stage"), "{deals}");
    let err = db.fails(&["export", "csv", "people-and-things"], 4);
    assert!(err.contains("is not a record type (contacts, companies, deals, tasks)"), "{err}");
}

#[test]
fn duplicate_policies_and_rows_repeated_within_the_file() {
    let db = Db::new("redb");
    let file = db.dir.path().join("twice.csv");
    std::fs::write(
        &file,
        "Name,Email,Phone,Tags\nAnna Müller,anna@atlas.de,,vip\nAnna Müller,ANNA@atlas.de,030 1234567,fair\nJan Koch,jan@atlas.de,,\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    // Two rows of one person make one contact with what both say.
    let out = db.ok(&["import", "csv", f]);
    assert!(out.contains("3 rows: create 2 contacts; update 0; skip 1; 1 duplicate"), "{out}");
    let anna = card(&db, "Anna");
    assert_eq!(anna["contact"]["tags"], serde_json::json!(["fair", "vip"]));
    assert_eq!(anna["contact"]["phones"][0]["value"], "030 1234567");
    // Again with skip: nothing changes; with create: second copies.
    let skip = db.json(&["import", "csv", f, "--duplicates", "skip", "--dry-run"]);
    assert_eq!(skip["create"]["contacts"], 0);
    assert_eq!(skip["skip"], 3);
    db.ok(&["import", "csv", f, "--duplicates", "create"]);
    assert_eq!(names(&db), ["Anna Müller", "Anna Müller", "Anna Müller", "Jan Koch", "Jan Koch"]);
    let err = db.fails(&["import", "csv", f, "--duplicates", "maybe"], 4);
    assert!(err.contains("not a duplicate policy"), "{err}");
}

#[test]
fn vcard_3_export_reads_back() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Zoë Fischer", "--email", "home:zoe@f.de", "--tag", "vip", "--company", "Fischer"]);
    let text = db.ok(&["export", "vcard", "--vcard-version", "3.0"]);
    assert!(text.starts_with("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Fischer\r\nN:Fischer;Zoë;;;\r\n"), "{text}");
    assert!(text.contains("ORG:Fischer\r\n") && text.contains("EMAIL;TYPE=home:zoe@f.de\r\n"), "{text}");
    let err = db.fails(&["export", "vcard", "--vcard-version", "2.1"], 4);
    assert!(err.contains("cannot be written (3.0 or 4.0)"), "{err}");
}

#[test]
fn a_done_task_exported_to_csv_comes_back_done() {
    for engine in ENGINES {
        let db = Db::new(engine);
        db.ok(&["contact", "add", "Anna Müller", "--email", "anna@atlas.de"]);
        db.ok(&["task", "add", "Send the quote", "--contact", "c1", "--due", "2026-11-20"]);
        db.ok(&["task", "add", "Call back", "--contact", "c1", "--due", "2026-12-02 10:00"]);
        db.ok(&["task", "done", "t1"]);
        let file = db.dir.path().join("tasks.csv");
        db.ok(&["export", "csv", "tasks", "--out", file.to_str().unwrap()]);

        let copy = Db::new(engine);
        copy.ok(&["contact", "add", "Anna Müller", "--email", "anna@atlas.de"]);
        let out = copy.ok(&["import", "csv", file.to_str().unwrap(), "--type", "tasks"]);
        assert!(out.contains("create 2 tasks"), "{engine}: {out}");
        let store = Store::open(&copy.path(), None).expect("open store");
        let mut tasks = Vec::new();
        store
            .scan(crm::domain::EntityKind::Task, &mut |r| {
                if let crm::domain::Record::Task(t) = r {
                    tasks.push(t);
                }
                true
            })
            .expect("scan tasks");
        drop(store);
        let quote = tasks.iter().find(|t| t.title == "Send the quote").expect("the done task came back");
        let done = quote.done.expect("it came back done");
        assert_eq!(
            done.to_datetime().to_rfc3339(),
            "2026-11-27T09:00:00+00:00",
            "{engine}: done at the time it was done"
        );
        assert!(quote.notes.is_empty(), "{engine}: the done column is not kept as a note: {:?}", quote.notes);
        let call = tasks.iter().find(|t| t.title == "Call back").expect("the open task came back");
        assert_eq!(call.done, None, "{engine}: the open task stays open");
        // Listed as done, not as something still to do.
        let open = copy.json(&["task", "list"]);
        let titles: Vec<&str> = open.as_array().unwrap().iter().filter_map(|t| t["title"].as_str()).collect();
        assert_eq!(titles, ["Call back"], "{engine}");
        // A value that is neither a time nor yes/no is a bad row with its reason, not a guess.
        let bad = copy.dir.path().join("bad.csv");
        std::fs::write(&bad, "title,done\nWrite the offer,someday\nFile the notes,yes\n").unwrap();
        let out = copy.ok(&["import", "csv", bad.to_str().unwrap(), "--type", "tasks", "--dry-run"]);
        let reason = "done: \"someday\" is neither a time (like 2026-11-27 14:30) nor yes/no";
        assert!(out.lines().any(|l| l.starts_with("2 ") && l.ends_with(reason)), "{engine}: {out}");
        assert!(out.contains("create 1 task"), "{engine}: {out}");
    }
}

#[test]
fn merging_companies_keeps_every_linked_record_and_undoes() {
    for engine in ENGINES {
        let db = Db::new(engine);
        db.ok(&["company", "add", "Atlas GmbH", "--website", "atlas.de", "--tag", "vip"]);
        db.ok(&[
            "company",
            "add",
            "Atlas",
            "--website",
            "https://www.atlas.de",
            "--industry",
            "wholesale",
            "--tag",
            "fair",
        ]);
        db.ok(&["contact", "add", "Anna Müller", "--company", "co1"]);
        db.ok(&["contact", "add", "Jan Koch", "--company", "co2"]);
        db.ok(&["log", "call", "c2", "Discussed the quote"]);
        db.ok(&["task", "add", "Send the quote", "--contact", "c2"]);
        db.ok(&["deal", "add", "Annual supply", "--company", "co2", "--contact", "c2", "--value", "1200"]);
        let dupes = db.ok(&["dupes"]);
        assert!(dupes.contains("co1") && dupes.contains("co2"), "{engine}: {dupes}");
        assert!(dupes.contains("same name; same website atlas.de"), "{engine}: {dupes}");

        let before = all_trees(&db);
        let dry = db.ok(&["merge", "co1", "co2", "--dry-run", "--take", "name"]);
        assert!(dry.contains("moves 1 contacts, 1 deals, 1 activities to co1"), "{engine}: {dry}");
        assert_eq!(before, all_trees(&db), "{engine}: a dry run writes nothing");
        let err = db.fails(&["merge", "co1", "co2", "--take", "title"], 4);
        assert!(err.contains("\"title\" is not a field that differs; these do: name, website, industry"), "{err}");

        db.ok(&["merge", "co1", "co2", "--take", "name"]);
        let card = db.json(&["company", "show", "co1"]);
        let co = &card["company"];
        assert_eq!(co["name"], "Atlas", "{engine}: the name picked from the other");
        assert_eq!(co["website"], "atlas.de", "{engine}: the kept website");
        assert_eq!(co["industry"], "wholesale", "{engine}: an empty field filled from the other");
        assert_eq!(co["tags"], serde_json::json!(["fair", "vip"]));
        assert_eq!(card["contacts"].as_array().map(Vec::len), Some(2), "{engine}: {card}");
        assert_eq!(card["deals"].as_array().map(Vec::len), Some(1), "{engine}: {card}");
        let jan = card_of(&db, "c2");
        assert_eq!(jan["company"]["id"], "co1", "{engine}: {jan}");
        assert_eq!(jan["tasks"].as_array().map(Vec::len), Some(1), "{engine}: the task stays with its contact");
        let store = Store::open(&db.path(), None).expect("open store");
        let call = store.get(&"a1".parse().unwrap()).expect("read").expect("the call is there");
        assert_eq!(call.links(), ["co1".parse().unwrap(), "c2".parse().unwrap()], "{engine}: the call moved");
        drop(store);
        assert_eq!(db.ok(&["company", "list", "-q"]).lines().count(), 1, "{engine}: co2 is in the trash");
        assert!(db.ok(&["trash", "list"]).contains("co2"), "{engine}");

        db.ok(&["undo"]);
        let after = all_trees(&db);
        for t in ["companies", "contacts", "activities", "tasks", "deals", "contact_by_company", "deal_by_company"] {
            assert_eq!(before[t], after[t], "{engine}: {t} differs after undoing the merge");
        }
        let err = db.fails(&["merge", "co1", "co1"], 4);
        assert!(err.contains("itself"), "{err}");
        let err = db.fails(&["merge", "co1", "c1"], 4);
        assert!(err.contains("c1 is not a company: merge two contacts (c12 c40) or two companies"), "{err}");
    }
}

fn card_of(db: &Db, contact: &str) -> Value {
    db.json(&["contact", "show", contact])
}

/// A reader that stops early (`crm import csv … --dry-run | head -1`) ends the output quietly:
/// no panic on the closed pipe, exit 0.
#[test]
fn a_dry_run_piped_into_head_stops_quietly() {
    let db = Db::new("redb");
    let mut csv = String::from("First Name,Last Name,Email\n");
    for i in 0..3000 {
        csv.push_str(&format!("Person{i},Surname{i},person{i}@example.com\n"));
    }
    let file = db.dir.path().join("people.csv");
    std::fs::write(&file, csv).unwrap();
    let file = file.to_str().unwrap();
    db.ok(&["import", "csv", file]);
    // Every row is now a duplicate: the dry run lists 3000 of them, far more than a pipe holds.
    let mut child = db
        .cmd()
        .args(["import", "csv", file, "--dry-run"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut first).unwrap();
    assert!(first.contains("Dry run"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// An import whose journal entry, compressed, is still longer than one stored part
/// (`journal::PART`): it is stored in parts and still undone, redone, listed, checked and
/// backed up whole.
#[test]
fn an_import_journaled_in_parts_is_undone_redone_and_restored() {
    for engine in ENGINES {
        let db = Db::new(engine);
        db.ok(&["contact", "add", "Already Here"]);
        let before = all_trees(&db);
        // Notes that do not compress (the entry is stored compressed): still several parts.
        let mut csv = String::from("First Name,Last Name,Company,Email,Notes\n");
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..4000 {
            let note: String = (0..6)
                .map(|_| {
                    x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    format!("{:016x}", x >> 1)
                })
                .collect();
            csv.push_str(&format!("Person{i},Surname{i},Firm {},person{i}@example.com,{note}\n", i % 40));
        }
        let file = db.dir.path().join("people.csv");
        std::fs::write(&file, csv).unwrap();
        db.ok(&["import", "csv", file.to_str().unwrap()]);
        let parts = all_trees(&db)["journal"].iter().filter(|(k, _)| k.len() > 8).count();
        assert!(parts >= 2, "{engine}: the import's entry is in {} parts", parts + 1);
        assert!(db.ok(&["history", "--limit", "1"]).contains("Person0 Surname0"));
        db.ok(&["doctor"]);
        // The database as the backup sees it (exporting is itself recorded afterwards).
        let original = all_trees(&db);
        let file = db.dir.path().join("backup.json");
        db.ok(&["export", "json", "--out", file.to_str().unwrap()]);
        let restored = Db::new(engine);
        restored.ok(&["import", "json", file.to_str().unwrap()]);
        let copy = all_trees(&restored);
        let differ: Vec<_> = original.keys().filter(|t| original[*t] != copy[*t]).collect();
        assert!(differ.is_empty(), "{engine}: the restored database differs in {differ:?}");
        db.ok(&["undo"]);
        assert_eq!(names(&db), ["Already Here"]);
        for t in ["contacts", "companies", "contact_by_company", "contact_by_created"] {
            assert_eq!(before[t], all_trees(&db)[t], "{engine}: tree {t} differs after undo");
        }
        db.ok(&["redo"]);
        assert_eq!(names(&db).len(), 4001, "{engine}");
        restored.ok(&["undo"]);
        assert_eq!(names(&restored), ["Already Here"], "{engine}: undone on the restored copy");
    }
}
