//! `crm bench --serve`: the team server under a realistic load. A copy of a database (never
//! the original: the load writes) is served by a real `crm serve` process on loopback, and
//! N concurrent clients, each a rep with their own token and keep-alive connection, run a mix
//! of what reps do all day: search, list contacts, log an activity, move a deal. Reported:
//! throughput, p50/p99/max latency per operation and overall, and errors.

use super::client::{HttpClient, ServerUrl};
use crate::domain::*;
use crate::services::query::{ContactQuery, DealQuery};
use crate::services::{Crm, OpenOptions, ServiceError};
use serde::Serialize;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct LoadOptions {
    /// The database to copy and serve.
    pub source: PathBuf,
    /// Where the copy goes (a temporary directory when None); removed afterwards.
    pub work_dir: Option<PathBuf>,
    pub clients: usize,
    /// Requests per client.
    pub requests: usize,
    /// Requests a second per client, on a fixed schedule (0: as fast as answered).
    pub rate: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpFigures {
    pub op: &'static str,
    pub requests: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub database: String,
    pub contacts: usize,
    pub clients: usize,
    pub requests: usize,
    /// Requests a second each client was due to send (0: as fast as answered).
    pub rate: f64,
    pub errors: usize,
    pub seconds: f64,
    pub throughput_per_s: f64,
    /// `/proc/loadavg` (1, 5, 15 min) before and after: the machine may be shared.
    pub load_before: String,
    pub load_after: String,
    pub ops: Vec<OpFigures>,
    /// The first few errors, verbatim.
    pub error_samples: Vec<String>,
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pace = if self.rate > 0.0 {
            format!("each due to send {} requests a second (latency from when due)", self.rate)
        } else {
            "each sending as soon as answered".to_string()
        };
        writeln!(
            f,
            "crm serve under load: {} clients on loopback, {pace}, {} requests on {} ({} contacts)",
            self.clients, self.requests, self.database, self.contacts
        )?;
        writeln!(
            f,
            "{:.0} requests/s over {:.1} s, {} errors; load average before {} / after {}",
            self.throughput_per_s, self.seconds, self.errors, self.load_before, self.load_after
        )?;
        writeln!(
            f,
            "{:<14} {:>8} {:>6} {:>9} {:>9} {:>9} {:>9}",
            "OP", "REQS", "ERRS", "P50 ms", "P90 ms", "P99 ms", "MAX ms"
        )?;
        for o in &self.ops {
            writeln!(
                f,
                "{:<14} {:>8} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                o.op, o.requests, o.errors, o.p50_ms, o.p90_ms, o.p99_ms, o.max_ms
            )?;
        }
        for e in &self.error_samples {
            writeln!(f, "error: {e}")?;
        }
        Ok(())
    }
}

fn invalid(m: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(m.into())
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// A small deterministic generator: the same mix on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// What the clients pick from, read from the copy before it is served.
struct Sample {
    admin: String,
    contacts: Vec<ContactId>,
    contact_count: usize,
    words: Vec<String>,
    /// Open deals and the stage each is in.
    deals: Vec<(DealId, String)>,
    stages: Vec<String>,
    tokens: Vec<String>,
}

fn prepare(db: &Path, clients: usize) -> Result<Sample, ServiceError> {
    let opts = OpenOptions {
        db: Some(db.to_path_buf()),
        // No config of the user's: the copy is measured as it is.
        config: Some(db.join("no-config.toml")),
        engine: None,
        user: Some("bench-setup".into()),
    };
    let crm = Crm::open(opts)?;
    let admin = crm
        .users()?
        .into_iter()
        .find(|u| u.role == Role::Admin && !u.disabled)
        .ok_or_else(|| invalid("the database has no active admin to add the benchmark's users"))?;
    let admin_crm = crm.as_user(&admin.login)?;
    let mut tokens = Vec::new();
    for i in 1..=clients {
        let login = format!("bench{i:02}");
        if admin_crm.user_record(&login).is_err() {
            admin_crm.add_user(&login, None, Role::Rep, None)?;
        }
        tokens.push(admin_crm.issue_token(&login)?);
    }
    let rows = admin_crm.contacts(&ContactQuery { limit: Some(usize::MAX), ..ContactQuery::default() })?;
    let contact_count = rows.len();
    let step = (rows.len() / 2000).max(1);
    let sampled: Vec<_> = rows.iter().step_by(step).collect();
    let contacts: Vec<ContactId> = sampled.iter().map(|r| r.id).collect();
    // Search and list by what people type: the first letters of a name.
    let words: Vec<String> = sampled
        .iter()
        .filter_map(|r| r.name.split_whitespace().last())
        .map(|w| w.chars().take(4).collect::<String>().to_lowercase())
        .filter(|w| w.chars().count() >= 3)
        .collect();
    let deals: Vec<(DealId, String)> = admin_crm
        .deals(&DealQuery { open_only: true, ..DealQuery::default() })?
        .into_iter()
        .step_by(7)
        .take(2000)
        .map(|d| (d.id, d.stage))
        .collect();
    let stages: Vec<String> = admin_crm
        .store()
        .pipeline()
        .stages
        .iter()
        .filter(|s| s.kind == StageKind::Open)
        .map(|s| s.key.clone())
        .collect();
    if contacts.is_empty() || deals.is_empty() || words.is_empty() || stages.len() < 2 {
        return Err(invalid(format!(
            "{} has too little data for the benchmark (contacts, open deals, open stages): fill a copy with `crm demo --contacts 100000`",
            db.display()
        )));
    }
    Ok(Sample { admin: admin.login, contacts, contact_count, words, deals, stages, tokens })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Search,
    List,
    LogActivity,
    MoveDeal,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Search => "search",
            Op::List => "list contacts",
            Op::LogActivity => "log activity",
            Op::MoveDeal => "move deal",
        }
    }
}

