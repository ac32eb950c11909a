//! `crm export ics` through the real binary, parsed back with the `icalendar` crate.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use common::Db;
use icalendar::{CalendarComponent, CalendarDateTime, Component, DatePerhapsTime, Event, EventLike, Todo, TodoStatus};
use std::collections::BTreeMap;

/// The tasks of the fixture, by what they are.
struct Fixture {
    db: Db,
    whole_day: String,
    timed: String,
    weekly: String,
    monthly: String,
    snoozed: String,
    done: String,
    kenji: String,
}

const LONG_TITLE: &str = "Präsentation für die Geschäftsführung vorbereiten: Überblick, Preise; Lieferzeiten";

fn add(db: &Db, args: &[&str]) -> String {
    let mut all = vec!["-q", "task", "add"];
    all.extend(args);
    db.ok(&all).trim().to_string()
}

/// Anna's tasks (whole-day with a contact and notes, timed high priority, repeating weekly,
/// repeating monthly, snoozed, done) and one of Kenji's. Now is Friday 2026-11-27 09:00 UTC.
fn fixture() -> Fixture {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Bernd Weiß", "--company", "Atlas GmbH"]);
    db.ok(&["deal", "add", "Annual supply", "--contact", "Bernd"]);
    db.ok(&["user", "add", "kenji"]);
    let whole_day = add(
        &db,
        &[
            LONG_TITLE,
            "--due",
            "2026-12-01",
            "--contact",
            "Bernd",
            "--deal",
            "Annual supply",
            "--notes",
            "Ask about volume\nand delivery",
        ],
    );
    let timed = add(&db, &["Call Bernd back", "--due", "2026-11-30 14:30", "--priority", "high", "--contact", "Bernd"]);
    let weekly = add(&db, &["Weekly pipeline review", "--due", "2026-11-30 10:00", "--repeat", "weekly:mon"]);
    let monthly = add(&db, &["Monthly report", "--due", "2026-11-30", "--repeat", "monthly:last", "--priority", "low"]);
    let snoozed = add(&db, &["Chase the invoice", "--due", "2026-11-26 16:00", "--priority", "urgent"]);
    db.ok(&["task", "snooze", &snoozed, "2026-11-28 09:30"]);
    let done = add(&db, &["Send the brochure", "--due", "2026-11-25", "--repeat", "daily"]);
    // Done, the daily task gets its next occurrence as a new task: not part of the checks.
    let next = db.ok(&["-q", "task", "done", &done]);
    assert_ne!(next.trim(), done);
    db.ok(&["task", "rm", next.trim()]);
    let kenji = add(&db, &["Kenji's visit", "--due", "2026-12-02", "--assignee", "kenji"]);
    Fixture { db, whole_day, timed, weekly, monthly, snoozed, done, kenji }
}

/// Checks the shape of the file (CRLF, line lengths) and parses it.
fn parse(text: &str) -> icalendar::Calendar {
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"), "{text}");
    assert!(!text.replace("\r\n", "").contains(['\n', '\r']), "a bare LF or CR in:\n{text}");
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    let unfolded = icalendar::parser::unfold(text);
    let parsed = icalendar::parser::read_calendar(&unfolded).unwrap_or_else(|e| panic!("{e}\n{text}"));
    parsed.into()
}

fn todos(cal: &icalendar::Calendar) -> BTreeMap<String, Todo> {
    cal.components
        .iter()
        .filter_map(CalendarComponent::as_todo)
        .map(|t| (t.get_uid().expect("UID").to_string(), t.clone()))
        .collect()
}

fn events(cal: &icalendar::Calendar) -> BTreeMap<String, Event> {
    cal.components
        .iter()
        .filter_map(CalendarComponent::as_event)
        .map(|e| (e.get_uid().expect("UID").to_string(), e.clone()))
        .collect()
}

fn uid(id: &str) -> String {
    format!("{id}@crm")
}

