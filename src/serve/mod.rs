//! The team server (`crm serve`): the database held by one headless process and served over
//! HTTP/1.1 (TLS off loopback) to the team's crm clients and to scripts. See docs/teams.md
//! "Team server" and docs/api.md.
//!
//! Layers: `http` reads and writes messages, `server` runs connections, `routes` maps each
//! authenticated request to one `api::Request` (no business logic here), `client` is the HTTP
//! transport `crm --server URL` uses.

pub mod bench;
pub mod client;
pub mod http;
pub mod listen;
pub mod routes;
pub mod server;
pub mod stream;
pub mod tls;
