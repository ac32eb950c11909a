//! User configuration (`~/.config/crm/config.toml`, or `--config` / `CRM_CONFIG`) and the
//! places where crm keeps its data.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Login of the current user; defaults to `$USER`.
    pub user: Option<String>,
    /// Display name used when the user is created on first run.
    pub name: Option<String>,
    /// Storage engine for new databases: "redb" or "sled".
    pub engine: Option<String>,
    /// Currency of amounts typed without one (ISO code).
    pub currency: Option<String>,
    /// "31/12" style dates: true (default) reads day first, false reads month first.
    pub day_first: Option<bool>,
    /// Where the database lives (overridden by `--db` / `CRM_DB`).
    pub db: Option<PathBuf>,
    /// Weights of the agenda's urgency score (docs/reminders.md); unset ones keep their default.
    pub urgency: Option<crate::domain::urgency::Weights>,
}

impl Config {
    /// Reads a config file; a missing file is an empty config. Errors say file, line and column.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Config::parse(&text).map_err(|e| format!("{}:{e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let (line, col) = e
                .span()
                .map(|s| {
                    let before = &text[..s.start.min(text.len())];
                    (before.matches('\n').count() + 1, before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1)
                })
                .unwrap_or((1, 1));
            format!("{line}:{col}: {}", e.message())
        })
    }
}

/// Default config file: `~/.config/crm/config.toml` on Linux.
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "crm").map(|d| d.config_dir().join("config.toml"))
}

/// Default database directory: `~/.local/share/crm/db` on Linux.
pub fn default_db_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "crm").map(|d| d.data_dir().join("db"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgency_weights_can_be_changed_one_by_one() {
        let c = Config::parse("[urgency]\noverdue_per_day = 5.0\n").unwrap();
        let w = c.urgency.unwrap();
        assert_eq!(w.overdue_per_day, 5.0);
        assert_eq!(w.due_today, crate::domain::urgency::Weights::default().due_today);
        assert!(Config::parse("[urgency]\noverdue_per_dya = 5.0\n").unwrap_err().contains("overdue_per_dya"));
    }

    #[test]
    fn parses_and_locates_errors() {
        let c = Config::parse("user = \"anna\"\nengine = \"sled\"\n").unwrap();
        assert_eq!(c.user.as_deref(), Some("anna"));
        let e = Config::parse("user = \"anna\"\ncolour = 3\n").unwrap_err();
        assert!(e.starts_with("2:1:"), "{e}");
        assert!(e.contains("colour"), "{e}");
    }
}