fn date(y: i32, m: u32, d: u32) -> DatePerhapsTime {
    DatePerhapsTime::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DatePerhapsTime {
    DatePerhapsTime::DateTime(CalendarDateTime::Utc(Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()))
}

/// The TRIGGER line of the task's alarm, as written (parameters included).
fn trigger(c: &impl Component) -> Option<String> {
    let alarm = c.components().iter().find(|o| o.component_kind() == "VALARM")?;
    assert_eq!(alarm.property_value("ACTION"), Some("DISPLAY"));
    let p = alarm.properties().get("TRIGGER")?;
    let mut params: Vec<String> = p.params().iter().map(|(k, v)| format!(";{k}={}", v.value())).collect();
    params.sort();
    Some(format!("TRIGGER{}:{}", params.concat(), p.value()))
}

#[test]
fn open_tasks_of_the_current_user_as_todos() {
    let f = fixture();
    let text = f.db.ok(&["export", "ics"]);
    let cal = parse(&text);
    let calendar_props: BTreeMap<&str, &str> = cal.properties.iter().map(|p| (p.key(), p.value())).collect();
    assert_eq!(calendar_props.get("VERSION"), Some(&"2.0"));
    assert_eq!(calendar_props.get("PRODID"), Some(&"-//crm//crm//EN"));
    assert_eq!(calendar_props.get("CALSCALE"), Some(&"GREGORIAN"));

    let todos = todos(&cal);
    let expected: Vec<String> = [&f.whole_day, &f.timed, &f.weekly, &f.monthly, &f.snoozed].map(|i| uid(i)).into();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(todos.keys().cloned().collect::<Vec<_>>(), expected_sorted, "not done, not Kenji's");
    assert!(events(&cal).is_empty());

    // Whole day, with contact, deal and notes; a long multibyte title folded and unfolded.
    let t = &todos[&uid(&f.whole_day)];
    assert_eq!(t.get_summary(), Some(LONG_TITLE));
    assert_eq!(t.get_due(), Some(date(2026, 12, 1)));
    assert!(text.contains("DUE;VALUE=DATE:20261201\r\n"), "{text}");
    assert_eq!(t.get_priority(), Some(5));
    assert_eq!(t.get_status(), Some(TodoStatus::NeedsAction));
    assert_eq!(t.get_categories(), Some(vec!["crm".to_string()]));
    assert!(t.get_timestamp().is_some(), "DTSTAMP");
    let desc = t.get_description().unwrap_or_default();
    for part in ["Contact: Bernd Weiß", "Deal: Annual supply", "Ask about volume\nand delivery"] {
        assert!(desc.contains(part), "{part:?} not in {desc:?}");
    }
    assert!(desc.ends_with(&format!("crm task show {}", f.whole_day)), "{desc:?}");
    assert_eq!(t.property_value("RRULE"), None);
    assert_eq!(trigger(t).as_deref(), Some("TRIGGER;VALUE=DATE-TIME:20261201T090000Z"));

    // Timed (UTC), high priority.
    let t = &todos[&uid(&f.timed)];
    assert_eq!(t.get_summary(), Some("Call Bernd back"));
    assert_eq!(t.get_due(), Some(utc(2026, 11, 30, 14, 30)));
    assert_eq!(t.get_priority(), Some(3));
    assert_eq!(trigger(t).as_deref(), Some("TRIGGER;RELATED=END:-PT15M"));

    // Repeating weekly at a time: floating local time, so that BYDAY follows the local clock.
    let t = &todos[&uid(&f.weekly)];
    assert_eq!(t.property_value("RRULE"), Some("FREQ=WEEKLY;BYDAY=MO"));
    let floating = NaiveDate::from_ymd_opt(2026, 11, 30).and_then(|d| d.and_hms_opt(10, 0, 0)).unwrap();
    assert_eq!(t.get_due(), Some(DatePerhapsTime::DateTime(CalendarDateTime::Floating(floating))));

    // Repeating on the last day of the month, low priority.
    let t = &todos[&uid(&f.monthly)];
    assert_eq!(t.property_value("RRULE"), Some("FREQ=MONTHLY;BYMONTHDAY=-1"));
    assert_eq!(t.get_due(), Some(date(2026, 11, 30)));
    assert_eq!(t.get_priority(), Some(9));

    // Snoozed: the alarm fires when the snooze ends. Urgent is priority 1.
    let t = &todos[&uid(&f.snoozed)];
    assert_eq!(t.get_priority(), Some(1));
    assert_eq!(trigger(t).as_deref(), Some("TRIGGER;VALUE=DATE-TIME:20261128T093000Z"));

    // The same data gives the same file: re-importing updates the same UIDs.
    assert_eq!(f.db.ok(&["export", "ics"]), text);
}

#[test]
fn done_and_all_users() {
    let f = fixture();
    let cal = parse(&f.db.ok(&["export", "ics", "--done"]));
    let todos = todos(&cal);
    assert_eq!(todos.len(), 6);
    let t = &todos[&uid(&f.done)];
    assert_eq!(t.get_status(), Some(TodoStatus::Completed));
    assert_eq!(t.get_completed(), Some(Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()));
    assert_eq!(t.get_due(), Some(date(2026, 11, 25)));
    // Its next occurrence is a task of its own: the done one does not repeat, nor remind.
    assert_eq!(t.property_value("RRULE"), None);
    assert_eq!(trigger(t), None);
    assert!(!todos.contains_key(&uid(&f.kenji)));

    let everyone = todos_of(&f.db, &["export", "ics", "--all-users"]);
    assert_eq!(everyone.len(), 6);
    let k = &everyone[&uid(&f.kenji)];
    assert_eq!(k.get_summary(), Some("Kenji's visit"));
    assert!(k.get_description().unwrap_or_default().contains("Assignee: kenji"));
    assert!(!everyone.contains_key(&uid(&f.done)));

    assert_eq!(todos_of(&f.db, &["export", "ics", "--all-users", "--done"]).len(), 7);
    // As Kenji: only his.
    let his = todos_of(&f.db, &["--as", "kenji", "export", "ics"]);
    assert_eq!(his.keys().cloned().collect::<Vec<_>>(), vec![uid(&f.kenji)]);
}

fn todos_of(db: &Db, args: &[&str]) -> BTreeMap<String, Todo> {
    todos(&parse(&db.ok(args)))
}

#[test]
fn events_instead_of_todos() {
    let f = fixture();
    let cal = parse(&f.db.ok(&["export", "ics", "--events", "--done"]));
    assert!(todos(&cal).is_empty());
    let events = events(&cal);
    assert_eq!(events.len(), 6);
    let e = &events[&uid(&f.whole_day)];
    assert_eq!(e.get_start(), Some(date(2026, 12, 1)));
    assert_eq!(e.get_end(), Some(date(2026, 12, 2)));
    assert_eq!(trigger(e).as_deref(), Some("TRIGGER;VALUE=DATE-TIME:20261201T090000Z"));
    let e = &events[&uid(&f.timed)];
    assert_eq!(e.get_start(), Some(utc(2026, 11, 30, 14, 30)));
    assert_eq!(e.get_end(), Some(utc(2026, 11, 30, 15, 0)));
    assert_eq!(e.get_priority(), Some(3));
    assert_eq!(trigger(e).as_deref(), Some("TRIGGER:-PT15M"));
    assert_eq!(e.property_value("TRANSP"), Some("TRANSPARENT"));
    assert_eq!(events[&uid(&f.weekly)].property_value("RRULE"), Some("FREQ=WEEKLY;BYDAY=MO"));
    let done = &events[&uid(&f.done)];
    assert_eq!(done.get_summary(), Some("✓ Send the brochure"));
    assert_eq!(trigger(done), None);
}

#[test]
fn out_writes_the_file() {
    let f = fixture();
    let stdout = f.db.ok(&["export", "ics"]);
    let dir = f.db.dir.path().join("calendar");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("crm.ics");
    let file_arg = file.to_str().unwrap();
    let said = f.db.ok(&["export", "ics", "--out", file_arg]);
    assert!(said.contains("Wrote 5 tasks") && said.contains("crm.ics"), "{said}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout);
    // Replaced on the next export; no temporary file is left behind.
    f.db.ok(&["task", "done", &f.timed]);
    assert_eq!(f.db.ok(&["-q", "export", "ics", "--out", file_arg]), "");
    let again = std::fs::read_to_string(&file).unwrap();
    assert_eq!(todos(&parse(&again)).len(), 4);
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("crm.ics")]);
    // A directory that does not exist: invalid input, nothing written.
    let missing = dir.join("nope").join("crm.ics");
    let e = f.db.fails(&["export", "ics", "--out", missing.to_str().unwrap()], 4);
    assert!(e.contains("cannot write") && e.contains("nope"), "{e}");
}

#[test]
fn an_empty_calendar_is_still_a_calendar() {
    let db = Db::new("redb");
    let text = db.ok(&["export", "ics"]);
    let cal = parse(&text);
    assert!(cal.components.is_empty());
    assert!(db.ok(&["export", "ics", "--help"]).contains("Example"));
}
