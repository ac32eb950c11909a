//! The overdue reminder shown at startup: how many, the most overdue first, and what to do.

use super::{centered, clip, modal_block};
use crate::services::format;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Mode;
use crate::tui::panes::reminders::Entry;
use crate::tui::theme::Role;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect, selected: usize) {
    let t = &app.theme;
    let overdue = app.my_overdue();
    // At most ten at a time: the modal should leave the screen behind it visible.
    let shown = overdue.len().min(10).min(area.height.saturating_sub(10) as usize).max(1);
    // Wider on a wide terminal, so that a follow-up's reason is read whole.
    let width = area.width.saturating_sub(8).clamp(76, 112);
    let r = centered(area, width, shown as u16 + 7);
    // Inside the borders, after the due date column.
    let room = (r.width as usize).saturating_sub(2 + 18);
    f.render_widget(Clear, r);
    let mut lines = vec![Line::styled(
        format!("You have {} overdue reminder{}.", overdue.len(), if overdue.len() == 1 { "" } else { "s" }),
        t.style(Role::Overdue),
    )];
    lines.push(Line::raw(""));
    let offset = selected.saturating_sub(shown - 1);
    for (i, entry) in overdue.iter().enumerate().skip(offset).take(shown) {
        let style = if i == selected { t.style(Role::ListSelected) } else { t.style(Role::Text) };
        let (due, title, link) = match entry {
            Entry::Task(task) => {
                let link = if task.contact.is_empty() { task.deal.clone() } else { task.contact.clone() };
                (format::due(task.due), task.title.as_str(), link)
            }
            // A follow-up's title names the contact already.
            Entry::Item(it) => (it.due.map(format::due).unwrap_or_default(), it.title.as_str(), String::new()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {due:<17}"), t.style(Role::Overdue)),
            Span::styled(
                clip(&format!("{title}{}", if link.is_empty() { String::new() } else { format!(" · {link}") }), room),
                style,
            ),
        ]));
    }
    lines.push(Line::raw(""));
    let mut keys = Vec::new();
    for (a, label) in [
        (Action::Done, "done"),
        (Action::SnoozeHour, "snooze 1h"),
        (Action::SnoozeTomorrow, "tomorrow"),
        (Action::Open, "open"),
        (Action::Back, "dismiss"),
    ] {
        if let Some(k) = app.keymap.key_for(&[Mode::Overdue], a) {
            keys.push(Span::styled(k.to_string(), t.style(Role::HintKey)));
            keys.push(Span::styled(format!(" {label}  "), t.style(Role::HintDesc)));
        }
    }
    lines.push(Line::from(keys));
    f.render_widget(Paragraph::new(lines).block(modal_block(app, "Overdue")), r);
}
