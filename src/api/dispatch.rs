//! The server side: one request against an open database, as the caller.

use super::{ApiError, Envelope, Request};
use crate::services::Crm;
use serde_json::Value;

/// Answers `req` as `crm`'s user (already the caller's view: see [`Crm::as_user`]).
pub fn handle(crm: &Crm, req: Request) -> Result<Value, ApiError> {
    super::request::run(crm, req).map_err(ApiError::from)
}

/// Answers an envelope from a trusted local client (the Unix socket: same OS user): its
/// `user` and pinned `now` are honoured. `holder` is the holder's own view of the database.
pub fn handle_local(holder: &Crm, env: Envelope) -> Result<Value, ApiError> {
    let crm = match &env.user {
        Some(login) if login != holder.user() => holder.as_user(login)?,
        _ => holder.clone(),
    };
    handle(&crm.with_now(env.now), env.request)
}
