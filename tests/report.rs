//! Reports end to end: `crm report … --format json` on a small business whose every figure is
//! worked out by hand below (mixed currencies, a deal moved backwards, slipped deals, targets),
//! an empty database, bad input, and snapshots of the TUI's Reports pane on the demo data.

mod common;

use common::{Db, NOW};
use serde_json::{json, Value};

/// Runs crm as if it were `at` (the stage history and activity times come from the clock).
fn at(db: &Db, when: &str, args: &[&str]) -> String {
    let out = db.cmd().env("CRM_NOW", when).args(args).output().expect("run crm");
    assert!(out.status.success(), "crm {args:?} at {when} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The business, all in November 2026 (now: Friday 2026-11-27 09:00 UTC):
///
/// d1 anna  €1,000  lead 11-02 → qualified 11-05 → proposal 11-12; closes 2026-12-15 (open)
/// d2 kenji $2,000  lead 11-03 → negotiation 11-10 → proposal 11-17 (moved back); closes
///                  2026-11-20, so it slipped 7 days (open)
/// d3 kenji €500    lead 11-04 → won 11-14
/// d4 anna  €300    lead 11-06 → lost 11-09
///
/// Activities: anna a call (11-23) and a meeting (11-24), an email on 10-30 (October);
/// kenji a note (11-25). Tasks: anna t1 due 11-20 12:00 done 11:00 (on time), t2 due on
/// 11-21 done 11-23 (late); kenji t3 due 11-25 10:00, open (overdue). Contacts: anna's
/// "Client One" (11-02), kenji's "Client Two" (10-15). Target: anna 2 calls a week.
fn business() -> Db {
    let db = Db::new("redb");
    std::fs::write(db.path().with_extension("config.toml"), "[targets.anna]\ncalls_per_week = 2\n")
        .expect("write config");
    at(&db, "2026-10-01T09:00:00Z", &["user", "add", "kenji", "--role", "rep"]);
    at(&db, "2026-10-15T09:00:00Z", &["contact", "add", "Client Two", "--owner", "kenji"]);
    at(&db, "2026-11-02T08:00:00Z", &["contact", "add", "Client One"]);
    let d = |when: &str, args: &[&str]| at(&db, when, args);
    d("2026-11-02T09:00:00Z", &["deal", "add", "Alpha", "--value", "1000", "--close", "2026-12-15"]);
    d("2026-11-05T09:00:00Z", &["deal", "move", "d1", "qualified"]);
    d("2026-11-12T09:00:00Z", &["deal", "move", "d1", "proposal"]);
    d(
        "2026-11-03T09:00:00Z",
        &["deal", "add", "Beta", "--value", "2000 USD", "--owner", "kenji", "--close", "2026-11-20"],
    );
    d("2026-11-10T09:00:00Z", &["deal", "move", "d2", "negotiation"]);
    d("2026-11-17T09:00:00Z", &["deal", "move", "d2", "proposal"]);
    d("2026-11-04T09:00:00Z", &["deal", "add", "Gamma", "--value", "500", "--owner", "kenji"]);
    d("2026-11-14T09:00:00Z", &["deal", "move", "d3", "won", "--reason", "price"]);
    d("2026-11-06T09:00:00Z", &["deal", "add", "Delta", "--value", "300"]);
    d("2026-11-09T09:00:00Z", &["deal", "move", "d4", "lost", "--reason", "budget"]);
    d(NOW, &["log", "call", "Client One", "Intro", "--at", "2026-11-23 10:00"]);
    d(NOW, &["log", "meeting", "Client One", "Visit", "--at", "2026-11-24 10:00"]);
    d(NOW, &["log", "email", "Client One", "Brochure", "--at", "2026-10-30 10:00"]);
    d(NOW, &["--as", "kenji", "log", "note", "Client One", "Asked for a demo", "--at", "2026-11-25 10:00"]);
    d("2026-11-01T09:00:00Z", &["task", "add", "T1", "--due", "2026-11-20 12:00"]);
    d("2026-11-01T09:00:00Z", &["task", "add", "T2", "--due", "2026-11-21"]);
    d("2026-11-01T09:00:00Z", &["task", "add", "T3", "--due", "2026-11-25 10:00", "--assignee", "kenji"]);
    d("2026-11-20T11:00:00Z", &["task", "done", "t1"]);
    d("2026-11-23T09:00:00Z", &["task", "done", "t2"]);
    db
}

fn eur(major: i64) -> Value {
    json!({"minor": major * 100, "currency": "EUR"})
}

fn usd(major: i64) -> Value {
    json!({"minor": major * 100, "currency": "USD"})
}

fn approx(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("expected a number, got {v}"));
    assert!((got - expected).abs() < 1e-9, "expected {expected}, got {got}");
}

fn stage<'a>(r: &'a Value, key: &str) -> &'a Value {
    r["stages"].as_array().and_then(|s| s.iter().find(|x| x["key"] == key)).expect("stage")
}

