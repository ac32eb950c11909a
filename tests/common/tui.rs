//! The TUI without a terminal, for the tests that drive `update` and the real worker: a pinned
//! clock, a database opened as anna, and effects performed as the runtime performs them.

use crm::services::{Crm, OpenOptions};
use crm::tui::app::{update, App, Effect};
use crm::tui::worker::{self, Job};
use std::sync::{mpsc, Once};

/// Pins the clock and the time zone before anything reads them. Every test sets the same
/// values, so the order in which test threads get here does not matter.
pub fn pin_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("CRM_NOW", super::NOW);
        std::env::set_var("TZ", "UTC");
    });
}

pub struct Fixture {
    pub crm: Crm,
    /// The temporary directory the database lives in (files for imports go there too).
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// An empty database, opened as anna.
    pub fn empty() -> Fixture {
        pin_env();
        let dir = tempfile::tempdir().expect("temp dir");
        let crm = Crm::open(OpenOptions {
            db: Some(dir.path().join("db")),
            config: Some(dir.path().join("no-config.toml")),
            engine: None,
            user: Some("anna".into()),
        })
        .expect("open crm");
        Fixture { crm, dir }
    }

    /// The demo business: 40 contacts with companies, deals, activities and tasks. Anna has a
    /// single task, due in two weeks: nothing overdue.
    pub fn demo() -> Fixture {
        let fx = Fixture::empty();
        crm::services::demo::generate(fx.crm.store(), "anna", fx.crm.now(), 40, 1, &mut |_, _| {}).expect("demo data");
        fx
    }

    /// Performs effects through the real worker, feeding its messages back into `update`.
    /// Desktop notifications are best effort (the status line carries the message); any
    /// effect a test runtime cannot perform ($EDITOR, the clipboard) fails the test.
    pub fn perform(&self, app: &mut App, effects: Vec<Effect>) {
        let (job_tx, job_rx) = mpsc::channel();
        let (msg_tx, msg_rx) = mpsc::channel();
        for e in effects {
            match e {
                Effect::Load(r) => job_tx.send(Job::Load(r)).expect("queue"),
                Effect::Write(w) => job_tx.send(Job::Write(w)).expect("queue"),
                Effect::Quit => app.quit = true,
                Effect::Notify(_) => {}
                other => panic!("the test runtime does not perform {other:?}"),
            }
        }
        drop(job_tx);
        worker::serve(&crm::api::Client::local(self.crm.clone()), job_rx, msg_tx);
        for msg in msg_rx.try_iter() {
            let more = update(app, msg);
            self.perform(app, more);
        }
    }
}
