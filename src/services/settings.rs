//! The user's side of crm: who they are, their config, their clock and how they write dates
//! and amounts. A front end has these without the database (a client of another process
//! that holds it reads its own config), so parsing what people type needs no round trip.

use super::agenda;
use super::config::{self, Config};
use super::format;
use super::{Result, ServiceError};
use crate::domain::dates::{self, DateOptions, When};
use crate::domain::*;
use crate::store::EngineKind;
use chrono::{DateTime, Local, NaiveDate, Utc};
use std::path::PathBuf;

use super::OpenOptions;

#[derive(Debug, Clone)]
pub struct Settings {
    /// The database directory (`--db`, `CRM_DB`, config `db`, or the default).
    pub(crate) db: PathBuf,
    /// The engine asked for by the config (`--engine` wins over it).
    pub(crate) engine: Option<EngineKind>,
    pub(crate) user: String,
    /// Pinned "now" (from `CRM_NOW`), so tests and demos are reproducible.
    pub(crate) fixed_now: Option<Timestamp>,
    currency: Currency,
    date_options: DateOptions,
    /// Where the config file lives (views.toml, keymap.toml, theme.toml sit beside it).
    config_dir: Option<PathBuf>,
    urgency: crate::domain::urgency::Weights,
    /// Days without activity after which an open deal is stale (config `quiet_deal_days`).
    quiet_deal_days: u32,
    /// The config as read (keymap and theme choice for the TUI) and what was wrong with it.
    pub(crate) config: Config,
    config_path: Option<PathBuf>,
    pub(crate) config_diagnostics: Vec<config::Diagnostic>,
    /// Activity targets by rep login (config `[targets.<login>]`).
    targets: std::collections::BTreeMap<String, Vec<crate::domain::report::Target>>,
}

/// The login of the current user when nothing names one.
pub(crate) fn login_from_env() -> String {
    let raw = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "me".into());
    let clean: String = raw.chars().filter(|c| c.is_alphanumeric() || "._-".contains(*c)).collect();
    if clean.is_empty() {
        "me".into()
    } else {
        clean
    }
}

impl Settings {
    /// Reads the config (`--config`, `CRM_CONFIG` or the default place) and the environment.
    pub fn load(opts: &OpenOptions) -> Result<Settings> {
        let config_path = opts.config.clone().or_else(config::default_config_path);
        // A broken setting is a diagnostic, not an error: it keeps its default (`crm config check`).
        let (cfg, config_diagnostics) = match &config_path {
            Some(p) => Config::load(p),
            None => (Config::default(), Vec::new()),
        };
        let db = opts.db.clone().or_else(|| cfg.db.clone()).or_else(config::default_db_dir).ok_or_else(|| {
            ServiceError::Invalid("cannot find a home directory for the database; pass --db PATH".into())
        })?;
        let engine = match (opts.engine, &cfg.engine) {
            (Some(e), _) => Some(e),
            (None, Some(name)) => Some(EngineKind::parse(name).map_err(ServiceError::Invalid)?),
            (None, None) => None,
        };
        let fixed_now = match std::env::var("CRM_NOW") {
            Ok(text) => Some(
                DateTime::parse_from_rfc3339(&text)
                    .map(|d| Timestamp::from_datetime(&d))
                    .map_err(|e| ServiceError::Invalid(format!("CRM_NOW=\"{text}\" is not an RFC 3339 time: {e}")))?,
            ),
            Err(_) => None,
        };
        let currency = cfg.currency.unwrap_or(Currency::EUR);
        let date_options: DateOptions = cfg.date_options();
        format::set_date_format(cfg.date_format.as_deref());
        let user = opts.user.clone().or(cfg.user.clone()).unwrap_or_else(login_from_env);
        let config_dir = config_path.as_ref().and_then(|p| p.parent().map(|d| d.to_path_buf()));
        let urgency = cfg.urgency.unwrap_or_default();
        let quiet_deal_days = cfg.quiet_deal_days.unwrap_or(agenda::QUIET_DEAL_DAYS as u32);
        let targets = crate::domain::report::parse_targets(&cfg.targets.clone().unwrap_or_default()).map_err(|e| {
            let file = config_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
            ServiceError::Invalid(format!("{file}: {e}"))
        })?;
        Ok(Settings {
            db,
            engine,
            user,
            fixed_now,
            currency,
            date_options,
            config_dir,
            urgency,
            quiet_deal_days,
            targets,
            config: cfg,
            config_path,
            config_diagnostics,
        })
    }

