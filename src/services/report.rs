//! Reports, shared by `crm report …` and the TUI's Reports pane: resolve the period and the
//! owner, read only the trees a report needs, and hand plain facts to `domain::report`.

use super::{Crm, Result, ServiceError};
use crate::domain::report::{
    self, ActivityFact, ActivityInputs, ActivityReport, ContactFact, ForecastReport, Period, PipelineReport, TaskFact,
    TeamReport,
};
use crate::domain::*;
use crate::store::engine::KeyRange;
use crate::store::{keys, StoreError, Tree};
use chrono::{Datelike, Local, NaiveDate};
use serde::Serialize;
use std::ops::Bound;

/// Which span of time a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Span {
    /// The report's own default: all of time for the pipeline and the forecast, this month for
    /// activity and team.
    #[default]
    Default,
    All,
    Week,
    Month,
    Quarter,
    /// Days as people type them ("2026-11-01", "-30d", "monday"); an open end is unbounded.
    Custom {
        from: Option<String>,
        to: Option<String>,
    },
}

impl Span {
    /// Week, month, quarter and all parse from their names (for `--period`).
    pub fn parse(text: &str) -> std::result::Result<Span, String> {
        match text.trim().to_lowercase().as_str() {
            "all" => Ok(Span::All),
            "week" => Ok(Span::Week),
            "month" => Ok(Span::Month),
            "quarter" => Ok(Span::Quarter),
            other => Err(format!("\"{other}\" is not a period (week, month, quarter, all)")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ReportQuery {
    pub span: Span,
    /// A login or `me`; everyone when None.
    pub owner: Option<String>,
}

/// A period in days (both included) and instants, with a label for people.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ResolvedPeriod {
    /// `this month (2026-11-01 – 2026-11-30)`, `all time`, `2026-10-01 – 2026-10-31`.
    pub label: String,
    pub first: Option<Day>,
    pub last: Option<Day>,
    #[serde(skip)]
    pub period: Period,
}

/// Every report at once, for the TUI.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ReportBundle {
    pub period: ResolvedPeriod,
    pub owner: Option<String>,
    pub pipeline: PipelineReport,
    pub forecast: ForecastReport,
    pub activity: ActivityReport,
    pub team: TeamReport,
}

/// The first and last day of this week (from `week_starts`), month or quarter around `today`.
pub fn span_days(span: &Span, today: NaiveDate, week_starts: chrono::Weekday) -> Option<(NaiveDate, NaiveDate)> {
    let month_start = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1);
    let next_month = |y: i32, m: u32| if m == 12 { month_start(y + 1, 1) } else { month_start(y, m + 1) };
    match span {
        Span::Week => {
            let first = report::week_start(Day(today), week_starts).0;
            Some((first, first + chrono::Duration::days(6)))
        }
        Span::Month => {
            let first = month_start(today.year(), today.month())?;
            Some((first, next_month(today.year(), today.month())?.pred_opt()?))
        }
        Span::Quarter => {
            let m = (today.month0() / 3) * 3 + 1;
            let first = month_start(today.year(), m)?;
            Some((first, next_month(today.year(), m + 2)?.pred_opt()?))
        }
        Span::Default | Span::All | Span::Custom { .. } => None,
    }
}

/// The index keys (starting with a time) of the instants in a period.
fn time_range(p: Period) -> KeyRange {
    let bound = |t: Option<Timestamp>, included: bool| match t {
        Some(t) if included => Bound::Included(keys::time(t.0).to_vec()),
        Some(t) => Bound::Excluded(keys::time(t.0).to_vec()),
        None => Bound::Unbounded,
    };
    (bound(p.from, true), bound(p.to, false))
}

/// The instant a local day starts.
fn local_start(d: NaiveDate) -> Timestamp {
    let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    match naive.and_local_timezone(Local).earliest() {
        Some(t) => Timestamp::from_datetime(&t),
        // A day that starts in a DST gap (none do at midnight today, but some did): UTC.
        None => Timestamp::from_datetime(&naive.and_utc()),
    }
}

/// The local day of instants, remembered per quarter of an hour (every UTC offset and every
/// change of offset falls on a quarter hour): asking the time zone each time costs more than
/// the rest of the activity report.
fn local_days() -> impl Fn(Timestamp) -> Day {
    let cache = std::cell::RefCell::new(std::collections::HashMap::new());
    move |t: Timestamp| {
        let slot = t.0.div_euclid(15 * 60_000);
        *cache.borrow_mut().entry(slot).or_insert_with(|| Day(t.to_datetime().with_timezone(&Local).date_naive()))
    }
}

impl Crm {
    /// The period a query means for a report: `activity` reports default to this month.
    pub fn report_period(&self, span: &Span, activity_like: bool) -> Result<ResolvedPeriod> {
        let today = self.today();
        let span = match span {
            Span::Default if activity_like => &Span::Month,
            Span::Default => &Span::All,
            s => s,
        };
        let (first, last) = match span {
            Span::All | Span::Default => (None, None),
            Span::Custom { from, to } => {
                let parse = |t: &Option<String>, flag: &str| -> Result<Option<NaiveDate>> {
                    match t.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                        Some(text) => self
                            .parse_day(text)
                            .map(|d| Some(d.0))
                            .map_err(|e| ServiceError::Invalid(format!("{flag}: {e}"))),
                        None => Ok(None),
                    }
                };
                let (f, l) = (parse(from, "from")?, parse(to, "to")?);
                if let (Some(f), Some(l)) = (f, l) {
                    if f > l {
                        return Err(ServiceError::Invalid(format!(
                            "from {f} is after to {l}: the period would be empty"
                        )));
                    }
                }
                (f, l)
            }
            s => match span_days(s, today, self.date_options().week_start) {
                Some((f, l)) => (Some(f), Some(l)),
                None => (None, None),
            },
        };
        let range = match (first, last) {
            (None, None) => "all time".to_string(),
            (f, l) => format!(
                "{} – {}",
                f.map(|d| d.to_string()).unwrap_or_else(|| "…".into()),
                l.map(|d| d.to_string()).unwrap_or_else(|| "…".into())
            ),
        };
        let label = match span {
            Span::Week => format!("this week ({range})"),
            Span::Month => format!("this month ({range})"),
            Span::Quarter => format!("this quarter ({range})"),
            _ => range,
        };
        let period = Period { from: first.map(local_start), to: last.map(|l| local_start(l.succ_opt().unwrap_or(l))) };
        Ok(ResolvedPeriod { label, first: first.map(Day), last: last.map(Day), period })
    }

