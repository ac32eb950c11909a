//! The client side: what the CLI and the TUI hold instead of the database.

use super::{ApiError, Request};
use crate::domain::Timestamp;
use crate::services::{Crm, ServiceError, Settings};
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
}

pub enum Backend {
    /// This process opened the database.
    Local(Crm),
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
        Client { settings: (*crm).clone(), backend: Backend::Local(crm) }
    }

    /// A client of another process, with the user's own settings.
    pub fn remote(settings: Settings, transport: Box<dyn Transport>) -> Client {
        Client { settings, backend: Backend::Remote(transport) }
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
                let env = Envelope { request, user: Some(self.settings.user().to_string()), now: self.settings.fixed_now() };
                t.call(env)?
            }
        };
        serde_json::from_value(value)
            .map_err(|e| ServiceError::from(ApiError::transport(format!("the reply could not be read: {e}"))))
    }
}
