//! The contacts pane: the list (with filter line and sort) or one contact's card.

use crate::services::format;
use crate::services::query::ContactSort;
use crate::tui::app::App;
use crate::tui::theme::Role;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    if let Some(card) = &app.contacts.card {
        draw_card(f, app, area, card);
        return;
    }
    let pane = &app.contacts;
    let Some(rows) = &pane.rows else {
        f.render_widget(
            Paragraph::new("Loading contacts…").style(app.theme.style(Role::Dim)).block(block(app, "Contacts".into())),
            area,
        );
        return;
    };
    if rows.is_empty() {
        welcome(f, app, area);
        return;
    }
    let [filter_area, list_area] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let sort = match pane.sort {
        ContactSort::Name => "name",
        ContactSort::Company => "company",
        ContactSort::Last => "last contact",
        ContactSort::Owner => "owner",
    };
    let filter_line = if let Some(err) = &pane.filter_error {
        // The worker's message: the first line is the input again, the rest points at the token.
        let msg = err.lines().last().unwrap_or("").trim_start_matches([' ', '^']).to_string();
        Line::from(vec![
            Span::styled(" filter: ", app.theme.style(Role::FieldLabel)),
            Span::styled(
                format!("{}{} ", pane.filter, if pane.filtering { "▏" } else { "" }),
                app.theme.style(Role::Match),
            ),
            Span::styled(msg, app.theme.style(Role::Error)),
        ])
    } else if pane.filtering || !pane.filter.is_empty() {
        Line::from(vec![
            Span::styled(" filter: ", app.theme.style(Role::FieldLabel)),
            Span::styled(
                format!("{}{}", pane.filter, if pane.filtering { "▏" } else { "" }),
                app.theme.style(Role::Match),
            ),
            Span::styled(
                format!("   {} of {} · sorted by {sort}", pane.visible.len(), rows.len()),
                app.theme.style(Role::Dim),
            ),
        ])
    } else {
        let noun = if rows.len() == 1 { "contact" } else { "contacts" };
        Line::styled(format!(" {} {noun} · sorted by {sort}", rows.len()), app.theme.style(Role::Dim))
    };
    f.render_widget(filter_line, filter_area);
    let now = app.now.to_datetime().with_timezone(&chrono::Local);
    // Only the rows that can be seen are built, so that 100k contacts scroll as fast as 10.
    let height = list_area.height.saturating_sub(3) as usize;
    let offset = pane.selected.saturating_sub(height.saturating_sub(1));
    let visible: Vec<Row> = pane
        .visible
        .iter()
        .skip(offset)
        .take(height.max(1))
        .map(|&i| {
            let r = &rows[i];
            Row::new(vec![
                Cell::from(r.name().to_string()),
                Cell::from(r.company().to_string()),
                Cell::from(r.last_contact.map(|t| format::relative_days(t, &now)).unwrap_or_else(|| "never".into())),
                Cell::from(r.owner().to_string()),
                Cell::from(Span::styled(r.tags().to_string(), app.theme.style(Role::Tag))),
            ])
        })
        .collect();
    let table = Table::new(
        visible,
        [
            Constraint::Percentage(30),
            Constraint::Percentage(28),
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Min(6),
        ],
    )
    .header(Row::new(["Name", "Company", "Last contact", "Owner", "Tags"]).style(app.theme.style(Role::Header)))
    .row_highlight_style(app.theme.style(Role::ListSelected))
    .style(app.theme.style(Role::Text))
    .block(block(app, "Contacts".into()));
    let mut state = TableState::default().with_selected(Some(pane.selected - offset));
    f.render_stateful_widget(table, list_area, &mut state);
}

fn block(app: &App, title: String) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.style(Role::Border))
        .title(Span::styled(format!(" {title} "), app.theme.style(Role::Title)))
}

fn welcome(f: &mut Frame, app: &App, area: Rect) {
    let modes = [crate::tui::keymap::Mode::Contacts, crate::tui::keymap::Mode::Global];
    let key = |a| app.keymap.key_for(&modes, a).map(|k| k.to_string()).unwrap_or_else(|| "?".into());
    let t = &app.theme;
    let text = vec![
        Line::styled("Welcome to crm.", t.style(Role::Title)),
        Line::raw(""),
        Line::from(vec![
            Span::styled("Your database is empty. Press ", t.style(Role::Text)),
            Span::styled(key(crate::tui::action::Action::Add), t.style(Role::HintKey)),
            Span::styled(" to add your first contact,", t.style(Role::Text)),
        ]),
        Line::styled("or quit and load demo data to look around:", t.style(Role::Text)),
        Line::raw(""),
        Line::styled(
            match &app.db_arg {
                Some(db) => format!("    crm {db} demo --contacts 500"),
                None => "    crm demo --contacts 500".to_string(),
            },
            t.style(Role::HintKey),
        ),
        Line::raw(""),
        Line::styled(format!("Your data lives in {}.", app.db_path), t.style(Role::Dim)),
        Line::from(vec![
            Span::styled("Press ", t.style(Role::Dim)),
            Span::styled(key(crate::tui::action::Action::Help), t.style(Role::HintKey)),
            Span::styled(" for every key; `crm --help` for the command line.", t.style(Role::Dim)),
        ]),
    ];
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }).block(block(app, "Contacts".into())), area);
}

