//! The HTTP face: Twilio's paths, Basic auth, the error body, faults and the /control/ API.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::faults::FaultRequest;
use crate::server::{drop_connection, hang};

use super::state::{Media, MessageView, NewOutbound, Outcome, error_text, random_sid};
use super::{Fault, InboundMedia, Inner, Template, TwilioError, now_ms, parse_day, rfc2822};

const API: &str = "2010-04-01";
const WINDOW_MS: i64 = 24 * 3600 * 1000;
const MAX_BODY_CHARS: usize = 1600;

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
        "fake twilio",
        control_secret,
    )
    .await;
}

fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/control/inbound", post(control_inbound))
        .route("/control/outbound", post(control_outbound))
        .route("/control/opt_out", post(control_opt_out))
        .route("/control/status", post(control_status))
        .route("/control/template", post(control_template))
        .route("/control/fault", post(control_fault))
        .route("/control/clear_faults", post(control_clear_faults))
        .route("/control/messages", get(control_messages))
        .route("/control/requests", get(control_requests))
        .fallback(twilio_api)
        .with_state(inner)
}

fn error_response(e: &TwilioError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (
        status,
        Json(json!({
            "code": e.code,
            "message": e.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", e.code),
            "status": e.status,
        })),
    )
        .into_response();
    if e.status == 401 {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Twilio API\""),
        );
    }
    response
}

fn unauthorized() -> TwilioError {
    TwilioError::new(401, 20003, "Authenticate")
}

/// Names the operation a request asks for, for faults and the request log.
fn op_of(method: &Method, segs: &[&str]) -> &'static str {
    match (method, segs) {
        (&Method::GET, [API, "Accounts", ac]) if ac.ends_with(".json") => "account",
        (&Method::GET, [API, "Accounts", _, "IncomingPhoneNumbers.json"]) => "numbers",
        (&Method::GET, [API, "Accounts", _, "Messages.json"]) => "list",
        (&Method::POST, [API, "Accounts", _, "Messages.json"]) => "send",
        (&Method::GET, [API, "Accounts", _, "Messages", sid]) if sid.ends_with(".json") => "fetch",
        (&Method::GET, [API, "Accounts", _, "Messages", _, "Media.json"]) => "media",
        (&Method::GET, [API, "Accounts", _, "Messages", _, "Media", me])
            if me.ends_with(".json") =>
        {
            "media"
        }
        (&Method::GET, [API, "Accounts", _, "Messages", _, "Media", _]) => "media_content",
        (&Method::GET, ["v2", "Channels", "Senders"]) => "senders",
        (&Method::GET, ["v1", "ContentAndApprovals" | "Content"]) => "content",
        _ => "unknown",
    }
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

async fn twilio_api(
    AxState(inner): AxState<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let op = op_of(&method, &segs);
    let config = &inner.config;
    let authorized = basic_auth(&headers)
        .is_some_and(|(user, pass)| user == config.account_sid && pass == config.auth_token);
    let target = uri
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    inner.log_request(op, method.as_str(), &target, authorized);
    if !authorized {
        return error_response(&unauthorized());
    }
    // Credentials of this account on another account's path: Twilio refuses them the same way.
    if segs.get(1) == Some(&"Accounts")
        && let Some(ac) = segs.get(2)
        && ac.trim_end_matches(".json") != config.account_sid
    {
        return error_response(&unauthorized());
    }
    if op == "unknown" {
        return error_response(&TwilioError::not_found(&path));
    }
    let drop_after = match inner.take_fault(op) {
        None => false,
        Some(Fault::AcceptThenDrop) => true,
        Some(fault) => return fault_response(fault).await,
    };
    let query: Vec<(String, String)> = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let mut response = match dispatch(&inner, op, &segs, &path, &query, &body) {
        Ok(r) => r,
        Err(e) => error_response(&e),
    };
    if drop_after {
        drop_connection(&mut response);
    }
    response
}

async fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::RateLimited { retry_after_secs } => {
            let mut response = error_response(&TwilioError::new(429, 20429, "Too Many Requests"));
            if let Some(secs) = retry_after_secs
                && let Ok(v) = HeaderValue::from_str(&secs.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
        Fault::ServerError { status } if matches!(status, 502..=504) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let html = format!(
                "<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
            );
            (code, [(header::CONTENT_TYPE, "text/html")], html).into_response()
        }
        Fault::ServerError { status } => error_response(&TwilioError::new(
            status,
            20500,
            "An internal server error has occurred",
        )),
        Fault::Hang { secs } => hang(secs).await,
        Fault::MalformedJson => (
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            "<html><body>Twilio is having a moment</body></html>",
        )
            .into_response(),
        // Handled by the caller (the call is performed first).
        Fault::AcceptThenDrop => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn dispatch(
    inner: &Inner,
    op: &str,
    segs: &[&str],
    path: &str,
    query: &[(String, String)],
    body: &[u8],
) -> Result<Response, TwilioError> {
    let ok = |v: Value| Ok(Json(v).into_response());
    match op {
        "account" => ok(account(inner)),
        "numbers" => ok(numbers(inner, path, query)),
        "list" => ok(list(inner, path, query)?),
        "fetch" => {
            let sid = segs.get(4).map_or("", |s| s.trim_end_matches(".json"));
            let view = inner
                .read(|s| s.view_of(sid, now_ms(), inner.step_ms()))
                .ok_or_else(|| TwilioError::not_found(path))?;
            ok(render_message(&inner.config.account_sid, &view))
        }
        "media" => media(inner, segs, path),
        "media_content" => {
            let (msg, me) = (segs.get(4).copied(), segs.get(6).copied());
            let found = inner.read(|s| s.find_media(msg.unwrap_or(""), me.unwrap_or("")).cloned());
            let m = found.ok_or_else(|| TwilioError::not_found(path))?;
            let ct = HeaderValue::from_str(&m.content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            Ok(([(header::CONTENT_TYPE, ct)], m.bytes).into_response())
        }
        "send" => {
            let (status, v) = send(inner, body)?;
            Ok((status, Json(v)).into_response())
        }
        "senders" => ok(senders(inner, query)),
        "content" => ok(content(inner, segs.get(1) == Some(&"ContentAndApprovals"))),
        _ => Err(TwilioError::not_found(path)),
    }
}

fn account_base(inner: &Inner) -> String {
    format!("/{API}/Accounts/{}", inner.config.account_sid)
}

/// A stable sid for a configuration item (numbers, senders), so ids survive restarts.
fn stable_sid(prefix: &str, key: &str) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for byte in key.bytes() {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        b = (b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3 ^ 0x5bd1);
    }
    format!("{prefix}{a:016x}{b:016x}")
}

fn account(inner: &Inner) -> Value {
    let c = &inner.config;
    let base = account_base(inner);
    json!({
        "sid": c.account_sid,
        "owner_account_sid": c.account_sid,
        "friendly_name": c.friendly_name,
        "status": "active",
        "type": "Full",
        // Twilio's account resource really does echo the token; clients must not log it.
        "auth_token": c.auth_token,
        "date_created": rfc2822(1_600_000_000_000),
        "date_updated": rfc2822(1_600_000_000_000),
        "uri": format!("{base}.json"),
        "subresource_uris": {
            "messages": format!("{base}/Messages.json"),
            "incoming_phone_numbers": format!("{base}/IncomingPhoneNumbers.json"),
        },
    })
}

fn get_param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn numbers(inner: &Inner, path: &str, query: &[(String, String)]) -> Value {
    let filter = get_param(query, "PhoneNumber");
    let base = account_base(inner);
    let list: Vec<Value> = inner
        .config
        .numbers
        .iter()
        .filter(|n| !n.is_whatsapp())
        .filter(|n| filter.is_none_or(|f| f == n.address))
        .map(|n| {
            let sid = stable_sid("PN", &n.address);
            json!({
                "sid": sid,
                "account_sid": inner.config.account_sid,
                "friendly_name": n.friendly_name,
                "phone_number": n.address,
                "capabilities": { "voice": true, "sms": true, "mms": true, "fax": false },
                "status": "in-use",
                "date_created": rfc2822(1_600_000_000_000),
                "uri": format!("{base}/IncomingPhoneNumbers/{sid}.json"),
            })
        })
        .collect();
    let n = list.len();
    json!({
        "incoming_phone_numbers": list,
        "first_page_uri": format!("{path}?PageSize=50&Page=0"),
        "next_page_uri": null,
        "previous_page_uri": null,
        "page": 0,
        "page_size": 50,
        "start": 0,
        "end": n.saturating_sub(1),
        "uri": format!("{path}?PageSize=50&Page=0"),
    })
}

fn senders(inner: &Inner, query: &[(String, String)]) -> Value {
    let channel = get_param(query, "Channel").unwrap_or("whatsapp");
    let list: Vec<Value> = inner
        .config
        .numbers
        .iter()
        .filter(|n| n.is_whatsapp() && channel.eq_ignore_ascii_case("whatsapp"))
        .map(|n| {
            json!({
                "sid": stable_sid("XE", &n.address),
                "sender_id": n.address,
                "status": "ONLINE",
                "profile": { "name": inner.config.friendly_name },
            })
        })
        .collect();
    json!({
        "senders": list,
        "meta": {
            "page": 0,
            "page_size": 50,
            "first_page_url": "/v2/Channels/Senders?Channel=whatsapp&PageSize=50&Page=0",
            "previous_page_url": null,
            "url": "/v2/Channels/Senders?Channel=whatsapp&PageSize=50&Page=0",
            "next_page_url": null,
            "key": "senders",
        },
    })
}

fn all_templates(inner: &Inner) -> Vec<Template> {
    let mut all = inner.config.templates.clone();
    let extra = inner.read(|s| s.extra_templates.clone());
    all.retain(|t| !extra.iter().any(|e| e.sid == t.sid));
    all.extend(extra);
    all
}

fn content(inner: &Inner, with_approvals: bool) -> Value {
    let list: Vec<Value> = all_templates(inner)
        .iter()
        .map(|t| {
            let variables: serde_json::Map<String, Value> = t
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            let mut v = json!({
                "sid": t.sid,
                "account_sid": inner.config.account_sid,
                "friendly_name": t.friendly_name,
                "language": "en",
                "variables": variables,
                "types": { "twilio/text": { "body": t.body } },
                "date_created": rfc2822(1_600_000_000_000),
                "date_updated": rfc2822(1_600_000_000_000),
                "url": format!("https://content.twilio.com/v1/Content/{}", t.sid),
            });
            if with_approvals {
                v["approval_requests"] = json!({
                    "name": t.friendly_name,
                    "category": "UTILITY",
                    "content_type": "twilio/text",
                    "status": if t.approved { "approved" } else { "pending" },
                    "rejection_reason": "",
                });
            }
            v
        })
        .collect();
    let key = "contents";
    json!({
        "contents": list,
        "meta": {
            "page": 0, "page_size": 50, "first_page_url": null, "previous_page_url": null,
            "url": null, "next_page_url": null, "key": key,
        },
    })
}

pub(crate) fn render_message(account: &str, m: &MessageView) -> Value {
    let uri = format!("/{API}/Accounts/{account}/Messages/{}", m.sid);
    json!({
        "account_sid": account,
        "api_version": API,
        "body": m.body,
        "date_created": rfc2822(m.date_created),
        "date_sent": m.date_sent.map(rfc2822),
        "date_updated": rfc2822(m.date_updated),
        "direction": m.direction,
        "error_code": m.error_code,
        "error_message": m.error_code.map(error_text),
        "from": m.from,
        "messaging_service_sid": null,
        "num_media": m.media.len().to_string(),
        "num_segments": m.num_segments.to_string(),
        "price": if m.direction == "inbound" || m.status == "delivered" { Some("-0.00790") } else { None },
        "price_unit": "USD",
        "sid": m.sid,
        "status": m.status,
        "subresource_uris": {
            "media": format!("{uri}/Media.json"),
            "feedback": format!("{uri}/Feedback.json"),
        },
        "to": m.to,
        "uri": format!("{uri}.json"),
    })
}

/// Keyset page tokens: `PA` (after) or `PB` (before) + `{sort ms}_{seq}`.
fn parse_token(token: &str) -> Option<(bool, (i64, u64))> {
    let (after, rest) = if let Some(r) = token.strip_prefix("PA") {
        (true, r)
    } else {
        (false, token.strip_prefix("PB")?)
    };
    let (ms, seq) = rest.split_once('_')?;
    Some((after, (ms.parse().ok()?, seq.parse().ok()?)))
}

fn list(inner: &Inner, path: &str, query: &[(String, String)]) -> Result<Value, TwilioError> {
    let bad_date = |name: &str| TwilioError::bad(20001, format!("Invalid {name}"));
    let mut on = None;
    let mut before = None;
    let mut after = None;
    for (name, slot) in [
        ("DateSent", &mut on),
        ("DateSent<", &mut before),
        ("DateSent>", &mut after),
    ] {
        if let Some(v) = get_param(query, name) {
            *slot = Some(parse_day(v).ok_or_else(|| bad_date(name))?);
        }
    }
    let to = get_param(query, "To");
    let from = get_param(query, "From");
    let page_size = match get_param(query, "PageSize") {
        None => 50,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| TwilioError::bad(20001, "Invalid PageSize"))?
            .clamp(1, 1000),
    };
    let page: usize = match get_param(query, "Page") {
        None => 0,
        Some(v) => v
            .parse()
            .map_err(|_| TwilioError::bad(20001, "Invalid Page"))?,
    };
    let token = match get_param(query, "PageToken") {
        None => None,
        Some(t) => {
            Some(parse_token(t).ok_or_else(|| TwilioError::bad(20001, "Invalid PageToken"))?)
        }
    };
    let day_ms = 86_400_000;
    let mut views: Vec<MessageView> = inner
        .read(|s| s.views(now_ms(), inner.step_ms()))
        .into_iter()
        .filter(|m| to.is_none_or(|t| m.to == t) && from.is_none_or(|f| m.from == f))
        .filter(|m| {
            let any = on.is_some() || before.is_some() || after.is_some();
            let Some(sent) = m.date_sent else {
                return !any;
            };
            let day = sent.div_euclid(day_ms);
            on.is_none_or(|d| day == d)
                && after.is_none_or(|d| day >= d)
                && before.is_none_or(|d| day <= d)
        })
        .collect();
    views.sort_by_key(|m| std::cmp::Reverse((m.sort_ms(), m.seq)));
    let key = |m: &MessageView| (m.sort_ms(), m.seq);
    let slice: Vec<&MessageView> = match token {
        Some((true, k)) => views
            .iter()
            .filter(|m| key(m) < k)
            .take(page_size)
            .collect(),
        Some((false, k)) => {
            let newer: Vec<&MessageView> = views.iter().filter(|m| key(m) > k).collect();
            let skip = newer.len().saturating_sub(page_size);
            newer.into_iter().skip(skip).collect()
        }
        None => views
            .iter()
            .skip(page.saturating_mul(page_size))
            .take(page_size)
            .collect(),
    };
    let more = slice
        .last()
        .is_some_and(|last| views.iter().any(|m| key(m) < key(last)));
    let mut filters: Vec<(&str, String)> = Vec::new();
    for name in ["To", "From", "DateSent", "DateSent<", "DateSent>"] {
        if let Some(v) = get_param(query, name) {
            filters.push((name, v.to_owned()));
        }
    }
    filters.push(("PageSize", page_size.to_string()));
    let link = |page: usize, token: Option<String>| {
        let mut q = filters.clone();
        q.push(("Page", page.to_string()));
        if let Some(t) = token {
            q.push(("PageToken", t));
        }
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(&q).unwrap_or_default()
        )
    };
    let next = match (more, slice.last()) {
        (true, Some(last)) => Some(link(
            page + 1,
            Some(format!("PA{}_{}", last.sort_ms(), last.seq)),
        )),
        _ => None,
    };
    let previous = match (page, slice.first()) {
        (p, Some(first)) if p > 0 => Some(link(
            p - 1,
            Some(format!("PB{}_{}", first.sort_ms(), first.seq)),
        )),
        _ => None,
    };
    let start = page * page_size;
    let account = &inner.config.account_sid;
    Ok(json!({
        "messages": slice.iter().map(|m| render_message(account, m)).collect::<Vec<_>>(),
        "first_page_uri": link(0, None),
        "next_page_uri": next,
        "previous_page_uri": previous,
        "uri": link(page, get_param(query, "PageToken").map(str::to_owned)),
        "page": page,
        "page_size": page_size,
        "start": start,
        "end": (start + slice.len()).saturating_sub(1),
    }))
}