    /// The database directory these settings name.
    pub fn db_dir(&self) -> &std::path::Path {
        &self.db
    }

    /// The engine the config asks for, if any.
    pub fn engine(&self) -> Option<EngineKind> {
        self.engine
    }

    /// The pinned "now" (`CRM_NOW`), if any.
    pub fn fixed_now(&self) -> Option<Timestamp> {
        self.fixed_now
    }

    /// Activity targets by rep (config `[targets.<login>]`).
    pub fn targets(&self) -> &std::collections::BTreeMap<String, Vec<crate::domain::report::Target>> {
        &self.targets
    }

    /// Days without activity after which an open deal is stale.
    pub fn quiet_deal_days(&self) -> i64 {
        self.quiet_deal_days as i64
    }

    /// The urgency weights in force (config `[urgency]` over the defaults).
    pub fn urgency_weights(&self) -> &crate::domain::urgency::Weights {
        &self.urgency
    }

    pub fn config_dir(&self) -> Option<&std::path::Path> {
        self.config_dir.as_deref()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How dates are read: "morning", the first day of the week, day or month first.
    pub fn date_options(&self) -> &DateOptions {
        &self.date_options
    }

    pub fn config_path(&self) -> Option<&std::path::Path> {
        self.config_path.as_deref()
    }

    /// Problems in config.toml found on open (each setting in question kept its default).
    pub fn config_diagnostics(&self) -> &[config::Diagnostic] {
        &self.config_diagnostics
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn now(&self) -> Timestamp {
        self.fixed_now.unwrap_or_else(|| Timestamp::from_datetime(&Utc::now()))
    }

    pub fn now_local(&self) -> DateTime<Local> {
        self.now().to_datetime().with_timezone(&Local)
    }

    pub fn today(&self) -> NaiveDate {
        self.now_local().date_naive()
    }

    // ---- input parsing shared by every front end ----

    pub fn parse_when(&self, text: &str) -> Result<When> {
        dates::parse_when(text, self.now_local(), &self.date_options).map_err(|e| ServiceError::Invalid(e.to_string()))
    }

    pub fn parse_due(&self, text: &str) -> Result<Due> {
        Ok(match self.parse_when(text)? {
            When::Day(d) => Due::Day(Day(d)),
            When::At(t) => Due::At(Timestamp::from_datetime(&t)),
        })
    }

    /// An instant: a whole day means the start of that day.
    pub fn parse_instant(&self, text: &str) -> Result<Timestamp> {
        Ok(match self.parse_when(text)? {
            When::At(t) => Timestamp::from_datetime(&t),
            When::Day(d) => {
                let local = d.and_hms_opt(0, 0, 0).and_then(|dt| dt.and_local_timezone(Local).earliest());
                local
                    .map(|l| Timestamp::from_datetime(&l))
                    .ok_or_else(|| ServiceError::Invalid(format!("\"{text}\": no such local time")))?
            }
        })
    }

    pub fn parse_day(&self, text: &str) -> Result<Day> {
        dates::parse_day(text, self.now_local(), &self.date_options)
            .map(Day)
            .map_err(|e| ServiceError::Invalid(e.to_string()))
    }

    pub fn parse_money(&self, text: &str) -> Result<Money> {
        Money::parse(text, self.currency).map_err(ServiceError::Invalid)
    }

    pub fn parse_minutes(&self, text: &str) -> Result<u32> {
        dates::parse_minutes(text).map_err(|e| ServiceError::Invalid(e.to_string()))
    }
}
