//! Human date and time parsing for `crm`: turns what a person types ("tomorrow 10:00",
//! "+3d", "fri 9am", "31/12", "in 2h") into a calendar day or an instant.
//!
//! Everything here is a pure function of its inputs: the current instant and the user's
//! time zone are passed in, so every rule can be tested with a pinned clock.
//!
//! # Accepted forms (case-insensitive, surrounding whitespace trimmed)
//!
//! Day part (gives a day):
//! - `today`, `tomorrow` (`tmr`, `tmrw`, `tmw`), `yesterday`
//! - weekdays, full or short (`mon`, `tue`/`tues`, `wed`/`weds`, `thu`/`thur`/`thurs`,
//!   `fri`, `sat`, `sun`): the next such day strictly after today; `next fri` is the same;
//!   `this fri` is today when today is Friday, else the next Friday. May be preceded by `on`.
//! - `2026-12-01`, `2026/12/01`
//! - `31/12`, `31/12/2026`, `31/12/26` (month first when [`DateOptions::day_first`] is
//!   false), `31.12.2026`, `31.12.`, `31.12` (dotted forms are always day first)
//! - `1 dec`, `dec 1`, `1st dec`, `1 december 2026`, `december 1, 2026`
//! - relative: `+3d`, `+2w`, `+1mo`, `+1y`, `-30d`, `in 3 days`, `in a week`, `in 1 month`,
//!   `3 days ago`, `2 weeks from now`, compounds such as `+1w2d`; months are calendar
//!   months clamped to the month's end (Jan 31 + 1 month = Feb 28 or 29)
//! - `next week` (the coming first day of the week, Monday unless [`DateOptions::week_start`] says), `next month` (its first day), `end of month` / `eom`
//!   (last day of this month), `end of week` / `eow` (the coming Friday, today on a Friday)
//!
//! A day or day/month without a year means this year, or next year when that day is
//! already past.
//!
//! Time part (gives an instant, on the day part's day or today when alone):
//! - `10:00`, `9:30`, `14:30:15`, `10`, `10am`, `10 am`, `2pm`, `2:30pm`, `12am` (00:00),
//!   `12pm` (12:00), `noon`/`midday`, `midnight` (00:00 of that day), `morning`,
//!   `afternoon`, `evening`/`tonight` (from [`DateOptions`]), optionally after `at`
//! - combined either way round with a day part: `tomorrow 10:00`, `fri 9am`,
//!   `mon at 2pm`, `2026-12-01 14:30`, `2026-12-01T14:30`, `10am tomorrow`
//!
//! Instants: `now`; `in 2h`, `in 30m`, `in 90 minutes`, `in 1h30m`, `+2h`, `+30m`, `-2h`,
//! `2 hours ago`; RFC 3339 with an offset (`2026-12-01T14:30:00Z`,
//! `2026-12-01T14:30:00+02:00`).
//!
//! # The letter `m`
//!
//! `m` alone is minutes wherever a minute makes sense and months where it cannot:
//! in [`parse_when`] a whole input such as `+30m` or `in 30m` is minutes; in
//! [`parse_day`], and in a day part followed by a time (`+1m 9am`), `+1m` is one
//! calendar month. `mo`/`month` always mean months and `min`/`minute` always minutes.

use chrono::{
    DateTime, Datelike, Days, LocalResult, Months, NaiveDate, NaiveTime, TimeDelta, TimeZone, Timelike, Utc, Weekday,
};
use std::fmt;

/// What a person meant: a whole day (no time given) or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Day(NaiveDate),
    At(DateTime<Utc>),
}

/// A parse failure that says what and where, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    pub input: String,
    pub message: String,
}

impl DateError {
    fn new(input: &str, message: impl Into<String>) -> Self {
        DateError { input: input.to_string(), message: message.into() }
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\": {}", self.input, self.message)
    }
}

impl std::error::Error for DateError {}

/// Options that come from user config; `Default` gives 09:00, 14:00, 18:00 and day first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateOptions {
    /// What `morning` means; default 09:00.
    pub morning: NaiveTime,
    /// What `afternoon` means; default 14:00.
    pub afternoon: NaiveTime,
    /// What `evening` and `tonight` mean; default 18:00.
    pub evening: NaiveTime,
    /// Default true: "03/04" is 3 April; false: US month first, 4 March.
    pub day_first: bool,
    /// The first day of the week: "next week" is the coming one; default Monday.
    pub week_start: Weekday,
}

impl Default for DateOptions {
    fn default() -> Self {
        DateOptions {
            morning: hm(9, 0),
            afternoon: hm(14, 0),
            evening: hm(18, 0),
            day_first: true,
            week_start: Weekday::Mon,
        }
    }
}

const fn hm(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(t) => t,
        None => NaiveTime::MIN,
    }
}

/// Parse `input` relative to `now` (in the user's time zone `tz`). Times given are local
/// to `tz` and the result is converted to UTC.
pub fn parse_when<Tz: TimeZone>(input: &str, now: DateTime<Tz>, opts: &DateOptions) -> Result<When, DateError> {
    let text = input.trim();
    let tz = now.timezone();
    let ctx = Ctx { today: now.date_naive(), now: now.with_timezone(&Utc), opts, mode: Mode::When };
    match interpret(text, &ctx) {
        Ok(Meaning::Day(day)) => Ok(When::Day(day)),
        Ok(Meaning::Instant(at)) => Ok(When::At(at)),
        Ok(Meaning::DayTime(day, time)) => {
            localize(&tz, day, time).map(When::At).map_err(|message| DateError::new(text, message))
        }
        Err(message) => Err(DateError::new(text, message)),
    }
}

/// Like [`parse_when`] but the caller wants a calendar day (e.g. a deal's expected close
/// date): an input with a time of day, or a duration in hours or minutes, is an error.
pub fn parse_day<Tz: TimeZone>(input: &str, now: DateTime<Tz>, opts: &DateOptions) -> Result<NaiveDate, DateError> {
    let text = input.trim();
    let ctx = Ctx { today: now.date_naive(), now: now.with_timezone(&Utc), opts, mode: Mode::Day };
    match interpret(text, &ctx) {
        Ok(Meaning::Day(day)) => Ok(day),
        Ok(Meaning::DayTime(..) | Meaning::Instant(_)) => Err(DateError::new(text, NO_TIME)),
        Err(message) => Err(DateError::new(text, message)),
    }
}

/// Parse a duration like "2h", "90m", "3d", "2w", "1h30m", "1h30", "1.5h", "45 min",
/// "2 hours" or a bare "30" (minutes) into whole minutes. Zero, months and years,
/// fractions of a minute, garbage and more than `u32::MAX` minutes are errors.
pub fn parse_minutes(input: &str) -> Result<u32, DateError> {
    let text = input.trim();
    let fail = |message: String| DateError::new(text, message);
    let garbage = || fail(format!("did not understand \"{text}\"; try {DURATION_EXAMPLES}"));
    if text.is_empty() {
        return Err(fail(format!("expected a duration, e.g. {DURATION_EXAMPLES}")));
    }
    let lower = text.to_lowercase().replace(',', " ");
    let body = duration_body(lower.split_whitespace());
    let body = body.strip_prefix('+').unwrap_or(&body);
    let mut comps = scan(body).ok_or_else(garbage)?;
    let mut previous = None;
    for comp in comps.iter_mut() {
        comp.unit = match comp.unit {
            Unit::M => Unit::Minute,
            Unit::Bare if previous.is_none() || previous == Some(Unit::Hour) => Unit::Minute,
            Unit::Bare => return Err(garbage()),
            unit => unit,
        };
        previous = Some(comp.unit);
    }
    let total = comps_minutes(&comps).map_err(fail)?;
    if total == 0 {
        return Err(fail("a duration must be longer than zero".to_string()));
    }
    u32::try_from(total).map_err(|_| fail(format!("that duration is too long; the most is {} minutes", u32::MAX)))
}

