//! Tests of the TUI without a terminal: `update()` driven by real key events through the default
//! keymap, and insta snapshots (tests/snapshots/) of every pane drawn on ratatui's `TestBackend`
//! at 80×24 and 160×48.
//!
//! Data comes from a temporary database filled with the deterministic demo business, with the
//! clock pinned (CRM_NOW, Friday 2026-11-27 09:00) and TZ=UTC, so that the snapshots are the same
//! on every machine. To update the snapshots: `INSTA_UPDATE=always cargo test --test tui`, then
//! review the changed files in tests/snapshots/.

mod common;

use common::tui::Fixture;
use crm::domain::{Change, Ref};
use crm::services::input::TaskInput;
use crm::services::query::ContactSort;
use crm::store::Receipt;
use crm::tui::app::{update, App, Data, Effect, Modal, Msg, Request, Tab, Write, WriteError};
use crm::tui::form::{Form, FormKind};
use crm::tui::keymap::Keymap;
use crm::tui::theme::{Role, Theme};
use crm::tui::worker;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

/// What the status line and the welcome screen show as the database (never the temp dir).
const DB_PATH: &str = "~/.local/share/crm/db";

impl Fixture {
    /// The demo business plus a busy week for anna: two overdue tasks, one due today, two in
    /// the next days (one repeating) and one done yesterday.
    fn busy() -> Fixture {
        let fx = Fixture::demo();
        fx.add_task("Send the revised proposal", "2026-11-24 14:00", Some("Jessica White"), None, "high");
        fx.add_task("Call back about the invoice", "2026-11-26 10:30", Some("Ayşe Kaya"), None, "normal");
        fx.add_task("Prepare the quarterly review", "2026-11-27 16:00", None, None, "normal");
        fx.add_task("Confirm the workshop dates", "2026-11-30 10:00", None, Some("d9"), "normal");
        let weekly = fx.crm.task_changes(
            None,
            TaskInput {
                title: Some("Pipeline review".into()),
                due: Some("2026-12-01 09:00".into()),
                repeat: Some("weekly".into()),
                ..TaskInput::default()
            },
        );
        fx.crm.apply(weekly.expect("weekly task")).expect("add weekly task");
        let done = fx.add_task("Email the signed contract", "2026-11-26 17:00", Some("Rhys Clarke"), None, "normal");
        fx.crm.complete_task(done).expect("complete");
        fx
    }

    /// Adds a task assigned to anna through the same builder the CLI and the forms use.
    fn add_task(
        &self,
        title: &str,
        due: &str,
        contact: Option<&str>,
        deal: Option<&str>,
        priority: &str,
    ) -> crm::domain::TaskId {
        let changes = self
            .crm
            .task_changes(
                None,
                TaskInput {
                    title: Some(title.into()),
                    due: Some(due.into()),
                    contact: contact.map(Into::into),
                    deal: deal.map(Into::into),
                    priority: Some(priority.into()),
                    ..TaskInput::default()
                },
            )
            .unwrap_or_else(|e| panic!("task {title:?}: {e}"));
        let receipt = self.crm.apply(changes).expect("add task");
        match receipt.created.first() {
            Some(Ref::Task(id)) => *id,
            other => panic!("expected a task, got {other:?}"),
        }
    }

    fn load(&self, r: Request) -> Data {
        worker::load(&crm::api::Client::local(self.crm.clone()), &r).unwrap_or_else(|e| panic!("load {r:?}: {e}"))
    }

    /// An app with every pane loaded, as after startup (the overdue modal may be open).
    fn app(&self) -> App {
        self.app_with(Theme::default_theme())
    }

    fn app_with(&self, theme: Theme) -> App {
        let mut app = App::new("anna".into(), DB_PATH.into(), Keymap::default_keymap(), theme);
        app.now = self.crm.now();
        let startup = app.startup();
        self.perform(&mut app, startup);
        app
    }

    /// An app after startup with the overdue reminder (if any) dismissed.
    fn app_dismissed(&self) -> App {
        let mut app = self.app();
        if matches!(app.modal, Some(Modal::Overdue { .. })) {
            press(&mut app, key(KeyCode::Esc));
        }
        assert_eq!(app.modal, None);
        app
    }
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A character key as a terminal sends it (upper case and symbols carry shift).
fn ch(c: char) -> Msg {
    let shifted = c.is_uppercase() || "?<>@!".contains(c);
    Msg::Key(KeyEvent::new(KeyCode::Char(c), if shifted { KeyModifiers::SHIFT } else { KeyModifiers::NONE }))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn shift_tab() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT))
}

fn press(app: &mut App, k: Msg) -> Vec<Effect> {
    update(app, k)
}

/// Types each character of `text`, none of which may cause an effect.
fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let effects = update(app, ch(c));
        assert_eq!(effects, vec![], "typing {c:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the app
// ---------------------------------------------------------------------------------------------

fn form(app: &App) -> &Form {
    match &app.modal {
        Some(Modal::Form(f)) => f,
        other => panic!("expected a form, got {other:?}"),
    }
}

fn field<'a>(app: &'a App, name: &str) -> &'a str {
    let f = form(app).fields.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}"));
    &f.value
}

fn message(app: &App) -> &str {
    app.message.as_ref().map(|(m, _)| m.as_str()).unwrap_or("")
}

fn visible_names(app: &App) -> Vec<String> {
    let rows = app.contacts.rows.as_ref().expect("contacts loaded");
    app.contacts.visible.iter().map(|&i| rows[i].name().to_string()).collect()
}

fn selected_name(app: &App) -> String {
    app.contacts.selected_row().expect("a selected contact").name().to_string()
}

fn contact_id(app: &App, name: &str) -> crm::domain::ContactId {
    let rows = app.contacts.rows.as_ref().expect("contacts loaded");
    rows.iter().find(|r| r.name() == name).unwrap_or_else(|| panic!("no contact {name}")).id
}

/// Anna's tasks in the order the reminders pane shows them.
fn reminder_titles(app: &App) -> Vec<String> {
    crm::tui::panes::reminders::visible(app, app.now).iter().map(|(_, t)| t.title().to_string()).collect()
}

fn selected_task(app: &App) -> crm::services::query::TaskRow {
    let rows = crm::tui::panes::reminders::visible(app, app.now);
    match rows[app.reminders.selected].1 {
        crm::tui::panes::reminders::Entry::Task(t) => t.clone(),
        other => panic!("the selected line is not a task: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

fn render(app: &App, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| crm::tui::ui::draw(f, app)).expect("draw");
    terminal.backend().buffer().clone()
}

/// The buffer as text: one line per row, trailing spaces trimmed, the cells hidden behind a
/// wide character skipped.
fn buffer_to_string(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut hidden = 0;
        for x in area.left()..area.right() {
            if hidden > 0 {
                hidden -= 1;
                continue;
            }
            let symbol = buf[(x, y)].symbol();
            line.push_str(symbol);
            hidden = ratatui::text::Span::raw(symbol).width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn render_to_string(app: &App, w: u16, h: u16) -> String {
    buffer_to_string(&render(app, w, h))
}

/// Snapshots the screen at the smallest supported size and at a large one.
fn snapshot(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), render_to_string(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), render_to_string(app, 160, 48));
}

/// The cells of row `y` whose text starts at the first occurrence of `needle` in that row.
fn find_text(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let text = buffer_to_string(buf);
    for (y, line) in text.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count() as u16;
            return Some((x, y as u16));
        }
    }
    None
}

// =============================================================================================
// update(): navigation
// =============================================================================================

#[test]
fn tab_and_shift_tab_cycle_the_panes_and_numbers_jump_to_one() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    assert_eq!(app.tab, Tab::Contacts);
    assert_eq!(press(&mut app, key(KeyCode::Tab)), vec![]);
    assert_eq!(app.tab, Tab::Pipeline);
    press(&mut app, key(KeyCode::Tab));
    assert_eq!(app.tab, Tab::Reminders);
    let effects = press(&mut app, key(KeyCode::Tab));
    assert_eq!(app.tab, Tab::Reports);
    assert!(matches!(effects.as_slice(), [Effect::Load(Request::Reports(_))]), "reports load when shown: {effects:?}");
    press(&mut app, key(KeyCode::Tab));
    assert_eq!(app.tab, Tab::Contacts, "tab wraps around");
    press(&mut app, shift_tab());
    assert_eq!(app.tab, Tab::Reports, "shift-tab goes back and wraps");
    press(&mut app, shift_tab());
    assert_eq!(app.tab, Tab::Reminders);
    press(&mut app, shift_tab());
    assert_eq!(app.tab, Tab::Pipeline);
    press(&mut app, ch('1'));
    assert_eq!(app.tab, Tab::Contacts);
    press(&mut app, ch('3'));
    assert_eq!(app.tab, Tab::Reminders);
    press(&mut app, ch('2'));
    assert_eq!(app.tab, Tab::Pipeline);
    press(&mut app, ch('4'));
    assert_eq!(app.tab, Tab::Reports);
}

