//! The audit overlay: when, who, what, record and detail, newest first; the selected line
//! stays in sight.

use super::{centered, modal_block};
use crate::services::format;
use crate::tui::app::App;
use crate::tui::panes::audit::AuditView;
use crate::tui::theme::Role;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect, view: &AuditView) {
    let t = &app.theme;
    let r = centered(area, area.width.saturating_sub(4).max(60), area.height.saturating_sub(2));
    f.render_widget(Clear, r);
    let block = modal_block(app, "Audit log (esc to close, ↑↓ to scroll)");
    let rows = match &view.rows {
        None => {
            return f.render_widget(
                Paragraph::new(Line::styled("Reading the journal…", t.style(Role::Dim))).block(block),
                r,
            )
        }
        Some(Err(e)) => {
            return f.render_widget(Paragraph::new(Line::styled(e.clone(), t.style(Role::Error))).block(block), r)
        }
        Some(Ok(rows)) if rows.is_empty() => {
            return f.render_widget(
                Paragraph::new(Line::styled("Nothing has happened yet.", t.style(Role::Dim))).block(block),
                r,
            )
        }
        Some(Ok(rows)) => rows,
    };
    let header = Row::new(["when", "who", "what", "record", "detail"].map(|h| Cell::from(h.to_uppercase())))
        .style(t.style(Role::Header));
    let lines = rows.iter().map(|row| {
        let record = match (&row.record, row.label.is_empty()) {
            (Some(id), false) => format!("{id} {}", row.label),
            (Some(id), true) => id.to_string(),
            (None, _) => row.label.clone(),
        };
        Row::new([
            Cell::from(format::time(row.at)),
            Cell::from(row.user.clone()),
            Cell::from(row.action.as_str()),
            Cell::from(record),
            Cell::from(row.detail.clone()),
        ])
        .style(t.style(Role::Text))
    });
    let table = Table::new(
        lines,
        [
            Constraint::Length(16),
            Constraint::Length(10),
            Constraint::Length(9),
            Constraint::Percentage(25),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .row_highlight_style(t.style(Role::ListSelected));
    let inner = block.inner(r);
    f.render_widget(block, r);
    // The selected line in full below the table: details are often longer than their column.
    let [list, full] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
    let mut state = TableState::default().with_selected(Some(view.selected));
    f.render_stateful_widget(table, list, &mut state);
    if let Some(row) = rows.get(view.selected) {
        let text = format!("#{} {} {}: {}", row.seq, row.user, row.action, row.detail);
        f.render_widget(Paragraph::new(Line::styled(text, t.style(Role::Dim))).wrap(Wrap { trim: true }), full);
    }
}
