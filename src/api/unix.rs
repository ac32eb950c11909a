//! Many terminals, one database: the process that opens the database (the holder) serves
//! every other crm of the same OS user over a Unix socket in the data dir, `crm.sock`
//! (mode 0600). One JSON envelope a line in, one reply a line out; a thread per connection.
//!
//! Who holds is decided by an exclusive lock on `crm.lock` beside it: the process that gets
//! it opens the database and serves; the others connect. A socket nobody listens on (a
//! holder killed with SIGKILL) is stale: whoever gets the lock next removes it and takes
//! over. When the holder exits, its clients reconnect to the next holder, or become it.

use super::dispatch::handle_local;
use super::{ApiError, Client, Envelope, Transport};
use crate::services::{Crm, OpenOptions, ServiceError, Settings};
use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The socket's name in the data dir.
pub const SOCKET: &str = "crm.sock";
/// The lock that says who holds the database.
const LOCK: &str = "crm.lock";
/// How long a process waits for a holder that is starting (opening, migrating) before it
/// says so. A holder migrating a large database can take longer: the wait goes on while the
/// lock is held and a message says why.
const PATIENCE: Duration = Duration::from_secs(30);

pub fn socket_path(db: &Path) -> PathBuf {
    db.join(SOCKET)
}

/// One reply on the wire.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reply {
    Ok(Value),
    Err(ApiError),
}

/// Serves the socket while it lives; removes it (and lets the lock go) when dropped, so
/// the next crm takes over.
pub struct Holder {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    /// The held lock; released after the socket is gone.
    _lock: File,
}

impl Drop for Holder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::fs::remove_file(&self.path);
        // Wakes the accept loop so that its thread ends.
        let _ = UnixStream::connect(&self.path);
    }
}

/// Takes the holder's lock without waiting: None when another process holds it.
fn try_lock(db: &Path) -> Result<Option<File>, ServiceError> {
    std::fs::create_dir_all(db)
        .map_err(|e| StoreError::Engine(format!("cannot create {}: {e}", db.display())))?;
    let path = db.join(LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::Engine(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(StoreError::Engine(format!("cannot lock {}: {e}", path.display())).into())
        }
    }
}

/// Serves `crm` (the holder's own view; each request is answered as the envelope's user) on
/// the socket in its data dir. `lock` is the held `crm.lock`.
fn serve(crm: Crm, lock: File) -> Result<Holder, ServiceError> {
    let dir = crm.store().dir().to_path_buf();
    let path = socket_path(&dir);
    let cannot = |what: &str, p: &Path, e: std::io::Error| {
        ServiceError::from(StoreError::Engine(format!("cannot {what} {}: {e}", p.display())))
    };
    // Holding the lock, any socket file left is stale.
    let _ = std::fs::remove_file(&path);
    // Bound under a private name, made owner-only, then renamed into place: nobody can
    // connect before the permissions are right.
    let tmp = dir.join(format!(".{SOCKET}.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let listener = UnixListener::bind(&tmp).map_err(|e| cannot("listen on", &tmp, e))?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(|e| cannot("protect", &tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| cannot("create", &path, e))?;
    let stop = Arc::new(AtomicBool::new(false));
    let holder = Holder { path, stop: stop.clone(), _lock: lock };
    let crm = Arc::new(crm);
    std::thread::Builder::new()
        .name("crm-socket".into())
        .spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let crm = crm.clone();
                let _ = std::thread::Builder::new().name("crm-client".into()).spawn(move || serve_one(&crm, conn));
            }
        })
        .map_err(|e| StoreError::Engine(format!("cannot start the socket thread: {e}")))?;
    Ok(holder)
}

fn serve_one(crm: &Crm, conn: UnixStream) {
    let Ok(write_half) = conn.try_clone() else { return };
    let mut out = std::io::BufWriter::new(write_half);
    let mut line = String::new();
    let mut reader = BufReader::new(conn);
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let reply = match serde_json::from_str::<Envelope>(&line) {
            Ok(env) => match handle_local(crm, env) {
                Ok(v) => Reply::Ok(v),
                Err(e) => Reply::Err(e),
            },
            Err(e) => Reply::Err(ApiError::new("invalid", format!("not a crm request: {e}"))),
        };
        let sent = serde_json::to_writer(&mut out, &reply)
            .map_err(std::io::Error::other)
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.flush());
        if sent.is_err() {
            return;
        }
    }
}

