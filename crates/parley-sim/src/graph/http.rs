//! The HTTP face: Graph routing, tokens, the error envelope, faults and the /control/ API.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::Rng as _;
use rand::distr::Alphanumeric;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::faults::FaultRequest;
use crate::server::{drop_connection, hang};

use super::fields::{self, Field};
use super::state::{PageView, decode_cursor, encode_cursor};
use super::{FakePage, Fault, GraphError, InboundAttachment, Inner, Platform, now_unix};

pub(super) async fn serve(
    listener: TcpListener,
    inner: Arc<Inner>,
    shutdown: watch::Receiver<bool>,
) {
    let control_secret = inner.config.control_secret.clone();
    crate::server::serve(
        listener,
        router(inner),
        shutdown,
        "fake graph",
        control_secret,
    )
    .await;
}

fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/control/customers", post(control_customer))
        .route("/control/inject", post(control_inject))
        .route("/control/echo", post(control_echo))
        .route("/control/owner", post(control_owner))
        .route("/control/human_agent", post(control_human_agent))
        .route("/control/unavailable", post(control_unavailable))
        .route("/control/expire_token", post(control_expire))
        .route("/control/usage", post(control_usage))
        .route("/control/fault", post(control_fault))
        .route("/control/clear_faults", post(control_clear_faults))
        .route("/control/sent", get(control_sent))
        .route("/control/requests", get(control_requests))
        .fallback(graph_api)
        // Attachment uploads reach 25 MB (checked by the Send API itself).
        .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024))
        .with_state(inner)
}

fn fbtrace_id() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(11)
        .map(char::from)
        .collect()
}

fn error_response(e: &GraphError) -> Response {
    let mut error = json!({
        "message": e.message,
        "type": "OAuthException",
        "code": e.code,
        "fbtrace_id": fbtrace_id(),
    });
    if let Some(sub) = e.subcode {
        error["error_subcode"] = json!(sub);
    }
    if matches!(e.code, 1 | 2 | 4 | 17 | 32 | 613 | 1200) {
        error["is_transient"] = json!(true);
    }
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(json!({ "error": error }))).into_response()
}

fn usage_headers(response: &mut Response, page_id: &str, percent: u32, regain_minutes: u32) {
    let app =
        json!({ "call_count": percent, "total_cputime": percent / 4, "total_time": percent / 3 });
    let buc = json!({ page_id: [{
        "type": "pages",
        "call_count": percent,
        "total_cputime": percent / 4,
        "total_time": percent / 3,
        "estimated_time_to_regain_access": regain_minutes,
    }]});
    for (name, value) in [
        ("x-app-usage", app.to_string()),
        ("x-business-use-case-usage", buc.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, v);
        }
    }
}

/// Query and body parameters merged; objects sent as JSON text in forms are parsed.
fn params(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, GraphError> {
    let mut map = Map::new();
    if let Some(query) = uri.query() {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| GraphError::param("(#100) Could not parse the query string"))?;
        map.extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(map);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/json") {
        let object: Map<String, Value> = serde_json::from_slice(body)
            .map_err(|_| GraphError::param("(#100) The request body is not valid JSON"))?;
        map.extend(object);
    } else if crate::multipart::is_form(&content_type) {
        // An attachment upload: JSON objects as text fields, the bytes in `filedata`.
        let parts = crate::multipart::parse_request(headers, body)
            .map_err(|e| GraphError::param(format!("(#100) Could not parse the form: {e}")))?;
        for part in parts {
            if part.filename.is_some() {
                map.insert(part.name.clone(), super::state::upload_value(&part));
            } else if let Some(v) = part.text() {
                let value = if v.starts_with('{') {
                    serde_json::from_str(&v).unwrap_or(Value::String(v))
                } else {
                    Value::String(v)
                };
                map.insert(part.name, value);
            }
        }
    } else {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| GraphError::param("(#100) Could not parse the request body"))?;
        for (k, v) in pairs {
            let value = if v.starts_with('{') {
                serde_json::from_str(&v).unwrap_or(Value::String(v))
            } else {
                Value::String(v)
            };
            map.insert(k, value);
        }
    }
    Ok(map)
}

