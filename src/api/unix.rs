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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// Before a write is done: the holder has it. A holder that goes away before saying so
    /// did not apply it (the client sends it again to the next one); one that goes away
    /// after may have.
    Accepted,
    Ok(Value),
    Err(ApiError),
}

/// Serves the socket while it lives; removes it (and lets the lock go) when dropped, so
/// the next crm takes over.
pub struct Holder {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    /// Requests being answered: a holder that lets go finishes them first.
    busy: Arc<AtomicUsize>,
    /// The held lock; released after the socket is gone.
    _lock: File,
}

impl Drop for Holder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        served().retain(|p| p != &self.path);
        // Wakes the accept loop so that its thread ends (and lets the database go).
        let _ = UnixStream::connect(&self.path);
        let _ = std::fs::remove_file(&self.path);
        // Requests taken before the stop are answered before this process goes on (to exit).
        let started = Instant::now();
        while self.busy.load(Ordering::SeqCst) > 0 && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// The sockets this process serves, for the signal handler.
fn served() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    static SERVED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    SERVED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Set by a process that stops by itself, gracefully, on SIGTERM and SIGINT (`crm serve`): the
/// holder's handler then only removes the socket and leaves the exit to that process.
static EXITS_BY_ITSELF: AtomicBool = AtomicBool::new(false);

/// See [`EXITS_BY_ITSELF`]; call before [`connect`].
pub fn exit_by_itself_on_signals() {
    EXITS_BY_ITSELF.store(true, Ordering::SeqCst);
}

/// Killed by SIGTERM, SIGINT or SIGHUP (a closed terminal), a holder removes its socket
/// before dying as the signal says, so that the next crm starts at once. (SIGKILL cannot be
/// caught: the next crm finds the socket dead and takes over.)
fn remove_on_signal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]) else { return };
        let _ = std::thread::Builder::new().name("crm-signals".into()).spawn(move || {
            if let Some(sig) = signals.forever().next() {
                for p in served().iter() {
                    let _ = std::fs::remove_file(p);
                }
                if !EXITS_BY_ITSELF.load(Ordering::SeqCst) {
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                }
            }
        });
    });
}

/// Takes the holder's lock without waiting: None when another process holds it.
fn try_lock(db: &Path) -> Result<Option<File>, ServiceError> {
    std::fs::create_dir_all(db).map_err(|e| StoreError::Engine(format!("cannot create {}: {e}", db.display())))?;
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
    served().push(path.clone());
    remove_on_signal();
    let stop = Arc::new(AtomicBool::new(false));
    let busy = Arc::new(AtomicUsize::new(0));
    let holder = Holder { path, stop: stop.clone(), busy: busy.clone(), _lock: lock };
    let crm = Arc::new(crm);
    std::thread::Builder::new()
        .name("crm-socket".into())
        .spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (crm, stop, busy) = (crm.clone(), stop.clone(), busy.clone());
                let _ = std::thread::Builder::new()
                    .name("crm-client".into())
                    .spawn(move || serve_one(&crm, conn, &stop, &busy));
            }
        })
        .map_err(|e| StoreError::Engine(format!("cannot start the socket thread: {e}")))?;
    Ok(holder)
}

/// The code of the reply a holder that is letting go gives instead of answering: nothing was
/// done, so the client sends the request again to the next holder.
const HANDOVER: &str = "handover";

fn serve_one(crm: &Crm, conn: UnixStream, stop: &AtomicBool, busy: &AtomicUsize) {
    let Ok(write_half) = conn.try_clone() else { return };
    let mut out = std::io::BufWriter::new(write_half);
    let mut send = |reply: &Reply| {
        serde_json::to_writer(&mut out, reply)
            .map_err(std::io::Error::other)
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.flush())
    };
    let mut line = String::new();
    let mut reader = BufReader::new(conn);
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        // Counted before looking at `stop`: the holder letting go either waits for this
        // request or this request sees that it is letting go.
        busy.fetch_add(1, Ordering::SeqCst);
        let stopping = stop.load(Ordering::SeqCst);
        let reply = match serde_json::from_str::<Envelope>(&line) {
            _ if stopping => Reply::Err(ApiError::new(HANDOVER, "this crm no longer holds the database")),
            Ok(env) => {
                if !env.request.is_read() && send(&Reply::Accepted).is_err() {
                    busy.fetch_sub(1, Ordering::SeqCst);
                    return;
                }
                match handle_local(crm, env) {
                    Ok(v) => Reply::Ok(v),
                    Err(e) => Reply::Err(e),
                }
            }
            Err(e) => Reply::Err(ApiError::new("invalid", format!("not a crm request: {e}"))),
        };
        let sent = send(&reply);
        busy.fetch_sub(1, Ordering::SeqCst);
        if sent.is_err() || stopping {
            return;
        }
    }
}

