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
    let cannot = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let name = path.file_name().ok_or_else(|| format!("{} is not a file name", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, bytes).map_err(cannot)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(cannot(e));
    }
    Ok(())
}
