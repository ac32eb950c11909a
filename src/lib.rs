//! crm: a terminal CRM for small sales teams. See `docs/` and ARCHITECTURE for the layers:
//! `domain` (pure rules) ← `store` (persistence) ← `services` (use-cases) ← `cli` / `tui`.

pub mod api;
pub mod cli;
pub mod domain;
pub mod serve;
pub mod services;
pub mod store;
pub mod tui;
