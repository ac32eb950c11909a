//! One urgency score for everything on the agenda (tasks, follow-ups, stale deals), so that
//! the most pressing thing comes first. A pure function of documented factors and weights;
//! the weights can be changed in the config (`[urgency]`).

use super::entities::Priority;
use serde::{Deserialize, Serialize};

/// How much each factor counts. The defaults (docs/reminders.md) were chosen so that: a task a
/// week overdue outranks an urgent one due today; an urgent task outranks a normal one of the
/// same day; €100k at risk weighs like four days overdue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Per day overdue (counted up to `overdue_cap_days`).
    pub overdue_per_day: f64,
    pub overdue_cap_days: f64,
    /// Once for being overdue at all.
    pub overdue: f64,
    pub due_today: f64,
    /// Due in the next three days.
    pub due_soon: f64,
    pub priority_low: f64,
    pub priority_high: f64,
    pub priority_urgent: f64,
    /// Per 10,000 (major units, any currency) of weighted deal value at risk, up to 10.
    pub value_per_10k: f64,
    /// Per day a deal is past its stage's limit or without activity, up to 30.
    pub stale_per_day: f64,
    /// Per day a follow-up cadence is late, up to 30 (half an overdue task's: a promise made
    /// weighs more than a habit kept).
    pub cadence_per_day: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            overdue_per_day: 2.0,
            overdue_cap_days: 30.0,
            overdue: 6.0,
            due_today: 5.0,
            due_soon: 2.0,
            priority_low: -2.0,
            priority_high: 3.0,
            priority_urgent: 6.0,
            value_per_10k: 0.8,
            stale_per_day: 0.5,
            cadence_per_day: 0.5,
        }
    }
}

/// What is known about one agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Factors {
    /// Whole days past due (0 when not overdue).
    pub days_overdue: i64,
    /// Days until due (0 = today), when not overdue.
    pub due_in_days: Option<i64>,
    pub priority: Priority,
    /// Weighted value of the deal involved, in major units (summed across currencies as
    /// numbers: a rough size, not money arithmetic).
    pub value_at_risk: i64,
    /// Days a deal is past its staleness limit.
    pub stale_days: i64,
    /// Days a follow-up cadence is late.
    pub cadence_late_days: i64,
}

/// One contributing factor, for explaining a score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    Overdue,
    DaysOverdue(i64),
    DueToday,
    DueIn(i64),
    LowPriority,
    HighPriority,
    Urgent,
    ValueAtRisk(i64),
    Stale(i64),
    CadenceLate(i64),
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = |n: i64| if n == 1 { "" } else { "s" };
        match *self {
            Reason::Overdue => write!(f, "overdue"),
            Reason::DaysOverdue(d) => write!(f, "{d} day{} overdue", s(d)),
            Reason::DueToday => write!(f, "due today"),
            Reason::DueIn(d) => write!(f, "due in {d} day{}", s(d)),
            Reason::LowPriority => write!(f, "low priority"),
            Reason::HighPriority => write!(f, "high priority"),
            Reason::Urgent => write!(f, "urgent"),
            Reason::ValueAtRisk(v) => write!(f, "{v} weighted value at risk"),
            Reason::Stale(d) => write!(f, "deal stale for {d} days"),
            Reason::CadenceLate(d) => write!(f, "follow-up {d} days late"),
        }
    }
}

