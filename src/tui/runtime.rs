//! The runtime: owns the terminal, turns terminal events into messages, runs `update`, performs
//! effects through the worker thread, and redraws only when something changed. The terminal is
//! restored on every exit path, panics included (`ratatui::init` installs that hook).

use super::app::{update, App, Effect, Msg};
use super::worker::{self, Job};
use crate::services::Crm;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How often due times are re-checked while the TUI is open.
const TICK: Duration = Duration::from_secs(60);

pub fn run(crm: Crm, mut app: App) -> anyhow::Result<()> {
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let (msg_tx, msg_rx) = mpsc::channel::<Msg>();
    app.now = crm.now();
    // Time moves on from the store's clock (pinned with CRM_NOW in tests).
    let started = (app.now, Instant::now());
    let worker = std::thread::Builder::new().name("crm-worker".into()).spawn(move || {
        worker::serve(&crm, job_rx, msg_tx);
        crm
    })?;
    let mut terminal = ratatui::init();
    let result = (|| -> anyhow::Result<()> {
        let first = app.startup();
        perform(&mut app, first, &job_tx);
        let mut dirty = true;
        let mut last_tick = Instant::now();
        while !app.quit {
            if dirty {
                terminal.draw(|f| super::ui::draw(f, &app))?;
                dirty = false;
            }
            // Results from the worker first, then the keyboard.
            while let Ok(msg) = msg_rx.try_recv() {
                let effects = update(&mut app, msg);
                perform(&mut app, effects, &job_tx);
                dirty = true;
            }
            if event::poll(Duration::from_millis(30))? {
                match event::read()? {
                    Event::Key(k) if k.kind != KeyEventKind::Release => {
                        let effects = update(&mut app, Msg::Key(k));
                        perform(&mut app, effects, &job_tx);
                        dirty = true;
                    }
                    Event::Resize(..) => dirty = true,
                    _ => {}
                }
            }
            if last_tick.elapsed() >= TICK {
                last_tick = Instant::now();
                app.now = crate::domain::Timestamp(started.0 .0 + started.1.elapsed().as_millis() as i64);
                let effects = update(&mut app, Msg::Tick);
                perform(&mut app, effects, &job_tx);
            }
        }
        Ok(())
    })();
    ratatui::restore();
    drop(job_tx);
    let _ = worker.join();
    result
}

fn perform(app: &mut App, effects: Vec<Effect>, jobs: &mpsc::Sender<Job>) {
    for e in effects {
        let sent = match e {
            Effect::Quit => {
                app.quit = true;
                Ok(())
            }
            Effect::Load(r) => jobs.send(Job::Load(r)),
            Effect::Write(w) => jobs.send(Job::Write(w)),
        };
        if sent.is_err() {
            app.error("the database worker stopped; quit and start crm again");
        }
    }
}