#[test]
fn pipeline_report_matches_the_hand_computed_figures() {
    let db = business();
    let r = db.json(&["report", "pipeline"]);
    assert_eq!(r["report"], "pipeline");
    assert_eq!(r["period"]["label"], "all time");
    let counts: Vec<i64> = r["stages"].as_array().unwrap().iter().map(|s| s["count"].as_i64().unwrap()).collect();
    assert_eq!(counts, [0, 0, 2, 0, 1, 1]);
    // Mixed currencies stay apart.
    assert_eq!(stage(&r, "proposal")["total"], json!([eur(1000), usd(2000)]));
    assert_eq!(stage(&r, "proposal")["weighted"], json!([eur(500), usd(1000)]));
    // Lead: d1 3 days, d2 7, d3 10, d4 3 → 23 / 4. Proposal: d1 15 days and d2 10 until now.
    assert_eq!(stage(&r, "lead")["visits"], 4);
    approx(&stage(&r, "lead")["avg_days"], 5.75);
    approx(&stage(&r, "qualified")["avg_days"], 7.0);
    approx(&stage(&r, "proposal")["avg_days"], 12.5);
    approx(&stage(&r, "negotiation")["avg_days"], 7.0);
    assert_eq!(stage(&r, "won")["avg_days"], Value::Null);
    // Furthest stage: d1 proposal, d2 negotiation (before going back), d3 won, d4 lead.
    let conv: Vec<(i64, i64)> = r["conversions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["reached_from"].as_i64().unwrap(), c["reached_to"].as_i64().unwrap()))
        .collect();
    assert_eq!(conv, [(4, 3), (3, 3), (3, 2), (2, 1)]);
    approx(&r["conversions"][0]["rate"], 0.75);
    approx(&r["conversions"][2]["rate"], 2.0 / 3.0);
    assert_eq!((r["won"].as_i64(), r["lost"].as_i64(), r["open"].as_i64()), (Some(1), Some(1), Some(2)));
    approx(&r["win_rate"], 0.5);
    approx(&r["avg_cycle_days"], 10.0);
    assert_eq!(r["open_weighted"], json!([eur(500), usd(1000)]));
    assert_eq!(r["won_value"], json!([eur(500)]));
    assert_eq!(r["lost_value"], json!([eur(300)]));
    let owners: Vec<&str> = r["by_owner"].as_array().unwrap().iter().map(|o| o["owner"].as_str().unwrap()).collect();
    assert_eq!(owners, ["anna", "kenji"]);
    approx(&r["by_owner"][1]["win_rate"], 1.0);

    // 11-05 to 11-10: only d4 entered the pipeline then, and it closed (lost) then.
    let p = db.json(&["report", "pipeline", "--from", "2026-11-05", "--to", "2026-11-10"]);
    assert_eq!(p["period"]["first"], "2026-11-05");
    assert_eq!((p["won"].as_i64(), p["lost"].as_i64()), (Some(0), Some(1)));
    approx(&p["win_rate"], 0.0);
    assert_eq!(stage(&p, "lead")["visits"], 1);
    approx(&stage(&p, "lead")["avg_days"], 3.0);

    // One owner: kenji's d2 (open) and d3 (won).
    let k = db.json(&["report", "pipeline", "--owner", "kenji"]);
    assert_eq!(k["owner"], "kenji");
    assert_eq!((k["open"].as_i64(), k["won"].as_i64(), k["lost"].as_i64()), (Some(1), Some(1), Some(0)));
    assert_eq!(k["open_total"], json!([usd(2000)]));
}

#[test]
fn forecast_activity_and_team_match_the_hand_computed_figures() {
    let db = business();
    let f = db.json(&["report", "forecast"]);
    assert_eq!(f["committed_stages"], json!(["negotiation"]));
    let months: Vec<&str> = f["months"].as_array().unwrap().iter().map(|m| m["label"].as_str().unwrap()).collect();
    assert_eq!(months, ["2026-11", "2026-12"]);
    assert_eq!(f["months"][0]["weighted"], json!([usd(1000)]));
    assert_eq!(f["months"][1]["best_case"], json!([eur(1000)]));
    assert_eq!(f["total"]["weighted"], json!([eur(500), usd(1000)]));
    assert_eq!(f["total"]["best_case"], json!([eur(1000), usd(2000)]));
    // d2 went back from negotiation to proposal: no longer committed.
    assert_eq!(f["total"]["committed"], json!([]));
    assert_eq!(f["slipped"][0]["id"], "d2");
    assert_eq!(f["slipped"][0]["days_late"], 7);
    assert_eq!(f["slipped_total"], json!([usd(2000)]));

    // Activity, this month by default (November, 30 days).
    let a = db.json(&["report", "activity"]);
    assert_eq!(a["period"]["first"], "2026-11-01");
    assert_eq!(a["period"]["last"], "2026-11-30");
    let anna = &a["reps"][0];
    assert_eq!(anna["rep"], "anna");
    let figures = |k: &Value| -> Vec<i64> {
        ["calls", "meetings", "emails", "notes", "tasks_on_time", "tasks_late", "tasks_overdue", "new_contacts"]
            .iter()
            .chain(["deals_won", "deals_lost"].iter())
            .map(|f| k[*f].as_i64().unwrap())
            .collect()
    };
    assert_eq!(figures(anna), [1, 1, 0, 0, 1, 1, 0, 1, 0, 1]);
    assert_eq!(anna["lost_value"], json!([eur(300)]));
    // 2 calls a week over 30 days: 60/7; one call made.
    approx(&anna["targets"][0]["target"], 60.0 / 7.0);
    approx(&anna["targets"][0]["progress"], 7.0 / 60.0);
    let kenji = &a["reps"][1];
    assert_eq!(figures(kenji), [0, 0, 0, 1, 0, 0, 1, 0, 1, 0]);
    assert_eq!(kenji["won_value"], json!([eur(500)]));
    assert_eq!(figures(&a["everyone"]), [1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
    assert_eq!(a["weeks"], json!([{"week": "2026-11-23", "calls": 1, "meetings": 1, "emails": 0, "notes": 1}]));

    // October holds the email and kenji's contact.
    let oct = db.json(&["report", "activity", "--from", "2026-10-01", "--to", "2026-10-31"]);
    assert_eq!(oct["everyone"]["emails"], 1);
    assert_eq!(oct["reps"][1]["new_contacts"], 1);

    let t = db.json(&["report", "team"]);
    let anna = &t["reps"][0];
    assert_eq!((anna["open_deals"].as_i64(), anna["won"].as_i64(), anna["lost"].as_i64()), (Some(1), Some(0), Some(1)));
    assert_eq!(anna["open_weighted"], json!([eur(500)]));
    approx(&anna["win_rate"], 0.0);
    assert_eq!(anna["activities"], 2);
    let kenji = &t["reps"][1];
    assert_eq!(kenji["open_total"], json!([usd(2000)]));
    approx(&kenji["win_rate"], 1.0);
    assert_eq!(t["everyone"]["open_deals"], 2);
}

#[test]
fn tables_and_csv_show_the_same_figures() {
    let db = business();
    let table = db.ok(&["report", "pipeline"]);
    assert!(table.contains("Pipeline — everyone, all time"), "{table}");
    assert!(table.contains("€1,000 + $2,000"), "{table}");
    assert!(table.contains("75% to Qualified (3/4)"), "{table}");
    assert!(table.contains("win rate 50%"), "{table}");
    let stages = db.ok(&["report", "pipeline", "--format", "csv"]);
    assert_eq!(stages.lines().nth(1), Some("Lead,open,0,,,4,5.8,0.7500"), "{stages}");
    assert!(db.ok(&["report", "pipeline", "-q"]).contains("Pipeline — everyone"));
    let csv = db.ok(&["report", "forecast", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "month,deals,weighted,best case,committed");
    assert_eq!(lines[1], "2026-11,1,1000.00 USD,2000.00 USD,");
    assert_eq!(lines[3], "total,2,500.00 EUR; 1000.00 USD,1000.00 EUR; 2000.00 USD,");
    let activity = db.ok(&["report", "activity", "--owner", "me"]);
    assert!(activity.contains("Activity — anna, this month (2026-11-01 – 2026-11-30)"), "{activity}");
    assert!(activity.contains("2 calls per week"), "{activity}");
    let team = db.ok(&["report", "team", "--format", "csv"]);
    assert!(
        team.lines().any(|l| l.starts_with("kenji,1,2000.00 USD,1000.00 USD,,1,0,500.00 EUR,1.0000,1,0,0,0")),
        "{team}"
    );
}

#[test]
fn an_empty_database_reports_zeros_not_errors() {
    let db = Db::new("sled");
    let p = db.json(&["report", "pipeline"]);
    assert_eq!(p["open"], 0);
    assert_eq!(p["win_rate"], Value::Null);
    assert!(p["stages"].as_array().unwrap().iter().all(|s| s["count"] == 0 && s["total"] == json!([])));
    let f = db.json(&["report", "forecast"]);
    assert_eq!(f["months"], json!([]));
    let a = db.json(&["report", "activity", "--period", "week"]);
    assert_eq!(a["period"]["first"], "2026-11-23");
    assert_eq!(a["everyone"]["calls"], 0);
    let t = db.json(&["report", "team"]);
    assert_eq!(t["reps"][0]["rep"], "anna");
    assert!(db.ok(&["report", "forecast"]).contains("No slipped deals."));
}

#[test]
fn bad_input_says_what_is_wrong() {
    let db = Db::new("redb");
    let e = db.fails(&["report", "pipeline", "--owner", "nobody"], 3);
    assert!(e.contains("no user \"nobody\"; users are: anna"), "{e}");
    let e = db.fails(&["report", "activity", "--from", "2026-12-01", "--to", "2026-11-01"], 4);
    assert!(e.contains("from 2026-12-01 is after to 2026-11-01"), "{e}");
    let e = db.fails(&["report", "activity", "--from", "someday"], 4);
    assert!(e.contains("from:") && e.contains("someday"), "{e}");
    let e = db.fails(&["report", "activity", "--period", "year"], 4);
    assert!(e.contains("\"year\" is not a period"), "{e}");
    std::fs::write(db.path().with_extension("config.toml"), "[targets.anna]\ncalls_per_wek = 2\n").unwrap();
    let e = db.fails(&["report", "activity"], 4);
    assert!(e.contains("[targets.anna] \"calls_per_wek\""), "{e}");
}

#[test]
fn a_schema_3_database_gets_the_report_indexes_when_opened() {
    use crm::store::{EngineKind, Store, Tree};
    for engine in common::ENGINES {
        let db = Db::new(engine);
        db.ok(&["demo", "--contacts", "60"]);
        let before = db.ok(&["report", "team", "--period", "quarter", "--format", "json"]);
        {
            let store = Store::open(&db.path(), Some(EngineKind::parse(engine).unwrap())).unwrap();
            store
                .engine()
                .write(&mut |txn| {
                    for tree in [Tree::ActivityByTime, Tree::ContactByCreated] {
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
                    txn.put(Tree::Meta, b"schema_version", &3u32.to_be_bytes())
                })
                .unwrap();
        }
        assert_eq!(db.ok(&["report", "team", "--period", "quarter", "--format", "json"]), before, "{engine}");
        assert!(db.ok(&["doctor"]).contains("No problems found"), "{engine}");
    }
}

// ---------------------------------------------------------------------------------------------
// The Reports pane
// ---------------------------------------------------------------------------------------------

mod pane {
    use super::common::tui::Fixture;
    use crm::services::report::Span;
    use crm::tui::app::{update, App, Modal, Msg, Tab};
    use crm::tui::keymap::Keymap;
    use crm::tui::theme::Theme;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;

    impl Fixture {
        fn app(&self) -> App {
            let mut app = App::new(
                "anna".into(),
                "~/.local/share/crm/db".into(),
                Keymap::default_keymap(),
                Theme::default_theme(),
            );
            app.now = self.crm.now();
            let startup = app.startup();
            self.perform(&mut app, startup);
            app.modal = None;
            app
        }

        fn press(&self, app: &mut App, c: char) {
            let shifted = c.is_uppercase();
            let k = KeyEvent::new(KeyCode::Char(c), if shifted { KeyModifiers::SHIFT } else { KeyModifiers::NONE });
            let effects = update(app, Msg::Key(k));
            self.perform(app, effects);
        }

        fn key(&self, app: &mut App, code: KeyCode) {
            let effects = update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
            self.perform(app, effects);
        }
    }

    fn render(app: &App, w: u16, h: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        terminal.draw(|f| crm::tui::ui::draw(f, app)).expect("draw");
        let buf = terminal.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..h {
            let mut line = String::new();
            let mut hidden = 0;
            for x in 0..w {
                if hidden > 0 {
                    hidden -= 1;
                    continue;
                }
                let symbol = buf[(x, y)].symbol();
                line.push_str(symbol);
                hidden = ratatui::text::Span::raw(symbol).width().saturating_sub(1);
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    #[test]
    fn four_opens_the_reports_of_this_month_and_keys_change_period_and_owner() {
        let fx = Fixture::demo();
        let mut app = fx.app();
        fx.press(&mut app, '4');
        assert_eq!(app.tab, Tab::Reports);
        let data = app.reports.data.as_ref().expect("reports loaded");
        assert_eq!(data.period.label, "this month (2026-11-01 – 2026-11-30)");
        // The pane shows what `crm report` computes.
        let (_, expected) = fx.crm.report_activity(&app.reports.query()).expect("activity");
        assert_eq!(data.activity, expected);

        fx.press(&mut app, 'w');
        assert_eq!(app.reports.span, Span::Week);
        assert_eq!(app.reports.data.as_ref().unwrap().period.label, "this week (2026-11-23 – 2026-11-29)");
        fx.press(&mut app, 'Q');
        assert_eq!(app.reports.data.as_ref().unwrap().period.label, "this quarter (2026-10-01 – 2026-12-31)");
        fx.press(&mut app, 'o');
        let first_user = app.users.first().cloned();
        assert_eq!(app.reports.owner, first_user);
        assert_eq!(app.reports.data.as_ref().unwrap().owner, first_user);
        fx.press(&mut app, 'O');
        assert_eq!(app.reports.owner, None);

        // [ and ] move the period: by quarters, by months, by weeks.
        let label = |app: &App| app.reports.data.as_ref().unwrap().period.label.clone();
        fx.press(&mut app, '[');
        assert_eq!(label(&app), "2026-07-01 – 2026-09-30");
        fx.press(&mut app, 'm');
        fx.press(&mut app, '[');
        assert_eq!(label(&app), "2026-10-01 – 2026-10-31");
        fx.press(&mut app, ']');
        fx.press(&mut app, ']');
        assert_eq!(label(&app), "2026-12-01 – 2026-12-31");
        fx.press(&mut app, 'w');
        fx.press(&mut app, ']');
        assert_eq!(label(&app), "2026-11-30 – 2026-12-06");
        fx.press(&mut app, 'Q');

        // A custom period: a bad day stays in the form with its error; good days close it.
        fx.press(&mut app, 'c');
        assert!(matches!(app.modal, Some(Modal::Form(_))));
        for _ in 0..12 {
            fx.key(&mut app, KeyCode::Backspace);
        }
        for c in "someday".chars() {
            fx.press(&mut app, c);
        }
        fx.key(&mut app, KeyCode::Enter);
        let Some(Modal::Form(form)) = &app.modal else { panic!("the form stays open") };
        assert!(form.fields[0].error.as_deref().is_some_and(|e| e.contains("someday")), "{form:?}");
        for _ in 0..7 {
            fx.key(&mut app, KeyCode::Backspace);
        }
        for c in "2026-10-01".chars() {
            fx.press(&mut app, c);
        }
        fx.key(&mut app, KeyCode::Enter);
        assert_eq!(app.modal, None);
        assert_eq!(app.reports.data.as_ref().unwrap().period.label, "2026-10-01 – 2026-12-31");
    }

    #[test]
    fn snapshot_reports_pane() {
        let fx = Fixture::demo();
        let mut app = fx.app();
        fx.press(&mut app, '4');
        insta::assert_snapshot!("reports_80x24", render(&app, 80, 24));
        insta::assert_snapshot!("reports_160x48", render(&app, 160, 48));
    }
}
