//! How values look to people, shared by the CLI and the TUI: local times, dues, ages.

use crate::domain::{Due, Timestamp};
use chrono::{DateTime, Local, NaiveDate};
use std::sync::RwLock;

/// How dates are shown (`date_format` in config.toml); ISO unless set. One per process: the
/// CLI and the TUI show dates the way the user configured, wherever they are formatted.
static DATE_FORMAT: RwLock<Option<String>> = RwLock::new(None);

const ISO_DATE: &str = "%Y-%m-%d";

/// Sets the date format (a strftime pattern checked by the config loader); None: ISO.
pub fn set_date_format(f: Option<&str>) {
    if let Ok(mut g) = DATE_FORMAT.write() {
        *g = f.map(str::to_string);
    }
}

/// A day in the configured format: `2026-11-27`, or `27.11.2026` with `date_format = "%d.%m.%Y"`.
pub fn date(d: NaiveDate) -> String {
    date_in(d, DATE_FORMAT.read().ok().and_then(|g| g.clone()).as_deref())
}

/// A day in `format` (ISO when None).
pub fn date_in(d: NaiveDate, format: Option<&str>) -> String {
    d.format(format.unwrap_or(ISO_DATE)).to_string()
}

/// An instant in local time: `2026-11-27 14:30` (the date part in the configured format).
pub fn time(t: Timestamp) -> String {
    let local = t.to_datetime().with_timezone(&Local);
    format!("{} {}", date(local.date_naive()), local.format("%H:%M"))
}

pub fn opt_time(t: Option<Timestamp>) -> String {
    t.map(time).unwrap_or_default()
}

/// A due: `2026-11-27` for a whole day, `2026-11-27 14:30` for an instant.
pub fn due(d: Due) -> String {
    match d {
        Due::Day(day) => date(day.0),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_configured_format() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(date_in(d, Some("%d.%m.%Y")), "27.11.2026");
        assert_eq!(date_in(d, Some("%a %e %b %Y")), "Fri 27 Nov 2026");
        assert_eq!(date_in(d, None), "2026-11-27");
    }
}
