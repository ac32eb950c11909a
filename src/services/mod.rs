//! Use-cases shared by the CLI and the TUI, behind one facade: [`Crm`]. Requests and
//! results are plain serde data (a `Change` list in, a `Receipt` out; a query in, rows out),
//! so that the same calls can later travel to a process that owns the database.

pub mod agenda;
pub mod audit;
pub mod bench;
pub mod cache;
pub mod config;
pub mod demo;
pub mod dupes;
pub mod filter;
pub mod format;
pub mod ics;
pub mod import;
pub mod input;
pub mod live;
pub mod merge;
pub mod query;
pub mod remind_bench;
pub mod report;
pub mod search;
pub mod settings;
pub mod users;
pub mod views;
pub mod visibility;

use crate::domain::*;
use crate::store::{EngineKind, Receipt, Store, StoreError};
use chrono::{DateTime, Local};
pub(crate) use settings::login_from_env;
pub use settings::Settings;
use std::path::PathBuf;
use std::sync::Arc;

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

/// The facade over the store for one user. Cloning is cheap-ish (the store is shared): one
/// open database serves many callers through [`Crm::as_user`]. The user's settings (config,
/// clock, date parsing) are [`Settings`], reached through `Deref`.
#[derive(Clone)]
pub struct Crm {
    store: Arc<Store>,
    settings: Settings,
    /// Wakes [`Crm::wait_changes`] callers after every write through this facade.
    changes: Arc<live::Changes>,
    /// A server's in-memory answers to searches and contact lists (see [`Crm::keep_reads_in_memory`]).
    /// Shared by every view of the open database, so that the holder's socket clients use it too.
    reads: Arc<std::sync::OnceLock<cache::ReadCache>>,
}

impl std::ops::Deref for Crm {
    type Target = Settings;
    fn deref(&self) -> &Settings {
        &self.settings
    }
}

impl Crm {
    pub fn open(opts: OpenOptions) -> Result<Crm> {
        let mut settings = Settings::load(&opts)?;
        let mut store = Store::open(&settings.db, opts.engine.or(settings.engine))?;
        // Stages from the config win over the stored pipeline and are written to the database,
        // so that every process and report agrees; a list that would orphan deals is refused.
        if let Some(p) = settings.config.stages.clone() {
            match store.set_pipeline(p) {
                Ok(_) => {}
                Err(StoreError::Validation(v)) => {
                    let place = settings.config.stages_place.clone().unwrap_or_default();
                    settings.config_diagnostics.push(place.diagnostic(format!("stages not used: {}", v.message)));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let name = settings.config.name.clone();
        let crm = Crm { store: Arc::new(store), settings, changes: Arc::default(), reads: Arc::default() };
        crm.ensure_user(name.as_deref())?;
        Ok(crm)
    }

    /// The first run creates the current user (the very first user of a database is its admin).
    fn ensure_user(&self, name: Option<&str>) -> Result<()> {
        if let Some(Record::User(u)) = self.store.get(&Ref::User(self.user().to_string()))? {
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
            login: self.user().to_string(),
            name: name.unwrap_or(self.user()).to_string(),
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

    /// A new database in `dir` as `user`, with no config file: what unit tests open.
    #[cfg(test)]
    pub(crate) fn open_in(dir: &std::path::Path, user: &str) -> Crm {
        let opts = OpenOptions {
            db: Some(dir.join("db")),
            config: Some(dir.join("none.toml")),
            engine: None,
            user: Some(user.into()),
        };
        Crm::open(opts).expect("a new database in a temporary directory opens")
    }

    /// Keeps searches and contact lists in memory for every view of this database (`crm
    /// serve`: a team's reads would each scan the database otherwise). Filled on a thread of
    /// its own; reads take the uncached path until it is done.
    pub fn keep_reads_in_memory(&self) {
        if self.reads.set(cache::ReadCache::default()).is_err() {
            return;
        }
        let (reads, store) = (self.reads.clone(), self.store.clone());
        std::thread::spawn(move || {
            if let Some(Err(e)) = reads.get().map(|c| c.fill(&store)) {
                eprintln!("crm: searches and lists will read the database each time: {e}");
            }
        });
    }

    pub(crate) fn read_cache(&self) -> Option<&cache::ReadCache> {
        self.reads.get()
    }

    /// Where searches and contact lists are answered from: "memory", "filling" (memory is being
    /// filled: the database meanwhile) or "database" (this process keeps nothing in memory).
    pub fn reads_from(&self) -> &'static str {
        match self.read_cache() {
            Some(c) if c.is_filled() => "memory",
            Some(_) => "filling",
            None => "database",
        }
    }

    /// The same open database seen by another user (a client of the process holding it):
    /// unknown and disabled users are refused, as on open.
    pub fn as_user(&self, login: &str) -> Result<Crm> {
        let mut crm = self.clone();
        crm.settings.user = login.to_string();
        match self.store.get(&Ref::User(login.to_string()))? {
            Some(Record::User(u)) if u.disabled => Err(ServiceError::Denied(format!(
                "user {} is disabled; an admin can enable them again with `crm user enable {}`",
                u.login, u.login
            ))),
            Some(Record::User(_)) => Ok(crm),
            // A newcomer on this machine is created as on a first open (as a rep).
            _ => {
                crm.ensure_user(None)?;
                Ok(crm)
            }
        }
    }

    /// This view with "now" pinned (a client's `CRM_NOW`), or the real clock.
    pub fn with_now(mut self, now: Option<Timestamp>) -> Crm {
        if now.is_some() {
            self.settings.fixed_now = now;
        }
        self
    }

    /// Applies changes as the current user.
    pub fn apply(&self, changes: Vec<Change>) -> Result<Receipt> {
        // `crm contact edit c1` with no field: say so rather than journal an empty change.
        if !changes.is_empty() && changes.iter().all(|c| matches!(c, Change::Edit { edits, .. } if edits.is_empty())) {
            return Err(ServiceError::Invalid("nothing to change: give at least one field to set (see --help)".into()));
        }
        // Roles and visibility: whoever calls (CLI, TUI, socket, HTTP) gets the same answer.
        self.check_changes(&changes)?;
        let receipt = self.store.apply_owned(self.user(), self.now(), changes);
        self.changes.notify();
        Ok(receipt?)
    }

    pub fn undo(&self) -> Result<Receipt> {
        let receipt = self.store.undo(self.user(), self.now());
        self.changes.notify();
        Ok(receipt?)
    }

    pub fn redo(&self) -> Result<Receipt> {
        let receipt = self.store.redo(self.user(), self.now());
        self.changes.notify();
        Ok(receipt?)
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
        // Names the user does not see match nothing (visibility): they are not told they exist.
        let access = self.access()?;
        let mut failed = None;
        self.store.scan(kind, &mut |rec| {
            if rec.deleted().is_none() {
                let label = fold(rec.label());
                let list = if label == needle {
                    &mut exact
                } else if label.contains(&needle) {
                    &mut partial
                } else {
                    return true;
                };
                match access.sees(&rec) {
                    Ok(true) => list.push((rec.reference(), rec.label().to_string())),
                    Ok(false) => {}
                    Err(e) => {
                        failed = Some(e);
                        return false;
                    }
                }
            }
            true
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
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
    // Sized up front, and ASCII (most letters of most names) lowercased without the Unicode
    // tables: an import folds two names per row.
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase().map(fold_accent));
        }
    }
    out
}

fn fold_accent(c: char) -> char {
    match c {
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
    }
}
