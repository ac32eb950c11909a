//! The runtime: owns the terminal, turns terminal events into messages, runs `update`, performs
//! effects through the worker thread, and redraws only when something changed. The terminal is
//! restored on every exit path, panics included (`ratatui::init` installs that hook).

use super::app::{update, App, Data, Effect, Modal, Msg};
use super::worker::{self, Job};
use crate::api::Client;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// How often due times are re-checked while the TUI is open.
const TICK: Duration = Duration::from_secs(60);
/// How long the watcher waits for a change at a time: also how long quitting may wait for it.
const WATCH: Duration = Duration::from_millis(250);

pub fn run(crm: Client, mut app: App) -> anyhow::Result<()> {
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let (msg_tx, msg_rx) = mpsc::channel::<Msg>();
    app.now = crm.now();
    // Time moves on from the store's clock (pinned with CRM_NOW in tests).
    let started = (app.now, Instant::now());
    let crm = Arc::new(crm);
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = spawn_watcher(crm.clone(), msg_tx.clone(), stop.clone())?;
    let worker = std::thread::Builder::new().name("crm-worker".into()).spawn(move || {
        worker::serve(&crm, job_rx, msg_tx);
        // Closed on this thread, whose allocator arena holds the memory the loads freed.
        drop(crm);
    })?;
    let mut log = FrameLog::from_env();
    let mut terminal = ratatui::init();
    let result = (|| -> anyhow::Result<()> {
        let first = app.startup();
        perform(&mut app, first, &job_tx, &mut terminal);
        let mut dirty = true;
        let mut last_tick = Instant::now();
        while !app.quit {
            if dirty {
                let t = Instant::now();
                terminal.draw(|f| super::ui::draw(f, &app))?;
                log.frame(&app, t);
                dirty = false;
            }
            // Results from the worker first, then the keyboard.
            while let Ok(msg) = msg_rx.try_recv() {
                let (label, t) = (FrameLog::msg_label(&msg), Instant::now());
                let effects = update(&mut app, msg);
                perform(&mut app, effects, &job_tx, &mut terminal);
                let rss = crate::services::bench::rss_kb().unwrap_or(0);
                log.event("data", format_args!("{label} update_ms={:.3} rss_kb={rss}", ms(t)));
                dirty = true;
            }
            // Worker results waiting to be drawn: do not wait for a key first.
            let wait = if dirty { Duration::ZERO } else { Duration::from_millis(30) };
            if event::poll(wait)? {
                match event::read()? {
                    Event::Key(k) if k.kind != KeyEventKind::Release => {
                        log.event("key", format_args!("{:?}", k.code));
                        let effects = update(&mut app, Msg::Key(k));
                        perform(&mut app, effects, &job_tx, &mut terminal);
                        dirty = true;
                    }
                    Event::Resize(..) => {
                        log.event("resize", format_args!(""));
                        dirty = true;
                    }
                    _ => {}
                }
            }
            if last_tick.elapsed() >= TICK {
                log.event("tick", format_args!(""));
                last_tick = Instant::now();
                app.now = crate::domain::Timestamp(started.0 .0 + started.1.elapsed().as_millis() as i64);
                let effects = update(&mut app, Msg::Tick);
                perform(&mut app, effects, &job_tx, &mut terminal);
            }
        }
        Ok(())
    })();
    ratatui::restore();
    // Free the rows and the search index before the store closes (closing allocates): the
    // peak resident memory stays that of the session, not the session plus the close.
    drop(app);
    stop.store(true, Ordering::SeqCst);
    let _ = watcher.join();
    drop(job_tx);
    let _ = worker.join();
    let rss = crate::services::bench::peak_rss_kb().unwrap_or(0);
    log.event("exit", format_args!("peak_rss_kb={rss}"));
    result
}

