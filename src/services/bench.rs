//! `crm bench`: the storage engines side by side on generated data, in one run. Whole-process
//! timings run this same binary as a child, the way a user runs it; see docs/performance.md.

use crate::domain::{EntityKind, Timestamp};
use crate::store::{EngineKind, Store, StoreError};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(Debug, Clone, Serialize)]
pub struct EngineFigures {
    pub engine: String,
    pub contacts: usize,
    pub demo_seconds: f64,
    pub size_mb: f64,
    /// In-process `Store::open`.
    pub open_ms: f64,
    /// In-process decode of every contact.
    pub scan_contacts_ms: f64,
    /// Whole process: `crm task list --overdue`.
    pub overdue_ms: f64,
    /// Whole process: `crm contact list`.
    pub contact_list_ms: f64,
    /// Peak resident memory of the `crm contact list` process.
    pub contact_list_peak_rss_mb: f64,
    pub overdue_peak_rss_mb: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub runs: Vec<EngineFigures>,
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| engine | contacts | demo (s) | size (MB) | open (ms) | scan contacts (ms) | task list --overdue (ms, RSS MB) | contact list (ms, RSS MB) |")?;
        writeln!(f, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
        for r in &self.runs {
            writeln!(
                f,
                "| {} | {} | {:.1} | {:.0} | {:.1} | {:.0} | {:.0} ({:.0}) | {:.0} ({:.0}) |",
                r.engine,
                r.contacts,
                r.demo_seconds,
                r.size_mb,
                r.open_ms,
                r.scan_contacts_ms,
                r.overdue_ms,
                r.overdue_peak_rss_mb,
                r.contact_list_ms,
                r.contact_list_peak_rss_mb
            )?;
        }
        Ok(())
    }
}

/// Bytes used by everything under `path`.
pub fn disk_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return 0 };
    if meta.is_dir() {
        std::fs::read_dir(path).map(|rd| rd.flatten().map(|e| disk_size(&e.path())).sum()).unwrap_or(0)
    } else {
        meta.len()
    }
}

static PROCESS_START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// Remembers when the process started (call first thing in `main`), for `CRM_FRAME_LOG`.
pub fn mark_process_start() {
    PROCESS_START.get_or_init(Instant::now);
}

