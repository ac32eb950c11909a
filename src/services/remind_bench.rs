//! `crm bench --remind`: `crm remind` as a whole process on a database of N open tasks, half of
//! them overdue, next to taskwarrior's `task +OVERDUE list` on the same tasks, in the same run.
//!
//! Both tools get the same tasks: crm through `Store::apply` (with journal entries, as any
//! write), taskwarrior as its own `pending.data` file (the format taskwarrior 2.x keeps, one
//! task per line), so no import tool sits in between.

use crate::domain::*;
use crate::store::{Store, StoreError};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The login the tasks are assigned to (the `--as` of the measured `crm remind`).
pub const USER: &str = "bench";

#[derive(Debug, Clone, Serialize)]
pub struct RemindFigures {
    pub tasks: usize,
    /// What `crm remind --count` said: overdue or due today.
    pub due_now: usize,
    pub runs: usize,
    /// `crm remind`, whole process: median, fastest and slowest of `runs`, in ms.
    pub crm_ms: [f64; 3],
    /// `crm remind --count`.
    pub crm_count_ms: [f64; 3],
    /// `task +OVERDUE list`; None when taskwarrior is not installed.
    pub task_ms: Option<[f64; 3]>,
    /// The lines `task +OVERDUE list` printed (to check it saw the tasks).
    pub task_lines: Option<usize>,
    pub dir: PathBuf,
}

impl std::fmt::Display for RemindFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |m: &[f64; 3]| format!("{:.1} ({:.1}–{:.1})", m[0], m[1], m[2]);
        writeln!(
            f,
            "{} open tasks assigned to {USER}, {} of them overdue or due today; {} runs each, median (fastest–slowest) ms",
            self.tasks, self.due_now, self.runs
        )?;
        writeln!(f, "crm remind            {}", ms(&self.crm_ms))?;
        writeln!(f, "crm remind --count    {}", ms(&self.crm_count_ms))?;
        match (&self.task_ms, self.task_lines) {
            (Some(t), Some(lines)) => {
                writeln!(f, "task +OVERDUE list    {}  ({lines} lines)", ms(t))?;
                write!(f, "taskwarrior / crm     {:.1}×", t[0] / self.crm_ms[0])
            }
            _ => write!(f, "task +OVERDUE list    (taskwarrior not installed: apt-get install taskwarrior)"),
        }
    }
}

const VERBS: [&str; 6] = ["Call", "Email", "Send the quote to", "Visit", "Follow up with", "Prepare the demo for"];
const NAMES: [&str; 8] = [
    "Anna Müller",
    "Kenji Sato",
    "Élodie Martin",
    "Olek Shevchenko",
    "Leila Haddad",
    "Jan Nowak",
    "Sofia Rossi",
    "Ivan Petrov",
];

/// One generated task: crm's and taskwarrior's view of it.
struct Gen {
    title: String,
    due_ms: i64,
    priority: Priority,
}

fn generate(n: usize, now: Timestamp) -> Vec<Gen> {
    let mut rng = crate::services::demo::Rng::new(7);
    (0..n)
        .map(|i| {
            // Even: overdue by 1 hour to 90 days; odd: due in 1 hour to 90 days.
            let offset = (1 + rng.below(90 * 24)) as i64 * 3_600_000;
            let due_ms = if i % 2 == 0 { now.0 - offset } else { now.0 + offset };
            let title = format!("{} {} #{i}", rng.pick(&VERBS), rng.pick(&NAMES));
            let priority = rng.pick(&Priority::ALL);
            Gen { title, due_ms, priority }
        })
        .collect()
}