    /// `me` is the current user; any other name must be a user of this database.
    pub fn report_owner(&self, owner: Option<&str>) -> Result<Option<String>> {
        let Some(o) = owner.map(str::trim).filter(|o| !o.is_empty()) else { return Ok(None) };
        let login = if o == "me" { self.user().to_string() } else { o.trim_start_matches('@').to_string() };
        let users = self.users()?;
        if users.iter().any(|u| u.login == login) {
            Ok(Some(login))
        } else {
            let known: Vec<String> = users.into_iter().map(|u| u.login).collect();
            Err(ServiceError::NotFound(format!("no user \"{login}\"; users are: {}", known.join(", "))))
        }
    }

    pub fn report_pipeline(&self, q: &ReportQuery) -> Result<(ResolvedPeriod, PipelineReport)> {
        let p = self.report_period(&q.span, false)?;
        let owner = self.report_owner(q.owner.as_deref())?;
        let deals = self.report_deals(owner.as_deref())?;
        let r = report::pipeline(self.store().pipeline(), &deals, p.period, self.now());
        Ok((p, r))
    }

    pub fn report_forecast(&self, q: &ReportQuery) -> Result<(ResolvedPeriod, ForecastReport)> {
        let p = self.report_period(&q.span, false)?;
        let owner = self.report_owner(q.owner.as_deref())?;
        let deals = self.report_deals(owner.as_deref())?;
        let r = report::forecast(self.store().pipeline(), &deals, p.first, p.last, Day(self.today()));
        Ok((p, r))
    }

    pub fn report_activity(&self, q: &ReportQuery) -> Result<(ResolvedPeriod, ActivityReport)> {
        let p = self.report_period(&q.span, true)?;
        let owner = self.report_owner(q.owner.as_deref())?;
        let deals = self.report_deals(owner.as_deref())?;
        let r = self.activity_of(&p, owner.as_deref(), &deals)?;
        Ok((p, r))
    }

    pub fn report_team(&self, q: &ReportQuery) -> Result<(ResolvedPeriod, TeamReport)> {
        let p = self.report_period(&q.span, true)?;
        let owner = self.report_owner(q.owner.as_deref())?;
        let deals = self.report_deals(owner.as_deref())?;
        let kpis = self.activity_of(&p, owner.as_deref(), &deals)?;
        Ok((p, report::team(self.store().pipeline(), &deals, &kpis)))
    }