fn str_param<'a>(p: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    p.get(name).and_then(Value::as_str)
}

fn is_version(seg: &str) -> bool {
    seg.strip_prefix('v').is_some_and(|v| {
        v.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        })
    })
}

async fn graph_api(
    AxState(inner): AxState<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut segs: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
    if segs.first().is_some_and(|s| is_version(s)) {
        segs.remove(0);
    }
    if segs.first() == Some(&"cdn") {
        inner.log_request("", "cdn");
        return cdn(&inner, &segs);
    }
    let p = match params(&uri, &headers, &body) {
        Ok(p) => p,
        Err(e) => return error_response(&e),
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("OAuth "))
        })
        .map(str::trim);
    let token = str_param(&p, "access_token").or(bearer);
    let page = token.and_then(|t| inner.config.pages.iter().find(|pg| pg.token == t));
    let op = op_of(&inner, &method, &segs, page);
    inner.log_request(page.map_or("", |pg| pg.id.as_str()), &op);
    let Some(token) = token else {
        return error_response(&GraphError::new(
            400,
            104,
            None,
            "An access token is required to request this resource.",
        ));
    };
    let Some(page) = page else {
        return error_response(&GraphError::new(
            400,
            190,
            None,
            format!(
                "Invalid OAuth access token - Cannot parse access token{}",
                if token.is_empty() { " (empty)" } else { "" }
            ),
        ));
    };
    if inner.read(|s| s.expired_tokens.contains(&page.id)) {
        return expired();
    }
    let fault = inner.take_fault(&op);
    let drop_after = match fault {
        None => false,
        Some(Fault::AcceptThenDrop) => true,
        Some(fault) => return fault_response(&inner, fault, &page.id).await,
    };
    // Graph's own `next` links repeat the token when it came in the query string.
    let token_query = if str_param(&p, "access_token").is_some() {
        format!(
            "{}&",
            serde_urlencoded::to_string([("access_token", token)]).unwrap_or_default()
        )
    } else {
        String::new()
    };
    let mut response = match dispatch(&inner, &method, &segs, &op, page, &p, &token_query) {
        Ok(value) => Json(value).into_response(),
        Err(e) => error_response(&e),
    };
    if let Some(percent) = inner.usage() {
        usage_headers(&mut response, &page.id, percent, 0);
    }
    if drop_after {
        drop_connection(&mut response);
    }
    response
}

fn expired() -> Response {
    error_response(&GraphError::new(
        400,
        190,
        Some(463),
        "Error validating access token: Session has expired. The current time is later than the expiry time.",
    ))
}

/// Names the operation a request asks for, for faults and the request log.
fn op_of(inner: &Inner, method: &Method, segs: &[&str], page: Option<&FakePage>) -> String {
    let is_page = |s: &str| s == "me" || page.is_some_and(|p| p.id == s);
    let op = match (method, segs) {
        (&Method::GET, ["debug_token"]) => "debug_token",
        (&Method::GET, [me, "permissions"]) if *me == "me" => "permissions",
        (&Method::GET, [p]) if is_page(p) => "page",
        (&Method::GET, [p, "conversations"]) if is_page(p) => "conversations",
        (&Method::POST, [p, "messages"]) if is_page(p) => "send",
        (&Method::GET, [_, "messages"]) => "messages",
        (&Method::POST, [p, action]) if is_page(p) && action.ends_with("_thread_control") => {
            "handover"
        }
        (&Method::GET, [p, "thread_owner"]) if is_page(p) => "thread_owner",
        (&Method::GET, [id]) => {
            if inner.read(|s| s.conversations.contains_key(*id)) {
                "conversation"
            } else if inner.read(|s| s.people.contains_key(*id)) {
                "profile"
            } else {
                "message"
            }
        }
        _ => "unknown",
    };
    op.to_owned()
}

