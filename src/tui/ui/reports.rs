//! The Reports pane: three bar charts (the pipeline by stage, the forecast by month, activity
//! per week) over the tables of the figures. Tall terminals also get the stage and forecast
//! tables; every size gets the KPI table per rep.

use crate::domain::report::{Amounts, RepKpis};
use crate::domain::{Currency, Money};
use crate::services::report::ReportBundle;
use crate::tui::app::App;
use crate::tui::theme::Role;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Row, Table};
use ratatui::Frame;

/// Height from which the stage and forecast tables are shown too.
const TALL: u16 = 36;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let pane = &app.reports;
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let who = pane.owner.clone().unwrap_or_else(|| "everyone".into());
    let Some(data) = &pane.data else {
        let text = if pane.loading { "Loading the reports…" } else { "No report loaded." };
        f.render_widget(Paragraph::new(text).style(t.style(Role::Dim)), body);
        return;
    };
    let mut spans = vec![
        Span::styled(" Reports ", t.style(Role::Title)),
        Span::styled(format!("· {} · {who}", data.period.label), t.style(Role::Text)),
    ];
    if pane.loading {
        spans.push(Span::styled(" · loading…", t.style(Role::Dim)));
    }
    f.render_widget(Line::from(spans), head);

    let tall = body.height >= TALL;
    let chart_h = if tall { 14 } else { 9 };
    let [charts, summary, rest] =
        Layout::vertical([Constraint::Length(chart_h), Constraint::Length(1), Constraint::Min(0)]).areas(body);
    let [c1, c2, c3] = Layout::horizontal([Constraint::Ratio(1, 3); 3]).areas(charts);
    pipeline_chart(f, app, data, c1);
    forecast_chart(f, app, data, c2);
    activity_chart(f, app, data, c3);
    summary_line(f, app, data, summary);
    if tall {
        let [tables, kpis] = Layout::vertical([Constraint::Length(10), Constraint::Min(0)]).areas(rest);
        let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(tables);
        stage_table(f, app, data, left);
        forecast_table(f, app, data, right);
        kpi_table(f, app, data, kpis);
    } else {
        kpi_table(f, app, data, rest);
    }
}

fn block<'a>(app: &App, title: String) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.style(Role::Border))
        .title(Span::styled(format!(" {title} "), app.theme.style(Role::Title)))
}

/// `12`, `3.4k`, `1.2M`: short enough for a bar.
fn compact(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=9_999 => format!("{:.1}k", n as f64 / 1e3),
        10_000..=999_999 => format!("{}k", n / 1_000),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// Bar width and gap so that `n` bars fill `width` columns.
fn bar_width(width: u16, n: usize) -> (u16, u16) {
    let n = n.max(1) as u16;
    let gap = 1;
    let w = (width.saturating_sub(gap * (n - 1)) / n).clamp(1, 12);
    (w, gap)
}

fn chart<'a>(app: &App, title: String, bars: Vec<Bar<'a>>, area: Rect) -> BarChart<'a> {
    let t = &app.theme;
    let (w, gap) = bar_width(area.width.saturating_sub(2), bars.len());
    BarChart::default()
        .block(block(app, title))
        .data(BarGroup::default().bars(&bars))
        .bar_width(w)
        .bar_gap(gap)
        .bar_style(t.style(Role::Value))
        .value_style(t.style(Role::ListSelected))
        .label_style(t.style(Role::Dim))
}

fn label(text: &str, width: u16) -> String {
    text.chars().take(width.max(1) as usize).collect()
}

/// Deals per stage: open ones now, won and lost ones closed in the period.
fn pipeline_chart(f: &mut Frame, app: &App, data: &ReportBundle, area: Rect) {
    let stages = &data.pipeline.stages;
    let (w, _) = bar_width(area.width.saturating_sub(2), stages.len());
    let bars: Vec<Bar> = stages
        .iter()
        .map(|s| {
            Bar::default()
                .value(s.count as u64)
                .text_value(compact(s.count as u64))
                .label(Line::from(label(&s.name, w)))
        })
        .collect();
    f.render_widget(chart(app, "Pipeline: deals by stage".into(), bars, area), area);
}

