//! The pipeline pane: one column per stage (scrolling sideways when they do not fit), or a
//! deal's card.

use super::{clip, width_of};
use crate::domain::{Money, StageKind};
use crate::services::format;
use crate::tui::app::App;
use crate::tui::theme::Role;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

const MIN_COLUMN: u16 = 26;

/// Totals and weighted totals per currency (never summed across currencies), in order.
/// A column's header: per currency, the total and the weighted total; on one line when every
/// visible column has room for that (`one_line`), else on two, so that the columns line up and no
/// figure is ever cut off.
fn header_lines(sums: &[(Money, Money)], width: usize, one_line: bool) -> Vec<(String, String)> {
    if sums.is_empty() {
        return vec![("Σ 0".into(), String::new())];
    }
    let mut out = Vec::new();
    for (total, weighted) in sums {
        let t = format!("Σ {total}");
        let w = format!(" · weighted {weighted}");
        if one_line && width_of(&t) + width_of(&w) <= width {
            out.push((t, w));
        } else {
            out.push((t, String::new()));
            out.push((String::new(), format!("  weighted {weighted}")));
        }
    }
    out
}

/// Whether every visible column's totals fit on one line per currency.
fn one_line_totals(columns: &[&[(Money, Money)]], width: usize) -> bool {
    columns.iter().all(|c| header_lines(c, width, true).len() == c.len().max(1))
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    if let Some(card) = &app.pipeline.card {
        draw_card(f, app, area, card);
        return;
    }
    let pane = &app.pipeline;
    let t = &app.theme;
    let (t_value, t_dim) = (t.style(Role::Value), t.style(Role::Dim));
    let Some(data) = &pane.data else {
        f.render_widget(Paragraph::new("Loading the pipeline…").style(t.style(Role::Dim)), area);
        return;
    };
    // The filter line, when it is typed or filtering, above the board.
    let area = if pane.filter.is_shown() {
        let [line, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        let count = format!("{} of {} deals", pane.shown.len(), data.deals.len());
        f.render_widget(super::filter_line::line(app, &pane.filter, count), line);
        rest
    } else {
        area
    };
    let n = data.stages.len().max(1);
    let fit = ((area.width / MIN_COLUMN) as usize).clamp(1, n);
    // Scroll so that the selected column is visible.
    let first = pane.column.saturating_sub(fit - 1).min(n - fit);
    let cols = Layout::horizontal(vec![Constraint::Ratio(1, fit as u32); fit]).split(area);
    // How the totals are laid out, the same for every visible column (worked out once, for the
    // first column's width less one: the columns differ by one at most).
    let mut layout: Option<(bool, u16)> = None;
    for (slot, c) in (first..first + fit).enumerate() {
        let stage = &data.stages[c];
        let deals = pane.column_deals(c);
        let selected_col = c == pane.column;
        let left = if slot == 0 && first > 0 { "◂ " } else { "" };
        let right = if slot + 1 == fit && first + fit < n { " ▸" } else { "" };
        let title = format!(" {left}{} ({}){right} ", stage.name, deals.len());
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.style(if selected_col { Role::BorderFocus } else { Role::Border }))
            .title(Span::styled(title, t.style(Role::Title)));
        let inner_all = block.inner(cols[slot]);
        f.render_widget(block, cols[slot]);
        // The totals, per currency; as tall as the tallest visible header so the cards line up.
        let width = inner_all.width as usize;
        let (one_line, head_height) = *layout.get_or_insert_with(|| {
            let visible: Vec<&[(Money, Money)]> = (first..first + fit).map(|c| pane.column_totals(c)).collect();
            let one_line = one_line_totals(&visible, width.saturating_sub(1));
            let height = visible.iter().map(|c| header_lines(c, width, one_line).len()).max().unwrap_or(1);
            (one_line, height.min(inner_all.height as usize / 2) as u16)
        });
        let heads = header_lines(pane.column_totals(c), width, one_line);
        let [head, inner] = Layout::vertical([Constraint::Length(head_height), Constraint::Min(0)]).areas(inner_all);
        f.render_widget(
            Paragraph::new(
                heads
                    .into_iter()
                    .map(|(t, w)| Line::from(vec![Span::styled(t, t_value), Span::styled(w, t_dim)]))
                    .collect::<Vec<_>>(),
            ),
            head,
        );
        let per_card = 3u16;
        let visible = (inner.height / per_card).max(1) as usize;
        let sel = pane.rows.get(c).copied().unwrap_or(0);
        let offset = sel.saturating_sub(visible - 1);
        let mut lines: Vec<Line> = Vec::new();
        for (i, d) in deals.iter().enumerate().skip(offset).take(visible) {
            let is_sel = selected_col && i == sel;
            let base = if is_sel { t.style(Role::ListSelected) } else { t.style(Role::Text) };
            let stale = stage.kind == StageKind::Open && stage.stale_days.is_some_and(|s| d.days_in_stage > s as i64);
            // The marks come first on the second line so that a narrow column never cuts them.
            let mut second = vec![Span::raw("  ")];
            let mut used = 2;
            if data.overdue.contains(&d.id) {
                second.push(Span::styled("! task ", t.style(Role::Overdue)));
                used += 7;
            }
            if stale {
                second.push(Span::styled("stale ", t.style(Role::Stale)));
                used += 6;
            }
            lines.push(Line::styled(clip(&format!("{} {}", d.id, d.title), width), base));
            let company = if d.company.is_empty() { "—" } else { &d.company };
            second.push(Span::styled(clip(company, width.saturating_sub(used)), t.style(Role::Dim)));
            lines.push(Line::from(second));
            let value_role = match stage.kind {
                StageKind::Won => Role::Won,
                StageKind::Lost => Role::Lost,
                StageKind::Open => Role::Value,
            };
            let value = format!("  {}", d.value);
            let days = format!(" · {}d in stage", d.days_in_stage);
            let days =
                if width_of(&value) + width_of(&days) <= width { days } else { format!(" · {}d", d.days_in_stage) };
            lines.push(Line::from(vec![
                Span::styled(value, t.style(value_role)),
                Span::styled(days, t.style(Role::Dim)),
            ]));
        }
        if deals.is_empty() {
            lines.push(Line::styled("  (no deals)", t.style(Role::Dim)));
        }
        f.render_widget(Paragraph::new(lines), inner);
    }
}

