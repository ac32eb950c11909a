//! A pane's filter line: what is typed, and the worker's message when a term does not apply.

use crate::tui::app::App;
use crate::tui::panes::filter_line::FilterLine;
use crate::tui::theme::Role;
use ratatui::text::{Line, Span};

/// The line, with `count` ("12 of 340") after it; the error instead when there is one.
pub fn line<'a>(app: &App, filter: &FilterLine, count: String) -> Line<'a> {
    let t = &app.theme;
    let typed =
        Span::styled(format!("{}{} ", filter.text, if filter.editing { "▏" } else { "" }), t.style(Role::Match));
    let label = Span::styled(" filter: ", t.style(Role::FieldLabel));
    match &filter.error {
        // The worker's message: the first line is the input again, the rest points at the token.
        Some(err) => {
            let msg = err.lines().last().unwrap_or("").trim_start_matches([' ', '^']).to_string();
            Line::from(vec![label, typed, Span::styled(msg, t.style(Role::Error))])
        }
        None => Line::from(vec![label, typed, Span::styled(format!("  {count}"), t.style(Role::Dim))]),
    }
}
