//! The keymap presets and themes in the TUI, without a terminal: chords, counts and the pending
//! chord in the status line (vim, emacs), the command palette, the help overlay of every preset
//! (insta snapshots in tests/snapshots/), and no colour at all under the mono theme that
//! `NO_COLOR` selects.
//!
//! Same fixture as tests/tui.rs: the deterministic demo business in a temporary database, the
//! clock pinned at Friday 2026-11-27 09:00 UTC. To update the snapshots:
//! `INSTA_UPDATE=always cargo test --test tui_presets`, then review tests/snapshots/.

mod common;

use common::tui::Fixture;
use crm::tui::action::Action;
use crm::tui::app::{update, App, Effect, Modal, Msg, Tab, Write};
use crm::tui::keymap::Keymap;
use crm::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use ratatui::Terminal;

const DB_PATH: &str = "~/.local/share/crm/db";

impl Fixture {
    /// An app after startup with `preset` and `theme`, the overdue reminder (if any) dismissed.
    fn app(&self, preset: &str, theme: Theme) -> App {
        let keymap = Keymap::preset(preset).expect("preset");
        let mut app = App::new("anna".into(), DB_PATH.into(), keymap, theme);
        app.now = self.crm.now();
        let startup = app.startup();
        self.perform(&mut app, startup);
        if matches!(app.modal, Some(Modal::Overdue { .. })) {
            app.modal = None;
        }
        app
    }
}

fn ev(code: KeyCode, mods: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, mods))
}

/// A character as a terminal sends it (upper case and symbols carry shift).
fn ch(c: char) -> Msg {
    let shifted = c.is_uppercase() || "?<>@!:".contains(c);
    ev(KeyCode::Char(c), if shifted { KeyModifiers::SHIFT } else { KeyModifiers::NONE })
}