/// Opens the database and serves it, or connects to the process that does: the client
/// every front end uses (`crm --server URL` aside).
pub fn connect(opts: &OpenOptions, settings: Settings) -> Result<Client, ServiceError> {
    match reach(opts, &settings)? {
        Reached::Holder(crm, holder) => Ok(Client::holding(*crm, holder)),
        Reached::Socket(conn) => {
            let t = UnixTransport {
                opts: opts.clone(),
                settings: settings.clone(),
                state: Mutex::new(State::Socket(vec![conn])),
            };
            Ok(Client::remote(settings, Box::new(t)))
        }
    }
}

enum Reached {
    Holder(Box<Crm>, Holder),
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
            return Ok(Reached::Holder(Box::new(crm), holder));
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
    /// Connections to the holder not in use (a call takes one, or opens one: the TUI's
    /// watcher waits on its own while the worker loads on another).
    Socket(Vec<Conn>),
    /// The holder went away and this process took over.
    Holding { crm: Arc<Crm>, holder: Option<Holder> },
}

/// The socket transport: reconnects when the holder goes away, or takes over.
pub struct UnixTransport {
    opts: OpenOptions,
    settings: Settings,
    state: Mutex<State>,
}

impl UnixTransport {
    fn path(&self) -> PathBuf {
        socket_path(self.settings.db_dir())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection to the holder, or the database when this process holds it now.
    fn take(&self) -> Result<Result<Conn, Arc<Crm>>, ApiError> {
        let mut state = self.state();
        if let State::Holding { crm, .. } = &*state {
            return Ok(Err(crm.clone()));
        }
        if let State::Socket(idle) = &mut *state {
            if let Some(c) = idle.pop() {
                return Ok(Ok(c));
            }
        }
        match Conn::open(&self.path()) {
            Ok(c) => Ok(Ok(c)),
            Err(_) => {
                self.reconnect(&mut state)?;
                drop(state);
                self.take()
            }
        }
    }

    /// The holder went away: connect to the next one, or become it.
    fn reconnect(&self, state: &mut State) -> Result<(), ApiError> {
        if matches!(state, State::Holding { .. }) {
            return Ok(());
        }
        *state = match reach(&self.opts, &self.settings)? {
            Reached::Socket(c) => State::Socket(vec![c]),
            Reached::Holder(crm, h) => State::Holding { crm: Arc::new(*crm), holder: Some(h) },
        };
        Ok(())
    }
}

impl Transport for UnixTransport {
    fn call(&self, env: Envelope) -> Result<Value, ApiError> {
        // One more try when the holder went away before the request reached it, or (for a
        // read) before it answered: to the next holder, or to the database held here.
        for attempt in 0..2 {
            let mut conn = match self.take()? {
                Ok(c) => c,
                Err(crm) => return handle_local(&crm, env),
            };
            if conn.send(&env).is_err() {
                let mut state = self.state();
                if let State::Socket(idle) = &mut *state {
                    idle.clear();
                }
                if Conn::open(&self.path()).is_err() {
                    self.reconnect(&mut state)?;
                }
                continue;
            }
            let lost = |e: std::io::Error| {
                ApiError::transport(format!(
                    "the crm holding the database stopped before answering ({e}): the {} may or may not have \
                     been saved; look (crm history) before trying again",
                    env.request.name().replace('_', " ")
                ))
            };
            let reply = match conn.receive() {
                // A write the holder has: from now on a lost reply is not sent again.
                Ok(Reply::Accepted) => conn.receive().map_err(|e| {
                    if let State::Socket(idle) = &mut *self.state() {
                        idle.clear();
                    }
                    lost(e)
                })?,
                Ok(reply) => reply,
                // Gone before taking the request: nothing was done, so it goes to the next holder.
                Err(e) => {
                    let mut state = self.state();
                    if let State::Socket(idle) = &mut *state {
                        idle.clear();
                    }
                    if attempt > 0 {
                        return Err(lost(e));
                    }
                    if Conn::open(&self.path()).is_err() {
                        self.reconnect(&mut state)?;
                    }
                    continue;
                }
            };
            match reply {
                Reply::Err(e) if e.code == HANDOVER => {
                    // Not done: the same as a request that never reached the holder.
                    let mut state = self.state();
                    if let State::Socket(idle) = &mut *state {
                        idle.clear();
                    }
                    if Conn::open(&self.path()).is_err() {
                        self.reconnect(&mut state)?;
                    }
                }
                reply => {
                    if let State::Socket(idle) = &mut *self.state() {
                        idle.push(conn);
                    }
                    return match reply {
                        Reply::Ok(v) => Ok(v),
                        Reply::Err(e) => Err(e),
                        Reply::Accepted => Err(ApiError::transport("the crm holding the database answered twice")),
                    };
                }
            }
        }
        Err(ApiError::transport("cannot reach the crm holding the database"))
    }

