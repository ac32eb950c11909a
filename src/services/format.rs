//! How values look to people, shared by the CLI and the TUI: local times, dues, ages.

use crate::domain::{Due, Timestamp};
use chrono::{DateTime, Local};

/// An instant in local time: `2026-11-27 14:30`.
pub fn time(t: Timestamp) -> String {
    t.to_datetime().with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

pub fn opt_time(t: Option<Timestamp>) -> String {
    t.map(time).unwrap_or_default()
}

/// A due: `2026-11-27` for a whole day, `2026-11-27 14:30` for an instant.
pub fn due(d: Due) -> String {
    match d {
        Due::Day(day) => day.to_string(),
        Due::At(t) => time(t),
    }
}

/// `today`, `3d ago`, `in 2d`, relative to `now`.
pub fn relative_days(t: Timestamp, now: &DateTime<Local>) -> String {
    let day = t.to_datetime().with_timezone(&Local).date_naive();
    let n = (day - now.date_naive()).num_days();
    match n {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        n if n < 0 => format!("{}d ago", -n),
        n => format!("in {n}d"),
    }
}

/// What a logged activity adds to its summary: the call outcome and the duration ("reached, 15 min").
pub fn activity_extra(a: &crate::services::query::ActivityRow) -> String {
    [a.outcome.clone(), a.duration_min.map(|m| format!("{m} min")).unwrap_or_default()]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}
