//! The help overlay: every binding of the active keymap with its description, by mode.

use super::{centered, modal_block};
use crate::tui::app::App;
use crate::tui::keymap::Mode;
use crate::tui::theme::Role;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    for mode in Mode::ALL {
        let bindings = app.keymap.bindings(mode);
        if bindings.is_empty() {
            continue;
        }
        out.push(Line::styled(mode.title().to_string(), t.style(Role::Header)));
        for b in bindings {
            out.push(Line::from(vec![
                Span::styled(format!("  {:<14} ", b.keys.to_string()), t.style(Role::HintKey)),
                Span::styled(b.desc.clone(), t.style(Role::Text)),
            ]));
        }
        out.push(Line::raw(""));
    }
    out
}

pub fn draw(f: &mut Frame, app: &App, area: Rect, scroll: u16) {
    let r = centered(area, 72, area.height.saturating_sub(2));
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines(app)).scroll((scroll, 0)).block(modal_block(app, "Keys (esc to close, ↑↓ to scroll)")),
        r,
    );
}
