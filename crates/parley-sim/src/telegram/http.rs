//! The HTTP face: Bot API routing, parameter parsing, fault injection and the /control/ API.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::server::{drop_connection, hang};

use super::state::decode_base64;
use super::{
    ApiError, FakeError, Fault, InboundContent, Inner, next_generation, now_unix, retention_secs,
};

const KNOWN_METHODS: &[&str] = &[
    "getme",
    "getupdates",
    "sendmessage",
    "sendphoto",
    "senddocument",
    "getfile",
    "getuserprofilephotos",
    "setwebhook",
    "deletewebhook",
    "getwebhookinfo",
];

const WEBHOOK_CONFLICT: &str = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const POLLER_CONFLICT: &str = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";

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
        "fake telegram",
        control_secret,
    )
    .await;
}

fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route(
            "/control/customers",
            post(control_add_customer).get(control_customers),
        )
        .route("/control/inject", post(control_inject))
        .route("/control/edit", post(control_edit))
        .route("/control/fault", post(control_fault))
        .route("/control/clear_faults", post(control_clear_faults))
        .route("/control/block", post(control_block))
        .route("/control/webhook", post(control_webhook))
        .route("/control/sent", get(control_sent))
        .route("/control/pending", get(control_pending))
        .route("/control/file", get(control_file))
        .fallback(bot_api)
        // Uploads reach 50 MB; the Bot API's own limit is checked per method.
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(inner)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "ok": false,
            "error_code": self.code,
            "description": self.description,
        });
        if let Some(retry_after) = self.retry_after {
            body["parameters"] = json!({ "retry_after": retry_after });
        }
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(body)).into_response()
    }
}

fn ok(result: Value, description: Option<&str>) -> Response {
    let mut body = json!({ "ok": true, "result": result });
    if let Some(d) = description {
        body["description"] = json!(d);
    }
    Json(body).into_response()
}

fn not_found() -> Response {
    ApiError::new(404, "Not Found").into_response()
}

fn unauthorized() -> Response {
    ApiError::new(401, "Unauthorized").into_response()
}

async fn bot_api(
    AxState(inner): AxState<Arc<Inner>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    if let Some(rest) = path.strip_prefix("/file/bot") {
        return download(&inner, rest);
    }
    let Some((token, method)) = path.strip_prefix("/bot").and_then(|r| r.split_once('/')) else {
        return not_found();
    };
    inner.log_request(method);
    if !inner.config.tokens.iter().any(|t| t == token) {
        return unauthorized();
    }
    let method = method.to_ascii_lowercase();
    if !KNOWN_METHODS.contains(&method.as_str()) {
        return not_found();
    }
    let fault = inner.take_fault(&method);
    let drop_after = match fault {
        None => false,
        Some(Fault::AcceptThenDrop) => true,
        Some(fault) => return fault_response(fault, &method).await,
    };
    let params = match Params::parse(&uri, &headers, &body) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let response = match dispatch(&inner, &method, &params).await {
        Ok((result, description)) => ok(result, description),
        Err(e) => e.into_response(),
    };
    if drop_after {
        let mut response = response;
        drop_connection(&mut response);
        return response;
    }
    response
}

