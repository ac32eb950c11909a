//! `crm serve` end to end, on loopback only: the real binary serving a temporary database,
//! reached by the HTTP client crm itself uses (`crm::serve::client`) and by `crm --server`
//! client processes.

mod common;

use common::Db;
use crm::serve::client::{ClientError, HttpClient, ServerUrl};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `crm serve`; killed (SIGKILL) when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(db: &Db, args: &[&str]) -> Served {
        Served::try_start(db, args).unwrap_or_else(|e| panic!("crm serve {args:?} did not start: {e}"))
    }

    fn try_start(db: &Db, args: &[&str]) -> Result<Served, String> {
        let mut cmd = db.cmd();
        cmd.arg("serve").args(args).env_remove("CRM_SERVER").env_remove("CRM_TOKEN");
        if !args.contains(&"--listen") {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
        let Some(url) = line.split_whitespace().find(|w| w.starts_with("http")) else {
            let status = child.wait().map_err(|e| e.to_string())?;
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut err).map_err(|e| e.to_string())?;
            }
            return Err(format!("exit {:?}: {line}{err}", status.code()));
        };
        Ok(Served { child, url: url.to_string() })
    }

    fn port(&self) -> String {
        self.url.rsplit(':').next().unwrap_or_default().to_string()
    }

    fn client(&self, token: Option<&str>) -> HttpClient {
        self.client_with_ca(token, None)
    }

    fn client_with_ca(&self, token: Option<&str>, ca: Option<&Path>) -> HttpClient {
        HttpClient::new(ServerUrl::parse(&self.url).unwrap(), token.map(str::to_string), ca).unwrap()
    }

    /// `crm --server URL --token TOKEN args...` as a separate process.
    fn crm(&self, db: &Db, token: &str, args: &[&str]) -> std::process::Output {
        let mut c = db.cmd();
        // The client has no database of its own: point CRM_DB elsewhere to prove it is not used.
        c.env("CRM_DB", db.dir.path().join("not-used"))
            .env("CRM_SERVER", &self.url)
            .env("CRM_TOKEN", token)
            .args(args)
            .output()
            .expect("run crm --server")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Issues `login`'s token on the database (before the server holds it).
fn token(db: &Db, login: &str) -> String {
    db.ok(&["user", "token", login, "-q"]).lines().next().expect("a token").trim().to_string()
}

fn call(c: &HttpClient, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let bytes = body.map(|b| serde_json::to_vec(&b).unwrap());
    let resp =
        c.request(method, path, bytes.as_deref(), Duration::ZERO).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    (resp.status, value)
}

/// A request that creates one contact named `name`.
fn create_contact(name: &str) -> Value {
    let contact = crm::domain::Contact { name: name.to_string(), ..Default::default() };
    let req =
        crm::api::Request::Apply { changes: vec![crm::domain::Change::Create(crm::domain::Record::Contact(contact))] };
    serde_json::to_value(req).unwrap()
}

fn contact_names(c: &HttpClient) -> Vec<String> {
    let (status, rows) = call(c, "GET", "/api/v1/contacts?limit=100000", None);
    assert_eq!(status, 200, "{rows}");
    let mut names: Vec<String> =
        rows.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect();
    names.sort();
    names
}

#[test]
fn a_public_address_in_clear_text_is_refused() {
    let db = Db::new("redb");
    db.ok(&["user", "list"]);
    for addr in ["0.0.0.0:0", "[::]:0"] {
        let err = Served::try_start(&db, &["--listen", addr]).err().expect("refused");
        assert!(
            err.contains("exit Some(4)") && err.contains("refusing to listen") && err.contains("--tls-cert"),
            "{err}"
        );
    }
    let err = Served::try_start(&db, &["--tls-cert", "cert.pem"]).err().expect("refused");
    assert!(err.contains("--tls-cert and --tls-key go together"), "{err}");
}

#[test]
fn tokens_missing_bad_revoked_or_disabled_are_refused() {
    let db = Db::new("redb");
    db.ok(&["user", "add", "olek"]);
    let anna = token(&db, "anna");
    let olek = token(&db, "olek");
    let server = Served::start(&db, &[]);

    let (status, body) = call(&server.client(None), "GET", "/api/v1/contacts", None);
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("denied")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("Bearer"), "{body}");
    let (status, body) = call(&server.client(Some("not-a-token")), "GET", "/api/v1/contacts", None);
    assert_eq!(status, 401, "{body}");
    let forged = format!("{}0", &anna[..anna.len() - 1]);
    let forged = if forged == anna { format!("{}1", &anna[..anna.len() - 1]) } else { forged };
    let (status, body) = call(&server.client(Some(&forged)), "GET", "/api/v1/contacts", None);
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("not valid"), "{body}");

    // Valid tokens work, each as its own user.
    let (status, _) = call(&server.client(Some(&olek)), "GET", "/api/v1/contacts", None);
    assert_eq!(status, 200);
    let (status, receipt) = call(&server.client(Some(&olek)), "POST", "/api/v1/call", Some(create_contact("Olek's")));
    assert_eq!(status, 200, "{receipt}");
    let seq = receipt["seq"].as_u64().unwrap();
    let audit = db.ok(&["audit", "--limit", "1"]);
    assert!(audit.contains("olek") && audit.contains("Olek's"), "the change is olek's (#{seq}):\n{audit}");

    // Revoked while the server runs: refused at once.
    db.ok(&["user", "token", "olek", "--revoke"]);
    let (status, body) = call(&server.client(Some(&olek)), "GET", "/api/v1/contacts", None);
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("revoked"), "{body}");

    // A disabled user's token is refused too.
    let olek = token(&db, "olek");
    assert_eq!(call(&server.client(Some(&olek)), "GET", "/api/v1/contacts", None).0, 200);
    db.ok(&["user", "disable", "olek"]);
    let (status, body) = call(&server.client(Some(&olek)), "GET", "/api/v1/contacts", None);
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("disabled"), "{body}");
}