/// The mix: per 10 requests, 3 searches, 3 lists, 2 activities logged, 2 deals moved.
const MIX: [Op; 10] = [
    Op::Search,
    Op::List,
    Op::LogActivity,
    Op::Search,
    Op::MoveDeal,
    Op::List,
    Op::Search,
    Op::LogActivity,
    Op::List,
    Op::MoveDeal,
];

/// `mine`: the deals this client moves (no other client does) and the stage each is in now.
fn request_for(
    op: Op,
    rng: &mut Rng,
    s: &Sample,
    mine: &mut [(DealId, String)],
    now: Timestamp,
) -> (&'static str, String, Option<Vec<u8>>) {
    match op {
        Op::Search => {
            let q = super::http::percent_encode(rng.pick(&s.words).as_str());
            ("GET", format!("/api/v1/search?q={q}&limit=20"), None)
        }
        Op::List => {
            let q = super::http::percent_encode(rng.pick(&s.words).as_str());
            ("GET", format!("/api/v1/contacts?text={q}&limit=50"), None)
        }
        Op::LogActivity => {
            let activity = Activity {
                kind: ActivityKind::Call,
                at: now,
                contact: Some(*rng.pick(&s.contacts)),
                summary: "Called about the quote".into(),
                outcome: "reached".into(),
                duration_min: Some(5),
                ..Activity::default()
            };
            let req = crate::api::Request::Apply { changes: vec![Change::Create(Record::Activity(activity))] };
            ("POST", "/api/v1/call".into(), serde_json::to_vec(&req).ok())
        }
        Op::MoveDeal => {
            // To another open stage than the one it is in (the same one is refused).
            let i = (rng.next() % mine.len() as u64) as usize;
            let (deal, current) = &mut mine[i];
            let others: Vec<&String> = s.stages.iter().filter(|st| *st != current).collect();
            let stage = others[(rng.next() % others.len() as u64) as usize].clone();
            *current = stage.clone();
            let req = crate::api::Request::Apply {
                changes: vec![Change::MoveDeal { deal: *deal, stage, reason: String::new() }],
            };
            ("POST", "/api/v1/call".into(), serde_json::to_vec(&req).ok())
        }
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn figures(op: &'static str, mut ms: Vec<f64>, errors: usize) -> OpFigures {
    ms.sort_by(f64::total_cmp);
    OpFigures {
        op,
        requests: ms.len() + errors,
        errors,
        p50_ms: percentile(&ms, 0.50),
        p90_ms: percentile(&ms, 0.90),
        p99_ms: percentile(&ms, 0.99),
        max_ms: ms.last().copied().unwrap_or(0.0),
    }
}

/// The running server process; stopped (SIGTERM, then SIGKILL) when dropped.
struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(opts: &LoadOptions) -> Result<LoadReport, ServiceError> {
    if !opts.source.exists() {
        return Err(invalid(format!("{} does not exist: pass --db with a database to copy", opts.source.display())));
    }
    let base = opts.work_dir.clone().unwrap_or_else(std::env::temp_dir);
    let work = base.join(format!("crm-serve-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let db = work.join("db");
    copy_dir(&opts.source, &db)
        .map_err(|e| invalid(format!("cannot copy {} to {}: {e}", opts.source.display(), db.display())))?;
    let result = measure(opts, &db).map(|mut r| {
        r.database = opts.source.display().to_string();
        r
    });
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// Waits until the server answers searches and lists from memory (it fills it after it
/// starts listening): the load measures the server at work, not the server starting.
fn wait_until_warm(url: &ServerUrl) -> Result<(), ServiceError> {
    let client = HttpClient::new(url.clone(), None, None).map_err(invalid)?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let r = client
            .request("GET", "/api/v1/health", None, Duration::ZERO)
            .map_err(|e| invalid(format!("the server does not answer: {e}")))?;
        let health: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        if health["reads"] != "filling" {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(invalid("the server was still filling its memory after 10 minutes"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn measure(opts: &LoadOptions, db: &Path) -> Result<LoadReport, ServiceError> {
    let clients = opts.clients.max(1);
    let sample = Arc::new(prepare(db, clients)?);
    let exe = std::env::current_exe().map_err(|e| invalid(format!("cannot find the crm binary: {e}")))?;
    let mut child = Command::new(exe)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CRM_DB", db)
        .env("CRM_CONFIG", db.join("no-config.toml"))
        .env("CRM_USER", &sample.admin)
        .env_remove("CRM_SERVER")
        .env_remove("CRM_NOW")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| invalid(format!("cannot start crm serve: {e}")))?;
    let stdout = child.stdout.take();
    let server = ServerProcess(child);
    let mut line = String::new();
    if let Some(out) = stdout {
        let _ = std::io::BufReader::new(out).read_line(&mut line);
    }
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| invalid(format!("crm serve did not start: {line}")))?
        .to_string();
    let url = ServerUrl::parse(&url).map_err(invalid)?;
    wait_until_warm(&url)?;
    let load_before = loadavg();
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let (sample, url) = (sample.clone(), url.clone());
            let (requests, rate) = (opts.requests, opts.rate);
            std::thread::spawn(move || {
                let client = HttpClient::new(url, Some(sample.tokens[c].clone()), None);
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((c as u64 + 1) * 0x1000_0001));
                let mut got: Vec<(Op, Option<f64>, String)> = Vec::with_capacity(requests);
                let mut mine: Vec<(DealId, String)> = sample.deals.iter().skip(c).step_by(clients).cloned().collect();
                if mine.is_empty() {
                    mine = sample.deals.clone();
                }
                let client = match client {
                    Ok(c) => c,
                    Err(e) => return vec![(Op::Search, None, e)],
                };
                // Paced clients start spread over one interval, not all at once.
                let interval = (rate > 0.0).then(|| Duration::from_secs_f64(1.0 / rate));
                let first = Instant::now() + interval.map_or(Duration::ZERO, |d| d.mul_f64(c as f64 / clients as f64));
                for i in 0..requests {
                    let op = MIX[(i + c) % MIX.len()];
                    let now = Timestamp::from_datetime(&chrono::Utc::now());
                    let (method, path, body) = request_for(op, &mut rng, &sample, &mut mine, now);
                    let t = match interval {
                        Some(d) => {
                            let due = first + d.mul_f64(i as f64);
                            std::thread::sleep(due.saturating_duration_since(Instant::now()));
                            due
                        }
                        None => Instant::now(),
                    };
                    let outcome = client.request(method, &path, body.as_deref(), Duration::ZERO);
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    match outcome {
                        Ok(r) if (200..300).contains(&r.status) => got.push((op, Some(ms), String::new())),
                        Ok(r) => got.push((
                            op,
                            None,
                            format!("{} {path}: {} {}", method, r.status, String::from_utf8_lossy(&r.body).trim()),
                        )),
                        Err(e) => got.push((op, None, format!("{method} {path}: {e}"))),
                    }
                }
                got
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().map_err(|_| invalid("a benchmark client panicked"))?);
    }
    let seconds = started.elapsed().as_secs_f64();
    let load_after = loadavg();
    drop(server);
    let errors = all.iter().filter(|(_, ms, _)| ms.is_none()).count();
    let mut ops = Vec::new();
    for op in [Op::Search, Op::List, Op::LogActivity, Op::MoveDeal] {
        let ms: Vec<f64> = all.iter().filter(|(o, _, _)| *o == op).filter_map(|(_, ms, _)| *ms).collect();
        let errs = all.iter().filter(|(o, ms, _)| *o == op && ms.is_none()).count();
        ops.push(figures(op.name(), ms, errs));
    }
    ops.push(figures("all", all.iter().filter_map(|(_, ms, _)| *ms).collect(), errors));
    Ok(LoadReport {
        database: db.display().to_string(),
        contacts: sample.contact_count,
        clients,
        requests: all.len(),
        rate: opts.rate,
        errors,
        seconds,
        throughput_per_s: all.len() as f64 / seconds.max(1e-9),
        load_before,
        load_after,
        ops,
        error_samples: all.iter().filter(|(_, ms, _)| ms.is_none()).take(5).map(|(_, _, e)| e.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_ranks_of_the_sorted_latencies() {
        let ms: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&ms, 0.5), 50.0);
        assert_eq!(percentile(&ms, 0.99), 99.0);
        assert_eq!(percentile(&ms, 1.0), 100.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        let f = figures("x", vec![3.0, 1.0, 2.0], 1);
        assert_eq!((f.requests, f.errors, f.p50_ms, f.max_ms), (4, 1, 2.0, 3.0));
    }
}
