//! The agenda: everything that needs a rep's attention, most urgent first: open tasks,
//! follow-ups due by a contact's cadence, and deals gone stale. Shared by `crm agenda`,
//! `crm remind` and the TUI.

use super::{Crm, Result};
use crate::domain::agenda;
use crate::domain::agenda::TaskState;
use crate::domain::urgency::{self, Factors};
use crate::domain::*;
use crate::store::engine::{full_range, prefix_range};
use crate::store::{keys, Tree};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Task,
    /// A contact's follow-up cadence says it is time to get in touch.
    FollowUp,
    /// A deal stayed too long in its stage, or without activity.
    Stale,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub kind: ItemKind,
    /// The task, contact (follow-up) or deal (stale) it is about.
    pub id: Ref,
    pub title: String,
    /// When it is (or was) due; a stale deal is due since it went stale.
    pub due: Option<Due>,
    pub state: TaskState,
    pub assignee: String,
    /// Contact or deal it concerns, for people.
    pub about: String,
    pub priority: Priority,
    pub score: f64,
    /// Why it ranks where it does: factor and points (filled by [`Crm::fill_details`]).
    pub why: Vec<(String, f64)>,
    /// What the score was computed from.
    #[serde(skip)]
    pub factors: Factors,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AgendaQuery {
    /// Whose agenda; None for everyone.
    pub assignee: Option<String>,
    /// Only overdue and today's items (for `crm remind`).
    pub due_only: bool,
    /// Look this many days ahead for upcoming items (default 7).
    pub horizon_days: Option<i64>,
}

/// Deals without any activity for this many days are stale even within their stage's limit
/// (the default of the config's `quiet_deal_days`).
pub const QUIET_DEAL_DAYS: i64 = 30;

fn day_of(t: Timestamp) -> chrono::NaiveDate {
    t.to_datetime().with_timezone(&chrono::Local).date_naive()
}

impl Crm {
    /// The agenda, most urgent first, every item named.
    pub fn agenda(&self, q: &AgendaQuery) -> Result<Vec<AgendaItem>> {
        let mut items = self.agenda_ranked(q)?;
        self.fill_details(&mut items)?;
        Ok(items)
    }