fn draw_card(f: &mut Frame, app: &App, area: Rect, card: &crate::services::query::ContactCard) {
    let t = &app.theme;
    let c = &card.contact;
    let now = app.now.to_datetime().with_timezone(&chrono::Local);
    let mut lines: Vec<Line> = Vec::new();
    let field = |lines: &mut Vec<Line>, label: &str, value: String| {
        if !value.is_empty() {
            lines.push(Line::from(vec![
                Span::styled(format!("{label:<13}"), t.style(Role::FieldLabel)),
                Span::styled(value, t.style(Role::Text)),
            ]));
        }
    };
    field(&mut lines, "Title", c.title.clone());
    field(
        &mut lines,
        "Company",
        card.company.as_ref().map(|co| format!("{} ({})", co.name, co.id)).unwrap_or_default(),
    );
    field(
        &mut lines,
        "Email",
        c.emails.iter().map(|e| format!("{} ({})", e.value, e.label)).collect::<Vec<_>>().join(", "),
    );
    field(
        &mut lines,
        "Phone",
        c.phones.iter().map(|e| format!("{} ({})", e.value, e.label)).collect::<Vec<_>>().join(", "),
    );
    field(&mut lines, "Address", c.address.to_string());
    field(&mut lines, "Tags", c.tags.join(", "));
    for (k, v) in &c.fields {
        field(&mut lines, k, v.clone());
    }
    field(&mut lines, "Owner", c.owner.clone());
    field(&mut lines, "Shared with", card.shared_with.join(", "));
    field(&mut lines, "Follow up", c.cadence_days.map(|d| format!("every {d} days")).unwrap_or_default());
    field(
        &mut lines,
        "Last contact",
        card.last_contact
            .map(|t| format!("{} ({})", format::time(t), format::relative_days(t, &now)))
            .unwrap_or_else(|| "never".into()),
    );
    field(&mut lines, "Notes", c.notes.clone());
    let open_deals: Vec<_> = card.deals.iter().filter(|d| d.open).collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!("Open deals ({})", open_deals.len()), t.style(Role::Header)));
    for d in open_deals {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<6}", d.id.to_string()), t.style(Role::Dim)),
            Span::styled(format!("{}  ", d.title), t.style(Role::Text)),
            Span::styled(format!("{}  ", d.value), t.style(Role::Value)),
            Span::styled(format!("{} · {}d", d.stage_name, d.days_in_stage), t.style(Role::Dim)),
        ]));
    }
    let open_tasks: Vec<_> = card.tasks.iter().filter(|x| x.done.is_none()).collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!("Open tasks ({})", open_tasks.len()), t.style(Role::Header)));
    for task in open_tasks {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<6}", task.id.to_string()), t.style(Role::Dim)),
            Span::styled(format!("{:<17}", format::due(task.due)), super::reminders::state_style(app, task.state)),
            Span::styled(task.title.clone(), t.style(Role::Text)),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(format!("Timeline ({})", card.activities.len()), t.style(Role::Header)));
    for a in &card.activities {
        let extra = format::activity_extra(a);
        lines.push(Line::from(vec![
            Span::styled(format!("  {}  ", format::time(a.at)), t.style(Role::Dim)),
            Span::styled(format!("{:<8}", a.kind.to_string()), t.style(Role::Tag)),
            Span::styled(a.summary.clone(), t.style(Role::Text)),
            Span::styled(if extra.is_empty() { String::new() } else { format!(" ({extra})") }, t.style(Role::Dim)),
            Span::styled(format!(" — {}", a.author), t.style(Role::Dim)),
        ]));
        for body in a.body.lines() {
            lines.push(Line::styled(format!("                      {body}"), t.style(Role::Dim)));
        }
    }
    let title = format!("{} · {}", c.name, c.id);
    f.render_widget(Paragraph::new(lines).scroll((app.contacts.card_scroll, 0)).block(block(app, title)), area);
}
