//! The TUI end to end: the real `crm` binary in a real terminal (tmux), driven with
//! `send-keys` and read back with `capture-pane`, on a temporary database. The clock is the
//! real one (not pinned), so "yesterday" is the day before the day the test runs.
//!
//! tmux is required: without it this test fails (CI installs it, see .ci/run).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long to wait for text to appear on screen before failing.
const TIMEOUT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(40);

/// A private tmux server (its own socket); killed when dropped, so also when a step fails.
struct Tmux {
    socket: String,
    /// The socket file, to remove at the end (`kill-server` leaves it behind).
    socket_path: String,
}

impl Tmux {
    fn new() -> Tmux {
        match Command::new("tmux").arg("-V").output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => panic!(
                "`tmux -V` failed ({}): the TUI end-to-end test needs a working tmux",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => panic!(
                "tmux is not installed ({e}): the TUI end-to-end test drives crm in tmux. \
                 Install it (Debian/Ubuntu: `apt-get install -y tmux`; .ci/run does this in CI)."
            ),
        }
        static N: AtomicUsize = AtomicUsize::new(0);
        let socket = format!("crm-e2e-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let mut tmux = Tmux { socket, socket_path: String::new() };
        // A session that outlives each crm run: without it the server exits when a run's session
        // is closed, and starting the next one can race with that exit.
        tmux.ok(&["new-session", "-d", "-s", "keep", "sleep 3600"]);
        tmux.socket_path = tmux.ok(&["display-message", "-p", "-t", "keep", "#{socket_path}"]).trim().to_string();
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux {args:?}: {e}"))
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "tmux {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `command` (a shell command line) in a new 120×40 session named `name`.
    fn start(&self, name: &str, command: &str) {
        self.ok(&["new-session", "-d", "-s", name, "-x", "120", "-y", "40", command]);
    }

    /// Sends tmux key names (`Enter`, `Space`, `C-u`, `a`).
    fn keys(&self, name: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", name];
        args.extend(keys);
        self.ok(&args);
    }

    /// Types `text` literally.
    fn type_text(&self, name: &str, text: &str) {
        self.ok(&["send-keys", "-t", name, "-l", text]);
    }

    fn screen(&self, name: &str) -> String {
        self.ok(&["capture-pane", "-p", "-t", name])
    }

    /// Polls the screen until `ready` holds; returns that screen, or fails showing the last one.
    fn wait(&self, name: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen(name);
            if ready(&screen) {
                return screen;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out after {TIMEOUT:?} waiting for {what}; the screen shows:\n{screen}");
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until every one of `texts` is on screen.
    fn wait_for(&self, name: &str, texts: &[&str]) -> String {
        self.wait(name, &format!("{texts:?}"), |s| texts.iter().all(|t| s.contains(t)))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        if !self.socket_path.is_empty() {
            let _ = std::fs::remove_file(&self.socket_path);
        }
    }
}

/// `'text'` for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

struct Env {
    db: PathBuf,
    config: PathBuf,
}

impl Env {
    fn new(dir: &Path) -> Env {
        Env { db: dir.join("db"), config: dir.join("none.toml") }
    }

    fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("CRM_DB", self.db.display().to_string()),
            ("CRM_CONFIG", self.config.display().to_string()),
            ("CRM_USER", "anna".into()),
            ("TZ", "UTC".into()),
        ]
    }

    /// The shell command that runs the TUI and then reports how it exited (the pane stays open
    /// so that the exit status can be read; the tmux server is killed at the end).
    fn tui_command(&self) -> String {
        let vars: Vec<String> = self.vars().into_iter().map(|(k, v)| format!("{k}={}", quote(&v))).collect();
        format!(
            "env -u CRM_NOW -u CRM_ENGINE {} {}; echo \"[crm exited with status $?]\"; sleep 600",
            vars.join(" "),
            quote(env!("CARGO_BIN_EXE_crm"))
        )
    }

    /// The CLI on the same database, with `--format json`.
    fn json(&self, args: &[&str]) -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_crm"))
            .args(args)
            .args(["--format", "json"])
            .envs(self.vars())
            .env_remove("CRM_NOW")
            .env_remove("CRM_ENGINE")
            .output()
            .expect("run crm");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "crm {args:?} failed: {}{stdout}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("crm {args:?} gave bad JSON ({e}):\n{stdout}"))
    }
}

fn yesterday() -> String {
    (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string()
}

const TASK: &str = "Follow up with Anna Müller";

#[test]
fn tui_journey_contact_call_overdue_task_done_across_restarts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = Env::new(dir.path());
    let tmux = Tmux::new();
    let day_before_start = yesterday();

    // 1. An empty database: the welcome screen.
    tmux.start("run1", &env.tui_command());
    tmux.wait_for("run1", &["Welcome to crm.", "Your database is empty", "0 overdue"]);

    // Add a contact: `a` opens the form, type the name, enter saves.
    tmux.keys("run1", &["a"]);
    tmux.wait_for("run1", &["Add a contact", "first and last name"]);
    tmux.type_text("run1", "Anna Müller");
    tmux.keys("run1", &["Enter"]);
    let s = tmux.wait_for("run1", &["created contact \"Anna Müller\"", "1 contact ·"]);
    assert!(!s.contains("Add a contact"), "the form should close after saving:\n{s}");
    assert!(s.contains("│Anna Müller "), "the new contact should be listed (and selected):\n{s}");

    // Log a call on the selected contact: `c`, a summary, enter.
    tmux.keys("run1", &["c"]);
    tmux.wait_for("run1", &["Log call with Anna Müller", "Summary", "Outcome"]);
    tmux.type_text("run1", "Discussed the quote");
    tmux.keys("run1", &["Enter"]);
    tmux.wait_for("run1", &["created activity \"Discussed the quote\""]);

    // Open the card: the call is on the timeline.
    tmux.keys("run1", &["Enter"]);
    tmux.wait_for("run1", &["Anna Müller · c1", "Timeline (1)", "call", "Discussed the quote", "Open tasks (0)"]);

    // A follow-up due yesterday: `t`, next field, clear the due date, `yesterday`, enter.
    tmux.keys("run1", &["t"]);
    tmux.wait_for("run1", &["Follow-up for Anna Müller", "tomorrow morning"]);
    tmux.keys("run1", &["Tab", "C-u"]);
    tmux.type_text("run1", "yesterday");
    tmux.keys("run1", &["Enter"]);
    let s = tmux.wait_for("run1", &[&format!("created task \"{TASK}\""), "Open tasks (1)", "1 overdue"]);
    assert!(s.contains(TASK), "the card should list the new task:\n{s}");

    tmux.keys("run1", &["q"]);
    tmux.wait_for("run1", &["[crm exited with status 0]"]);
    tmux.ok(&["kill-session", "-t", "run1"]);

    // 2. Start again: the overdue reminder lists the task; space marks it done and closes it.
    tmux.start("run2", &env.tui_command());
    let s = tmux.wait_for("run2", &["Overdue", "You have 1 overdue reminder.", TASK]);
    assert!(s.contains("space done"), "the modal should say how to mark a task done:\n{s}");
    tmux.keys("run2", &["Space"]);
    let s = tmux.wait("run2", "the overdue modal to close after `space`", |s| {
        !s.contains("overdue reminder") && s.contains("0 overdue") && s.contains(": done")
    });
    assert!(s.contains("1 contact ·"), "the contacts list should be back:\n{s}");
    tmux.keys("run2", &["q"]);
    tmux.wait_for("run2", &["[crm exited with status 0]"]);
    tmux.ok(&["kill-session", "-t", "run2"]);

    // 3. Start again: nothing is overdue, so no modal. `3` only switches panes when no modal is
    // open, and the reminders pane shows once the tasks are loaded (when the modal is decided).
    tmux.start("run3", &env.tui_command());
    tmux.wait_for("run3", &["1 contact ·", "Anna Müller"]);
    tmux.keys("run3", &["3"]);
    let s = tmux.wait_for("run3", &["Reminders · anna", "Done recently (1)", TASK]);
    assert!(!s.contains("overdue reminder"), "no overdue modal expected on the third start:\n{s}");
    assert!(s.contains("0 overdue"), "{s}");
    tmux.keys("run3", &["q"]);
    tmux.wait_for("run3", &["[crm exited with status 0]"]);
    drop(tmux);

    // 4. The CLI sees the same data.
    let days = [day_before_start, yesterday()];
    let done = env.json(&["task", "list", "--done"]);
    let tasks = done.as_array().unwrap_or_else(|| panic!("a list of tasks, not {done}"));
    assert_eq!(tasks.len(), 1, "{done}");
    assert_eq!(tasks[0]["title"], TASK);
    assert_eq!(tasks[0]["state"], "done");
    assert_eq!(tasks[0]["contact"], "Anna Müller");
    assert_eq!(tasks[0]["assignee"], "anna");
    assert!(days.iter().any(|d| tasks[0]["due"] == d.as_str()), "due {} should be yesterday {days:?}", tasks[0]["due"]);
    assert!(tasks[0]["done"].is_string(), "{done}");
    assert_eq!(env.json(&["task", "list", "--overdue"]), serde_json::json!([]));

    let card = env.json(&["contact", "show", "Anna Müller"]);
    assert_eq!(card["contact"]["id"], "c1");
    assert_eq!(card["contact"]["name"], "Anna Müller");
    assert_eq!(card["contact"]["owner"], "anna");
    let activities = card["activities"].as_array().expect("activities");
    assert_eq!(activities.len(), 1, "{card}");
    assert_eq!(activities[0]["kind"], "call");
    assert_eq!(activities[0]["summary"], "Discussed the quote");
    assert_eq!(activities[0]["outcome"], "reached");
    assert_eq!(activities[0]["author"], "anna");
    assert_eq!(card["tasks"][0]["title"], TASK);
    assert!(card["last_contact"].is_string(), "{card}");
}