#[test]
fn contacts_list_moves_by_row_page_top_and_bottom_within_bounds() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    assert_eq!(app.contacts.visible.len(), 40);
    assert_eq!(app.contacts.selected, 0);
    assert_eq!(selected_name(&app), "Ashley Green");
    press(&mut app, key(KeyCode::Up));
    assert_eq!(app.contacts.selected, 0, "up at the top stays");
    press(&mut app, key(KeyCode::Down));
    assert_eq!(app.contacts.selected, 1);
    press(&mut app, ch('j'));
    assert_eq!(app.contacts.selected, 2);
    press(&mut app, ch('k'));
    assert_eq!(app.contacts.selected, 1);
    press(&mut app, key(KeyCode::PageDown));
    assert_eq!(app.contacts.selected, 11);
    press(&mut app, key(KeyCode::PageUp));
    assert_eq!(app.contacts.selected, 1);
    press(&mut app, key(KeyCode::End));
    assert_eq!(app.contacts.selected, 39);
    press(&mut app, key(KeyCode::Down));
    assert_eq!(app.contacts.selected, 39, "down at the bottom stays");
    press(&mut app, key(KeyCode::PageDown));
    assert_eq!(app.contacts.selected, 39);
    press(&mut app, ch('g'));
    assert_eq!(app.contacts.selected, 0);
    press(&mut app, ch('G'));
    assert_eq!(app.contacts.selected, 39);
    press(&mut app, key(KeyCode::Home));
    assert_eq!(app.contacts.selected, 0);
}

#[test]
fn pipeline_left_right_change_column_and_up_down_move_within_it() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('2'));
    let stages = app.pipeline.data.as_ref().expect("pipeline loaded").stages.len();
    assert_eq!(stages, 6);
    assert_eq!(app.pipeline.column, 0);
    press(&mut app, key(KeyCode::Left));
    assert_eq!(app.pipeline.column, 0, "left at the first column stays");
    press(&mut app, key(KeyCode::Right));
    assert_eq!(app.pipeline.column, 1);
    press(&mut app, ch('l'));
    assert_eq!(app.pipeline.column, 2);
    press(&mut app, ch('h'));
    assert_eq!(app.pipeline.column, 1);
    for _ in 0..10 {
        press(&mut app, key(KeyCode::Right));
    }
    assert_eq!(app.pipeline.column, 5, "right stops at the last column");

    // Won (column 4) holds three deals.
    press(&mut app, key(KeyCode::Left));
    assert_eq!(app.pipeline.column_deals(4).len(), 3);
    let first = app.pipeline.selected_deal().unwrap().id;
    press(&mut app, key(KeyCode::Down));
    assert_eq!(app.pipeline.rows[4], 1);
    press(&mut app, ch('j'));
    press(&mut app, ch('j'));
    assert_eq!(app.pipeline.rows[4], 2, "down stops at the last deal");
    press(&mut app, ch('k'));
    assert_eq!(app.pipeline.rows[4], 1);
    press(&mut app, ch('g'));
    assert_eq!(app.pipeline.selected_deal().unwrap().id, first);
    // Each column keeps its own selection.
    press(&mut app, ch('G'));
    press(&mut app, key(KeyCode::Left));
    press(&mut app, key(KeyCode::Right));
    assert_eq!(app.pipeline.rows[4], 2);
}

#[test]
fn reminders_selection_moves_through_every_section_and_stays_in_bounds() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    let titles = reminder_titles(&app);
    assert_eq!(
        titles,
        vec![
            "Send the revised proposal",
            "Call back about the invoice",
            "Prepare the quarterly review",
            "Confirm the workshop dates",
            "Pipeline review",
            "Call back",
            "Email the signed contract",
        ],
        "overdue, today, next 7 days, later, done recently"
    );
    assert_eq!(app.reminders.selected, 0);
    press(&mut app, key(KeyCode::Up));
    assert_eq!(app.reminders.selected, 0);
    press(&mut app, ch('j'));
    press(&mut app, key(KeyCode::Down));
    assert_eq!(selected_task(&app).title, "Prepare the quarterly review");
    press(&mut app, ch('G'));
    assert_eq!(selected_task(&app).title, "Email the signed contract");
    press(&mut app, key(KeyCode::Down));
    assert_eq!(app.reminders.selected, titles.len() - 1);
    press(&mut app, ch('k'));
    assert_eq!(selected_task(&app).title, "Call back");
    press(&mut app, ch('g'));
    assert_eq!(app.reminders.selected, 0);
}

// =============================================================================================
// update(): the contacts filter and sort
// =============================================================================================

#[test]
fn typing_a_filter_matches_names_ignoring_case_and_accents() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('f'));
    assert!(app.contacts.filtering);
    type_text(&mut app, "CELIK");
    assert_eq!(app.contacts.filter, "CELIK");
    assert_eq!(visible_names(&app), vec!["Can Çelik", "Fatma Çelik"]);
    assert_eq!(selected_name(&app), "Can Çelik");
    // Backspace widens the match again.
    for _ in 0..5 {
        press(&mut app, key(KeyCode::Backspace));
    }
    assert_eq!(app.contacts.visible.len(), 40);
    type_text(&mut app, "munoz");
    assert_eq!(visible_names(&app), vec!["Lucía Muñoz"]);
}

#[test]
fn keys_typed_into_the_filter_are_text_not_commands() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('f'));
    // q would quit, a would add, 2 would switch pane: here they are just letters.
    type_text(&mut app, "q a2");
    assert!(!app.quit);
    assert_eq!(app.modal, None);
    assert_eq!(app.tab, Tab::Contacts);
    assert_eq!(app.contacts.filter, "q a2");
    assert_eq!(visible_names(&app), Vec::<String>::new());
    // An empty result draws without trouble.
    assert!(render_to_string(&app, 80, 24).contains("filter: q a2▏   0 of 40"));
}

#[test]
fn esc_while_filtering_clears_the_filter() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('f'));
    type_text(&mut app, "kaya");
    assert!(app.contacts.visible.len() < 40);
    assert_eq!(press(&mut app, key(KeyCode::Esc)), vec![]);
    assert!(!app.contacts.filtering);
    assert_eq!(app.contacts.filter, "");
    assert_eq!(app.contacts.visible.len(), 40);
}

#[test]
fn enter_keeps_the_filter_and_esc_then_clears_it() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('f'));
    type_text(&mut app, "smirnov");
    press(&mut app, key(KeyCode::Enter));
    assert!(!app.contacts.filtering, "enter leaves the filter line");
    assert_eq!(app.contacts.filter, "smirnov");
    let n = app.contacts.visible.len();
    assert_eq!(n, 6, "{:?}", visible_names(&app));
    // Keys are commands again: j moves within the filtered list.
    press(&mut app, ch('j'));
    assert_eq!(app.contacts.selected, 1);
    press(&mut app, key(KeyCode::Esc));
    assert_eq!(app.contacts.filter, "");
    assert_eq!(app.contacts.visible.len(), 40);
}

#[test]
fn the_pipeline_filter_line_takes_field_terms_and_free_text() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('2'));
    let all = app.pipeline.shown.len();
    assert!(all > 5);
    press(&mut app, ch('f'));
    assert!(app.typing(), "the filter line takes the keys");
    // Field terms go to the worker (which knows stages, dates, `me`).
    let mut effects = Vec::new();
    for c in "value>20000".chars() {
        effects = press(&mut app, ch(c));
    }
    assert_eq!(effects, vec![Effect::Load(Request::Filter(crm::domain::EntityKind::Deal, "value>20000".into()))]);
    fx.perform(&mut app, effects);
    let data = app.pipeline.data.as_ref().unwrap();
    let shown: Vec<_> = app.pipeline.shown.iter().map(|&i| &data.deals[i]).collect();
    assert!(!shown.is_empty() && shown.len() < all, "{} of {all}", shown.len());
    assert!(shown.iter().all(|d| d.value.minor > 20000 * 100), "{shown:?}");
    // The board's columns show only those.
    let on_board: usize = (0..data.stages.len()).map(|c| app.pipeline.column_deals(c).len()).sum();
    assert_eq!(on_board, shown.len());
    // A term that does not apply to deals says so and filters nothing out.
    for _ in 0.."value>20000".len() {
        press(&mut app, key(KeyCode::Backspace));
    }
    let mut effects = Vec::new();
    for c in "tag:vip".chars() {
        effects = press(&mut app, ch(c));
    }
    fx.perform(&mut app, effects);
    assert!(app.pipeline.filter.error.as_deref().is_some_and(|e| e.contains("tag")), "{:?}", app.pipeline.filter.error);
    // Enter keeps the line, esc clears it.
    press(&mut app, key(KeyCode::Enter));
    assert!(!app.typing());
    press(&mut app, key(KeyCode::Esc));
    assert!(app.pipeline.filter.is_empty());
    assert_eq!(app.pipeline.shown.len(), all);
}

