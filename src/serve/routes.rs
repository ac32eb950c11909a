//! The HTTP API: authentication, then each route mapped to one `api::Request` answered by
//! `api::handle` as the token's user. No business rule lives here: a route only says where
//! its arguments come from (path, query string, JSON body). docs/api.md and docs/openapi.json
//! describe the same table; a test keeps them in step.

use super::http::{HttpRequest, HttpResponse};
use crate::api::{self, ApiError, Request};
use crate::services::{Crm, ServiceError};
use serde_json::{json, Value};

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

    fn id(&self) -> Value {
        Value::String(self.id.unwrap_or_default().to_string())
    }
}

/// Drops nulls so optional fields left out take their defaults.
fn compact(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.to_string(), v)).collect())
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new("bad_request", message)
}

pub fn routes() -> &'static [Route] {
    const fn r(
        method: &'static str,
        path: &'static str,
        params: &'static [&'static str],
        auth: bool,
        creates: bool,
        build: Build,
    ) -> Route {
        Route { method, path, params, auth, creates, build }
    }
    static ROUTES: &[Route] = &[
        r("GET", "/health", &[], false, false, Build::Health),
        r("GET", "/openapi.json", &[], false, false, Build::OpenApi),
        r("POST", "/call", &[], true, false, Build::Call),
        r(
            "GET",
            "/contacts",
            &["text", "tag", "owner", "company", "sort", "limit"],
            true,
            false,
            Build::Op("contacts", |a| {
                let query = compact(vec![
                    ("text", a.text("text")),
                    ("tag", a.text("tag")),
                    ("owner", a.text("owner")),
                    ("company", a.text("company")),
                    // ContactQuery has no serde defaults: name order unless asked.
                    ("sort", if a.str("sort").is_some() { a.text("sort") } else { Value::from("name") }),
                    ("limit", a.number("limit")?),
                ]);
                Ok(json!({ "query": query }))
            }),
        ),
        r("GET", "/contacts/{id}", &[], true, false, Build::Op("contact_card", |a| Ok(json!({ "id": a.id() })))),
        r(
            "GET",
            "/search",
            &["q", "type", "limit"],
            true,
            false,
            Build::Op("search", |a| {
                let q = a.str("q").ok_or_else(|| bad_request("search needs q, the text to look for (?q=muller)"))?;
                let limit = match a.number("limit")? {
                    Value::Null => Value::from(20),
                    n => n,
                };
                Ok(json!({ "query": q, "kind": a.text("type"), "limit": limit }))
            }),
        ),
        r(
            "GET",
            "/changes",
            &["after", "wait"],
            true,
            false,
            Build::Op("wait_changes", |a| {
                let after = match a.number("after")? {
                    Value::Null => Value::from(0),
                    n => n,
                };
                let wait = match a.number("wait")? {
                    Value::Null => Value::from(0),
                    n => n,
                };
                Ok(json!({ "after": after, "timeout_ms": wait }))
            }),
        ),
    ];
    ROUTES
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
                return Ok(HttpResponse::json(200, &json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") })))
            }
            Build::OpenApi => {
                return Ok(HttpResponse {
                    status: 200,
                    content_type: "application/json",
                    headers: Vec::new(),
                    body: OPENAPI.as_bytes().to_vec(),
                })
            }
            Build::Call | Build::Op(..) => {}
        }
        let crm = self.caller(req).map_err(|e| (e.0, e.1))?;
        let body: Value = if req.body.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&req.body).map_err(|e| fail(bad_request(format!("the body is not JSON: {e}"))))?
        };
        let request: Request = match route.build {
            Build::Call => serde_json::from_value(body)
                .map_err(|e| fail(bad_request(format!("the body is not a crm request: {e}"))))?,
            Build::Op(op, build) => {
                let args = build(&Args { id, query: &req.query, body }).map_err(fail)?;
                serde_json::from_value(json!({ "op": op, "args": args }))
                    .map_err(|e| fail(bad_request(format!("{} {}: {e}", route.method, req.path))))?
            }
            Build::Health | Build::OpenApi => unreachable!("answered above"),
        };
        let value = api::handle(&crm, request).map_err(fail)?;
        Ok(HttpResponse::json(if route.creates { 201 } else { 200 }, &value))
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
    fn every_error_code_has_a_status() {
        assert_eq!(status_of(&ApiError::from(ServiceError::Denied("x".into()))), 403);
        assert_eq!(status_of(&ApiError::from(ServiceError::NotFound("x".into()))), 404);
        assert_eq!(status_of(&ApiError::from(ServiceError::Invalid("x".into()))), 422);
        assert_eq!(status_of(&ApiError::from(ServiceError::Store(crate::store::StoreError::NothingToUndo))), 409);
        assert_eq!(status_of(&ApiError::new("storage", "disk")), 500);
    }
}
