//! Just enough HTTP/1.1 for the team server and its client: one request or response with a
//! `Content-Length` body at a time, persistent connections, and hard limits on what a peer
//! may send (head size, body size) so a bad or hostile client cannot exhaust the server.

use std::io::{self, BufRead, BufReader, Read, Write};

/// Largest request or response head (request line + headers) accepted.
pub const MAX_HEAD: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;

/// Why a request could not be read; the server answers with `status` and closes.
#[derive(Debug)]
pub struct HttpError {
    pub status: u16,
    pub message: String,
}

impl HttpError {
    pub fn new(status: u16, message: impl Into<String>) -> HttpError {
        HttpError { status, message: message.into() }
    }
}

/// Outcome of reading the next request of a connection.
pub enum Incoming {
    Request(HttpRequest),
    /// The peer closed the connection (or went quiet) between two requests.
    Closed,
    /// A malformed or oversized request: answer it and close.
    Bad(HttpError),
}

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    /// The path without its query string, percent-decoded.
    pub path: String,
    /// Query parameters in order, percent-decoded.
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the connection stays open after the response.
    pub keep_alive: bool,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Reads the head of a message (up to the blank line) into `buf`. Ok(false) when the peer
/// closed before sending anything.
fn read_head(r: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<bool> {
    loop {
        let before = buf.len();
        let n = r.by_ref().take((MAX_HEAD + 1 - before.min(MAX_HEAD)) as u64).read_until(b'\n', buf)?;
        if n == 0 {
            if buf.is_empty() {
                return Ok(false);
            }
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed mid-header"));
        }
        // Blank lines before a request line are allowed (RFC 9112 2.2).
        if buf == b"\r\n" || buf == b"\n" {
            buf.clear();
            continue;
        }
        if buf.ends_with(b"\r\n\r\n") || buf.ends_with(b"\n\n") {
            return Ok(true);
        }
        if buf.len() > MAX_HEAD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too large"));
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// Reads one request. The peer gets `100 Continue` when it asked for it (curl does for
/// bodies over 1 KiB) and the body is within `max_body`.
pub fn read_request<S: Read + Write>(r: &mut BufReader<S>, max_body: usize) -> Incoming {
    let mut head = Vec::with_capacity(512);
    match read_head(r, &mut head) {
        Ok(true) => {}
        Ok(false) => return Incoming::Closed,
        Err(e) if head.is_empty() && (is_timeout(&e) || e.kind() == io::ErrorKind::UnexpectedEof) => {
            return Incoming::Closed
        }
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            return Incoming::Bad(HttpError::new(431, format!("request head larger than {MAX_HEAD} bytes")))
        }
        Err(e) if is_timeout(&e) => return Incoming::Bad(HttpError::new(408, "request not received in time")),
        Err(_) => return Incoming::Closed,
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Incoming::Bad(HttpError::new(400, "incomplete request head")),
        Err(httparse::Error::TooManyHeaders) => {
            return Incoming::Bad(HttpError::new(431, format!("more than {MAX_HEADERS} headers")))
        }
        Err(e) => return Incoming::Bad(HttpError::new(400, format!("malformed request: {e}"))),
    }
    let method = req.method.unwrap_or("").to_string();
    let target = req.path.unwrap_or("/");
    let version = req.version.unwrap_or(1);
    let headers: Vec<(String, String)> =
        req.headers.iter().map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).trim().to_string())).collect();
    let find = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let connection = find("connection").map(str::to_ascii_lowercase).unwrap_or_default();
    let keep_alive = if version == 0 { connection.contains("keep-alive") } else { !connection.contains("close") };
    if find("transfer-encoding").is_some() {
        return Incoming::Bad(HttpError::new(
            411,
            "chunked request bodies are not supported; send the body with a Content-Length",
        ));
    }
    let length = match find("content-length") {
        None => 0,
        Some(v) => match v.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return Incoming::Bad(HttpError::new(400, format!("Content-Length \"{v}\" is not a number"))),
        },
    };
    if length > max_body {
        return Incoming::Bad(HttpError::new(
            413,
            format!("request body of {length} bytes is over the limit of {max_body} bytes (crm serve --max-body)"),
        ));
    }
    if length > 0 && find("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        let peer = r.get_mut();
        if peer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").and_then(|_| peer.flush()).is_err() {
            return Incoming::Closed;
        }
    }
    let mut body = vec![0; length];
    if let Err(e) = r.read_exact(&mut body) {
        if is_timeout(&e) {
            return Incoming::Bad(HttpError::new(408, "request body not received in time"));
        }
        return Incoming::Closed;
    }
    let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let Some(path) = percent_decode(raw_path, false) else {
        return Incoming::Bad(HttpError::new(400, format!("bad percent-encoding in the path {raw_path}")));
    };
    let mut query = Vec::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (percent_decode(k, true), percent_decode(v, true)) {
            (Some(k), Some(v)) => query.push((k, v)),
            _ => return Incoming::Bad(HttpError::new(400, format!("bad percent-encoding in the query: {pair}"))),
        }
    }
    Incoming::Request(HttpRequest { method, path, query, headers, body, keep_alive })
}

/// Decodes `%XX` escapes (and `+` as a space in query strings); None when not valid UTF-8 or
/// a bad escape.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Encodes a query-string component.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        507 => "Insufficient Storage",
        _ => "",
    }
}

