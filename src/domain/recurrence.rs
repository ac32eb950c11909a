//! Repeating tasks: when the next one falls due after one is done.

use chrono::{
    DateTime, Datelike, Days, LocalResult, Months, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Weekday,
};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Recurrence {
    #[default]
    None,
    Daily,
    /// Monday to Friday.
    Weekdays,
    /// On the chosen days of the week: bit 0 = Monday … bit 6 = Sunday.
    Weekly {
        days: u8,
    },
    /// On day `day` of each month (1–31, clamped to short months); 0 = the last day.
    Monthly {
        day: u8,
    },
    EveryDays(u16),
}

const WEEKDAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Recurrence {
    pub fn is_none(&self) -> bool {
        matches!(self, Recurrence::None)
    }

    /// Parses `none`, `daily`, `weekdays`, `weekly` (on the due day), `weekly:mon,thu`,
    /// `monthly` (on the due day), `monthly:15`, `monthly:last`, `every 3 days`, `3d`.
    /// `anchor` is the due day, used where the text does not name a day.
    pub fn parse(text: &str, anchor: NaiveDate) -> Result<Recurrence, String> {
        let t = text.trim().to_lowercase();
        let bad = || {
            format!(
                "\"{}\" is not a repetition; use none, daily, weekdays, weekly, weekly:mon,thu, monthly, monthly:15, monthly:last or every 3 days",
                text.trim()
            )
        };
        let (head, arg) = match t.split_once(':') {
            Some((h, a)) => (h.trim(), Some(a.trim())),
            None => (t.as_str(), None),
        };
        Ok(match (head, arg) {
            ("none" | "never" | "", None) => Recurrence::None,
            ("daily", None) => Recurrence::Daily,
            ("weekdays", None) => Recurrence::Weekdays,
            ("weekly", None) => Recurrence::Weekly { days: 1 << anchor.weekday().num_days_from_monday() },
            ("weekly", Some(list)) => {
                let mut days = 0u8;
                for name in list.split(',').map(str::trim) {
                    let i = WEEKDAY_NAMES
                        .iter()
                        .position(|w| name.starts_with(w))
                        .ok_or_else(|| format!("\"{name}\" is not a day of the week (mon … sun)"))?;
                    days |= 1 << i;
                }
                Recurrence::Weekly { days }
            }
            ("monthly", None) => Recurrence::Monthly { day: anchor.day() as u8 },
            ("monthly", Some("last")) => Recurrence::Monthly { day: 0 },
            ("monthly", Some(n)) => match n.parse::<u8>() {
                Ok(d @ 1..=31) => Recurrence::Monthly { day: d },
                _ => return Err(format!("\"{n}\" is not a day of the month (1–31 or last)")),
            },
            _ => {
                let n = t
                    .strip_prefix("every")
                    .map(|r| r.trim().trim_end_matches("days").trim_end_matches("day").trim())
                    .or_else(|| t.strip_suffix('d'))
                    .ok_or_else(bad)?;
                let n = if n.is_empty() { 1 } else { n.parse::<u16>().map_err(|_| bad())? };
                if n == 0 {
                    return Err("a task cannot repeat every 0 days".into());
                }
                Recurrence::EveryDays(n)
            }
        })
    }

    /// The first occurrence strictly after `after`, or None when the task does not repeat.
    pub fn next_after(&self, after: NaiveDate) -> Option<NaiveDate> {
        match *self {
            Recurrence::None => None,
            Recurrence::Daily => after.checked_add_days(Days::new(1)),
            // 0 cannot be parsed, but a stored 0 must not make `roll_over` loop forever.
            Recurrence::EveryDays(n) => after.checked_add_days(Days::new(n.max(1) as u64)),
            Recurrence::Weekdays => {
                let mut d = after.checked_add_days(Days::new(1))?;
                while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                    d = d.checked_add_days(Days::new(1))?;
                }
                Some(d)
            }
            Recurrence::Weekly { days } => {
                let days = if days & 0x7f == 0 { 1 << after.weekday().num_days_from_monday() } else { days };
                (1..=7).find_map(|i| {
                    let d = after.checked_add_days(Days::new(i))?;
                    (days & (1 << d.weekday().num_days_from_monday()) != 0).then_some(d)
                })
            }
            Recurrence::Monthly { day } => {
                // This month's occurrence if still ahead, else next month's.
                let this = month_day(after.year(), after.month(), day)?;
                if this > after {
                    Some(this)
                } else {
                    let next =
                        NaiveDate::from_ymd_opt(after.year(), after.month(), 1)?.checked_add_months(Months::new(1))?;
                    month_day(next.year(), next.month(), day)
                }
            }
        }
    }

    /// The next occurrence after `due` that is not before `today`: a repeating task done
    /// late does not leave a trail of missed occurrences behind it.
    pub fn roll_over(&self, due: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
        let mut next = self.next_after(due)?;
        while next < today {
            next = self.next_after(next)?;
        }
        Some(next)
    }
}

