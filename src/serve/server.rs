//! The server loop: accept connections (plain or TLS), one thread per connection up to a cap,
//! persistent connections with an idle timeout, and a graceful stop that finishes the requests
//! in flight. What a request means is the handler's business (`serve::routes`).

use super::http::{self, HttpError, HttpRequest, HttpResponse, Incoming};
use super::stream::Stream;
use std::collections::HashMap;
use std::io::{self, BufReader};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Answers one request; must not panic (a panic is caught and becomes a 500 anyway).
pub type Handler = Arc<dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync>;

#[derive(Clone)]
pub struct ServerOptions {
    pub max_body: usize,
    pub max_connections: usize,
    /// How long a connection may stay quiet between requests (and mid-request) before it is closed.
    pub idle_timeout: Duration,
    /// How long a stop waits for requests in flight.
    pub grace: Duration,
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_body: 16 * 1024 * 1024,
            max_connections: 256,
            idle_timeout: Duration::from_secs(60),
            grace: Duration::from_secs(10),
            tls: None,
        }
    }
}

/// Open connections, so a stop can end the idle ones at once.
#[derive(Default)]
struct Registry {
    next: AtomicU64,
    open: Mutex<HashMap<u64, TcpStream>>,
    count: Mutex<usize>,
    drained: Condvar,
}

impl Registry {
    fn add(&self, s: &TcpStream) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let (Ok(clone), Ok(mut open)) = (s.try_clone(), self.open.lock()) {
            open.insert(id, clone);
        }
        if let Ok(mut n) = self.count.lock() {
            *n += 1;
        }
        id
    }

    fn remove(&self, id: u64) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(&id);
        }
        if let Ok(mut n) = self.count.lock() {
            *n -= 1;
            self.drained.notify_all();
        }
    }

    fn count(&self) -> usize {
        self.count.lock().map(|n| *n).unwrap_or(0)
    }
}

/// Stops a running server from another thread (a signal handler thread, a test).
#[derive(Clone)]
pub struct Stopper {
    stop: Arc<AtomicBool>,
    wake: SocketAddr,
}

impl Stopper {
    pub fn stop(&self) {
        if !self.stop.swap(true, Ordering::SeqCst) {
            // accept() blocks: a connection of our own wakes it to see the flag.
            let _ = TcpStream::connect_timeout(&self.wake, Duration::from_secs(1));
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

pub struct Server {
    listener: TcpListener,
    local: SocketAddr,
    opts: ServerOptions,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn bind(addr: SocketAddr, opts: ServerOptions) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        Ok(Server { listener, local, opts, stop: Arc::new(AtomicBool::new(false)) })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    pub fn stopper(&self) -> Stopper {
        let ip = match self.local.ip() {
            IpAddr::V4(v) if v.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(v) if v.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        Stopper { stop: self.stop.clone(), wake: SocketAddr::new(ip, self.local.port()) }
    }

    /// Serves until stopped; then ends idle connections, waits (up to the grace period) for
    /// requests in flight, and returns how many connections were still busy when it gave up.
    pub fn run(self, handler: Handler) -> usize {
        let registry = Arc::new(Registry::default());
        for incoming in self.listener.incoming() {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let stream = match incoming {
                Ok(s) => s,
                // Out of file descriptors and the like: back off rather than spin.
                Err(e) => {
                    eprintln!("crm serve: accept failed: {e}");
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            if registry.count() >= self.opts.max_connections {
                refuse_busy(stream, self.opts.tls.is_some());
                continue;
            }
            let id = registry.add(&stream);
            let (handler, opts, stop, reg) = (handler.clone(), self.opts.clone(), self.stop.clone(), registry.clone());
            let spawned = std::thread::Builder::new().name(format!("crm-conn-{id}")).spawn(move || {
                serve_connection(stream, &opts, &handler, &stop);
                reg.remove(id);
            });
            if let Err(e) = spawned {
                eprintln!("crm serve: cannot start a thread for a connection: {e}");
                registry.remove(id);
            }
        }
        // Idle connections wait in read(): shutting their read side ends them now. A request
        // already read still gets its response (the write side stays open).
        if let Ok(open) = registry.open.lock() {
            for s in open.values() {
                let _ = s.shutdown(Shutdown::Read);
            }
        }
        let deadline = Instant::now() + self.opts.grace;
        let mut n = match registry.count.lock() {
            Ok(n) => n,
            Err(_) => return 0,
        };
        while *n > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            n = match registry.drained.wait_timeout(n, left) {
                Ok((n, _)) => n,
                Err(_) => return 0,
            };
        }
        *n
    }
}

fn refuse_busy(stream: TcpStream, tls: bool) {
    // Over TLS a reply would need a handshake first; closing is the honest answer.
    if !tls {
        let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
        let body =
            serde_json::json!({"error": {"code": "busy", "message": "the server has too many connections; try again"}});
        let mut s = stream;
        let _ = HttpResponse::json(503, &body).write_to(&mut s, false);
    }
}

/// The JSON body of an error the transport itself answers (bad request, too large...).
pub fn error_body(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({"error": {"code": code, "message": message}})
}

fn http_error_response(e: &HttpError) -> HttpResponse {
    let code = match e.status {
        413 => "too_large",
        408 => "timeout",
        _ => "bad_request",
    };
    HttpResponse::json(e.status, &error_body(code, &e.message))
}

fn serve_connection(stream: TcpStream, opts: &ServerOptions, handler: &Handler, stop: &AtomicBool) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(opts.idle_timeout));
    let _ = stream.set_write_timeout(Some(opts.idle_timeout));
    let stream = match &opts.tls {
        None => Stream::Plain(stream),
        Some(cfg) => match tls_handshake(stream, cfg) {
            Some(s) => s,
            None => return,
        },
    };
    let mut reader = BufReader::with_capacity(16 * 1024, stream);
    loop {
        match http::read_request(&mut reader, opts.max_body) {
            Incoming::Closed => break,
            Incoming::Bad(e) => {
                let _ = http_error_response(&e).write_to(reader.get_mut(), false);
                break;
            }
            Incoming::Request(req) => {
                let resp =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&req))).unwrap_or_else(|_| {
                        HttpResponse::json(
                            500,
                            &error_body("internal", "the server failed on this request (see its log)"),
                        )
                    });
                let keep = req.keep_alive && !stop.load(Ordering::SeqCst);
                if resp.write_to(reader.get_mut(), keep).is_err() || !keep {
                    break;
                }
            }
        }
    }
    reader.get_mut().close();
}

/// Starts TLS on a new connection within [`HANDSHAKE_TIMEOUT`]. A client speaking plain HTTP
/// to the TLS port gets a plain answer saying so, rather than a stalled connection.
fn tls_handshake(tcp: TcpStream, cfg: &Arc<rustls::ServerConfig>) -> Option<Stream> {
    let idle = tcp.read_timeout().ok().flatten();
    let _ = tcp.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
    let mut first = [0u8; 1];
    // A TLS connection starts with a handshake record (0x16).
    if matches!(tcp.peek(&mut first), Ok(1) if first[0] != 0x16) {
        let body = error_body("bad_request", "this server speaks TLS: use https:// in the server URL");
        let mut s = tcp;
        let _ = HttpResponse::json(400, &body).write_to(&mut s, false);
        return None;
    }
    let conn = rustls::ServerConnection::new(cfg.clone()).ok()?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    while tls.conn.is_handshaking() {
        if tls.conn.complete_io(&mut tls.sock).is_err() {
            return None;
        }
    }
    let _ = tls.sock.set_read_timeout(idle);
    Some(Stream::Server(Box::new(tls)))
}

/// How long a client has to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