/// Creates `dir/crm` (the crm database) and `dir/task` (taskwarrior's data and rc file).
pub fn setup(dir: &Path, tasks: usize, now: Timestamp) -> Result<(), StoreError> {
    let gen = generate(tasks, now);
    let store = Store::open(&dir.join("crm"), None)?;
    let mut changes = vec![Change::Create(Record::User(User {
        login: USER.into(),
        name: "Bench".into(),
        role: Role::Rep,
        ..User::default()
    }))];
    for (i, g) in gen.iter().enumerate() {
        changes.push(Change::Create(Record::Task(Task {
            id: TaskId::placeholder(i as u64),
            title: g.title.clone(),
            due: Due::At(Timestamp(g.due_ms)),
            assignee: USER.into(),
            priority: g.priority,
            created: now,
            updated: now,
            ..Task::default()
        })));
        if changes.len() >= 5_000 {
            store.apply(USER, now, &changes)?;
            changes.clear();
        }
    }
    if !changes.is_empty() {
        store.apply(USER, now, &changes)?;
    }
    drop(store);

    // taskwarrior 2.x: one `[name:"value" …]` line per pending task; times in epoch seconds.
    let task_dir = dir.join("task");
    let io = |e: std::io::Error| StoreError::Engine(format!("{}: {e}", task_dir.display()));
    std::fs::create_dir_all(&task_dir).map_err(io)?;
    let mut pending = String::with_capacity(tasks * 120);
    for (i, g) in gen.iter().enumerate() {
        let pri = match g.priority {
            Priority::Low => "L",
            Priority::Normal => "",
            Priority::High | Priority::Urgent => "H",
        };
        let pri = if pri.is_empty() { String::new() } else { format!(" priority:\"{pri}\"") };
        let uuid = format!("{:08x}-0000-4000-8000-{:012x}", i as u32, i as u64);
        pending.push_str(&format!(
            "[description:\"{}\" due:\"{}\" entry:\"{}\" modified:\"{}\"{pri} status:\"pending\" uuid:\"{uuid}\"]\n",
            g.title.replace('"', "&dquot;"),
            g.due_ms / 1000,
            now.0 / 1000,
            now.0 / 1000
        ));
    }
    std::fs::write(task_dir.join("pending.data"), pending).map_err(io)?;
    std::fs::write(task_dir.join("completed.data"), "").map_err(io)?;
    std::fs::write(
        task_dir.join("taskrc"),
        format!("data.location={}\nconfirmation=off\nnews.version=2.6.0\n", task_dir.display()),
    )
    .map_err(io)?;
    Ok(())
}

/// Median, fastest, slowest.
fn stats(mut v: Vec<f64>) -> [f64; 3] {
    v.sort_by(f64::total_cmp);
    [v[v.len() / 2], v[0], v[v.len() - 1]]
}

fn time(cmd: &mut Command, runs: usize) -> Result<(Vec<f64>, Vec<u8>), StoreError> {
    let mut times = Vec::new();
    let mut last = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let out = cmd
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .map_err(|e| StoreError::Engine(format!("cannot run {:?}: {e}", cmd.get_program())))?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        last = out.stdout;
    }
    Ok((times, last))
}

/// Sets up (unless `dir` already has both databases) and measures.
pub fn run(dir: &Path, tasks: usize, runs: usize) -> Result<RemindFigures, StoreError> {
    let now = Timestamp::from_datetime(&chrono::Utc::now());
    if !dir.join("crm").exists() || !dir.join("task").join("pending.data").exists() {
        setup(dir, tasks, now)?;
    }
    let runs = runs.max(1);
    let exe = std::env::current_exe().map_err(|e| StoreError::Engine(format!("cannot find crm itself: {e}")))?;
    let crm = |extra: &[&str]| {
        let mut c = Command::new(&exe);
        c.arg("--db").arg(dir.join("crm")).args(["--as", USER, "remind"]).args(extra);
        c.env_remove("CRM_NOW").env_remove("CRM_CONFIG");
        c
    };
    // One untimed run of each warms the page cache.
    time(&mut crm(&[]), 1)?;
    let (crm_times, _) = time(&mut crm(&[]), runs)?;
    let (count_times, count_out) = time(&mut crm(&["--count"]), runs)?;
    let due_now = String::from_utf8_lossy(&count_out).trim().parse().unwrap_or(0);

    let task_dir = dir.join("task");
    let mut task = Command::new("task");
    task.env("TASKRC", task_dir.join("taskrc")).env("TASKDATA", &task_dir).args(["+OVERDUE", "list"]);
    let (task_ms, task_lines) = match time(&mut task, 1) {
        Ok(_) => {
            let (t, out) = time(&mut task, runs)?;
            (Some(stats(t)), Some(out.iter().filter(|b| **b == b'\n').count()))
        }
        Err(_) => (None, None),
    };
    Ok(RemindFigures {
        tasks,
        due_now,
        runs,
        crm_ms: stats(crm_times),
        crm_count_ms: stats(count_times),
        task_ms,
        task_lines,
        dir: dir.to_path_buf(),
    })
}