async fn fault_response(fault: Fault, method: &str) -> Response {
    match fault {
        Fault::RateLimited { retry_after } => ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
        .into_response(),
        Fault::ServerError { status } if matches!(status, 502..=504) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = code.canonical_reason().unwrap_or("Bad Gateway");
            let html = format!(
                "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
            );
            (code, [(header::CONTENT_TYPE, "text/html")], html).into_response()
        }
        Fault::ServerError { status } => {
            let reason = StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Internal Server Error");
            ApiError::new(status, reason).into_response()
        }
        Fault::Unauthorized => unauthorized(),
        Fault::Conflict => ApiError::new(409, WEBHOOK_CONFLICT).into_response(),
        Fault::Hang { secs } => hang(secs).await,
        Fault::MalformedJson => (
            [(header::CONTENT_TYPE, "application/json")],
            "<html><body>Service temporarily unavailable</body></html>",
        )
            .into_response(),
        Fault::TruncatedJson => {
            let body = if method == "getupdates" {
                r#"{"ok":true,"result":[{"update_id":4711,"message":{"message_id":1,"from":{"id":"#
            } else {
                r#"{"ok":true,"result":{"message_id":4711,"from":{"id":1,"is_bot":tr"#
            };
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        // Handled by the caller, which has to perform the call first.
        Fault::AcceptThenDrop => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn download(inner: &Inner, rest: &str) -> Response {
    let Some((token, file_path)) = rest.split_once('/') else {
        return not_found();
    };
    if !inner.config.tokens.iter().any(|t| t == token) {
        return unauthorized();
    }
    let Some(bytes) = inner.read(|s| s.file_bytes(file_path)) else {
        return not_found();
    };
    let content_type = match file_path.rsplit_once('.').map(|(_, e)| e) {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("oga" | "ogg") => "audio/ogg",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    };
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        bytes,
    )
        .into_response()
}

/// Parameters merged from the query string and the body, the way the Bot API accepts them, and
/// the files of a multipart upload.
struct Params(Map<String, Value>, Vec<crate::multipart::Part>);

impl Params {
    fn parse(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<Self, ApiError> {
        let mut map = Map::new();
        if let Some(query) = uri.query() {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
                .map_err(|_| ApiError::new(400, "Bad Request: can't parse query string"))?;
            map.extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
        }
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(map, Vec::new()));
        }
        if content_type.starts_with("application/json") {
            let object: Map<String, Value> = serde_json::from_slice(body)
                .map_err(|_| ApiError::new(400, "Bad Request: can't parse JSON object"))?;
            map.extend(object);
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
                .map_err(|_| ApiError::new(400, "Bad Request: can't parse form data"))?;
            map.extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
        } else if crate::multipart::is_form(&content_type) {
            let parts = crate::multipart::parse_request(headers, body)
                .map_err(|e| ApiError::new(400, format!("Bad Request: {e}")))?;
            let mut files = Vec::new();
            for part in parts {
                if part.filename.is_some() {
                    files.push(part);
                } else if let Some(text) = part.text() {
                    map.insert(part.name, Value::String(text));
                }
            }
            return Ok(Self(map, files));
        }
        Ok(Self(map, Vec::new()))
    }

    fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        int_value(self.0.get(name), name)
    }

    fn string(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    fn bool(&self, name: &str) -> bool {
        bool_value(self.0.get(name))
    }

    /// Object or array parameters arrive as JSON in JSON bodies and as JSON text in forms.
    fn json(&self, name: &str) -> Result<Option<Value>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s).map(Some).map_err(|_| {
                ApiError::new(400, format!("Bad Request: can't parse {name} JSON object"))
            }),
            Some(other) => Ok(Some(other.clone())),
        }
    }
}

fn int_value(value: Option<&Value>, name: &str) -> Result<Option<i64>, ApiError> {
    let bad = || {
        ApiError::new(
            400,
            format!("Bad Request: field \"{name}\" must be of type Integer"),
        )
    };
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

fn bool_value(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.as_str(), "true" | "True" | "1"),
        Some(Value::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
        _ => false,
    }
}