    /// The agenda, most urgent first, read from the agenda indexes without decoding a task:
    /// task titles, `about` and `why` stay empty until [`Crm::fill_details`] fills them, so
    /// `crm remind` reads only what it prints.
    pub fn agenda_ranked(&self, q: &AgendaQuery) -> Result<Vec<AgendaItem>> {
        let weights = *self.urgency_weights();
        let now = self.now_local();
        let today = now.date_naive();
        let horizon = q.horizon_days.unwrap_or(7);
        let keep_state = |s: TaskState| match s {
            TaskState::Overdue | TaskState::Today => true,
            TaskState::Upcoming => !q.due_only,
            TaskState::Hidden | TaskState::Done => false,
        };
        let mut out = Vec::new();
        let mut deal_values = DealValues::default();
        let by_owner = || match &q.assignee {
            Some(a) => prefix_range(&keys::owner_prefix(a)),
            None => full_range(),
        };

        // Open tasks by assignee, in the order they need attention. Nothing due after the
        // horizon can be kept; the extra days cover whole-day dues (kept as UTC midnight).
        let ahead = if q.due_only { 0 } else { horizon.max(0) };
        let bound = self.now().0 + (ahead + 2) * 86_400_000;
        let mut tasks = Vec::new();
        let mut assignees: Vec<String> = Vec::new();
        self.store().visit_keys(Tree::TaskByAssignee, by_owner(), false, &mut |k| {
            let Some((who, t)) = keys::TaskSummary::parse(k) else { return true };
            let sort_ms = k.get(who.len() + 1..who.len() + 9).and_then(keys::time_from).unwrap_or(i64::MIN);
            if sort_ms > bound {
                // One person's entries are in order: the rest is later still.
                return q.assignee.is_none();
            }
            if assignees.last().is_none_or(|a| a != who) {
                assignees.push(who.to_string());
            }
            tasks.push((assignees.len() - 1, t));
            true
        })?;
        for (who, summary) in tasks {
            let t = summary.skeleton();
            let state = agenda::task_state(&t, &now);
            // A snooze that has not ended says when the task is due again.
            let day = match t.snoozed_until.filter(|s| *s > self.now()) {
                Some(s) => day_of(s),
                None => agenda::due_day(t.due, &chrono::Local),
            };
            let in_days = (day - today).num_days();
            if !keep_state(state) || (state == TaskState::Upcoming && in_days > horizon) {
                continue;
            }
            let f = Factors {
                days_overdue: if state == TaskState::Overdue { (today - day).num_days().max(1) } else { 0 },
                due_in_days: (state != TaskState::Overdue).then_some(in_days),
                priority: t.priority,
                value_at_risk: match t.deal {
                    Some(d) => deal_values.get(self, d)?,
                    None => 0,
                },
                ..Factors::default()
            };
            let score = urgency::total(&f, &weights);
            out.push(AgendaItem {
                kind: ItemKind::Task,
                id: Ref::Task(t.id),
                title: String::new(),
                due: Some(t.due),
                state,
                assignee: assignees[who].clone(),
                about: String::new(),
                priority: t.priority,
                score,
                why: Vec::new(),
                factors: f,
            });
        }

        // Follow-ups by cadence: due N days after the last call or meeting (or the creation).
        let mut cadence = Vec::new();
        self.store().visit_keys(Tree::ContactCadence, by_owner(), false, &mut |k| {
            if let Some((owner, n, created, id)) = keys::parse_cadence(k) {
                cadence.push((owner.to_string(), n, created, id));
            }
            true
        })?;
        let touches = self
            .store()
            .latest_under_each(Tree::ContactTouch, &cadence.iter().map(|(_, _, _, id)| id.0).collect::<Vec<_>>())?;
        // `last`: the last call or meeting.
        for ((owner, n, created, id), last) in cadence.into_iter().zip(touches) {
            let due_day = day_of(last.unwrap_or(created)) + chrono::Days::new(n as u64);
            let in_days = (due_day - today).num_days();
            let state = match in_days {
                d if d < 0 => TaskState::Overdue,
                0 => TaskState::Today,
                _ => TaskState::Upcoming,
            };
            if !keep_state(state) || in_days > horizon {
                continue;
            }
            let f = Factors {
                cadence_late_days: (-in_days).max(0),
                due_in_days: (in_days >= 0).then_some(in_days),
                ..Factors::default()
            };
            let since = last
                .map(|l| format!("last call or meeting {}", super::format::relative_days(l, &now)))
                .unwrap_or_else(|| "never called or met".into());
            out.push(AgendaItem {
                kind: ItemKind::FollowUp,
                id: Ref::Contact(id),
                // The name is read by `fill_details`; until then the title is the reason alone.
                title: format!("(every {n} days; {since})"),
                due: Some(Due::Day(Day(due_day))),
                state,
                assignee: owner,
                about: String::new(),
                priority: Priority::Normal,
                score: urgency::total(&f, &weights),
                why: Vec::new(),
                factors: f,
            });
        }

        // Stale deals: past their stage's limit, or quiet for `quiet_deal_days`. The index says
        // since when each deal is in its stage; only the stale ones are read.
        let quiet_days = self.quiet_deal_days();
        let pipeline = self.store().pipeline().clone();
        let mut deals = Vec::new();
        self.store().visit_keys(Tree::DealByOwner, by_owner(), false, &mut |k| {
            if let Some((stage, since, id)) = keys::parse_deal_by_owner(k) {
                // A stage no longer in the pipeline counts as open, as everywhere else.
                if pipeline.get(stage).is_none_or(|s| s.kind == StageKind::Open) {
                    deals.push((stage.to_string(), since, id));
                }
            }
            true
        })?;
        let last_activities = self
            .store()
            .latest_under_each(Tree::ActivityByDeal, &deals.iter().map(|(_, _, id)| id.0).collect::<Vec<_>>())?;
        let mut stale = Vec::new();
        // `last`: the last activity on the deal.
        for ((stage_key, since, id), last) in deals.into_iter().zip(last_activities) {
            let stage = pipeline.get(&stage_key);
            let days_in_stage = since.days_until(self.now()).max(0);
            let limit = stage.and_then(|s| s.stale_days).map(|l| l as i64);
            let over_limit = limit.map(|l| days_in_stage - l).filter(|o| *o > 0);
            let quiet = last.map(|t| day_of(self.now()).signed_duration_since(day_of(t)).num_days());
            let quiet_over = match quiet {
                Some(q) if q > quiet_days => Some(q - quiet_days),
                None if days_in_stage > quiet_days => Some(days_in_stage - quiet_days),
                _ => None,
            };
            let Some(stale_days) = over_limit.into_iter().chain(quiet_over).max() else { continue };
            stale.push((id, stage_key, days_in_stage, limit, over_limit, quiet, quiet_over, stale_days));
        }
        // Only the stale deals are read, in one go.
        let records = self.store().get_many(EntityKind::Deal, &stale.iter().map(|s| s.0 .0).collect::<Vec<_>>())?;
        for ((_, stage_key, days_in_stage, limit, over_limit, quiet, quiet_over, stale_days), record) in
            stale.into_iter().zip(records)
        {
            let Some(Record::Deal(d)) = record else { continue };
            let stage = pipeline.get(&stage_key);
            let stage_name = stage.map(|s| s.name.clone()).unwrap_or_else(|| stage_key.clone());
            let mut reasons = Vec::new();
            if let (Some(o), Some(l)) = (over_limit, limit) {
                reasons.push(format!("{days_in_stage} days in {stage_name}, limit {l}: {o} over"));
            }
            if quiet_over.is_some() {
                match quiet {
                    Some(q) => reasons.push(format!("no activity for {q} days")),
                    None => reasons.push("no activity ever".into()),
                }
            }
            let f = Factors { stale_days, value_at_risk: weighted_major(&d, &pipeline), ..Factors::default() };
            out.push(AgendaItem {
                kind: ItemKind::Stale,
                id: Ref::Deal(d.id),
                title: format!("Stale deal: {} ({})", d.title, reasons.join("; ")),
                due: None,
                state: TaskState::Overdue,
                assignee: d.owner.clone(),
                about: String::new(),
                priority: Priority::Normal,
                score: urgency::total(&f, &weights),
                why: Vec::new(),
                factors: f,
            });
        }
        // Visibility: another team's items stay theirs (one's own need no record read).
        let access = self.access()?;
        if !access.sees_all() {
            let mut seen = Vec::with_capacity(out.len());
            for it in out {
                if access.owns(&it.assignee) || access.get(&it.id)?.is_some() {
                    seen.push(it);
                }
            }
            out = seen;
        }
        out.sort_by_cached_key(|it| (std::cmp::Reverse(score_key(it.score)), it.id.clone()));
        Ok(out)
    }

