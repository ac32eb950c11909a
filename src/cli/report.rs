//! `crm report pipeline|forecast|activity|team`: the figures of docs/reports.md as a table for
//! people, CSV (the main table) or JSON (everything).

use super::output::{table, Format, Out};
use crate::api::Client;
use crate::domain::report::{Amounts, Conversion, ForecastLine, Progress, RepKpis, TeamLine};
use crate::services::report::{ReportQuery, ResolvedPeriod, Span};
use crate::services::ServiceError;
use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    /// Deals per stage, conversion, win rate, sales cycle
    Pipeline,
    /// Expected revenue by close month: weighted, best case, committed; slipped deals
    Forecast,
    /// Calls, meetings, emails, notes, tasks, new contacts, deals won and lost, targets
    Activity,
    /// One line per rep: open pipeline and what they did in the period
    Team,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Which report
    pub kind: ReportKind,
    /// First day of the period ("2026-11-01", "-30d", "monday")
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day of the period (included)
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// This week, month or quarter, or all of time (instead of --from/--to)
    #[arg(long, value_name = "week|month|quarter|all", conflicts_with_all = ["from", "to"])]
    pub period: Option<String>,
    /// One rep's figures (a login, or "me"); everyone's when left out
    #[arg(long, value_name = "USER")]
    pub owner: Option<String>,
}

/// What JSON output holds: the report, its period and owner.
#[derive(Serialize)]
struct Json<'a, T: Serialize> {
    report: &'static str,
    period: &'a ResolvedPeriod,
    owner: Option<&'a str>,
    #[serde(flatten)]
    data: &'a T,
}