    /// Every report for one period and owner (the TUI's Reports pane). The pipeline and the
    /// forecast use the same period as the activity figures.
    pub fn reports(&self, q: &ReportQuery) -> Result<ReportBundle> {
        let p = self.report_period(&q.span, true)?;
        let owner = self.report_owner(q.owner.as_deref())?;
        let deals = self.report_deals(owner.as_deref())?;
        let pl = self.store().pipeline();
        let activity = self.activity_of(&p, owner.as_deref(), &deals)?;
        Ok(ReportBundle {
            pipeline: report::pipeline(pl, &deals, p.period, self.now()),
            // The forecast looks ahead whatever the period: every open deal counts.
            forecast: report::forecast(pl, &deals, None, None, Day(self.today())),
            team: report::team(pl, &deals, &activity),
            activity,
            owner,
            period: p,
        })
    }

    /// Live deals, of one owner or everyone's. In private visibility, reports count by owner
    /// within the user's team (a manager's reports are their team's).
    fn report_deals(&self, owner: Option<&str>) -> Result<Vec<Deal>> {
        let access = self.access()?;
        let mut out = Vec::new();
        self.store().scan(EntityKind::Deal, &mut |r| {
            if let Record::Deal(d) = r {
                if d.deleted.is_none() && owner.is_none_or(|o| d.owner == o) && access.owns(&d.owner) {
                    out.push(d);
                }
            }
            true
        })?;
        Ok(out)
    }

    fn activity_of(&self, p: &ResolvedPeriod, owner: Option<&str>, deals: &[Deal]) -> Result<ActivityReport> {
        let period = p.period;
        let access = self.access()?;
        let team = access.team();
        let keep = |login: &str| owner.is_none_or(|o| o == login) && team.is_none_or(|t| t.contains(login));
        // Activities and new contacts come from their by-time indexes: only the period's
        // entries are read, and no record is decoded. Tasks are read whole meanwhile.
        let range = time_range(period);
        let (tasks, (activities, contacts)) = std::thread::scope(|s| {
            let tasks = s.spawn(|| self.report_tasks(period, &keep));
            let mut activities = Vec::new();
            let mut contacts = Vec::new();
            let mut bad = false;
            let read = self
                .store()
                .visit_keys(Tree::ActivityByTime, range.clone(), false, &mut |k| {
                    match keys::parse_activity_time(k) {
                        Some((at, kind, author)) if keep(author) => {
                            activities.push(ActivityFact { kind, at, author: author.to_string() })
                        }
                        Some(_) => {}
                        None => bad = true,
                    }
                    true
                })
                .and_then(|_| {
                    self.store().visit_keys(Tree::ContactByCreated, range.clone(), false, &mut |k| {
                        match keys::parse_contact_created(k) {
                            Some((created, owner)) if keep(owner) => {
                                contacts.push(ContactFact { owner: owner.to_string(), created })
                            }
                            Some(_) => {}
                            None => bad = true,
                        }
                        true
                    })
                });
            let tasks =
                tasks.join().map_err(|_| ServiceError::Invalid("reading the tasks stopped unexpectedly".into()))?;
            read?;
            if bad {
                return Err(ServiceError::Store(StoreError::Corrupt(
                    "an activity_by_time or contact_by_created index entry is damaged; run crm doctor --repair".into(),
                )));
            }
            Ok::<_, ServiceError>((tasks?, (activities, contacts)))
        })?;
        // Every active user gets a line (with zeros), or only the one asked for.
        let reps: Vec<String> = match owner {
            Some(o) => vec![o.to_string()],
            None => {
                self.users()?.into_iter().filter(|u| !u.disabled && access.owns(&u.login)).map(|u| u.login).collect()
            }
        };
        let input = ActivityInputs {
            pipeline: self.store().pipeline(),
            activities: &activities,
            tasks: &tasks,
            contacts: &contacts,
            deals,
            reps: &reps,
            targets: self.targets(),
            week_starts: self.date_options().week_start,
        };
        Ok(report::activity(&input, period, self.now(), &local_days()))
    }

    /// The tasks the activity report needs: done in the period, or open (they may be overdue).
    fn report_tasks(&self, period: Period, keep: &dyn Fn(&str) -> bool) -> Result<Vec<TaskFact>> {
        // When a task had to be done: its due instant, or the end of its (local) due day.
        let mut day_ends: std::collections::HashMap<NaiveDate, Timestamp> = std::collections::HashMap::new();
        let mut out = Vec::new();
        self.store().scan(EntityKind::Task, &mut |r| {
            if let Record::Task(t) = r {
                let wanted = t.done.is_none_or(|d| period.contains(d));
                if t.deleted.is_none() && wanted && keep(&t.assignee) {
                    let deadline = match t.due {
                        Due::At(at) => at,
                        Due::Day(d) => {
                            *day_ends.entry(d.0).or_insert_with(|| local_start(d.0.succ_opt().unwrap_or(d.0)))
                        }
                    };
                    out.push(TaskFact { assignee: t.assignee, deadline, done: t.done });
                }
            }
            true
        })?;
        Ok(out)
    }
}
