//! The HTTP API: authentication, then each route mapped to one `api::Request` answered by
//! `api::handle` as the token's user. No business rule lives here: a route only says where
//! its arguments come from (path, query string, JSON body). docs/api.md and docs/openapi.json
//! describe the same table; a test keeps them in step.

// `ApiError` is the wire error as `api::Transport` defines it; the error path is the rare one.
#![allow(clippy::result_large_err)]

use super::http::{HttpRequest, HttpResponse};
use crate::api::{self, ApiError, Request};
use crate::services::input::{ActivityInput, ContactInput, DealInput, TaskInput};
use crate::services::query::{ActivityQuery, ContactQuery, DealQuery, TaskQuery};
use crate::services::{Crm, ServiceError};
use serde::Serialize;
use serde_json::{json, Map, Value};

pub const PREFIX: &str = "/api/v1";

/// The OpenAPI 3 description, served at `/api/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../../docs/openapi.json");

/// Where a route's request comes from.
#[derive(Clone, Copy)]
enum Build {
    /// Not an operation: served by the server itself.
    Health,
    OpenApi,
    /// The body is a whole `Request`.
    Call,
    /// `{"op": op, "args": ...}` made by a function of the path, query and body.
    Op(&'static str, fn(&Args) -> Result<Value, ApiError>),
    /// An operation that turns what a person would type into changes (`contact_changes`...),
    /// then `apply` of those changes: what `crm contact add` does.
    Changes(&'static str, fn(&Args) -> Result<Value, ApiError>),
    /// `wait_changes`, then the audit lines of what changed.
    Feed,
}

pub struct Route {
    pub method: &'static str,
    /// After the prefix; `{id}` is a path parameter.
    pub path: &'static str,
    /// Query parameters the route takes (anything else is refused, so typos show).
    pub params: &'static [&'static str],
    pub auth: bool,
    /// 201 instead of 200 on success (the route creates something).
    pub creates: bool,
    build: Build,
}

/// A request's inputs as a route sees them.
pub struct Args<'a> {
    pub id: Option<&'a str>,
    pub query: &'a [(String, String)],
    pub body: Value,
    /// The caller's login.
    pub login: &'a str,
}

impl Args<'_> {
    fn str(&self, name: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn text(&self, name: &str) -> Value {
        self.str(name).map(|s| Value::String(s.to_string())).unwrap_or(Value::Null)
    }

    fn number(&self, name: &str) -> Result<Value, ApiError> {
        match self.str(name) {
            None => Ok(Value::Null),
            Some(s) => s
                .parse::<u64>()
                .map(Value::from)
                .map_err(|_| bad_request(format!("query parameter {name}={s} is not a whole number"))),
        }
    }

    fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.str(name) {
            None => Ok(false),
            Some("" | "true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(s) => Err(bad_request(format!("query parameter {name}={s} is not true or false"))),
        }
    }

    fn id(&self) -> Value {
        Value::String(self.id.unwrap_or_default().to_string())
    }

    /// The body as a `T` in JSON: the fields sent over `T::default()`, so a script sends only
    /// what it sets; a field `T` does not have is refused (a typo would otherwise be ignored).
    fn input<T: Default + Serialize>(&self, what: &str) -> Result<Value, ApiError> {
        let Value::Object(mut full) = serde_json::to_value(T::default()).unwrap_or_default() else {
            return Err(ApiError::new("internal", format!("{what}: no JSON shape")));
        };
        let sent = match &self.body {
            Value::Object(m) => m.clone(),
            Value::Null => Map::new(),
            other => return Err(bad_request(format!("the body must be a JSON object (a {what}), not {other}"))),
        };
        for (k, v) in sent {
            if !full.contains_key(&k) {
                let known: Vec<&str> = full.keys().map(String::as_str).collect();
                return Err(bad_request(format!("a {what} has no field \"{k}\"; its fields: {}", known.join(", "))));
            }
            full.insert(k, v);
        }
        Ok(Value::Object(full))
    }

    /// Query parameters over `T::default()` (e.g. a `ContactQuery`), nulls left out.
    fn query_of<T: Default + Serialize>(&self, pairs: Vec<(&str, Value)>) -> Value {
        let mut full = match serde_json::to_value(T::default()) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        for (k, v) in pairs {
            if !v.is_null() {
                full.insert(k.to_string(), v);
            }
        }
        Value::Object(full)
    }
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new("bad_request", message)
}