/// Opens the database and serves it, or connects to the process that does: the client
/// every front end uses (`crm --server URL` aside).
pub fn connect(opts: &OpenOptions, settings: Settings) -> Result<Client, ServiceError> {
    match reach(opts, &settings)? {
        Reached::Holder(crm, holder) => Ok(Client::holding(crm, holder)),
        Reached::Socket(conn) => {
            let t = UnixTransport { opts: opts.clone(), settings: settings.clone(), state: Mutex::new(State::Socket(conn)) };
            Ok(Client::remote(settings, Box::new(t)))
        }
    }
}

enum Reached {
    Holder(Crm, Holder),
    Socket(Conn),
}

/// Connects to the holder, or becomes it.
fn reach(opts: &OpenOptions, settings: &Settings) -> Result<Reached, ServiceError> {
    let db = settings.db_dir().to_path_buf();
    let path = socket_path(&db);
    let started = Instant::now();
    let mut said = false;
    loop {
        if let Ok(conn) = Conn::open(&path) {
            return Ok(Reached::Socket(conn));
        }
        if let Some(lock) = try_lock(&db)? {
            // Another connect may have found the holder meanwhile: one more look, then hold.
            if let Ok(conn) = Conn::open(&path) {
                return Ok(Reached::Socket(conn));
            }
            let crm = open_held(opts)?;
            let holder = serve(crm.clone(), lock)?;
            return Ok(Reached::Holder(crm, holder));
        }
        // Someone holds the lock but does not answer yet (starting, or just exiting).
        if started.elapsed() > PATIENCE && !said {
            eprintln!("crm: waiting for the crm that holds {} to answer…", db.display());
            said = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Opens the database with the holder's lock held. sled lets one process in: a process that
/// held it a moment ago may still be closing, so a busy database is retried for a while.
fn open_held(opts: &OpenOptions) -> Result<Crm, ServiceError> {
    let started = Instant::now();
    loop {
        match Crm::open(opts.clone()) {
            Err(ServiceError::Store(StoreError::Busy(_))) if started.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// One connection to the holder.
struct Conn {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Conn {
    fn open(path: &Path) -> std::io::Result<Conn> {
        let s = UnixStream::connect(path)?;
        Ok(Conn { writer: s.try_clone()?, reader: BufReader::new(s) })
    }

    /// Sends one envelope. An error here means the holder never saw it.
    fn send(&mut self, env: &Envelope) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(env).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.writer.write_all(&line)
    }

    /// Reads the reply to what was sent.
    fn receive(&mut self) -> std::io::Result<Reply> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        serde_json::from_str(&line).map_err(std::io::Error::other)
    }
}

enum State {
    Socket(Conn),
    /// The holder went away and this process took over.
    Holding { crm: Box<Crm>, _holder: Holder },
    /// Between the two (a failed takeover is retried on the next call).
    Lost,
}

/// The socket transport: reconnects when the holder goes away, or takes over.
pub struct UnixTransport {
    opts: OpenOptions,
    settings: Settings,
    state: Mutex<State>,
}

impl UnixTransport {
    fn reconnect(&self, state: &mut State) -> Result<(), ApiError> {
        *state = State::Lost;
        *state = match reach(&self.opts, &self.settings)? {
            Reached::Socket(c) => State::Socket(c),
            Reached::Holder(crm, h) => State::Holding { crm: Box::new(crm), _holder: h },
        };
        Ok(())
    }
}

impl Transport for UnixTransport {
    fn call(&self, env: Envelope) -> Result<Value, ApiError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // One reconnection per call: to the next holder, or this process becomes it.
        for attempt in 0..2 {
            let conn = match &mut *state {
                State::Holding { crm, .. } => return handle_local(crm, env),
                State::Lost => {
                    self.reconnect(&mut state)?;
                    continue;
                }
                State::Socket(c) => c,
            };
            if conn.send(&env).is_err() {
                // Never reached the holder: safe to send again after reconnecting.
                self.reconnect(&mut state)?;
                continue;
            }
            match conn.receive() {
                Ok(Reply::Ok(v)) => return Ok(v),
                Ok(Reply::Err(e)) => return Err(e),
                Err(_) if env.request.is_read() && attempt == 0 => {
                    self.reconnect(&mut state)?;
                }
                Err(e) => {
                    *state = State::Lost;
                    return Err(ApiError::transport(format!(
                        "the crm holding the database stopped before answering ({e}): {} may or may not have been \
                         saved; look with `crm history` before trying again",
                        env.request.name()
                    )));
                }
            }
        }
        Err(ApiError::transport("cannot reach the crm holding the database"))
    }

    fn describe(&self) -> String {
        format!("unix socket {}", socket_path(self.settings.db_dir()).display())
    }
}