#[test]
fn the_reminders_filter_line_narrows_tasks_by_terms_and_text() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    press(&mut app, ch('f'));
    type_text(&mut app, "invoice");
    assert_eq!(reminder_titles(&app), vec!["Call back about the invoice"]);
    for _ in 0.."invoice".len() {
        press(&mut app, key(KeyCode::Backspace));
    }
    let mut effects = Vec::new();
    for c in "priority:high".chars() {
        effects = press(&mut app, ch(c));
    }
    fx.perform(&mut app, effects);
    assert_eq!(reminder_titles(&app), vec!["Send the revised proposal", "Call back"]);
    press(&mut app, key(KeyCode::Enter));
    press(&mut app, key(KeyCode::Esc));
    assert!(reminder_titles(&app).len() > 2);
}

#[test]
fn sort_cycles_name_company_last_contact_owner_and_back() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    assert_eq!(app.contacts.sort, ContactSort::Name);

    press(&mut app, ch('s'));
    assert_eq!(app.contacts.sort, ContactSort::Company);
    assert_eq!(message(&app), "Sorted by company");
    assert_eq!(app.contacts.selected_row().unwrap().company(), "Alhambra S.A.");

    press(&mut app, ch('s'));
    assert_eq!(app.contacts.sort, ContactSort::Last);
    assert_eq!(message(&app), "Sorted by last contact (longest ago first)");
    // Never contacted comes first.
    assert_eq!(app.contacts.selected_row().unwrap().last_contact, None);

    press(&mut app, ch('s'));
    assert_eq!(app.contacts.sort, ContactSort::Owner);
    assert_eq!(app.contacts.selected_row().unwrap().owner(), "anna");

    press(&mut app, ch('s'));
    assert_eq!(app.contacts.sort, ContactSort::Name);
    assert_eq!(selected_name(&app), "Ashley Green");
}

// =============================================================================================
// update(): cards
// =============================================================================================

#[test]
fn enter_loads_the_selected_contact_card_and_esc_goes_back_to_the_list() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('j'));
    let id = contact_id(&app, "Ayşe Kaya");
    let effects = press(&mut app, key(KeyCode::Enter));
    assert_eq!(effects, vec![Effect::Load(Request::ContactCard(id))]);
    fx.perform(&mut app, effects);
    assert_eq!(app.contacts.card.as_ref().map(|c| c.contact.name.as_str()), Some("Ayşe Kaya"));
    // j scrolls the card instead of moving in the list.
    press(&mut app, ch('j'));
    assert_eq!(app.contacts.card_scroll, 1);
    assert_eq!(app.contacts.selected, 1);
    press(&mut app, key(KeyCode::Esc));
    assert!(app.contacts.card.is_none());
    assert_eq!(selected_name(&app), "Ayşe Kaya");
}

#[test]
fn enter_on_the_pipeline_loads_the_selected_deal_card() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('2'));
    let deal = app.pipeline.selected_deal().expect("a lead").clone();
    let effects = press(&mut app, key(KeyCode::Enter));
    assert_eq!(effects, vec![Effect::Load(Request::DealCard(deal.id))]);
    fx.perform(&mut app, effects);
    assert_eq!(app.pipeline.card.as_ref().map(|c| c.deal.id), Some(deal.id));
    press(&mut app, key(KeyCode::Esc));
    assert!(app.pipeline.card.is_none());
}

// =============================================================================================
// update(): forms
// =============================================================================================

#[test]
fn add_opens_an_empty_contact_form_focused_on_the_name() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    assert_eq!(press(&mut app, ch('a')), vec![]);
    let f = form(&app);
    assert_eq!(f.kind, FormKind::AddContact);
    assert_eq!(f.title, "Add a contact");
    let names: Vec<&str> = f.fields.iter().map(|f| f.name).collect();
    assert_eq!(names, vec!["name", "company", "title", "email", "phone", "tags"]);
    assert!(f.fields.iter().all(|f| f.value.is_empty()));
    assert_eq!(f.focus, 0);
}

#[test]
fn typing_edits_the_focused_field_and_tab_shift_tab_move_focus() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('a'));
    type_text(&mut app, "Zoë Fischer");
    assert_eq!(field(&app, "name"), "Zoë Fischer");
    press(&mut app, key(KeyCode::Tab));
    assert_eq!(form(&app).focus, 1);
    type_text(&mut app, "Fischer GmbH");
    assert_eq!(field(&app, "company"), "Fischer GmbH");
    assert_eq!(field(&app, "name"), "Zoë Fischer", "other fields are untouched");
    press(&mut app, shift_tab());
    assert_eq!(form(&app).focus, 0);
    // Line editing: backspace, ctrl-w deletes a word.
    press(&mut app, key(KeyCode::Backspace));
    assert_eq!(field(&app, "name"), "Zoë Fische");
    press(&mut app, ctrl('w'));
    assert_eq!(field(&app, "name"), "Zoë ");
    // Down and up move between fields too; shift-tab from the first field wraps to the last.
    press(&mut app, key(KeyCode::Down));
    assert_eq!(form(&app).focus, 1);
    press(&mut app, key(KeyCode::Up));
    press(&mut app, shift_tab());
    assert_eq!(form(&app).focus, 5);
    // q, 1, ? are text in a form.
    type_text(&mut app, "q1?");
    assert_eq!(field(&app, "tags"), "q1?");
    assert!(!app.quit);
}

#[test]
fn esc_cancels_a_form_without_writing_anything() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('a'));
    type_text(&mut app, "Zoë Fischer");
    let effects = press(&mut app, key(KeyCode::Esc));
    assert_eq!(effects, vec![]);
    assert_eq!(app.modal, None);
    assert_eq!(message(&app), "Cancelled; nothing was saved.");
}

#[test]
fn enter_submits_the_typed_values_as_a_form_write() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('a'));
    type_text(&mut app, "Zoë Fischer ");
    press(&mut app, key(KeyCode::Tab));
    type_text(&mut app, "Fischer GmbH");
    press(&mut app, key(KeyCode::Tab));
    press(&mut app, key(KeyCode::Tab));
    type_text(&mut app, "zoe@fischer.de");
    let effects = press(&mut app, key(KeyCode::Enter));
    let values = vec![
        ("name", "Zoë Fischer".to_string()), // trimmed
        ("company", "Fischer GmbH".to_string()),
        ("title", String::new()),
        ("email", "zoe@fischer.de".to_string()),
        ("phone", String::new()),
        ("tags", String::new()),
    ];
    assert_eq!(effects, vec![Effect::Write(Write::Form(FormKind::AddContact, values))]);
    assert!(form(&app).pending, "the form stays open until the store answers");
    // While saving, keys do nothing (no double submit).
    assert_eq!(press(&mut app, key(KeyCode::Enter)), vec![]);
    type_text(&mut app, "x");
    assert_eq!(field(&app, "name"), "Zoë Fischer ");
}

#[test]
fn a_validation_error_lands_on_its_field_and_keeps_the_form_open() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('a'));
    type_text(&mut app, "Zoë Fischer");
    press(&mut app, key(KeyCode::Enter));
    let effects = update(
        &mut app,
        Msg::Written(Err(WriteError {
            field: Some("email".into()),
            message: "not an email address".into(),
            theirs: None,
        })),
    );
    assert_eq!(effects, vec![]);
    let f = form(&app);
    assert!(!f.pending, "the form can be submitted again");
    assert_eq!(f.fields[f.focus].name, "email", "the field with the error gets the focus");
    assert_eq!(f.fields[f.focus].error.as_deref(), Some("not an email address"));
    assert_eq!(field(&app, "name"), "Zoë Fischer", "what was typed is kept");
    // Typing into the field clears its error.
    type_text(&mut app, "z");
    assert_eq!(form(&app).fields[3].error, None);
}

#[test]
fn a_store_validation_error_comes_back_through_the_worker_onto_the_email_field() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('a'));
    type_text(&mut app, "Zoë Fischer");
    for _ in 0..3 {
        press(&mut app, key(KeyCode::Tab));
    }
    type_text(&mut app, "zoe@");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    let f = form(&app);
    assert_eq!(f.fields[f.focus].name, "email");
    let error = f.fields[f.focus].error.as_deref().expect("an error under the email");
    assert!(error.contains("is not an email address"), "{error}");
    assert_eq!(visible_names(&app).len(), 40, "nothing was written");
}

