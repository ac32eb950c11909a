//! The client side: what the CLI and the TUI hold instead of the database.

use super::request::Ranked;
use super::{ApiError, Request};
use crate::domain::{EntityKind, Timestamp};
use crate::services::agenda::AgendaItem;
use crate::services::agenda::AgendaQuery;
use crate::services::demo::DemoSummary;
use crate::services::filter::Compiled;
use crate::services::import::plan::{ImportOptions, ImportPlan};
use crate::services::import::{ImportKind, Parsed};
use crate::services::query::{ContactQuery, ContactRow};
use crate::services::search::SearchIndex;
use crate::services::{Crm, ServiceError, Settings};
use crate::store::Receipt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One request with who asks and when. `user` and `now` are honoured only from a local
/// client over the Unix socket (same OS user, so the same trust as opening the database);
/// a team server takes the user from the bearer token and keeps its own clock.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub request: Request,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Timestamp>,
}

/// A way to reach the process that holds the database.
pub trait Transport: Send + Sync {
    /// Sends one request and returns the reply's JSON (or the server's error). A failure to
    /// reach the server or to read its reply is [`ApiError::transport`].
    fn call(&self, env: Envelope) -> Result<Value, ApiError>;

    /// Where the requests go, for messages ("unix socket /…/crm.sock", "https://…").
    fn describe(&self) -> String;

    /// The team server's URL when the requests go over the network (shown where a local
    /// front end shows the database's path).
    fn server_url(&self) -> Option<String> {
        None
    }

    /// Stops serving other processes if this one took the database over (see
    /// [`Client::release`]).
    fn release(&self) {}
}

pub enum Backend {
    /// This process opened the database.
    Local(Box<Crm>),
    /// Another process holds it.
    Remote(Box<dyn Transport>),
}

/// The facade as the CLI and the TUI see it: the same method names as [`Crm`]'s, answered
/// here when this process holds the database, else sent through a [`Transport`]. The user's
/// settings (config, clock, date parsing) are always local: `client.parse_when(..)`,
/// `client.now()` and `client.user()` need no round trip.
pub struct Client {
    settings: Settings,
    backend: Backend,
    /// Serving the socket while this client holds the database.
    holder: std::sync::Mutex<Option<super::unix::Holder>>,
}

impl std::ops::Deref for Client {
    type Target = Settings;
    fn deref(&self) -> &Settings {
        &self.settings
    }
}

impl Client {
    /// A client of a database this process opened.
    pub fn local(crm: Crm) -> Client {
        Client { settings: (*crm).clone(), backend: Backend::Local(Box::new(crm)), holder: Default::default() }
    }

    /// A client of a database this process opened and serves to the others.
    pub(crate) fn holding(crm: Crm, holder: super::unix::Holder) -> Client {
        Client {
            settings: (*crm).clone(),
            backend: Backend::Local(Box::new(crm)),
            holder: std::sync::Mutex::new(Some(holder)),
        }
    }

    /// A client of another process, with the user's own settings.
    pub fn remote(settings: Settings, transport: Box<dyn Transport>) -> Client {
        Client { settings, backend: Backend::Remote(transport), holder: Default::default() }
    }

    /// Stops serving other crm processes and removes the socket (the next process takes
    /// over). Dropping the client does the same; this is for a client shared with threads
    /// that may outlive the front end's loop (the TUI's watcher).
    pub fn release(&self) {
        self.holder.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Backend::Remote(t) = &self.backend {
            t.release();
        }
    }

    /// The team server this client works against (`--server`), if any.
    pub fn server_url(&self) -> Option<String> {
        match &self.backend {
            Backend::Remote(t) => t.server_url(),
            Backend::Local(_) => None,
        }
    }

    /// Where requests go, for messages.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local(crm) => format!("{} (held by this crm)", crm.store().dir().display()),
            Backend::Remote(t) => t.describe(),
        }
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The open database when this process holds it (commands that only work on a
    /// database of one's own, like `crm doctor --repair`, ask for it).
    pub fn crm(&self) -> Option<&Crm> {
        match &self.backend {
            Backend::Local(crm) => Some(crm),
            Backend::Remote(_) => None,
        }
    }

    /// Sends a request as this client's user and decodes the reply.
    pub fn call<T: DeserializeOwned>(&self, request: Request) -> Result<T, ServiceError> {
        let value = match &self.backend {
            Backend::Local(crm) => super::handle(crm, request)?,
            Backend::Remote(t) => {
                let env =
                    Envelope { request, user: Some(self.settings.user().to_string()), now: self.settings.fixed_now() };
                t.call(env)?
            }
        };
        serde_json::from_value(value)
            .map_err(|e| ServiceError::from(ApiError::transport(format!("the reply could not be read: {e}"))))
    }
}

// Operations whose Rust signature cannot travel as is (a progress callback, a `&mut`, a
// closure, a file on the user's side): the same call sites, the wire form underneath.
impl Client {
    /// Compiles a filter for any list (against the stages of the database in use).
    pub fn compile_filter(&self, text: &str) -> Result<Compiled, ServiceError> {
        match self.crm() {
            Some(crm) => crm.compile_filter(text),
            None => self.settings.compile_filter_in(&self.pipeline()?, text, None),
        }
    }

