//! The HTTP client side of `crm --server URL`: one persistent connection at a time per
//! thread of use (a small pool), TLS for `https://`, the bearer token on every request.
//!
//! A pooled connection the server has closed (idle timeout, restart) is noticed before it is
//! reused, so a request is never sent twice: writes are not retried once sent, since the
//! server may have applied them; only a connection that could not be opened is retried.

// `ApiError` is the wire error as `api::Transport` defines it; the error path is the rare one.
#![allow(clippy::result_large_err)]

use super::http::{self, ClientResponse};
use super::stream::Stream;
use crate::api::{ApiError, Client, Envelope, Request, Transport};
use crate::services::{OpenOptions, ServiceError, Settings};
use serde_json::Value;
use std::io::{self, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Largest response accepted (a whole-database export travels in one).
const MAX_RESPONSE: usize = 1024 * 1024 * 1024;
/// How long a client keeps trying to connect to a server that refuses (restarting).
const CONNECT_PATIENCE: Duration = Duration::from_secs(3);

/// A parsed `--server` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    /// Path prefix without a trailing slash ("" or "/crm" behind a proxy).
    pub prefix: String,
}

impl ServerUrl {
    pub fn parse(text: &str) -> Result<ServerUrl, String> {
        let bad =
            |why: &str| format!("server URL \"{text}\": {why} (like http://127.0.0.1:8080 or https://crm.example.com)");
        let (tls, rest) = if let Some(r) = text.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = text.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(bad("it must start with http:// or https://"));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(bad("user names in the URL are not used; pass the token with --token or CRM_TOKEN"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("unclosed [ in the host"))?;
            (format!("[{h}]"), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        if host.is_empty() || host == "[]" {
            return Err(bad("no host"));
        }
        let port = match port {
            None => {
                if tls {
                    443
                } else {
                    80
                }
            }
            Some(p) => p.parse::<u16>().map_err(|_| bad(&format!("\"{p}\" is not a port")))?,
        };
        if path.contains('?') || path.contains('#') {
            return Err(bad("no query or fragment, please"));
        }
        Ok(ServerUrl { tls, host, port, prefix: path.to_string() })
    }

    /// The host name as TLS checks it (no brackets around IPv6).
    fn tls_name(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "https" } else { "http" };
        write!(f, "{scheme}://{}:{}{}", self.host, self.port, self.prefix)
    }
}

/// Why a call did not get an answer from the server.
#[derive(Debug)]
pub enum ClientError {
    /// No connection could be made (server down, wrong address, TLS refused).
    Unreachable(String),
    /// The connection broke after the request was sent: it may or may not have been applied.
    Interrupted(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Unreachable(m) | ClientError::Interrupted(m) => f.write_str(m),
        }
    }
}

pub struct HttpClient {
    url: ServerUrl,
    token: Option<String>,
    tls: Option<Arc<rustls::ClientConfig>>,
    pool: Mutex<Vec<BufReader<Stream>>>,
}

impl HttpClient {
    /// `ca` is a PEM file of extra certificates to trust (a private CA or the server's
    /// self-signed certificate); the public CAs are always trusted.
    pub fn new(url: ServerUrl, token: Option<String>, ca: Option<&Path>) -> Result<HttpClient, String> {
        let tls = if url.tls { Some(super::tls::client_config(ca)?) } else { None };
        Ok(HttpClient { url, token, tls, pool: Mutex::new(Vec::new()) })
    }

    pub fn url(&self) -> &ServerUrl {
        &self.url
    }