type Answer = Result<(Value, Option<&'static str>), ApiError>;

async fn dispatch(inner: &Arc<Inner>, method: &str, p: &Params) -> Answer {
    match method {
        "getme" => Ok((to_value(&inner.bot_user()), None)),
        "getupdates" => get_updates(inner, p).await,
        "sendmessage" => send_message(inner, p),
        "sendphoto" => send_file(inner, p, "photo"),
        "senddocument" => send_file(inner, p, "document"),
        "getuserprofilephotos" => {
            let Some(user) = p.int("user_id")? else {
                return Err(ApiError::new(400, "Bad Request: user_id is empty"));
            };
            Ok((inner.read(|s| s.user_profile_photos(user))?, None))
        }
        "getfile" => {
            let file_id = p.string("file_id").unwrap_or_default();
            if file_id.is_empty() {
                return Err(ApiError::new(400, "Bad Request: file_id is empty"));
            }
            let file = inner.read(|s| s.get_file(&file_id))?;
            Ok((to_value(&file), None))
        }
        "setwebhook" => {
            let url = p.string("url").unwrap_or_default();
            if url.is_empty() {
                let had = inner.read(|s| s.webhook_url.is_some());
                inner.set_webhook(None);
                return Ok((
                    json!(true),
                    Some(if had {
                        "Webhook was deleted"
                    } else {
                        "Webhook is already deleted"
                    }),
                ));
            }
            if !url.starts_with("https://") {
                return Err(ApiError::new(
                    400,
                    "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
                ));
            }
            inner.set_webhook(Some(url));
            Ok((json!(true), Some("Webhook was set")))
        }
        "deletewebhook" => {
            let drop_pending = p.bool("drop_pending_updates");
            let had = inner.read(|s| s.webhook_url.is_some());
            inner.mutate(|s| {
                s.webhook_url = None;
                if drop_pending {
                    s.updates.clear();
                }
            });
            Ok((
                json!(true),
                Some(if had {
                    "Webhook was deleted"
                } else {
                    "Webhook is already deleted"
                }),
            ))
        }
        "getwebhookinfo" => {
            let (url, pending) =
                inner.read(|s| (s.webhook_url.clone().unwrap_or_default(), s.updates.len()));
            Ok((
                json!({ "url": url, "has_custom_certificate": false, "pending_update_count": pending }),
                None,
            ))
        }
        _ => Err(ApiError::new(404, "Not Found")),
    }
}

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

async fn get_updates(inner: &Arc<Inner>, p: &Params) -> Answer {
    let offset = p.int("offset")?.unwrap_or(0);
    // The real server clamps rather than rejecting out-of-range values.
    let limit = usize::try_from(p.int("limit")?.unwrap_or(100).clamp(1, 100)).unwrap_or(100);
    let timeout = p.int("timeout")?.unwrap_or(0).max(0);
    let allowed: Option<Vec<String>> = match p.json("allowed_updates")? {
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => None,
    };
    let generation = next_generation(inner);
    // Wakes an older poller so that it notices the new generation and answers 409 now.
    inner.changed.send_modify(|v| *v += 1);
    if inner.read(|s| s.webhook_url.is_some()) {
        return Err(ApiError::new(409, WEBHOOK_CONFLICT));
    }
    let retention = retention_secs(&inner.config);
    let now = now_unix();
    let needs_change = inner.read(|s| {
        allowed.as_ref().is_some_and(|a| *a != s.allowed_updates)
            || s.updates.iter().any(|u| u.enqueued_at <= now - retention)
            || (offset > 0
                && s.updates
                    .front()
                    .is_some_and(|u| u.update.update_id < offset))
            || (offset < 0 && s.updates.len() as u64 > offset.unsigned_abs())
    });
    if needs_change {
        inner.mutate(|s| {
            if let Some(allowed) = allowed {
                s.allowed_updates = allowed;
            }
            s.drop_expired(now, retention);
            s.confirm(offset);
        });
    }
    let requested = Duration::from_secs(timeout.unsigned_abs());
    let hold = inner
        .config
        .long_poll_cap
        .map_or(requested, |cap| cap.min(requested));
    let deadline = tokio::time::Instant::now() + hold;
    let mut rx = inner.changed.subscribe();
    loop {
        rx.borrow_and_update();
        if inner.poll_generation.load(Ordering::SeqCst) != generation {
            return Err(ApiError::new(409, POLLER_CONFLICT));
        }
        if inner.read(|s| s.webhook_url.is_some()) {
            return Err(ApiError::new(409, WEBHOOK_CONFLICT));
        }
        let updates = inner.read(|s| s.peek_updates(limit));
        if !updates.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok((to_value(&updates), None));
        }
        // Either a change or the deadline; both lead back to the checks above.
        let _ = tokio::time::timeout_at(deadline, rx.changed()).await;
    }
}

fn send_message(inner: &Arc<Inner>, p: &Params) -> Answer {
    let chat_id = match p.0.get("chat_id") {
        None | Some(Value::Null) => {
            return Err(ApiError::new(400, "Bad Request: chat_id is empty"));
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(ApiError::new(400, "Bad Request: chat_id is empty"));
        }
        // "@username" only addresses channels and groups; a private chat is never found by it.
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::chat_not_found())?,
        Some(Value::Number(n)) => n.as_i64().ok_or_else(ApiError::chat_not_found)?,
        Some(_) => return Err(ApiError::new(400, "Bad Request: chat_id is empty")),
    };
    // Telegram trims surrounding whitespace, so blank text counts as empty.
    let text = p.string("text").unwrap_or_default().trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::new(400, "Bad Request: message text is empty"));
    }
    if text.chars().count() > 4096 {
        return Err(ApiError::new(400, "Bad Request: message is too long"));
    }
    let reply = match p.json("reply_parameters")? {
        Some(Value::Object(rp)) => {
            let id = int_value(rp.get("message_id"), "message_id")?.ok_or_else(|| {
                ApiError::new(400, "Bad Request: message to be replied not found")
            })?;
            Some((id, bool_value(rp.get("allow_sending_without_reply"))))
        }
        Some(_) => {
            return Err(ApiError::new(
                400,
                "Bad Request: can't parse reply parameters JSON object",
            ));
        }
        None => p
            .int("reply_to_message_id")?
            .filter(|id| *id != 0)
            .map(|id| (id, p.bool("allow_sending_without_reply"))),
    };
    let bot = inner.bot_user();
    let now = now_unix();
    let message = inner.mutate(|s| s.send_message(&bot, chat_id, text, reply, now))?;
    Ok((to_value(&message), None))
}

