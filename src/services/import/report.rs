//! The report of an import: bad rows (line, reason, the row as it was) and duplicates, as a
//! CSV file people can open, fix and import again.

use super::plan::ImportPlan;
use std::path::{Path, PathBuf};

/// Where the report of importing `source` goes by default: beside it.
pub fn default_path(source: &Path) -> PathBuf {
    let name = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "import".into());
    source.with_file_name(format!("{name}.import-report.csv"))
}

/// `line,status,reason,row`: every bad row, then every duplicate and what was done with it.
pub fn csv(plan: &ImportPlan) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<[String; 4]> = vec![["line".into(), "status".into(), "reason".into(), "row".into()]];
    for e in &plan.errors {
        rows.push([e.line.to_string(), "not imported".into(), e.reason.clone(), e.raw.clone()]);
    }
    for d in &plan.duplicates {
        let reason = format!("{} ({} {})", d.why, d.existing, d.existing_label);
        rows.push([d.line.to_string(), format!("duplicate: {}", d.action), reason, d.label.clone()]);
    }
    for r in &rows {
        // Writing to memory cannot fail but for a bug; a short report beats a panic.
        if w.write_record(r).is_err() {
            break;
        }
    }
    w.into_inner().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

/// Writes a file in one step (a temporary file renamed over it), so nobody reads half of it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    write_atomic_with(
        path,
        |m| m,
        |f| std::io::Write::write_all(f, bytes).map_err(|e| format!("cannot write {}: {e}", path.display())),
    )
}

/// `write_atomic` for a file written as a stream: `write` fills a hidden temporary file beside
/// `path`, which is synced and renamed over it; `cannot` makes the caller's error of a message
/// (that names the file), so `write`'s own errors pass through unchanged.
pub fn write_atomic_with<E>(
    path: &Path,
    cannot: impl Fn(String) -> E,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), E>,
) -> Result<(), E> {
    let io = |e: std::io::Error| cannot(format!("cannot write {}: {e}", path.display()));
    let name = path.file_name().ok_or_else(|| cannot(format!("{} is not a file name", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let written = std::fs::File::create(&tmp).map_err(io).and_then(|mut f| {
        write(&mut f)?;
        f.sync_all().map_err(io)
    });
    if let Err(e) = written.and_then(|_| std::fs::rename(&tmp, path).map_err(io)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}
