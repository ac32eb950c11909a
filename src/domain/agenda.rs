//! Where a task stands relative to now: overdue, due today, upcoming, hidden or done.

use super::entities::{Due, Task};
use super::time::Timestamp;
use chrono::{DateTime, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    Overdue,
    Today,
    Upcoming,
    /// Not actionable yet (`hidden_until` in the future).
    Hidden,
    Done,
}

impl TaskState {
    pub fn name(self) -> &'static str {
        match self {
            TaskState::Overdue => "overdue",
            TaskState::Today => "today",
            TaskState::Upcoming => "upcoming",
            TaskState::Hidden => "hidden",
            TaskState::Done => "done",
        }
    }
}

fn local_day<Tz: TimeZone>(t: Timestamp, tz: &Tz) -> NaiveDate {
    t.to_datetime().with_timezone(tz).date_naive()
}

/// The state of `task` at `now` (in the user's time zone). A snooze pushes the task out of
/// "overdue" until it ends.
pub fn task_state<Tz: TimeZone>(task: &Task, now: &DateTime<Tz>) -> TaskState {
    if task.done.is_some() {
        return TaskState::Done;
    }
    let now_ts = Timestamp::from_datetime(now);
    let tz = now.timezone();
    let today = now.date_naive();
    if task.hidden_until.is_some_and(|h| h > now_ts) {
        return TaskState::Hidden;
    }
    if let Some(s) = task.snoozed_until.filter(|s| *s > now_ts) {
        return if local_day(s, &tz) == today { TaskState::Today } else { TaskState::Upcoming };
    }
    match task.due {
        Due::Day(d) if d.0 < today => TaskState::Overdue,
        Due::Day(d) if d.0 == today => TaskState::Today,
        Due::Day(_) => TaskState::Upcoming,
        Due::At(t) if t < now_ts => TaskState::Overdue,
        Due::At(t) if local_day(t, &tz) == today => TaskState::Today,
        Due::At(_) => TaskState::Upcoming,
    }
}

/// The day a due falls on, in the user's time zone.
pub fn due_day<Tz: TimeZone>(due: Due, tz: &Tz) -> NaiveDate {
    match due {
        Due::Day(d) => d.0,
        Due::At(t) => local_day(t, tz),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::Day;
    use chrono::{FixedOffset, TimeZone};

    fn task(due: Due) -> Task {
        Task { title: "x".into(), due, ..Task::default() }
    }

    #[test]
    fn states() {
        let tz = FixedOffset::east_opt(3600).unwrap();
        let now = tz.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap();
        let at = |h| Due::At(Timestamp::from_datetime(&tz.with_ymd_and_hms(2026, 11, 27, h, 0, 0).unwrap()));
        assert_eq!(task_state(&task(at(9)), &now), TaskState::Overdue);
        assert_eq!(task_state(&task(at(11)), &now), TaskState::Today);
        assert_eq!(task_state(&task(Due::Day(Day::ymd(2026, 11, 27).unwrap())), &now), TaskState::Today);
        assert_eq!(task_state(&task(Due::Day(Day::ymd(2026, 11, 26).unwrap())), &now), TaskState::Overdue);
        assert_eq!(task_state(&task(Due::Day(Day::ymd(2026, 11, 28).unwrap())), &now), TaskState::Upcoming);
        let mut snoozed = task(at(9));
        snoozed.snoozed_until = Some(Timestamp::from_datetime(&now).plus_days(1));
        assert_eq!(task_state(&snoozed, &now), TaskState::Upcoming);
        let mut done = task(at(9));
        done.done = Some(Timestamp(1));
        assert_eq!(task_state(&done, &now), TaskState::Done);
    }
}
