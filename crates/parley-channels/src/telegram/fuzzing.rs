//! The fuzzing suite's way into the adapter's private JSON decoding (`fuzz/`, the
//! `telegram_json` target): an answer body read as every shape Parley asks Telegram for, and
//! mapped as the adapter maps it. Not used by the app.

use super::wire;
use crate::http::Effect;
use std::hint::black_box;

/// Reads `body` as each Telegram answer Parley decodes (`getUpdates`, `sendMessage`, `getMe`,
/// `getUserProfilePhotos`, `getFile`), with the statuses that take different paths, and maps
/// what decodes. Never panics, whatever the body.
pub fn decode_answers(body: &[u8]) {
    for status in [200, 400, 429, 502] {
        if let Ok(updates) =
            wire::decode::<Vec<wire::Update>>("getUpdates", status, body, Effect::Read)
        {
            black_box(wire::to_batch(updates));
        }
        if let Ok(m) = wire::decode::<wire::Message>("sendMessage", status, body, Effect::Write) {
            let id = wire::remote_id(m.chat.id, m.message_id);
            black_box(wire::message_id_of(&id));
        }
        if let Ok(me) = wire::decode::<wire::User>("getMe", status, body, Effect::Read) {
            black_box(me.display_name());
        }
        if let Ok(p) = wire::decode::<wire::UserProfilePhotos>(
            "getUserProfilePhotos",
            status,
            body,
            Effect::Read,
        ) {
            black_box(p.avatar_file_id());
        }
        let file = wire::decode::<wire::File>("getFile", status, body, Effect::Read);
        let _ = black_box(file.map(|f| f.file_path).map_err(|e| e.to_string()));
    }
    black_box(wire::message_id_of(&String::from_utf8_lossy(body)));
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_a_documented_answer_and_survives_garbage() {
        super::decode_answers(
            br#"{"ok":true,"result":[{"update_id":1,"message":{"message_id":5,"date":1700000000,
            "chat":{"id":42,"type":"private","first_name":"Ana"},"from":{"id":42,"is_bot":false,
            "first_name":"Ana"},"text":"hi"}}]}"#,
        );
        super::decode_answers(
            b"{\"ok\":false,\"error_code\":429,\"parameters\":{\"retry_after\":1e400}}",
        );
        super::decode_answers(b"\xff\x00[");
    }
}