const WHEN_EXAMPLES: &str = "\"tomorrow 10:00\", \"+3d\", \"fri\" or \"2026-12-01\"";
const DAY_EXAMPLES: &str = "\"tomorrow\", \"+3d\", \"fri\" or \"2026-12-01\"";
const DURATION_EXAMPLES: &str = "\"30m\", \"2h\", \"1h30m\" or \"3d\"";
const NO_TIME: &str = "expected a date without a time, e.g. \"fri\", \"+3d\" or \"2026-12-01\"";

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Words the grammar knows; used only to point at the word that was not understood.
const KNOWN_WORDS: &[&str] = &[
    "today",
    "tomorrow",
    "tmr",
    "tmrw",
    "tmw",
    "yesterday",
    "now",
    "next",
    "this",
    "on",
    "at",
    "in",
    "ago",
    "from",
    "end",
    "of",
    "the",
    "eom",
    "eow",
    "and",
    "a",
    "an",
    "am",
    "pm",
    "a.m.",
    "p.m.",
    "noon",
    "midday",
    "midnight",
    "morning",
    "afternoon",
    "evening",
    "tonight",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    When,
    Day,
}

struct Ctx<'a> {
    today: NaiveDate,
    now: DateTime<Utc>,
    opts: &'a DateOptions,
    mode: Mode,
}

/// The outcome of one sub-parser: the shape did not match, it matched, or it matched
/// but names something impossible (the message says what).
enum Parsed<T> {
    No,
    Yes(T),
    Bad(String),
}

impl<T> Parsed<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Parsed<U> {
        match self {
            Parsed::No => Parsed::No,
            Parsed::Yes(v) => Parsed::Yes(f(v)),
            Parsed::Bad(m) => Parsed::Bad(m),
        }
    }
}

enum Meaning {
    Day(NaiveDate),
    DayTime(NaiveDate, NaiveTime),
    Instant(DateTime<Utc>),
}

/// Ways to cut the tokens into a day part and a time part, tried in this order.
enum Split {
    DayOnly,
    DayThenTime(usize),
    TimeOnly,
    TimeThenDay(usize),
}

fn interpret(text: &str, ctx: &Ctx<'_>) -> Result<Meaning, String> {
    let examples = match ctx.mode {
        Mode::When => WHEN_EXAMPLES,
        Mode::Day => DAY_EXAMPLES,
    };
    if text.is_empty() {
        return Err(format!("expected a date, e.g. {examples}"));
    }
    if let Some(at) = parse_rfc3339(text) {
        return match ctx.mode {
            Mode::When => Ok(Meaning::Instant(at)),
            Mode::Day => Err(NO_TIME.to_string()),
        };
    }
    let lower = text.to_lowercase().replace(',', " ");
    let tokens = tokenize(&lower);
    if tokens == ["now"] {
        return match ctx.mode {
            Mode::When => Ok(Meaning::Instant(ctx.now)),
            Mode::Day => Err(NO_TIME.to_string()),
        };
    }

    let mut first_bad = None;
    match parse_relative(&tokens, ctx.today, ctx.mode == Mode::When) {
        Parsed::Yes(Rel::Day(day)) => return Ok(Meaning::Day(day)),
        Parsed::Yes(Rel::Minutes(minutes)) => {
            return match ctx.mode {
                Mode::When => shift_instant(ctx.now, minutes).map(Meaning::Instant),
                Mode::Day => Err(NO_TIME.to_string()),
            };
        }
        Parsed::Bad(message) => first_bad = Some(message),
        Parsed::No => {}
    }

    let n = tokens.len();
    let mut splits = vec![Split::DayOnly];
    splits.extend((1..n).rev().map(Split::DayThenTime));
    splits.push(Split::TimeOnly);
    splits.extend((1..n).map(Split::TimeThenDay));
    for split in splits {
        let outcome = match split {
            Split::DayOnly => parse_day_part(&tokens, ctx, ctx.mode == Mode::When).map(Meaning::Day),
            Split::DayThenTime(k) => {
                combine(parse_day_part(&tokens[..k], ctx, false), parse_time_part(&tokens[k..], ctx.opts))
            }
            Split::TimeOnly => parse_time_part(&tokens, ctx.opts).map(|t| Meaning::DayTime(ctx.today, t)),
            Split::TimeThenDay(k) => {
                combine(parse_day_part(&tokens[k..], ctx, false), parse_time_part(&tokens[..k], ctx.opts))
            }
        };
        match outcome {
            Parsed::Yes(meaning) => return Ok(meaning),
            Parsed::Bad(message) => {
                if first_bad.is_none() {
                    first_bad = Some(message);
                }
            }
            Parsed::No => {}
        }
    }
    if let Some(message) = first_bad {
        return Err(message);
    }
    let unknown = tokens.iter().find(|t| !is_known_word(t)).copied().unwrap_or(text);
    Err(format!("did not understand \"{unknown}\"; try {examples}"))
}

fn is_known_word(token: &str) -> bool {
    token.bytes().any(|b| b.is_ascii_digit())
        || KNOWN_WORDS.contains(&token)
        || weekday_of(token).is_some()
        || month_of(token).is_some()
        || unit_of(token).is_some()
}

fn combine(day: Parsed<NaiveDate>, time: Parsed<NaiveTime>) -> Parsed<Meaning> {
    match (day, time) {
        (Parsed::Yes(d), Parsed::Yes(t)) => Parsed::Yes(Meaning::DayTime(d, t)),
        (Parsed::No, _) | (_, Parsed::No) => Parsed::No,
        (Parsed::Bad(m), _) | (_, Parsed::Bad(m)) => Parsed::Bad(m),
    }
}

/// Splits on whitespace, and splits `2026-12-01t14:30` into a date and a time token.
fn tokenize(lower: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    for token in lower.split_whitespace() {
        match split_iso_t(token) {
            Some((date, time)) => {
                tokens.push(date);
                tokens.push(time);
            }
            None => tokens.push(token),
        }
    }
    tokens
}

fn split_iso_t(token: &str) -> Option<(&str, &str)> {
    let (date, time) = token.split_once('t')?;
    let date_like = date.len() >= 8 && date.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'/');
    let time_like = time.bytes().next().is_some_and(|b| b.is_ascii_digit());
    (date_like && time_like).then_some((date, time))
}

fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    if !text.contains(':') {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| {
            if text.matches(' ').count() == 1 {
                DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)).ok()
            } else {
                None
            }
        })
        .map(|at| at.with_timezone(&Utc))
}