fn draw_card(f: &mut Frame, app: &App, area: Rect, card: &crate::services::query::DealCard) {
    let t = &app.theme;
    let d = &card.deal;
    let mut lines = Vec::new();
    let field = |lines: &mut Vec<Line>, label: &str, value: String| {
        if !value.is_empty() {
            lines.push(Line::from(vec![
                Span::styled(format!("{label:<13}"), t.style(Role::FieldLabel)),
                Span::styled(value, t.style(Role::Text)),
            ]));
        }
    };
    field(&mut lines, "Stage", format!("{} for {} days", d.stage_name, d.days_in_stage));
    field(&mut lines, "Value", format!("{} × {}% = {}", d.value, d.probability, d.weighted));
    field(&mut lines, "Company", d.company_id.map(|i| format!("{} ({i})", d.company)).unwrap_or_default());
    field(&mut lines, "Contact", d.contact_id.map(|i| format!("{} ({i})", d.contact)).unwrap_or_default());
    field(&mut lines, "Close", d.close.map(|c| c.to_string()).unwrap_or_default());
    field(&mut lines, "Owner", d.owner.clone());
    field(&mut lines, "Reason", card.reason.clone());
    field(&mut lines, "Notes", card.notes.clone());
    lines.push(Line::raw(""));
    lines.push(Line::styled("Stage history", t.style(Role::Header)));
    let stages = app.pipeline.data.as_ref().map(|p| p.stages.clone()).unwrap_or_default();
    for h in &card.history {
        let name = stages.iter().find(|s| s.key == h.stage).map(|s| s.name.clone()).unwrap_or_else(|| h.stage.clone());
        lines.push(Line::from(vec![
            Span::styled(format!("  {}  ", format::time(h.at)), t.style(Role::Dim)),
            Span::styled(name, t.style(Role::Text)),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!("Tasks ({})", card.tasks.len()), t.style(Role::Header)));
    for task in &card.tasks {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<6}", task.id.to_string()), t.style(Role::Dim)),
            Span::styled(format!("{:<17}", format::due(task.due)), super::reminders::state_style(app, task.state)),
            Span::styled(task.title.clone(), t.style(Role::Text)),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!("Activities ({})", card.activities.len()), t.style(Role::Header)));
    for a in &card.activities {
        lines.push(Line::from(vec![
            Span::styled(format!("  {}  ", format::time(a.at)), t.style(Role::Dim)),
            Span::styled(format!("{:<8}", a.kind.to_string()), t.style(Role::Tag)),
            Span::styled(format!("{} — {}", a.summary, a.contact), t.style(Role::Text)),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(format!(" {} · {} ", d.title, d.id), t.style(Role::Title)));
    f.render_widget(Paragraph::new(lines).scroll((app.pipeline.card_scroll, 0)).block(block), area);
}