fn page_view<'a>(page: &'a FakePage, base: &'a str) -> PageView<'a> {
    PageView {
        id: &page.id,
        name: &page.name,
        ig: page
            .instagram
            .as_ref()
            .map(|ig| (ig.id.as_str(), ig.username.as_str())),
        base,
    }
}

fn fields_param(p: &Map<String, Value>, default: &str) -> Result<Vec<Field>, GraphError> {
    let text = str_param(p, "fields").unwrap_or(default);
    fields::parse(text).ok_or_else(|| {
        GraphError::param(format!(
            "(#100) Syntax error in the fields parameter: \"{text}\""
        ))
    })
}

fn limit_param(p: &Map<String, Value>) -> Result<usize, GraphError> {
    match str_param(p, "limit") {
        None => Ok(25),
        Some(l) => l
            .parse::<usize>()
            .map(|l| l.clamp(1, 100))
            .map_err(|_| GraphError::param("(#100) Param limit must be an integer")),
    }
}

fn dispatch(
    inner: &Inner,
    method: &Method,
    segs: &[&str],
    op: &str,
    page: &FakePage,
    p: &Map<String, Value>,
    token_query: &str,
) -> Result<Value, GraphError> {
    let base = format!("http://{}", host_of(inner));
    let view = page_view(page, &base);
    let our_app = inner.config.app_id.as_str();
    match op {
        "debug_token" => Ok(debug_token(inner, page, str_param(p, "input_token"))),
        "permissions" => Ok(
            json!({ "data": page.scopes.iter().map(|s| json!({"permission": s, "status": "granted"})).collect::<Vec<_>>() }),
        ),
        "page" => {
            let fields = fields_param(p, "id,name")?;
            let mut out = json!({ "id": page.id });
            for f in &fields {
                match f.name.as_str() {
                    "name" => out["name"] = json!(page.name),
                    "instagram_business_account" => {
                        if let Some(ig) = &page.instagram {
                            let mut v = json!({ "id": ig.id });
                            if f.sub.iter().any(|s| s.name == "username") {
                                v["username"] = json!(ig.username);
                            }
                            out["instagram_business_account"] = v;
                        }
                    }
                    _ => {}
                }
            }
            Ok(out)
        }
        "conversations" => {
            let platform = match str_param(p, "platform").unwrap_or("messenger") {
                "messenger" => Platform::Messenger,
                "instagram" => Platform::Instagram,
                other => {
                    return Err(GraphError::param(format!(
                        "(#100) Param platform must be one of {{MESSENGER, INSTAGRAM}} - got \"{other}\""
                    )));
                }
            };
            let fields = fields_param(p, "id,updated_time")?;
            let limit = limit_param(p)?;
            let after = match str_param(p, "after") {
                None => None,
                Some(c) => {
                    let key = decode_cursor(c)
                        .ok_or_else(|| GraphError::param("(#100) Invalid cursor"))?;
                    let (updated, id) = key
                        .split_once(':')
                        .and_then(|(u, id)| Some((u.parse::<i64>().ok()?, id.to_owned())))
                        .ok_or_else(|| GraphError::param("(#100) Invalid cursor"))?;
                    Some((updated, id))
                }
            };
            inner.read(|s| {
                let all = s.listing(&page.id, platform);
                let rest: Vec<_> = all
                    .into_iter()
                    .filter(|c| match &after {
                        Some((u, id)) => (c.updated(), c.id.as_str()) < (*u, id.as_str()),
                        None => true,
                    })
                    .collect();
                let slice: Vec<_> = rest.iter().take(limit).collect();
                let data: Vec<Value> = slice
                    .iter()
                    .map(|c| s.render_conversation(&view, our_app, c, &fields, token_query))
                    .collect();
                let mut body = json!({ "data": data });
                if let (Some(first), Some(last)) = (slice.first(), slice.last()) {
                    let after_cursor = encode_cursor(&format!("{}:{}", last.updated(), last.id));
                    body["paging"] = json!({ "cursors": {
                        "before": encode_cursor(&format!("{}:{}", first.updated(), first.id)),
                        "after": after_cursor,
                    }});
                    if rest.len() > slice.len() {
                        let query = serde_urlencoded::to_string([
                            ("platform", platform.as_str().to_owned()),
                            ("fields", fields::render(&fields)),
                            ("limit", limit.to_string()),
                            ("after", after_cursor),
                        ])
                        .unwrap_or_default();
                        body["paging"]["next"] = json!(format!(
                            "{base}/v23.0/{}/conversations?{token_query}{query}",
                            page.id
                        ));
                    }
                }
                Ok(body)
            })
        }
        "conversation" | "messages" => {
            let id = segs.first().copied().unwrap_or_default();
            inner.read(|s| {
                let conv = s
                    .conversations
                    .get(id)
                    .filter(|c| c.page_id == page.id)
                    .ok_or_else(GraphError::unknown_path)?;
                if op == "conversation" {
                    let fields = fields_param(p, "id,updated_time")?;
                    Ok(s.render_conversation(&view, our_app, conv, &fields, token_query))
                } else {
                    let fields = fields_param(p, "id,created_time")?;
                    Ok(s.messages_page(
                        &view,
                        conv,
                        &fields,
                        limit_param(p)?,
                        str_param(p, "after"),
                        token_query,
                    ))
                }
            })
        }
        "profile" => {
            // The User Profile API: what a Page may read of a customer who wrote to it.
            let id = segs.first().copied().unwrap_or_default();
            let fields = fields_param(p, "id,name")?;
            inner.read(|s| {
                let person = s
                    .people
                    .get(id)
                    .filter(|c| c.page_id == page.id)
                    .ok_or_else(GraphError::unknown_path)?;
                let mut out = json!({ "id": person.id });
                for f in &fields {
                    match f.name.as_str() {
                        "name" => out["name"] = json!(person.name),
                        "username" if person.username.is_some() => {
                            out["username"] = json!(person.username);
                        }
                        "profile_pic" if s.profile_pics.contains_key(id) => {
                            out["profile_pic"] = json!(format!("{base}/cdn/profile-{id}"));
                        }
                        _ => {}
                    }
                }
                Ok(out)
            })
        }
        "message" => {
            let id = segs.first().copied().unwrap_or_default();
            inner.read(|s| {
                let (conv, m) = s
                    .find_message(id)
                    .filter(|(c, _)| c.page_id == page.id)
                    .ok_or_else(GraphError::unknown_path)?;
                if !conv.visible().iter().any(|v| v.id == m.id) {
                    return Err(GraphError::param("(#100) The message has been deleted"));
                }
                let fields = fields_param(p, "id,created_time")?;
                Ok(s.render_message(&view, conv, m, &fields))
            })
        }
        "send" => {
            let body = Value::Object(p.clone());
            let now = now_unix();
            let (recipient_id, message_id) =
                inner.mutate(|s| s.send(&view, our_app, &body, now))?;
            Ok(json!({ "recipient_id": recipient_id, "message_id": message_id }))
        }
        "handover" => {
            let action = segs.get(1).copied().unwrap_or_default();
            let body = Value::Object(p.clone());
            inner
                .mutate(|s| s.handover(&page.id, our_app, page.primary_receiver, action, &body))?;
            Ok(json!({ "success": true }))
        }
        "thread_owner" => {
            let recipient = str_param(p, "recipient")
                .ok_or_else(|| GraphError::param("(#100) The parameter recipient is required"))?;
            inner.read(|s| {
                let conv = s
                    .conversations
                    .values()
                    .find(|c| c.page_id == page.id && c.customer.id == recipient)
                    .ok_or_else(|| {
                        GraphError::new(400, 100, Some(2_018_001), "(#100) No matching user found")
                    })?;
                Ok(match &conv.owner {
                    Some(app) => json!({ "data": [{ "thread_owner": { "app_id": app } }] }),
                    None => json!({ "data": [] }),
                })
            })
        }
        _ => {
            let _ = method;
            Err(GraphError::unknown_path())
        }
    }
}