/// Telegram's limits on uploads (the whole request is refused with 413 past 50 MB).
const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
const MAX_DOCUMENT_BYTES: usize = 50 * 1024 * 1024;

/// sendPhoto (`field` = "photo") or sendDocument ("document") with a multipart upload. A file_id
/// or URL in place of the upload is not modelled: the fake answers as Telegram does when it
/// cannot use one.
fn send_file(inner: &Arc<Inner>, p: &Params, field: &str) -> Answer {
    let chat_id = chat_id_of(p)?;
    let Some(part) = p.1.iter().find(|f| f.name == field) else {
        return Err(ApiError::new(
            400,
            if p.0.contains_key(field) {
                "Bad Request: wrong file identifier/HTTP URL specified".to_owned()
            } else {
                format!("Bad Request: there is no {field} in the request")
            },
        ));
    };
    if part.data.is_empty() {
        return Err(ApiError::new(400, "Bad Request: file must be non-empty"));
    }
    if part.data.len() > MAX_DOCUMENT_BYTES {
        return Err(ApiError::new(413, "Request Entity Too Large"));
    }
    let photo = field == "photo";
    if photo && part.data.len() > MAX_PHOTO_BYTES {
        return Err(ApiError::new(400, "Bad Request: PHOTO_SAVE_FILE_INVALID"));
    }
    let caption = p.string("caption").filter(|c| !c.trim().is_empty());
    if caption.as_ref().is_some_and(|c| c.chars().count() > 1024) {
        return Err(ApiError::new(
            400,
            "Bad Request: message caption is too long",
        ));
    }
    let upload = super::state::Upload {
        photo,
        file_name: part.filename.clone().unwrap_or_else(|| "file".to_owned()),
        mime_type: part
            .content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".to_owned()),
        bytes: part.data.clone(),
    };
    let bot = inner.bot_user();
    let now = now_unix();
    let message = inner.mutate(|s| s.send_file(&bot, chat_id, upload, caption, now))?;
    Ok((to_value(&message), None))
}

fn chat_id_of(p: &Params) -> Result<i64, ApiError> {
    match p.0.get("chat_id") {
        None | Some(Value::Null) => Err(ApiError::new(400, "Bad Request: chat_id is empty")),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(ApiError::new(400, "Bad Request: chat_id is empty"))
        }
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::chat_not_found()),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(ApiError::chat_not_found),
        Some(_) => Err(ApiError::new(400, "Bad Request: chat_id is empty")),
    }
}

// ---- control API ----

fn control_error(e: &FakeError) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": e.to_string() })),
    )
        .into_response()
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

#[derive(Deserialize)]
struct NewCustomer {
    first_name: String,
    last_name: Option<String>,
    username: Option<String>,
    language_code: Option<String>,
}

async fn control_add_customer(
    AxState(inner): AxState<Arc<Inner>>,
    Json(c): Json<NewCustomer>,
) -> Response {
    let customer = inner.mutate(|s| {
        s.add_customer(
            &c.first_name,
            c.last_name.as_deref(),
            c.username.as_deref(),
            c.language_code.as_deref(),
        )
    });
    Json(customer).into_response()
}

async fn control_customers(AxState(inner): AxState<Arc<Inner>>) -> Response {
    Json(inner.read(super::State::customers)).into_response()
}

#[derive(Deserialize)]
struct InjectRequest {
    chat_id: i64,
    #[serde(default)]
    kind: Option<String>,
    text: Option<String>,
    caption: Option<String>,
    file_name: Option<String>,
    mime_type: Option<String>,
    /// Document bytes; `text` is used as the content when absent.
    data_base64: Option<String>,
    duration: Option<u32>,
    emoji: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    phone_number: Option<String>,
    first_name: Option<String>,
    date: Option<i64>,
}

