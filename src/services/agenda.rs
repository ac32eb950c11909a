//! The agenda: everything that needs a rep's attention, most urgent first: open tasks,
//! follow-ups due by a contact's cadence, and deals gone stale. Shared by `crm agenda`,
//! `crm remind` and the TUI.

use super::{Crm, Result};
use crate::domain::agenda::TaskState;
use crate::domain::urgency::{self, Factors};
use crate::domain::*;
use crate::services::query::{DealQuery, TaskQuery, TaskScope};
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
    /// Why it ranks where it does: factor and points.
    pub why: Vec<(String, f64)>,
}

#[derive(Debug, Clone, Default)]
pub struct AgendaQuery {
    /// Whose agenda; None for everyone.
    pub assignee: Option<String>,
    /// Only overdue and today's items (for `crm remind`).
    pub due_only: bool,
    /// Look this many days ahead for upcoming items (default 7).
    pub horizon_days: Option<i64>,
}

/// Deals without any activity for this many days are stale even within their stage's limit.
pub const QUIET_DEAL_DAYS: i64 = 30;

fn day_of(t: Timestamp) -> chrono::NaiveDate {
    t.to_datetime().with_timezone(&chrono::Local).date_naive()
}

impl Crm {
    pub fn agenda(&self, q: &AgendaQuery) -> Result<Vec<AgendaItem>> {
        let weights = *self.urgency_weights();
        let now = self.now_local();
        let today = now.date_naive();
        let horizon = q.horizon_days.unwrap_or(7);
        let mine = |who: &str| q.assignee.as_deref().is_none_or(|a| a == who);
        let keep_state = |s: TaskState| match s {
            TaskState::Overdue | TaskState::Today => true,
            TaskState::Upcoming => !q.due_only,
            TaskState::Hidden | TaskState::Done => false,
        };
        let mut out = Vec::new();

        // Tasks, from the due index.
        let scope = if q.due_only { TaskScope::Today } else { TaskScope::Open };
        let mut tasks = self.tasks(&TaskQuery { scope, assignee: q.assignee.clone(), ..TaskQuery::default() })?;
        if q.due_only {
            tasks.extend(self.tasks(&TaskQuery {
                scope: TaskScope::Overdue,
                assignee: q.assignee.clone(),
                ..TaskQuery::default()
            })?);
        }
        let deal_values = self.deal_values()?;
        for t in tasks {
            let day = crate::domain::agenda::due_day(t.due, &chrono::Local);
            let in_days = (day - today).num_days();
            if !keep_state(t.state) || (t.state == TaskState::Upcoming && in_days > horizon) {
                continue;
            }
            let f = Factors {
                days_overdue: if t.state == TaskState::Overdue { (today - day).num_days().max(1) } else { 0 },
                due_in_days: (t.state != TaskState::Overdue).then_some(in_days),
                priority: t.priority,
                value_at_risk: t.deal_id.and_then(|d| deal_values.get(&d.0).copied()).unwrap_or(0),
                ..Factors::default()
            };
            let (score, why) = urgency::score(&f, &weights);
            let about = if t.contact.is_empty() { t.deal.clone() } else { t.contact.clone() };
            out.push(AgendaItem {
                kind: ItemKind::Task,
                id: Ref::Task(t.id),
                title: t.title,
                due: Some(t.due),
                state: t.state,
                assignee: t.assignee,
                about,
                priority: t.priority,
                score,
                why,
            });
        }

        // Follow-ups by cadence: due N days after the last call or meeting.
        let mut err = None;
        self.store().scan(EntityKind::Contact, &mut |r| {
            let Record::Contact(c) = r else { return true };
            let (Some(n), None) = (c.cadence_days, c.deleted) else { return true };
            if !mine(&c.owner) {
                return true;
            }
            let last = match self.last_touch(c.id) {
                Ok(l) => l,
                Err(e) => {
                    err = Some(e);
                    return false;
                }
            };
            let due_day = day_of(last.unwrap_or(c.created)) + chrono::Days::new(n as u64);
            let in_days = (due_day - today).num_days();
            let state = match in_days {
                d if d < 0 => TaskState::Overdue,
                0 => TaskState::Today,
                _ => TaskState::Upcoming,
            };
            if !keep_state(state) || in_days > horizon {
                return true;
            }
            let f = Factors {
                cadence_late_days: (-in_days).max(0),
                due_in_days: (in_days >= 0).then_some(in_days),
                ..Factors::default()
            };
            let (score, why) = urgency::score(&f, &weights);
            let since = last
                .map(|l| format!("last call or meeting {}", super::format::relative_days(l, &now)))
                .unwrap_or_else(|| "never called or met".into());
            out.push(AgendaItem {
                kind: ItemKind::FollowUp,
                id: Ref::Contact(c.id),
                title: format!("Follow up with {} (every {n} days; {since})", c.name),
                due: Some(Due::Day(Day(due_day))),
                state,
                assignee: c.owner.clone(),
                about: c.name.clone(),
                priority: Priority::Normal,
                score,
                why,
            });
            true
        })?;
        if let Some(e) = err {
            return Err(e);
        }

        // Stale deals: past their stage's limit, or quiet for QUIET_DEAL_DAYS.
        let pipeline = self.store().pipeline().clone();
        for d in self.deals(&DealQuery { open_only: true, owner: q.assignee.clone(), ..DealQuery::default() })? {
            let limit = pipeline.get(&d.stage).and_then(|s| s.stale_days).map(|l| l as i64);
            let over_limit = limit.map(|l| d.days_in_stage - l).filter(|o| *o > 0);
            let quiet =
                self.last_deal_activity(d.id)?.map(|t| day_of(self.now()).signed_duration_since(day_of(t)).num_days());
            let quiet_over = match quiet {
                Some(q) if q > QUIET_DEAL_DAYS => Some(q - QUIET_DEAL_DAYS),
                None if d.days_in_stage > QUIET_DEAL_DAYS => Some(d.days_in_stage - QUIET_DEAL_DAYS),
                _ => None,
            };
            let stale_days = over_limit.into_iter().chain(quiet_over).max();
            let Some(stale_days) = stale_days else { continue };
            let mut reasons = Vec::new();
            if let (Some(o), Some(l)) = (over_limit, limit) {
                reasons.push(format!("{} days in {}, limit {l}: {o} over", d.days_in_stage, d.stage_name));
            }
            if quiet_over.is_some() {
                match quiet {
                    Some(q) => reasons.push(format!("no activity for {q} days")),
                    None => reasons.push("no activity ever".into()),
                }
            }
            let reason = reasons.join("; ");
            let f = Factors {
                stale_days,
                value_at_risk: d.weighted.minor / 10i64.pow(d.weighted.currency.decimals()),
                ..Factors::default()
            };
            let (score, why) = urgency::score(&f, &weights);
            out.push(AgendaItem {
                kind: ItemKind::Stale,
                id: Ref::Deal(d.id),
                title: format!("Stale deal: {} ({reason})", d.title),
                due: None,
                state: TaskState::Overdue,
                assignee: d.owner.clone(),
                about: if d.company.is_empty() { d.contact.clone() } else { d.company.clone() },
                priority: Priority::Normal,
                score,
                why,
            });
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The last call or meeting with a contact (what resets a follow-up cadence).
    fn last_touch(&self, id: ContactId) -> Result<Option<Timestamp>> {
        let keys = self.store().index_keys(
            Tree::ActivityByContact,
            crate::store::engine::prefix_range(&keys::id(id.0)),
            true,
            usize::MAX,
        )?;
        for k in keys {
            let Some(aid) = keys::trailing_id(&k) else { continue };
            if let Some(Record::Activity(a)) = self.store().get(&Ref::Activity(ActivityId(aid)))? {
                if matches!(a.kind, ActivityKind::Call | ActivityKind::Meeting) {
                    return Ok(Some(a.at));
                }
            }
        }
        Ok(None)
    }

    fn last_deal_activity(&self, id: DealId) -> Result<Option<Timestamp>> {
        let k = self.store().index_keys(
            Tree::ActivityByDeal,
            crate::store::engine::prefix_range(&keys::id(id.0)),
            true,
            1,
        )?;
        Ok(k.first().and_then(|k| k.get(8..16)).and_then(keys::time_from).map(Timestamp))
    }

    /// Weighted value (major units) of every open deal, for "value at risk".
    fn deal_values(&self) -> Result<std::collections::HashMap<u64, i64>> {
        Ok(self
            .deals(&DealQuery { open_only: true, ..DealQuery::default() })?
            .into_iter()
            .map(|d| (d.id.0, d.weighted.minor / 10i64.pow(d.weighted.currency.decimals())))
            .collect())
    }
}
