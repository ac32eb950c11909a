//! The command-line front end: parse, call the services, print, exit with a documented code.

pub mod args;
mod cards;
mod commands;
mod config;
mod import;
pub mod memory;
pub mod output;
pub mod report;
mod serve;
mod share;
mod users;

use crate::api::Client;
use crate::services::{OpenOptions, ServiceError};
use crate::store::{EngineKind, StoreError};
use args::Cli;
use clap::Parser;
use output::Out;
use std::io::IsTerminal;

/// Exit codes (also in `crm --help` and docs/cli.md).
pub mod exit {
    pub const OK: i32 = 0;
    /// Nothing to do: nothing to undo or redo, nothing matched.
    pub const NOTHING: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const NOT_FOUND: i32 = 3;
    pub const INVALID: i32 = 4;
    pub const BUSY: i32 = 5;
    pub const CONFLICT: i32 = 6;
    pub const STORAGE: i32 = 7;
    /// Not allowed: a role that may not do it, a disabled user, a refused token.
    pub const DENIED: i32 = 8;
}

/// The exit code for an error.
pub fn exit_code(e: &anyhow::Error) -> i32 {
    let store_code = |s: &StoreError| match s {
        StoreError::Busy(_) => exit::BUSY,
        StoreError::NotFound(_) | StoreError::Trashed(_) => exit::NOT_FOUND,
        StoreError::Validation(_) | StoreError::WrongEngine { .. } => exit::INVALID,
        StoreError::Conflict(_) | StoreError::FieldConflict(_) => exit::CONFLICT,
        StoreError::NothingToUndo | StoreError::NothingToRedo => exit::NOTHING,
        StoreError::NewerSchema { .. } | StoreError::Corrupt(_) | StoreError::Engine(_) => exit::STORAGE,
    };
    if let Some(s) = e.downcast_ref::<ServiceError>() {
        return match s {
            ServiceError::Store(st) => store_code(st),
            ServiceError::NotFound(_) | ServiceError::Ambiguous { .. } => exit::NOT_FOUND,
            ServiceError::Invalid(_) => exit::INVALID,
            ServiceError::Denied(_) => exit::DENIED,
        };
    }
    if let Some(s) = e.downcast_ref::<StoreError>() {
        return store_code(s);
    }
    if let Some(code) = e.downcast_ref::<Exit>() {
        return code.0;
    }
    exit::STORAGE
}

/// An error that only carries an exit code (its message is already printed).
#[derive(Debug)]
pub struct Exit(pub i32);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// Runs crm with the process arguments; returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { exit::USAGE } else { exit::OK };
        }
    };
    match dispatch(cli) {
        Ok(()) => exit::OK,
        Err(e) => {
            let code = exit_code(&e);
            if e.downcast_ref::<Exit>().is_none() {
                eprintln!("crm: {e:#}");
            }
            code
        }
    }
}

fn open_options(cli: &Cli) -> anyhow::Result<OpenOptions> {
    let engine = match &cli.engine {
        Some(name) => Some(EngineKind::parse(name).map_err(ServiceError::Invalid)?),
        None => None,
    };
    Ok(OpenOptions { db: cli.db.clone(), config: cli.config.clone(), engine, user: cli.user.clone() })
}

/// The database through the crm that holds it (its Unix socket), or opened and served here.
fn connect(cli: &Cli) -> anyhow::Result<Client> {
    let opts = open_options(cli)?;
    // A team server (`--server`, CRM_SERVER, config `server`) wins: nothing is opened here.
    if let Some(client) = crate::serve::client::connect(&opts, cli.server.as_deref(), cli.token.as_deref())? {
        return Ok(client);
    }
    Ok(crate::api::connect(opts)?)
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let out = Out { format: cli.format, quiet: cli.quiet };
    // Commands that manage databases themselves rather than open one.
    if let Some(args::Command::Bench(b)) = &cli.command {
        if b.serve {
            return serve::bench(cli.db.clone(), b, &out);
        }
        return commands::bench(b, &out);
    }
    if let Some(args::Command::Keys { actions, markdown, preset }) = &cli.command {
        return config::keys(&cli, *actions, *markdown, preset.as_deref(), &out);
    }
    if let Some(args::Command::Config(cmd)) = &cli.command {
        return config::run(&cli, cmd, &out);
    }
    if let Some(args::Command::Migrate { to }) = &cli.command {
        return commands::migrate(&cli, to, &out);
    }
    if let Some(args::Command::Serve(s)) = &cli.command {
        return serve::run(&cli, s);
    }
    if let Some(args::Command::Import(_)) = &cli.command {
        import::prepare_process();
    }
    let crm = connect(&cli)?;
    let tui = cli.command.is_none() && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !tui {
        // The TUI shows these itself; elsewhere they go to stderr, away from the output.
        for d in crm.config_diagnostics() {
            eprintln!("crm: warning: {d}");
        }
    }
    match cli.command {
        // The TUI needs a terminal; piped or scripted, `crm` prints the overview instead.
        None if tui => crate::tui::run(crm),
        None => commands::overview(&crm, &out),
        Some(cmd) => commands::run(&crm, cmd, &out),
    }
}