/// Calls `part` with each factor that contributes and its points (the score is their sum).
fn parts(f: &Factors, w: &Weights, part: &mut dyn FnMut(Reason, f64)) {
    let mut add = |r: Reason, p: f64| {
        if p != 0.0 {
            part(r, p)
        }
    };
    if f.days_overdue > 0 {
        add(Reason::Overdue, w.overdue);
        add(Reason::DaysOverdue(f.days_overdue), (f.days_overdue as f64).min(w.overdue_cap_days) * w.overdue_per_day);
    } else {
        match f.due_in_days {
            Some(0) => add(Reason::DueToday, w.due_today),
            Some(d) if (1..=3).contains(&d) => add(Reason::DueIn(d), w.due_soon),
            _ => {}
        }
    }
    match f.priority {
        Priority::Low => add(Reason::LowPriority, w.priority_low),
        Priority::Normal => {}
        Priority::High => add(Reason::HighPriority, w.priority_high),
        Priority::Urgent => add(Reason::Urgent, w.priority_urgent),
    }
    if f.value_at_risk > 0 {
        add(Reason::ValueAtRisk(f.value_at_risk), (f.value_at_risk as f64 / 10_000.0).min(10.0) * w.value_per_10k);
    }
    if f.stale_days > 0 {
        add(Reason::Stale(f.stale_days), (f.stale_days as f64).min(30.0) * w.stale_per_day);
    }
    if f.cadence_late_days > 0 {
        add(Reason::CadenceLate(f.cadence_late_days), (f.cadence_late_days as f64).min(30.0) * w.cadence_per_day);
    }
}

/// The score alone: what ranking needs, without building the explanation.
pub fn total(f: &Factors, w: &Weights) -> f64 {
    let mut total = 0.0;
    parts(f, w, &mut |_, p| total += p);
    total
}

/// The score and why: each contributing factor with its points, largest first.
pub fn score(f: &Factors, w: &Weights) -> (f64, Vec<(String, f64)>) {
    let mut why: Vec<(String, f64)> = Vec::new();
    parts(f, w, &mut |r, p| why.push((r.to_string(), p)));
    let total = why.iter().map(|(_, p)| p).sum();
    why.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    (total, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: Factors) -> f64 {
        score(&f, &Weights::default()).0
    }

    #[test]
    fn worked_examples_order_as_documented() {
        let week_overdue = Factors { days_overdue: 7, ..Factors::default() };
        let urgent_today = Factors { due_in_days: Some(0), priority: Priority::Urgent, ..Factors::default() };
        let normal_today = Factors { due_in_days: Some(0), ..Factors::default() };
        let tomorrow = Factors { due_in_days: Some(1), ..Factors::default() };
        let next_week = Factors { due_in_days: Some(7), ..Factors::default() };
        assert!(s(week_overdue) > s(urgent_today));
        assert!(s(urgent_today) > s(normal_today));
        assert!(s(normal_today) > s(tomorrow));
        assert!(s(tomorrow) > s(next_week));
        assert_eq!(s(next_week), 0.0);
        // €100k at risk weighs like four days overdue.
        let big_deal = Factors { due_in_days: Some(7), value_at_risk: 100_000, ..Factors::default() };
        assert_eq!(s(big_deal), 4.0 * Weights::default().overdue_per_day);
        // Overdue days are capped.
        assert_eq!(
            s(Factors { days_overdue: 300, ..Factors::default() }),
            s(Factors { days_overdue: 30, ..Factors::default() })
        );
    }

    #[test]
    fn reasons_explain_the_score() {
        let (total, why) =
            score(&Factors { days_overdue: 2, priority: Priority::High, ..Factors::default() }, &Weights::default());
        assert_eq!(total, 6.0 + 4.0 + 3.0);
        let names: Vec<&str> = why.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["overdue", "2 days overdue", "high priority"]);
    }

    #[test]
    fn the_total_alone_is_the_explained_score() {
        let examples = [
            Factors { days_overdue: 3, priority: Priority::Low, value_at_risk: 25_000, ..Factors::default() },
            Factors { due_in_days: Some(2), priority: Priority::Urgent, ..Factors::default() },
            Factors { stale_days: 40, value_at_risk: 7_000, ..Factors::default() },
            Factors { cadence_late_days: 5, due_in_days: Some(0), ..Factors::default() },
            Factors::default(),
        ];
        for f in examples {
            let (explained, why) = score(&f, &Weights::default());
            assert_eq!(total(&f, &Weights::default()), explained, "{f:?}");
            assert_eq!(why.iter().map(|(_, p)| p).sum::<f64>(), explained, "{f:?}");
        }
    }
}
