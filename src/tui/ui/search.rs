//! The search palette: the query, then the results, best first, matched letters highlighted,
//! each with its type.

use super::{centered, modal_block};
use crate::tui::app::App;
use crate::tui::panes::search::{kind_label, Palette};
use crate::tui::theme::Role;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect, p: &Palette) {
    let t = &app.theme;
    let r = centered(area, area.width.saturating_sub(8).min(110), area.height.saturating_sub(4));
    f.render_widget(Clear, r);
    let mut lines = vec![Line::from(vec![
        Span::styled("/ ", t.style(Role::HintKey)),
        Span::styled(p.input.value.clone(), t.style(Role::FieldActive)),
    ])];
    let status = match &app.search_index {
        None => "building the search index…".to_string(),
        Some(_) if p.input.value.trim().is_empty() => {
            "type a few letters; @ companies, $ deals, ! tasks, #tag".to_string()
        }
        Some(_) if p.hits.is_empty() => "no match".to_string(),
        Some(i) => format!("{} best of {} records", p.hits.len(), i.len()),
    };
    lines.push(Line::styled(status, t.style(Role::Dim)));
    let room = r.height.saturating_sub(4) as usize;
    let offset = p.selected.saturating_sub(room.saturating_sub(1));
    for (i, hit) in p.hits.iter().enumerate().skip(offset).take(room) {
        let base = if i == p.selected { t.style(Role::ListSelected) } else { t.style(Role::Text) };
        let mut spans = vec![
            Span::styled(format!("{:<8}", kind_label(hit.kind)), t.style(Role::Tag)),
            Span::styled(format!("{:<6} ", hit.id.to_string()), t.style(Role::Dim)),
        ];
        for (ci, ch) in hit.label.chars().enumerate() {
            let style = if hit.highlight.contains(&(ci as u32)) { t.style(Role::Match) } else { base };
            spans.push(Span::styled(ch.to_string(), style));
        }
        spans.push(Span::styled(format!("  {}", hit.detail), t.style(Role::Dim)));
        lines.push(Line::from(spans).style(base));
    }
    f.render_widget(Paragraph::new(lines).block(modal_block(app, "Search")), r);
    let x = r.x + 3 + p.input.value.chars().take(p.input.cursor).count() as u16;
    if x < r.right() {
        f.set_cursor_position(Position::new(x, r.y + 1));
    }
}
