//! `crm serve`: hold the database headless and serve the team over HTTP (TLS off loopback).

use super::args::{Cli, ServeArgs};
use crate::serve::routes::App;
use crate::serve::server::{Server, ServerOptions};
use crate::serve::{listen, tls};
use crate::services::ServiceError;
use std::io::Write;
use std::sync::Arc;

pub fn run(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    let invalid = |m: String| anyhow::Error::new(ServiceError::Invalid(m));
    // The server holds the database like any crm that opens it: local crm processes (an
    // admin's `crm user token …` on this machine) reach it through its Unix socket meanwhile.
    // SIGINT and SIGTERM end this process gracefully (below), not the holder's default way.
    crate::api::unix::exit_by_itself_on_signals();
    // Held for good: one flush per commit instead of two (`set_redb_exclusive`).
    crate::store::engine::set_redb_exclusive(true);
    let client = crate::api::connect(super::open_options(cli)?)?;
    let Some(crm) = client.crm().cloned() else {
        return Err(anyhow::Error::new(ServiceError::Store(crate::store::StoreError::Busy(
            client.db_dir().to_path_buf(),
        ))));
    };
    // A team's searches and lists answered from memory, not by reading the database each time;
    // each search on one thread (the requests already keep every core busy).
    crate::services::search::set_threads_per_search(1);
    crm.keep_reads_in_memory();
    // Each request frees what it built; handing that back to the system at once and faulting
    // it in again on the next request cost the server a twentieth of its time under load.
    super::memory::return_freed_after(1000);
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key).map_err(invalid)?),
        (None, None) => None,
        _ => return Err(invalid("--tls-cert and --tls-key go together: the certificate (PEM) and its key".into())),
    };
    let addrs = listen::resolve(&args.listen).map_err(invalid)?;
    listen::check_policy(&args.listen, &addrs, tls.is_some()).map_err(invalid)?;
    let opts = ServerOptions {
        max_body: args.max_body_mb.saturating_mul(1024 * 1024),
        max_connections: args.max_connections.max(1),
        tls: tls.clone(),
        ..ServerOptions::default()
    };
    let server = Server::bind(addrs[0], opts)
        .map_err(|e| invalid(format!("cannot listen on {} ({}): {e}", args.listen, addrs[0])))?;
    let stopper = server.stopper();
    // SIGINT and SIGTERM stop the server gracefully: requests in flight are answered, and
    // every acknowledged change is already on disk (each apply commits durably).
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM])
        .map_err(|e| invalid(format!("cannot install the signal handlers: {e}")))?;
    let on_signal = stopper.clone();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            on_signal.stop();
        }
    });
    let scheme = if tls.is_some() { "https" } else { "http" };
    let local = server.local_addr();
    let db = crm.store().dir().display().to_string();
    // On stdout, one line, so scripts (and tests using port 0) can read the address.
    println!("crm serve: listening on {scheme}://{local} (database {db}); stop with Ctrl-C");
    let _ = std::io::stdout().flush();
    let app = Arc::new(App::new(crm));
    let busy = server.run(Arc::new(move |req| app.handle(req)));
    drop(client);
    if busy > 0 {
        eprintln!("crm serve: stopped with {busy} connection(s) still busy after the grace period");
    } else {
        eprintln!("crm serve: stopped");
    }
    Ok(())
}

/// `crm bench --serve`: on a copy of the database of `--db` (or CRM_DB), kept in `--dir`.
pub fn bench(
    db: Option<std::path::PathBuf>,
    args: &super::args::BenchArgs,
    out: &super::output::Out,
) -> anyhow::Result<()> {
    let source = db.ok_or_else(|| {
        ServiceError::Invalid("crm bench --serve serves a copy of a database: pass --db PATH (or CRM_DB)".into())
    })?;
    let opts = crate::serve::bench::LoadOptions {
        source,
        work_dir: args.dir.clone(),
        clients: args.clients,
        requests: args.requests,
        rate: args.rate,
    };
    let report = crate::serve::bench::run(&opts)?;
    out.card(&report, "", || report.to_string())
}
