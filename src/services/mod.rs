//! Use-cases shared by the CLI and the TUI, behind one facade: [`Crm`]. Requests and
//! results are plain serde data (a `Change` list in, a `Receipt` out; a query in, rows out),
//! so that the same calls can later travel to a process that owns the database.

pub mod agenda;
pub mod audit;
pub mod bench;
pub mod config;
pub mod demo;
pub mod dupes;
pub mod filter;
pub mod format;
pub mod ics;
pub mod import;
pub mod input;
pub mod merge;
pub mod query;
pub mod remind_bench;
pub mod report;
pub mod search;
pub mod users;
pub mod views;

use crate::domain::dates::{self, DateOptions, When};
use crate::domain::*;
use crate::store::{EngineKind, Receipt, Store, StoreError};
use chrono::{DateTime, Local, NaiveDate, Utc};
use config::Config;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    NotFound(String),
    #[error("{}", ambiguous_message(.what, .text, .candidates))]
    Ambiguous { what: String, text: String, candidates: Vec<(String, String)> },
    /// Bad input: a date, an amount, a config file, an option.
    #[error("{0}")]
    Invalid(String),
    /// Not allowed: the role does not permit it, the user is disabled, a token is refused.
    #[error("{0}")]
    Denied(String),
}

fn ambiguous_message(what: &str, text: &str, candidates: &[(String, String)]) -> String {
    let mut s = format!("\"{text}\" matches {} {what}s; use an id:", candidates.len());
    for (id, label) in candidates.iter().take(10) {
        s.push_str(&format!("\n  {id:<8} {label}"));
    }
    if candidates.len() > 10 {
        s.push_str(&format!("\n  … and {} more", candidates.len() - 10));
    }
    s
}

/// Author of changes crm makes by itself; not a valid login, so nobody can undo them.
pub const SYSTEM_AUTHOR: &str = "(crm)";

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Where and as whom to open crm. Empty fields fall back to the environment, the config
/// file, then defaults.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub db: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub engine: Option<EngineKind>,
    pub user: Option<String>,
}