#[test]
fn request_limits_and_malformed_requests_get_json_errors() {
    let db = Db::new("redb");
    let anna = token(&db, "anna");
    let server = Served::start(&db, &["--max-body-mb", "1"]);
    // Only the head: the server answers before the body is sent, as it should.
    let mut raw = std::net::TcpStream::connect(server.url.trim_start_matches("http://")).unwrap();
    write!(raw, "POST /api/v1/call HTTP/1.1\r\nAuthorization: Bearer {anna}\r\nContent-Length: {}\r\n\r\n", 2 << 20)
        .unwrap();
    let mut reply = String::new();
    raw.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 413 "), "{reply}");
    assert!(reply.contains("over the limit"), "{reply}");

    let c = server.client(Some(&anna));
    let resp = c.request("POST", "/api/v1/call", Some(b"{not json"), Duration::ZERO).unwrap();
    assert_eq!(resp.status, 400);
    let (status, body) = call(&c, "POST", "/api/v1/call", Some(json!({"op": "no_such_op"})));
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_request")), "{body}");
    let (status, body) = call(&c, "GET", "/api/v1/contacts?limit=ten", None);
    assert_eq!(status, 400, "{body}");
    let (status, body) = call(&c, "GET", "/api/v1/nowhere", None);
    assert_eq!(status, 404, "{body}");
    let (status, body) = call(&c, "DELETE", "/api/v1/contacts", None);
    assert_eq!(status, 405, "{body}");
    let (status, body) = call(&c, "GET", "/api/v1/contacts/c999", None);
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("c999"), "{body}");
}

