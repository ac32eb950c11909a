//! Errors on the wire: [`ApiError`] carries a [`ServiceError`] as plain data and turns back
//! into the very same error, so a remote CLI prints the same message and exits with the same
//! code as one that opened the database itself.

use crate::domain::{FieldConflict, Ref, ValidationError};
use crate::services::ServiceError;
use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::PathBuf;

/// An error as a client receives it. `code` names the kind (stable, snake_case; see
/// docs/teams.md), `message` is what crm prints, `field` the field at fault for bad input,
/// `conflict` both values of a conflicting edit; `detail` holds what else the kind needs to
/// be rebuilt exactly (a path, candidates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<Box<FieldConflict>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Value>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> ApiError {
        ApiError { code: code.into(), message: message.into(), field: None, conflict: None, detail: None }
    }

    /// The transport failed (no reply, a broken frame): not an answer from the database.
    pub fn transport(message: impl Into<String>) -> ApiError {
        ApiError::new("transport", message)
    }

    fn with_detail(mut self, detail: Value) -> ApiError {
        self.detail = Some(detail);
        self
    }

    fn detail_str(&self, key: &str) -> String {
        self.detail.as_ref().and_then(|d| d.get(key)).and_then(Value::as_str).unwrap_or_default().to_string()
    }

    fn detail_ref(&self) -> Option<Ref> {
        self.detail_str("target").parse().ok()
    }
}