#[test]
fn a_successful_write_closes_the_form_and_reloads_what_is_on_screen() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('a'));
    type_text(&mut app, "Zoë Fischer");
    press(&mut app, key(KeyCode::Enter));
    let receipt = Receipt { seq: 99, created: vec![], touched: vec![], summary: "created c41 Zoë Fischer".into() };
    let effects = update(&mut app, Msg::Written(Ok(receipt)));
    assert_eq!(app.modal, None);
    assert_eq!(message(&app), "created c41 Zoë Fischer");
    assert_eq!(
        effects,
        vec![
            Effect::Load(Request::Tasks),
            Effect::Load(Request::Agenda),
            Effect::Load(Request::Contacts),
            Effect::Load(Request::Pipeline),
            Effect::Load(Request::JournalHead)
        ]
    );
}

#[test]
fn a_change_made_by_another_crm_shows_up_within_seconds_and_our_own_does_not_count_as_one() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    assert!(app.journal_head.is_some(), "the head is read at startup");
    // Nothing new: watching reloads nothing.
    let effects = update(&mut app, Msg::Watch);
    assert_eq!(effects, vec![Effect::Load(Request::JournalHead)]);
    fx.perform(&mut app, effects);
    assert_eq!(visible_names(&app).len(), 40);
    // Another crm (a CLI in another terminal) adds a contact.
    let input = crm::services::input::ContactInput { name: Some("Zoë Fischer".into()), ..Default::default() };
    fx.crm.apply(fx.crm.contact_changes(None, input).expect("changes")).expect("add");
    let effects = update(&mut app, Msg::Watch);
    fx.perform(&mut app, effects);
    assert!(visible_names(&app).contains(&"Zoë Fischer".to_string()));
    assert_eq!(message(&app), "Updated with changes made in another crm.");
    // Our own write reloads as usual and is not announced as someone else's.
    press(&mut app, ch('a'));
    type_text(&mut app, "Ada Lovelace");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    let effects = update(&mut app, Msg::Watch);
    fx.perform(&mut app, effects);
    assert!(message(&app).ends_with("created contact \"Ada Lovelace\""), "{}", message(&app));
    assert_eq!(visible_names(&app).len(), 42);
}

#[test]
fn a_contact_added_through_the_form_appears_in_the_list() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('a'));
    type_text(&mut app, "Zoë Fischer");
    press(&mut app, key(KeyCode::Tab));
    type_text(&mut app, "Fischer GmbH");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    assert_eq!(app.modal, None, "{:?}", app.message);
    assert_eq!(visible_names(&app).len(), 41);
    let row = app.contacts.rows.as_ref().unwrap().iter().find(|r| r.name() == "Zoë Fischer").expect("new contact");
    assert_eq!(row.company(), "Fischer GmbH");
    assert_eq!(row.owner(), "anna");
}

#[test]
fn logging_a_call_from_the_card_opens_a_call_form_for_that_contact() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    let id = contact_id(&app, "Ashley Green");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    press(&mut app, ch('c'));
    let f = form(&app);
    assert_eq!(f.kind, FormKind::LogActivity { contact: id, kind: crm::domain::ActivityKind::Call });
    assert_eq!(f.title, "Log call with Ashley Green");
    assert_eq!(field(&app, "outcome"), "reached");
}

// =============================================================================================
// update(): pipeline moves
// =============================================================================================

#[test]
fn stage_next_moves_a_lead_deal_to_qualified() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('2'));
    let deal = app.pipeline.selected_deal().expect("a lead").clone();
    assert_eq!(deal.stage, "lead");
    let effects = press(&mut app, ch('>'));
    assert_eq!(
        effects,
        vec![Effect::Write(Write::Changes(vec![Change::MoveDeal {
            deal: deal.id,
            stage: "qualified".into(),
            reason: String::new()
        }]))]
    );
    // Performed: the selection follows the deal into its new column.
    fx.perform(&mut app, effects);
    assert_eq!(app.pipeline.column, 1);
    assert_eq!(app.pipeline.selected_deal().map(|d| d.id), Some(deal.id));
}

#[test]
fn stage_prev_on_a_lead_deal_says_it_is_at_the_end() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('2'));
    let deal = app.pipeline.selected_deal().expect("a lead").clone();
    assert_eq!(press(&mut app, ch('<')), vec![]);
    assert_eq!(message(&app), format!("{} is at the end of the pipeline", deal.title));
}

#[test]
fn mark_won_asks_why_in_a_reason_form() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('2'));
    let deal = app.pipeline.selected_deal().expect("a lead").clone();
    assert_eq!(press(&mut app, ch('w')), vec![]);
    assert_eq!(form(&app).kind, FormKind::Reason { deal: deal.id, stage: "won".into() });
    assert_eq!(form(&app).title, format!("Won: {} — why?", deal.title));
    type_text(&mut app, "budget approved");
    let effects = press(&mut app, key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Write(Write::Form(
            FormKind::Reason { deal: deal.id, stage: "won".into() },
            vec![("reason", "budget approved".into())]
        ))]
    );
}

#[test]
fn moving_past_the_last_stage_gives_a_message_and_no_effect() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('2'));
    press(&mut app, ch('G')); // stays in Lead: bottom of the column
    for _ in 0..5 {
        press(&mut app, key(KeyCode::Right));
    }
    let deal = app.pipeline.selected_deal().expect("a lost deal").clone();
    assert_eq!(deal.stage, "lost");
    // At 80 columns the board scrolls sideways to keep the selected column on screen.
    let screen = render_to_string(&app, 80, 24);
    assert!(screen.contains("┌ ◂ Negotiation (1)") && screen.contains("┌ Lost (1)"), "{screen}");
    assert_eq!(press(&mut app, ch('>')), vec![]);
    assert_eq!(message(&app), format!("{} is at the end of the pipeline", deal.title));
    // Marking a lost deal lost again is refused too.
    assert_eq!(press(&mut app, ch('x')), vec![]);
    assert_eq!(message(&app), format!("{} is already in Lost", deal.title));
    assert_eq!(app.modal, None);
}

// =============================================================================================
// update(): reminders
// =============================================================================================

#[test]
fn done_completes_the_selected_task() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    let task = selected_task(&app);
    assert_eq!(press(&mut app, key(KeyCode::Char(' '))), vec![Effect::Write(Write::Complete(task.id))]);
    assert_eq!(press(&mut app, ch('x')), vec![Effect::Write(Write::Complete(task.id))]);
    // A task already done is not completed twice.
    press(&mut app, ch('G'));
    assert!(selected_task(&app).done.is_some());
    assert_eq!(press(&mut app, ch('x')), vec![]);
}

#[test]
fn snooze_keys_snooze_by_an_hour_to_tomorrow_and_to_monday() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    let id = selected_task(&app).id;
    assert_eq!(press(&mut app, ch('z')), vec![Effect::Write(Write::Snooze(id, "in 1h".into()))]);
    assert_eq!(press(&mut app, ch('Z')), vec![Effect::Write(Write::Snooze(id, "tomorrow morning".into()))]);
    assert_eq!(press(&mut app, ch('M')), vec![Effect::Write(Write::Snooze(id, "next mon morning".into()))]);
}

#[test]
fn snoozing_moves_an_overdue_task_out_of_overdue() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    assert_eq!(app.counts(), (2, 1));
    let effects = press(&mut app, ch('z'));
    fx.perform(&mut app, effects);
    assert_eq!(app.counts().0, 1, "{:?}", app.message);
}

#[test]
fn a_task_snoozed_past_next_week_is_listed_under_later() {
    use crm::tui::panes::reminders::{visible, Section};
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    let task = selected_task(&app);
    assert_eq!(task.title, "Send the revised proposal");
    let until = fx.crm.parse_instant("2026-12-20 09:00").expect("a time");
    let effects = vec![Effect::Write(Write::Changes(vec![Change::SnoozeTask { task: task.id, until }]))];
    fx.perform(&mut app, effects);
    let rows = visible(&app, app.now);
    let (section, _) =
        rows.iter().find(|(_, t)| t.reference() == crm::domain::Ref::Task(task.id)).expect("still listed");
    assert_eq!(*section, Section::Later, "due in the past but snoozed for three weeks");
    assert_eq!(selected_task(&app).id, task.id, "the selection follows the task to its new place");
    // A task snoozed for an hour is due again today, shown after the overdue ones.
    press(&mut app, ch('g'));
    assert_eq!(selected_task(&app).title, "Call back about the invoice");
    let effects = press(&mut app, ch('z'));
    fx.perform(&mut app, effects);
    let rows = visible(&app, app.now);
    let sections: Vec<(Section, &str)> = rows.iter().map(|(s, t)| (*s, t.title())).collect();
    assert_eq!(sections[0], (Section::Today, "Call back about the invoice"), "{sections:?}");
}