fn media(inner: &Inner, segs: &[&str], path: &str) -> Result<Response, TwilioError> {
    let msg_sid = segs.get(4).copied().unwrap_or("");
    let Some(msg) = inner.read(|s| s.find(msg_sid).cloned()) else {
        return Err(TwilioError::not_found(path));
    };
    let account = &inner.config.account_sid;
    let render = |m: &Media| {
        json!({
            "sid": m.sid,
            "account_sid": account,
            "parent_sid": msg.sid,
            "content_type": m.content_type,
            "date_created": rfc2822(msg.created),
            "date_updated": rfc2822(msg.created),
            "uri": format!("/{API}/Accounts/{account}/Messages/{}/Media/{}.json", msg.sid, m.sid),
        })
    };
    if let Some(me) = segs.get(6) {
        let me = me.trim_end_matches(".json");
        let m = msg
            .media
            .iter()
            .find(|m| m.sid == me)
            .ok_or_else(|| TwilioError::not_found(path))?;
        return Ok(Json(render(m)).into_response());
    }
    let list: Vec<Value> = msg.media.iter().map(render).collect();
    let n = list.len();
    Ok(Json(json!({
        "media_list": list,
        "first_page_uri": format!("{path}?PageSize=50&Page=0"),
        "next_page_uri": null,
        "previous_page_uri": null,
        "page": 0,
        "page_size": 50,
        "start": 0,
        "end": n.saturating_sub(1),
        "uri": format!("{path}?PageSize=50&Page=0"),
    }))
    .into_response())
}

fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

fn guess_content_type(url: &str) -> &'static str {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    match path.rsplit('.').next().unwrap_or("") {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        _ => "application/octet-stream",
    }
}

fn send(inner: &Inner, body: &[u8]) -> Result<(StatusCode, Value), TwilioError> {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| TwilioError::bad(20001, "Could not parse the request body"))?;
    let param = |name: &str| get_param(&form, name).filter(|v| !v.is_empty());
    let media_urls: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "MediaUrl")
        .map(|(_, v)| v.as_str())
        .collect();
    let config = &inner.config;
    let to =
        param("To").ok_or_else(|| TwilioError::bad(21604, "A 'To' phone number is required."))?;
    let from = match (param("From"), param("MessagingServiceSid")) {
        (Some(f), _) => f.to_owned(),
        (None, Some(mg)) => {
            if config.messaging_service_sid.as_deref() != Some(mg) {
                return Err(TwilioError::bad(
                    21701,
                    format!("The Messaging Service Sid {mg} is invalid."),
                ));
            }
            let to_whatsapp = to.starts_with("whatsapp:");
            config
                .numbers
                .iter()
                .find(|n| n.is_whatsapp() == to_whatsapp)
                .map(|n| n.address.clone())
                .ok_or_else(|| {
                    TwilioError::bad(21704, "The Messaging Service contains no phone numbers")
                })?
        }
        (None, None) => {
            return Err(TwilioError::bad(
                21603,
                "A 'From' phone number is required.",
            ));
        }
    };
    let content_sid = param("ContentSid");
    let text = param("Body");
    if content_sid.is_none() && param("ContentVariables").is_some() {
        return Err(TwilioError::bad(
            21654,
            "A ContentSid must be specified if ContentVariables are provided in the request.",
        ));
    }
    if content_sid.is_none() && text.is_none() && media_urls.is_empty() {
        return Err(TwilioError::bad(21602, "Message body is required."));
    }
    if let Some(t) = text
        && t.chars().count() > MAX_BODY_CHARS
    {
        return Err(TwilioError::bad(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ));
    }
    let to_wa = to.starts_with("whatsapp:");
    let from_wa = from.starts_with("whatsapp:");
    if to_wa != from_wa {
        return Err(TwilioError::bad(
            21910,
            "Invalid From and To pair. From and To should be of the same channel.",
        ));
    }
    if !is_e164(to.trim_start_matches("whatsapp:")) {
        return Err(TwilioError::bad(
            21211,
            format!("The 'To' number {to} is not a valid phone number."),
        ));
    }
    if !inner.owns(&from) {
        return Err(if from_wa {
            TwilioError::bad(
                63007,
                "Twilio could not find a Channel with the specified From address",
            )
        } else {
            TwilioError::bad(
                21606,
                format!(
                    "The From phone number {from} is not a valid, SMS-capable inbound phone number or short code for your account."
                ),
            )
        });
    }
    let template = match content_sid {
        None => None,
        Some(sid) => Some(
            all_templates(inner)
                .into_iter()
                .find(|t| t.sid == sid)
                .ok_or_else(|| TwilioError::bad(21655, "The ContentSid is Invalid."))?,
        ),
    };
    let body_text = match &template {
        Some(t) => {
            let vars: serde_json::Map<String, Value> = match param("ContentVariables") {
                None => serde_json::Map::new(),
                Some(v) => serde_json::from_str(v).map_err(|_| {
                    TwilioError::bad(21656, "The ContentVariables Parameter is invalid.")
                })?,
            };
            let mut out = t.body.clone();
            for (key, _) in &t.variables {
                let value = vars.get(key).and_then(Value::as_str).ok_or_else(|| {
                    TwilioError::bad(21656, "The ContentVariables Parameter is invalid.")
                })?;
                out = out.replace(&format!("{{{{{key}}}}}"), value);
            }
            out
        }
        None => text.unwrap_or("").to_owned(),
    };
    let now = now_ms();
    if !from_wa && inner.read(|s| s.is_opted_out(to, &from)) {
        return Err(TwilioError::bad(
            21610,
            "Attempt to send to unsubscribed recipient",
        ));
    }
    let mut outcome = Outcome::Delivered;
    let approved_template = template.as_ref().is_some_and(|t| t.approved);
    if from_wa && !approved_template {
        let last = inner.read(|s| s.last_inbound(to, &from));
        let open = last.is_some_and(|t| now - t <= WINDOW_MS);
        if !open {
            if config.async_window_errors {
                outcome = Outcome::Failed { code: 63016 };
            } else {
                return Err(TwilioError::bad(63016, error_text(63016)));
            }
        }
    }
    let media = media_urls
        .iter()
        .map(|u| Media {
            sid: random_sid("ME"),
            content_type: guess_content_type(u).to_owned(),
            bytes: Vec::new(),
        })
        .collect();
    let account = config.account_sid.clone();
    let step = inner.step_ms();
    let view = inner.mutate(|s| {
        let sid = s.create_outbound(NewOutbound {
            from: &from,
            to,
            body: &body_text,
            media,
            direction: "outbound-api",
            at: now,
            outcome,
            via_api: true,
        });
        s.view_of(&sid, now, step)
    });
    let view =
        view.ok_or_else(|| TwilioError::new(500, 20500, "An internal server error has occurred"))?;
    Ok((StatusCode::CREATED, render_message(&account, &view)))
}