pub fn run(crm: &Client, a: ReportArgs, out: &Out) -> Result<()> {
    let span = match (&a.period, &a.from, &a.to) {
        (Some(p), _, _) => Span::parse(p).map_err(ServiceError::Invalid)?,
        (None, None, None) => Span::Default,
        (None, from, to) => Span::Custom { from: from.clone(), to: to.clone() },
    };
    let q = ReportQuery { span, owner: a.owner.clone() };
    // A report has no ids to print: -q changes nothing.
    let out = &Out { format: out.format, quiet: false };
    let owner = crm.report_owner(q.owner.clone())?;
    let who = owner.clone().unwrap_or_else(|| "everyone".into());
    let csv = out.format == Format::Csv;
    let money = |a: &Amounts| -> String {
        if csv {
            a.iter().map(|m| format!("{} {}", m.plain(), m.currency)).collect::<Vec<_>>().join("; ")
        } else {
            a.to_string()
        }
    };
    match a.kind {
        ReportKind::Pipeline => {
            let (p, r) = crm.report_pipeline(q.clone())?;
            if out.format == Format::Json {
                return out.card(
                    &Json { report: "pipeline", period: &p, owner: owner.as_deref(), data: &r },
                    "",
                    String::new,
                );
            }
            let headers = ["stage", "kind", "deals", "total", "weighted", "visits", "avg days", "conversion to next"];
            let rows: Vec<Vec<String>> = r
                .stages
                .iter()
                .map(|s| {
                    let conv = r.conversions.iter().find(|c| c.from == s.name);
                    vec![
                        s.name.clone(),
                        format!("{:?}", s.kind).to_lowercase(),
                        s.count.to_string(),
                        money(&s.total),
                        money(&s.weighted),
                        s.visits.to_string(),
                        days(s.avg_days),
                        match conv {
                            Some(c) if csv => c.rate.map(|r| format!("{r:.4}")).unwrap_or_default(),
                            Some(c) => conversion(c),
                            None => String::new(),
                        },
                    ]
                })
                .collect();
            if csv {
                return out.rows(&headers, &rows);
            }
            let mut text = format!("Pipeline — {who}, {}\n\n", p.label);
            text.push_str(&table(&headers, &rows));
            text.push_str(&format!(
                "\nOpen: {} deals, {} (weighted {})\nClosed in the period: {} won ({}), {} lost ({}); win rate {}; average sales cycle {}\n",
                r.open,
                r.open_total,
                r.open_weighted,
                r.won,
                r.won_value,
                r.lost,
                r.lost_value,
                percent(r.win_rate),
                days_long(r.avg_cycle_days),
            ));
            if owner.is_none() && !r.by_owner.is_empty() {
                let rows: Vec<Vec<String>> = r
                    .by_owner
                    .iter()
                    .map(|o| {
                        vec![
                            o.owner.clone(),
                            o.open.to_string(),
                            o.open_total.to_string(),
                            o.open_weighted.to_string(),
                            o.won.to_string(),
                            o.lost.to_string(),
                            o.won_value.to_string(),
                            percent(o.win_rate),
                            days(o.avg_cycle_days),
                        ]
                    })
                    .collect();
                text.push_str("\nBy owner\n");
                text.push_str(&table(
                    &["owner", "open", "open total", "weighted", "won", "lost", "won value", "win rate", "cycle days"],
                    &rows,
                ));
            }
            out.card(&(), "", || text)
        }
        ReportKind::Forecast => {
            let (p, r) = crm.report_forecast(q.clone())?;
            if out.format == Format::Json {
                return out.card(
                    &Json { report: "forecast", period: &p, owner: owner.as_deref(), data: &r },
                    "",
                    String::new,
                );
            }
            let headers = ["month", "deals", "weighted", "best case", "committed"];
            let line = |l: &ForecastLine| {
                vec![l.label.clone(), l.deals.to_string(), money(&l.weighted), money(&l.best_case), money(&l.committed)]
            };
            let mut rows: Vec<Vec<String>> = r.months.iter().map(line).collect();
            rows.push(line(&r.total));
            if csv {
                return out.rows(&headers, &rows);
            }
            let pipeline = crm.pipeline()?;
            let committed: Vec<String> = r
                .committed_stages
                .iter()
                .map(|k| pipeline.get(k).map(|s| s.name.clone()).unwrap_or_else(|| k.clone()))
                .collect();
            let mut text = format!(
                "Forecast — {who}, open deals closing {}; committed: {}\n\n",
                if p.first.is_none() && p.last.is_none() { "any time".to_string() } else { p.label.clone() },
                if committed.is_empty() { "–".to_string() } else { committed.join(", ") }
            );
            text.push_str(&table(&headers, &rows));
            if r.slipped.is_empty() {
                text.push_str("\nNo slipped deals.\n");
            } else {
                text.push_str(&format!(
                    "\nSlipped (expected close before today, still open): {} deals, {}\n",
                    r.slipped.len(),
                    r.slipped_total
                ));
                let rows: Vec<Vec<String>> = r
                    .slipped
                    .iter()
                    .map(|s| {
                        vec![
                            s.id.to_string(),
                            s.title.clone(),
                            s.owner.clone(),
                            s.stage.clone(),
                            s.close.to_string(),
                            s.days_late.to_string(),
                            s.value.to_string(),
                        ]
                    })
                    .collect();
                text.push_str(&table(&["id", "deal", "owner", "stage", "close", "days late", "value"], &rows));
            }
            if owner.is_none() && !r.by_owner.is_empty() {
                let rows: Vec<Vec<String>> = r.by_owner.iter().map(line).collect();
                text.push_str("\nBy owner\n");
                text.push_str(&table(&["owner", "deals", "weighted", "best case", "committed"], &rows));
            }
            out.card(&(), "", || text)
        }
        ReportKind::Activity => {
            let (p, r) = crm.report_activity(q.clone())?;
            if out.format == Format::Json {
                return out.card(
                    &Json { report: "activity", period: &p, owner: owner.as_deref(), data: &r },
                    "",
                    String::new,
                );
            }
            let headers = [
                "rep",
                "calls",
                "meetings",
                "emails",
                "notes",
                "tasks on time",
                "tasks late",
                "tasks overdue",
                "new contacts",
                "won",
                "lost",
                "won value",
            ];
            let line = |k: &RepKpis| {
                vec![
                    k.rep.clone(),
                    k.calls.to_string(),
                    k.meetings.to_string(),
                    k.emails.to_string(),
                    k.notes.to_string(),
                    k.tasks_on_time.to_string(),
                    k.tasks_late.to_string(),
                    k.tasks_overdue.to_string(),
                    k.new_contacts.to_string(),
                    k.deals_won.to_string(),
                    k.deals_lost.to_string(),
                    money(&k.won_value),
                ]
            };
            let mut rows: Vec<Vec<String>> = r.reps.iter().map(line).collect();
            if owner.is_none() {
                rows.push(line(&r.everyone));
            }
            if csv {
                return out.rows(&headers, &rows);
            }
            let mut text = format!("Activity — {who}, {}\n\n", p.label);
            text.push_str(&table(&headers, &rows));
            let targets: Vec<Vec<String>> =
                r.reps.iter().flat_map(|k| k.targets.iter().map(|t| target_row(&k.rep, t))).collect();
            if !targets.is_empty() {
                text.push_str("\nTargets\n");
                text.push_str(&table(&["rep", "target", "for the period", "actual", "progress"], &targets));
            } else if r.period.days().is_none() {
                text.push_str("\n(Targets need a period with both ends.)\n");
            }
            out.card(&(), "", || text)
        }
        ReportKind::Team => {
            let (p, r) = crm.report_team(q.clone())?;
            if out.format == Format::Json {
                return out.card(
                    &Json { report: "team", period: &p, owner: owner.as_deref(), data: &r },
                    "",
                    String::new,
                );
            }
            let headers = [
                "rep",
                "open deals",
                "open total",
                "weighted",
                "committed",
                "won",
                "lost",
                "won value",
                "win rate",
                "activities",
                "tasks on time",
                "tasks late",
                "new contacts",
            ];
            let line = |l: &TeamLine| {
                vec![
                    l.rep.clone(),
                    l.open_deals.to_string(),
                    money(&l.open_total),
                    money(&l.open_weighted),
                    money(&l.committed),
                    l.won.to_string(),
                    l.lost.to_string(),
                    money(&l.won_value),
                    if csv { l.win_rate.map(|x| format!("{x:.4}")).unwrap_or_default() } else { percent(l.win_rate) },
                    l.activities.to_string(),
                    l.tasks_on_time.to_string(),
                    l.tasks_late.to_string(),
                    l.new_contacts.to_string(),
                ]
            };
            let mut rows: Vec<Vec<String>> = r.reps.iter().map(line).collect();
            if owner.is_none() {
                rows.push(line(&r.everyone));
            }
            if csv {
                return out.rows(&headers, &rows);
            }
            let mut text = format!("Team — {who}, {} (open deals as of today)\n\n", p.label);
            text.push_str(&table(&headers, &rows));
            out.card(&(), "", || text)
        }
    }
}

fn percent(x: Option<f64>) -> String {
    x.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_else(|| "–".into())
}

fn days(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into())
}

fn days_long(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1} days")).unwrap_or_else(|| "–".into())
}

fn conversion(c: &Conversion) -> String {
    match c.rate {
        Some(r) => format!("{:.0}% to {} ({}/{})", r * 100.0, c.to, c.reached_to, c.reached_from),
        None => format!("– to {}", c.to),
    }
}

fn target_row(rep: &str, t: &Progress) -> Vec<String> {
    vec![
        rep.to_string(),
        format!("{} {} per {}", fmt_num(t.rate), t.metric.name().replace('_', " "), t.per.name()),
        fmt_num(t.target),
        fmt_num(t.actual),
        percent(t.progress),
    ]
}

/// 20, 85.7: whole numbers without decimals.
fn fmt_num(x: f64) -> String {
    if (x - x.round()).abs() < 0.05 {
        format!("{:.0}", x.round())
    } else {
        format!("{x:.1}")
    }
}
