//! The fuzzing suite's way into the adapter's private JSON decoding (`fuzz/`, the `twilio_json`
//! target): an answer body read as every shape Parley asks Twilio for, mapped as the adapter
//! maps it (messages, delivery statuses, STOP/START, media, templates), and read as an error
//! answer. Not used by the app.

use super::API;
use super::delivery::DeliveryUpdate;
use super::threads::{address_for_thread, opt_out_keyword};
use super::{fetch, wire};
use crate::http::Effect;
use serde_json::Value;
use std::hint::black_box;
use std::time::Duration;

/// Reads `body` as Twilio answers (a message list, one message, a media list, the template list,
/// the account, its numbers and WhatsApp senders) and as an error answer under several statuses.
/// Never panics, whatever the body.
pub fn decode_answers(body: &[u8]) {
    for status in [400, 401, 429, 503] {
        let retry = Some(Duration::from_secs(3));
        black_box(
            wire::map_error(status, body, retry, "the fuzzed call", Effect::Write).to_string(),
        );
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let mut messages = Vec::new();
    if let Ok(list) = API.decode::<wire::MessageList>(v.clone(), "list", Effect::Read) {
        black_box(list.next_page_uri);
        messages = list.messages;
    }
    if let Ok(m) = API.decode::<wire::Message>(v.clone(), "message", Effect::Write) {
        messages.push(m);
    }
    for m in &messages {
        black_box(m.num_media());
        let Some(at) = m.time() else { continue };
        let updated = m.date_updated.as_deref().and_then(wire::parse_rfc2822);
        let update = DeliveryUpdate {
            remote_id: m.sid.clone(),
            status: m.status.clone(),
            error_code: m.error_code(),
            at: updated.unwrap_or(at),
        };
        black_box((update.is_failure(), update.to_domain()));
        let msg = fetch::incoming(m, at, Vec::new());
        black_box(address_for_thread(&msg.remote_thread_id));
        black_box(m.body.as_deref().and_then(opt_out_keyword));
        black_box(wire::day_string(at));
    }
    if let Ok(media) = API.decode::<wire::MediaList>(v.clone(), "media", Effect::Read) {
        for x in &media.media_list {
            black_box(wire::attachment_kind(x.content_type.as_deref()));
            black_box(x.content_type.as_deref().map(wire::extension));
        }
    }
    if let Ok(list) = API.decode::<wire::ContentList>(v.clone(), "templates", Effect::Read) {
        for c in &list.contents {
            black_box(c.body());
        }
    }
    black_box(
        API.decode::<wire::Account>(v.clone(), "account", Effect::Read)
            .is_ok(),
    );
    black_box(
        API.decode::<wire::NumberList>(v.clone(), "numbers", Effect::Read)
            .is_ok(),
    );
    black_box(
        API.decode::<wire::SenderList>(v, "senders", Effect::Read)
            .is_ok(),
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_a_documented_answer_and_survives_garbage() {
        super::decode_answers(
            br#"{"messages":[{"sid":"SM1","from":"+15550001","to":"+15550002","body":"STOP",
            "direction":"inbound","status":"received","date_sent":"Tue, 02 Jan 2024 03:04:05 +0000",
            "num_media":"1","error_code":null}],"next_page_uri":null}"#,
        );
        super::decode_answers(br#"{"code":20429,"message":"slow"}"#);
        super::decode_answers(b"\xff\x00[");
    }
}