/// The facade over the store for one user.
pub struct Crm {
    store: Store,
    user: String,
    /// Pinned "now" (from `CRM_NOW`), so tests and demos are reproducible.
    fixed_now: Option<Timestamp>,
    currency: Currency,
    date_options: DateOptions,
    /// Where the config file lives (views.toml, keymap.toml, theme.toml sit beside it).
    config_dir: Option<PathBuf>,
    urgency: crate::domain::urgency::Weights,
    /// Days without activity after which an open deal is stale (config `quiet_deal_days`).
    quiet_deal_days: u32,
    /// The config as read (keymap and theme choice for the TUI) and what was wrong with it.
    config: Config,
    config_path: Option<PathBuf>,
    config_diagnostics: Vec<config::Diagnostic>,
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

impl Crm {
    pub fn open(opts: OpenOptions) -> Result<Crm> {
        let config_path = opts.config.clone().or_else(config::default_config_path);
        // A broken setting is a diagnostic, not an error: it keeps its default (`crm config check`).
        let (cfg, mut config_diagnostics) = match &config_path {
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
        let mut store = Store::open(&db, engine)?;
        // Stages from the config win over the stored pipeline and are written to the database,
        // so that every process and report agrees; a list that would orphan deals is refused.
        if let Some(p) = cfg.stages.clone() {
            match store.set_pipeline(p) {
                Ok(_) => {}
                Err(StoreError::Validation(v)) => {
                    let place = cfg.stages_place.clone().unwrap_or_default();
                    config_diagnostics.push(place.diagnostic(format!("stages not used: {}", v.message)));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let config_dir = config_path.as_ref().and_then(|p| p.parent().map(|d| d.to_path_buf()));
        let urgency = cfg.urgency.unwrap_or_default();
        let quiet_deal_days = cfg.quiet_deal_days.unwrap_or(agenda::QUIET_DEAL_DAYS as u32);
        let targets = crate::domain::report::parse_targets(&cfg.targets.clone().unwrap_or_default()).map_err(|e| {
            let file = config_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
            ServiceError::Invalid(format!("{file}: {e}"))
        })?;
        let crm = Crm {
            store,
            user,
            fixed_now,
            currency,
            date_options,
            config_dir,
            urgency,
            quiet_deal_days,
            targets,
            config: cfg.clone(),
            config_path: config_path.clone(),
            config_diagnostics,
        };
        crm.ensure_user(cfg.name.as_deref())?;
        Ok(crm)
    }

    /// The first run creates the current user (the very first user of a database is its admin).
    fn ensure_user(&self, name: Option<&str>) -> Result<()> {
        if let Some(Record::User(u)) = self.store.get(&Ref::User(self.user.clone()))? {
            if u.disabled {
                return Err(ServiceError::Denied(format!(
                    "user {} is disabled; an admin can enable them again with `crm user enable {}`",
                    u.login, u.login
                )));
            }
            return Ok(());
        }
        let first = self.store.count(crate::store::Tree::Users)? == 0;
        let user = User {
            login: self.user.clone(),
            name: name.unwrap_or(&self.user).to_string(),
            role: if first { Role::Admin } else { Role::Rep },
            ..User::default()
        };
        // Journaled as crm's own doing, so that the user's first `crm undo` does not remove them.
        self.store.apply(SYSTEM_AUTHOR, self.now(), &[Change::Create(Record::User(user))])?;
        Ok(())
    }

    pub fn store(&self) -> &Store {
        &self.store
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

    /// Applies changes as the current user.
    pub fn apply(&self, changes: Vec<Change>) -> Result<Receipt> {
        // `crm contact edit c1` with no field: say so rather than journal an empty change.
        if !changes.is_empty() && changes.iter().all(|c| matches!(c, Change::Edit { edits, .. } if edits.is_empty())) {
            return Err(ServiceError::Invalid("nothing to change: give at least one field to set (see --help)".into()));
        }
        Ok(self.store.apply(&self.user, self.now(), &changes)?)
    }

    pub fn undo(&self) -> Result<Receipt> {
        Ok(self.store.undo(&self.user, self.now())?)
    }

    pub fn redo(&self) -> Result<Receipt> {
        Ok(self.store.redo(&self.user, self.now())?)
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

    // ---- use-cases that need more than one change or the user's clock ----

    /// Marks a task done; a repeating one gets its next occurrence (in the user's time zone).
    pub fn complete_task(&self, id: TaskId) -> Result<Receipt> {
        let Some(Record::Task(t)) = self.store.get(&Ref::Task(id))? else {
            return Err(ServiceError::NotFound(format!("{id} does not exist")));
        };
        let next = next_due(&t, &self.now_local());
        self.apply(vec![Change::CompleteTask { task: id, next }])
    }

    // ---- resolving what people type into ids ----

    /// A contact by id (`c12`) or by a unique fragment of its name.
    pub fn resolve_contact(&self, text: &str) -> Result<ContactId> {
        self.resolve(EntityKind::Contact, text).map(ContactId)
    }

    pub fn resolve_company(&self, text: &str) -> Result<CompanyId> {
        self.resolve(EntityKind::Company, text).map(CompanyId)
    }

    pub fn resolve_deal(&self, text: &str) -> Result<DealId> {
        self.resolve(EntityKind::Deal, text).map(DealId)
    }

    pub fn resolve_task(&self, text: &str) -> Result<TaskId> {
        self.resolve(EntityKind::Task, text).map(TaskId)
    }

    /// Any record by id (`c12`, `co3`, `d7`, `t30`, `a4`, `@login`).
    pub fn resolve_ref(&self, text: &str) -> Result<Ref> {
        let r: Ref =
            text.parse().map_err(|e: crate::domain::ids::IdParseError| ServiceError::Invalid(e.to_string()))?;
        match self.store.get(&r)? {
            Some(_) => Ok(r),
            None => Err(ServiceError::NotFound(format!("{r} does not exist"))),
        }
    }

    fn resolve(&self, kind: EntityKind, text: &str) -> Result<u64> {
        let t = text.trim();
        // "c12 Anna Müller" (as pickers fill it in): the id decides.
        let t = match t.split_once(' ') {
            Some((first, _))
                if first
                    .strip_prefix(kind.prefix())
                    .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit())) =>
            {
                first
            }
            _ => t,
        };
        // An id with this kind's prefix, or a bare number.
        let prefix = kind.prefix();
        let digits = t.strip_prefix(prefix).filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_digit()));
        let digits = digits.or_else(|| t.chars().all(|c| c.is_ascii_digit()).then_some(t).filter(|s| !s.is_empty()));
        if let Some(n) = digits.and_then(|d| d.parse::<u64>().ok()) {
            let r = Ref::from_number(kind, n)
                .ok_or_else(|| ServiceError::Invalid(format!("\"{t}\" is not a {kind} id")))?;
            return match self.store.get(&r)? {
                Some(rec) if rec.deleted().is_some() => Err(StoreError::Trashed(r).into()),
                Some(_) => Ok(n),
                None => Err(ServiceError::NotFound(format!("{r} does not exist"))),
            };
        }
        if t.is_empty() {
            return Err(ServiceError::Invalid(format!("expected a {kind} id or name")));
        }
        let needle = fold(t);
        let mut exact = Vec::new();
        let mut partial = Vec::new();
        self.store.scan(kind, &mut |rec| {
            if rec.deleted().is_none() {
                let label = fold(rec.label());
                if label == needle {
                    exact.push((rec.reference(), rec.label().to_string()));
                } else if label.contains(&needle) {
                    partial.push((rec.reference(), rec.label().to_string()));
                }
            }
            true
        })?;
        let found = if exact.is_empty() { partial } else { exact };
        match found.as_slice() {
            [] => Err(ServiceError::NotFound(format!("no {kind} matches \"{t}\""))),
            [(r, _)] => r.number().ok_or_else(|| ServiceError::NotFound(format!("no {kind} matches \"{t}\""))),
            many => Err(ServiceError::Ambiguous {
                what: kind.name().into(),
                text: t.into(),
                candidates: many.iter().map(|(r, l)| (r.to_string(), l.clone())).collect(),
            }),
        }
    }
}

/// When a repeating task's next occurrence is due, after it is done at `now`; keeps the time
/// of day for timed tasks.
pub fn next_due(t: &Task, now: &DateTime<Local>) -> Option<Due> {
    let today = now.date_naive();
    let day = crate::domain::agenda::due_day(t.due, &Local);
    let next = t.recurrence.roll_over(day, today)?;
    Some(match t.due {
        Due::Day(_) => Due::Day(Day(next)),
        Due::At(ts) => {
            // The same local time of day on that day; in a DST gap, the hour after; in an
            // overlap, the first (chrono's `Local` lists the later one first).
            let at = ts.to_datetime().with_timezone(&Local);
            let mut next = crate::domain::recurrence::next_local(&at, t.recurrence, today)?;
            // Done after today's time has passed: the next one is a later day, not this morning.
            if next <= *now {
                next = crate::domain::recurrence::next_local(&next, t.recurrence, today.succ_opt()?)?;
            }
            Due::At(Timestamp::from_datetime(&next))
        }
    })
}

/// Case- and accent-insensitive form for name matching.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => 'i',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
            'ý' | 'ÿ' => 'y',
            'ś' | 'š' | 'ş' => 's',
            'ź' | 'ż' | 'ž' => 'z',
            'ł' => 'l',
            'ğ' => 'g',
            'ř' => 'r',
            'ť' => 't',
            'ď' => 'd',
            other => other,
        })
        .collect()
}
