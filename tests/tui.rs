//! Tests of the TUI without a terminal: `update()` driven by real key events through the default
//! keymap, and insta snapshots of every pane drawn on ratatui's `TestBackend`.

use crm::services::{Crm, OpenOptions};
use crm::tui::app::{update, App, Data, Effect, Msg, Request};
use crm::tui::keymap::Keymap;
use crm::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::sync::Once;

/// The pinned clock of every test: Friday 2026-11-27 09:00 UTC.
const NOW: &str = "2026-11-27T09:00:00Z";
/// What the status line shows as the database (never the machine's temp dir).
const DB_PATH: &str = "~/.local/share/crm/db";

/// Pins the clock and the time zone before anything reads them.
fn pin_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY (edition 2021: not unsafe): every test sets the same values, before any thread reads them.
        std::env::set_var("CRM_NOW", NOW);
        std::env::set_var("TZ", "UTC");
    });
}

struct Fixture {
    crm: Crm,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// An empty database with the user anna.
    fn empty() -> Fixture {
        pin_env();
        let dir = tempfile::tempdir().expect("temp dir");
        let crm = Crm::open(OpenOptions {
            db: Some(dir.path().join("db")),
            config: Some(dir.path().join("no-config.toml")),
            engine: None,
            user: Some("anna".into()),
        })
        .expect("open crm");
        Fixture { crm, _dir: dir }
    }

    /// The demo business: 40 contacts with companies, deals, activities and tasks.
    fn demo() -> Fixture {
        let fx = Fixture::empty();
        crm::services::demo::generate(fx.crm.store(), "anna", fx.crm.now(), 40, 1, &mut |_, _| {}).expect("demo data");
        fx
    }

    fn load(&self, r: Request) -> Data {
        crm::tui::worker::load(&self.crm, &r).unwrap_or_else(|e| panic!("load {r:?}: {e}"))
    }

    /// An app with every pane loaded, as after startup.
    fn app(&self) -> App {
        let mut app = App::new("anna".into(), DB_PATH.into(), Keymap::default_keymap(), Theme::default_theme());
        app.now = self.crm.now();
        for r in [Request::Contacts, Request::Tasks, Request::Pipeline] {
            let effects = update(&mut app, Msg::Loaded(self.load(r)));
            assert_eq!(effects, vec![]);
        }
        app
    }

    /// Performs the loads among `effects` and feeds the data back, as the runtime does.
    fn run_loads(&self, app: &mut App, effects: Vec<Effect>) {
        for e in effects {
            if let Effect::Load(r) = e {
                let more = update(app, Msg::Loaded(self.load(r)));
                self.run_loads(app, more);
            }
        }
    }
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    let mods = if c.is_ascii_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn shift_tab() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT))
}

/// Presses `k` and returns the effects.
fn press(app: &mut App, k: Msg) -> Vec<Effect> {
    update(app, k)
}

/// Types each character of `text`.
fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let effects = update(app, ch(c));
        assert_eq!(effects, vec![], "typing {c:?}");
    }
}

fn render(app: &App, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| crm::tui::ui::draw(f, app)).expect("draw");
    terminal.backend().buffer().clone()
}

/// The buffer as text, one line per row, trailing spaces trimmed.
fn render_to_string(app: &App, w: u16, h: u16) -> String {
    let buf = render(app, w, h);
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..w {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            skip = unicode_width(sym).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Display width of a cell's symbol (wide characters hide the next cell).
fn unicode_width(s: &str) -> usize {
    ratatui::text::Span::raw(s).width()
}

#[test]
fn explore() {
    let fx = Fixture::demo();
    let app = fx.app();
    let rows = app.contacts.rows.clone().unwrap();
    for r in &rows {
        if let Data::ContactCard(c) = fx.load(Request::ContactCard(r.id)) {
            println!(
                "{} {} deals={} tasks={} acts={} emails={} phones={} fields={} notes={}",
                r.id,
                r.name,
                c.deals.len(),
                c.tasks.len(),
                c.activities.len(),
                c.contact.emails.len(),
                c.contact.phones.len(),
                c.contact.fields.len(),
                c.contact.notes.len()
            );
        }
    }
    if let Data::Tasks(t) = fx.load(Request::Tasks) {
        for t in t {
            println!("{} {} {:?} {:?} {} {:?}", t.id, t.title, t.due, t.state, t.assignee, t.done);
        }
    }
}