/// `n` or `default` when the parameter is absent.
fn or(v: Value, default: u64) -> Value {
    if v.is_null() {
        Value::from(default)
    } else {
        v
    }
}

/// Most audit lines one `GET /changes` returns.
pub const FEED_LIMIT: usize = 500;

pub fn routes() -> &'static [Route] {
    const fn r(
        method: &'static str,
        path: &'static str,
        params: &'static [&'static str],
        creates: bool,
        build: Build,
    ) -> Route {
        let auth = !matches!(build, Build::Health | Build::OpenApi);
        Route { method, path, params, auth, creates, build }
    }
    static ROUTES: &[Route] = &[
        r("GET", "/health", &[], false, Build::Health),
        r("GET", "/openapi.json", &[], false, Build::OpenApi),
        r("POST", "/call", &[], false, Build::Call),
        r(
            "GET",
            "/contacts",
            &["text", "tag", "owner", "company", "sort", "limit"],
            false,
            Build::Op("contacts", |a| {
                let query = a.query_of::<ContactQuery>(vec![
                    ("text", a.text("text")),
                    ("tag", a.text("tag")),
                    ("owner", a.text("owner")),
                    ("company", a.text("company")),
                    ("sort", a.text("sort")),
                    ("limit", a.number("limit")?),
                ]);
                Ok(json!({ "query": query }))
            }),
        ),
        r(
            "POST",
            "/contacts",
            &[],
            true,
            Build::Changes("contact_changes", |a| {
                Ok(json!({ "target": null, "input": a.input::<ContactInput>("contact")? }))
            }),
        ),
        r("GET", "/contacts/{id}", &[], false, Build::Op("contact_card", |a| Ok(json!({ "id": a.id() })))),
        r(
            "PATCH",
            "/contacts/{id}",
            &[],
            false,
            Build::Changes("contact_changes", |a| {
                Ok(json!({ "target": a.id(), "input": a.input::<ContactInput>("contact")? }))
            }),
        ),
        r(
            "GET",
            "/companies",
            &["text", "tag", "limit"],
            false,
            Build::Op("companies", |a| {
                Ok(json!({ "text": a.text("text"), "tag": a.text("tag"), "limit": a.number("limit")? }))
            }),
        ),
        r(
            "GET",
            "/activities",
            &["contact", "deal", "kind", "limit"],
            false,
            Build::Op("activities", |a| {
                let query = a.query_of::<ActivityQuery>(vec![
                    ("contact", a.text("contact")),
                    ("deal", a.text("deal")),
                    ("kind", a.text("kind")),
                    ("limit", a.number("limit")?),
                ]);
                Ok(json!({ "query": query }))
            }),
        ),
        r(
            "POST",
            "/activities",
            &[],
            true,
            Build::Changes("activity_changes", |a| Ok(json!({ "input": a.input::<ActivityInput>("activity")? }))),
        ),
        r(
            "GET",
            "/deals",
            &["stage", "owner", "open", "company", "contact", "limit"],
            false,
            Build::Op("deals", |a| {
                let query = a.query_of::<DealQuery>(vec![
                    ("stage", a.text("stage")),
                    ("owner", a.text("owner")),
                    ("open_only", Value::Bool(a.flag("open")?)),
                    ("company", a.text("company")),
                    ("contact", a.text("contact")),
                    ("limit", a.number("limit")?),
                ]);
                Ok(json!({ "query": query }))
            }),
        ),
        r(
            "POST",
            "/deals",
            &[],
            true,
            Build::Changes("deal_changes", |a| Ok(json!({ "target": null, "input": a.input::<DealInput>("deal")? }))),
        ),
        r("GET", "/deals/{id}", &[], false, Build::Op("deal_card", |a| Ok(json!({ "id": a.id() })))),
        r(
            "POST",
            "/deals/{id}/move",
            &[],
            false,
            Build::Op("apply", |a| {
                let body = a.body.as_object().cloned().unwrap_or_default();
                let stage = body.get("stage").and_then(Value::as_str).ok_or_else(|| {
                    bad_request("moving a deal needs {\"stage\": \"<stage key or name>\"} (and an optional \"reason\")")
                })?;
                if let Some(k) = body.keys().find(|k| *k != "stage" && *k != "reason") {
                    return Err(bad_request(format!("moving a deal takes stage and reason, not \"{k}\"")));
                }
                let reason = body.get("reason").and_then(Value::as_str).unwrap_or_default();
                Ok(json!({ "changes": [{ "MoveDeal": { "deal": a.id(), "stage": stage, "reason": reason } }] }))
            }),
        ),
        r(
            "GET",
            "/tasks",
            &["scope", "assignee", "contact", "deal", "limit"],
            false,
            Build::Op("tasks", |a| {
                let query = a.query_of::<TaskQuery>(vec![
                    ("scope", a.text("scope")),
                    ("assignee", a.text("assignee")),
                    ("contact", a.text("contact")),
                    ("deal", a.text("deal")),
                    ("limit", a.number("limit")?),
                ]);
                Ok(json!({ "query": query }))
            }),
        ),
        r(
            "POST",
            "/tasks",
            &[],
            true,
            Build::Changes("task_changes", |a| Ok(json!({ "target": null, "input": a.input::<TaskInput>("task")? }))),
        ),
        r("POST", "/tasks/{id}/done", &[], false, Build::Op("complete_task", |a| Ok(json!({ "id": a.id() })))),
        r(
            "GET",
            "/search",
            &["q", "type", "limit"],
            false,
            Build::Op("search", |a| {
                let q = a.str("q").ok_or_else(|| bad_request("search needs q, the text to look for (?q=muller)"))?;
                Ok(json!({ "query": q, "kind": a.text("type"), "limit": or(a.number("limit")?, 20) }))
            }),
        ),
        r(
            "GET",
            "/agenda",
            &["all", "days", "due"],
            false,
            Build::Op("agenda", |a| {
                let assignee = if a.flag("all")? { Value::Null } else { Value::from(a.login) };
                let query =
                    json!({ "assignee": assignee, "due_only": a.flag("due")?, "horizon_days": a.number("days")? });
                Ok(json!({ "query": query }))
            }),
        ),
        r("GET", "/changes", &["after", "wait"], false, Build::Feed),
    ];
    ROUTES
}