    /// Compiles a filter for one kind of list.
    pub fn compile_filter_for(&self, text: &str, kind: EntityKind) -> Result<Compiled, ServiceError> {
        match self.crm() {
            Some(crm) => crm.compile_filter_for(text, kind),
            None => self.settings.compile_filter_in(&self.pipeline()?, text, Some(kind)),
        }
    }

    /// Saves (or replaces) a view in the user's views.toml.
    pub fn save_view(&self, name: &str, filter: &str) -> Result<String, ServiceError> {
        match self.crm() {
            Some(crm) => crm.save_view(name, filter),
            None => self.settings.save_view_in(&self.pipeline()?, name, filter),
        }
    }

    /// The agenda ranked from the indexes, items not yet named (see `fill_details`).
    pub fn agenda_ranked(&self, q: &AgendaQuery) -> Result<Vec<AgendaItem>, ServiceError> {
        Ok(self.agenda_ranked_wire(q.clone())?.into_iter().map(AgendaItem::from).collect())
    }

    /// Names and explains ranked agenda items.
    pub fn fill_details(&self, items: &mut [AgendaItem]) -> Result<(), ServiceError> {
        if let Some(crm) = self.crm() {
            return crm.fill_details(items);
        }
        let filled = self.fill_details_wire(items.iter().cloned().map(Ranked::from).collect::<Vec<_>>())?;
        for (it, f) in items.iter_mut().zip(filled) {
            *it = f.into();
        }
        Ok(())
    }

    /// `contacts`, each row turned into a `T` as soon as it is made.
    pub fn contacts_as<T>(&self, q: &ContactQuery, into: impl Fn(ContactRow) -> T) -> Result<Vec<T>, ServiceError> {
        match self.crm() {
            Some(crm) => crm.contacts_as(q, into),
            None => Ok(self.contacts(q.clone())?.into_iter().map(into).collect()),
        }
    }

    /// The dry run of an import; `progress(done, total)` as rows are checked (here only).
    pub fn plan_import(
        &self,
        parsed: Parsed,
        source: &str,
        opts: ImportOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportPlan, ServiceError> {
        match self.crm() {
            Some(crm) => crm.plan_import(parsed, source, opts, progress),
            None => self.plan_import_wire(parsed, source.to_string(), opts),
        }
    }

    /// Plans the rows of a CSV file of `kind` as a parser hands them over (see
    /// [`Crm::plan_import_rows`]); to another process they go together, once all are read.
    pub fn plan_import_rows(
        &self,
        kind: ImportKind,
        rows: &mut (dyn Iterator<Item = crate::services::import::Item> + Send),
        total: usize,
        source: &str,
        opts: ImportOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportPlan, ServiceError> {
        match self.crm() {
            Some(crm) => crm.plan_import_rows(kind, rows, total, source, opts, progress),
            None => {
                let parsed = Parsed { items: rows.collect(), notes: Vec::new() };
                self.plan_import_wire(parsed, source.to_string(), opts)
            }
        }
    }

    /// Runs a planned import in one change.
    pub fn run_import(&self, plan: &mut ImportPlan, strict: bool) -> Result<Option<Receipt>, ServiceError> {
        if let Some(crm) = self.crm() {
            return crm.run_import(plan, strict);
        }
        let (receipt, after) = self.run_import_wire(std::mem::take(plan), strict)?;
        *plan = after;
        Ok(receipt)
    }

    /// The search index of what the user sees.
    pub fn search_index(&self) -> Result<SearchIndex, ServiceError> {
        if let Some(crm) = self.crm() {
            return crm.search_index();
        }
        let mut idx = SearchIndex::default();
        for r in self.search_records()? {
            idx.upsert(&r);
        }
        Ok(idx)
    }

    /// Sample data; `progress(done, total)` as contacts are made (here only).
    pub fn demo_with_progress(
        &self,
        contacts: usize,
        seed: u64,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<DemoSummary, ServiceError> {
        match self.crm() {
            Some(crm) => {
                crm.require_role(&[crate::domain::Role::Admin], "filling the database with sample data")?;
                Ok(crate::services::demo::generate(crm.store(), crm.user(), crm.now(), contacts, seed, progress)?)
            }
            None => self.demo(contacts, seed),
        }
    }

    /// A bulk export: a saved view (the user's file) and filter terms; checked, done and
    /// journaled where the database is.
    pub fn export_filtered(
        &self,
        kind: ImportKind,
        vcard: Option<crate::services::import::vcard::Version>,
        view: Option<&str>,
        filter: &[String],
    ) -> Result<(String, usize), ServiceError> {
        self.export_filtered_wire(kind, vcard, view.map(str::to_string), self.view_filter(view, filter)?)
    }

    /// Writes the whole database as JSON.
    pub fn write_backup(&self, out: &mut dyn std::io::Write) -> Result<(), ServiceError> {
        if let Some(crm) = self.crm() {
            return crm.write_backup(out);
        }
        // Journaled by the holder or server as it hands the backup over.
        crate::services::import::backup::write_json(&self.backup_wire()?, out)
    }

    /// Writes the whole database to a file in one step.
    pub fn backup_to_file(&self, path: &std::path::Path) -> Result<(), ServiceError> {
        if let Some(crm) = self.crm() {
            return crm.backup_to_file(path);
        }
        let mut bytes = Vec::new();
        self.write_backup(&mut bytes)?;
        crate::services::import::report::write_atomic(path, &bytes).map_err(ServiceError::Invalid)
    }
}