/// The next occurrence of a task due at `at`: the same local time of day (in `at`'s time
/// zone) on the day [`Recurrence::roll_over`] picks after `at`'s day, not before `today`.
/// Daylight-saving changes are met as RFC 5545 (3.3.5) does: see [`local_at`].
pub fn next_local<Tz: TimeZone>(at: &DateTime<Tz>, rec: Recurrence, today: NaiveDate) -> Option<DateTime<Tz>> {
    let day = rec.roll_over(at.date_naive(), today)?;
    local_at(&at.timezone(), day.and_time(at.time()))
}

/// The instant the clocks of `tz` read `local`. When they read it twice (they move back),
/// the first; when they skip it (they move forward), `local` read with the offset in force
/// before the gap, which lands as far after the gap as `local` is into it: 02:30 on a day
/// the clocks jump from 02:00 to 03:00 is 03:30. A day the zone skips altogether moves the
/// time to the next day.
pub fn local_at<Tz: TimeZone>(tz: &Tz, local: NaiveDateTime) -> Option<DateTime<Tz>> {
    if let Some(first) = readings(tz, local).min() {
        return Some(first);
    }
    // The last local time before the gap that exists (gaps are at most a day long).
    let before = (1..=4 * 50)
        .find_map(|quarters| readings(tz, local.checked_sub_signed(TimeDelta::minutes(15 * quarters))?).max())?;
    let offset = TimeDelta::seconds(before.offset().fix().local_minus_utc() as i64);
    Some(tz.from_utc_datetime(&local.checked_sub_signed(offset)?))
}

/// The instants at which the clocks of `tz` read `local`: none, one, or two. Checked both
/// ways, as `chrono::Local` lists the two of an overlap latest first
/// (chronotope/chrono#1625) and counts the instant of a change on both sides of it.
fn readings<Tz: TimeZone>(tz: &Tz, local: NaiveDateTime) -> impl Iterator<Item = DateTime<Tz>> + '_ {
    let (a, b) = match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => (Some(t), None),
        LocalResult::Ambiguous(a, b) => (Some(a), Some(b)),
        LocalResult::None => (None, None),
    };
    a.into_iter().chain(b).map(|t| tz.from_utc_datetime(&t.naive_utc())).filter(move |t| t.naive_local() == local)
}

/// Day `day` of a month, clamped to its length; 0 means the last day.
fn month_day(year: i32, month: u32, day: u8) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let last = first.checked_add_months(Months::new(1))?.pred_opt()?;
    let d = if day == 0 { last.day() } else { (day as u32).min(last.day()) };
    NaiveDate::from_ymd_opt(year, month, d)
}

