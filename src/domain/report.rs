//! Reports: the pipeline, the forecast, activity KPIs and the team table, as pure functions of
//! plain inputs (deals with their stage history, activity and task facts, contact creations, a
//! period and "now"). Every figure is defined in docs/reports.md. Money is summed per currency,
//! never across currencies.

use super::entities::{ActivityKind, Deal, StageEntry};
use super::ids::DealId;
use super::money::{Currency, Money};
use super::stage::{Pipeline, StageKind};
use super::time::{Day, Timestamp};
use chrono::{Datelike, Duration, Weekday};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

const DAY_MS: f64 = 86_400_000.0;

// ---------------------------------------------------------------------------------------------
// Periods and amounts
// ---------------------------------------------------------------------------------------------

/// A span of time, `from` included, `to` excluded; an open end reaches as far as the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Period {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

impl Period {
    /// All of time.
    pub const ALL: Period = Period { from: None, to: None };

    pub fn new(from: Timestamp, to: Timestamp) -> Period {
        Period { from: Some(from), to: Some(to) }
    }

    pub fn contains(&self, t: Timestamp) -> bool {
        self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t < e)
    }

    /// Its length in days, when both ends are set.
    pub fn days(&self) -> Option<f64> {
        match (self.from, self.to) {
            (Some(f), Some(t)) if t > f => Some((t.0 - f.0) as f64 / DAY_MS),
            _ => None,
        }
    }
}

/// Sums of money, one per currency. Amounts in different currencies are never added together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amounts(BTreeMap<Currency, i64>);

impl Amounts {
    pub fn add(&mut self, m: Money) {
        let v = self.0.entry(m.currency).or_insert(0);
        *v = v.saturating_add(m.minor);
    }

    pub fn merge(&mut self, other: &Amounts) {
        for m in other.iter() {
            self.add(m);
        }
    }

    /// The sum in one currency (0 when there is none).
    pub fn get(&self, c: Currency) -> i64 {
        self.0.get(&c).copied().unwrap_or(0)
    }

    /// Each currency's sum, by currency code.
    pub fn iter(&self) -> impl Iterator<Item = Money> + '_ {
        self.0.iter().map(|(c, m)| Money::new(*m, *c))
    }

    pub fn currencies(&self) -> impl Iterator<Item = Currency> + '_ {
        self.0.keys().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Money> for Amounts {
    fn from_iter<I: IntoIterator<Item = Money>>(iter: I) -> Self {
        let mut a = Amounts::default();
        for m in iter {
            a.add(m);
        }
        a
    }
}

/// `€12,000 + $3,500`; `–` when there is nothing.
impl fmt::Display for Amounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("–");
        }
        let parts: Vec<String> = self.iter().map(|m| m.to_string()).collect();
        f.write_str(&parts.join(" + "))
    }
}

/// In JSON: a list of `{minor, currency}`, like every other amount crm prints.
impl Serialize for Amounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Amounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut a = Amounts::default();
        for m in Vec::<Money>::deserialize(d)? {
            a.add(m);
        }
        Ok(a)
    }
}

fn days_between(a: Timestamp, b: Timestamp) -> f64 {
    (b.0 - a.0) as f64 / DAY_MS
}

