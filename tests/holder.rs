//! Many terminals, one database (docs/teams.md): with a process holding the database
//! (`crm hold`, as an open TUI does), every other crm goes through its Unix socket with the
//! same results as direct access — on sled too, which lets one process in; concurrent
//! writers lose nothing; a holder killed with SIGKILL is taken over with every acknowledged
//! change kept.

mod common;

use common::{Db, ENGINES};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `crm hold` in the background, killed (SIGKILL) when dropped.
struct Hold {
    child: Child,
}

impl Hold {
    fn start(db: &Db) -> Hold {
        let mut child = db.cmd().arg("hold").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("crm hold");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout).read_line(&mut line).expect("read");
        assert!(line.starts_with("holding "), "crm hold said: {line:?}");
        Hold { child }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.kill();
    }
}

fn socket(db: &Db) -> std::path::PathBuf {
    db.path().join("crm.sock")
}

/// What a command printed and how it ended, with the database's path made neutral.
fn outcome(db: &Db, args: &[&str]) -> (Option<i32>, String, String) {
    let out = db.run(args);
    let path = db.path().display().to_string();
    let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&path, "DB");
    (out.status.code(), clean(&out.stdout), clean(&out.stderr))
}

/// A day's work through the CLI: writes, reads, reports, errors.
const SCRIPT: &[&[&str]] = &[
    &["company", "add", "Acme GmbH", "--website", "acme.example"],
    &["contact", "add", "Anna Müller", "--company", "Acme", "--email", "anna@acme.example", "--tag", "vip"],
    &["contact", "add", "Bert Brecht", "--phone", "+49 30 1234"],
    &["deal", "add", "Acme renewal", "--company", "Acme", "--contact", "Anna", "--value", "12000"],
    &["task", "add", "Call Anna", "--due", "2026-11-26", "--contact", "Anna"],
    &["task", "add", "Send offer", "--due", "today 15:00", "--contact", "Bert"],
    &["log", "call", "Anna", "Talked about the renewal"],
    &["deal", "move", "Acme renewal", "proposal"],
    &["contact", "edit", "Bert", "--title", "Director"],
    &["contact", "list"],
    &["contact", "list", "tag:vip"],
    &["contact", "show", "Anna"],
    &["company", "show", "Acme"],
    &["deal", "list", "--format", "json"],
    &["deal", "show", "d1"],
    &["task", "list", "--all"],
    &["task", "show", "t1"],
    &["agenda"],
    &["remind"],
    &["remind", "--count"],
    &["search", "acme"],
    &["history", "--limit", "5"],
    &["report", "pipeline"],
    &["undo"],
    &["redo"],
    &["task", "done", "t1"],
    &["contact", "show", "Nobody"],
    &["contact", "add", "Bad", "--email", "not-an-address"],
    &["contact", "list", "stage:won"],
    &["user", "list"],
    &["export", "csv", "contacts"],
    &["trash", "list"],
    &[],
];

#[test]
fn cli_and_remind_give_the_same_results_through_a_holder_as_directly() {
    for engine in ENGINES {
        let direct = Db::new(engine);
        let held = Db::new(engine);
        // The first command creates the database; the holder then serves it.
        direct.ok(&["user", "list"]);
        held.ok(&["user", "list"]);
        let _hold = Hold::start(&held);
        for args in SCRIPT {
            assert!(socket(&held).exists(), "{engine}: the holder serves {args:?}");
            let want = outcome(&direct, args);
            let got = outcome(&held, args);
            assert_eq!(got, want, "{engine}: crm {args:?} through the holder differs from direct access");
        }
    }
}