/// Every route in the OpenAPI description the server serves answers its documented example,
/// and the description lists every route (the route table is checked against the file in a
/// unit test; here the running server is).
#[test]
fn every_documented_route_answers() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Anna Müller", "--company", "Atlas"]);
    db.ok(&["deal", "add", "Annual supply", "--contact", "c1", "--value", "1200"]);
    db.ok(&["task", "add", "Call back", "--due", "tomorrow 10:00", "--contact", "c1"]);
    let anna = token(&db, "anna");
    let server = Served::start(&db, &[]);
    let c = server.client(Some(&anna));
    let (status, doc) = call(&server.client(None), "GET", "/api/v1/openapi.json", None);
    assert_eq!(status, 200);
    let mut answered = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut url = path.clone();
            let mut query = Vec::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let example =
                    p["example"].as_str().map(str::to_string).or_else(|| p["example"].as_u64().map(|n| n.to_string()));
                let name = p["name"].as_str().unwrap();
                match (p["in"].as_str(), example) {
                    (Some("path"), Some(e)) => url = url.replace(&format!("{{{name}}}"), &e),
                    (Some("path"), None) => panic!("{method} {path}: path parameter {name} has no example"),
                    (Some("query"), Some(e)) => query.push(format!("{name}={}", crm::serve::http::percent_encode(&e))),
                    (Some("query"), None) => {
                        assert!(!p["required"].as_bool().unwrap_or(false), "{path}: required {name} needs an example")
                    }
                    _ => {}
                }
            }
            if !query.is_empty() {
                url = format!("{url}?{}", query.join("&"));
            }
            let body = op["requestBody"]["content"]["application/json"]["example"].clone();
            let body = (!body.is_null()).then_some(body);
            let (status, reply) = call(&c, &method.to_uppercase(), &url, body);
            assert!((200..300).contains(&status), "{method} {url} answered {status}: {reply}");
            let documented = op["responses"].as_object().unwrap();
            assert!(documented.contains_key(&status.to_string()), "{method} {path}: {status} is not documented");
            answered += 1;
        }
    }
    assert!(answered >= 6, "only {answered} routes documented");
}

#[test]
fn tls_on_loopback_with_a_test_certificate() {
    let db = Db::new("redb");
    let anna = token(&db, "anna");
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let dir = db.dir.path();
    let (cert_file, key_file) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_file, cert.cert.pem()).unwrap();
    std::fs::write(&key_file, cert.signing_key.serialize_pem()).unwrap();
    let server =
        Served::start(&db, &["--tls-cert", cert_file.to_str().unwrap(), "--tls-key", key_file.to_str().unwrap()]);
    assert!(server.url.starts_with("https://"), "{}", server.url);

    let trusted = server.client_with_ca(Some(&anna), Some(&cert_file));
    let (status, body) = call(&trusted, "POST", "/api/v1/call", Some(create_contact("Over TLS")));
    assert_eq!(status, 200, "{body}");
    assert_eq!(contact_names(&trusted), ["Over TLS"]);

    // crm itself, trusting the certificate through CRM_CA_CERT.
    let out = db
        .cmd()
        .env("CRM_DB", db.dir.path().join("not-used"))
        .env("CRM_SERVER", &server.url)
        .env("CRM_TOKEN", &anna)
        .env("CRM_CA_CERT", &cert_file)
        .args(["contact", "list", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "c1");

    // Without trusting the certificate the client refuses to talk, and says why.
    let untrusted = server.client(Some(&anna));
    match untrusted.request("GET", "/api/v1/health", None, Duration::ZERO) {
        Err(ClientError::Unreachable(m)) => assert!(m.contains("TLS") && m.contains("certificate"), "{m}"),
        other => panic!("expected a certificate error, got {other:?}"),
    }
    // A clear-text client is told to use https.
    let plain = HttpClient::new(
        ServerUrl::parse(&server.url.replace("https://", "http://")).unwrap(),
        Some(anna.clone()),
        None,
    )
    .unwrap();
    let (status, body) = call(&plain, "GET", "/api/v1/health", None);
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("https://"), "{body}");
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let db = Db::new("redb");
    let anna = token(&db, "anna");
    let mut server = Served::start(&db, &[]);
    let c = server.client(Some(&anna));
    assert_eq!(call(&c, "POST", "/api/v1/call", Some(create_contact("Before"))).0, 200);
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "crm serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    assert!(db.ok(&["contact", "list", "-q"]).contains("c1"));
}