fn host_of(inner: &Inner) -> String {
    inner.addr_text()
}

fn debug_token(inner: &Inner, page: &FakePage, input: Option<&str>) -> Value {
    let input_page = input.and_then(|t| inner.config.pages.iter().find(|p| p.token == t));
    match input_page {
        Some(p) if !inner.read(|s| s.expired_tokens.contains(&p.id)) => json!({ "data": {
            "app_id": inner.config.app_id,
            "type": "PAGE",
            "application": "Parley",
            "data_access_expires_at": now_unix() + 90 * 86_400,
            "expires_at": 0,
            "is_valid": true,
            "profile_id": p.id,
            "scopes": p.scopes,
            "granular_scopes": p.scopes.iter().map(|s| json!({ "scope": s, "target_ids": [p.id] })).collect::<Vec<_>>(),
            "user_id": "100089000000001",
        }}),
        _ => {
            let _ = page;
            json!({ "data": {
                "is_valid": false,
                "scopes": [],
                "error": { "code": 190, "message": "Invalid OAuth access token." },
            }})
        }
    }
}

async fn fault_response(inner: &Inner, fault: Fault, page_id: &str) -> Response {
    match fault {
        Fault::RateLimited {
            code,
            estimated_minutes,
        } => {
            let message = match code {
                4 => "(#4) Application request limit reached",
                17 => "(#17) User request limit reached",
                32 => "(#32) Page request limit reached",
                _ => "(#613) Calls to this api have exceeded the rate limit.",
            };
            let mut response = error_response(&GraphError::new(400, code, None, message));
            usage_headers(&mut response, page_id, 100, estimated_minutes.unwrap_or(0));
            response
        }
        Fault::ServerError { status } if matches!(status, 502..=504) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let html = format!(
                "<html><head><title>{status}</title></head><body><h1>{status}</h1>Sorry, something went wrong.</body></html>"
            );
            (code, [(header::CONTENT_TYPE, "text/html")], html).into_response()
        }
        Fault::ServerError { status } => error_response(&GraphError::new(
            status,
            2,
            None,
            "An unexpected error has occurred. Please retry your request later.",
        )),
        Fault::TemporaryFailure => error_response(&GraphError::new(
            500,
            1200,
            None,
            "(#1200) Temporary send message failure. Please try again later",
        )),
        Fault::ExpiredToken => expired(),
        Fault::Hang { secs } => hang(secs).await,
        Fault::MalformedJson => (
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            "<html><body>Sorry, something went wrong.</body></html>",
        )
            .into_response(),
        Fault::AcceptThenDrop => {
            let _ = inner;
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn cdn(inner: &Inner, segs: &[&str]) -> Response {
    let Some(id) = segs.get(1) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(fault) = inner.take_fault("cdn") {
        let status = match fault {
            Fault::ServerError { status } => {
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        return status.into_response();
    }
    if let Some(person) = id.strip_prefix("profile-") {
        return match inner.read(|s| s.profile_pics.get(person).cloned()) {
            Some(pic) => {
                let ct = HeaderValue::from_str(&pic.mime_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream"));
                ([(header::CONTENT_TYPE, ct)], pic.bytes).into_response()
            }
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    match inner.read(|s| s.find_attachment(id).cloned()) {
        Some(a) => {
            let ct = HeaderValue::from_str(&a.mime_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            ([(header::CONTENT_TYPE, ct)], a.bytes).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

// ---- control API ----

fn control_error(e: &super::FakeGraphError) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": e.to_string() })),
    )
        .into_response()
}

fn ok() -> Response {
    Json(json!({ "ok": true })).into_response()
}

#[derive(Deserialize)]
struct NewCustomer {
    platform: Platform,
    name: String,
    username: Option<String>,
}

async fn control_customer(
    AxState(inner): AxState<Arc<Inner>>,
    Json(c): Json<NewCustomer>,
) -> Response {
    let Some(page) = inner.config.pages.first().map(|p| p.id.clone()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let person = inner.mutate(|s| s.add_person(&page, c.platform, &c.name, c.username.as_deref()));
    Json(person).into_response()
}

#[derive(Deserialize)]
struct InjectRequest {
    person_id: String,
    text: Option<String>,
    #[serde(default)]
    photo: bool,
    created_time: Option<i64>,
}

async fn control_inject(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<InjectRequest>,
) -> Response {
    let Some(person) = inner.read(|s| s.people.get(&r.person_id).cloned()) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "unknown person_id" })),
        )
            .into_response();
    };
    let attachments = if r.photo {
        vec![InboundAttachment::photo()]
    } else {
        Vec::new()
    };
    Json(inner.inject(&person, false, r.text, attachments, r.created_time)).into_response()
}

#[derive(Deserialize)]
struct EchoRequest {
    conversation_id: String,
    text: String,
    created_time: Option<i64>,
}

async fn control_echo(AxState(inner): AxState<Arc<Inner>>, Json(r): Json<EchoRequest>) -> Response {
    match inner.person_in(&r.conversation_id) {
        Ok(person) => Json(inner.inject(&person, true, Some(r.text), Vec::new(), r.created_time))
            .into_response(),
        Err(e) => control_error(&e),
    }
}

#[derive(Deserialize)]
struct OwnerRequest {
    conversation_id: String,
    app_id: Option<String>,
}

async fn control_owner(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<OwnerRequest>,
) -> Response {
    match inner.set_owner(&r.conversation_id, r.app_id) {
        Ok(()) => ok(),
        Err(e) => control_error(&e),
    }
}

#[derive(Deserialize)]
struct FlagRequest {
    #[serde(default = "yes")]
    approved: bool,
}

fn yes() -> bool {
    true
}

async fn control_human_agent(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<FlagRequest>,
) -> Response {
    let Some(page) = inner.config.pages.first().map(|p| p.id.clone()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    inner.mutate(|s| {
        if r.approved {
            s.human_agent.insert(page);
        } else {
            s.human_agent.remove(&page);
        }
    });
    ok()
}

#[derive(Deserialize)]
struct UnavailableRequest {
    conversation_id: String,
    #[serde(default = "yes")]
    unavailable: bool,
}

async fn control_unavailable(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<UnavailableRequest>,
) -> Response {
    let result = inner.mutate(|s| match s.conversations.get_mut(&r.conversation_id) {
        Some(c) => {
            c.unavailable = r.unavailable;
            true
        }
        None => false,
    });
    if result {
        ok()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

#[derive(Deserialize)]
struct ExpireRequest {
    #[serde(default = "yes")]
    expired: bool,
}

async fn control_expire(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<ExpireRequest>,
) -> Response {
    let Some(page) = inner.config.pages.first().map(|p| p.id.clone()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    inner.mutate(|s| {
        if r.expired {
            s.expired_tokens.insert(page);
        } else {
            s.expired_tokens.remove(&page);
        }
    });
    ok()
}

#[derive(Deserialize)]
struct UsageRequest {
    percent: Option<u32>,
}

async fn control_usage(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<UsageRequest>,
) -> Response {
    *inner
        .usage
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = r.percent;
    ok()
}

async fn control_fault(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<FaultRequest<Fault>>,
) -> Response {
    inner.add_fault(&r.op, r.fault, r.times);
    ok()
}

async fn control_clear_faults(AxState(inner): AxState<Arc<Inner>>) -> Response {
    inner.clear_faults();
    ok()
}

async fn control_sent(AxState(inner): AxState<Arc<Inner>>) -> Response {
    Json(inner.read(|s| s.sent.clone())).into_response()
}

/// Requests with their time in milliseconds since the first one, for budget checks from outside.
async fn control_requests(AxState(inner): AxState<Arc<Inner>>) -> Response {
    let log = inner
        .requests
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let start = log.first().map(|r| r.at);
    let rows: Vec<Value> = log
        .iter()
        .map(|r| {
            let ms = start.map_or(0, |s| r.at.duration_since(s).as_millis());
            json!({ "page_id": r.page_id, "op": r.op, "ms": ms })
        })
        .collect();
    Json(rows).into_response()
}