/// The body of `POST /call`: one request. `args` may be left out when the operation takes none
/// (`{"op": "journal_head"}`).
fn parse_call(mut body: Value) -> Result<Request, ApiError> {
    if let Value::Object(m) = &mut body {
        m.entry("args").or_insert_with(|| json!({}));
    }
    serde_json::from_value(body).map_err(|e| bad_request(format!("the body is not a crm request: {e}")))
}

/// HTTP status for an error answered by the database (or by the API layer).
pub fn status_of(e: &ApiError) -> u16 {
    match e.code.as_str() {
        "bad_request" => 400,
        "unauthorized" => 401,
        "denied" => 403,
        "missing" | "not_found" | "trashed" | "no_route" => 404,
        "method" => 405,
        "invalid" | "validation" | "ambiguous" => 422,
        "conflict" | "field_conflict" | "nothing_to_undo" | "nothing_to_redo" => 409,
        "busy" => 503,
        _ => 500,
    }
}

pub fn error_response(status: u16, e: &ApiError) -> HttpResponse {
    HttpResponse::json(status, &json!({ "error": e }))
}

/// Matches `pattern` (with at most one `{id}`) against `path`; returns the id when it matches.
fn matches<'a>(pattern: &str, path: &'a str) -> Option<Option<&'a str>> {
    match pattern.split_once("{id}") {
        None => (pattern == path).then_some(None),
        Some((before, after)) => {
            let rest = path.strip_prefix(before)?;
            let id = rest.strip_suffix(after)?;
            (!id.is_empty() && !id.contains('/')).then_some(Some(id))
        }
    }
}

/// The server's handler: one database, many callers.
pub struct App {
    crm: Crm,
}

impl App {
    pub fn new(crm: Crm) -> App {
        App { crm }
    }

    pub fn handle(&self, req: &HttpRequest) -> HttpResponse {
        match self.answer(req) {
            Ok(resp) => resp,
            Err((status, e)) => {
                // The server's own trouble goes to its log; the client's mistakes do not.
                if status >= 500 {
                    eprintln!("crm serve: {} {}: {} ({})", req.method, req.path, e.message, e.code);
                }
                let mut resp = error_response(status, &e);
                if status == 401 {
                    resp = resp.with_header("WWW-Authenticate", "Bearer realm=\"crm\"");
                }
                if status == 405 {
                    let allowed: Vec<&str> = routes()
                        .iter()
                        .filter(|r| req.path.strip_prefix(PREFIX).is_some_and(|p| matches(r.path, p).is_some()))
                        .map(|r| r.method)
                        .collect();
                    resp = resp.with_header("Allow", allowed.join(", "));
                }
                resp
            }
        }
    }

