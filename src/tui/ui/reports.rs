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

/// An amount per currency in `width` columns: in full when it fits, else each currency rounded
/// (`€476k + £162k`), else as many rounded ones as fit and `+ …`; never cut in the middle of a
/// figure (`crm report` prints every figure in full).
fn fit_amounts(a: &Amounts, width: usize) -> String {
    let full = a.to_string();
    if Span::raw(full.as_str()).width() <= width {
        return full;
    }
    let short: Vec<String> = a
        .iter()
        .map(|m| {
            // The currency's own spelling around the digits: "€0" or "0 CHF".
            let zero = Money::new(0, m.currency).to_string();
            let (pre, post) = zero.split_once('0').unwrap_or(("", ""));
            format!("{pre}{}{post}", compact(major(m.minor, m.currency)))
        })
        .collect();
    let joined = short.join(" + ");
    if Span::raw(joined.as_str()).width() <= width {
        return joined;
    }
    let mut out = String::new();
    for part in &short {
        let next = if out.is_empty() { part.clone() } else { format!("{out} + {part}") };
        // Room is kept for the " + …" (four columns) that follows.
        if Span::raw(next.as_str()).width() + 4 > width {
            break;
        }
        out = next;
    }
    if out.is_empty() {
        "…".to_string()
    } else {
        format!("{out} + …")
    }
}

/// The width of each `Fill` column of a bordered table with `fixed` columns taking `fixed_sum`
/// and `fills` equal fill columns, one space between columns.
fn fill_width(area: Rect, fixed: usize, fixed_sum: u16, fills: usize) -> usize {
    let spacing = (fixed + fills).saturating_sub(1) as u16;
    (area.width.saturating_sub(2 + fixed_sum + spacing) as usize) / fills.max(1)
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
    let money = fill_width(area, 4, 12 + 5 + 8 + 6, 2);
    let rows: Vec<Row> = p
        .stages
        .iter()
        .map(|s| {
            let conv = p.conversions.iter().find(|c| c.from == s.name).map(|c| percent(c.rate)).unwrap_or_default();
            Row::new(vec![
                s.name.clone(),
                s.count.to_string(),
                fit_amounts(&s.total, money),
                fit_amounts(&s.weighted, money),
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
    let money = fill_width(area, 2, 8 + 5, 3);
    let mut rows: Vec<Row> = fc
        .months
        .iter()
        .chain(std::iter::once(&fc.total))
        .map(|m| {
            Row::new(vec![
                m.label.clone(),
                m.deals.to_string(),
                fit_amounts(&m.weighted, money),
                fit_amounts(&m.best_case, money),
                fit_amounts(&m.committed, money),
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
        let text = format!("Forecast · slipped: {} deals, ", fc.slipped.len());
        let room = (area.width as usize).saturating_sub(4 + Span::raw(text.as_str()).width());
        format!("{text}{}", fit_amounts(&fc.slipped_total, room))
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
    // The won column is as wide as its widest figure in full, within a third of the table;
    // the targets take the rest.
    let widest = a.reps.iter().chain([&a.everyone]).map(|k| Span::raw(k.won_value.to_string()).width()).max();
    let won_w = (widest.unwrap_or(0) as u16).clamp(8, (area.width / 3).max(10));
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
            fit_amounts(&k.won_value, won_w as usize),
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
        Constraint::Length(won_w),
        Constraint::Fill(1),
    ];
    let table = Table::new(rows, widths)
        .header(header(app, &["Rep", "Calls", "Meet", "Email", "Notes", "Tasks", "New", "W/L", "Won", "Targets"]))
        .block(block(app, "Activity per rep (tasks on time/late, new contacts, deals won/lost)".into()));
    f.render_widget(table, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(parts: &[(i64, &str)]) -> Amounts {
        let mut a = Amounts::default();
        for (major, code) in parts {
            let c = Currency::parse(code).expect("currency");
            a.add(Money::new(major * 10i64.pow(c.decimals()), c));
        }
        a
    }

    #[test]
    fn amounts_are_shortened_to_fit_never_cut_inside_a_figure() {
        let a = amounts(&[(475_730, "EUR"), (162_460, "GBP"), (232_070, "USD")]);
        assert_eq!(fit_amounts(&a, 40), "€475,730 + £162,460 + $232,070");
        assert_eq!(fit_amounts(&a, 24), "€475k + £162k + $232k");
        assert_eq!(fit_amounts(&a, 17), "€475k + £162k + …");
        assert_eq!(fit_amounts(&a, 16), "€475k + …");
        assert_eq!(fit_amounts(&a, 12), "€475k + …");
        assert_eq!(fit_amounts(&a, 3), "…");
        // A currency without a symbol keeps its code where Money puts it.
        let chf = amounts(&[(12_500, "CHF"), (3_000, "EUR")]);
        let short = fit_amounts(&chf, 16);
        assert!(short.contains("12k") && short.contains("CHF") && short.contains("€3.0k"), "{short}");
        assert_eq!(fit_amounts(&Amounts::default(), 10), "–");
    }
}