    /// Fills what [`Crm::agenda_ranked`] leaves empty: task titles, the "about" (contact, deal
    /// or company) and why each item scores what it does.
    pub fn fill_details(&self, items: &mut [AgendaItem]) -> Result<()> {
        let weights = *self.urgency_weights();
        for it in items.iter_mut() {
            it.why = urgency::score(&it.factors, &weights).1;
        }
        let label = |r: Ref| -> Result<String> {
            Ok(self
                .store()
                .get(&r)?
                .filter(|x| x.deleted().is_none())
                .map(|x| x.label().to_string())
                .unwrap_or_default())
        };
        for it in items.iter_mut().filter(|it| it.about.is_empty()) {
            match &it.id {
                Ref::Task(id) => {
                    let Some(Record::Task(t)) = self.store().get(&Ref::Task(*id))? else { continue };
                    it.title = t.title;
                    it.about = match (t.contact, t.deal) {
                        (Some(c), _) => label(Ref::Contact(c))?,
                        (None, Some(d)) => label(Ref::Deal(d))?,
                        (None, None) => String::new(),
                    };
                }
                Ref::Contact(id) => {
                    let Some(Record::Contact(c)) = self.store().get(&Ref::Contact(*id))? else { continue };
                    it.title = format!("Follow up with {} {}", c.name, it.title);
                    it.about = c.name;
                }
                Ref::Deal(id) => {
                    let Some(Record::Deal(d)) = self.store().get(&Ref::Deal(*id))? else { continue };
                    it.about = match (d.company, d.contact) {
                        (Some(co), _) => label(Ref::Company(co))?,
                        (None, Some(c)) => label(Ref::Contact(c))?,
                        (None, None) => String::new(),
                    };
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// An integer that orders like `f64::total_cmp`.
fn score_key(score: f64) -> i64 {
    let bits = score.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// Weighted value of a deal in major units (the urgency's "value at risk").
fn weighted_major(d: &Deal, pipeline: &Pipeline) -> i64 {
    let w = d.value.percent(crate::domain::report::probability(pipeline, d));
    w.minor / 10i64.pow(w.currency.decimals())
}

/// Weighted values of the open deals tasks link to, read once each.
#[derive(Default)]
struct DealValues(std::collections::HashMap<u64, i64>);

impl DealValues {
    fn get(&mut self, crm: &Crm, id: DealId) -> Result<i64> {
        if let Some(v) = self.0.get(&id.0) {
            return Ok(*v);
        }
        let pipeline = crm.store().pipeline();
        let v = match crm.store().get(&Ref::Deal(id))? {
            Some(Record::Deal(d))
                if d.deleted.is_none() && pipeline.get(&d.stage).is_none_or(|s| s.kind == StageKind::Open) =>
            {
                weighted_major(&d, pipeline)
            }
            _ => 0,
        };
        self.0.insert(id.0, v);
        Ok(v)
    }
}