/// The currency with the largest best case: the one the forecast chart draws (the table
/// beside it lists every currency).
fn main_currency(a: &Amounts) -> Option<Currency> {
    a.iter().max_by_key(|m| m.minor).map(|m| m.currency)
}

/// Whole major units of an amount (for bar heights).
fn major(minor: i64, c: Currency) -> u64 {
    (minor.max(0) as u64) / 10u64.pow(c.decimals())
}

fn forecast_chart(f: &mut Frame, app: &App, data: &ReportBundle, area: Rect) {
    let fc = &data.forecast;
    let Some(cur) = main_currency(&fc.total.best_case) else {
        f.render_widget(
            Paragraph::new("No open deals.").style(app.theme.style(Role::Dim)).block(block(app, "Forecast".into())),
            area,
        );
        return;
    };
    let months: Vec<_> = fc.months.iter().filter(|m| m.label != "no date").collect();
    let (w, _) = bar_width(area.width.saturating_sub(2), months.len());
    let bars: Vec<Bar> = months
        .iter()
        .map(|m| {
            let v = major(m.weighted.get(cur), cur);
            // "2026-12" → "12/26" when narrow.
            let text = if w >= 7 { m.label.clone() } else { format!("{}/{}", &m.label[5..], &m.label[2..4]) };
            Bar::default().value(v).text_value(compact(v)).label(Line::from(label(&text, w)))
        })
        .collect();
    let others = fc.total.best_case.currencies().count() > 1;
    let title = format!("Forecast: weighted, {cur}{}", if others { " (+ others)" } else { "" });
    f.render_widget(chart(app, title, bars, area), area);
}

fn activity_chart(f: &mut Frame, app: &App, data: &ReportBundle, area: Rect) {
    let weeks = &data.activity.weeks;
    if weeks.is_empty() {
        f.render_widget(
            Paragraph::new("No activities in the period.")
                .style(app.theme.style(Role::Dim))
                .block(block(app, "Activities per week".into())),
            area,
        );
        return;
    }
    let (w, _) = bar_width(area.width.saturating_sub(2), weeks.len());
    let bars: Vec<Bar> = weeks
        .iter()
        .map(|wk| {
            let text = wk.week.0.format(if w >= 5 { "%m-%d" } else { "%d" }).to_string();
            Bar::default()
                .value(wk.total() as u64)
                .text_value(compact(wk.total() as u64))
                .label(Line::from(label(&text, w)))
        })
        .collect();
    f.render_widget(chart(app, "Activities per week".into(), bars, area), area);
}

fn percent(x: Option<f64>) -> String {
    x.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_else(|| "–".into())
}

fn summary_line(f: &mut Frame, app: &App, data: &ReportBundle, area: Rect) {
    let t = &app.theme;
    let p = &data.pipeline;
    let cycle = p.avg_cycle_days.map(|d| format!("{d:.0} days")).unwrap_or_else(|| "–".into());
    let slipped = data.forecast.slipped.len();
    // Most telling first; what does not fit is left out whole.
    let mut parts =
        vec![(format!(" Open {} ", p.open), Role::Text), (format!("· weighted {} ", p.open_weighted), Role::Value)];
    if slipped > 0 {
        parts.push((format!("· {slipped} slipped "), Role::Overdue));
    }
    parts.push((format!("· won {} lost {} · win rate {} ", p.won, p.lost, percent(p.win_rate)), Role::Text));
    parts.push((format!("· cycle {cycle} "), Role::Text));
    let mut used = 0;
    let mut spans = Vec::new();
    for (text, role) in parts {
        let w = Span::raw(text.as_str()).width();
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(text, t.style(role)));
    }
    f.render_widget(Line::from(spans), area);
}

