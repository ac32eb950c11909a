//! The command palette: the query, then the matching actions, each with its keys here (or the
//! pane where it works, dimmed) and its description.

use super::{centered, modal_block};
use crate::tui::app::App;
use crate::tui::panes::palette::CommandPalette;
use crate::tui::theme::Role;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect, p: &CommandPalette) {
    let t = &app.theme;
    let r = centered(area, area.width.saturating_sub(8).min(96), area.height.saturating_sub(4));
    f.render_widget(Clear, r);
    let mut lines = vec![Line::from(vec![
        Span::styled("> ", t.style(Role::HintKey)),
        Span::styled(p.input.value.clone(), t.style(Role::FieldActive)),
    ])];
    let status = if p.shown.is_empty() {
        "no action matches".to_string()
    } else {
        format!("{} of {} actions; enter runs the selected one", p.shown.len(), p.all.len())
    };
    lines.push(Line::styled(status, t.style(Role::Dim)));
    let room = r.height.saturating_sub(4) as usize;
    let offset = p.selected.saturating_sub(room.saturating_sub(1));
    let inner = r.width.saturating_sub(2) as usize;
    for (row, &i) in p.shown.iter().enumerate().skip(offset).take(room) {
        let item = &p.all[i];
        let selected = row == p.selected;
        let base = if selected { t.style(Role::ListSelected) } else { t.style(Role::Text) };
        let (keys, key_style) = match (&item.keys, &item.elsewhere) {
            (Some(k), _) => (k.clone(), t.style(Role::HintKey)),
            (None, Some((mode, k))) => (format!("{k} in {}", mode.name()), t.style(Role::Dim)),
            (None, None) => (String::new(), t.style(Role::Dim)),
        };
        let name = format!("{:<20}", item.action.label());
        let keys = format!("{keys:<18} ");
        let used = name.chars().count() + keys.chars().count();
        let desc: String = item.action.description().chars().take(inner.saturating_sub(used)).collect();
        let name_style = if item.here() { base } else { t.style(Role::Dim) };
        lines.push(
            Line::from(vec![
                Span::styled(name, name_style),
                Span::styled(keys, key_style),
                Span::styled(desc, if item.here() { t.style(Role::HintDesc) } else { t.style(Role::Dim) }),
            ])
            .style(base),
        );
    }
    f.render_widget(Paragraph::new(lines).block(modal_block(app, "Commands")), r);
    let x = r.x + 3 + p.input.value.chars().take(p.input.cursor).count() as u16;
    if x < r.right() {
        f.set_cursor_position(Position::new(x, r.y + 1));
    }
}
