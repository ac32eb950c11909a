//! Drawing: a pure function of `&App`. One pane per file; the frame (tabs, status line, hint
//! line) and the modals are here.

mod audit;
mod contacts;
mod filter_line;
mod form;
mod help;
mod merge;
mod overdue;
mod palette;
mod pipeline;
mod reminders;
mod reports;
mod search;

use super::app::{App, MessageKind, Modal, Tab};
use super::keymap::Mode;
use super::theme::Role;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(f, app, area);
        return;
    }
    let [tabs, main, status, hints] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1), Constraint::Length(1)])
            .areas(area);
    draw_tabs(f, app, tabs);
    match app.tab {
        Tab::Contacts => contacts::draw(f, app, main),
        Tab::Pipeline => pipeline::draw(f, app, main),
        Tab::Reminders => reminders::draw(f, app, main),
        Tab::Reports => reports::draw(f, app, main),
    }
    draw_status(f, app, status);
    draw_hints(f, app, hints);
    match &app.modal {
        Some(Modal::Help { scroll }) => help::draw(f, app, area, *scroll),
        Some(Modal::Overdue { selected, .. }) => overdue::draw(f, app, area, *selected),
        Some(Modal::Confirm { question, .. }) => confirm(f, app, area, question),
        Some(Modal::Form(form)) => form::draw(f, app, area, form),
        Some(Modal::Search(p)) => search::draw(f, app, area, p),
        Some(Modal::Palette(p)) => palette::draw(f, app, area, p),
        Some(Modal::Merge(view)) => merge::draw(f, app, area, view),
        Some(Modal::Audit(view)) => audit::draw(f, app, area, view),
        None => {}
    }
}

fn too_small(f: &mut Frame, app: &App, area: Rect) {
    let text = vec![
        Line::styled("crm needs a larger terminal", app.theme.style(Role::Title)),
        Line::styled(
            format!("It is {}×{}; crm needs at least {MIN_WIDTH}×{MIN_HEIGHT}.", area.width, area.height),
            app.theme.style(Role::Text),
        ),
        Line::styled("Make the window larger, or press q to quit.", app.theme.style(Role::Dim)),
    ];
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

fn draw_tabs(f: &mut Frame, app: &App, area: Rect) {
    let mut spans = vec![Span::styled(" crm ", app.theme.style(Role::Title))];
    for (i, t) in Tab::ALL.iter().enumerate() {
        let style = if *t == app.tab { app.theme.style(Role::TabActive) } else { app.theme.style(Role::TabInactive) };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!(" {} {} ", i + 1, t.title()), style));
    }
    f.render_widget(Line::from(spans), area);
}

fn draw_status(f: &mut Frame, app: &App, area: Rect) {
    let (overdue, today) = app.counts();
    let base = app.theme.style(Role::Status);
    let mut spans = vec![Span::styled(format!(" {} ", app.user), base)];
    let db = Span::styled(format!("· {} ", app.db_path), base);
    let warn = if overdue > 0 { app.theme.style(Role::StatusWarn) } else { base };
    spans.push(Span::styled(format!("· {overdue} overdue "), warn));
    spans.push(Span::styled(format!("· {today} today "), base));
    // A chord or count being typed comes first: it says what the next key will finish.
    if let Some(pending) = app.pending_text() {
        spans.push(Span::styled(format!("· {pending} "), app.theme.style(Role::HintKey)));
    }
    if let Some((text, kind)) = &app.message {
        let style = match kind {
            MessageKind::Info => base,
            MessageKind::Error => app.theme.style(Role::StatusWarn),
        };
        spans.push(Span::styled(format!("· {text}"), style));
    }
    // The database path is the same all session (and on the welcome screen): it gives way to a
    // message that would not fit otherwise.
    let width: usize = spans.iter().map(Span::width).sum();
    if width + db.width() <= area.width as usize {
        spans.insert(1, db);
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(base), area);
}