#[test]
fn snooze_pick_opens_a_form_for_the_time() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    let task = selected_task(&app);
    assert_eq!(press(&mut app, ch('p')), vec![]);
    assert_eq!(form(&app).kind, FormKind::SnoozeUntil(task.id));
    assert_eq!(field(&app, "until"), "tomorrow morning");
    press(&mut app, ctrl('u'));
    type_text(&mut app, "mon 9:00");
    assert_eq!(
        press(&mut app, key(KeyCode::Enter)),
        vec![Effect::Write(Write::Form(FormKind::SnoozeUntil(task.id), vec![("until", "mon 9:00".into())]))]
    );
}

#[test]
fn toggle_all_users_shows_everyones_tasks_and_back() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    let mine = reminder_titles(&app).len();
    press(&mut app, ch('j'));
    press(&mut app, ch('A'));
    assert!(app.reminders.all_users);
    assert_eq!(message(&app), "Showing everyone's reminders");
    assert_eq!(app.reminders.selected, 0);
    let all = crm::tui::panes::reminders::visible(&app, app.now);
    assert!(all.len() > mine);
    assert!(all.iter().any(|(_, t)| t.assignee() == "leila"));
    press(&mut app, ch('A'));
    assert!(!app.reminders.all_users);
    assert_eq!(message(&app), "Showing your reminders");
    assert_eq!(reminder_titles(&app).len(), mine);
}

/// Adds Zoë Fischer, anna's, to be called every 3 days; the last call was `days_ago` days ago
/// (ten: her follow-up is a week overdue).
fn add_cadence_contact(fx: &Fixture, days_ago: i64) -> crm::domain::ContactId {
    use crm::domain::*;
    let now = fx.crm.now();
    let contact = Contact {
        id: ContactId::placeholder(0),
        name: "Zoë Fischer".into(),
        owner: "anna".into(),
        cadence_days: Some(3),
        created: now.plus_days(-40),
        ..Contact::default()
    };
    let call = Activity {
        id: ActivityId::placeholder(1),
        kind: ActivityKind::Call,
        at: now.plus_days(-days_ago),
        contact: Some(ContactId::placeholder(0)),
        summary: "Intro call".into(),
        ..Activity::default()
    };
    let r = fx
        .crm
        .apply(vec![Change::Create(Record::Contact(contact)), Change::Create(Record::Activity(call))])
        .expect("add contact");
    match r.created.first() {
        Some(Ref::Contact(id)) => *id,
        other => panic!("expected a contact, got {other:?}"),
    }
}

#[test]
fn a_follow_up_due_by_cadence_is_a_reminder_ranked_by_urgency_and_done_logs_a_call() {
    use crm::services::agenda::ItemKind;
    use crm::tui::panes::reminders::{visible, Entry, Section};
    let fx = Fixture::busy();
    let zoe = add_cadence_contact(&fx, 10);
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    let rows = visible(&app, app.now);
    let pos = rows
        .iter()
        .position(|(_, e)| matches!(e, Entry::Item(i) if i.kind == ItemKind::FollowUp && i.id == Ref::Contact(zoe)))
        .expect("the follow-up is listed");
    assert_eq!(rows[pos].0, Section::Overdue);
    assert!(rows[pos].1.title().starts_with("Follow up with Zoë Fischer (every 3 days"), "{}", rows[pos].1.title());
    // Within a section, the most urgent first.
    let overdue: Vec<f64> =
        rows.iter().filter(|(s, _)| *s == Section::Overdue).map(|(_, e)| app.reminders.score(e)).collect();
    assert_eq!(overdue.len(), 3, "two tasks and the follow-up");
    assert!(overdue.windows(2).all(|w| w[0] >= w[1]), "{overdue:?}");
    drop(rows);
    app.reminders.selected = pos;
    // Why it ranks there.
    assert_eq!(press(&mut app, ch('w')), vec![]);
    assert!(message(&app).contains("urgency") && message(&app).contains("follow-up 7 days late"), "{}", message(&app));
    // Done on a follow-up logs the call it asks for.
    assert_eq!(press(&mut app, key(KeyCode::Char(' '))), vec![]);
    assert_eq!(form(&app).kind, FormKind::LogActivity { contact: zoe, kind: crm::domain::ActivityKind::Call });
    type_text(&mut app, "Called about the order");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    assert_eq!(app.modal, None, "{:?}", app.message);
    let rows = visible(&app, app.now);
    let (section, _) =
        rows.iter().find(|(_, e)| e.reference() == Ref::Contact(zoe)).expect("the next follow-up is listed");
    assert_eq!(*section, Section::Week, "the call resets the cadence: next one in three days");
}

#[test]
fn explain_on_a_task_gives_its_urgency_and_the_reasons() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    assert_eq!(selected_task(&app).title, "Send the revised proposal");
    press(&mut app, ch('w'));
    let text = message(&app);
    // Default weights (docs/reminders.md): 6 for being overdue, 2 a day for 3 days, 3 for high.
    assert!(text.contains("urgency 15.0"), "{text}");
    assert!(text.contains("3 days overdue") && text.contains("high priority"), "{text}");
}

#[test]
fn the_overdue_reminder_lists_follow_ups_too_and_done_on_one_opens_the_call_log() {
    let fx = Fixture::busy();
    let zoe = add_cadence_contact(&fx, 10);
    let mut app = fx.app();
    assert!(matches!(app.modal, Some(Modal::Overdue { .. })));
    let refs: Vec<Ref> = app.my_overdue().iter().map(|e| e.reference()).collect();
    assert_eq!(refs.len(), 3, "{refs:?}");
    // Most overdue first: the follow-up was due a week ago, before both tasks.
    assert_eq!(refs[0], Ref::Contact(zoe));
    assert_eq!(app.counts().0, 3);
    assert_eq!(press(&mut app, key(KeyCode::Char(' '))), vec![]);
    assert_eq!(form(&app).kind, FormKind::LogActivity { contact: zoe, kind: crm::domain::ActivityKind::Call });
}

#[test]
fn a_stale_deal_is_listed_and_enter_opens_it_in_the_pipeline() {
    use crm::services::agenda::ItemKind;
    use crm::tui::panes::reminders::{visible, Entry};
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    press(&mut app, ch('A'));
    let rows = visible(&app, app.now);
    let (pos, deal) = rows
        .iter()
        .enumerate()
        .find_map(|(i, (_, e))| match e {
            Entry::Item(it) if it.kind == ItemKind::Stale => Some((i, it.id.clone())),
            _ => None,
        })
        .expect("the demo has stale deals");
    drop(rows);
    app.reminders.selected = pos;
    let Ref::Deal(id) = deal else { panic!("a stale item is about a deal") };
    assert_eq!(press(&mut app, key(KeyCode::Enter)), vec![Effect::Load(Request::DealCard(id))]);
    assert_eq!(app.tab, Tab::Pipeline);
}

#[test]
fn enter_on_a_task_opens_its_contact_card() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    let task = selected_task(&app);
    let effects = press(&mut app, key(KeyCode::Enter));
    assert_eq!(effects, vec![Effect::Load(Request::ContactCard(task.contact_id.unwrap()))]);
    assert_eq!(app.tab, Tab::Contacts);
}

// =============================================================================================
// update(): the overdue reminder at startup
// =============================================================================================

#[test]
fn the_overdue_reminder_opens_after_the_first_task_and_agenda_loads_when_anna_has_overdue_tasks() {
    let fx = Fixture::busy();
    let mut app = App::new("anna".into(), DB_PATH.into(), Keymap::default_keymap(), Theme::default_theme());
    app.now = fx.crm.now();
    update(&mut app, Msg::Loaded(fx.load(Request::Contacts)));
    assert_eq!(app.modal, None, "not before the tasks are loaded");
    update(&mut app, Msg::Loaded(fx.load(Request::Tasks)));
    assert_eq!(app.modal, None, "not before the follow-ups are known");
    update(&mut app, Msg::Loaded(fx.load(Request::Agenda)));
    assert_eq!(app.modal, Some(Modal::Overdue { selected: 0 }));
    let titles: Vec<&str> = app.my_overdue().iter().map(|t| t.title()).collect();
    assert_eq!(titles, vec!["Send the revised proposal", "Call back about the invoice"]);
}

#[test]
fn the_reminders_pane_starts_at_the_top_whatever_loads_first() {
    let fx = Fixture::busy();
    // 40 days since the last call: as urgent as the worst task (15), and due earlier.
    add_cadence_contact(&fx, 40);
    let mut app = App::new("anna".into(), DB_PATH.into(), Keymap::default_keymap(), Theme::default_theme());
    app.now = fx.crm.now();
    update(&mut app, Msg::Loaded(fx.load(Request::Tasks)));
    assert_eq!(reminder_titles(&app)[0], "Send the revised proposal");
    assert_eq!(app.reminders.selected, 0);
    // The follow-up arrives and ranks first: the selection stays on the first line, not on
    // the task that was first before.
    update(&mut app, Msg::Loaded(fx.load(Request::Agenda)));
    assert_eq!(app.reminders.selected, 0);
    assert!(reminder_titles(&app)[0].starts_with("Follow up with Zoë Fischer"), "{:?}", reminder_titles(&app));
}