impl From<&ServiceError> for ApiError {
    fn from(e: &ServiceError) -> ApiError {
        let message = e.to_string();
        let base = |code: &str| ApiError::new(code, message.clone());
        match e {
            ServiceError::NotFound(m) => base("missing").with_detail(json!({ "text": m })),
            ServiceError::Ambiguous { what, text, candidates } => {
                base("ambiguous").with_detail(json!({ "what": what, "text": text, "candidates": candidates }))
            }
            ServiceError::Invalid(m) => base("invalid").with_detail(json!({ "text": m })),
            ServiceError::Denied(m) => base("denied").with_detail(json!({ "text": m })),
            ServiceError::Store(s) => match s {
                StoreError::Busy(p) => base("busy").with_detail(json!({ "path": p })),
                StoreError::WrongEngine { path, found, wanted } => {
                    base("wrong_engine").with_detail(json!({ "path": path, "found": found, "wanted": wanted }))
                }
                StoreError::NewerSchema { path, found, known } => {
                    base("newer_schema").with_detail(json!({ "path": path, "found": found, "known": known }))
                }
                StoreError::Validation(v) => {
                    let mut a = base("validation").with_detail(json!({ "text": v.message }));
                    a.field = Some(v.field.clone());
                    a
                }
                StoreError::NotFound(r) => base("not_found").with_detail(json!({ "target": r.to_string() })),
                StoreError::Trashed(r) => base("trashed").with_detail(json!({ "target": r.to_string() })),
                StoreError::Conflict(m) => base("conflict").with_detail(json!({ "text": m })),
                StoreError::FieldConflict(c) => {
                    let mut a = base("field_conflict");
                    a.field = Some(c.field.clone());
                    a.conflict = Some(Box::new(c.clone()));
                    a
                }
                StoreError::NothingToUndo => base("nothing_to_undo"),
                StoreError::NothingToRedo => base("nothing_to_redo"),
                StoreError::Corrupt(m) => base("corrupt").with_detail(json!({ "text": m })),
                StoreError::Engine(m) => base("storage").with_detail(json!({ "text": m })),
            },
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        ApiError::from(&e)
    }
}

impl From<ApiError> for ServiceError {
    /// The error the server had. A code this crm does not know (a newer server) keeps its
    /// message as a storage error.
    fn from(a: ApiError) -> ServiceError {
        let text = a.detail_str("text");
        let path = || PathBuf::from(a.detail_str("path"));
        let store = |s: StoreError| ServiceError::Store(s);
        match a.code.as_str() {
            "missing" => ServiceError::NotFound(text),
            "ambiguous" => {
                let d = a.detail.clone().unwrap_or_default();
                let candidates = serde_json::from_value(d.get("candidates").cloned().unwrap_or_default());
                ServiceError::Ambiguous {
                    what: a.detail_str("what"),
                    text: text.clone(),
                    candidates: candidates.unwrap_or_default(),
                }
            }
            "invalid" => ServiceError::Invalid(text),
            "denied" => ServiceError::Denied(text),
            "busy" => store(StoreError::Busy(path())),
            "wrong_engine" => store(StoreError::WrongEngine {
                path: path(),
                found: a.detail_str("found"),
                wanted: a.detail_str("wanted"),
            }),
            "newer_schema" => {
                let n = |k: &str| a.detail.as_ref().and_then(|d| d.get(k)).and_then(Value::as_u64).unwrap_or(0) as u32;
                store(StoreError::NewerSchema { path: path(), found: n("found"), known: n("known") })
            }
            "validation" => {
                store(StoreError::Validation(ValidationError::new(&a.field.clone().unwrap_or_default(), text)))
            }
            "not_found" | "trashed" => match a.detail_ref() {
                Some(r) if a.code == "not_found" => store(StoreError::NotFound(r)),
                Some(r) => store(StoreError::Trashed(r)),
                None => ServiceError::NotFound(a.message),
            },
            "conflict" => store(StoreError::Conflict(text)),
            "field_conflict" => match a.conflict {
                Some(c) => store(StoreError::FieldConflict(*c)),
                None => store(StoreError::Conflict(a.message)),
            },
            "nothing_to_undo" => store(StoreError::NothingToUndo),
            "nothing_to_redo" => store(StoreError::NothingToRedo),
            "corrupt" => store(StoreError::Corrupt(text)),
            "storage" => store(StoreError::Engine(text)),
            _ => store(StoreError::Engine(a.message)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContactId;

    fn round_trip(e: ServiceError) {
        let wire = serde_json::to_string(&ApiError::from(&e)).unwrap();
        let back: ServiceError = serde_json::from_str::<ApiError>(&wire).unwrap().into();
        assert_eq!(back.to_string(), e.to_string(), "{wire}");
        assert_eq!(format!("{back:?}"), format!("{e:?}"), "{wire}");
    }

    #[test]
    fn every_error_survives_the_wire() {
        round_trip(ServiceError::NotFound("no contact matches \"x\"".into()));
        round_trip(ServiceError::Ambiguous {
            what: "contact".into(),
            text: "an".into(),
            candidates: vec![("c1".into(), "Anna".into()), ("c2".into(), "Hannah".into())],
        });
        round_trip(ServiceError::Invalid("bad date".into()));
        round_trip(ServiceError::Denied("managers only".into()));
        round_trip(StoreError::Busy("/tmp/db".into()).into());
        round_trip(StoreError::WrongEngine { path: "/d".into(), found: "sled".into(), wanted: "redb".into() }.into());
        round_trip(StoreError::NewerSchema { path: "/d".into(), found: 9, known: 3 }.into());
        round_trip(StoreError::validation("email", "is not an address").into());
        round_trip(StoreError::NotFound(Ref::Contact(ContactId(7))).into());
        round_trip(StoreError::Trashed(Ref::Contact(ContactId(7))).into());
        round_trip(StoreError::Conflict("stale".into()).into());
        round_trip(StoreError::NothingToUndo.into());
        round_trip(StoreError::NothingToRedo.into());
        round_trip(StoreError::Corrupt("bad key".into()).into());
        round_trip(StoreError::Engine("disk full".into()).into());
        round_trip(
            StoreError::FieldConflict(FieldConflict {
                target: Ref::Contact(ContactId(3)),
                field: "name".into(),
                seen: "A".into(),
                theirs: "B".into(),
                yours: "C".into(),
            })
            .into(),
        );
    }
}