/// Writers keep adding contacts while the server is killed with SIGKILL: every contact whose
/// creation was acknowledged is there after a restart, and the same clients carry on.
#[test]
fn sigkill_mid_write_keeps_every_acknowledged_change_and_clients_reconnect() {
    let db = Db::new("redb");
    let anna = token(&db, "anna");
    let mut server = Served::start(&db, &[]);
    let port = server.port();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<Arc<HttpClient>> = (0..4).map(|_| Arc::new(server.client(Some(&anna)))).collect();
    let writers: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(w, c)| {
            let (c, acked, stop) = (c.clone(), acked.clone(), stop.clone());
            std::thread::spawn(move || {
                for i in 0..10_000 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let name = format!("w{w}-{i}");
                    let body = serde_json::to_vec(&create_contact(&name)).unwrap();
                    match c.request("POST", "/api/v1/call", Some(&body), Duration::ZERO) {
                        Ok(r) if r.status == 200 => acked.lock().unwrap().push(name),
                        Ok(r) => panic!("{name}: {} {}", r.status, String::from_utf8_lossy(&r.body)),
                        // The server died under this request: it was not acknowledged.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while acked.lock().unwrap().len() < 40 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 40, "only {} writes before the kill", acked.len());

    let server = Served::start(&db, &["--listen", &format!("127.0.0.1:{port}")]);
    let names = contact_names(&server.client(Some(&anna)));
    let lost: Vec<_> = acked.iter().filter(|n| names.binary_search(n).is_err()).collect();
    assert!(lost.is_empty(), "{} acknowledged contacts lost: {lost:?}", lost.len());
    // The clients of the killed server reconnect by themselves.
    for (w, c) in clients.iter().enumerate() {
        let (status, body) = call(c, "POST", "/api/v1/call", Some(create_contact(&format!("after-{w}"))));
        assert_eq!(status, 200, "{body}");
    }
    let names = contact_names(&server.client(Some(&anna)));
    assert_eq!(names.iter().filter(|n| n.starts_with("after-")).count(), 4);
}

/// Several `crm --server` processes add contacts at once: none is lost, and every client then
/// lists the same contacts.
#[test]
fn concurrent_client_processes_lose_nothing_and_agree() {
    let db = Db::new("redb");
    let logins = ["anna", "olek", "marta", "ben"];
    for l in &logins[1..] {
        db.ok(&["user", "add", l]);
    }
    let tokens: Vec<String> = logins.iter().map(|l| token(&db, l)).collect();
    let server = Arc::new(Served::start(&db, &[]));
    let db = Arc::new(db);
    let per_client = 8;
    let writers: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(w, t)| {
            let (server, db, t) = (server.clone(), db.clone(), t.clone());
            std::thread::spawn(move || {
                for i in 0..per_client {
                    let out = server.crm(&db, &t, &["contact", "add", &format!("Load {w}-{i}"), "--tag", "load"]);
                    assert!(out.status.success(), "client {w}: {}", String::from_utf8_lossy(&out.stderr));
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let mut seen = Vec::new();
    for t in &tokens {
        let out = server.crm(&db, t, &["contact", "list", "--tag", "load", "--format", "json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut names: Vec<String> =
            rows.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect();
        names.sort();
        seen.push(names);
    }
    assert_eq!(seen[0].len(), logins.len() * per_client, "{:?}", seen[0]);
    assert!(seen.iter().all(|s| s == &seen[0]), "clients disagree: {seen:?}");
    assert!(!db.dir.path().join("not-used").exists(), "a client opened a database of its own");
    // Each contact is its creator's: the server took the user from the token.
    let audit = db.ok(&["audit", "--limit", "0", "--format", "json"]);
    let lines: Value = serde_json::from_str(&audit).unwrap();
    for (w, login) in logins.iter().enumerate() {
        let theirs = lines
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| {
                l["user"] == *login && l["label"].as_str().is_some_and(|s| s.starts_with(&format!("Load {w}-")))
            })
            .count();
        assert_eq!(theirs, per_client, "{login}'s contacts in the audit log");
    }
}

/// The CLI against a server: a refused token exits 8 with the server's reason; a server that
/// is not there is named.
#[test]
fn the_cli_reports_refused_tokens_and_unreachable_servers() {
    let db = Db::new("redb");
    db.ok(&["user", "add", "olek"]);
    let olek = token(&db, "olek");
    let server = Served::start(&db, &[]);
    let out = server.crm(&db, &olek, &["contact", "add", "Remote Rita"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let forged = format!("crm_olek_{}", "0".repeat(64));
    let out = server.crm(&db, &forged, &["contact", "list"]);
    assert_eq!(out.status.code(), Some(8), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid"));

    db.ok(&["user", "token", "olek", "--revoke"]);
    let out = server.crm(&db, &olek, &["contact", "list"]);
    assert_eq!(out.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&out.stderr).contains("revoked"), "{}", String::from_utf8_lossy(&out.stderr));

    let url = server.url.clone();
    drop(server);
    let out = db.cmd().env("CRM_SERVER", &url).env("CRM_TOKEN", &olek).args(["contact", "list"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains(&url) && stderr.contains("crm serve"), "{stderr}");
}

/// In private visibility a rep's token reads only what that rep may see, through every route:
/// lists, cards, search, the changes feed and `crm --server`.
#[test]
fn a_reps_token_cannot_read_another_reps_private_contacts() {
    let db = Db::new("redb");
    db.ok(&["user", "add", "olek"]);
    db.ok(&["user", "add", "ben"]);
    db.ok(&["visibility", "private"]);
    let (olek, ben) = (token(&db, "olek"), token(&db, "ben"));
    let server = Served::start(&db, &[]);
    let c_ben = server.client(Some(&ben));
    let (_, start) = call(&c_ben, "GET", "/api/v1/changes", None);
    let after = start["head"].as_u64().unwrap();

    let (status, receipt) =
        call(&server.client(Some(&olek)), "POST", "/api/v1/contacts", Some(json!({"name": "Olga Secret"})));
    assert_eq!(status, 201, "{receipt}");
    let id = receipt["created"][0].as_str().unwrap().to_string();

    assert!(contact_names(&server.client(Some(&olek))).contains(&"Olga Secret".to_string()));
    assert!(!contact_names(&c_ben).contains(&"Olga Secret".to_string()));
    let (status, body) = call(&c_ben, "GET", &format!("/api/v1/contacts/{id}"), None);
    assert!(status == 404 || status == 403, "{status} {body}");
    let (_, hits) = call(&c_ben, "GET", "/api/v1/search?q=secret", None);
    assert_eq!(hits.as_array().map(Vec::len), Some(0), "{hits}");
    let (_, feed) = call(&c_ben, "GET", &format!("/api/v1/changes?after={after}&wait=0"), None);
    assert!(!feed.to_string().contains("Olga"), "{feed}");

    let out = server.crm(&db, &ben, &["contact", "show", &id]);
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Olga"));
    let out = server.crm(&db, &olek, &["contact", "show", &id]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Olga Secret"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The server answers searches and lists from memory once it has filled it, and they show
/// every acknowledged write at once: one made through the server, and one made by another crm
/// on the same machine (through the server's Unix socket), an undo included.
#[test]
fn searches_and_lists_from_memory_show_every_write_at_once() {
    let db = Db::new("redb");
    db.ok(&["contact", "add", "Anna Müller", "--company", "Atlas"]);
    let anna = token(&db, "anna");
    let server = Served::start(&db, &[]);
    let c = server.client(Some(&anna));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, health) = call(&server.client(None), "GET", "/api/v1/health", None);
        if health["reads"] == "memory" {
            break;
        }
        assert_eq!(health["reads"], "filling", "{health}");
        assert!(std::time::Instant::now() < deadline, "memory still not filled");
        std::thread::sleep(Duration::from_millis(20));
    }
    let listed = |text: &str| {
        let (status, rows) = call(&c, "GET", &format!("/api/v1/contacts?text={text}&limit=10"), None);
        assert_eq!(status, 200, "{rows}");
        rows.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let found = |q: &str| {
        let q = crm::serve::http::percent_encode(q);
        let (status, hits) = call(&c, "GET", &format!("/api/v1/search?q={q}&limit=5"), None);
        assert_eq!(status, 200, "{hits}");
        hits.as_array().unwrap().iter().map(|h| h["label"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(listed("atlas"), ["Anna Müller"]);
    let (status, reply) = call(&c, "POST", "/api/v1/call", Some(create_contact("Zoltan Kowalczyk")));
    assert_eq!(status, 200, "{reply}");
    assert_eq!(listed("kowal"), ["Zoltan Kowalczyk"]);
    assert_eq!(found("zoltan").first().map(String::as_str), Some("Zoltan Kowalczyk"));
    // Another crm on this machine renames the company: the contact's text holds its name.
    db.ok(&["company", "edit", "co1", "--name", "Borealis"]);
    assert_eq!(listed("borealis"), ["Anna Müller"]);
    assert!(listed("atlas").is_empty());
    db.ok(&["undo"]);
    assert_eq!(listed("atlas"), ["Anna Müller"]);
    db.ok(&["contact", "rm", "c1"]);
    assert!(listed("atlas").is_empty());
    assert_eq!(found("anna muller"), Vec::<String>::new());
    db.ok(&["undo"]);
    assert_eq!(found("anna muller"), ["Anna Müller"]);
}