/// Live updates: waits for the next write to the database (by this TUI, another one, a CLI,
/// a script through the team server) and says so with `Msg::Watch`, which reloads what is on
/// screen when the write was not this TUI's own. Woken by the write itself when it goes
/// through the process holding the database, within a quarter second otherwise.
fn spawn_watcher(
    crm: Arc<Client>,
    out: mpsc::Sender<Msg>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name("crm-watcher".into()).spawn(move || {
        let mut seen = None;
        while !stop.load(Ordering::SeqCst) {
            let head = match seen {
                None => crm.journal_head(),
                Some(after) => crm.wait_changes(after, WATCH.as_millis() as u32),
            };
            match head {
                Ok(head) => {
                    if seen.is_some_and(|s| s != head) && out.send(Msg::Watch).is_err() {
                        return;
                    }
                    seen = Some(head);
                }
                // The database is unreachable for now (the holder is changing hands): the
                // worker says so when the user does something; look again shortly.
                Err(_) => std::thread::sleep(WATCH),
            }
        }
    })
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// `CRM_FRAME_LOG=<path>`: appends a line per drawn frame, key read, worker result and tick, each
/// starting with the milliseconds since the process started, and the peak RSS on exit. A frame
/// line says what made it (`first`, `key`, `data`, `resize`, `tick`, joined with `+`), whether the
/// overdue modal is open, and how long drawing took. benches/tui.sh reads it.
struct FrameLog {
    file: Option<std::fs::File>,
    /// What happened since the last frame.
    causes: Vec<&'static str>,
}

impl FrameLog {
    fn from_env() -> FrameLog {
        let path = std::env::var_os("CRM_FRAME_LOG");
        let file = path.and_then(|p| std::fs::OpenOptions::new().create(true).append(true).open(p).ok());
        let mut log = FrameLog { file, causes: vec!["first"] };
        // Wall-clock time of the process start, to line these times up with a driver's.
        let ms = crate::services::bench::ms_since_start();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        log.event("start", format_args!("epoch_ms={:.3}", now.as_secs_f64() * 1000.0 - ms));
        log.causes = vec!["first"];
        log
    }

    fn event(&mut self, kind: &'static str, detail: std::fmt::Arguments) {
        if let Some(f) = &mut self.file {
            let _ = writeln!(f, "{:.3} {kind} {detail}", crate::services::bench::ms_since_start());
            if !self.causes.contains(&kind) {
                self.causes.push(kind);
            }
        }
    }

    fn frame(&mut self, app: &App, draw_start: Instant) {
        if let Some(f) = &mut self.file {
            let overdue = matches!(app.modal, Some(Modal::Overdue { .. })) as u8;
            let (at, took) = (crate::services::bench::ms_since_start(), ms(draw_start));
            let _ = writeln!(f, "{at:.3} frame {} overdue={overdue} draw_ms={took:.3}", self.causes.join("+"));
        }
        self.causes.clear();
    }

    fn msg_label(msg: &Msg) -> String {
        match msg {
            Msg::Loaded(Data::Contacts(rows)) => format!("contacts n={}", rows.len()),
            Msg::Loaded(Data::Tasks(rows)) => format!("tasks n={}", rows.len()),
            Msg::Loaded(Data::Agenda(a)) => format!("agenda n={}", a.extras.len() + a.urgency.len()),
            Msg::Loaded(Data::Pipeline(p)) => format!("pipeline n={}", p.deals.len()),
            Msg::Loaded(Data::ContactCard(_)) => "contact_card".into(),
            Msg::Loaded(Data::SearchIndex(i)) => format!("search_index n={}", i.len()),
            Msg::Loaded(_) => "loaded".into(),
            Msg::Written(_) => "written".into(),
            Msg::Failed(_) => "failed".into(),
            _ => "other".into(),
        }
    }
}

fn perform(app: &mut App, effects: Vec<Effect>, jobs: &mpsc::Sender<Job>, terminal: &mut ratatui::DefaultTerminal) {
    for e in effects {
        let sent = match e {
            Effect::Notify(text) => {
                // Best effort: only where a notifier exists, never required.
                let _ = std::process::Command::new("notify-send")
                    .args(["crm", &text])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn();
                Ok(())
            }
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