fn mean(sum: f64, n: usize) -> Option<f64> {
    (n > 0).then(|| sum / n as f64)
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The probability that counts for a deal: its own, or its stage's.
pub fn probability(pipeline: &Pipeline, d: &Deal) -> u8 {
    d.probability.or_else(|| pipeline.get(&d.stage).map(|s| s.probability)).unwrap_or(0)
}

/// When the deal entered the pipeline: its first stage entry (its creation).
pub fn entered(d: &Deal) -> Timestamp {
    d.history.first().map(|e| e.at).unwrap_or(d.created)
}

/// When a closed (won or lost) deal closed: its entry into its current stage.
pub fn closed_at(pipeline: &Pipeline, d: &Deal) -> Option<Timestamp> {
    let kind = pipeline.get(&d.stage)?.kind;
    (kind != StageKind::Open).then(|| d.stage_since())
}

fn stage_kind(pipeline: &Pipeline, key: &str) -> Option<StageKind> {
    pipeline.get(key).map(|s| s.kind)
}

// ---------------------------------------------------------------------------------------------
// Pipeline
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct StageFigures {
    pub key: String,
    pub name: String,
    pub kind: StageKind,
    /// Open stages: the deals in it now. Won and lost: the deals that closed there in the period.
    pub count: usize,
    pub total: Amounts,
    pub weighted: Amounts,
    /// Visits to the stage by the deals that entered the pipeline in the period (a deal moved
    /// back visits a stage again); their mean length in days. Open stages only.
    pub visits: usize,
    pub avg_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Conversion {
    pub from: String,
    pub to: String,
    /// Deals (entered in the period) that ever got as far as `from`, and as far as `to`.
    pub reached_from: usize,
    pub reached_to: usize,
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PipelineReport {
    /// Shown by the front ends with its label; not repeated in JSON.
    #[serde(skip)]
    pub period: Period,
    pub stages: Vec<StageFigures>,
    pub conversions: Vec<Conversion>,
    /// Open deals now.
    pub open: usize,
    pub open_total: Amounts,
    pub open_weighted: Amounts,
    /// Deals that closed in the period.
    pub won: usize,
    pub lost: usize,
    pub won_value: Amounts,
    pub lost_value: Amounts,
    /// won / (won + lost) of the deals closed in the period.
    pub win_rate: Option<f64>,
    /// Mean days from entering the pipeline to being won, of the deals won in the period.
    pub avg_cycle_days: Option<f64>,
    /// The same totals for each owner's deals.
    pub by_owner: Vec<OwnerPipeline>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct OwnerPipeline {
    pub owner: String,
    pub open: usize,
    pub open_total: Amounts,
    pub open_weighted: Amounts,
    pub won: usize,
    pub lost: usize,
    pub won_value: Amounts,
    pub win_rate: Option<f64>,
    pub avg_cycle_days: Option<f64>,
}

/// How far a deal ever got: the rank of the furthest open stage it entered (0 = the first open
/// stage), or the number of open stages when it was ever won. Lost entries do not count.
fn furthest(pipeline: &Pipeline, open: &[&str], history: &[StageEntry]) -> Option<usize> {
    history
        .iter()
        .filter_map(|e| match stage_kind(pipeline, &e.stage)? {
            StageKind::Won => Some(open.len()),
            StageKind::Open => open.iter().position(|k| *k == e.stage),
            StageKind::Lost => None,
        })
        .max()
}

/// The pipeline report of `deals` (live deals, already narrowed to an owner if wanted).
pub fn pipeline(pipeline: &Pipeline, deals: &[Deal], period: Period, now: Timestamp) -> PipelineReport {
    let all: Vec<&Deal> = deals.iter().collect();
    let mut r = pipeline_of(pipeline, &all, period, now);
    let mut owners: BTreeMap<&str, Vec<&Deal>> = BTreeMap::new();
    for d in deals {
        owners.entry(&d.owner).or_default().push(d);
    }
    r.by_owner = owners
        .into_iter()
        .map(|(owner, mine)| {
            let o = pipeline_of(pipeline, &mine, period, now);
            OwnerPipeline {
                owner: owner.to_string(),
                open: o.open,
                open_total: o.open_total,
                open_weighted: o.open_weighted,
                won: o.won,
                lost: o.lost,
                won_value: o.won_value,
                win_rate: o.win_rate,
                avg_cycle_days: o.avg_cycle_days,
            }
        })
        .collect();
    r
}

fn pipeline_of(pipeline: &Pipeline, deals: &[&Deal], period: Period, now: Timestamp) -> PipelineReport {
    let n = pipeline.stages.len();
    let mut count = vec![0usize; n];
    let mut total = vec![Amounts::default(); n];
    let mut weighted = vec![Amounts::default(); n];
    let mut visit_days = vec![0f64; n];
    let mut visits = vec![0usize; n];
    let open: Vec<&str> =
        pipeline.stages.iter().filter(|s| s.kind == StageKind::Open).map(|s| s.key.as_str()).collect();
    let mut reached = vec![0usize; open.len() + 1];
    let mut r = PipelineReport {
        period,
        stages: Vec::new(),
        conversions: Vec::new(),
        open: 0,
        open_total: Amounts::default(),
        open_weighted: Amounts::default(),
        won: 0,
        lost: 0,
        won_value: Amounts::default(),
        lost_value: Amounts::default(),
        win_rate: None,
        avg_cycle_days: None,
        by_owner: Vec::new(),
    };
    let mut cycle_days = 0f64;

    for d in deals {
        let Some(pos) = pipeline.position(&d.stage) else { continue };
        let kind = pipeline.stages[pos].kind;
        let w = d.value.percent(probability(pipeline, d));
        match kind {
            StageKind::Open => {
                count[pos] += 1;
                total[pos].add(d.value);
                weighted[pos].add(w);
                r.open += 1;
                r.open_total.add(d.value);
                r.open_weighted.add(w);
            }
            StageKind::Won | StageKind::Lost => {
                if period.contains(d.stage_since()) {
                    count[pos] += 1;
                    total[pos].add(d.value);
                    weighted[pos].add(w);
                    if kind == StageKind::Won {
                        r.won += 1;
                        r.won_value.add(d.value);
                        cycle_days += days_between(entered(d), d.stage_since());
                    } else {
                        r.lost += 1;
                        r.lost_value.add(d.value);
                    }
                }
            }
        }
        // Flow figures follow the deals that entered the pipeline in the period.
        if !period.contains(entered(d)) {
            continue;
        }
        for (i, e) in d.history.iter().enumerate() {
            let Some(p) = pipeline.position(&e.stage) else { continue };
            if pipeline.stages[p].kind != StageKind::Open {
                continue;
            }
            let end = match d.history.get(i + 1) {
                Some(next) => next.at,
                None if kind == StageKind::Open => now,
                None => continue,
            };
            visits[p] += 1;
            visit_days[p] += days_between(e.at, end);
        }
        if let Some(f) = furthest(pipeline, &open, &d.history) {
            for slot in reached.iter_mut().take(f + 1) {
                *slot += 1;
            }
        }
    }

    r.stages = pipeline
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| StageFigures {
            key: s.key.clone(),
            name: s.name.clone(),
            kind: s.kind,
            count: count[i],
            total: std::mem::take(&mut total[i]),
            weighted: std::mem::take(&mut weighted[i]),
            visits: visits[i],
            avg_days: mean(visit_days[i], visits[i]),
        })
        .collect();
    let won_name = pipeline.stages.iter().find(|s| s.kind == StageKind::Won).map(|s| s.name.clone());
    let name = |key: &str| pipeline.get(key).map(|s| s.name.clone()).unwrap_or_else(|| key.to_string());
    for i in 0..open.len() {
        let to = match open.get(i + 1) {
            Some(k) => name(k),
            None => match &won_name {
                Some(w) => w.clone(),
                None => break,
            },
        };
        r.conversions.push(Conversion {
            from: name(open[i]),
            to,
            reached_from: reached[i],
            reached_to: reached[i + 1],
            rate: ratio(reached[i + 1], reached[i]),
        });
    }
    r.win_rate = ratio(r.won, r.won + r.lost);
    r.avg_cycle_days = mean(cycle_days, r.won);
    r
}

// ---------------------------------------------------------------------------------------------
// Forecast
// ---------------------------------------------------------------------------------------------

/// The stages whose open deals count as committed: open stages with a default probability of
/// 75% or more (Negotiation in the default pipeline); when no open stage reaches 75%, the last
/// open stage.
pub fn committed_stages(pipeline: &Pipeline) -> Vec<String> {
    let open: Vec<_> = pipeline.stages.iter().filter(|s| s.kind == StageKind::Open).collect();
    let high: Vec<String> = open.iter().filter(|s| s.probability >= 75).map(|s| s.key.clone()).collect();
    if high.is_empty() {
        open.last().map(|s| vec![s.key.clone()]).unwrap_or_default()
    } else {
        high
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct ForecastLine {
    /// `2026-12`, `no date`, an owner's login, or `total`.
    pub label: String,
    pub deals: usize,
    /// Σ value × probability.
    pub weighted: Amounts,
    /// Σ value: every open deal won.
    pub best_case: Amounts,
    /// Σ value of the deals in committed stages.
    pub committed: Amounts,
}

impl ForecastLine {
    fn labelled(label: impl Into<String>) -> ForecastLine {
        ForecastLine { label: label.into(), ..ForecastLine::default() }
    }

    fn add(&mut self, value: Money, weighted: Money, committed: bool) {
        self.deals += 1;
        self.weighted.add(weighted);
        self.best_case.add(value);
        if committed {
            self.committed.add(value);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct SlippedDeal {
    pub id: DealId,
    pub title: String,
    pub owner: String,
    pub stage: String,
    pub close: Day,
    pub days_late: i64,
    pub value: Money,
    pub weighted: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ForecastReport {
    /// Expected close days inside this range (both ends included) count; None: every open deal.
    pub from: Option<Day>,
    pub to: Option<Day>,
    pub committed_stages: Vec<String>,
    /// One line per expected close month, in order; deals without a date last (`no date`).
    pub months: Vec<ForecastLine>,
    pub by_owner: Vec<ForecastLine>,
    pub total: ForecastLine,
    /// Open deals whose expected close day is before today, most late first (also counted in
    /// their month).
    pub slipped: Vec<SlippedDeal>,
    pub slipped_total: Amounts,
}

/// The forecast of the open deals among `deals`, with expected close days from `from` to `to`.
pub fn forecast(pipeline: &Pipeline, deals: &[Deal], from: Option<Day>, to: Option<Day>, today: Day) -> ForecastReport {
    let committed = committed_stages(pipeline);
    let ranged = from.is_some() || to.is_some();
    let mut months: BTreeMap<Option<(i32, u32)>, ForecastLine> = BTreeMap::new();
    let mut owners: BTreeMap<&str, ForecastLine> = BTreeMap::new();
    let mut total = ForecastLine::labelled("total");
    let mut slipped = Vec::new();
    let mut slipped_total = Amounts::default();
    for d in deals {
        if stage_kind(pipeline, &d.stage) != Some(StageKind::Open) {
            continue;
        }
        match d.close {
            Some(c) if from.is_some_and(|f| c < f) || to.is_some_and(|t| c > t) => continue,
            None if ranged => continue,
            _ => {}
        }
        let w = d.value.percent(probability(pipeline, d));
        let is_committed = committed.contains(&d.stage);
        let month = d.close.map(|c| (c.0.year(), c.0.month()));
        months
            .entry(month)
            .or_insert_with(|| {
                ForecastLine::labelled(match month {
                    Some((y, m)) => format!("{y:04}-{m:02}"),
                    None => "no date".into(),
                })
            })
            .add(d.value, w, is_committed);
        owners.entry(&d.owner).or_insert_with(|| ForecastLine::labelled(d.owner.clone())).add(d.value, w, is_committed);
        total.add(d.value, w, is_committed);
        if let Some(c) = d.close.filter(|c| *c < today) {
            slipped_total.add(d.value);
            slipped.push(SlippedDeal {
                id: d.id,
                title: d.title.clone(),
                owner: d.owner.clone(),
                stage: pipeline.get(&d.stage).map(|s| s.name.clone()).unwrap_or_else(|| d.stage.clone()),
                close: c,
                days_late: (today.0 - c.0).num_days(),
                value: d.value,
                weighted: w,
            });
        }
    }
    slipped.sort_by(|a, b| b.days_late.cmp(&a.days_late).then(a.id.cmp(&b.id)));
    // Months between the first and the last one with deals show too (empty), so that a chart
    // of them has no gaps; deals without a date go last.
    let undated = months.remove(&None);
    let mut filled = Vec::new();
    if let (Some(&Some(first)), Some(&Some(last))) = (months.keys().next(), months.keys().next_back()) {
        let (mut y, mut m) = first;
        while (y, m) <= last {
            let line = months.remove(&Some((y, m)));
            filled.push(line.unwrap_or_else(|| ForecastLine::labelled(format!("{y:04}-{m:02}"))));
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
    }
    filled.extend(undated);
    let months = filled;
    ForecastReport {
        from,
        to,
        committed_stages: committed,
        months,
        by_owner: owners.into_values().collect(),
        total,
        slipped,
        slipped_total,
    }
}

// ---------------------------------------------------------------------------------------------
// Activity KPIs and targets
// ---------------------------------------------------------------------------------------------

/// What the activity report needs of an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityFact {
    pub kind: ActivityKind,
    pub at: Timestamp,
    pub author: String,
}

/// What the activity report needs of a task: who, when it had to be done (the due instant; a
/// whole-day due ends at the end of that day), and when it was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFact {
    pub assignee: String,
    pub deadline: Timestamp,
    pub done: Option<Timestamp>,
}

/// A contact's owner and creation time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFact {
    pub owner: String,
    pub created: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Calls,
    Meetings,
    Emails,
    Notes,
    Activities,
    TasksDone,
    NewContacts,
    DealsWon,
}

impl Metric {
    pub const ALL: [Metric; 8] = [
        Metric::Calls,
        Metric::Meetings,
        Metric::Emails,
        Metric::Notes,
        Metric::Activities,
        Metric::TasksDone,
        Metric::NewContacts,
        Metric::DealsWon,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Calls => "calls",
            Metric::Meetings => "meetings",
            Metric::Emails => "emails",
            Metric::Notes => "notes",
            Metric::Activities => "activities",
            Metric::TasksDone => "tasks_done",
            Metric::NewContacts => "new_contacts",
            Metric::DealsWon => "deals_won",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Day,
    Week,
    Month,
    Quarter,
}

impl Per {
    pub const ALL: [Per; 4] = [Per::Day, Per::Week, Per::Month, Per::Quarter];

    pub fn name(self) -> &'static str {
        match self {
            Per::Day => "day",
            Per::Week => "week",
            Per::Month => "month",
            Per::Quarter => "quarter",
        }
    }

    /// Its length in days; a month is a twelfth of an average year.
    pub fn days(self) -> f64 {
        match self {
            Per::Day => 1.0,
            Per::Week => 7.0,
            Per::Month => 365.25 / 12.0,
            Per::Quarter => 365.25 / 4.0,
        }
    }
}

/// A rep's target: `rate` of `metric` per `per` (from `calls_per_week = 20`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Target {
    pub metric: Metric,
    pub per: Per,
    pub rate: f64,
}

impl Target {
    /// Parses a config key and value: `calls_per_week`, 20.
    pub fn parse(key: &str, rate: f64) -> Result<Target, String> {
        let metrics = || Metric::ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ");
        let units = || Per::ALL.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ");
        let Some((m, p)) = key.rsplit_once("_per_") else {
            return Err(format!(
                "\"{key}\" is not a target; write METRIC_per_UNIT, like calls_per_week (metrics: {}; units: {})",
                metrics(),
                units()
            ));
        };
        let metric = Metric::ALL
            .into_iter()
            .find(|x| x.name() == m)
            .ok_or_else(|| format!("\"{key}\": unknown metric \"{m}\" (metrics: {})", metrics()))?;
        let per = Per::ALL
            .into_iter()
            .find(|x| x.name() == p)
            .ok_or_else(|| format!("\"{key}\": unknown unit \"{p}\" (units: {})", units()))?;
        if !rate.is_finite() || rate < 0.0 {
            return Err(format!("\"{key}\": the target must be a number of 0 or more, not {rate}"));
        }
        Ok(Target { metric, per, rate })
    }
}

/// Targets by rep login, from the `[targets.<login>]` tables of the config file.
pub fn parse_targets(table: &BTreeMap<String, BTreeMap<String, f64>>) -> Result<BTreeMap<String, Vec<Target>>, String> {
    table
        .iter()
        .map(|(rep, keys)| {
            let targets = keys
                .iter()
                .map(|(k, v)| Target::parse(k, *v).map_err(|e| format!("[targets.{rep}] {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((rep.clone(), targets))
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Progress {
    pub metric: Metric,
    pub per: Per,
    pub rate: f64,
    /// The rate scaled to the period's length.
    pub target: f64,
    pub actual: f64,
    /// actual / target (None for a zero target).
    pub progress: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct RepKpis {
    /// A login, or `everyone` for the totals.
    pub rep: String,
    pub calls: usize,
    pub meetings: usize,
    pub emails: usize,
    pub notes: usize,
    /// Tasks done in the period, by the deadline or after it.
    pub tasks_on_time: usize,
    pub tasks_late: usize,
    /// Open tasks whose deadline fell in the period and has passed.
    pub tasks_overdue: usize,
    pub new_contacts: usize,
    pub deals_won: usize,
    pub deals_lost: usize,
    pub won_value: Amounts,
    pub lost_value: Amounts,
    pub targets: Vec<Progress>,
}

impl RepKpis {
    pub fn activities(&self) -> usize {
        self.calls + self.meetings + self.emails + self.notes
    }

    pub fn value(&self, m: Metric) -> usize {
        match m {
            Metric::Calls => self.calls,
            Metric::Meetings => self.meetings,
            Metric::Emails => self.emails,
            Metric::Notes => self.notes,
            Metric::Activities => self.activities(),
            Metric::TasksDone => self.tasks_on_time + self.tasks_late,
            Metric::NewContacts => self.new_contacts,
            Metric::DealsWon => self.deals_won,
        }
    }

    fn add_activity(&mut self, k: ActivityKind) {
        match k {
            ActivityKind::Call => self.calls += 1,
            ActivityKind::Meeting => self.meetings += 1,
            ActivityKind::Email => self.emails += 1,
            ActivityKind::Note => self.notes += 1,
        }
    }
}

/// Activities of one week (from its first day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct WeekCount {
    pub week: Day,
    pub calls: usize,
    pub meetings: usize,
    pub emails: usize,
    pub notes: usize,
}

impl WeekCount {
    pub fn total(&self) -> usize {
        self.calls + self.meetings + self.emails + self.notes
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ActivityReport {
    /// Shown by the front ends with its label; not repeated in JSON.
    #[serde(skip)]
    pub period: Period,
    pub reps: Vec<RepKpis>,
    pub everyone: RepKpis,
    /// Every week of the period that has activities, or lies between two that have.
    pub weeks: Vec<WeekCount>,
}

/// The first day of a day's week, weeks starting on `first` (Monday unless configured).
pub fn week_start(d: Day, first: Weekday) -> Day {
    let back = (7 + d.0.weekday().num_days_from_monday() - first.num_days_from_monday()) % 7;
    Day(d.0 - Duration::days(back as i64))
}

/// How a period moves to the one before or after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Step {
    /// By calendar months (1 for a month, 3 for a quarter), whole months to whole months.
    Months(u32),
    /// By its own length in days (a week, or any span of days).
    #[default]
    Length,
}

/// The period `n` steps after (or before, when negative) the days `first`..=`last`.
pub fn shift_days(first: Day, last: Day, step: Step, n: i32) -> Option<(Day, Day)> {
    match step {
        Step::Months(m) => {
            let months = chrono::Months::new(m.checked_mul(n.unsigned_abs())?);
            let start =
                if n >= 0 { first.0.checked_add_months(months)? } else { first.0.checked_sub_months(months)? };
            let end = start.checked_add_months(chrono::Months::new(m))?.pred_opt()?;
            Some((Day(start), Day(end)))
        }
        Step::Length => {
            let len = (last.0 - first.0).num_days() + 1;
            let by = Duration::days(len.checked_mul(n as i64)?);
            Some((Day(first.0.checked_add_signed(by)?), Day(last.0.checked_add_signed(by)?)))
        }
    }
}

/// The inputs of the activity report; every list is already narrowed to an owner if wanted.
pub struct ActivityInputs<'a> {
    pub pipeline: &'a Pipeline,
    pub activities: &'a [ActivityFact],
    pub tasks: &'a [TaskFact],
    pub contacts: &'a [ContactFact],
    pub deals: &'a [Deal],
    /// Reps that get a line even without anything in the period.
    pub reps: &'a [String],
    pub targets: &'a BTreeMap<String, Vec<Target>>,
    /// The first day of a week, for the weekly counts.
    pub week_starts: Weekday,
}

/// Activity KPIs per rep over `period`; `local_day` gives the (local) calendar day of an
/// instant, for the weekly counts.
pub fn activity<'a>(
    input: &ActivityInputs<'a>,
    period: Period,
    now: Timestamp,
    local_day: &dyn Fn(Timestamp) -> Day,
) -> ActivityReport {
    let mut reps: BTreeMap<&'a str, RepKpis> = BTreeMap::new();
    for r in input.reps {
        reps.entry(r.as_str()).or_default();
    }
    let mut all = RepKpis { rep: "everyone".into(), ..RepKpis::default() };
    let mut weeks: BTreeMap<Day, WeekCount> = BTreeMap::new();
    fn entry<'m, 'k>(reps: &'m mut BTreeMap<&'k str, RepKpis>, login: &'k str) -> &'m mut RepKpis {
        reps.entry(login).or_default()
    }

    for a in input.activities {
        if !period.contains(a.at) {
            continue;
        }
        entry(&mut reps, &a.author).add_activity(a.kind);
        all.add_activity(a.kind);
        let week = week_start(local_day(a.at), input.week_starts);
        let w = weeks.entry(week).or_insert(WeekCount { week, calls: 0, meetings: 0, emails: 0, notes: 0 });
        match a.kind {
            ActivityKind::Call => w.calls += 1,
            ActivityKind::Meeting => w.meetings += 1,
            ActivityKind::Email => w.emails += 1,
            ActivityKind::Note => w.notes += 1,
        }
    }
    for t in input.tasks {
        match t.done {
            Some(done) if period.contains(done) => {
                let on_time = done <= t.deadline;
                let r = entry(&mut reps, &t.assignee);
                if on_time {
                    r.tasks_on_time += 1;
                    all.tasks_on_time += 1;
                } else {
                    r.tasks_late += 1;
                    all.tasks_late += 1;
                }
            }
            None if period.contains(t.deadline) && t.deadline < now => {
                entry(&mut reps, &t.assignee).tasks_overdue += 1;
                all.tasks_overdue += 1;
            }
            _ => {}
        }
    }
    for c in input.contacts {
        if period.contains(c.created) {
            entry(&mut reps, &c.owner).new_contacts += 1;
            all.new_contacts += 1;
        }
    }
    for d in input.deals {
        let Some(at) = closed_at(input.pipeline, d) else { continue };
        if !period.contains(at) {
            continue;
        }
        let won = stage_kind(input.pipeline, &d.stage) == Some(StageKind::Won);
        for r in [entry(&mut reps, &d.owner), &mut all] {
            if won {
                r.deals_won += 1;
                r.won_value.add(d.value);
            } else {
                r.deals_lost += 1;
                r.lost_value.add(d.value);
            }
        }
    }
    // Weeks between the first and the last one with activities show, empty or not.
    let mut filled = Vec::new();
    if let (Some(first), Some(last)) = (weeks.keys().next().copied(), weeks.keys().next_back().copied()) {
        let mut w = first;
        while w <= last {
            filled.push(weeks.remove(&w).unwrap_or(WeekCount { week: w, calls: 0, meetings: 0, emails: 0, notes: 0 }));
            w = Day(w.0 + Duration::days(7));
        }
    }
    let days = period.days();
    let reps: Vec<RepKpis> = reps
        .into_iter()
        .map(|(login, mut r)| {
            r.rep = login.to_string();
            r.targets = progress(&r, input.targets.get(&r.rep).map(Vec::as_slice).unwrap_or(&[]), days);
            r
        })
        .collect();
    ActivityReport { period, reps, everyone: all, weeks: filled }
}

/// Progress against targets over a period of `days` (no progress without a bounded period).
pub fn progress(k: &RepKpis, targets: &[Target], days: Option<f64>) -> Vec<Progress> {
    let Some(days) = days else { return Vec::new() };
    targets
        .iter()
        .map(|t| {
            let target = t.rate * days / t.per.days();
            let actual = k.value(t.metric) as f64;
            Progress {
                metric: t.metric,
                per: t.per,
                rate: t.rate,
                target,
                actual,
                progress: (target > 0.0).then(|| actual / target),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Team
// ---------------------------------------------------------------------------------------------

/// One rep's line of the team report: the pipeline they own now and what they did in the period.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TeamLine {
    pub rep: String,
    pub open_deals: usize,
    pub open_total: Amounts,
    pub open_weighted: Amounts,
    pub committed: Amounts,
    pub won: usize,
    pub lost: usize,
    pub won_value: Amounts,
    pub win_rate: Option<f64>,
    pub activities: usize,
    pub tasks_on_time: usize,
    pub tasks_late: usize,
    pub new_contacts: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TeamReport {
    /// Shown by the front ends with its label; not repeated in JSON.
    #[serde(skip)]
    pub period: Period,
    pub reps: Vec<TeamLine>,
    pub everyone: TeamLine,
}

/// Joins each rep's open pipeline (from `deals`) with their KPIs (from `kpis`).
pub fn team(pipeline: &Pipeline, deals: &[Deal], kpis: &ActivityReport) -> TeamReport {
    let committed = committed_stages(pipeline);
    let line = |k: &RepKpis| TeamLine {
        rep: k.rep.clone(),
        open_deals: 0,
        open_total: Amounts::default(),
        open_weighted: Amounts::default(),
        committed: Amounts::default(),
        won: k.deals_won,
        lost: k.deals_lost,
        won_value: k.won_value.clone(),
        win_rate: ratio(k.deals_won, k.deals_won + k.deals_lost),
        activities: k.activities(),
        tasks_on_time: k.tasks_on_time,
        tasks_late: k.tasks_late,
        new_contacts: k.new_contacts,
    };
    let mut lines: BTreeMap<String, TeamLine> = kpis.reps.iter().map(|k| (k.rep.clone(), line(k))).collect();
    let mut everyone = line(&kpis.everyone);
    let owners: BTreeSet<&str> = deals.iter().map(|d| d.owner.as_str()).collect();
    for o in owners {
        lines.entry(o.to_string()).or_insert_with(|| line(&RepKpis { rep: o.to_string(), ..RepKpis::default() }));
    }
    for d in deals {
        if stage_kind(pipeline, &d.stage) != Some(StageKind::Open) {
            continue;
        }
        let w = d.value.percent(probability(pipeline, d));
        let is_committed = committed.contains(&d.stage);
        if let Some(l) = lines.get_mut(&d.owner) {
            for l in [l, &mut everyone] {
                l.open_deals += 1;
                l.open_total.add(d.value);
                l.open_weighted.add(w);
                if is_committed {
                    l.committed.add(d.value);
                }
            }
        }
    }
    TeamReport { period: kpis.period, reps: lines.into_values().collect(), everyone }
}

#[cfg(test)]
mod tests {
    //! Every expected figure below is worked out by hand from the fixture, in the comments.
    use super::*;
    use crate::domain::stage::Stage;

    const DAY: i64 = 86_400_000;

    fn at(day: i64) -> Timestamp {
        Timestamp(day * DAY)
    }

    fn eur(major: i64) -> Money {
        Money::new(major * 100, Currency::EUR)
    }

    fn usd(major: i64) -> Money {
        Money::new(major * 100, Currency::USD)
    }

    fn amounts(list: &[Money]) -> Amounts {
        list.iter().copied().collect()
    }

    /// A deal that went through `steps` (stage, day), the last one being where it is now.
    fn deal(id: u64, owner: &str, value: Money, steps: &[(&str, i64)]) -> Deal {
        let history: Vec<StageEntry> =
            steps.iter().map(|(s, d)| StageEntry { stage: s.to_string(), at: at(*d) }).collect();
        Deal {
            id: DealId(id),
            title: format!("deal {id}"),
            value,
            stage: history.last().map(|e| e.stage.clone()).unwrap_or_default(),
            owner: owner.into(),
            created: history.first().map(|e| e.at).unwrap_or_default(),
            history,
            ..Deal::default()
        }
    }

    /// Five deals, days 0–80, "now" is day 100:
    /// d1 anna €1,000  lead@0 → qualified@10 → proposal@30 (open, 50%)
    /// d2 anna €2,000  lead@0 → qualified@5 → proposal@15 → qualified@20 (moved back; open, 25%)
    /// d3 kenji $3,000 qualified@40 → negotiation@50 → won@60 (skipped lead)
    /// d4 kenji €500   lead@50 → lost@70
    /// d5 kenji €4,000 negotiation@80 (open, its own probability 90%)
    fn five() -> Vec<Deal> {
        let mut d5 = deal(5, "kenji", eur(4000), &[("negotiation", 80)]);
        d5.probability = Some(90);
        vec![
            deal(1, "anna", eur(1000), &[("lead", 0), ("qualified", 10), ("proposal", 30)]),
            deal(2, "anna", eur(2000), &[("lead", 0), ("qualified", 5), ("proposal", 15), ("qualified", 20)]),
            deal(3, "kenji", usd(3000), &[("qualified", 40), ("negotiation", 50), ("won", 60)]),
            deal(4, "kenji", eur(500), &[("lead", 50), ("lost", 70)]),
            d5,
        ]
    }

    fn stage<'a>(r: &'a PipelineReport, key: &str) -> &'a StageFigures {
        r.stages.iter().find(|s| s.key == key).expect("stage in the report")
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn pipeline_of_five_deals() {
        let r = pipeline(&Pipeline::default(), &five(), Period::ALL, at(100));
        // Open stages: the deals in them now; won and lost: the deals closed there.
        let counts: Vec<(&str, usize)> = r.stages.iter().map(|s| (s.key.as_str(), s.count)).collect();
        assert_eq!(
            counts,
            [("lead", 0), ("qualified", 1), ("proposal", 1), ("negotiation", 1), ("won", 1), ("lost", 1)]
        );
        assert_eq!(stage(&r, "qualified").total, amounts(&[eur(2000)]));
        assert_eq!(stage(&r, "qualified").weighted, amounts(&[eur(500)])); // 25% of €2,000
        assert_eq!(stage(&r, "proposal").weighted, amounts(&[eur(500)])); // 50% of €1,000
        assert_eq!(stage(&r, "negotiation").weighted, amounts(&[eur(3600)])); // its own 90%
        assert_eq!(stage(&r, "won").total, amounts(&[usd(3000)]));
        // Visits: lead d1 10 + d2 5 + d4 20 = 35 / 3; qualified d1 20 + d2 10 + d2 80 (back
        // again, until now) + d3 10 = 120 / 4; proposal d1 70 + d2 5 = 75 / 2; negotiation
        // d3 10 + d5 20 = 30 / 2.
        assert_eq!(stage(&r, "lead").visits, 3);
        assert!(close(stage(&r, "lead").avg_days, 35.0 / 3.0));
        assert_eq!(stage(&r, "qualified").visits, 4);
        assert!(close(stage(&r, "qualified").avg_days, 30.0));
        assert!(close(stage(&r, "proposal").avg_days, 37.5));
        assert!(close(stage(&r, "negotiation").avg_days, 15.0));
        assert_eq!(stage(&r, "won").avg_days, None);
        // Furthest: d1 proposal, d2 proposal (moving back does not undo it), d3 won, d4 lead,
        // d5 negotiation. Reached lead 5, qualified 4, proposal 4, negotiation 2, won 1.
        let conv: Vec<(&str, &str, usize, usize)> =
            r.conversions.iter().map(|c| (c.from.as_str(), c.to.as_str(), c.reached_from, c.reached_to)).collect();
        assert_eq!(
            conv,
            [
                ("Lead", "Qualified", 5, 4),
                ("Qualified", "Proposal", 4, 4),
                ("Proposal", "Negotiation", 4, 2),
                ("Negotiation", "Won", 2, 1)
            ]
        );
        assert!(close(r.conversions[0].rate, 0.8));
        assert!(close(r.conversions[2].rate, 0.5));
        assert_eq!((r.won, r.lost), (1, 1));
        assert!(close(r.win_rate, 0.5));
        assert!(close(r.avg_cycle_days, 20.0)); // d3: day 40 → day 60
        assert_eq!(r.open, 3);
        assert_eq!(r.open_total, amounts(&[eur(7000)]));
        assert_eq!(r.open_weighted, amounts(&[eur(4600)]));
        assert_eq!(r.won_value, amounts(&[usd(3000)]));
        assert_eq!(r.lost_value, amounts(&[eur(500)]));
        // By owner: anna has d1 and d2; kenji the rest.
        let anna = &r.by_owner[0];
        assert_eq!((anna.owner.as_str(), anna.open, anna.won, anna.win_rate), ("anna", 2, 0, None));
        assert_eq!(anna.open_weighted, amounts(&[eur(1000)]));
        let kenji = &r.by_owner[1];
        assert_eq!((kenji.open, kenji.won, kenji.lost), (1, 1, 1));
        assert!(close(kenji.avg_cycle_days, 20.0));
    }

    #[test]
    fn pipeline_over_a_period() {
        // Days 45 to 75: only d4 entered the pipeline then (day 50); d3 (won day 60) and d4
        // (lost day 70) closed then. Open stages still show today's open deals.
        let r = pipeline(&Pipeline::default(), &five(), Period::new(at(45), at(75)), at(100));
        assert_eq!((r.won, r.lost, r.open), (1, 1, 3));
        assert_eq!(stage(&r, "lead").visits, 1);
        assert!(close(stage(&r, "lead").avg_days, 20.0));
        assert_eq!(stage(&r, "qualified").visits, 0);
        assert_eq!(stage(&r, "qualified").avg_days, None);
        assert_eq!((r.conversions[0].reached_from, r.conversions[0].reached_to), (1, 0));
        assert!(close(r.conversions[0].rate, 0.0));
        assert_eq!(r.conversions[1].rate, None);
        // Closed before the period: not counted.
        let later = pipeline(&Pipeline::default(), &five(), Period::new(at(71), at(100)), at(100));
        assert_eq!((later.won, later.lost, later.win_rate, later.avg_cycle_days), (0, 0, None, None));
        assert_eq!(stage(&later, "won").count, 0);
    }

    #[test]
    fn pipeline_of_nothing_and_of_one_deal() {
        let r = pipeline(&Pipeline::default(), &[], Period::ALL, at(100));
        assert!(r.stages.iter().all(|s| s.count == 0 && s.total.is_empty() && s.avg_days.is_none()));
        assert!(r.conversions.iter().all(|c| c.rate.is_none()));
        assert_eq!((r.open, r.win_rate, r.avg_cycle_days), (0, None, None));
        assert!(r.by_owner.is_empty());

        let one = [deal(1, "anna", eur(100), &[("lead", 97)])];
        let r = pipeline(&Pipeline::default(), &one, Period::ALL, at(100));
        assert_eq!(stage(&r, "lead").count, 1);
        assert!(close(stage(&r, "lead").avg_days, 3.0));
        assert_eq!(stage(&r, "lead").weighted, amounts(&[eur(10)]));
        assert!(close(r.conversions[0].rate, 0.0));
    }

    #[test]
    fn amounts_never_mix_currencies() {
        let a = amounts(&[eur(10), usd(5), eur(2)]);
        assert_eq!(a.get(Currency::EUR), 1200);
        assert_eq!(a.get(Currency::USD), 500);
        assert_eq!(a.to_string(), "€12 + $5");
        assert_eq!(Amounts::default().to_string(), "–");
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!([{"minor": 1200, "currency": "EUR"}, {"minor": 500, "currency": "USD"}])
        );
    }

    fn day(y: i32, m: u32, d: u32) -> Day {
        Day::ymd(y, m, d).expect("valid day")
    }

    /// Open deals around today (2026-11-27):
    /// f1 €1,000 proposal (50%), closes 2026-12-10
    /// f2 $2,000 negotiation (75%, committed), closes 2026-12-20
    /// f3 €400 lead (10%), closed expected 2026-11-20: slipped by 7 days
    /// f4 €800 qualified (25%), no date
    /// f5 €9,000 won: not in the forecast
    fn forecast_deals() -> Vec<Deal> {
        let mut v = vec![
            deal(1, "anna", eur(1000), &[("proposal", 0)]),
            deal(2, "kenji", usd(2000), &[("negotiation", 0)]),
            deal(3, "anna", eur(400), &[("lead", 0)]),
            deal(4, "kenji", eur(800), &[("qualified", 0)]),
            deal(5, "anna", eur(9000), &[("won", 0)]),
        ];
        v[0].close = Some(day(2026, 12, 10));
        v[1].close = Some(day(2026, 12, 20));
        v[2].close = Some(day(2026, 11, 20));
        v[4].close = Some(day(2026, 11, 1));
        v
    }

    #[test]
    fn forecast_by_month_with_mixed_currencies() {
        let r = forecast(&Pipeline::default(), &forecast_deals(), None, None, day(2026, 11, 27));
        assert_eq!(r.committed_stages, ["negotiation"]);
        let labels: Vec<&str> = r.months.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["2026-11", "2026-12", "no date"]);
        // A month without deals between two with deals is listed, empty.
        let mut later = forecast_deals();
        later[0].close = Some(day(2027, 2, 1));
        let r2 = forecast(&Pipeline::default(), &later, None, None, day(2026, 11, 27));
        let labels: Vec<(&str, usize)> = r2.months.iter().map(|m| (m.label.as_str(), m.deals)).collect();
        assert_eq!(labels, [("2026-11", 1), ("2026-12", 1), ("2027-01", 0), ("2027-02", 1), ("no date", 1)]);
        let nov = &r.months[0];
        assert_eq!(
            (nov.deals, nov.weighted.clone(), nov.best_case.clone()),
            (1, amounts(&[eur(40)]), amounts(&[eur(400)]))
        );
        let dec = &r.months[1];
        assert_eq!(dec.deals, 2);
        assert_eq!(dec.weighted, amounts(&[eur(500), usd(1500)]));
        assert_eq!(dec.best_case, amounts(&[eur(1000), usd(2000)]));
        assert_eq!(dec.committed, amounts(&[usd(2000)]));
        assert_eq!(r.months[2].weighted, amounts(&[eur(200)]));
        assert_eq!(r.total.deals, 4);
        assert_eq!(r.total.weighted, amounts(&[eur(740), usd(1500)]));
        assert_eq!(r.total.best_case, amounts(&[eur(2200), usd(2000)]));
        assert_eq!(r.total.committed, amounts(&[usd(2000)]));
        assert_eq!(r.slipped.len(), 1);
        assert_eq!((r.slipped[0].id, r.slipped[0].days_late), (DealId(3), 7));
        assert_eq!(r.slipped_total, amounts(&[eur(400)]));
        let owners: Vec<(&str, usize)> = r.by_owner.iter().map(|l| (l.label.as_str(), l.deals)).collect();
        assert_eq!(owners, [("anna", 2), ("kenji", 2)]);
        assert_eq!(r.by_owner[1].committed, amounts(&[usd(2000)]));
    }

    #[test]
    fn forecast_in_a_range_and_of_nothing() {
        let r = forecast(
            &Pipeline::default(),
            &forecast_deals(),
            Some(day(2026, 12, 1)),
            Some(day(2026, 12, 31)),
            day(2026, 11, 27),
        );
        assert_eq!(r.months.len(), 1);
        assert_eq!(r.total.deals, 2);
        assert!(r.slipped.is_empty());
        let empty = forecast(&Pipeline::default(), &[], None, None, day(2026, 11, 27));
        assert!(empty.months.is_empty() && empty.slipped.is_empty() && empty.total.weighted.is_empty());
    }

    #[test]
    fn committed_stages_follow_probability_or_the_last_open_stage() {
        let mut p = Pipeline::default();
        assert_eq!(committed_stages(&p), ["negotiation"]);
        p.stages.insert(
            4,
            Stage {
                key: "contract".into(),
                name: "Contract".into(),
                probability: 90,
                kind: StageKind::Open,
                stale_days: None,
            },
        );
        assert_eq!(committed_stages(&p), ["negotiation", "contract"]);
        for s in &mut p.stages {
            if s.kind == StageKind::Open {
                s.probability = s.probability.min(60);
            }
        }
        assert_eq!(committed_stages(&p), ["contract"]);
    }

    /// Monday 2026-11-23 00:00 UTC plus `hours`.
    fn wk(hours: i64) -> Timestamp {
        Timestamp(1_795_392_000_000 + hours * 3_600_000)
    }

    fn utc_day(t: Timestamp) -> Day {
        Day(t.to_datetime().date_naive())
    }

    fn act(kind: ActivityKind, at: Timestamp, author: &str) -> ActivityFact {
        ActivityFact { kind, at, author: author.into() }
    }

    #[test]
    fn activity_kpis_for_a_week_with_targets() {
        assert_eq!(utc_day(wk(0)), day(2026, 11, 23));
        let week = Period::new(wk(0), wk(7 * 24));
        let now = wk(4 * 24 + 9); // Friday 09:00
        let activities = [
            act(ActivityKind::Call, wk(10), "anna"),
            act(ActivityKind::Call, wk(30), "anna"),
            act(ActivityKind::Meeting, wk(50), "anna"),
            act(ActivityKind::Email, wk(11), "kenji"),
            act(ActivityKind::Note, wk(12), "kenji"),
            act(ActivityKind::Call, wk(-5), "anna"), // the Sunday before: outside
        ];
        let task = |who: &str, deadline: i64, done: Option<i64>| TaskFact {
            assignee: who.into(),
            deadline: wk(deadline),
            done: done.map(wk),
        };
        let tasks = [
            task("anna", 36, Some(35)),    // Tuesday, done an hour early: on time
            task("anna", 48, Some(72)),    // Wednesday, done Thursday: late
            task("kenji", 82, None),       // Thursday 10:00, open on Friday: overdue
            task("kenji", 120, None),      // Saturday: not yet due
            task("kenji", -30, Some(-29)), // done the week before: outside
        ];
        let contacts = [
            ContactFact { owner: "anna".into(), created: wk(1) },
            ContactFact { owner: "kenji".into(), created: wk(2) },
            ContactFact { owner: "kenji".into(), created: wk(3) },
            ContactFact { owner: "kenji".into(), created: wk(-1) },
        ];
        let mut won = deal(1, "anna", usd(300), &[("lead", 0)]);
        won.history.push(StageEntry { stage: "won".into(), at: wk(60) });
        won.stage = "won".into();
        let mut lost = deal(2, "kenji", eur(100), &[("lead", 0)]);
        lost.history.push(StageEntry { stage: "lost".into(), at: wk(61) });
        lost.stage = "lost".into();
        let open = deal(3, "kenji", eur(700), &[("lead", 0)]);
        let deals = [won, lost, open];
        let mut targets = BTreeMap::new();
        targets.insert("anna".to_string(), vec![Target::parse("calls_per_week", 4.0).unwrap()]);
        targets.insert("kenji".to_string(), vec![Target::parse("notes_per_day", 1.0).unwrap()]);
        let reps = ["anna".to_string(), "kenji".to_string(), "leila".to_string()];
        let input = ActivityInputs {
            pipeline: &Pipeline::default(),
            activities: &activities,
            tasks: &tasks,
            contacts: &contacts,
            deals: &deals,
            reps: &reps,
            targets: &targets,
            week_starts: Weekday::Mon,
        };
        let r = activity(&input, week, now, &utc_day);
        let names: Vec<&str> = r.reps.iter().map(|k| k.rep.as_str()).collect();
        assert_eq!(names, ["anna", "kenji", "leila"]);
        let anna = &r.reps[0];
        assert_eq!((anna.calls, anna.meetings, anna.emails, anna.notes), (2, 1, 0, 0));
        assert_eq!((anna.tasks_on_time, anna.tasks_late, anna.tasks_overdue), (1, 1, 0));
        assert_eq!((anna.new_contacts, anna.deals_won, anna.deals_lost), (1, 1, 0));
        assert_eq!(anna.won_value, amounts(&[usd(300)]));
        // 4 calls a week over a 7-day period: 4; she made 2.
        assert_eq!(anna.targets.len(), 1);
        assert!((anna.targets[0].target - 4.0).abs() < 1e-9);
        assert!(close(anna.targets[0].progress, 0.5));
        let kenji = &r.reps[1];
        assert_eq!((kenji.calls, kenji.emails, kenji.notes), (0, 1, 1));
        assert_eq!((kenji.tasks_on_time, kenji.tasks_late, kenji.tasks_overdue), (0, 0, 1));
        assert_eq!((kenji.new_contacts, kenji.deals_lost), (2, 1));
        assert_eq!(kenji.lost_value, amounts(&[eur(100)]));
        // 1 note a day over 7 days: 7; 1 done.
        assert!((kenji.targets[0].target - 7.0).abs() < 1e-9);
        assert!(close(kenji.targets[0].progress, 1.0 / 7.0));
        assert_eq!(r.reps[2], RepKpis { rep: "leila".into(), ..RepKpis::default() });
        let all = &r.everyone;
        assert_eq!((all.calls, all.meetings, all.emails, all.notes, all.activities()), (2, 1, 1, 1, 5));
        assert_eq!((all.tasks_on_time, all.tasks_late, all.tasks_overdue, all.new_contacts), (1, 1, 1, 3));
        assert_eq!(r.weeks, [WeekCount { week: day(2026, 11, 23), calls: 2, meetings: 1, emails: 1, notes: 1 }]);

        // The team report joins the open pipeline: kenji owns the open €700 lead (10%).
        let t = team(&Pipeline::default(), &deals, &r);
        let kenji = t.reps.iter().find(|l| l.rep == "kenji").unwrap();
        assert_eq!((kenji.open_deals, kenji.lost, kenji.win_rate), (1, 1, Some(0.0)));
        assert_eq!(kenji.open_weighted, amounts(&[eur(70)]));
        let anna = t.reps.iter().find(|l| l.rep == "anna").unwrap();
        assert_eq!((anna.open_deals, anna.won, anna.win_rate, anna.activities), (0, 1, Some(1.0), 3));
        assert_eq!((t.everyone.open_deals, t.everyone.activities), (1, 5));

        // All of time: empty weeks between busy ones show; targets need a bounded period.
        let r = activity(&input, Period::ALL, now, &utc_day);
        let weeks: Vec<(Day, usize)> = r.weeks.iter().map(|w| (w.week, w.total())).collect();
        assert_eq!(weeks, [(day(2026, 11, 16), 1), (day(2026, 11, 23), 5)]);
        assert!(r.reps[0].targets.is_empty());
    }

    #[test]
    fn activity_of_an_empty_database() {
        let input = ActivityInputs {
            pipeline: &Pipeline::default(),
            activities: &[],
            tasks: &[],
            contacts: &[],
            deals: &[],
            reps: &[],
            targets: &BTreeMap::new(),
            week_starts: Weekday::Mon,
        };
        let r = activity(&input, Period::new(wk(0), wk(24)), wk(1), &utc_day);
        assert!(r.reps.is_empty() && r.weeks.is_empty());
        assert_eq!(r.everyone.activities(), 0);
        let t = team(&Pipeline::default(), &[], &r);
        assert!(t.reps.is_empty());
        assert_eq!(t.everyone.win_rate, None);
    }

    #[test]
    fn targets_parse_with_clear_errors() {
        let t = Target::parse("deals_won_per_month", 3.0).unwrap();
        assert_eq!((t.metric, t.per), (Metric::DealsWon, Per::Month));
        assert!(Target::parse("calls_a_week", 1.0).unwrap_err().contains("METRIC_per_UNIT"));
        assert!(Target::parse("cals_per_week", 1.0).unwrap_err().contains("unknown metric \"cals\""));
        assert!(Target::parse("calls_per_year", 1.0).unwrap_err().contains("unknown unit \"year\""));
        assert!(Target::parse("calls_per_week", -1.0).unwrap_err().contains("0 or more"));
        let mut table = BTreeMap::new();
        table.insert("anna".to_string(), BTreeMap::from([("calls_per_wek".to_string(), 20.0)]));
        assert!(parse_targets(&table).unwrap_err().starts_with("[targets.anna] \"calls_per_wek\""));
    }

    #[test]
    fn periods_move_by_months_or_by_their_length() {
        let nov = (day(2026, 11, 1), day(2026, 11, 30));
        assert_eq!(shift_days(nov.0, nov.1, Step::Months(1), -1), Some((day(2026, 10, 1), day(2026, 10, 31))));
        assert_eq!(shift_days(nov.0, nov.1, Step::Months(1), 3), Some((day(2027, 2, 1), day(2027, 2, 28))));
        let q4 = (day(2026, 10, 1), day(2026, 12, 31));
        assert_eq!(shift_days(q4.0, q4.1, Step::Months(3), -1), Some((day(2026, 7, 1), day(2026, 9, 30))));
        let week = (day(2026, 11, 23), day(2026, 11, 29));
        assert_eq!(shift_days(week.0, week.1, Step::Length, -1), Some((day(2026, 11, 16), day(2026, 11, 22))));
        assert_eq!(
            shift_days(day(2026, 11, 1), day(2026, 11, 10), Step::Length, 1),
            Some((day(2026, 11, 11), day(2026, 11, 20)))
        );
    }

    #[test]
    fn weeks_start_on_monday_or_the_configured_day() {
        assert_eq!(week_start(day(2026, 11, 29), Weekday::Mon), day(2026, 11, 23));
        assert_eq!(week_start(day(2026, 11, 23), Weekday::Mon), day(2026, 11, 23));
        assert_eq!(week_start(day(2026, 11, 29), Weekday::Sun), day(2026, 11, 29));
        assert_eq!(week_start(day(2026, 11, 28), Weekday::Sun), day(2026, 11, 22));
        assert_eq!(week_start(day(2026, 11, 27), Weekday::Sat), day(2026, 11, 21));
    }
}