fn header<'a>(app: &App, cells: &[&'a str]) -> Row<'a> {
    Row::new(cells.iter().map(|c| c.to_string())).style(app.theme.style(Role::Header))
}

fn stage_table(f: &mut Frame, app: &App, data: &ReportBundle, area: Rect) {
    let p = &data.pipeline;
    let rows: Vec<Row> = p
        .stages
        .iter()
        .map(|s| {
            let conv = p.conversions.iter().find(|c| c.from == s.name).map(|c| percent(c.rate)).unwrap_or_default();
            Row::new(vec![
                s.name.clone(),
                s.count.to_string(),
                s.total.to_string(),
                s.weighted.to_string(),
                s.avg_days.map(|d| format!("{d:.1}")).unwrap_or_else(|| "–".into()),
                conv,
            ])
            .style(app.theme.style(Role::Text))
        })
        .collect();
    let widths = [
        Constraint::Length(12),
        Constraint::Length(5),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(6),
    ];
    let table = Table::new(rows, widths)
        .header(header(app, &["Stage", "Deals", "Total", "Weighted", "Avg days", "→ next"]))
        .block(block(app, "Pipeline".into()));
    f.render_widget(table, area);
}

fn forecast_table(f: &mut Frame, app: &App, data: &ReportBundle, area: Rect) {
    let fc = &data.forecast;
    let mut rows: Vec<Row> = fc
        .months
        .iter()
        .chain(std::iter::once(&fc.total))
        .map(|m| {
            Row::new(vec![
                m.label.clone(),
                m.deals.to_string(),
                m.weighted.to_string(),
                m.best_case.to_string(),
                m.committed.to_string(),
            ])
            .style(app.theme.style(Role::Text))
        })
        .collect();
    if let Some(last) = rows.pop() {
        rows.push(last.style(app.theme.style(Role::Title)));
    }
    let widths =
        [Constraint::Length(8), Constraint::Length(5), Constraint::Fill(1), Constraint::Fill(1), Constraint::Fill(1)];
    let title = if fc.slipped.is_empty() {
        "Forecast".to_string()
    } else {
        format!("Forecast · slipped: {} deals, {}", fc.slipped.len(), fc.slipped_total)
    };
    let table = Table::new(rows, widths)
        .header(header(app, &["Month", "Deals", "Weighted", "Best case", "Committed"]))
        .block(block(app, title));
    f.render_widget(table, area);
}

/// Progress against each target: `calls 12/20 60%`.
fn targets(k: &RepKpis) -> String {
    k.targets
        .iter()
        .map(|t| {
            format!("{} {:.0}/{:.0} {}", t.metric.name().replace('_', " "), t.actual, t.target, percent(t.progress))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn kpi_table(f: &mut Frame, app: &App, data: &ReportBundle, area: Rect) {
    let a = &data.activity;
    let line = |k: &RepKpis, style: Role| {
        Row::new(vec![
            k.rep.clone(),
            k.calls.to_string(),
            k.meetings.to_string(),
            k.emails.to_string(),
            k.notes.to_string(),
            format!("{}/{}", k.tasks_on_time, k.tasks_late),
            k.new_contacts.to_string(),
            format!("{}/{}", k.deals_won, k.deals_lost),
            k.won_value.iter().map(won).collect::<Vec<_>>().join(" + "),
            targets(k),
        ])
        .style(app.theme.style(style))
    };
    let mut rows: Vec<Row> = a.reps.iter().map(|k| line(k, Role::Text)).collect();
    if data.owner.is_none() {
        rows.push(line(&a.everyone, Role::Title));
    }
    let widths = [
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(10),
        Constraint::Fill(1),
    ];
    let table = Table::new(rows, widths)
        .header(header(app, &["Rep", "Calls", "Meet", "Email", "Notes", "Tasks", "New", "W/L", "Won", "Targets"]))
        .block(block(app, "Activity per rep (tasks on time/late, new contacts, deals won/lost)".into()));
    f.render_widget(table, area);
}

fn won(m: Money) -> String {
    m.to_string()
}
