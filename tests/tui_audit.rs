//! The TUI audit view: opened by the `audit` action in every preset, it lists the journal
//! newest first (the rows of `crm audit`, from the same service), scrolls, and closes.
//!
//! To update the snapshot: `INSTA_UPDATE=always cargo test --test tui_audit`, then review
//! tests/snapshots/.

mod common;

use common::tui::Fixture;
use crm::domain::{Change, Contact, Record};
use crm::services::audit::AuditQuery;
use crm::tui::app::{update, App, Modal, Msg};
use crm::tui::keymap::Keymap;
use crm::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

impl Fixture {
    fn new() -> Fixture {
        let fx = Fixture::empty();
        let crm = &fx.crm;
        for name in ["Anna Müller", "Bo Berg", "Chen Li"] {
            let c = Contact { id: crm::domain::ContactId::placeholder(0), name: name.into(), ..Contact::default() };
            crm.apply(vec![Change::Create(Record::Contact(c))]).expect("add contact");
        }
        crm.journal_export("csv contacts", 3, "tag:vip").expect("journal an export");
        fx
    }

    fn app(&self, preset: &str) -> App {
        let mut app =
            App::new("anna".into(), "db".into(), Keymap::preset(preset).expect("preset"), Theme::default_theme());
        app.now = self.crm.now();
        let startup = app.startup();
        self.perform(&mut app, startup);
        app.modal = None;
        app
    }

    fn press(&self, app: &mut App, keys: &[Msg]) {
        for k in keys {
            let effects = update(app, k.clone());
            self.perform(app, effects);
        }
    }
}

fn ev(code: KeyCode, mods: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, mods))
}

fn ch(c: char) -> Msg {
    ev(KeyCode::Char(c), if c.is_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE })
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| crm::tui::ui::draw(f, app)).expect("draw");
    let buf: &Buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn selected(app: &App) -> usize {
    match &app.modal {
        Some(Modal::Audit(v)) => v.selected,
        other => panic!("the audit view is not open: {other:?}"),
    }
}

#[test]
fn the_audit_view_lists_the_journal_newest_first_and_scrolls() {
    let fx = Fixture::new();
    let mut app = fx.app("default");
    fx.press(&mut app, &[ch('L')]);
    let Some(Modal::Audit(view)) = &app.modal else { panic!("L did not open the audit view: {:?}", app.modal) };
    let rows = view.rows.clone().expect("loaded").expect("no error");
    // The same rows as `crm audit`, newest first: the export, then the contacts.
    let expected = fx.crm.audit(&AuditQuery { limit: 500, ..AuditQuery::default() }).expect("audit");
    assert_eq!(rows, expected);
    assert_eq!(rows[0].action, "exported");
    assert_eq!(rows[1].label, "Chen Li");
    assert!(rows.windows(2).all(|w| w[0].seq >= w[1].seq));

    let screen = render(&app, 100, 24);
    assert!(screen.contains("Audit log"), "{screen}");
    assert!(screen.contains("exported 3 records (csv contacts, tag:vip)"), "{screen}");
    assert!(screen.contains("c3 Chen Li"), "{screen}");
    insta::assert_snapshot!("audit_100x24", screen);

    fx.press(&mut app, &[ev(KeyCode::Down, KeyModifiers::NONE), ev(KeyCode::Down, KeyModifiers::NONE)]);
    assert_eq!(selected(&app), 2);
    fx.press(&mut app, &[ev(KeyCode::End, KeyModifiers::NONE)]);
    assert_eq!(selected(&app), rows.len() - 1);
    fx.press(&mut app, &[ev(KeyCode::Down, KeyModifiers::NONE)]);
    assert_eq!(selected(&app), rows.len() - 1, "stays on the last line");
    fx.press(&mut app, &[ev(KeyCode::Up, KeyModifiers::NONE)]);
    assert_eq!(selected(&app), rows.len() - 2);
    // Other keys do nothing while it is open (no undo behind the overlay).
    fx.press(&mut app, &[ch('u')]);
    assert_eq!(fx.crm.audit(&AuditQuery::default()).expect("audit").len(), expected.len());
    fx.press(&mut app, &[ev(KeyCode::Esc, KeyModifiers::NONE)]);
    assert!(app.modal.is_none());

    // Enter on a contact's line opens its card.
    fx.press(&mut app, &[ch('L'), ev(KeyCode::Down, KeyModifiers::NONE), ev(KeyCode::Enter, KeyModifiers::NONE)]);
    assert!(app.modal.is_none());
    assert_eq!(app.contacts.card.as_ref().map(|c| c.contact.name.as_str()), Some("Chen Li"));
}

#[test]
fn every_preset_opens_the_audit_view() {
    let fx = Fixture::new();
    let ctrl_x = ev(KeyCode::Char('x'), KeyModifiers::CONTROL);
    for (preset, keys) in [("vim", vec![ch('g'), ch('a')]), ("emacs", vec![ctrl_x, ch('a')])] {
        let mut app = fx.app(preset);
        fx.press(&mut app, &keys);
        assert!(matches!(&app.modal, Some(Modal::Audit(v)) if v.len() == 5), "{preset}: {:?}", app.modal);
    }
}