fn ctrl(c: char) -> Msg {
    ev(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn alt(c: char) -> Msg {
    ev(KeyCode::Char(c), KeyModifiers::ALT)
}

fn keys(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| update(app, ch(c))).collect()
}

fn render(app: &App, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| crm::tui::ui::draw(f, app)).expect("draw");
    terminal.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut hidden = 0;
        for x in 0..buf.area.width {
            if hidden > 0 {
                hidden -= 1;
                continue;
            }
            let s = buf[(x, y)].symbol();
            line.push_str(s);
            hidden = ratatui::text::Span::raw(s).width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn status_line(app: &App) -> String {
    text(&render(app, 80, 24)).lines().nth(22).unwrap_or_default().to_string()
}

fn hint_line(app: &App) -> String {
    text(&render(app, 80, 24)).lines().nth(23).unwrap_or_default().to_string()
}

#[test]
fn vim_counts_chords_and_the_pending_chord_in_the_status_line() {
    let fx = Fixture::demo();
    let mut app = fx.app("vim", Theme::default_theme());
    assert_eq!(app.tab, Tab::Contacts);
    keys(&mut app, "5");
    assert_eq!(app.count, Some(5));
    assert!(status_line(&app).ends_with("· 5"), "{}", status_line(&app));
    keys(&mut app, "j");
    assert_eq!((app.contacts.selected, app.count), (5, None));
    keys(&mut app, "g");
    assert!(status_line(&app).contains("g…"), "{}", status_line(&app));
    // The hint line lists what can follow: g top, c show contacts …
    let hints = hint_line(&app);
    assert!(hints.contains("g top") && hints.contains("c show contacts"), "{hints}");
    keys(&mut app, "g");
    assert_eq!((app.contacts.selected, app.pending.len()), (0, 0));
    keys(&mut app, "12G");
    assert_eq!(app.contacts.selected, 11, "12 G goes to the twelfth row");
    keys(&mut app, "G");
    assert_eq!(app.contacts.selected, app.contacts.visible.len() - 1);
    keys(&mut app, "gx");
    assert_eq!(app.pending, vec![]);
    assert!(app.message.as_ref().is_some_and(|(m, _)| m.contains("g x is not bound")), "{:?}", app.message);
    // esc forgets a count or a chord without doing anything else.
    keys(&mut app, "3");
    update(&mut app, ev(KeyCode::Esc, KeyModifiers::NONE));
    assert_eq!(app.count, None);
    keys(&mut app, "gp");
    assert_eq!(app.tab, Tab::Pipeline);
    keys(&mut app, "2l");
    assert_eq!(app.pipeline.column, 2);
    keys(&mut app, "gr");
    assert_eq!(app.tab, Tab::Reminders);
    keys(&mut app, "gc");
    assert_eq!(app.tab, Tab::Contacts);
    // `d d` deletes (asks first); one `d` only waits.
    keys(&mut app, "d");
    assert_eq!(app.modal, None);
    keys(&mut app, "d");
    assert!(matches!(app.modal, Some(Modal::Confirm { .. })), "{:?}", app.modal);
}

#[test]
fn typed_text_never_starts_a_chord_or_a_count() {
    let fx = Fixture::demo();
    let mut app = fx.app("vim", Theme::default_theme());
    keys(&mut app, "f");
    assert!(app.contacts.filtering);
    keys(&mut app, "gg5");
    assert_eq!(app.contacts.filter, "gg5");
    assert_eq!((app.pending.len(), app.count), (0, None));
}

#[test]
fn emacs_chords_with_modifiers() {
    let fx = Fixture::demo();
    let mut app = fx.app("emacs", Theme::default_theme());
    update(&mut app, ctrl('n'));
    update(&mut app, ctrl('n'));
    assert_eq!(app.contacts.selected, 2);
    update(&mut app, ctrl('x'));
    assert!(status_line(&app).contains("ctrl-x…"), "{}", status_line(&app));
    update(&mut app, ch('2'));
    assert_eq!(app.tab, Tab::Pipeline);
    // A chord inside a form: ctrl-x ctrl-s saves, typed letters stay text.
    update(&mut app, ctrl('x'));
    update(&mut app, ch('1'));
    keys(&mut app, "a");
    assert!(matches!(app.modal, Some(Modal::Form(_))));
    keys(&mut app, "Zoe Quinn");
    update(&mut app, ctrl('x'));
    let effects = update(&mut app, ctrl('s'));
    assert!(matches!(effects.as_slice(), [Effect::Write(Write::Form(..))]), "{effects:?}");
    let mut app = fx.app("emacs", Theme::default_theme());
    update(&mut app, ctrl('x'));
    assert_eq!(update(&mut app, ctrl('c')), vec![Effect::Quit]);
}

#[test]
fn the_command_palette_runs_any_action_by_name() {
    let fx = Fixture::demo();
    for (preset, open) in [("default", ch(':')), ("vim", ch(':')), ("emacs", alt('x'))] {
        let mut app = fx.app(preset, Theme::default_theme());
        update(&mut app, open.clone());
        assert!(matches!(app.modal, Some(Modal::Palette(_))), "{preset}");
        keys(&mut app, "pipeline");
        let screen = text(&render(&app, 80, 24));
        assert!(screen.contains("show pipeline"), "{preset}:\n{screen}");
        update(&mut app, ev(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!((app.tab, app.modal.is_none()), (Tab::Pipeline, true), "{preset}");
    }
    // Actions that write go through effects like their keys do.
    let mut app = fx.app("default", Theme::default_theme());
    update(&mut app, ch(':'));
    keys(&mut app, "undo");
    assert_eq!(update(&mut app, ev(KeyCode::Enter, KeyModifiers::NONE)), vec![Effect::Write(Write::Undo)]);
    // Its key is shown next to it; one that works elsewhere says where.
    update(&mut app, ch(':'));
    keys(&mut app, "snooze hour");
    let screen = text(&render(&app, 100, 30));
    assert!(screen.contains("snooze hour") && screen.contains("z in reminders"), "{screen}");
    update(&mut app, ev(KeyCode::Enter, KeyModifiers::NONE));
    assert!(app.message.as_ref().is_some_and(|(m, _)| m.contains("works in Reminders")), "{:?}", app.message);
    assert_eq!(app.tab, Tab::Contacts);
    // Every action but the form-only ones can be found by its name.
    update(&mut app, ch(':'));
    let Some(Modal::Palette(p)) = &app.modal else { panic!("no palette") };
    for a in Action::ALL {
        let listed = p.all.iter().any(|i| i.action == *a);
        let form_only = matches!(
            a,
            Action::NextField
                | Action::PrevField
                | Action::Submit
                | Action::PickNext
                | Action::PickPrev
                | Action::Confirm
                | Action::CommandPalette
        );
        assert_eq!(listed, !form_only, "{}", a.name());
    }
}

#[test]
fn snapshot_help_overlay_per_preset() {
    let fx = Fixture::demo();
    for (preset, help) in [("default", ch('?')), ("vim", ch('?')), ("emacs", ev(KeyCode::F(1), KeyModifiers::NONE))] {
        let mut app = fx.app(preset, Theme::default_theme());
        update(&mut app, help);
        assert!(matches!(app.modal, Some(Modal::Help { .. })), "{preset}");
        insta::assert_snapshot!(format!("help_{preset}_80x24"), text(&render(&app, 80, 24)));
        insta::assert_snapshot!(format!("help_{preset}_160x48"), text(&render(&app, 160, 48)));
    }
}

#[test]
fn the_hint_line_shows_the_keys_of_the_preset() {
    let fx = Fixture::demo();
    let vim = fx.app("vim", Theme::default_theme());
    let hints = hint_line(&vim);
    assert!(hints.contains("d d delete") && hints.contains("? help"), "{hints}");
    let emacs = fx.app("emacs", Theme::default_theme());
    let hints = hint_line(&emacs);
    assert!(hints.contains("k delete") && hints.contains("f1 help"), "{hints}");
}

#[test]
fn under_no_color_the_screen_has_no_colour_at_all() {
    let fx = Fixture::demo();
    let mono = Theme::preset("mono").expect("mono theme");
    let mut app = fx.app("vim", mono);
    let mut screens = Vec::new();
    let mut shot = |app: &App, what: &str| screens.push((what.to_string(), render(app, 100, 30)));
    shot(&app, "contacts");
    keys(&mut app, "g");
    shot(&app, "pending chord");
    keys(&mut app, "p");
    shot(&app, "pipeline");
    keys(&mut app, "gr");
    shot(&app, "reminders");
    keys(&mut app, ":");
    shot(&app, "palette");
    update(&mut app, ev(KeyCode::Esc, KeyModifiers::NONE));
    keys(&mut app, "?");
    shot(&app, "help");
    for (what, buf) in &screens {
        for cell in buf.content() {
            assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{what}: {:?} is coloured", cell.symbol());
        }
    }
}