/// The hint line: the bindings of the most specific active mode, then help and quit. Help and
/// quit always show; pane bindings that do not fit are left out whole (help lists them all).
fn draw_hints(f: &mut Frame, app: &App, area: Rect) {
    let modes = app.modes();
    let hint = |key: String, label: String| {
        vec![
            Span::styled(key, app.theme.style(Role::HintKey)),
            Span::styled(format!(" {label}  "), app.theme.style(Role::HintDesc)),
        ]
    };
    let width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    // In the middle of a chord: the keys that can finish it.
    if !app.pending.is_empty() {
        let mut spans = Vec::new();
        for (k, a) in app.keymap.continuations(&modes, &app.pending) {
            let label = a.map(|a| a.label()).unwrap_or_else(|| "…".to_string());
            let h = hint(k.to_string(), label);
            if width(&spans) + width(&h) > area.width as usize {
                break;
            }
            spans.extend(h);
        }
        f.render_widget(Line::from(spans), area);
        return;
    }
    let mut tail = Vec::new();
    for a in [super::action::Action::Help, super::action::Action::Quit] {
        if let Some(k) = app.keymap.key_for(&modes, a) {
            tail.extend(hint(k.to_string(), a.label()));
        }
    }
    let room = (area.width as usize).saturating_sub(width(&tail));
    let mut spans = Vec::new();
    let mut seen = Vec::new();
    let first = modes.first().copied().unwrap_or(Mode::Global);
    // Taking someone else's value means something only after a conflict.
    let conflict =
        matches!(&app.modal, Some(super::app::Modal::Form(f)) if f.fields.iter().any(|x| x.theirs.is_some()));
    for b in app.keymap.bindings(first) {
        if seen.contains(&b.action) || (b.action == super::action::Action::TakeTheirs && !conflict) {
            continue;
        }
        seen.push(b.action);
        let h = hint(b.keys.to_string(), b.action.label());
        if width(&spans) + width(&h) > room {
            break;
        }
        spans.extend(h);
    }
    spans.extend(tail);
    f.render_widget(Line::from(spans), area);
}

/// A centred rectangle of at most `w`×`h`.
/// Terminal columns `s` takes (wide characters count two).
pub fn width_of(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// `s` cut to `width` terminal columns, with "…" when something was cut.
pub fn clip(s: &str, width: usize) -> String {
    if width_of(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for ch in s.chars() {
        if width_of(&out) + unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0) + 1 > width {
            break;
        }
        out.push(ch);
    }
    out.push('…');
    out
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))]).flex(Flex::Center).areas(area);
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))]).flex(Flex::Center).areas(v);
    r
}

pub fn modal_block<'a>(app: &App, title: &'a str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.style(Role::BorderFocus))
        .title(Span::styled(format!(" {title} "), app.theme.style(Role::Title)))
}

fn confirm(f: &mut Frame, app: &App, area: Rect, question: &str) {
    // One line per line of the question (an import's dry run has several), wrapped at 60.
    let rows: u16 = question.lines().map(|l| (l.chars().count() as u16).div_ceil(60).max(1)).sum();
    let r = centered(area, 64, (rows + 4).max(7));
    f.render_widget(Clear, r);
    let yes =
        app.keymap.key_for(&[Mode::Confirm], super::action::Action::Confirm).map(|k| k.to_string()).unwrap_or_default();
    let no =
        app.keymap.key_for(&[Mode::Confirm], super::action::Action::Back).map(|k| k.to_string()).unwrap_or_default();
    let mut text: Vec<Line> =
        question.lines().map(|l| Line::styled(l.to_string(), app.theme.style(Role::Text))).collect();
    text.extend([
        Line::raw(""),
        Line::from(vec![
            Span::styled(yes, app.theme.style(Role::HintKey)),
            Span::styled(" yes   ", app.theme.style(Role::HintDesc)),
            Span::styled(no, app.theme.style(Role::HintKey)),
            Span::styled(" no", app.theme.style(Role::HintDesc)),
        ]),
    ]);
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).block(modal_block(app, "Are you sure?")), r);
}