    fn answer(&self, req: &HttpRequest) -> Result<HttpResponse, (u16, ApiError)> {
        let fail = |e: ApiError| (status_of(&e), e);
        let Some(path) = req.path.strip_prefix(PREFIX) else {
            return Err(fail(ApiError::new(
                "no_route",
                format!("no such route: {}; the API is under {PREFIX}/ (see {PREFIX}/openapi.json)", req.path),
            )));
        };
        let candidates: Vec<(&Route, Option<&str>)> =
            routes().iter().filter_map(|r| matches(r.path, path).map(|id| (r, id))).collect();
        if candidates.is_empty() {
            return Err(fail(ApiError::new(
                "no_route",
                format!("no such route: {}; see {PREFIX}/openapi.json for the routes", req.path),
            )));
        }
        let method = if req.method == "HEAD" { "GET" } else { req.method.as_str() };
        let Some(&(route, id)) = candidates.iter().find(|(r, _)| r.method == method) else {
            return Err(fail(ApiError::new("method", format!("{} does not take {}", req.path, req.method))));
        };
        if let Some((unknown, _)) = req.query.iter().find(|(k, _)| !route.params.contains(&k.as_str())) {
            let takes = if route.params.is_empty() { "none".to_string() } else { route.params.join(", ") };
            return Err(fail(bad_request(format!(
                "{} {} takes no query parameter \"{unknown}\" (it takes: {takes})",
                route.method, route.path
            ))));
        }
        match route.build {
            Build::Health => {
                // Searches and lists come from memory once it is filled (a load test waits for it).
                let reads = self.crm.reads_from();
                return Ok(HttpResponse::json(
                    200,
                    &json!({ "ok": true, "version": env!("CARGO_PKG_VERSION"), "reads": reads }),
                ));
            }
            Build::OpenApi => {
                return Ok(HttpResponse {
                    status: 200,
                    content_type: "application/json",
                    headers: Vec::new(),
                    body: OPENAPI.as_bytes().to_vec(),
                })
            }
            _ => {}
        }
        let crm = self.caller(req)?;
        let body: Value = if req.body.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&req.body).map_err(|e| fail(bad_request(format!("the body is not JSON: {e}"))))?
        };
        let args = Args { id, query: &req.query, body, login: crm.user() };
        // Builds one request from an op name and its arguments, through serde like /call.
        let request = |op: &str, args: Value| -> Result<Request, (u16, ApiError)> {
            serde_json::from_value(json!({ "op": op, "args": args }))
                .map_err(|e| fail(bad_request(format!("{} {}: {e}", route.method, req.path))))
        };
        let value = match route.build {
            Build::Call => api::handle(&crm, parse_call(args.body).map_err(fail)?).map_err(fail)?,
            Build::Op(op, build) => api::handle(&crm, request(op, build(&args).map_err(fail)?)?).map_err(fail)?,
            Build::Changes(op, build) => {
                let changes = api::handle(&crm, request(op, build(&args).map_err(fail)?)?).map_err(fail)?;
                api::handle(&crm, request("apply", json!({ "changes": changes }))?).map_err(fail)?
            }
            Build::Feed => self.feed(&crm, &args).map_err(fail)?,
            Build::Health | Build::OpenApi => unreachable!("answered above"),
        };
        Ok(HttpResponse::json(if route.creates { 201 } else { 200 }, &value))
    }

    /// `GET /changes`: waits (long poll) until the journal passes `after`, then returns the new
    /// head and the audit lines of the entries from `after` on (what the caller may see).
    /// Without `after`, the current head: where to start.
    fn feed(&self, crm: &Crm, a: &Args) -> Result<Value, ApiError> {
        let Some(after) = a.number("after")?.as_u64() else {
            let head = api::handle(crm, Request::JournalHead {})?;
            return Ok(json!({ "head": head, "entries": [], "more": false }));
        };
        let wait = a.number("wait")?.as_u64().unwrap_or(0).min(60_000) as u32;
        let head = api::handle(crm, Request::WaitChanges { after, timeout_ms: wait })?.as_u64().unwrap_or(after);
        if head <= after {
            return Ok(json!({ "head": head, "entries": [], "more": false }));
        }
        let query = json!({ "user": null, "since": null, "record": null, "limit": FEED_LIMIT });
        let lines = api::handle(
            crm,
            serde_json::from_value(json!({ "op": "audit", "args": { "query": query } }))
                .map_err(|e| ApiError::new("internal", format!("audit request: {e}")))?,
        )?;
        let lines = lines.as_array().cloned().unwrap_or_default();
        // Newest first, at most FEED_LIMIT: when all are new, older new ones may be missing.
        let more = lines.len() >= FEED_LIMIT && lines.iter().all(|l| l["seq"].as_u64().is_some_and(|s| s >= after));
        let mut entries: Vec<Value> =
            lines.into_iter().filter(|l| l["seq"].as_u64().is_some_and(|s| s >= after && s < head)).collect();
        entries.reverse();
        Ok(json!({ "head": head, "entries": entries, "more": more }))
    }

    /// The database as the bearer token's user.
    fn caller(&self, req: &HttpRequest) -> Result<Crm, (u16, ApiError)> {
        let unauthorized = |m: String| (401, ApiError::from(ServiceError::Denied(m)));
        let header = req.header("authorization").ok_or_else(|| {
            unauthorized(
                "this server needs a personal token (Authorization: Bearer crm_…); crm takes it from --token, \
                 CRM_TOKEN or `token` in the config, and an admin issues one with `crm user token LOGIN`"
                    .to_string(),
            )
        })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| unauthorized("the Authorization header must be \"Bearer crm_…\"".to_string()))?;
        let user = self.crm.authenticate(token).map_err(|e| match e {
            ServiceError::Denied(m) => unauthorized(format!("the server refused the token: {m}")),
            other => (500, ApiError::from(other)),
        })?;
        self.crm.as_user(&user.login).map_err(|e| {
            let a = ApiError::from(e);
            (status_of(&a), a)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn path_patterns() {
        assert_eq!(matches("/contacts", "/contacts"), Some(None));
        assert_eq!(matches("/contacts/{id}", "/contacts/c12"), Some(Some("c12")));
        assert_eq!(matches("/deals/{id}/move", "/deals/d7/move"), Some(Some("d7")));
        assert_eq!(matches("/contacts/{id}", "/contacts/"), None);
        assert_eq!(matches("/contacts/{id}", "/contacts/c1/x"), None);
        assert_eq!(matches("/contacts", "/contacts/c1"), None);
    }

    /// docs/openapi.json and the route table describe the same routes and query parameters.
    #[test]
    fn openapi_describes_every_route_and_nothing_else() {
        let doc: Value = serde_json::from_str(OPENAPI).expect("docs/openapi.json is JSON");
        assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
        let mut described = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            let path = path.strip_prefix(PREFIX).unwrap_or_else(|| panic!("{path} is not under {PREFIX}"));
            for (method, op) in item.as_object().expect("path item") {
                if method == "parameters" {
                    continue;
                }
                let mut params: Vec<String> = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .filter(|p| p["in"] == "query")
                            .map(|p| p["name"].as_str().unwrap_or_default().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                params.sort();
                described.insert((method.to_uppercase(), path.to_string(), params));
            }
        }
        let actual: BTreeSet<(String, String, Vec<String>)> = routes()
            .iter()
            .map(|r| {
                let mut params: Vec<String> = r.params.iter().map(|p| p.to_string()).collect();
                params.sort();
                (r.method.to_string(), r.path.to_string(), params)
            })
            .collect();
        let missing: Vec<_> = actual.difference(&described).collect();
        let extra: Vec<_> = described.difference(&actual).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "not in openapi.json: {missing:?}\nonly in openapi.json: {extra:?}"
        );
    }

    #[test]
    fn a_request_without_arguments_may_leave_args_out() {
        // docs/api.md says so for `POST /call`.
        let r = parse_call(json!({"op": "journal_head"})).expect("args may be left out");
        assert_eq!(r.name(), "journal_head");
        assert!(parse_call(json!({"op": "journal_head", "args": {}})).is_ok());
        let e = parse_call(json!({"op": "contact_card"})).unwrap_err();
        assert!(e.message.contains("missing field `id`"), "{}", e.message);
        assert_eq!(parse_call(json!({"op": "nope"})).unwrap_err().code, "bad_request");
    }

    #[test]
    fn every_error_code_has_a_status() {
        assert_eq!(status_of(&ApiError::from(ServiceError::Denied("x".into()))), 403);
        assert_eq!(status_of(&ApiError::from(ServiceError::NotFound("x".into()))), 404);
        assert_eq!(status_of(&ApiError::from(ServiceError::Invalid("x".into()))), 422);
        assert_eq!(status_of(&ApiError::from(ServiceError::Store(crate::store::StoreError::NothingToUndo))), 409);
        assert_eq!(status_of(&ApiError::new("storage", "disk")), 500);
    }
}