#[test]
fn the_overdue_reminder_stays_closed_when_nothing_of_anna_is_overdue() {
    let fx = Fixture::demo();
    let mut app = fx.app();
    // Others have overdue tasks; anna has none.
    assert!(fx
        .crm
        .tasks(&Default::default())
        .unwrap()
        .iter()
        .any(|t| t.state == crm::domain::agenda::TaskState::Overdue && t.assignee != "anna"));
    assert_eq!(app.modal, None);
    // Only the first load decides: a task falling overdue later does not pop up the reminder.
    fx.add_task("Late one", "2026-11-20", None, None, "normal");
    fx.perform(&mut app, vec![Effect::Load(Request::Tasks)]);
    assert_eq!(app.counts().0, 1);
    assert_eq!(app.modal, None);
}

#[test]
fn esc_dismisses_the_overdue_reminder_for_good() {
    let fx = Fixture::busy();
    let mut app = fx.app();
    assert!(matches!(app.modal, Some(Modal::Overdue { .. })));
    assert_eq!(press(&mut app, key(KeyCode::Esc)), vec![]);
    assert_eq!(app.modal, None);
    fx.perform(&mut app, vec![Effect::Load(Request::Tasks)]);
    assert_eq!(app.modal, None, "reloading does not bring it back");
}

#[test]
fn done_in_the_overdue_reminder_completes_the_selected_task() {
    let fx = Fixture::busy();
    let mut app = fx.app();
    let crm::domain::Ref::Task(second) = app.my_overdue()[1].reference() else { panic!("not a task") };
    press(&mut app, key(KeyCode::Down));
    assert_eq!(app.modal, Some(Modal::Overdue { selected: 1 }));
    let effects = press(&mut app, key(KeyCode::Char(' ')));
    assert_eq!(effects, vec![Effect::Write(Write::Complete(second))]);
    // Performed: one overdue task is left and stays selected; the reminder is still up.
    fx.perform(&mut app, effects);
    assert_eq!(app.my_overdue().len(), 1);
    assert_eq!(app.modal, Some(Modal::Overdue { selected: 0 }));
    // Completing the last one closes it.
    let effects = press(&mut app, ch('x'));
    fx.perform(&mut app, effects);
    assert_eq!(app.modal, None);
    assert_eq!(app.counts().0, 0);
}

#[test]
fn keys_of_the_panes_do_nothing_under_the_overdue_reminder() {
    let fx = Fixture::busy();
    let mut app = fx.app();
    assert_eq!(press(&mut app, ch('2')), vec![]);
    assert_eq!(press(&mut app, ch('a')), vec![]);
    assert_eq!(app.tab, Tab::Contacts);
    assert!(matches!(app.modal, Some(Modal::Overdue { .. })));
}

// =============================================================================================
// update(): confirmation, undo/redo, help, quit, messages
// =============================================================================================

#[test]
fn delete_asks_first_and_n_or_esc_cancel_without_effect() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    assert_eq!(press(&mut app, ch('d')), vec![]);
    match &app.modal {
        Some(Modal::Confirm { question, .. }) => {
            assert!(question.starts_with("Move Ashley Green (c34) to the trash?"), "{question}")
        }
        other => panic!("expected a confirmation, got {other:?}"),
    }
    assert_eq!(press(&mut app, ch('n')), vec![]);
    assert_eq!(app.modal, None);
    assert_eq!(message(&app), "Cancelled.");
    press(&mut app, ch('d'));
    assert_eq!(press(&mut app, key(KeyCode::Esc)), vec![]);
    assert_eq!(app.modal, None);
}

#[test]
fn y_confirms_the_delete() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    let id = contact_id(&app, "Ashley Green");
    press(&mut app, ch('d'));
    let effects = press(&mut app, ch('y'));
    assert_eq!(effects, vec![Effect::Write(Write::Changes(vec![Change::Trash { target: Ref::Contact(id) }]))]);
    assert_eq!(app.modal, None);
    fx.perform(&mut app, effects);
    assert_eq!(visible_names(&app).len(), 39);
    assert!(!visible_names(&app).contains(&"Ashley Green".to_string()));
}

#[test]
fn u_undoes_and_ctrl_r_redoes() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    assert_eq!(press(&mut app, ch('u')), vec![Effect::Write(Write::Undo)]);
    assert_eq!(press(&mut app, ctrl('r')), vec![Effect::Write(Write::Redo)]);
    // Undo brings back a deleted contact.
    press(&mut app, ch('d'));
    let effects = press(&mut app, ch('y'));
    fx.perform(&mut app, effects);
    assert_eq!(visible_names(&app).len(), 39);
    let effects = press(&mut app, ch('u'));
    fx.perform(&mut app, effects);
    assert_eq!(visible_names(&app).len(), 40);
    let effects = press(&mut app, ctrl('r'));
    fx.perform(&mut app, effects);
    assert_eq!(visible_names(&app).len(), 39);
}

#[test]
fn question_mark_opens_help_which_scrolls_and_closes() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    assert_eq!(press(&mut app, ch('?')), vec![]);
    assert_eq!(app.modal, Some(Modal::Help { scroll: 0 }));
    press(&mut app, key(KeyCode::Down));
    press(&mut app, key(KeyCode::PageDown));
    assert_eq!(app.modal, Some(Modal::Help { scroll: 11 }));
    press(&mut app, ch('?'));
    assert_eq!(app.modal, None);
    press(&mut app, key(KeyCode::F(1)));
    assert!(matches!(app.modal, Some(Modal::Help { .. })));
    press(&mut app, key(KeyCode::Esc));
    assert_eq!(app.modal, None);
}

#[test]
fn q_quits() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    assert_eq!(press(&mut app, ch('q')), vec![Effect::Quit]);
    assert!(app.quit);
}

#[test]
fn ctrl_c_quits_even_from_a_form() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('a'));
    assert_eq!(press(&mut app, ctrl('c')), vec![Effect::Quit]);
    assert!(app.quit);
}

#[test]
fn a_failed_load_shows_an_error_and_a_tick_reloads_tasks() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    assert_eq!(update(&mut app, Msg::Failed("database is busy".into())), vec![]);
    assert_eq!(app.message, Some(("database is busy".into(), crm::tui::app::MessageKind::Error)));
    assert_eq!(update(&mut app, Msg::Tick), vec![Effect::Load(Request::Tasks), Effect::Load(Request::Agenda)]);
}

// =============================================================================================
// Snapshots
// =============================================================================================

#[test]
fn snapshot_contacts_list() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('j'));
    snapshot("contacts_list", &app);
}

#[test]
fn snapshot_contacts_list_filtered() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('f'));
    type_text(&mut app, "kaya");
    snapshot("contacts_filtered", &app);
}

#[test]
fn snapshot_contact_card() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    let id = contact_id(&app, "Jessica White");
    fx.perform(&mut app, vec![Effect::Load(Request::ContactCard(id))]);
    snapshot("contact_card", &app);
}

#[test]
fn snapshot_pipeline_board() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('2'));
    press(&mut app, ch('j'));
    snapshot("pipeline", &app);
}

#[test]
fn snapshot_deal_card() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('2'));
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    assert!(app.pipeline.card.is_some());
    snapshot("deal_card", &app);
}

#[test]
fn snapshot_reminders() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    press(&mut app, ch('j'));
    snapshot("reminders", &app);
}

#[test]
fn snapshot_reminders_everyone() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    press(&mut app, ch('A'));
    snapshot("reminders_everyone", &app);
}

#[test]
fn snapshot_form_with_a_validation_error() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('a'));
    type_text(&mut app, "Zoë Fischer");
    press(&mut app, key(KeyCode::Tab));
    type_text(&mut app, "Fischer GmbH");
    press(&mut app, key(KeyCode::Tab));
    press(&mut app, key(KeyCode::Tab));
    type_text(&mut app, "zoe@");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    assert!(form(&app).fields[3].error.is_some());
    snapshot("form_error", &app);
}

#[test]
fn snapshot_overdue_reminder() {
    let fx = Fixture::busy();
    let app = fx.app();
    assert!(matches!(app.modal, Some(Modal::Overdue { .. })));
    snapshot("overdue", &app);
}

#[test]
fn snapshot_confirm_delete() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('d'));
    snapshot("confirm_delete", &app);
}

#[test]
fn snapshot_help() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('?'));
    snapshot("help", &app);
}

