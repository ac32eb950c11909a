//! The agenda and `crm remind`: follow-up cadences reset by calls and meetings, stale deals at
//! the edge of their stage's limit, and remind's output and exit codes.

mod common;
use common::Db;

/// Runs crm with "now" moved by `days` from the pinned NOW.
fn at(db: &Db, days: i64, args: &[&str]) -> String {
    let now = chrono::DateTime::parse_from_rfc3339(common::NOW).unwrap() + chrono::Duration::days(days);
    let out = db.cmd().args(args).env("CRM_NOW", now.to_rfc3339()).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn remind_is_quiet_and_exits_0_when_nothing_is_due() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Ann"]);
    db.ok(&["task", "add", "Later", "--due", "+3d"]);
    assert_eq!(db.ok(&["remind"]), "");
    assert_eq!(db.ok(&["remind", "--count"]), "0\n");
}

#[test]
fn remind_lists_overdue_and_today_and_exits_1_when_something_is_overdue() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Ann"]);
    db.ok(&["task", "add", "Send quote", "--due", "yesterday 10:00", "--contact", "Ann", "--priority", "high"]);
    db.ok(&["task", "add", "Call back", "--due", "today 17:00"]);
    db.ok(&["task", "add", "Someone else's", "--due", "yesterday", "--assignee", "anna"]);
    let out = db.run(&["remind"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "crm: 2 overdue, 1 due today", "{text}");
    assert!(lines[1].contains("! t1") && lines[1].contains("Send quote — Ann"), "most urgent first: {text}");
    assert!(text.contains("· t2     Call back"), "{text}");
    let out = db.run(&["remind", "--count"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "3\n");
    assert_eq!(out.status.code(), Some(1));
    // Another user's reminders are theirs.
    let out = db.cmd().args(["remind"]).env("CRM_USER", "kenji").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_follow_up_cadence_is_reset_by_a_call_or_meeting_not_by_a_note() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Ann", "--cadence", "14"]);
    // Created now: due in 14 days, not yet on the remind list.
    assert_eq!(db.ok(&["remind", "--count"]), "0\n");
    let agenda = db.json(&["agenda", "--days", "30"]);
    assert_eq!(agenda[0]["kind"], "followup");
    assert_eq!(agenda[0]["due"], "2026-12-11");
    // A call 20 days ago makes it 6 days late.
    db.ok(&["log", "call", "Ann", "Old call", "--at", "-20d"]);
    let agenda = db.json(&["agenda"]);
    assert_eq!(agenda[0]["due"], "2026-11-21");
    assert_eq!(agenda[0]["state"], "overdue");
    assert_eq!(db.run(&["remind"]).status.code(), Some(1));
    // A note does not reset it; a meeting does.
    db.ok(&["log", "note", "Ann", "Wrote something down"]);
    assert_eq!(db.json(&["agenda"])[0]["due"], "2026-11-21");
    db.ok(&["log", "meeting", "Ann", "Lunch"]);
    assert_eq!(db.json(&["agenda", "--days", "30"])[0]["due"], "2026-12-11");
    assert_eq!(db.run(&["remind"]).status.code(), Some(0));
}

#[test]
fn a_deal_is_stale_one_day_past_its_stage_limit_not_on_it() {
    let db = Db::new("redb");
    // Proposal's limit is 14 days.
    at(&db, -14, &["deal", "add", "On the edge", "--stage", "proposal", "--value", "1000"]);
    at(&db, -15, &["deal", "add", "Past the edge", "--stage", "proposal", "--value", "1000"]);
    let agenda = db.json(&["agenda"]);
    let ids: Vec<&str> = agenda.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["d2"], "{agenda}");
    assert_eq!(agenda[0]["kind"], "stale");
    assert!(agenda[0]["title"].as_str().unwrap().contains("15 days in Proposal, limit 14: 1 over"), "{agenda}");
    // Moving it on resets the stage clock.
    db.ok(&["deal", "move", "d2", "negotiation"]);
    assert_eq!(db.json(&["agenda"]).as_array().map(Vec::len), Some(0));
}

#[test]
fn a_deal_without_activity_is_stale_after_the_configured_quiet_days() {
    let db = Db::new("redb");
    // Negotiation allows 21 days in the stage; the deal has been there 12, last touched 10 days ago.
    at(&db, -12, &["contact", "add", "Ann"]);
    at(&db, -12, &["deal", "add", "Quiet one", "--contact", "Ann", "--stage", "negotiation", "--value", "5000"]);
    at(&db, -10, &["log", "note", "Ann", "Sent the draft", "--deal", "d1"]);
    assert_eq!(db.json(&["agenda"]).as_array().map(Vec::len), Some(0), "30 quiet days by default");
    std::fs::write(db.path().with_extension("config.toml"), "quiet_deal_days = 7\n").unwrap();
    let agenda = db.json(&["agenda"]);
    assert_eq!(agenda[0]["id"], "d1", "{agenda}");
    assert!(agenda[0]["title"].as_str().unwrap().contains("no activity for 10 days"), "{agenda}");
    std::fs::write(db.path().with_extension("config.toml"), "quiet_deal_days = 0\n").unwrap();
    let out = db.cmd().args(["config", "check"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("quiet_deal_days must be at least 1"), "{out:?}");
}

#[test]
fn agenda_explain_says_why() {
    let db = Db::new("redb");
    db.ok(&["task", "add", "Urgent one", "--due", "today 18:00", "--priority", "urgent"]);
    db.ok(&["task", "add", "Week late", "--due", "-7d"]);
    let text = db.ok(&["agenda", "--explain"]);
    let week = text.find("Week late").expect("listed");
    let urgent = text.find("Urgent one").expect("listed");
    assert!(week < urgent, "a week overdue outranks urgent-today:\n{text}");
    assert!(text.contains("+14.0  7 days overdue") && text.contains("+6.0  urgent"), "{text}");
}

#[test]
fn a_daily_task_done_after_its_time_comes_back_tomorrow_not_this_morning() {
    let db = Db::new("redb");
    // NOW is 09:00 UTC; the task is due at 08:00 every day and done an hour late.
    db.ok(&["task", "add", "Stand-up", "--due", "yesterday 8:00", "--repeat", "daily"]);
    let done = db.json(&["task", "done", "t1"]);
    assert_eq!(done["created"], serde_json::json!(["t2"]));
    assert_eq!(db.json(&["task", "show", "t2"])["due"], "2026-11-28T08:00:00Z");
}

#[test]
fn a_hidden_task_stays_off_lists_and_reminders_until_its_time() {
    let db = Db::new("redb");
    db.ok(&["task", "add", "Renewal talk", "--due", "-2d", "--hidden-until", "+5d"]);
    assert_eq!(db.ok(&["task", "list", "-q"]), "");
    assert_eq!(db.ok(&["remind", "--count"]), "0\n");
    assert_eq!(db.json(&["task", "list", "--all"])[0]["state"], "hidden");
    assert_eq!(at(&db, 6, &["task", "list", "-q"]), "t1\n", "visible once its time has come");
    db.ok(&["task", "edit", "t1", "--hidden-until", "none"]);
    assert_eq!(db.ok(&["task", "list", "--overdue", "-q"]), "t1\n");
}