    fn describe(&self) -> String {
        match &*self.state() {
            State::Holding { .. } => {
                format!("{} (held here since the holder exited)", self.settings.db_dir().display())
            }
            State::Socket(_) => format!("unix socket {}", self.path().display()),
        }
    }

    fn release(&self) {
        if let State::Holding { holder, .. } = &mut *self.state() {
            holder.take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Change, Contact, ContactId, Record};
    use crate::services::query::ContactQuery;
    use crate::store::EngineKind;

    fn opts(dir: &Path, engine: EngineKind) -> OpenOptions {
        OpenOptions {
            db: Some(dir.join("db")),
            config: Some(dir.join("config.toml")),
            engine: Some(engine),
            user: Some("anna".into()),
        }
    }

    fn add(c: &Client, name: &str) {
        let contact = Contact { id: ContactId::placeholder(0), name: name.into(), ..Contact::default() };
        c.apply(vec![Change::Create(Record::Contact(contact))]).expect("apply");
    }

    fn names(c: &Client) -> Vec<String> {
        c.contacts(ContactQuery::default()).expect("contacts").into_iter().map(|r| r.name).collect()
    }

    #[test]
    fn the_first_process_holds_the_others_go_through_it_and_take_over_when_it_goes() {
        for engine in [EngineKind::Redb, EngineKind::Sled] {
            let dir = tempfile::tempdir().expect("temp dir");
            let o = opts(dir.path(), engine);
            let a = crate::api::connect(o.clone()).expect("a");
            assert!(a.crm().is_some(), "{engine}: the first one opens the database");
            let sock = socket_path(&dir.path().join("db"));
            let mode = std::fs::metadata(&sock).expect("socket").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{engine}: owner only");
            // sled lets one process in: without the socket this was "database … is in use".
            let b = crate::api::connect(o.clone()).expect("b");
            assert!(b.crm().is_none(), "{engine}: the second one is a client");
            add(&b, "Bert");
            add(&a, "Anna");
            assert_eq!(names(&a), names(&b));
            assert_eq!(names(&b), ["Anna", "Bert"]);
            drop(a);
            assert!(!sock.exists() || b.describe().contains("held here"), "{engine}: the holder removed its socket");
            // b's next call finds the holder gone and takes the database over.
            add(&b, "Carl");
            assert!(b.describe().contains("held here"), "{engine}: {}", b.describe());
            let c = crate::api::connect(o.clone()).expect("c");
            assert!(c.crm().is_none(), "{engine}: c goes through b");
            assert_eq!(names(&c), ["Anna", "Bert", "Carl"]);
        }
    }

    #[test]
    fn a_stale_socket_is_taken_over() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("db");
        std::fs::create_dir_all(&db).expect("db dir");
        // A socket nobody listens on, as a holder killed with SIGKILL leaves it.
        drop(UnixListener::bind(socket_path(&db)).expect("bind"));
        let a = crate::api::connect(opts(dir.path(), EngineKind::Sled)).expect("a");
        assert!(a.crm().is_some());
        add(&a, "Anna");
        let b = crate::api::connect(opts(dir.path(), EngineKind::Sled)).expect("b");
        assert_eq!(names(&b), ["Anna"]);
    }

    #[test]
    fn wait_changes_wakes_on_a_write_through_the_holder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let o = opts(dir.path(), EngineKind::Redb);
        let a = crate::api::connect(o.clone()).expect("a");
        let b = crate::api::connect(o).expect("b");
        let head = b.journal_head().expect("head");
        assert_eq!(b.wait_changes(head, 0u32).expect("no wait"), head, "nothing written: the same head");
        let waiting = std::thread::spawn(move || {
            let started = Instant::now();
            let new = b.wait_changes(head, 30_000u32).expect("wait");
            (new, started.elapsed())
        });
        std::thread::sleep(Duration::from_millis(100));
        add(&a, "Anna");
        let (new, waited) = waiting.join().expect("waiter");
        assert!(new > head, "the waiter saw the write: {new} > {head}");
        // Woken by the write, not by its 30 s timeout.
        assert!(waited < Duration::from_secs(20), "{waited:?}");
    }
}