impl InjectRequest {
    fn content(self) -> Result<InboundContent, &'static str> {
        Ok(match self.kind.as_deref().unwrap_or("text") {
            "text" => InboundContent::Text(self.text.ok_or("text is required")?),
            "photo" => InboundContent::Photo {
                caption: self.caption,
            },
            "document" => {
                let bytes = match (&self.data_base64, &self.text) {
                    (Some(b), _) => decode_base64(b).ok_or("data_base64 is not base64")?,
                    (None, Some(t)) => t.clone().into_bytes(),
                    (None, None) => b"%PDF-1.4\n%fake\n".to_vec(),
                };
                InboundContent::Document {
                    file_name: self.file_name.unwrap_or_else(|| "document.pdf".to_owned()),
                    mime_type: self
                        .mime_type
                        .unwrap_or_else(|| "application/pdf".to_owned()),
                    bytes,
                }
            }
            "voice" => InboundContent::Voice {
                duration: self.duration.unwrap_or(3),
            },
            "sticker" => InboundContent::Sticker {
                emoji: self.emoji.unwrap_or_else(|| "👍".to_owned()),
            },
            "location" => InboundContent::Location {
                lat: self.latitude.ok_or("latitude is required")?,
                lon: self.longitude.ok_or("longitude is required")?,
            },
            "contact" => InboundContent::Contact {
                phone: self.phone_number.ok_or("phone_number is required")?,
                first_name: self.first_name.ok_or("first_name is required")?,
            },
            _ => return Err("unknown kind"),
        })
    }
}

async fn control_inject(
    AxState(inner): AxState<Arc<Inner>>,
    Json(req): Json<InjectRequest>,
) -> Response {
    let chat_id = req.chat_id;
    let date = req.date;
    let content = match req.content() {
        Ok(c) => c,
        Err(e) => return bad_request(e),
    };
    match inner.inject(chat_id, content, date) {
        Ok(m) => Json(m).into_response(),
        Err(e) => control_error(&e),
    }
}

#[derive(Deserialize)]
struct EditRequest {
    chat_id: i64,
    message_id: i64,
    text: String,
}

async fn control_edit(
    AxState(inner): AxState<Arc<Inner>>,
    Json(req): Json<EditRequest>,
) -> Response {
    let now = now_unix();
    match inner.mutate(|s| s.edit(req.chat_id, req.message_id, &req.text, now)) {
        Ok(m) => Json(m).into_response(),
        Err(e) => control_error(&e),
    }
}

#[derive(Deserialize)]
struct FaultRequest {
    method: String,
    fault: Fault,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

async fn control_fault(
    AxState(inner): AxState<Arc<Inner>>,
    Json(req): Json<FaultRequest>,
) -> Response {
    inner.add_fault(&req.method, req.fault, req.times);
    Json(json!({ "ok": true })).into_response()
}

/// Drops every pending fault: "the network is back".
async fn control_clear_faults(AxState(inner): AxState<Arc<Inner>>) -> Response {
    inner.clear_faults();
    Json(json!({ "ok": true })).into_response()
}

#[derive(Deserialize)]
struct BlockRequest {
    chat_id: i64,
    #[serde(default = "yes")]
    blocked: bool,
}

fn yes() -> bool {
    true
}

async fn control_block(
    AxState(inner): AxState<Arc<Inner>>,
    Json(req): Json<BlockRequest>,
) -> Response {
    match inner.set_blocked(req.chat_id, req.blocked) {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(e) => control_error(&e),
    }
}

#[derive(Deserialize)]
struct WebhookRequest {
    set: bool,
}

async fn control_webhook(
    AxState(inner): AxState<Arc<Inner>>,
    Json(req): Json<WebhookRequest>,
) -> Response {
    inner.set_webhook(
        req.set
            .then(|| "https://example.invalid/telegram-webhook".to_owned()),
    );
    Json(json!({ "ok": true })).into_response()
}

async fn control_sent(AxState(inner): AxState<Arc<Inner>>) -> Response {
    Json(inner.read(|s| s.sent.iter().cloned().collect::<Vec<_>>())).into_response()
}

async fn control_pending(AxState(inner): AxState<Arc<Inner>>) -> Response {
    Json(json!({ "pending": inner.read(|s| s.updates.len()) })).into_response()
}

#[derive(Deserialize)]
struct FileQuery {
    file_id: String,
}

/// The bytes a bot's file_id stands for (what getFile and the file download serve).
async fn control_file(
    AxState(inner): AxState<Arc<Inner>>,
    axum::extract::Query(q): axum::extract::Query<FileQuery>,
) -> Response {
    match inner.read(|s| s.bytes_of(&q.file_id)) {
        Some(bytes) => bytes.into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("no file {}", q.file_id) })),
        )
            .into_response(),
    }
}