// ---- control API ----

fn ok() -> Response {
    Json(json!({ "ok": true })).into_response()
}

fn control_err(e: &super::FakeTwilioError) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": e.to_string() })),
    )
        .into_response()
}

#[derive(Deserialize)]
struct InboundRequest {
    from: String,
    to: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    photo: bool,
    /// Unix seconds.
    date_sent: Option<i64>,
}

async fn control_inbound(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<InboundRequest>,
) -> Response {
    let media = if r.photo {
        vec![InboundMedia::photo()]
    } else {
        Vec::new()
    };
    match inner.inject_inbound(&r.from, &r.to, &r.body, media, r.date_sent) {
        Ok(sid) => Json(json!({ "sid": sid })).into_response(),
        Err(e) => control_err(&e),
    }
}

#[derive(Deserialize)]
struct OutboundRequest {
    from: String,
    to: String,
    body: String,
    date_sent: Option<i64>,
}

async fn control_outbound(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<OutboundRequest>,
) -> Response {
    match inner.inject_outbound(&r.from, &r.to, &r.body, r.date_sent) {
        Ok(sid) => Json(json!({ "sid": sid })).into_response(),
        Err(e) => control_err(&e),
    }
}

#[derive(Deserialize)]
struct OptOutRequest {
    customer: String,
    number: String,
    #[serde(default = "yes")]
    opted_out: bool,
}

