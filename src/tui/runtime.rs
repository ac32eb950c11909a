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
        perform(&mut app, first, &job_tx, &mut terminal);
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
                perform(&mut app, effects, &job_tx, &mut terminal);
                dirty = true;
            }
            if event::poll(Duration::from_millis(30))? {
                match event::read()? {
                    Event::Key(k) if k.kind != KeyEventKind::Release => {
                        let effects = update(&mut app, Msg::Key(k));
                        perform(&mut app, effects, &job_tx, &mut terminal);
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
                perform(&mut app, effects, &job_tx, &mut terminal);
            }
        }
        Ok(())
    })();
    ratatui::restore();
    drop(job_tx);
    let _ = worker.join();
    result
}

fn perform(app: &mut App, effects: Vec<Effect>, jobs: &mpsc::Sender<Job>, terminal: &mut ratatui::DefaultTerminal) {
    for e in effects {
        let sent = match e {
            Effect::EditNotes { target, current } => match edit_in_editor(terminal, &current) {
                Ok(Some(notes)) => {
                    let edits = vec![crate::domain::Edit::Notes(notes)];
                    jobs.send(Job::Write(super::app::Write::Changes(vec![crate::domain::Change::Edit {
                        target,
                        edits,
                    }])))
                }
                Ok(None) => {
                    app.info("Notes unchanged.");
                    Ok(())
                }
                Err(e) => {
                    app.error(format!("could not run the editor: {e}"));
                    Ok(())
                }
            },
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

/// Suspends the TUI, edits `text` in $VISUAL / $EDITOR (vi when neither is set), resumes.
/// Returns the new text when it changed.
fn edit_in_editor(terminal: &mut ratatui::DefaultTerminal, text: &str) -> anyhow::Result<Option<String>> {
    let path = std::env::temp_dir().join(format!("crm-notes-{}.md", std::process::id()));
    std::fs::write(&path, text)?;
    let editor = std::env::var("VISUAL").or_else(|_| std::env::var("EDITOR")).unwrap_or_else(|_| "vi".into());
    ratatui::restore();
    // The editor command may carry arguments ("code --wait").
    let mut parts = editor.split_whitespace();
    let status = match parts.next() {
        Some(program) => std::process::Command::new(program).args(parts).arg(&path).status(),
        None => Err(std::io::Error::other("$EDITOR is empty")),
    };
    *terminal = ratatui::init();
    terminal.clear()?;
    let status = status?;
    let new = std::fs::read_to_string(&path)?;
    let _ = std::fs::remove_file(&path);
    if !status.success() {
        anyhow::bail!("{editor} exited with {status}; notes not saved");
    }
    let new = new.trim_end().to_string();
    Ok((new != text.trim_end()).then_some(new))
}
