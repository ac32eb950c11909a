//! Instants and calendar days. Instants are stored in UTC (milliseconds since the epoch);
//! they are shown in the user's local time by the layers above.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An instant, UTC, millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_datetime<Tz: TimeZone>(dt: &DateTime<Tz>) -> Self {
        Timestamp(dt.timestamp_millis())
    }

    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    pub fn plus_days(self, days: i64) -> Self {
        Timestamp(self.0.saturating_add(days.saturating_mul(86_400_000)))
    }

    pub fn plus_minutes(self, minutes: i64) -> Self {
        Timestamp(self.0.saturating_add(minutes.saturating_mul(60_000)))
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Timestamp) -> i64 {
        later.0.saturating_sub(self.0).div_euclid(86_400_000)
    }

    /// The RFC 3339 form in UTC, e.g. `2026-11-27T09:00:00Z`.
    pub fn rfc3339(self) -> String {
        self.to_datetime().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            // Milliseconds when there are any, so that JSON (backups) keeps the exact instant.
            s.serialize_str(&self.to_datetime().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        } else {
            s.serialize_i64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            DateTime::parse_from_rfc3339(&s).map(|dt| Timestamp::from_datetime(&dt)).map_err(serde::de::Error::custom)
        } else {
            i64::deserialize(d).map(Timestamp)
        }
    }
}

/// A calendar day without a time or a time zone (a due date, an expected close date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Day(pub NaiveDate);

impl Day {
    pub fn ymd(y: i32, m: u32, d: u32) -> Option<Day> {
        NaiveDate::from_ymd_opt(y, m, d).map(Day)
    }

    /// Days since 0001-01-01 (the stored form).
    pub fn number(self) -> i32 {
        self.0.num_days_from_ce()
    }

    pub fn from_number(n: i32) -> Option<Day> {
        NaiveDate::from_num_days_from_ce_opt(n).map(Day)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_i32(self.number())
        }
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            NaiveDate::parse_from_str(&s, "%Y-%m-%d").map(Day).map_err(D::Error::custom)
        } else {
            let n = i32::deserialize(d)?;
            Day::from_number(n).ok_or_else(|| D::Error::custom("day out of range"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_through_json_as_rfc3339() {
        let t = Timestamp(1_795_770_000_000);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-11-27T09:00:00Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }

    #[test]
    fn days_between() {
        let t = Timestamp(0);
        assert_eq!(t.days_until(t.plus_days(3)), 3);
        assert_eq!(t.plus_days(3).days_until(t), -3);
        assert_eq!(t.days_until(Timestamp(86_400_000 - 1)), 0);
    }

    #[test]
    fn day_shows_iso() {
        let d = Day::ymd(2026, 12, 1).unwrap();
        assert_eq!(d.to_string(), "2026-12-01");
        assert_eq!(Day::from_number(d.number()), Some(d));
    }
}