fn yes() -> bool {
    true
}

async fn control_opt_out(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<OptOutRequest>,
) -> Response {
    inner.mutate(|s| s.set_opt_out(&r.customer, &r.number, r.opted_out));
    ok()
}

#[derive(Deserialize)]
struct StatusRequest {
    sid: String,
    status: String,
    error_code: Option<i64>,
}

async fn control_status(
    AxState(inner): AxState<Arc<Inner>>,
    Json(r): Json<StatusRequest>,
) -> Response {
    let now = now_ms();
    if inner.mutate(|s| s.override_status(&r.sid, &r.status, r.error_code, now)) {
        ok()
    } else {
        control_err(&super::FakeTwilioError::UnknownMessage(r.sid))
    }
}

async fn control_template(
    AxState(inner): AxState<Arc<Inner>>,
    Json(t): Json<Template>,
) -> Response {
    inner.mutate(|s| {
        s.extra_templates.retain(|e| e.sid != t.sid);
        s.extra_templates.push(t);
    });
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

async fn control_messages(AxState(inner): AxState<Arc<Inner>>) -> Response {
    let account = inner.config.account_sid.clone();
    let views = inner.read(|s| s.views(now_ms(), inner.step_ms()));
    Json(
        views
            .iter()
            .map(|m| render_message(&account, m))
            .collect::<Vec<_>>(),
    )
    .into_response()
}

/// Requests with their time in milliseconds since the first one.
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
            json!({ "op": r.op, "method": r.method, "target": r.target, "authorized": r.authorized, "ms": ms })
        })
        .collect();
    Json(rows).into_response()
}
