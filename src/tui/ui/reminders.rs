//! The reminders pane: tasks, follow-ups and stale deals grouped Overdue / Today / Next 7 days /
//! Later / Done recently, most urgent first within each group.

use crate::domain::agenda::TaskState;
use crate::services::agenda::ItemKind;
use crate::services::format;
use crate::tui::app::App;
use crate::tui::panes::reminders::{visible, Entry, Section};
use crate::tui::theme::Role;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub fn state_style(app: &App, s: TaskState) -> Style {
    app.theme.style(match s {
        TaskState::Overdue => Role::Overdue,
        TaskState::Today => Role::Today,
        TaskState::Upcoming | TaskState::Hidden => Role::Upcoming,
        TaskState::Done => Role::DoneTask,
    })
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let who = if app.reminders.all_users { "everyone" } else { app.user.as_str() };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Role::Border))
        .title(Span::styled(format!(" Reminders · {who} "), t.style(Role::Title)));
    if !app.reminders.loaded {
        f.render_widget(Paragraph::new("Loading tasks…").style(t.style(Role::Dim)).block(block), area);
        return;
    }
    let rows = visible(app, app.now);
    // The filter line, when it is typed or filtering, above the list.
    let area = if app.reminders.filter.is_shown() {
        let [line, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        let count = format!("{} shown", rows.len());
        f.render_widget(super::filter_line::line(app, &app.reminders.filter, count), line);
        rest
    } else {
        area
    };
    // First the layout (headers, blanks, tasks), cheaply; then lines only for what shows.
    enum Item {
        Header(Section, usize, usize),
        Blank,
        Task(usize),
    }
    let mut items = Vec::with_capacity(rows.len() + 10);
    let mut selected_line = 0usize;
    let mut current: Option<Section> = None;
    for (i, (section, _)) in rows.iter().enumerate() {
        if current != Some(*section) {
            if current.is_some() {
                items.push(Item::Blank);
            }
            // Stale deals are counted apart: they are not reminders, and the status line's
            // "12 overdue" counts only tasks and follow-ups.
            let in_section = || rows.iter().filter(|(s, _)| s == section);
            let stale =
                in_section().filter(|(_, e)| matches!(e, Entry::Item(it) if it.kind == ItemKind::Stale)).count();
            items.push(Item::Header(*section, in_section().count() - stale, stale));
            current = Some(*section);
        }
        if i == app.reminders.selected {
            selected_line = items.len();
        }
        items.push(Item::Task(i));
    }
    let inner_h = area.height.saturating_sub(2) as usize;
    let scroll = selected_line.saturating_sub(inner_h.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::with_capacity(inner_h);
    for item in items.iter().skip(scroll).take(inner_h) {
        let (i, entry) = match item {
            Item::Blank => {
                lines.push(Line::raw(""));
                continue;
            }
            Item::Header(section, n, stale) => {
                let count = match stale {
                    0 => format!("{n}"),
                    1 => format!("{n}, and 1 stale deal"),
                    _ => format!("{n}, and {stale} stale deals"),
                };
                lines.push(Line::styled(format!("{} ({count})", section.title()), t.style(Role::Header)));
                continue;
            }
            Item::Task(i) => (*i, rows[*i].1),
        };
        let base = if i == app.reminders.selected { t.style(Role::ListSelected) } else { Style::default() };
        let task = match entry {
            Entry::Task(task) => task,
            Entry::Item(it) => {
                // A follow-up or a stale deal: not a task, so no checkbox.
                let (mark, when) = match (it.kind, it.due) {
                    (ItemKind::Stale, _) => ("  ⚠ ", "stale".to_string()),
                    (_, Some(due)) => ("  ↺ ", format::due(due)),
                    (_, None) => ("  ↺ ", String::new()),
                };
                let mut spans = vec![
                    Span::styled(mark, state_style(app, it.state)),
                    Span::styled(format!("{when:<17}"), state_style(app, it.state)),
                ];
                if app.reminders.all_users {
                    spans.push(Span::styled(format!("@{} ", it.assignee), t.style(Role::Tag)));
                }
                // "Follow up with X (every 30 days; …)": the why in parentheses, dimmed.
                let (head, why) = it.title.split_once(" (").unwrap_or((it.title.as_str(), ""));
                spans.push(Span::styled(head.to_string(), t.style(Role::Text)));
                if it.kind == ItemKind::Stale && !it.about.is_empty() && !head.contains(&it.about) {
                    spans.push(Span::styled(format!(" · {}", it.about), t.style(Role::Dim)));
                }
                if !why.is_empty() {
                    spans.push(Span::styled(format!(" ({why}"), t.style(Role::Dim)));
                }
                lines.push(Line::from(spans).style(base));
                continue;
            }
        };
        let link = match (&task.contact_id, &task.deal_id) {
            (Some(_), _) => task.contact.clone(),
            (None, Some(_)) => task.deal.clone(),
            _ => String::new(),
        };
        let mut spans = vec![
            Span::styled(if task.done.is_some() { "  ✓ " } else { "  ☐ " }, state_style(app, task.state)),
            Span::styled(format!("{:<17}", format::due(task.due)), state_style(app, task.state)),
        ];
        if app.reminders.all_users {
            spans.push(Span::styled(format!("@{} ", task.assignee), t.style(Role::Tag)));
        }
        spans.push(Span::styled(task.title.clone(), t.style(Role::Text)));
        if !link.is_empty() {
            spans.push(Span::styled(format!(" · {link}"), t.style(Role::Dim)));
        }
        // Listed by when it is due again, so say so (as `crm task list` does).
        if let Some(s) = task.snoozed_until.filter(|_| task.done.is_none() && task.state != TaskState::Overdue) {
            spans.push(Span::styled(format!(" · snoozed to {}", format::time(s)), t.style(Role::Dim)));
        }
        if task.priority >= crate::domain::Priority::High {
            spans.push(Span::styled(format!(" [{}]", task.priority), t.style(Role::Overdue)));
        }
        if !task.repeat.is_empty() {
            spans.push(Span::styled(format!(" ↻ {}", task.repeat), t.style(Role::Dim)));
        }
        lines.push(Line::from(spans).style(base));
    }
    if rows.is_empty() {
        lines.push(Line::styled("Nothing to do. Press a to add a task.", t.style(Role::Dim)));
    }
    f.render_widget(Paragraph::new(lines).block(block), area);
}
