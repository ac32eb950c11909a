//! `crm export json` / `crm import json` / `crm backup`: the whole database in one versioned
//! JSON file (see `store::backup` for what it holds). Restoring needs an empty database (or
//! `--force`): it replaces everything, history included, so it is not itself undoable.

use crate::services::{Crm, Result, ServiceError, SYSTEM_AUTHOR};
use crate::store::backup::{self, Backup};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct RestoreSummary {
    pub records: usize,
    pub journal_entries: usize,
    pub written_at: String,
    pub crm_version: String,
}

/// The fields that say what a file is, read before the rest.
#[derive(serde::Deserialize)]
struct Header {
    format: Option<String>,
    format_version: Option<u64>,
}

/// Reads a backup file's text, saying clearly what is wrong with a file that is not one.
pub fn read(bytes: &[u8]) -> Result<Backup> {
    // The header first (the rest is skipped without being kept), then the whole file straight
    // into records: a generic JSON tree of a large backup would take several times its size.
    let header: Header = serde_json::from_slice(bytes).map_err(|e| {
        ServiceError::Invalid(format!("not a JSON file (line {}, column {}): {e}", e.line(), e.column()))
    })?;
    if header.format.as_deref() != Some(backup::FORMAT) {
        return Err(ServiceError::Invalid(
            "not a crm backup: it has no \"format\": \"crm-backup\" (write one with `crm export json`)".into(),
        ));
    }
    if let Some(v) = header.format_version.filter(|v| *v > backup::FORMAT_VERSION as u64) {
        return Err(ServiceError::Invalid(format!(
            "the backup is format version {v}, newer than this crm reads ({}); upgrade crm",
            backup::FORMAT_VERSION
        )));
    }
    serde_json::from_slice(bytes).map_err(|e| ServiceError::Invalid(format!("the backup is damaged: {e}")))
}

/// Writes a backup as JSON (streamed: a large database is not held twice in memory).
pub fn write_json(b: &Backup, out: &mut dyn std::io::Write) -> Result<()> {
    let cannot = |e: String| ServiceError::Invalid(format!("cannot write the backup: {e}"));
    let mut w = std::io::BufWriter::new(out);
    serde_json::to_writer(&mut w, b).map_err(|e| cannot(e.to_string()))?;
    std::io::Write::flush(&mut w).map_err(|e| cannot(e.to_string()))
}

impl Crm {
    /// The whole database as a backup value.
    pub fn backup(&self) -> Result<Backup> {
        self.require_bulk_export("exporting the whole database")?;
        self.require_whole_database("exporting the whole database")?;
        Ok(backup::dump(self.store(), self.now())?)
    }

    /// Writes the backup as JSON (streamed: a large database is not held twice in memory).
    pub fn write_backup(&self, out: &mut dyn std::io::Write) -> Result<()> {
        let b = self.backup()?;
        write_json(&b, out)?;
        self.journal_export("json (whole database)", b.record_count() as u64, "").map(drop)
    }

    /// Writes the backup to a file in one step (a temporary file renamed over it).
    pub fn backup_to_file(&self, path: &std::path::Path) -> Result<()> {
        super::report::write_atomic_with(path, ServiceError::Invalid, |f| self.write_backup(f))
    }

    /// Writes a timestamped backup into the data directory's `backups/` folder.
    pub fn backup_to_data_dir(&self) -> Result<PathBuf> {
        let dir = self.store().dir().join("backups");
        std::fs::create_dir_all(&dir)
            .map_err(|e| ServiceError::Invalid(format!("cannot create {}: {e}", dir.display())))?;
        let stamp = self.now().to_datetime().format("%Y%m%d-%H%M%S").to_string();
        let mut path = dir.join(format!("crm-{stamp}.json"));
        let mut n = 2;
        while path.exists() {
            path = dir.join(format!("crm-{stamp}-{n}.json"));
            n += 1;
        }
        self.backup_to_file(&path)?;
        Ok(path)
    }

    /// Replaces the database with a backup. Refused when the database holds records or
    /// history of its own, unless `force`.
    pub fn restore(&self, b: &Backup, force: bool) -> Result<RestoreSummary> {
        self.require_bulk_export("restoring a backup")?;
        self.require_whole_database("restoring a backup")?;
        let (records, entries) = backup::user_data(self.store(), SYSTEM_AUTHOR)?;
        if (records > 0 || entries > 0) && !force {
            return Err(ServiceError::Invalid(format!(
                "the database at {} is not empty ({records} records, {entries} changes in its history); \
                 restore into a new one (--db NEW_DIR) or pass --force to replace everything in it",
                self.store().dir().display()
            )));
        }
        backup::restore(self.store(), b)?;
        let records =
            b.users.len() + b.companies.len() + b.contacts.len() + b.deals.len() + b.activities.len() + b.tasks.len();
        Ok(RestoreSummary {
            records,
            journal_entries: b.journal.len(),
            written_at: b.written_at.to_string(),
            crm_version: b.crm_version.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_files_are_named_for_what_they_are() {
        let e = read(b"").unwrap_err().to_string();
        assert!(e.starts_with("not a JSON file (line 1"), "{e}");
        let e = read(br#"{"format": "other"}"#).unwrap_err().to_string();
        assert!(e.contains("not a crm backup"), "{e}");
        let e = read(br#"{"format": "crm-backup", "format_version": 99}"#).unwrap_err().to_string();
        assert!(e.contains("newer than this crm reads"), "{e}");
        let e = read(br#"{"format": "crm-backup", "format_version": 1}"#).unwrap_err().to_string();
        assert!(e.contains("the backup is damaged: missing field"), "{e}");
    }

    #[test]
    fn json_keeps_milliseconds_of_times() {
        let t = crate::domain::Timestamp(1_795_785_241_957);
        let text = serde_json::to_string(&t).unwrap();
        assert_eq!(text, "\"2026-11-27T13:14:01.957Z\"");
        assert_eq!(serde_json::from_str::<crate::domain::Timestamp>(&text).unwrap(), t);
        let whole = crate::domain::Timestamp(1_795_785_241_000);
        assert_eq!(serde_json::to_string(&whole).unwrap(), "\"2026-11-27T13:14:01Z\"");
    }

    #[test]
    fn hex_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(backup::unhex(&backup::hex(&bytes)).unwrap(), bytes);
        assert!(backup::unhex("abc").is_err());
        assert!(backup::unhex("zz").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_refused_without_panicking(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = read(&bytes);
            let mut framed = br#"{"format":"crm-backup","format_version":1,"#.to_vec();
            framed.extend_from_slice(&bytes);
            let _ = read(&framed);
        }
    }
}
