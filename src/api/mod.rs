//! The facade on the wire. Every operation the CLI and the TUI ask of the database is a
//! [`Request`] (plain serde data) answered with JSON rows or an [`ApiError`]; [`handle`]
//! answers one against an open database, and a [`Client`] sends it either straight to the
//! database this process opened or through a [`Transport`] to the process that holds it
//! (the Unix socket in the data dir, or a team server over HTTP).
//!
//! The operations are listed once, in `request.rs`: one table makes the request variant,
//! the server's dispatch arm and the client method.

pub mod client;
pub mod dispatch;
pub mod error;
pub mod request;
pub mod unix;

pub use client::{Backend, Client, Envelope, Transport};
pub use dispatch::handle;
pub use error::ApiError;
pub use request::Request;

use crate::services::{OpenOptions, ServiceError, Settings};

/// The client a front end uses: to the process that holds the database over its Unix socket,
/// or this process opens it and serves the others.
pub fn connect(opts: OpenOptions) -> Result<Client, ServiceError> {
    let settings = Settings::load(&opts)?;
    unix::connect(&opts, settings)
}