/// Milliseconds since `mark_process_start` (or since the first call, when it was not called).
pub fn ms_since_start() -> f64 {
    PROCESS_START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// Peak resident memory of this process in kB (Linux), for `CRM_REPORT_PEAK_RSS`.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `crm --db dir ARGS` as a child; returns (wall ms, peak RSS MB), best of `runs`.
fn time_child(dir: &Path, args: &[&str], runs: usize) -> Result<(f64, f64), StoreError> {
    let exe = std::env::current_exe().map_err(|e| StoreError::Engine(format!("cannot find the crm binary: {e}")))?;
    let mut best = (f64::MAX, 0.0);
    for _ in 0..runs {
        let start = Instant::now();
        let out = Command::new(&exe)
            .arg("--db")
            .arg(dir)
            .args(args)
            .env("CRM_REPORT_PEAK_RSS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| StoreError::Engine(format!("cannot run {}: {e}", exe.display())))?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let rss = stderr
            .lines()
            .find_map(|l| l.strip_prefix("crm: peak rss "))
            .and_then(|v| v.trim_end_matches(" kB").parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0;
        if !out.status.success() {
            return Err(StoreError::Engine(format!("crm {} failed: {stderr}", args.join(" "))));
        }
        if ms < best.0 {
            best = (ms, rss);
        }
    }
    Ok(best)
}

pub fn run(contacts: usize, engines: &[EngineKind], dir: Option<&Path>) -> Result<BenchReport, StoreError> {
    let tmp;
    let base: PathBuf = match dir {
        Some(d) => d.to_path_buf(),
        None => {
            tmp = std::env::temp_dir().join(format!("crm-bench-{}", std::process::id()));
            tmp.clone()
        }
    };
    let mut runs = Vec::new();
    for &kind in engines {
        let db = base.join(format!("{kind}-{contacts}"));
        if db.exists() {
            std::fs::remove_dir_all(&db)
                .map_err(|e| StoreError::Engine(format!("cannot clear {}: {e}", db.display())))?;
        }
        let now = Timestamp::from_datetime(&chrono::Utc::now());
        let start = Instant::now();
        {
            let store = Store::open(&db, Some(kind))?;
            super::demo::generate(&store, "bench", now, contacts, 1, &mut |_, _| {})?;
        }
        let demo_seconds = start.elapsed().as_secs_f64();
        let size_mb = disk_size(&db) as f64 / 1e6;
        let start = Instant::now();
        let store = Store::open(&db, Some(kind))?;
        let open_ms = start.elapsed().as_secs_f64() * 1000.0;
        let start = Instant::now();
        let mut n = 0usize;
        store.scan(EntityKind::Contact, &mut |_| {
            n += 1;
            true
        })?;
        let scan_contacts_ms = start.elapsed().as_secs_f64() * 1000.0;
        drop(store);
        let (overdue_ms, overdue_rss) = time_child(&db, &["--as", "bench", "task", "list", "--overdue"], 3)?;
        let (list_ms, list_rss) = time_child(&db, &["--as", "bench", "contact", "list"], 3)?;
        runs.push(EngineFigures {
            engine: kind.to_string(),
            contacts,
            demo_seconds,
            size_mb,
            open_ms,
            scan_contacts_ms,
            overdue_ms,
            contact_list_ms: list_ms,
            contact_list_peak_rss_mb: list_rss,
            overdue_peak_rss_mb: overdue_rss,
        });
        if dir.is_none() {
            let _ = std::fs::remove_dir_all(&db);
        }
    }
    if dir.is_none() {
        let _ = std::fs::remove_dir_all(&base);
    }
    Ok(BenchReport { runs })
}

/// Per-keystroke search latency on an existing database.
#[derive(Debug, Clone, Serialize)]
pub struct SearchFigures {
    pub records: usize,
    pub build_ms: f64,
    /// Resident memory the index added.
    pub index_mb: f64,
    /// What the index holds, by part: used and allocated (MB).
    pub index_parts: Vec<(&'static str, f64, f64)>,
    pub keystrokes: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The first letter of a query (nothing to narrow from yet).
    pub first_letter_p50_ms: f64,
    /// CPU time of the process per keystroke (every thread), which other work on a busy machine
    /// does not inflate as it does the wall-clock figures.
    pub cpu_p50_ms: f64,
    pub cpu_p99_ms: f64,
    /// The slowest keystrokes: the query typed so far and its time (ms).
    pub slowest: Vec<(String, f64)>,
}

impl fmt::Display for SearchFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| records | index build (ms) | index memory (MB) | keystrokes | p50 (ms) | p99 (ms) | max (ms) | first letter p50 (ms) | CPU p50 (ms) | CPU p99 (ms) |")?;
        writeln!(f, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
        writeln!(
            f,
            "| {} | {:.0} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            self.records,
            self.build_ms,
            self.index_mb,
            self.keystrokes,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.first_letter_p50_ms,
            self.cpu_p50_ms,
            self.cpu_p99_ms
        )?;
        let parts: Vec<String> = self.index_parts.iter().map(|(k, u, a)| format!("{k} {u:.1}/{a:.1}")).collect();
        writeln!(f, "\nindex heap, used/allocated (MB): {}", parts.join(", "))?;
        let slow: Vec<String> = self.slowest.iter().map(|(q, ms)| format!("{q:?} {ms:.1}")).collect();
        writeln!(f, "slowest keystrokes (ms): {}", slow.join(", "))
    }
}

/// Resident memory of this process now, in kB (Linux).
pub fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time this process has used (every thread, finished ones too), in ms (Linux; 0 elsewhere).
fn cpu_ms() -> f64 {
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        #[repr(C)]
        struct Timespec {
            sec: i64,
            nsec: i64,
        }
        extern "C" {
            fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
        }
        const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
        let mut ts = Timespec { sec: 0, nsec: 0 };
        // SAFETY: clock_gettime writes one timespec (two 64-bit fields on 64-bit Linux) to the
        // pointer, which points at one.
        if unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0 {
            return ts.sec as f64 * 1000.0 + ts.nsec as f64 / 1e6;
        }
    }
    0.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Types six-letter queries one letter at a time, as the palette does (each keystroke narrows
/// the previous matches), and times each keystroke's search.
pub fn search(dir: &Path) -> Result<SearchFigures, StoreError> {
    use super::search::{narrows, Query, SearchIndex};
    let store = Store::open(dir, None)?;
    let rss_before = rss_kb().unwrap_or(0);
    let start = Instant::now();
    let index = SearchIndex::build(&store)?;
    let build_ms = start.elapsed().as_secs_f64() * 1000.0;
    let index_mb = rss_kb().unwrap_or(0).saturating_sub(rss_before) as f64 / 1024.0;
    // Six-letter queries of the kinds people type: surnames, first names, companies, towns.
    let queries = [
        "muller", "garcia", "petrov", "schmid", "andrea", "nordic", "atlasm", "koval", "martin", "berlin", "hansen",
        "supply",
    ];
    let mut all = Vec::new();
    let mut first = Vec::new();
    let (mut typed, mut cpus) = (Vec::new(), Vec::new());
    for q in queries {
        let mut last: Option<(Query, super::search::Candidates)> = None;
        for n in 1..=q.chars().count() {
            let text: String = q.chars().take(n).collect();
            let query = Query::parse(&text);
            let (t, cpu) = (Instant::now(), cpu_ms());
            let candidates = last.as_ref().filter(|(p, _)| narrows(p, &query)).map(|(_, m)| m);
            let (hits, matched) = index.search_within(&query, candidates, 50);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            cpus.push(cpu_ms() - cpu);
            std::hint::black_box(hits);
            last = Some((query, matched));
            all.push(ms);
            typed.push((text, ms));
            if n == 1 {
                first.push(ms);
            }
        }
    }
    all.sort_by(f64::total_cmp);
    first.sort_by(f64::total_cmp);
    typed.sort_by(|a, b| b.1.total_cmp(&a.1));
    cpus.sort_by(f64::total_cmp);
    typed.truncate(5);
    Ok(SearchFigures {
        records: index.len(),
        build_ms,
        index_mb,
        index_parts: index.heap_bytes().into_iter().map(|(k, u, a)| (k, u as f64 / 1e6, a as f64 / 1e6)).collect(),
        keystrokes: all.len(),
        p50_ms: percentile(&all, 0.5),
        p99_ms: percentile(&all, 0.99),
        max_ms: all.last().copied().unwrap_or(0.0),
        first_letter_p50_ms: percentile(&first, 0.5),
        slowest: typed,
        cpu_p50_ms: percentile(&cpus, 0.5),
        cpu_p99_ms: percentile(&cpus, 0.99),
    })
}