#[test]
fn the_welcome_screen_suggests_loading_demo_data_into_the_database_that_is_open() {
    let fx = Fixture::empty();
    let mut app = fx.app();
    assert!(render_to_string(&app, 80, 24).contains("│    crm demo --contacts 500 "));
    // Opened with --db: the suggested command must fill that database, not the default one.
    app.db_arg = Some("--db /tmp/qa-db".into());
    let screen = render_to_string(&app, 80, 24);
    assert!(screen.contains("    crm --db /tmp/qa-db demo --contacts 500"), "{screen}");
}

#[test]
fn snapshot_welcome_on_an_empty_database() {
    let fx = Fixture::empty();
    let app = fx.app();
    assert_eq!(app.contacts.rows.as_ref().map(Vec::len), Some(0));
    assert_eq!(app.modal, None);
    snapshot("welcome", &app);
}

#[test]
fn snapshot_terminal_too_small() {
    let fx = Fixture::demo();
    let app = fx.app_dismissed();
    let text = render_to_string(&app, 60, 15);
    assert!(text.contains("It is 60×15; crm needs at least 80×24."), "{text}");
    insta::assert_snapshot!("too_small_60x15", text);
    // One column or one row short is too small as well.
    assert!(render_to_string(&app, 79, 24).contains("crm needs a larger terminal"));
    assert!(render_to_string(&app, 80, 23).contains("crm needs a larger terminal"));
    assert!(!render_to_string(&app, 80, 24).contains("crm needs a larger terminal"));
}

// =============================================================================================
// Styles
// =============================================================================================

#[test]
fn an_overdue_due_time_is_drawn_in_the_overdue_style() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    // Select something else so that the row's selection style does not mix in.
    press(&mut app, ch('G'));
    let buf = render(&app, 80, 24);
    let overdue = app.theme.style(Role::Overdue);
    assert!(overdue.fg.is_some_and(|c| c != Color::Reset), "the default theme colours overdue tasks");
    let (x, y) = find_text(&buf, "2026-11-24 14:00").expect("the overdue due time on screen");
    for dx in 0.."2026-11-24 14:00".len() as u16 {
        let cell = &buf[(x + dx, y)];
        assert_eq!(Some(cell.fg), overdue.fg, "cell ({}, {y})", x + dx);
        assert!(cell.modifier.contains(overdue.add_modifier), "cell ({}, {y})", x + dx);
    }
    // A task due later is not drawn like that.
    let (x, y) = find_text(&buf, "2026-12-09 08:15").expect("a later task");
    assert_eq!(Some(buf[(x, y)].fg), app.theme.style(Role::Upcoming).fg);
    assert_ne!(Some(buf[(x, y)].fg), overdue.fg);
}

#[test]
fn without_colour_no_cell_has_a_colour_on_any_screen() {
    let fx = Fixture::busy();
    let mut app = fx.app_with(Theme::default_theme().without_colour());
    let mut screens = Vec::new();
    let mut shot = |app: &App, what: &str| {
        for (w, h) in [(80, 24), (160, 48), (60, 15)] {
            screens.push((format!("{what} at {w}×{h}"), render(app, w, h)));
        }
    };
    shot(&app, "overdue reminder");
    press(&mut app, key(KeyCode::Esc));
    shot(&app, "contacts");
    press(&mut app, ch('f'));
    type_text(&mut app, "kaya");
    shot(&app, "filtered contacts");
    press(&mut app, key(KeyCode::Esc));
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    shot(&app, "contact card");
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, ch('2'));
    shot(&app, "pipeline");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    shot(&app, "deal card");
    press(&mut app, ch('3'));
    shot(&app, "reminders");
    press(&mut app, ch('p'));
    shot(&app, "form");
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, ch('d'));
    shot(&app, "confirmation");
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, ch('?'));
    shot(&app, "help");
    for (what, buf) in &screens {
        for cell in buf.content() {
            assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{what}: {:?} is coloured", cell.symbol());
        }
    }
    // The selection is still visible without colour.
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, ch('1'));
    let buf = render(&app, 80, 24);
    let (x, y) = find_text(&buf, "Ashley Green").expect("the selected contact");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
}

// =============================================================================================
// update(): the search palette
// =============================================================================================

/// Builds the search index the way the runtime does at startup.
fn with_index(fx: &Fixture, app: &mut App) {
    let data = crm::tui::worker::load(&crm::api::Client::local(fx.crm.clone()), &Request::SearchIndex).expect("index");
    update(app, Msg::Loaded(data));
}

#[test]
fn slash_opens_the_search_palette_from_any_pane_and_results_follow_each_keystroke() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    with_index(&fx, &mut app);
    press(&mut app, ch('2'));
    press(&mut app, ch('/'));
    assert!(matches!(app.modal, Some(Modal::Search(_))));
    type_text(&mut app, "celik");
    let Some(Modal::Search(p)) = &app.modal else { panic!("palette closed") };
    let labels: Vec<&str> = p.hits.iter().map(|h| h.label.as_str()).collect();
    assert!(labels.contains(&"Can Çelik") && labels.contains(&"Fatma Çelik"), "{labels:?}");
    assert!(p.hits.iter().all(|h| h.kind == crm::domain::EntityKind::Contact));
    // Enter opens the contact's card in the contacts pane.
    let effects = press(&mut app, key(KeyCode::Enter));
    assert_eq!(app.tab, Tab::Contacts);
    assert!(matches!(effects.as_slice(), [Effect::Load(Request::ContactCard(_))]), "{effects:?}");
    assert!(app.modal.is_none());
}

#[test]
fn palette_prefixes_restrict_the_type_and_esc_closes() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    with_index(&fx, &mut app);
    press(&mut app, ch('/'));
    type_text(&mut app, "$supply");
    let Some(Modal::Search(p)) = &app.modal else { panic!("palette closed") };
    assert!(!p.hits.is_empty());
    assert!(p.hits.iter().all(|h| h.kind == crm::domain::EntityKind::Deal), "{:?}", p.hits);
    // Keys that are commands elsewhere are text here.
    type_text(&mut app, "q");
    assert!(!app.quit);
    press(&mut app, key(KeyCode::Esc));
    assert!(app.modal.is_none());
}

// =============================================================================================
// update(): a task falling due while crm is open
// =============================================================================================

#[test]
fn a_task_that_falls_due_while_crm_is_open_is_announced_once() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    // "Prepare the quarterly review" is due today at 16:00; at 16:01 it is overdue.
    let mut rows = match fx.load(Request::Tasks) {
        Data::Tasks(rows) => rows,
        other => panic!("{other:?}"),
    };
    for r in rows.iter_mut().filter(|r| r.title == "Prepare the quarterly review") {
        r.state = crm::domain::agenda::TaskState::Overdue;
    }
    let effects = update(&mut app, Msg::Loaded(Data::Tasks(rows.clone())));
    assert_eq!(message(&app), "Now due: Prepare the quarterly review");
    assert_eq!(effects, vec![Effect::Notify("Now due: Prepare the quarterly review".into())]);
    // The next reload does not announce it again.
    app.message = None;
    let effects = update(&mut app, Msg::Loaded(Data::Tasks(rows)));
    assert_eq!(effects, vec![]);
    assert!(app.message.is_none());
}

// =============================================================================================
// The status line at 80×24
// =============================================================================================

#[test]
fn a_long_message_takes_the_place_of_the_database_path_in_the_status_line() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    let status = |app: &App| render_to_string(app, 80, 24).lines().nth(22).unwrap_or_default().to_string();
    assert!(status(&app).contains(DB_PATH), "{}", status(&app));
    // A short message fits beside the path.
    app.error("Saved");
    assert!(status(&app).contains(DB_PATH) && status(&app).ends_with("· Saved"), "{}", status(&app));
    // A long one (a keymap typo found at start) needs the room: the path gives way.
    let text = "2 config problems (`crm config check`): k.toml:1";
    app.error(text);
    assert!(!status(&app).contains(DB_PATH), "{}", status(&app));
    assert!(status(&app).ends_with(text), "{}", status(&app));
}

#[test]
fn the_pipeline_at_80x24_shows_every_currency_total_and_the_stale_mark_whole() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('2'));
    let screen = render_to_string(&app, 80, 24);
    // Lead holds euros and dollars: each total and weighted total is on a line of its own.
    for figure in ["Σ €1,200", "weighted €120", "Σ $770", "weighted $77"] {
        assert!(screen.contains(figure), "{figure} missing:\n{screen}");
    }
    // d3 is stale: the mark comes before its company, which is cut with "…" if it must be.
    assert!(screen.contains("│  stale ООО «Смирнов»"), "{screen}");
    assert!(screen.contains("d3 Pilot project – ООО «…│"), "{screen}");
}

