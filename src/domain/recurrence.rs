//! Repeating tasks: when the next one falls due after one is done.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
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
            Recurrence::EveryDays(n) => after.checked_add_days(Days::new(n as u64)),
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
    }
}
