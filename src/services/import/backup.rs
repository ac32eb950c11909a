//! `crm export json` / `crm import json` / `crm backup`: the whole database in one versioned
//! JSON file (see `store::backup` for what it holds). Restoring needs an empty database (or
//! `--force`): it replaces everything, history included, so it is not itself undoable.

use crate::services::{Crm, Result, ServiceError, SYSTEM_AUTHOR};
use crate::store::backup::{self, Backup};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize)]
pub struct RestoreSummary {
    pub records: usize,
    pub journal_entries: usize,
    pub written_at: String,
    pub crm_version: String,
}

/// Reads a backup file's text, saying clearly what is wrong with a file that is not one.
pub fn read(bytes: &[u8]) -> Result<Backup> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ServiceError::Invalid(format!("not a JSON file (line {}, column {}): {e}", e.line(), e.column()))
    })?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(backup::FORMAT) => {}
        _ => {
            return Err(ServiceError::Invalid(
                "not a crm backup: it has no \"format\": \"crm-backup\" (write one with `crm export json`)".into(),
            ))
        }
    }
    if let Some(v) = value.get("format_version").and_then(|v| v.as_u64()) {
        if v > backup::FORMAT_VERSION as u64 {
            return Err(ServiceError::Invalid(format!(
                "the backup is format version {v}, newer than this crm reads ({}); upgrade crm",
                backup::FORMAT_VERSION
            )));
        }
    }
    serde_json::from_value(value).map_err(|e| ServiceError::Invalid(format!("the backup is damaged: {e}")))
}

impl Crm {
    /// The whole database as a backup value.
    pub fn backup(&self) -> Result<Backup> {
        Ok(backup::dump(self.store(), self.now())?)
    }

    /// The backup as JSON text.
    pub fn backup_json(&self) -> Result<String> {
        serde_json::to_string(&self.backup()?).map_err(|e| ServiceError::Invalid(format!("cannot write JSON: {e}")))
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
        let text = self.backup_json()?;
        super::report::write_atomic(&path, text.as_bytes()).map_err(ServiceError::Invalid)?;
        Ok(path)
    }

    /// Replaces the database with a backup. Refused when the database holds records or
    /// history of its own, unless `force`.
    pub fn restore(&self, b: &Backup, force: bool) -> Result<RestoreSummary> {
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