#[test]
fn the_overdue_header_counts_stale_deals_apart_from_reminders() {
    use crm::tui::panes::reminders::{visible, Entry, Section};
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    press(&mut app, ch('3'));
    press(&mut app, ch('A'));
    let rows = visible(&app, app.now);
    let overdue: Vec<_> = rows.iter().filter(|(s, _)| *s == Section::Overdue).collect();
    let stale = overdue
        .iter()
        .filter(|(_, e)| matches!(e, Entry::Item(it) if it.kind == crm::services::agenda::ItemKind::Stale))
        .count();
    assert!(stale > 1, "the busy week has stale deals overdue");
    let header = format!("Overdue ({}, and {stale} stale deals)", overdue.len() - stale);
    let screen = render_to_string(&app, 80, 24);
    assert!(screen.contains(&header), "{header}\n{screen}");
    // In anna's own view the reminders count is the status line's "N overdue".
    press(&mut app, ch('A'));
    let (mine, _) = app.counts();
    let screen = render_to_string(&app, 80, 24);
    assert!(screen.contains(&format!("Overdue ({mine}")), "{mine}\n{screen}");
    assert!(screen.contains(&format!("· {mine} overdue")), "{screen}");
}

#[test]
fn a_long_overdue_reminder_ends_in_an_ellipsis_and_a_wide_terminal_shows_it_whole() {
    let fx = Fixture::busy();
    let title = "Send the signed framework agreement with the revised price list";
    fx.add_task(title, "2026-11-25 09:00", Some("Jessica White"), None, "normal");
    let app = fx.app();
    assert!(matches!(app.modal, Some(Modal::Overdue { .. })));
    let narrow = render_to_string(&app, 80, 24);
    let line = narrow.lines().find(|l| l.contains("Send the signed")).unwrap_or_else(|| panic!("{narrow}"));
    assert!(line.contains("…│"), "cut with an ellipsis inside the border: {line}");
    let wide = render_to_string(&app, 160, 48);
    assert!(wide.contains(&format!("{title} · Jessica White")), "{wide}");
}

#[test]
fn one_contact_is_counted_in_the_singular() {
    let fx = Fixture::empty();
    let one = crm::services::input::ContactInput { name: Some("Seed Person".into()), ..Default::default() };
    fx.crm.apply(fx.crm.contact_changes(None, one).expect("contact")).expect("add contact");
    let app = fx.app();
    let screen = render_to_string(&app, 80, 24);
    assert!(screen.contains(" 1 contact · sorted by name"), "{screen}");
}

// =============================================================================================
// update(): an edit made while another crm changed the same record
// =============================================================================================

fn stored_contact(fx: &Fixture, id: crm::domain::ContactId) -> crm::domain::Contact {
    match fx.crm.store().get(&Ref::Contact(id)).expect("read") {
        Some(crm::domain::Record::Contact(c)) => c,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_edit_saves_only_the_fields_typed_in_and_keeps_what_another_crm_changed_meanwhile() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    let id = contact_id(&app, &selected_name(&app));
    let before = stored_contact(&fx, id);
    press(&mut app, ch('e'));
    assert_eq!(form(&app).kind, FormKind::EditContact(id));
    // Another crm (the CLI in a second terminal) changes the job title and adds a tag.
    let other = crm::services::input::ContactInput {
        title: Some("Head of Purchasing".into()),
        tags: vec!["vip".into()],
        ..Default::default()
    };
    fx.crm.apply(fx.crm.contact_changes(Some(id), other).expect("changes")).expect("other crm");
    // This form still shows the old title and tags; only the name is edited.
    type_text(&mut app, " Jr");
    let effects = press(&mut app, key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Write(Write::Edit {
            kind: FormKind::EditContact(id),
            typed: vec![("name", format!("{} Jr", before.name))],
            shown: vec![("name", before.name.clone())],
        })]
    );
    fx.perform(&mut app, effects);
    let after = stored_contact(&fx, id);
    assert_eq!(after.name, format!("{} Jr", before.name));
    assert_eq!(after.title, "Head of Purchasing", "the other crm's title is kept");
    assert!(after.tags.iter().any(|t| t == "vip"), "the other crm's tag is kept: {:?}", after.tags);
    assert_eq!(after.emails, before.emails);
    assert_eq!(after.phones, before.phones);
    // Editing the email replaces the first one, as before.
    press(&mut app, ch('e'));
    while form(&app).fields[form(&app).focus].name != "email" {
        press(&mut app, key(KeyCode::Tab));
    }
    press(&mut app, ctrl('u'));
    type_text(&mut app, "new.address@example.com");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    let emails: Vec<String> = stored_contact(&fx, id).emails.iter().map(|e| e.value.clone()).collect();
    assert!(emails.contains(&"new.address@example.com".to_string()), "{emails:?}");
    assert!(!emails.contains(&before.emails[0].value), "{emails:?}");
    assert_eq!(stored_contact(&fx, id).title, "Head of Purchasing");
    // Saving an edit form with nothing changed writes nothing.
    press(&mut app, ch('e'));
    assert_eq!(press(&mut app, key(KeyCode::Enter)), vec![]);
    assert_eq!(app.modal, None);
    assert_eq!(message(&app), "Nothing changed; nothing was saved.");
}

#[test]
fn the_same_field_saved_meanwhile_by_another_rep_is_a_conflict_with_both_values_to_choose_from() {
    let fx = Fixture::demo();
    let mut app = fx.app_dismissed();
    let id = contact_id(&app, &selected_name(&app));
    let before = stored_contact(&fx, id);
    let other_rep = |title: &str| {
        let input = crm::services::input::ContactInput { title: Some(title.into()), ..Default::default() };
        fx.crm.apply(fx.crm.contact_changes(Some(id), input).expect("changes")).expect("other rep saves");
    };
    // This rep opens the form and changes the job title and the name...
    press(&mut app, ch('e'));
    press(&mut app, key(KeyCode::Tab));
    press(&mut app, key(KeyCode::Tab));
    assert_eq!(form(&app).fields[form(&app).focus].name, "title");
    press(&mut app, ctrl('u'));
    type_text(&mut app, "Buyer");
    // ...while another rep saves a different job title.
    other_rep("Head of Purchasing");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    // Nothing was saved; the form says whose value is whose.
    assert_eq!(stored_contact(&fx, id).title, "Head of Purchasing");
    let f = form(&app);
    let title = f.fields.iter().find(|x| x.name == "title").expect("title field");
    assert_eq!(title.value, "Buyer", "what was typed is still there");
    assert_eq!(title.theirs.as_deref(), Some("Head of Purchasing"));
    assert_eq!(title.error.as_deref(), Some("someone else saved \"Head of Purchasing\" meanwhile"));
    assert_eq!(f.error.as_deref(), Some("Keep yours: enter · take theirs: ctrl-t"));
    // Take theirs: the field shows their value and is no longer changed by this form.
    press(&mut app, ctrl('t'));
    let title = form(&app).fields.iter().find(|x| x.name == "title").expect("title field").clone();
    assert_eq!((title.value.as_str(), title.theirs.as_ref(), title.error.as_ref()), ("Head of Purchasing", None, None));
    assert_eq!(press(&mut app, key(KeyCode::Enter)), vec![], "nothing left to save");
    // Again, and this time keep ours: saving a second time replaces theirs, knowingly.
    press(&mut app, ch('e'));
    press(&mut app, key(KeyCode::Tab));
    press(&mut app, key(KeyCode::Tab));
    press(&mut app, ctrl('u'));
    type_text(&mut app, "Buyer");
    other_rep("Chief Buyer");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    assert_eq!(stored_contact(&fx, id).title, "Chief Buyer");
    assert!(form(&app).fields.iter().any(|x| x.theirs.as_deref() == Some("Chief Buyer")));
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    assert_eq!(app.modal, None, "saved");
    let after = stored_contact(&fx, id);
    assert_eq!(after.title, "Buyer");
    assert_eq!(after.name, before.name);
}

#[test]
fn share_on_the_contact_card_asks_for_a_login_and_shares_the_contact() {
    let fx = Fixture::busy();
    let mut app = fx.app_dismissed();
    let id = contact_id(&app, "Jessica White");
    fx.perform(&mut app, vec![Effect::Load(Request::ContactCard(id))]);
    assert_eq!(press(&mut app, ch('S')), vec![]);
    assert_eq!(form(&app).kind, FormKind::Share(id));
    type_text(&mut app, "leila");
    let effects = press(&mut app, key(KeyCode::Enter));
    fx.perform(&mut app, effects);
    let target = crm::domain::Ref::Contact(id);
    assert_eq!(fx.crm.store().shared_with(&target).unwrap(), vec!["leila".to_string()]);
    // The card, reloaded after the write, says so.
    assert_eq!(app.contacts.card.as_ref().map(|c| c.shared_with.clone()), Some(vec!["leila".to_string()]));
}