impl fmt::Display for Recurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Recurrence::None => f.write_str("none"),
            Recurrence::Daily => f.write_str("daily"),
            Recurrence::Weekdays => f.write_str("weekdays"),
            Recurrence::Weekly { days } => {
                let names: Vec<&str> = (0..7).filter(|i| days & (1 << i) != 0).map(|i| WEEKDAY_NAMES[i]).collect();
                write!(f, "weekly:{}", names.join(","))
            }
            Recurrence::Monthly { day: 0 } => f.write_str("monthly:last"),
            Recurrence::Monthly { day } => write!(f, "monthly:{day}"),
            Recurrence::EveryDays(n) => write!(f, "every {n} days"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parse_and_display_round_trip() {
        let anchor = d(2026, 11, 27); // a Friday
        for text in ["none", "daily", "weekdays", "weekly:mon,thu", "monthly:15", "monthly:last", "every 3 days"] {
            let r = Recurrence::parse(text, anchor).unwrap();
            assert_eq!(r.to_string(), text);
        }
        assert_eq!(Recurrence::parse("weekly", anchor).unwrap().to_string(), "weekly:fri");
        assert_eq!(Recurrence::parse("monthly", anchor).unwrap(), Recurrence::Monthly { day: 27 });
        assert_eq!(Recurrence::parse("3d", anchor).unwrap(), Recurrence::EveryDays(3));
        assert!(Recurrence::parse("weekly:funday", anchor).unwrap_err().contains("funday"));
        assert!(Recurrence::parse("monthly:32", anchor).is_err());
        assert!(Recurrence::parse("every 0 days", anchor).is_err());
        assert!(Recurrence::parse("fortnightly", anchor).is_err());
    }

    #[test]
    fn next_occurrences() {
        let fri = d(2026, 11, 27);
        assert_eq!(Recurrence::Daily.next_after(fri), Some(d(2026, 11, 28)));
        assert_eq!(Recurrence::Weekdays.next_after(fri), Some(d(2026, 11, 30)));
        assert_eq!(Recurrence::Weekly { days: 0b1001 }.next_after(fri), Some(d(2026, 11, 30)));
        assert_eq!(Recurrence::Weekly { days: 0b1001 }.next_after(d(2026, 11, 30)), Some(d(2026, 12, 3)));
        assert_eq!(Recurrence::EveryDays(10).next_after(fri), Some(d(2026, 12, 7)));
        assert_eq!(Recurrence::None.next_after(fri), None);
    }

    #[test]
    fn monthly_clamps_to_month_end_and_leap_days() {
        let m31 = Recurrence::Monthly { day: 31 };
        assert_eq!(m31.next_after(d(2027, 1, 31)), Some(d(2027, 2, 28)));
        assert_eq!(m31.next_after(d(2027, 2, 28)), Some(d(2027, 3, 31)));
        assert_eq!(m31.next_after(d(2028, 1, 31)), Some(d(2028, 2, 29)));
        let last = Recurrence::Monthly { day: 0 };
        assert_eq!(last.next_after(d(2026, 12, 31)), Some(d(2027, 1, 31)));
        assert_eq!(last.next_after(d(2026, 12, 5)), Some(d(2026, 12, 31)));
    }

    #[test]
    fn roll_over_skips_missed_occurrences() {
        let daily = Recurrence::Daily;
        assert_eq!(daily.roll_over(d(2026, 11, 1), d(2026, 11, 27)), Some(d(2026, 11, 27)));
        assert_eq!(daily.roll_over(d(2026, 11, 30), d(2026, 11, 27)), Some(d(2026, 12, 1)));
        assert_eq!(Recurrence::None.roll_over(d(2026, 11, 1), d(2026, 11, 27)), None);
        let every10 = Recurrence::EveryDays(10);
        assert_eq!(every10.roll_over(d(2026, 11, 1), d(2026, 11, 27)), Some(d(2026, 12, 1)));
        assert_eq!(every10.roll_over(d(2026, 11, 1), d(2026, 12, 1)), Some(d(2026, 12, 1)));
    }

    #[test]
    fn monthly_29_30_31_in_february_of_leap_and_common_years() {
        // 2000 is a leap year (divisible by 400), 2100 is not (divisible by 100).
        for (year, feb) in [(2027, 28), (2028, 29), (2000, 29), (2100, 28)] {
            for day in 29..=31u32 {
                let rec = Recurrence::Monthly { day: day as u8 };
                let in_feb = d(year, 2, day.min(feb));
                assert_eq!(rec.next_after(d(year, 1, day)), Some(in_feb), "{rec} after {year}-01-{day}");
                assert_eq!(rec.next_after(d(year, 2, 1)), Some(in_feb), "{rec} after {year}-02-01");
                // The clamp does not stick: March is back on the chosen day.
                assert_eq!(rec.next_after(in_feb), Some(d(year, 3, day)), "{rec} after {in_feb}");
                assert_eq!(rec.roll_over(d(year, 1, day), d(year, 2, 2)), Some(in_feb));
            }
        }
        // Clamped in April (30 days) as well.
        assert_eq!(Recurrence::Monthly { day: 31 }.next_after(d(2026, 3, 31)), Some(d(2026, 4, 30)));
        assert_eq!(Recurrence::Monthly { day: 31 }.next_after(d(2026, 4, 30)), Some(d(2026, 5, 31)));
        // Every day across a leap day.
        assert_eq!(Recurrence::Daily.next_after(d(2028, 2, 28)), Some(d(2028, 2, 29)));
        assert_eq!(Recurrence::Daily.next_after(d(2100, 2, 28)), Some(d(2100, 3, 1)));
        assert_eq!(Recurrence::EveryDays(365).next_after(d(2028, 1, 1)), Some(d(2028, 12, 31)));
    }

    #[test]
    fn monthly_last_across_year_boundaries() {
        let last = Recurrence::Monthly { day: 0 };
        assert_eq!(last.next_after(d(2026, 12, 31)), Some(d(2027, 1, 31)));
        assert_eq!(last.next_after(d(2027, 12, 30)), Some(d(2027, 12, 31)));
        assert_eq!(last.next_after(d(2099, 12, 31)), Some(d(2100, 1, 31)));
        assert_eq!(last.next_after(d(2100, 1, 31)), Some(d(2100, 2, 28)));
        assert_eq!(last.next_after(d(2028, 1, 31)), Some(d(2028, 2, 29)));
        assert_eq!(last.roll_over(d(2026, 11, 30), d(2027, 2, 1)), Some(d(2027, 2, 28)));
        assert_eq!(last.roll_over(d(2027, 12, 31), d(2028, 2, 29)), Some(d(2028, 2, 29)));
        let m31 = Recurrence::Monthly { day: 31 };
        assert_eq!(m31.next_after(d(2026, 12, 31)), Some(d(2027, 1, 31)));
        assert_eq!(Recurrence::Monthly { day: 1 }.next_after(d(2026, 12, 1)), Some(d(2027, 1, 1)));
    }

    #[test]
    fn a_stored_every_0_days_repeats_daily_instead_of_hanging() {
        // `parse` refuses 0, but a stored record may hold it; `roll_over` used to loop forever.
        let zero = Recurrence::EveryDays(0);
        assert_eq!(zero.next_after(d(2026, 11, 27)), Some(d(2026, 11, 28)));
        assert_eq!(zero.roll_over(d(2026, 11, 1), d(2026, 11, 27)), Some(d(2026, 11, 27)));
    }

    // ---- properties ----

    use proptest::prelude::*;

    fn arb_recurrence() -> impl Strategy<Value = Recurrence> {
        prop_oneof![
            Just(Recurrence::Daily),
            Just(Recurrence::Weekdays),
            (1u8..=127).prop_map(|days| Recurrence::Weekly { days }),
            (0u8..=31).prop_map(|day| Recurrence::Monthly { day }),
            (1u16..=400).prop_map(Recurrence::EveryDays),
        ]
    }

    /// Any day of 1990–2100, half of the time one of the first or last four of a month.
    fn arb_date() -> impl Strategy<Value = NaiveDate> {
        let (lo, hi) = (d(1990, 1, 1).num_days_from_ce(), d(2100, 12, 31).num_days_from_ce());
        prop_oneof![
            (lo..=hi).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap()),
            (1990..=2100i32, 1..=12u32, 0..8u32).prop_map(|(y, m, k)| {
                let len = month_len(y, m);
                d(y, m, if k < 4 { k + 1 } else { len - (k - 4) })
            }),
        ]
    }

    /// Month lengths from the calendar rules, independent of the code under test.
    fn month_len(y: i32, m: u32) -> u32 {
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m as usize - 1]
    }

    /// Whether `rec` falls on `day` (after `from`, the day it was last due: daily and
    /// every-N-days count from it).
    fn falls_on(rec: Recurrence, from: NaiveDate, day: NaiveDate) -> bool {
        let wd = day.weekday().num_days_from_monday();
        match rec {
            Recurrence::None => false,
            Recurrence::Daily => day > from,
            Recurrence::EveryDays(n) => day > from && (day - from).num_days() % n as i64 == 0,
            Recurrence::Weekdays => wd < 5,
            Recurrence::Weekly { days } => days & (1 << wd) != 0,
            Recurrence::Monthly { day: 0 } => day.day() == month_len(day.year(), day.month()),
            Recurrence::Monthly { day: n } => day.day() == (n as u32).min(month_len(day.year(), day.month())),
        }
    }

    fn days_between(a: NaiveDate, b: NaiveDate) -> impl Iterator<Item = NaiveDate> {
        a.iter_days().skip(1).take_while(move |x| *x < b)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn next_after_is_strictly_later(rec in arb_recurrence(), day in arb_date()) {
            let next = rec.next_after(day).unwrap();
            prop_assert!(next > day, "{rec} after {day} gave {next}");
        }

        #[test]
        fn next_after_lands_on_an_allowed_day(rec in arb_recurrence(), day in arb_date()) {
            let next = rec.next_after(day).unwrap();
            prop_assert!(falls_on(rec, day, next), "{rec} after {day} gave {next}");
            let wd = next.weekday().num_days_from_monday();
            let len = month_len(next.year(), next.month());
            match rec {
                Recurrence::Daily => prop_assert_eq!(next, day + Days::new(1)),
                Recurrence::EveryDays(n) => prop_assert_eq!(next, day + Days::new(n as u64)),
                Recurrence::Weekdays => prop_assert!(wd < 5, "{next} is not Mon–Fri"),
                Recurrence::Weekly { days } => prop_assert!(days & (1 << wd) != 0, "{next} not in {rec}"),
                Recurrence::Monthly { day: 0 } => prop_assert_eq!(next.day(), len),
                Recurrence::Monthly { day: n } => prop_assert_eq!(next.day(), (n as u32).min(len)),
                Recurrence::None => unreachable!(),
            }
        }

        #[test]
        fn next_after_skips_no_allowed_day(rec in arb_recurrence(), day in arb_date()) {
            let next = rec.next_after(day).unwrap();
            if let Some(skipped) = days_between(day, next).find(|x| falls_on(rec, day, *x)) {
                prop_assert!(false, "{rec} after {day} gave {next}, skipping {skipped}");
            }
        }

        #[test]
        fn roll_over_is_the_first_occurrence_from_today(
            rec in arb_recurrence(),
            due in arb_date(),
            today in arb_date(),
        ) {
            let next = rec.roll_over(due, today).unwrap();
            prop_assert!(next >= today, "{rec} due {due} today {today} gave {next}");
            prop_assert!(next > due, "{rec} due {due} today {today} gave {next}");
            prop_assert!(falls_on(rec, due, next), "{rec} due {due} today {today} gave {next}");
            // The first: no occurrence between the later of (due, yesterday) and it.
            let from = due.max(today.pred_opt().unwrap());
            if let Some(skipped) = days_between(from, next).find(|x| falls_on(rec, due, *x)) {
                prop_assert!(false, "{rec} due {due} today {today} gave {next}, skipping {skipped}");
            }
        }

        #[test]
        fn display_then_parse_round_trips(rec in arb_recurrence(), anchor in arb_date()) {
            prop_assert_eq!(Recurrence::parse(&rec.to_string(), anchor), Ok(rec));
        }

        /// Any wall-clock time of 2026 in Paris comes back as itself, except in the
        /// spring-forward gap (an hour later) and the fall-back overlap (the first one).
        #[test]
        fn local_at_keeps_the_wall_clock_time(minute in 0..365 * 24 * 60i64, like_chrono_local in any::<bool>()) {
            let local = d(2026, 1, 1).and_time(NaiveTime::MIN) + TimeDelta::minutes(minute);
            let at = if like_chrono_local {
                local_at(&ParisLocal2026, local).unwrap().fixed_offset()
            } else {
                local_at(&Paris2026, local).unwrap().fixed_offset()
            };
            let gap = (local >= Paris2026::local(3, 29, 2)) && local < Paris2026::local(3, 29, 3);
            let overlap = (local >= Paris2026::local(10, 25, 2)) && local < Paris2026::local(10, 25, 3);
            if gap {
                prop_assert_eq!(at.naive_local(), local + TimeDelta::hours(1));
            } else {
                prop_assert_eq!(at.naive_local(), local);
            }
            prop_assert_eq!(at.offset().local_minus_utc(), if gap || overlap { 7200 } else {
                Paris2026.offset_from_local_datetime(&local).unwrap().local_minus_utc()
            });
        }

        /// A timed task keeps its time of day on the day `roll_over` picks (Paris never
        /// skips a day), and comes later than it was.
        #[test]
        fn next_local_keeps_the_time_of_day(
            rec in arb_recurrence(),
            minute in 0..365 * 24 * 60i64,
            ahead in 0..60u64,
        ) {
            let at = Paris2026.from_utc_datetime(&(d(2026, 1, 1).and_time(NaiveTime::MIN) + TimeDelta::minutes(minute)));
            let today = at.date_naive() + Days::new(ahead);
            let next = next_local(&at, rec, today).unwrap();
            prop_assert!(next > at);
            prop_assert_eq!(next.date_naive(), rec.roll_over(at.date_naive(), today).unwrap());
            if Paris2026.from_local_datetime(&next.date_naive().and_time(at.time())) == LocalResult::None {
                prop_assert_eq!(next.time(), at.time() + TimeDelta::hours(1));
            } else {
                prop_assert_eq!(next.time(), at.time());
            }
        }
    }

    // ---- time of day across daylight-saving changes ----

    use chrono::{FixedOffset, NaiveTime};

    /// A test time zone: `rules` lists (UTC instant from which, offset in seconds), in order.
    fn utc_offset(rules: &[(NaiveDateTime, i32)], utc: NaiveDateTime) -> FixedOffset {
        let secs = rules.iter().rev().find(|(from, _)| *from <= utc).map_or(rules[0].1, |r| r.1);
        FixedOffset::east_opt(secs).unwrap()
    }

    /// The offsets with which `local` reads as an instant, the earlier instant first. A
    /// `sloppy` zone answers like `chrono::Local` does (chronotope/chrono#1625): the later
    /// instant first, and the instant of a change read with the offset before it as well.
    fn local_offsets(rules: &[(NaiveDateTime, i32)], local: NaiveDateTime, sloppy: bool) -> LocalResult<FixedOffset> {
        let fits_at = |o: &FixedOffset, second_before: i64| {
            let u = local - TimeDelta::seconds(o.local_minus_utc() as i64 + second_before);
            utc_offset(rules, u) == *o
        };
        let mut fits: Vec<FixedOffset> = rules
            .iter()
            .map(|r| FixedOffset::east_opt(r.1).unwrap())
            .filter(|o| fits_at(o, 0) || (sloppy && fits_at(o, 1)))
            .collect();
        fits.sort_by_key(|o| if sloppy { o.local_minus_utc() } else { -o.local_minus_utc() });
        fits.dedup();
        match fits[..] {
            [] => LocalResult::None,
            [o] => LocalResult::Single(o),
            [a, b] => LocalResult::Ambiguous(a, b),
            _ => unreachable!(),
        }
    }

    fn utc(y: i32, m: u32, day: u32, h: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, 0, 0).unwrap()
    }

    macro_rules! test_zone {
        ($(#[$doc:meta])* $name:ident, $rules:expr) => {
            test_zone!($(#[$doc])* $name, $rules, false);
        };
        ($(#[$doc:meta])* $name:ident, $rules:expr, $sloppy:expr) => {
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            struct $name;

            impl TimeZone for $name {
                type Offset = FixedOffset;

                fn from_offset(_: &FixedOffset) -> Self {
                    $name
                }
                fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<FixedOffset> {
                    self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
                }
                fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<FixedOffset> {
                    local_offsets(&$rules, *local, $sloppy)
                }
                fn offset_from_utc_date(&self, utc: &NaiveDate) -> FixedOffset {
                    self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
                }
                fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> FixedOffset {
                    utc_offset(&$rules, *utc)
                }
            }
        };
    }

    test_zone!(
        /// Europe/Paris for 2026: UTC+1, UTC+2 from 2026-03-29 01:00 UTC (02:00 local jumps
        /// to 03:00) until 2026-10-25 01:00 UTC (03:00 local falls back to 02:00).
        Paris2026,
        [(utc(1900, 1, 1, 0), 3600), (utc(2026, 3, 29, 1), 7200), (utc(2026, 10, 25, 1), 3600)]
    );

    test_zone!(
        /// Paris2026 as `chrono::Local` reads it from the system's time zone data.
        ParisLocal2026,
        [(utc(1900, 1, 1, 0), 3600), (utc(2026, 3, 29, 1), 7200), (utc(2026, 10, 25, 1), 3600)],
        true
    );

    impl Paris2026 {
        fn local(m: u32, day: u32, h: u32) -> NaiveDateTime {
            utc(2026, m, day, h)
        }
    }

    test_zone!(
        /// Antarctica/Troll for 2026: UTC+0, UTC+2 from 2026-03-29 01:00 UTC (01:00 local
        /// jumps to 03:00, a two-hour gap) until 2026-10-25 01:00 UTC (03:00 falls back to 01:00).
        Troll2026,
        [(utc(1900, 1, 1, 0), 0), (utc(2026, 3, 29, 1), 7200), (utc(2026, 10, 25, 1), 0)]
    );

    test_zone!(
        /// Pacific/Apia across the date line: UTC-10 until 2011-12-30 10:00 UTC, then UTC+14;
        /// the local day 2011-12-30 never happened.
        Apia2011,
        [(utc(1900, 1, 1, 0), -36000), (utc(2011, 12, 30, 10), 50400)]
    );

    /// A time in `tz`, with the UTC instant it must be, for readable asserts.
    fn wall<Tz: TimeZone>(at: &DateTime<Tz>) -> (String, NaiveDateTime) {
        (at.naive_local().format("%Y-%m-%d %H:%M").to_string(), at.naive_utc())
    }

    fn daily_from<Tz: TimeZone>(at: DateTime<Tz>) -> DateTime<Tz> {
        let today = at.date_naive();
        next_local(&at, Recurrence::Daily, today).unwrap()
    }

    #[test]
    fn daily_9am_stays_9am_across_spring_forward_and_fall_back() {
        let mut at = Paris2026.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
        let mut seen = vec![];
        for _ in 0..364 {
            let next = daily_from(at);
            assert_eq!(next.date_naive(), at.date_naive() + Days::new(1));
            assert_eq!(next.time(), NaiveTime::from_hms_opt(9, 0, 0).unwrap(), "after {at}");
            seen.push(next);
            at = next;
        }
        assert_eq!(at.date_naive(), d(2026, 12, 31));
        let on = |m, day| wall(seen.iter().find(|t| t.date_naive() == d(2026, m, day)).unwrap());
        // 09:00 is 08:00 UTC in winter, 07:00 UTC in summer.
        assert_eq!(on(3, 28), ("2026-03-28 09:00".into(), utc(2026, 3, 28, 8)));
        assert_eq!(on(3, 29), ("2026-03-29 09:00".into(), utc(2026, 3, 29, 7)));
        assert_eq!(on(10, 24), ("2026-10-24 09:00".into(), utc(2026, 10, 24, 7)));
        assert_eq!(on(10, 25), ("2026-10-25 09:00".into(), utc(2026, 10, 25, 8)));
    }

    #[test]
    fn a_time_the_clocks_skip_moves_to_the_hour_after() {
        // 02:30 does not exist on 2026-03-29 in Paris: 03:30 CEST (01:30 UTC) instead.
        let at = Paris2026.with_ymd_and_hms(2026, 3, 28, 2, 30, 0).unwrap();
        assert_eq!(wall(&daily_from(at)), ("2026-03-29 03:30".into(), utc(2026, 3, 29, 1) + TimeDelta::minutes(30)));
        // A weekly task meets the gap the same way.
        let sunday = Recurrence::Weekly { days: 1 << 6 };
        let at = Paris2026.with_ymd_and_hms(2026, 3, 22, 2, 30, 0).unwrap();
        let next = next_local(&at, sunday, d(2026, 3, 23)).unwrap();
        assert_eq!(wall(&next).0, "2026-03-29 03:30");
        // The gap's edges: 01:59 exists, 02:00 becomes 03:00, 03:00 exists.
        let local = |h, m| local_at(&Paris2026, d(2026, 3, 29).and_hms_opt(h, m, 0).unwrap()).unwrap();
        assert_eq!(wall(&local(1, 59)).0, "2026-03-29 01:59");
        assert_eq!(wall(&local(2, 0)).0, "2026-03-29 03:00");
        assert_eq!(wall(&local(2, 59)).0, "2026-03-29 03:59");
        assert_eq!(wall(&local(3, 0)).0, "2026-03-29 03:00");
    }

    #[test]
    fn a_time_the_clocks_repeat_takes_the_first() {
        // 02:30 happens twice on 2026-10-25 in Paris: first at UTC+2 (00:30 UTC).
        let at = Paris2026.with_ymd_and_hms(2026, 10, 24, 2, 30, 0).unwrap();
        let next = daily_from(at);
        assert_eq!(wall(&next), ("2026-10-25 02:30".into(), utc(2026, 10, 25, 0) + TimeDelta::minutes(30)));
        // And the day after, 02:30 at UTC+1 (01:30 UTC).
        assert_eq!(wall(&daily_from(next)), ("2026-10-26 02:30".into(), utc(2026, 10, 26, 1) + TimeDelta::minutes(30)));
        // A task due at the second 02:30 also repeats at 02:30.
        let second = Paris2026.from_utc_datetime(&(utc(2026, 10, 25, 1) + TimeDelta::minutes(30)));
        assert_eq!(wall(&second).0, "2026-10-25 02:30");
        assert_eq!(wall(&daily_from(second)).0, "2026-10-26 02:30");
    }

    #[test]
    fn the_first_of_two_and_the_hour_after_with_chrono_local() {
        // chrono's `Local` lists the later 02:30 first (chronotope/chrono#1625), so
        // `.earliest()` alone (as `next_due` had it) took the second 02:30.
        let twice = d(2026, 10, 25).and_hms_opt(2, 30, 0).unwrap();
        let listed_first = ParisLocal2026.from_local_datetime(&twice).earliest().unwrap();
        assert_eq!(listed_first.naive_utc(), utc(2026, 10, 25, 1) + TimeDelta::minutes(30));
        let at = ParisLocal2026.with_ymd_and_hms(2026, 10, 24, 2, 30, 0).unwrap();
        assert_eq!(wall(&daily_from(at)), ("2026-10-25 02:30".into(), utc(2026, 10, 25, 0) + TimeDelta::minutes(30)));
        // It also reads the instant of a change with both offsets: 03:00 after the fall
        // back is one instant only (02:00 UTC), and 02:00 in spring does not exist.
        let at = ParisLocal2026.with_ymd_and_hms(2026, 10, 24, 3, 0, 0).unwrap();
        assert_eq!(wall(&daily_from(at)), ("2026-10-25 03:00".into(), utc(2026, 10, 25, 2)));
        let at = ParisLocal2026.with_ymd_and_hms(2026, 3, 28, 2, 0, 0).unwrap();
        let next = daily_from(at);
        assert_eq!(wall(&next), ("2026-03-29 03:00".into(), utc(2026, 3, 29, 1)));
        assert_eq!(next.offset().local_minus_utc(), 7200);
        let at = ParisLocal2026.with_ymd_and_hms(2026, 3, 28, 2, 30, 0).unwrap();
        assert_eq!(wall(&daily_from(at)).0, "2026-03-29 03:30");
        let at = ParisLocal2026.with_ymd_and_hms(2026, 3, 28, 9, 0, 0).unwrap();
        assert_eq!(wall(&daily_from(at)), ("2026-03-29 09:00".into(), utc(2026, 3, 29, 7)));
    }

    #[test]
    fn a_gap_longer_than_an_hour_or_a_skipped_day_still_repeats() {
        // Troll jumps from 01:00 to 03:00: 01:30 becomes 03:30 (+02), i.e. 01:30 UTC.
        let at = Troll2026.with_ymd_and_hms(2026, 3, 28, 1, 30, 0).unwrap();
        assert_eq!(wall(&daily_from(at)), ("2026-03-29 03:30".into(), utc(2026, 3, 29, 1) + TimeDelta::minutes(30)));
        let at = Troll2026.with_ymd_and_hms(2026, 3, 28, 2, 30, 0).unwrap();
        assert_eq!(wall(&daily_from(at)).0, "2026-03-29 04:30");
        // Apia skipped 2011-12-30: a daily 09:00 task goes from the 29th to the 31st.
        let at = Apia2011.with_ymd_and_hms(2011, 12, 29, 9, 0, 0).unwrap();
        let next = daily_from(at);
        assert_eq!(wall(&next), ("2011-12-31 09:00".into(), utc(2011, 12, 30, 19)));
        assert_eq!(wall(&daily_from(next)).0, "2012-01-01 09:00");
    }
}
