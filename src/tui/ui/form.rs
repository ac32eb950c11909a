//! A form in a centred box: one line per field, the focused one with a cursor, its hint or
//! its error under it.

use super::{centered, modal_block};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::form::Form;
use crate::tui::keymap::Mode;
use crate::tui::theme::Role;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

const LABEL: usize = 16;

pub fn draw(f: &mut Frame, app: &App, area: Rect, form: &Form) {
    let t = &app.theme;
    let h = form.fields.len() as u16 * 2 + 6;
    let r = centered(area, 72, h);
    f.render_widget(Clear, r);
    let mut lines = Vec::new();
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let value_style = if focused { t.style(Role::FieldActive) } else { t.style(Role::Text) };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<LABEL$}", field.label), t.style(Role::FieldLabel)),
            Span::styled(field.value.clone(), value_style),
        ]));
        if focused {
            cursor = Some((lines.len() - 1, LABEL + field.value.chars().take(field.cursor).count()));
        }
        match (&field.error, focused) {
            (Some(e), _) => lines.push(Line::styled(format!("{:LABEL$}{e}", ""), t.style(Role::FieldError))),
            (None, true) if !field.hint.is_empty() => {
                lines.push(Line::styled(format!("{:LABEL$}{}", "", field.hint), t.style(Role::Dim)))
            }
            _ => lines.push(Line::raw("")),
        }
    }
    if let Some(e) = &form.error {
        lines.push(Line::styled(e.clone(), t.style(Role::Error)));
    } else {
        lines.push(Line::raw(""));
    }
    let mut keys = Vec::new();
    for (a, label) in [(Action::Submit, "save"), (Action::NextField, "next field"), (Action::Back, "cancel")] {
        if let Some(k) = app.keymap.key_for(&[Mode::Form], a) {
            keys.push(Span::styled(k.to_string(), t.style(Role::HintKey)));
            keys.push(Span::styled(format!(" {label}  "), t.style(Role::HintDesc)));
        }
    }
    if form.pending {
        keys.push(Span::styled("saving…", t.style(Role::Dim)));
    }
    lines.push(Line::from(keys));
    f.render_widget(Paragraph::new(lines).block(modal_block(app, &form.title)), r);
    if let Some((line, col)) = cursor {
        let x = r.x + 1 + col as u16;
        let y = r.y + 1 + line as u16;
        if x < r.right() && y < r.bottom() {
            f.set_cursor_position(Position::new(x, y));
        }
    }
}