#[test]
fn a_second_holder_says_who_holds_and_the_socket_is_owner_only() {
    let db = Db::new("sled");
    db.ok(&["user", "list"]);
    let _hold = Hold::start(&db);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(socket(&db)).expect("socket").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let out = db.run(&["hold"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is held by another crm"), "{out:?}");
}

#[test]
fn concurrent_clients_through_the_holder_lose_nothing() {
    for engine in ENGINES {
        let db = Db::new(engine);
        db.ok(&["user", "list"]);
        let _hold = Hold::start(&db);
        const CLIENTS: usize = 6;
        const EACH: usize = 12;
        let workers: Vec<_> = (0..CLIENTS)
            .map(|w| {
                let path = db.path();
                std::thread::spawn(move || {
                    for i in 0..EACH {
                        let out = common::crm_command(&path, engine)
                            .args(["contact", "add", &format!("Writer {w} contact {i}"), "-q"])
                            .output()
                            .expect("run crm");
                        assert!(out.status.success(), "{engine}: {out:?}");
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("writer");
        }
        let rows = db.json(&["contact", "list"]);
        let names: std::collections::BTreeSet<String> =
            rows.as_array().expect("rows").iter().map(|r| r["name"].as_str().unwrap_or_default().to_string()).collect();
        assert_eq!(names.len(), CLIENTS * EACH, "{engine}: every acknowledged contact is there once");
        for w in 0..CLIENTS {
            for i in 0..EACH {
                assert!(names.contains(&format!("Writer {w} contact {i}")), "{engine}: writer {w} #{i} lost");
            }
        }
    }
}

/// Waits until `path` no longer exists (or says why not).
fn gone(path: &Path) -> bool {
    let start = Instant::now();
    while path.exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    !path.exists()
}

#[test]
fn a_holder_killed_mid_write_is_taken_over_with_every_acknowledged_change() {
    for engine in ENGINES {
        let db = Db::new(engine);
        db.ok(&["user", "list"]);
        let mut hold = Hold::start(&db);
        // A writer through the holder, acknowledging each durable change.
        let mut writer = db
            .cmd()
            .args(["stress", "--changes", "300"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("stress");
        let mut acked = Vec::new();
        let mut lines = BufReader::new(writer.stdout.take().expect("stdout")).lines();
        while acked.len() < 40 {
            let line = lines.next().expect("an ack").expect("read");
            acked.push(line);
        }
        hold.kill();
        // The writer's request in flight lost its reply: it says so instead of sending it
        // again (it may have been applied).
        for line in lines.map_while(Result::ok) {
            acked.push(line);
        }
        let status = writer.wait().expect("writer");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut writer.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
        if status.success() {
            // Killed between two requests: the writer took the database over and went on.
            assert_eq!(acked.len(), 300, "{engine}: {stderr}");
        } else {
            // Killed while the writer waited for a reply: it says so rather than send the
            // change again (it may have been applied).
            assert!(stderr.contains("may or may not have been saved"), "{engine}: {stderr}");
        }
        // The socket of a dead holder is stale: the next crm takes over and sees it all.
        let rows = db.json(&["contact", "list"]);
        let ids: std::collections::BTreeSet<String> =
            rows.as_array().expect("rows").iter().map(|r| r["id"].as_str().unwrap_or_default().to_string()).collect();
        for line in &acked {
            let id = line.split_whitespace().nth(2).expect("ack N ID");
            assert!(ids.contains(id), "{engine}: acknowledged {line} is missing after the takeover");
        }
        assert!(gone(&socket(&db)), "{engine}: the process that took over removed the socket when done");
    }
}

#[test]
fn a_holder_stopped_by_sigterm_removes_its_socket_and_the_next_one_holds() {
    let db = Db::new("sled");
    db.ok(&["user", "list"]);
    let hold = Hold::start(&db);
    let pid = hold.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(status.success());
    assert!(gone(&socket(&db)), "the socket is removed on SIGTERM");
    let _next = Hold::start(&db);
    assert!(db.ok(&["contact", "add", "After", "-q"]).starts_with('c'));
}

/// A private tmux server for the TUIs (killed when dropped).
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Tmux {
        let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
        assert!(ok, "tmux is needed to drive two TUIs (Debian/Ubuntu: apt-get install -y tmux)");
        let t = Tmux { socket: format!("crm-holder-{}", std::process::id()) };
        // Keeps the server up between sessions.
        t.ok(&["new-session", "-d", "-s", "keep", "sleep 3600"]);
        t
    }

    fn ok(&self, args: &[&str]) -> String {
        let out =
            Command::new("tmux").arg("-L").arg(&self.socket).args(args).env_remove("TMUX").output().expect("tmux");
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self, name: &str) -> String {
        self.ok(&["capture-pane", "-p", "-t", name])
    }

    fn wait_for(&self, name: &str, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen(name);
            if screen.contains(text) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(15), "{name} never showed {text:?}:\n{screen}");
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-L").arg(&self.socket).arg("kill-server").output();
    }
}

#[test]
fn a_second_tui_sees_a_cli_change_and_carries_on_when_the_first_one_quits() {
    let db = Db::new("sled");
    db.ok(&["contact", "add", "Anna Early"]);
    let tmux = Tmux::new();
    let run = format!(
        "CRM_DB='{}' CRM_ENGINE=sled CRM_CONFIG='{}' CRM_USER=anna TZ=UTC {}; sleep 60",
        db.path().display(),
        db.path().with_extension("config.toml").display(),
        env!("CARGO_BIN_EXE_crm")
    );
    tmux.ok(&["new-session", "-d", "-s", "first", "-x", "120", "-y", "30", &run]);
    tmux.wait_for("first", "1 contact");
    assert!(socket(&db).exists(), "the first TUI holds the database");
    tmux.ok(&["new-session", "-d", "-s", "second", "-x", "120", "-y", "30", &run]);
    tmux.wait_for("second", "1 contact");
    // sled lets one process in: the second TUI works through the first one's socket.
    db.ok(&["contact", "add", "Bert Live"]);
    for tui in ["first", "second"] {
        let screen = tmux.wait_for(tui, "2 contacts");
        assert!(screen.contains("Bert Live"), "{tui}:\n{screen}");
    }
    // The holder quits: the second TUI carries on, holding the database itself.
    tmux.ok(&["send-keys", "-t", "first", "q"]);
    db.ok(&["contact", "add", "Carl After"]);
    let screen = tmux.wait_for("second", "3 contacts");
    assert!(screen.contains("Carl After"), "{screen}");
    tmux.ok(&["send-keys", "-t", "second", "q"]);
    assert!(gone(&socket(&db)), "the last TUI removed the socket when it quit");
    assert_eq!(db.ok(&["contact", "list", "-q"]).lines().count(), 3);
}