fn localize<Tz: TimeZone>(tz: &Tz, day: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, String> {
    match tz.from_local_datetime(&day.and_time(time)) {
        LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Ok(a.with_timezone(&Utc).min(b.with_timezone(&Utc))),
        LocalResult::None => Err(format!(
            "{} does not exist on {} in this time zone (clocks move forward)",
            format_time(time),
            day.format("%Y-%m-%d")
        )),
    }
}

fn format_time(time: NaiveTime) -> String {
    if time.second() == 0 {
        time.format("%H:%M").to_string()
    } else {
        time.format("%H:%M:%S").to_string()
    }
}

fn shift_instant(now: DateTime<Utc>, minutes: i64) -> Result<DateTime<Utc>, String> {
    TimeDelta::try_minutes(minutes).and_then(|delta| now.checked_add_signed(delta)).ok_or_else(|| too_far(minutes < 0))
}

fn too_far(past: bool) -> String {
    if past {
        "that is too far in the past".to_string()
    } else {
        "that is too far in the future".to_string()
    }
}

// ---------------------------------------------------------------------------
// Day part

fn parse_day_part(tokens: &[&str], ctx: &Ctx<'_>, m_is_minutes: bool) -> Parsed<NaiveDate> {
    let tokens = match tokens {
        ["on", rest @ ..] => rest,
        _ => tokens,
    };
    let today = ctx.today;
    match tokens {
        [] => return Parsed::No,
        ["today"] => return Parsed::Yes(today),
        ["tomorrow" | "tmr" | "tmrw" | "tmw"] => return add_days(today, 1),
        ["yesterday"] => {
            return today.checked_sub_days(Days::new(1)).map_or_else(|| Parsed::Bad(too_far(true)), Parsed::Yes)
        }
        ["next", "week"] => return add_days(today, next_weekday(today, ctx.opts.week_start)),
        ["next", "month"] => {
            let (y, m) = if today.month() == 12 { (today.year() + 1, 1) } else { (today.year(), today.month() + 1) };
            return date_from_parts(Some(y), m, 1, today);
        }
        ["end", "of", "month"] | ["end", "of", "the", "month"] | ["eom"] => {
            let last = days_in_month(today.year(), today.month());
            return date_from_parts(Some(today.year()), today.month(), last, today);
        }
        ["end", "of", "week"] | ["end", "of", "the", "week"] | ["eow"] => {
            return add_days(today, days_until(today, Weekday::Fri))
        }
        [word] | ["next", word] if weekday_of(word).is_some() => {
            if let Some(wd) = weekday_of(word) {
                return add_days(today, next_weekday(today, wd));
            }
        }
        ["this", word] if weekday_of(word).is_some() => {
            if let Some(wd) = weekday_of(word) {
                return add_days(today, days_until(today, wd));
            }
        }
        _ => {}
    }
    if let [token] = tokens {
        match parse_numeric_date(token, ctx) {
            Parsed::No => {}
            other => return other,
        }
    }
    match parse_month_name_date(tokens, today) {
        Parsed::No => {}
        other => return other,
    }
    match parse_relative(tokens, today, m_is_minutes) {
        Parsed::Yes(Rel::Day(day)) => Parsed::Yes(day),
        Parsed::Yes(Rel::Minutes(_)) | Parsed::No => Parsed::No,
        Parsed::Bad(message) => Parsed::Bad(message),
    }
}

fn add_days(today: NaiveDate, days: u64) -> Parsed<NaiveDate> {
    today.checked_add_days(Days::new(days)).map_or_else(|| Parsed::Bad(too_far(false)), Parsed::Yes)
}

/// Days from `today` to the next `weekday`, 0 when today is that weekday.
fn days_until(today: NaiveDate, weekday: Weekday) -> u64 {
    let from = today.weekday().num_days_from_monday();
    let to = weekday.num_days_from_monday();
    u64::from((to + 7 - from) % 7)
}

/// Days from `today` to the next `weekday` strictly after today (1..=7).
fn next_weekday(today: NaiveDate, weekday: Weekday) -> u64 {
    match days_until(today, weekday) {
        0 => 7,
        n => n,
    }
}

fn weekday_of(word: &str) -> Option<Weekday> {
    Some(match word {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "weds" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

fn month_of(word: &str) -> Option<u32> {
    let word = word.strip_suffix('.').unwrap_or(word);
    Some(match word {
        "jan" | "january" => 1,
        "feb" | "february" => 2,
        "mar" | "march" => 3,
        "apr" | "april" => 4,
        "may" => 5,
        "jun" | "june" => 6,
        "jul" | "july" => 7,
        "aug" | "august" => 8,
        "sep" | "sept" | "september" => 9,
        "oct" | "october" => 10,
        "nov" | "november" => 11,
        "dec" | "december" => 12,
        _ => return None,
    })
}

/// A run of 1 to `max_len` ASCII digits as a number.
fn digits(s: &str, max_len: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A day of the month: `1`, `01`, `1st`, `22nd`, `3rd`, `4th`.
fn day_number(s: &str) -> Option<u32> {
    let s = ["st", "nd", "rd", "th"].iter().find_map(|suffix| s.strip_suffix(suffix)).unwrap_or(s);
    digits(s, 2)
}

fn year_number(s: &str) -> Option<i32> {
    match s.len() {
        4 => digits(s, 4).and_then(|y| i32::try_from(y).ok()),
        2 => digits(s, 2).and_then(|y| i32::try_from(y).ok()).map(|y| 2000 + y),
        _ => None,
    }
}

fn parse_numeric_date(token: &str, ctx: &Ctx<'_>) -> Parsed<NaiveDate> {
    let sep = if token.contains('-') {
        '-'
    } else if token.contains('/') {
        '/'
    } else if token.contains('.') {
        '.'
    } else {
        return Parsed::No;
    };
    let mut parts: Vec<&str> = token.split(sep).collect();
    if sep == '.' && parts.len() > 2 && parts.last() == Some(&"") {
        parts.pop();
    }
    if !parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        return Parsed::No;
    }
    let today = ctx.today;
    let day_first = sep == '.' || ctx.opts.day_first;
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && sep != '.' => match (year_number(y), digits(m, 2), digits(d, 2)) {
            (Some(y), Some(m), Some(d)) => date_from_parts(Some(y), m, d, today),
            _ => Parsed::No,
        },
        _ if sep == '-' => Parsed::No,
        [a, b] => match (digits(a, 2), digits(b, 2)) {
            (Some(a), Some(b)) => {
                let (d, m) = if day_first { (a, b) } else { (b, a) };
                date_from_parts(None, m, d, today)
            }
            _ => Parsed::No,
        },
        [a, b, y] => match (digits(a, 2), digits(b, 2), year_number(y)) {
            (Some(a), Some(b), Some(y)) => {
                let (d, m) = if day_first { (a, b) } else { (b, a) };
                date_from_parts(Some(y), m, d, today)
            }
            _ => Parsed::No,
        },
        _ => Parsed::No,
    }
}

fn parse_month_name_date(tokens: &[&str], today: NaiveDate) -> Parsed<NaiveDate> {
    let (first, second, year) = match tokens {
        [a, b] => (a, b, None),
        [a, b, y] => match y.len() {
            4 => match year_number(y) {
                Some(y) => (a, b, Some(y)),
                None => return Parsed::No,
            },
            _ => return Parsed::No,
        },
        _ => return Parsed::No,
    };
    let (month, day) = match (month_of(first), day_number(second)) {
        (Some(m), Some(d)) => (m, d),
        _ => match (day_number(first), month_of(second)) {
            (Some(d), Some(m)) => (m, d),
            _ => return Parsed::No,
        },
    };
    date_from_parts(year, month, day, today)
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Checks a day, month and optional year, explaining what is impossible. Without a year
/// the day is this year's, or next year's when this year's is already past.
fn date_from_parts(year: Option<i32>, month: u32, day: u32, today: NaiveDate) -> Parsed<NaiveDate> {
    let name = match month.checked_sub(1).and_then(|i| MONTH_NAMES.get(i as usize)) {
        Some(name) => name,
        None => return Parsed::Bad(format!("there is no month {month}")),
    };
    if day == 0 {
        return Parsed::Bad("there is no day 0".to_string());
    }
    let year = match year {
        Some(year) => year,
        None => {
            let most = if month == 2 { 29 } else { days_in_month(2000, month) };
            if day > most {
                return Parsed::Bad(format!("{name} has no day {day}"));
            }
            if (month, day) < (today.month(), today.day()) {
                today.year() + 1
            } else {
                today.year()
            }
        }
    };
    let most = days_in_month(year, month);
    if day > most {
        return Parsed::Bad(format!("{name} {year} has {most} days"));
    }
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => Parsed::Yes(date),
        None => Parsed::Bad(format!("the year {year} is out of range")),
    }
}

// ---------------------------------------------------------------------------
// Relative dates and durations

enum Rel {
    Day(NaiveDate),
    /// Signed minutes from now.
    Minutes(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// A plain `m`: minutes or months depending on context.
    M,
    /// A number with no unit.
    Bare,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

fn unit_of(word: &str) -> Option<Unit> {
    Some(match word {
        "m" => Unit::M,
        "min" | "mins" | "minute" | "minutes" => Unit::Minute,
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
        "d" | "day" | "days" => Unit::Day,
        "w" | "wk" | "wks" | "week" | "weeks" => Unit::Week,
        "mo" | "mos" | "month" | "months" => Unit::Month,
        "y" | "yr" | "yrs" | "year" | "years" => Unit::Year,
        _ => return None,
    })
}

/// One `<number><unit>` piece of a duration; the number is `whole + frac / den`.
#[derive(Debug, Clone, Copy)]
struct Comp {
    whole: u64,
    frac: u64,
    den: u64,
    unit: Unit,
}

/// Joins duration words, dropping `and` and reading `a`/`an` as 1.
fn duration_body<'a>(tokens: impl Iterator<Item = &'a str>) -> String {
    tokens.filter(|t| *t != "and").map(|t| if t == "a" || t == "an" { "1" } else { t }).collect::<Vec<_>>().join(" ")
}

/// Reads `1h30m`, `2 hours 15 min`, `1.5h`, `90`: numbers each followed by an optional
/// unit; only the last number may lack a unit.
fn scan(s: &str) -> Option<Vec<Comp>> {
    let bytes = s.as_bytes();
    let len = bytes.len();
    let mut i = 0;
    let mut comps = Vec::new();
    let skip_spaces = |mut i: usize| {
        while i < len && bytes[i] == b' ' {
            i += 1;
        }
        i
    };
    loop {
        i = skip_spaces(i);
        if i >= len {
            break;
        }
        if comps.last().is_some_and(|c: &Comp| c.unit == Unit::Bare) {
            return None;
        }
        let start = i;
        while i < len && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let whole = s.get(start..i)?.parse::<u64>().unwrap_or(u64::MAX);
        let (mut frac, mut den) = (0, 1);
        if i < len && bytes[i] == b'.' {
            i += 1;
            let frac_start = i;
            while i < len && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let frac_digits = s.get(frac_start..i)?;
            if frac_digits.is_empty() || frac_digits.len() > 9 {
                return None;
            }
            frac = frac_digits.parse::<u64>().ok()?;
            den = 10u64.pow(u32::try_from(frac_digits.len()).ok()?);
        }
        i = skip_spaces(i);
        let unit_start = i;
        while i < len && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = if unit_start == i { Unit::Bare } else { unit_of(s.get(unit_start..i)?)? };
        comps.push(Comp { whole, frac, den, unit });
    }
    (!comps.is_empty()).then_some(comps)
}

/// Total whole minutes of minute, hour, day and week pieces.
fn comps_minutes(comps: &[Comp]) -> Result<u128, String> {
    let mut total: u128 = 0;
    for comp in comps {
        let per_unit: u128 = match comp.unit {
            Unit::Minute | Unit::M | Unit::Bare => 1,
            Unit::Hour => 60,
            Unit::Day => 24 * 60,
            Unit::Week => 7 * 24 * 60,
            Unit::Month | Unit::Year => {
                return Err("months and years have no fixed length in minutes; use days or weeks".to_string())
            }
        };
        let den = u128::from(comp.den);
        let scaled = (u128::from(comp.whole) * den + u128::from(comp.frac)) * per_unit;
        if !scaled.is_multiple_of(den) {
            return Err("that is not a whole number of minutes".to_string());
        }
        total = total.saturating_add(scaled / den);
    }
    Ok(total)
}

/// `in <duration>`, `+<duration>`, `-<duration>`, `<duration> ago`,
/// `<duration> from now`.
fn parse_relative(tokens: &[&str], today: NaiveDate, m_is_minutes: bool) -> Parsed<Rel> {
    let (past, body) = match tokens {
        ["in", rest @ ..] if !rest.is_empty() => (false, duration_body(rest.iter().copied())),
        [rest @ .., "ago"] if !rest.is_empty() => (true, duration_body(rest.iter().copied())),
        [rest @ .., "from", "now"] if !rest.is_empty() => (false, duration_body(rest.iter().copied())),
        [first, rest @ ..] => {
            let (past, head) = if let Some(head) = first.strip_prefix('+') {
                (false, head)
            } else if let Some(head) = first.strip_prefix('-') {
                (true, head)
            } else {
                return Parsed::No;
            };
            let words = std::iter::once(head).chain(rest.iter().copied());
            (past, duration_body(words.filter(|w| !w.is_empty())))
        }
        [] => return Parsed::No,
    };
    let mut comps = match scan(&body) {
        Some(comps) => comps,
        None => return Parsed::No,
    };
    for comp in comps.iter_mut() {
        match comp.unit {
            Unit::Bare => return Parsed::No,
            Unit::M if m_is_minutes => comp.unit = Unit::Minute,
            Unit::M => comp.unit = Unit::Month,
            _ => {}
        }
    }
    let clock = comps.iter().any(|c| matches!(c.unit, Unit::Minute | Unit::Hour));
    if clock {
        return match comps_minutes(&comps) {
            Ok(minutes) => match i64::try_from(minutes) {
                Ok(minutes) => Parsed::Yes(Rel::Minutes(if past { -minutes } else { minutes })),
                Err(_) => Parsed::Bad(too_far(past)),
            },
            Err(_) => Parsed::Bad("months and years cannot be mixed with hours or minutes".to_string()),
        };
    }
    if comps.iter().any(|c| c.frac != 0) {
        return Parsed::Bad("use whole numbers of days, weeks, months or years".to_string());
    }
    let mut months: u64 = 0;
    let mut days: u64 = 0;
    for comp in &comps {
        let (slot, factor) = match comp.unit {
            Unit::Year => (&mut months, 12),
            Unit::Month => (&mut months, 1),
            Unit::Week => (&mut days, 7),
            _ => (&mut days, 1),
        };
        *slot = match comp.whole.checked_mul(factor).and_then(|v| slot.checked_add(v)) {
            Some(v) => v,
            None => return Parsed::Bad(too_far(past)),
        };
    }
    let months = match u32::try_from(months) {
        Ok(months) => Months::new(months),
        Err(_) => return Parsed::Bad(too_far(past)),
    };
    let days = Days::new(days);
    let shifted = if past {
        today.checked_sub_months(months).and_then(|d| d.checked_sub_days(days))
    } else {
        today.checked_add_months(months).and_then(|d| d.checked_add_days(days))
    };
    match shifted {
        Some(day) => Parsed::Yes(Rel::Day(day)),
        None => Parsed::Bad(too_far(past)),
    }
}

// ---------------------------------------------------------------------------
// Time part

fn parse_time_part(tokens: &[&str], opts: &DateOptions) -> Parsed<NaiveTime> {
    let tokens = match tokens {
        ["at", rest @ ..] => rest,
        _ => tokens,
    };
    let word = match tokens {
        [one] => (*one).to_string(),
        [number, suffix] if matches!(*suffix, "am" | "pm" | "a.m." | "p.m.") => {
            format!("{number}{suffix}")
        }
        ["this", part] if matches!(*part, "morning" | "afternoon" | "evening") => (*part).to_string(),
        _ => return Parsed::No,
    };
    match word.as_str() {
        "noon" | "midday" => Parsed::Yes(hm(12, 0)),
        "midnight" => Parsed::Yes(NaiveTime::MIN),
        "morning" => Parsed::Yes(opts.morning),
        "afternoon" => Parsed::Yes(opts.afternoon),
        "evening" | "tonight" => Parsed::Yes(opts.evening),
        _ => parse_clock(&word),
    }
}

/// `10`, `9:30`, `14:30:15`, `10am`, `2:30pm`.
fn parse_clock(word: &str) -> Parsed<NaiveTime> {
    let (body, pm) = if let Some(body) = word.strip_suffix("a.m.").or_else(|| word.strip_suffix("am")) {
        (body, Some(false))
    } else if let Some(body) = word.strip_suffix("p.m.").or_else(|| word.strip_suffix("pm")) {
        (body, Some(true))
    } else {
        (word, None)
    };
    let parts: Vec<&str> = body.split(':').collect();
    let two = |s: &str| if s.len() == 2 { digits(s, 2) } else { None };
    let (hour, minute, second) = match parts.as_slice() {
        [h] => (digits(h, 2), Some(0), Some(0)),
        [h, m] => (digits(h, 2), two(m), Some(0)),
        [h, m, s] => (digits(h, 2), two(m), two(s)),
        _ => return Parsed::No,
    };
    let (mut hour, minute, second) = match (hour, minute, second) {
        (Some(h), Some(m), Some(s)) => (h, m, s),
        _ => return Parsed::No,
    };
    match pm {
        Some(pm) => {
            if hour == 0 || hour > 12 {
                return Parsed::Bad(format!("{word} is not a time"));
            }
            hour = match (hour, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            };
        }
        None if hour > 23 => return Parsed::Bad(format!("there is no hour {hour}")),
        None => {}
    }
    if minute > 59 {
        return Parsed::Bad(format!("there is no minute {minute}"));
    }
    if second > 59 {
        return Parsed::Bad(format!("there is no second {second}"));
    }
    match NaiveTime::from_hms_opt(hour, minute, second) {
        Some(time) => Parsed::Yes(time),
        None => Parsed::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, NaiveDateTime};

    fn cet() -> FixedOffset {
        FixedOffset::east_opt(3600).unwrap()
    }

    /// Friday 2026-11-27 09:15 at UTC+1 (08:15 UTC).
    fn fri_now() -> DateTime<FixedOffset> {
        cet().with_ymd_and_hms(2026, 11, 27, 9, 15, 0).unwrap()
    }

    fn cet_at(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<FixedOffset> {
        cet().with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
    }

    fn when_at<Tz: TimeZone>(input: &str, now: DateTime<Tz>) -> When {
        match parse_when(input, now, &DateOptions::default()) {
            Ok(w) => w,
            Err(e) => panic!("{input:?} failed: {e}"),
        }
    }

    fn day(input: &str) -> NaiveDate {
        day_from(input, fri_now())
    }

    fn day_from<Tz: TimeZone>(input: &str, now: DateTime<Tz>) -> NaiveDate {
        match when_at(input, now) {
            When::Day(d) => d,
            other => panic!("{input:?} gave {other:?}, expected a day"),
        }
    }

    fn at(input: &str) -> DateTime<Utc> {
        at_from(input, fri_now())
    }

    fn at_from<Tz: TimeZone>(input: &str, now: DateTime<Tz>) -> DateTime<Utc> {
        match when_at(input, now) {
            When::At(t) => t,
            other => panic!("{input:?} gave {other:?}, expected an instant"),
        }
    }

    fn err(input: &str) -> String {
        err_from(input, fri_now())
    }

    fn err_from<Tz: TimeZone>(input: &str, now: DateTime<Tz>) -> String {
        match parse_when(input, now, &DateOptions::default()) {
            Ok(w) => panic!("{input:?} should fail, gave {w:?}"),
            Err(e) => {
                assert_eq!(e.input, input.trim());
                e.message
            }
        }
    }

    fn day_only(input: &str) -> Result<NaiveDate, DateError> {
        parse_day(input, fri_now(), &DateOptions::default())
    }

    #[test]
    fn pinned_now_is_a_friday() {
        assert_eq!(fri_now().weekday(), Weekday::Fri);
    }

    #[test]
    fn today_tomorrow_yesterday() {
        assert_eq!(day("today"), date(2026, 11, 27));
        for input in ["tomorrow", "tmr", "tmrw", "Tomorrow", "  TOMORROW  "] {
            assert_eq!(day(input), date(2026, 11, 28), "{input}");
        }
        assert_eq!(day("yesterday"), date(2026, 11, 26));
    }

    #[test]
    fn today_is_the_local_date_of_now() {
        // 23:30 UTC on the 27th is already 00:30 on the 28th at UTC+1.
        let now = cet_at(2026, 11, 28, 0, 30);
        assert_eq!(now.with_timezone(&Utc).day(), 27);
        assert_eq!(day_from("today", now), date(2026, 11, 28));
        assert_eq!(day_from("tomorrow", now), date(2026, 11, 29));
    }

    #[test]
    fn weekdays_are_strictly_after_today() {
        assert_eq!(day("fri"), date(2026, 12, 4));
        assert_eq!(day("friday"), date(2026, 12, 4));
        assert_eq!(day("next fri"), date(2026, 12, 4));
        assert_eq!(day("sat"), date(2026, 11, 28));
        assert_eq!(day("sun"), date(2026, 11, 29));
        assert_eq!(day("mon"), date(2026, 11, 30));
        assert_eq!(day("Monday"), date(2026, 11, 30));
        assert_eq!(day("tue"), date(2026, 12, 1));
        assert_eq!(day("tues"), date(2026, 12, 1));
        assert_eq!(day("wed"), date(2026, 12, 2));
        for input in ["thu", "thur", "thurs", "thursday"] {
            assert_eq!(day(input), date(2026, 12, 3), "{input}");
        }
        assert_eq!(day("on wed"), date(2026, 12, 2));
    }

    #[test]
    fn fri_on_a_friday_is_seven_days_later() {
        let today = fri_now().date_naive();
        let fri = day("fri");
        assert_eq!(fri.signed_duration_since(today).num_days(), 7);
    }

    #[test]
    fn this_weekday_includes_today() {
        assert_eq!(day("this fri"), date(2026, 11, 27));
        assert_eq!(day("this mon"), date(2026, 11, 30));
        assert_eq!(day("this thursday"), date(2026, 12, 3));
    }

    #[test]
    fn next_weekday_from_midweek() {
        // Monday 2026-11-30: "next fri" is this week's Friday, same as "fri".
        let now = cet_at(2026, 11, 30, 12, 0);
        assert_eq!(day_from("next fri", now), date(2026, 12, 4));
        assert_eq!(day_from("fri", now), date(2026, 12, 4));
        assert_eq!(day_from("mon", now), date(2026, 12, 7));
    }

    #[test]
    fn iso_and_slashed_year_first() {
        assert_eq!(day("2026-12-01"), date(2026, 12, 1));
        assert_eq!(day("2026/12/01"), date(2026, 12, 1));
        assert_eq!(day("2026-1-5"), date(2026, 1, 5));
        assert_eq!(day("2025-06-30"), date(2025, 6, 30));
    }

    #[test]
    fn numeric_day_month_forms() {
        assert_eq!(day("31/12"), date(2026, 12, 31));
        assert_eq!(day("31/12/2026"), date(2026, 12, 31));
        assert_eq!(day("31/12/26"), date(2026, 12, 31));
        assert_eq!(day("31.12.2026"), date(2026, 12, 31));
        assert_eq!(day("31.12."), date(2026, 12, 31));
        assert_eq!(day("31.12"), date(2026, 12, 31));
        assert_eq!(day("1/1/2030"), date(2030, 1, 1));
        // 3 April is already past this year.
        assert_eq!(day("03/04"), date(2027, 4, 3));
    }

    #[test]
    fn month_first_option() {
        let us = DateOptions { day_first: false, ..DateOptions::default() };
        let parse = |s: &str| parse_when(s, fri_now(), &us).unwrap();
        assert_eq!(parse("03/04"), When::Day(date(2027, 3, 4)));
        assert_eq!(parse("12/31"), When::Day(date(2026, 12, 31)));
        assert_eq!(parse("12/31/2026"), When::Day(date(2026, 12, 31)));
        // Dotted dates stay day first.
        assert_eq!(parse("03.04."), When::Day(date(2027, 4, 3)));
        let e = parse_when("31/12", fri_now(), &us).unwrap_err();
        assert_eq!(e.message, "there is no month 31");
    }

    #[test]
    fn month_names() {
        assert_eq!(day("1 dec"), date(2026, 12, 1));
        assert_eq!(day("dec 1"), date(2026, 12, 1));
        assert_eq!(day("1 december 2026"), date(2026, 12, 1));
        assert_eq!(day("December 1, 2026"), date(2026, 12, 1));
        assert_eq!(day("december 1,2026"), date(2026, 12, 1));
        assert_eq!(day("Dec 25th"), date(2026, 12, 25));
        assert_eq!(day("1st jan"), date(2027, 1, 1));
        assert_eq!(day("sept 3 2027"), date(2027, 9, 3));
        assert_eq!(day("3 may"), date(2027, 5, 3));
        // Today is not past; yesterday is.
        assert_eq!(day("27 nov"), date(2026, 11, 27));
        assert_eq!(day("26 nov"), date(2027, 11, 26));
    }

    #[test]
    fn year_rolls_over_for_dates_without_year() {
        let now = cet_at(2026, 12, 20, 10, 0);
        assert_eq!(day_from("05/01", now), date(2027, 1, 5));
        assert_eq!(day_from("5 jan", now), date(2027, 1, 5));
        assert_eq!(day_from("jan 5", now), date(2027, 1, 5));
        assert_eq!(day_from("5.1.", now), date(2027, 1, 5));
        assert_eq!(day_from("20/12", now), date(2026, 12, 20));
        assert_eq!(day_from("19/12", now), date(2027, 12, 19));
        assert_eq!(day_from("31/12", now), date(2026, 12, 31));
    }

    #[test]
    fn relative_days_weeks_months_years() {
        assert_eq!(day("+3d"), date(2026, 11, 30));
        assert_eq!(day("+2w"), date(2026, 12, 11));
        assert_eq!(day("+1mo"), date(2026, 12, 27));
        assert_eq!(day("+1y"), date(2027, 11, 27));
        assert_eq!(day("-30d"), date(2026, 10, 28));
        assert_eq!(day("+1w2d"), date(2026, 12, 6));
        assert_eq!(day("+3 days"), date(2026, 11, 30));
        assert_eq!(day("in 3 days"), date(2026, 11, 30));
        assert_eq!(day("in 2 weeks"), date(2026, 12, 11));
        assert_eq!(day("in 1 month"), date(2026, 12, 27));
        assert_eq!(day("in a week"), date(2026, 12, 4));
        assert_eq!(day("in 1 year"), date(2027, 11, 27));
        assert_eq!(day("3 days ago"), date(2026, 11, 24));
        assert_eq!(day("2 weeks ago"), date(2026, 11, 13));
        assert_eq!(day("a month ago"), date(2026, 10, 27));
        assert_eq!(day("2 days from now"), date(2026, 11, 29));
    }

    #[test]
    fn months_clamp_to_month_end() {
        let jan31 = cet_at(2026, 1, 31, 12, 0);
        assert_eq!(day_from("+1mo", jan31), date(2026, 2, 28));
        assert_eq!(day_from("in 1 month", jan31), date(2026, 2, 28));
        let opts = DateOptions::default();
        assert_eq!(parse_day("+1m", jan31, &opts).unwrap(), date(2026, 2, 28));
        let leap = cet_at(2028, 1, 31, 12, 0);
        assert_eq!(parse_day("+1m", leap, &opts).unwrap(), date(2028, 2, 29));
        assert_eq!(day_from("+1mo", leap), date(2028, 2, 29));
        let mar31 = cet_at(2026, 3, 31, 12, 0);
        assert_eq!(day_from("1 month ago", mar31), date(2026, 2, 28));
        assert_eq!(day_from("+1mo", mar31), date(2026, 4, 30));
        let feb29 = cet_at(2028, 2, 29, 12, 0);
        assert_eq!(day_from("+1y", feb29), date(2029, 2, 28));
    }

    #[test]
    fn named_relative_days() {
        assert_eq!(day("next week"), date(2026, 11, 30));
        assert_eq!(day("next month"), date(2026, 12, 1));
        assert_eq!(day("end of month"), date(2026, 11, 30));
        assert_eq!(day("eom"), date(2026, 11, 30));
        assert_eq!(day("eow"), date(2026, 11, 27));
        assert_eq!(day("end of week"), date(2026, 11, 27));

        let monday = cet_at(2026, 11, 30, 8, 0);
        assert_eq!(day_from("next week", monday), date(2026, 12, 7));
        assert_eq!(day_from("eow", monday), date(2026, 12, 4));
        let saturday = cet_at(2026, 11, 28, 8, 0);
        assert_eq!(day_from("eow", saturday), date(2026, 12, 4));

        let december = cet_at(2026, 12, 5, 8, 0);
        assert_eq!(day_from("next month", december), date(2027, 1, 1));
        assert_eq!(day_from("eom", december), date(2026, 12, 31));
        let feb_leap = cet_at(2028, 2, 3, 8, 0);
        assert_eq!(day_from("end of the month", feb_leap), date(2028, 2, 29));
    }

    #[test]
    fn leap_years() {
        assert_eq!(day("2028-02-29"), date(2028, 2, 29));
        assert_eq!(day("29/02/2028"), date(2028, 2, 29));
        assert_eq!(day("29 feb 2028"), date(2028, 2, 29));
        assert_eq!(day("2000-02-29"), date(2000, 2, 29));
        assert!(err("2100-02-29").contains("February 2100 has 28 days"));
        // Without a year, Feb 29 is found in a leap year coming up.
        let now = cet_at(2027, 12, 1, 8, 0);
        assert_eq!(day_from("29/02", now), date(2028, 2, 29));
    }

    #[test]
    fn bare_times_are_today_local() {
        // Local is UTC+1.
        assert_eq!(at("10:00"), utc(2026, 11, 27, 9, 0));
        assert_eq!(at("15:00"), utc(2026, 11, 27, 14, 0));
        assert_eq!(at("9:30"), utc(2026, 11, 27, 8, 30));
        assert_eq!(at("14:30"), utc(2026, 11, 27, 13, 30));
        assert_eq!(at("10"), utc(2026, 11, 27, 9, 0));
        assert_eq!(at("10am"), utc(2026, 11, 27, 9, 0));
        assert_eq!(at("10 am"), utc(2026, 11, 27, 9, 0));
        assert_eq!(at("10 AM"), utc(2026, 11, 27, 9, 0));
        assert_eq!(at("at 10am"), utc(2026, 11, 27, 9, 0));
        assert_eq!(at("2pm"), utc(2026, 11, 27, 13, 0));
        assert_eq!(at("2:30pm"), utc(2026, 11, 27, 13, 30));
        assert_eq!(at("2:30 p.m."), utc(2026, 11, 27, 13, 30));
        assert_eq!(at("12am"), utc(2026, 11, 26, 23, 0));
        assert_eq!(at("12pm"), utc(2026, 11, 27, 11, 0));
        assert_eq!(at("noon"), utc(2026, 11, 27, 11, 0));
        assert_eq!(at("midnight"), utc(2026, 11, 26, 23, 0));
        assert_eq!(at("morning"), utc(2026, 11, 27, 8, 0));
        assert_eq!(at("afternoon"), utc(2026, 11, 27, 13, 0));
        assert_eq!(at("evening"), utc(2026, 11, 27, 17, 0));
        assert_eq!(at("this evening"), utc(2026, 11, 27, 17, 0));
        assert_eq!(at("tonight"), utc(2026, 11, 27, 17, 0));
        assert_eq!(at("14:30:15"), utc(2026, 11, 27, 13, 30) + TimeDelta::seconds(15));
    }

    #[test]
    fn named_times_come_from_options() {
        let opts = DateOptions {
            morning: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
            afternoon: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
            evening: NaiveTime::from_hms_opt(19, 45, 0).unwrap(),
            day_first: true,
            week_start: Weekday::Mon,
        };
        let parse = |s: &str| parse_when(s, fri_now(), &opts).unwrap();
        assert_eq!(parse("morning"), When::At(utc(2026, 11, 27, 7, 30)));
        assert_eq!(parse("tomorrow afternoon"), When::At(utc(2026, 11, 28, 12, 0)));
        assert_eq!(parse("mon evening"), When::At(utc(2026, 11, 30, 18, 45)));
    }

    #[test]
    fn default_options() {
        let opts = DateOptions::default();
        assert_eq!(opts.morning, NaiveTime::from_hms_opt(9, 0, 0).unwrap());
        assert_eq!(opts.afternoon, NaiveTime::from_hms_opt(14, 0, 0).unwrap());
        assert_eq!(opts.evening, NaiveTime::from_hms_opt(18, 0, 0).unwrap());
        assert!(opts.day_first);
        assert_eq!(opts.week_start, Weekday::Mon);
    }

    #[test]
    fn next_week_starts_on_the_configured_day() {
        let sunday = DateOptions { week_start: Weekday::Sun, ..DateOptions::default() };
        // Friday 2026-11-27: the coming Sunday is the 29th (Monday would be the 30th).
        assert_eq!(parse_day("next week", fri_now(), &sunday).unwrap(), date(2026, 11, 29));
        assert_eq!(parse_day("next week", fri_now(), &DateOptions::default()).unwrap(), date(2026, 11, 30));
    }

    #[test]
    fn day_and_time_combined() {
        assert_eq!(at("tomorrow 10:00"), utc(2026, 11, 28, 9, 0));
        assert_eq!(at("fri 9am"), utc(2026, 12, 4, 8, 0));
        assert_eq!(at("2026-12-01 14:30"), utc(2026, 12, 1, 13, 30));
        assert_eq!(at("2026-12-01T14:30"), utc(2026, 12, 1, 13, 30));
        assert_eq!(at("2026-12-01t14:30:00"), utc(2026, 12, 1, 13, 30));
        assert_eq!(at("31/12 17:00"), utc(2026, 12, 31, 16, 0));
        assert_eq!(at("tomorrow morning"), utc(2026, 11, 28, 8, 0));
        assert_eq!(at("mon at 2pm"), utc(2026, 11, 30, 13, 0));
        assert_eq!(at("Mon  AT  2 PM"), utc(2026, 11, 30, 13, 0));
        assert_eq!(at("next fri 10"), utc(2026, 12, 4, 9, 0));
        assert_eq!(at("10am tomorrow"), utc(2026, 11, 28, 9, 0));
        assert_eq!(at("december 1, 2026 at 14:30"), utc(2026, 12, 1, 13, 30));
        assert_eq!(at("1 dec 10"), utc(2026, 12, 1, 9, 0));
        assert_eq!(at("in 3 days at 10am"), utc(2026, 11, 30, 9, 0));
        assert_eq!(at("+3d 10:00"), utc(2026, 11, 30, 9, 0));
        assert_eq!(at("today noon"), utc(2026, 11, 27, 11, 0));
        assert_eq!(at("tomorrow midnight"), utc(2026, 11, 27, 23, 0));
        assert_eq!(at("on fri at 9:30"), utc(2026, 12, 4, 8, 30));
        // Followed by a time, "m" can only be months.
        assert_eq!(at("+1m 9am"), utc(2026, 12, 27, 8, 0));
    }

    #[test]
    fn instants_relative_to_now() {
        // now is 08:15 UTC.
        assert_eq!(at("now"), utc(2026, 11, 27, 8, 15));
        assert_eq!(at("NOW"), utc(2026, 11, 27, 8, 15));
        assert_eq!(at("in 2h"), utc(2026, 11, 27, 10, 15));
        assert_eq!(at("in 30m"), utc(2026, 11, 27, 8, 45));
        assert_eq!(at("in 90 minutes"), utc(2026, 11, 27, 9, 45));
        assert_eq!(at("in 1 hour"), utc(2026, 11, 27, 9, 15));
        assert_eq!(at("in an hour"), utc(2026, 11, 27, 9, 15));
        assert_eq!(at("in 1h30m"), utc(2026, 11, 27, 9, 45));
        assert_eq!(at("in 1 hour and 30 minutes"), utc(2026, 11, 27, 9, 45));
        assert_eq!(at("+2h"), utc(2026, 11, 27, 10, 15));
        assert_eq!(at("+30m"), utc(2026, 11, 27, 8, 45));
        assert_eq!(at("+30min"), utc(2026, 11, 27, 8, 45));
        assert_eq!(at("-2h"), utc(2026, 11, 27, 6, 15));
        assert_eq!(at("2 hours ago"), utc(2026, 11, 27, 6, 15));
        assert_eq!(at("+1d2h"), utc(2026, 11, 28, 10, 15));
        assert_eq!(at("in 1.5h"), utc(2026, 11, 27, 9, 45));
    }

    #[test]
    fn rfc3339_with_offset() {
        assert_eq!(at("2026-12-01T14:30:00Z"), utc(2026, 12, 1, 14, 30));
        assert_eq!(at("2026-12-01T14:30:00+02:00"), utc(2026, 12, 1, 12, 30));
        assert_eq!(at("2026-12-01 14:30:00-05:00"), utc(2026, 12, 1, 19, 30));
    }

    #[test]
    fn works_with_utc_now() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 9, 15, 0).unwrap();
        assert_eq!(day_from("fri", now), date(2026, 12, 4));
        assert_eq!(day_from("this fri", now), date(2026, 11, 27));
        assert_eq!(at_from("tomorrow 10:00", now), utc(2026, 11, 28, 10, 0));
        assert_eq!(at_from("15:00", now), utc(2026, 11, 27, 15, 0));
        assert_eq!(at_from("in 2h", now), utc(2026, 11, 27, 11, 15));
        assert_eq!(at_from("now", now), now);
        assert_eq!(parse_day("31/12", now, &DateOptions::default()).unwrap(), date(2026, 12, 31));
    }

    #[test]
    fn impossible_dates() {
        assert_eq!(err("2026-02-31"), "February 2026 has 28 days");
        assert_eq!(err("31/02"), "February has no day 31");
        assert_eq!(err("2026-13-01"), "there is no month 13");
        assert_eq!(err("29/02/2027"), "February 2027 has 28 days");
        assert_eq!(err("2026-04-31"), "April 2026 has 30 days");
        assert_eq!(err("31 apr"), "April has no day 31");
        assert_eq!(err("32 dec"), "December has no day 32");
        assert_eq!(err("dec 32 2026"), "December 2026 has 31 days");
        assert_eq!(err("0/5"), "there is no day 0");
        assert_eq!(err("5/0"), "there is no month 0");
        assert_eq!(err("31/02 10:00"), "February has no day 31");
        // Next February is in 2027, which has no 29th.
        assert_eq!(err("29/02"), "February 2027 has 28 days");
    }

    #[test]
    fn impossible_times() {
        assert_eq!(err("25:00"), "there is no hour 25");
        assert_eq!(err("10:61"), "there is no minute 61");
        assert_eq!(err("13pm"), "13pm is not a time");
        assert_eq!(err("0am"), "0am is not a time");
        assert_eq!(err("tomorrow 25:00"), "there is no hour 25");
        assert_eq!(err("fri 10:99"), "there is no minute 99");
        assert_eq!(err("24:00"), "there is no hour 24");
    }

    #[test]
    fn empty_and_unknown_input() {
        let empty = r#"expected a date, e.g. "tomorrow 10:00", "+3d", "fri" or "2026-12-01""#;
        assert_eq!(err(""), empty);
        assert_eq!(err("   "), empty);
        assert_eq!(err("blah"), r#"did not understand "blah"; try "tomorrow 10:00", "+3d", "fri" or "2026-12-01""#);
        assert!(err("tomorrow blah").starts_with("did not understand \"blah\";"));
        assert!(err("next ago").starts_with("did not understand \"next ago\";"));
        assert!(err("in 3").starts_with("did not understand"));
        assert!(err("+3x").starts_with("did not understand \"+3x\""));
    }

    #[test]
    fn error_display() {
        let e = parse_when("31/02", fri_now(), &DateOptions::default()).unwrap_err();
        assert_eq!(e.to_string(), "\"31/02\": February has no day 31");
        let e = parse_when("  blah ", fri_now(), &DateOptions::default()).unwrap_err();
        assert_eq!(e.input, "blah");
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().starts_with("\"blah\": did not understand"));
    }

    #[test]
    fn parse_day_gives_days() {
        assert_eq!(day_only("+3d").unwrap(), date(2026, 11, 30));
        assert_eq!(day_only("fri").unwrap(), date(2026, 12, 4));
        assert_eq!(day_only("tomorrow").unwrap(), date(2026, 11, 28));
        assert_eq!(day_only("2026-12-01").unwrap(), date(2026, 12, 1));
        assert_eq!(day_only("31/12").unwrap(), date(2026, 12, 31));
        assert_eq!(day_only("in 2 weeks").unwrap(), date(2026, 12, 11));
        assert_eq!(day_only("eom").unwrap(), date(2026, 11, 30));
        // In a day, "m" is months.
        assert_eq!(day_only("+1m").unwrap(), date(2026, 12, 27));
        assert_eq!(day_only("in 2m").unwrap(), date(2027, 1, 27));
    }

    #[test]
    fn parse_day_rejects_times() {
        for input in [
            "tomorrow 10:00",
            "15:00",
            "fri 9am",
            "in 2h",
            "+30min",
            "in 90 minutes",
            "now",
            "2026-12-01T14:30:00Z",
            "tomorrow morning",
        ] {
            let e = day_only(input).unwrap_err();
            assert!(e.message.contains("expected a date without a time"), "{input}: {e}");
        }
        let e = day_only("").unwrap_err();
        assert_eq!(e.message, r#"expected a date, e.g. "tomorrow", "+3d", "fri" or "2026-12-01""#);
        let e = day_only("blah").unwrap_err();
        assert_eq!(e.message, r#"did not understand "blah"; try "tomorrow", "+3d", "fri" or "2026-12-01""#);
        assert_eq!(day_only("31/02").unwrap_err().message, "February has no day 31");
    }

    #[test]
    fn too_far_is_an_error_not_a_panic() {
        assert!(err("+99999999999999999999d").contains("too far"));
        assert!(err("+9999999999y").contains("too far"));
        assert!(err("in 99999999999999999999h").contains("too far"));
        assert!(err("-99999999999w").contains("too far in the past"));
    }

    /// Europe/Paris for 2026: UTC+1, UTC+2 from 2026-03-29 01:00 UTC (02:00 local jumps
    /// to 03:00) until 2026-10-25 01:00 UTC (03:00 local falls back to 02:00).
    #[derive(Debug, Clone, Copy)]
    struct Paris2026;

    impl Paris2026 {
        fn winter() -> FixedOffset {
            FixedOffset::east_opt(3600).unwrap()
        }
        fn summer() -> FixedOffset {
            FixedOffset::east_opt(7200).unwrap()
        }
        fn local(m: u32, d: u32, h: u32) -> NaiveDateTime {
            date(2026, m, d).and_hms_opt(h, 0, 0).unwrap()
        }
    }

    impl TimeZone for Paris2026 {
        type Offset = FixedOffset;

        fn from_offset(_: &FixedOffset) -> Self {
            Paris2026
        }

        fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<FixedOffset> {
            self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
        }

        fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<FixedOffset> {
            let local = *local;
            if local < Self::local(3, 29, 2) {
                LocalResult::Single(Self::winter())
            } else if local < Self::local(3, 29, 3) {
                LocalResult::None
            } else if local < Self::local(10, 25, 2) {
                LocalResult::Single(Self::summer())
            } else if local < Self::local(10, 25, 3) {
                LocalResult::Ambiguous(Self::summer(), Self::winter())
            } else {
                LocalResult::Single(Self::winter())
            }
        }

        fn offset_from_utc_date(&self, utc: &NaiveDate) -> FixedOffset {
            self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
        }

        fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> FixedOffset {
            if *utc >= Self::local(3, 29, 1) && *utc < Self::local(10, 25, 1) {
                Self::summer()
            } else {
                Self::winter()
            }
        }
    }

    #[test]
    fn dst_gap_is_an_error() {
        let now = Paris2026.with_ymd_and_hms(2026, 3, 28, 12, 0, 0).unwrap();
        assert_eq!(
            err_from("tomorrow 02:30", now),
            "02:30 does not exist on 2026-03-29 in this time zone (clocks move forward)"
        );
        assert_eq!(
            err_from("2026-03-29 2:30am", now),
            "02:30 does not exist on 2026-03-29 in this time zone (clocks move forward)"
        );
        assert_eq!(at_from("tomorrow 01:30", now), utc(2026, 3, 29, 0, 30));
        assert_eq!(at_from("tomorrow 03:30", now), utc(2026, 3, 29, 1, 30));
        // A day alone never meets the gap.
        assert_eq!(day_from("tomorrow", now), date(2026, 3, 29));
    }

    #[test]
    fn dst_overlap_takes_the_earlier_instant() {
        let now = Paris2026.with_ymd_and_hms(2026, 10, 24, 12, 0, 0).unwrap();
        // 02:30 happens first at UTC+2 (00:30 UTC), then again at UTC+1 (01:30 UTC).
        assert_eq!(at_from("tomorrow 02:30", now), utc(2026, 10, 25, 0, 30));
        assert_eq!(at_from("tomorrow 03:30", now), utc(2026, 10, 25, 2, 30));
        assert_eq!(at_from("tomorrow 01:30", now), utc(2026, 10, 24, 23, 30));
    }

    #[test]
    fn minutes_forms() {
        let cases = [
            ("2h", 120),
            ("90m", 90),
            ("3d", 4320),
            ("2w", 20160),
            ("1h30m", 90),
            ("1h 30m", 90),
            ("1h30", 90),
            ("45 min", 45),
            ("45 mins", 45),
            ("2 hours", 120),
            ("1 hour 30 minutes", 90),
            ("1 hour and 30 minutes", 90),
            ("an hour", 60),
            ("30", 30),
            ("1.5h", 90),
            ("0.25 h", 15),
            ("  2H ", 120),
            ("+15m", 15),
            ("1d2h", 1560),
        ];
        for (input, minutes) in cases {
            assert_eq!(parse_minutes(input), Ok(minutes), "{input}");
        }
        assert_eq!(parse_minutes("4294967295m"), Ok(u32::MAX));
    }

    #[test]
    fn minutes_errors() {
        let message = |s: &str| parse_minutes(s).unwrap_err().message;
        assert_eq!(message(""), r#"expected a duration, e.g. "30m", "2h", "1h30m" or "3d""#);
        assert_eq!(message("abc"), r#"did not understand "abc"; try "30m", "2h", "1h30m" or "3d""#);
        assert!(message("h").starts_with("did not understand"));
        assert!(message("2x").starts_with("did not understand"));
        assert!(message("1:30").starts_with("did not understand"));
        assert!(message("30 2h").starts_with("did not understand"));
        assert!(message("-5m").starts_with("did not understand"));
        assert_eq!(message("0m"), "a duration must be longer than zero");
        assert_eq!(message("0"), "a duration must be longer than zero");
        assert!(message("4294967296m").contains("too long"));
        assert!(message("99999999999999999999999h").contains("too long"));
        assert!(message("3 months").contains("no fixed length"));
        assert_eq!(message("0.5m"), "that is not a whole number of minutes");
        assert_eq!(
            parse_minutes(" abc ").unwrap_err().to_string(),
            r#""abc": did not understand "abc"; try "30m", "2h", "1h30m" or "3d""#
        );
    }
}
