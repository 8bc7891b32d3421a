//! The fuzzing suite's way into the adapter's private JSON decoding (`fuzz/`, the `graph_json`
//! target): an answer body read as every shape Parley asks the Graph API for, mapped as the
//! adapter maps it, and read as an error answer and as the usage headers. Not used by the app.

use super::API;
use super::wire;
use crate::http::Effect;
use parley_domain::RemotePerson;
use serde_json::Value;
use std::hint::black_box;

/// Reads `body` as Graph answers (a conversation list with its inline messages, a message page,
/// the Page, a token check, a send result, a profile), an error envelope under several statuses,
/// and the `X-App-Usage`/`X-Business-Use-Case-Usage` headers. Never panics, whatever the body.
pub fn decode_answers(body: &[u8]) {
    let usage = || {
        let text = std::str::from_utf8(body).ok();
        wire::parse_usage(text, text)
    };
    for status in [400, 401, 500] {
        black_box(
            wire::map_error(status, body, usage(), "the fuzzed call", Effect::Write).to_string(),
        );
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    black_box(wire::parse_time(&v));
    let page = RemotePerson {
        remote_id: "page-1".into(),
        display_name: "The Shop".into(),
        handle: None,
    };
    let self_ids = vec!["page-1".to_owned(), "ig-1".to_owned()];
    if let Ok(list) = API.decode::<wire::Page<wire::Conversation>>(v.clone(), "list", Effect::Read)
    {
        black_box((list.next(), list.after()));
        for conv in &list.data {
            black_box(wire::parse_time(&conv.updated_time));
            let customer = conv
                .participants
                .as_ref()
                .and_then(|p| p.data.iter().find(|x| !self_ids.contains(&x.id)))
                .map(wire::Participant::person)
                .unwrap_or_else(|| page.clone());
            let ctx = wire::Context {
                conversation_id: &conv.id,
                customer: &customer,
                self_ids: &self_ids,
                page: &page,
            };
            for m in conv.messages.iter().flat_map(|p| &p.data) {
                black_box(wire::incoming(m, &ctx));
            }
        }
    }
    if let Ok(p) = API.decode::<wire::Page<wire::Message>>(v.clone(), "messages", Effect::Read) {
        let ctx = wire::Context {
            conversation_id: "t_1",
            customer: &page,
            self_ids: &self_ids,
            page: &page,
        };
        for m in &p.data {
            black_box(wire::incoming(m, &ctx));
            for a in m.attachments.iter().flat_map(|p| &p.data) {
                black_box(a.url());
            }
        }
    }
    if let Ok(m) = API.decode::<wire::Message>(v.clone(), "message", Effect::Read) {
        black_box(m.attachments.map(|p| p.data.len()));
    }
    black_box(
        API.decode::<wire::PageInfo>(v.clone(), "page", Effect::Read)
            .is_ok(),
    );
    black_box(
        API.decode::<wire::DebugToken>(v.clone(), "token", Effect::Read)
            .is_ok(),
    );
    black_box(
        API.decode::<wire::SendResult>(v.clone(), "send", Effect::Write)
            .is_ok(),
    );
    black_box(
        API.decode::<wire::Profile>(v, "profile", Effect::Read)
            .is_ok(),
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_a_documented_answer_and_survives_garbage() {
        super::decode_answers(
            br#"{"data":[{"id":"t_1","updated_time":"2024-01-02T03:04:05+0000",
            "participants":{"data":[{"id":"u1","name":"Ana"},{"id":"page-1"}]},
            "messages":{"data":[{"id":"m1","created_time":"2024-01-02T03:04:05+0000",
            "from":{"id":"u1"},"message":"hi","attachments":{"data":[{"image_data":
            {"url":"https://x/y","width":1,"height":2}}]}}]}}],"paging":{"next":"n"}}"#,
        );
        super::decode_answers(br#"{"error":{"code":4,"message":"slow"}}"#);
        super::decode_answers(b"\xff\x00[");
    }
}