/// A response with a JSON (or other) body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn json(status: u16, value: &serde_json::Value) -> HttpResponse {
        let mut body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        body.push(b'\n');
        HttpResponse { status, content_type: "application/json", headers: Vec::new(), body }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> HttpResponse {
        self.headers.push((name, value.into()));
        self
    }

    /// Writes the whole response in one buffer (one TLS record / TCP segment for small bodies).
    pub fn write_to(&self, w: &mut impl Write, keep_alive: bool) -> io::Result<()> {
        let mut out = Vec::with_capacity(self.body.len() + 160);
        write!(
            out,
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        )?;
        for (k, v) in &self.headers {
            write!(out, "{k}: {v}\r\n")?;
        }
        out.extend_from_slice(if keep_alive { b"\r\n" as &[u8] } else { b"Connection: close\r\n\r\n" });
        out.extend_from_slice(&self.body);
        w.write_all(&out)?;
        w.flush()
    }
}

/// A response as the client reads it.
#[derive(Debug)]
pub struct ClientResponse {
    pub status: u16,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

/// Reads one response (client side). Bodies are capped at `max_body`.
pub fn read_response(r: &mut impl BufRead, max_body: usize) -> io::Result<ClientResponse> {
    loop {
        let mut head = Vec::with_capacity(256);
        if !read_head(r, &mut head)? {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"));
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {}
            _ => return Err(io::Error::new(io::ErrorKind::InvalidData, "malformed response from the server")),
        }
        let status = resp.code.unwrap_or(0);
        if (100..200).contains(&status) {
            continue;
        }
        let find = |name: &str| {
            resp.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
        };
        let keep_alive = !find("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let length = match find("content-length") {
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length from the server"))?,
            None => return Err(io::Error::new(io::ErrorKind::InvalidData, "response without Content-Length")),
        };
        if length > max_body {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("response of {length} bytes is over the limit of {max_body}"),
            ));
        }
        let mut body = vec![0; length];
        r.read_exact(&mut body)?;
        return Ok(ClientResponse { status, body, keep_alive });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// What the client sent, and what the server wrote back before the response.
    struct Duplex {
        input: Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Duplex {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.input.read(buf)
        }
    }

    impl Write for Duplex {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.output.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn read(raw: &str, max: usize) -> (Incoming, Vec<u8>) {
        let mut r = BufReader::new(Duplex { input: Cursor::new(raw.as_bytes().to_vec()), output: Vec::new() });
        let got = read_request(&mut r, max);
        (got, r.into_inner().output)
    }

    #[test]
    fn reads_a_request_with_query_and_body() {
        let (got, _) = read(
            "POST /api/v1/contacts?filter=tag%3Avip+owner%3Aanna&x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbodyNEXT",
            100,
        );
        let Incoming::Request(r) = got else { panic!("not a request") };
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/api/v1/contacts");
        assert_eq!(r.param("filter"), Some("tag:vip owner:anna"));
        assert_eq!(r.param("x"), Some(""));
        assert_eq!(r.body, b"body");
        assert!(r.keep_alive);
        assert_eq!(r.header("HOST"), Some("a"));
    }

    #[test]
    fn refuses_oversized_and_chunked_bodies_and_answers_expect() {
        let (got, _) = read("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", 100);
        assert!(matches!(got, Incoming::Bad(HttpError { status: 413, .. })));
        let (got, _) = read("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 100);
        assert!(matches!(got, Incoming::Bad(HttpError { status: 411, .. })));
        let (got, sink) = read("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}", 100);
        assert!(matches!(got, Incoming::Request(_)));
        assert_eq!(sink, b"HTTP/1.1 100 Continue\r\n\r\n");
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(matches!(read(&huge, 100).0, Incoming::Bad(HttpError { status: 431, .. })));
    }

    #[test]
    fn closed_and_malformed_connections() {
        assert!(matches!(read("", 10).0, Incoming::Closed));
        assert!(matches!(read("NOT HTTP\r\n\r\n", 10).0, Incoming::Bad(HttpError { status: 400, .. })));
        let Incoming::Request(r) = read("GET / HTTP/1.0\r\n\r\n", 10).0 else { panic!() };
        assert!(!r.keep_alive, "HTTP/1.0 closes unless asked");
        let Incoming::Request(r) = read("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 10).0 else { panic!() };
        assert!(!r.keep_alive);
    }

    #[test]
    fn response_round_trip() {
        let resp = HttpResponse::json(201, &serde_json::json!({"id": "c1"})).with_header("Location", "/x");
        let mut wire = b"HTTP/1.1 100 Continue\r\n\r\n".to_vec();
        resp.write_to(&mut wire, false).unwrap();
        let got = read_response(&mut Cursor::new(wire), 1000).unwrap();
        assert_eq!(got.status, 201);
        assert!(!got.keep_alive);
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&got.body).unwrap()["id"], "c1");
    }

    #[test]
    fn percent_coding() {
        assert_eq!(percent_decode("M%C3%BCller+x", true).as_deref(), Some("Müller x"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%zz", true), None);
        assert_eq!(percent_decode(&percent_encode("tag:vip Müller&x=1"), true).as_deref(), Some("tag:vip Müller&x=1"));
    }
}
