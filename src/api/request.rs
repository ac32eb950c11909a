//! Every facade operation, listed once. Each line of the table below makes
//! - a [`Request`] variant (JSON: `{"op": "contact_card", "args": {"id": "c12"}}`),
//! - its arm in [`run`] (the server side, see [`super::handle`]),
//! - a [`Client`] method of the same name as the [`Crm`] method it stands for, which runs
//!   the body here when this process holds the database and sends the request otherwise.

use super::Client;
use crate::domain::*;
use crate::services::query::*;
use crate::services::search::{Hit, Query, SearchIndex};
use crate::services::{Crm, ServiceError};
use crate::store::Receipt;
use serde::{Deserialize, Serialize};
use serde_json::Value;

macro_rules! operations {
    ($crm:ident; $(
        $(#[$doc:meta])*
        $Variant:ident $method:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty { $($body:tt)* }
    )*) => {
        /// One facade operation with its arguments.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(tag = "op", content = "args", rename_all = "snake_case", deny_unknown_fields)]
        pub enum Request {
            $( $(#[$doc])* $Variant { $($arg: $ty),* }, )*
        }

        impl Request {
            /// The operation's name on the wire (`contact_card`).
            pub fn name(&self) -> &'static str {
                match self { $( Request::$Variant { .. } => operations!(@snake $Variant $method), )* }
            }
        }

        /// Answers a request as `crm`'s user.
        pub(crate) fn run(crm: &Crm, req: Request) -> Result<Value, ServiceError> {
            match req {
                $( Request::$Variant { $($arg),* } => {
                    let $crm = crm;
                    let out: $ret = (|| -> Result<$ret, ServiceError> { $($body)* })()?;
                    serde_json::to_value(out).map_err(|e| ServiceError::Invalid(format!("cannot encode the reply: {e}")))
                } )*
            }
        }

        impl Client {
            $(
                $(#[$doc])*
                #[allow(clippy::too_many_arguments)]
                pub fn $method(&self, $($arg: $ty),*) -> Result<$ret, ServiceError> {
                    match self.crm() {
                        // Straight to the database: no encoding on the way.
                        Some($crm) => (|| -> Result<$ret, ServiceError> { $($body)* })(),
                        None => self.call(Request::$Variant { $($arg),* }),
                    }
                }
            )*
        }
    };
    (@snake $Variant:ident $method:ident) => { stringify!($method) };
}

operations! { crm;
    /// The journal head: the number the next write will get.
    JournalHead journal_head() -> u64 { Ok(crm.store().journal_head()?) }
    /// Waits (at most `timeout_ms`, capped at a minute) until the journal head passes `after`;
    /// returns the head.
    WaitChanges wait_changes(after: u64, timeout_ms: u32) -> u64 { crm.wait_changes(after, timeout_ms) }
    /// Applies changes as the caller, in one transaction with one journal entry.
    Apply apply(changes: Vec<Change>) -> Receipt { crm.apply(changes) }
    /// Undoes the caller's last change.
    Undo undo() -> Receipt { crm.undo() }
    /// Redoes the caller's last undone change.
    Redo redo() -> Receipt { crm.redo() }
    /// Contacts matching a query.
    Contacts contacts(query: ContactQuery) -> Vec<ContactRow> { crm.contacts(&query) }
    /// A contact with its deals, tasks and activities.
    ContactCard contact_card(id: ContactId) -> ContactCard { crm.contact_card(id) }
    /// The best `limit` matches of a search (`query` as typed: words, `#tag`, `type:`).
    Search search(query: String, kind: Option<EntityKind>, limit: usize) -> Vec<Hit> {
        let mut q = Query::parse(&query);
        q.kind = kind.or(q.kind);
        Ok(SearchIndex::search_store(crm.store(), &q, limit)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_plain_json() {
        let r = Request::ContactCard { id: ContactId(12) };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(text, r#"{"op":"contact_card","args":{"id":"c12"}}"#);
        let back: Request = serde_json::from_str(&text).unwrap();
        assert_eq!(back.name(), "contact_card");
        let bad = serde_json::from_str::<Request>(r#"{"op":"contact_card","args":{"id":"d1"}}"#);
        assert!(bad.is_err(), "a deal id is not a contact id");
    }
}