    fn connect(&self) -> Result<BufReader<Stream>, ClientError> {
        let unreachable = |e: &dyn std::fmt::Display| {
            ClientError::Unreachable(format!("cannot reach the crm server at {}: {e}", self.url))
        };
        let addrs: Vec<_> =
            (self.url.tls_name(), self.url.port).to_socket_addrs().map_err(|e| unreachable(&e))?.collect();
        let started = Instant::now();
        let mut wait = Duration::from_millis(50);
        let tcp = loop {
            let mut last = None;
            let mut got = None;
            for a in &addrs {
                match TcpStream::connect_timeout(a, Duration::from_secs(5)) {
                    Ok(s) => {
                        got = Some(s);
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            match (got, last) {
                (Some(s), _) => break s,
                // A server being restarted refuses for a moment; nothing was sent, so retrying is safe.
                (None, Some(e))
                    if e.kind() == io::ErrorKind::ConnectionRefused && started.elapsed() < CONNECT_PATIENCE =>
                {
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(Duration::from_millis(500));
                }
                (None, Some(e)) => {
                    let hint =
                        if e.kind() == io::ErrorKind::ConnectionRefused { " (is `crm serve` running?)" } else { "" };
                    return Err(ClientError::Unreachable(format!(
                        "cannot reach the crm server at {}: {e}{hint}",
                        self.url
                    )));
                }
                (None, None) => return Err(unreachable(&"no address")),
            }
        };
        let _ = tcp.set_nodelay(true);
        let stream = match &self.tls {
            None => Stream::Plain(tcp),
            Some(cfg) => {
                let name = rustls::pki_types::ServerName::try_from(self.url.tls_name().to_string())
                    .map_err(|e| unreachable(&e))?;
                let conn = rustls::ClientConnection::new(cfg.clone(), name).map_err(|e| unreachable(&e))?;
                let mut s = rustls::StreamOwned::new(conn, tcp);
                // Handshake now, so a certificate problem reads as one (not as a failed request).
                while s.conn.is_handshaking() {
                    s.conn.complete_io(&mut s.sock).map_err(|e| unreachable(&format!("TLS: {e}")))?;
                }
                Stream::Client(Box::new(s))
            }
        };
        Ok(BufReader::with_capacity(16 * 1024, stream))
    }

    /// A pooled connection that is still open, or a new one.
    fn checkout(&self) -> Result<BufReader<Stream>, ClientError> {
        while let Some(mut c) = self.pool.lock().ok().and_then(|mut p| p.pop()) {
            if c.buffer().is_empty() && c.get_mut().is_reusable() {
                return Ok(c);
            }
        }
        self.connect()
    }

    /// Sends one request and reads its response. `wait` is how long the server may take
    /// beyond the usual (a long poll).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        wait: Duration,
    ) -> Result<ClientResponse, ClientError> {
        let mut conn = self.checkout()?;
        let timeout = Some(Duration::from_secs(60) + wait);
        let _ = conn.get_ref().tcp().set_read_timeout(timeout);
        let _ = conn.get_ref().tcp().set_write_timeout(Some(Duration::from_secs(60)));
        let mut head = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: crm/{}\r\nAccept: application/json\r\n",
            self.url.prefix,
            self.url.host,
            self.url.port,
            env!("CARGO_PKG_VERSION")
        );
        if let Some(t) = &self.token {
            head.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        let body = body.unwrap_or_default();
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut wire = head.into_bytes();
        wire.extend_from_slice(body);
        let interrupted = |e: io::Error| {
            ClientError::Interrupted(format!("the connection to the crm server at {} broke: {e}", self.url))
        };
        conn.get_mut().write_all(&wire).and_then(|_| conn.get_mut().flush()).map_err(interrupted)?;
        let resp = http::read_response(&mut conn, MAX_RESPONSE).map_err(interrupted)?;
        if resp.keep_alive {
            if let Ok(mut p) = self.pool.lock() {
                p.push(conn);
            }
        }
        Ok(resp)
    }
}

/// The transport `crm --server URL` uses: every facade request is one `POST /api/v1/call`.
pub struct HttpTransport {
    client: HttpClient,
}

/// The transport for `--server URL` (token from `--token`, `CRM_TOKEN` or the config; `ca_cert`
/// a PEM file to trust besides the public CAs, for a private or self-signed certificate).
pub fn transport(url: &str, token: Option<String>, ca_cert: Option<&Path>) -> Result<Box<dyn Transport>, ServiceError> {
    let url = ServerUrl::parse(url).map_err(ServiceError::Invalid)?;
    let client = HttpClient::new(url, token, ca_cert).map_err(ServiceError::Invalid)?;
    Ok(Box::new(HttpTransport { client }))
}

/// The client of a team server when one is named: `server` (`--server` / `CRM_SERVER`) or the
/// config's `server`, with `token` (`--token` / `CRM_TOKEN`) or the config's `token`, trusting
/// `CRM_CA_CERT` or the config's `ca_cert` besides the public CAs. None: no server named, the
/// caller opens the database here. The server is asked once who the token is, so that the
/// client-side settings ("my tasks", the agenda's "yours") name the token's user.
pub fn connect(opts: &OpenOptions, server: Option<&str>, token: Option<&str>) -> Result<Option<Client>, ServiceError> {
    let mut settings = Settings::load(opts)?;
    let Some(url) = server.map(str::to_string).or_else(|| settings.config().server.clone()) else {
        return Ok(None);
    };
    let token = token.map(str::to_string).or_else(|| settings.config().token.clone());
    if token.is_none() {
        return Err(ServiceError::Denied(format!(
            "no token for the crm server at {url}: pass --token, set CRM_TOKEN or `token` in the config \
             (an admin issues one with `crm user token LOGIN`)"
        )));
    }
    let ca = std::env::var_os("CRM_CA_CERT").map(PathBuf::from).or_else(|| settings.config().ca_cert.clone());
    let transport = transport(&url, token, ca.as_deref())?;
    let env = Envelope { request: Request::DbInfo {}, user: None, now: None };
    let info = transport.call(env).map_err(ServiceError::from)?;
    if let Some(login) = info.get("user").and_then(Value::as_str) {
        settings.user = login.to_string();
    }
    Ok(Some(Client::remote(settings, transport)))
}

impl Transport for HttpTransport {
    fn call(&self, env: Envelope) -> Result<Value, ApiError> {
        // The server takes the user from the token and keeps its own clock: env.user and
        // env.now are not sent.
        let wait = match &env.request {
            Request::WaitChanges { timeout_ms, .. } => Duration::from_millis(u64::from(*timeout_ms)),
            _ => Duration::ZERO,
        };
        let body = serde_json::to_vec(&env.request)
            .map_err(|e| ApiError::transport(format!("cannot encode the request: {e}")))?;
        let send = || self.client.request("POST", "/api/v1/call", Some(&body), wait);
        let resp = match send() {
            // The server went away under a read (restarted): asking again does no harm. A write
            // is not sent twice: it may have been applied.
            Err(ClientError::Interrupted(_)) if env.request.is_read() => send(),
            other => other,
        }
        .map_err(|e| ApiError::transport(e.to_string()))?;
        decode(&self.client.url, resp)
    }

    fn describe(&self) -> String {
        self.client.url.to_string()
    }

    fn server_url(&self) -> Option<String> {
        Some(self.client.url.to_string())
    }
}

/// A reply as a value, or the server's error as the error the database gave.
fn decode(url: &ServerUrl, resp: ClientResponse) -> Result<Value, ApiError> {
    if (200..300).contains(&resp.status) {
        return serde_json::from_slice(&resp.body)
            .map_err(|e| ApiError::transport(format!("the reply of {url} is not JSON: {e}")));
    }
    #[derive(serde::Deserialize)]
    struct Body {
        error: ApiError,
    }
    match serde_json::from_slice::<Body>(&resp.body) {
        // The API layer's own codes (a request an older server does not know, a route
        // missing behind a proxy) are bad input, not storage trouble.
        Ok(Body { mut error }) if matches!(error.code.as_str(), "bad_request" | "no_route" | "method") => {
            error.message =
                format!("the server at {url} did not take the request (is it an older crm?): {}", error.message);
            Err(ServiceError::Invalid(error.message).into())
        }
        Ok(Body { error }) => Err(error),
        Err(_) => Err(ApiError::transport(format!(
            "{url} answered {} {} without a crm error (a proxy in the way?)",
            resp.status,
            http::reason(resp.status)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_server_urls() {
        let u = ServerUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((u.tls, u.host.as_str(), u.port, u.prefix.as_str()), (false, "127.0.0.1", 8080, ""));
        let u = ServerUrl::parse("https://crm.example.com/team/").unwrap();
        assert_eq!((u.tls, u.host.as_str(), u.port, u.prefix.as_str()), (true, "crm.example.com", 443, "/team"));
        let u = ServerUrl::parse("https://[::1]:8443").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.tls_name()), ("[::1]", 8443, "::1"));
        assert_eq!(u.to_string(), "https://[::1]:8443");
        for bad in ["127.0.0.1:8080", "ftp://x", "http://", "http://h:port", "http://anna@h"] {
            assert!(ServerUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
