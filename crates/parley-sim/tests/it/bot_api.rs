#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common;
use common::{call, client, fake, update_ids};
use parley_sim::{FakeTelegram, FakeTelegramConfig, InboundContent};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn envelope_get_me_401_and_404() {
    let fake = fake().await;
    let me: Value = client()
        .get(fake.method_url("getMe"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["ok"], true);
    assert_eq!(me["result"]["is_bot"], true);
    assert_eq!(me["result"]["username"], "parley_test_bot");
    assert_eq!(me["result"]["can_join_groups"], true);
    assert!(
        me["result"].get("last_name").is_none(),
        "absent fields are omitted, not null"
    );

    // Method names are case-insensitive on the real API.
    let (status, _) = call(&fake, "GETME", json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let wrong = format!("{}/bot123:wrong/getMe", fake.base_url());
    let response = client().post(wrong).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
    );

    let (status, body) = call(&fake, "sendCarrierPigeon", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 404, "description": "Not Found"})
    );
}

#[tokio::test]
async fn offsets_confirm_and_forget() {
    let fake = fake().await;
    let maria = fake.customer("María", Some("García"), None);
    for text in ["one", "two", "three"] {
        fake.inject_text(&maria, text).unwrap();
    }
    let (_, all) = call(&fake, "getUpdates", json!({})).await;
    let ids = update_ids(&all);
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1));
    assert_eq!(all["result"][0]["message"]["text"], "one");
    assert_eq!(all["result"][0]["message"]["chat"]["type"], "private");
    assert_eq!(all["result"][0]["message"]["from"]["is_bot"], false);

    // Nothing is confirmed without a higher offset: asking again repeats everything.
    let (_, again) = call(&fake, "getUpdates", json!({"limit": 2})).await;
    assert_eq!(update_ids(&again), ids[..2]);

    // Form-encoded parameters, as many clients send them.
    let form: Value = client()
        .post(fake.method_url("getUpdates"))
        .form(&[("offset", (ids[2]).to_string())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(update_ids(&form), vec![ids[2]]);
    let (_, after) = call(&fake, "getUpdates", json!({})).await;
    assert_eq!(
        update_ids(&after),
        vec![ids[2]],
        "confirmed updates never come back"
    );
    assert_eq!(fake.pending_updates(), 1);

    // Negative offset keeps only the last N and forgets the rest.
    fake.inject_text(&maria, "four").unwrap();
    fake.inject_text(&maria, "five").unwrap();
    let query: Value = client()
        .get(format!("{}?offset=-1", fake.method_url("getUpdates")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(query["result"][0]["message"]["text"], "five");
    let (_, rest) = call(&fake, "getUpdates", json!({})).await;
    assert_eq!(update_ids(&rest).len(), 1);

    let last = update_ids(&rest)[0];
    let (_, empty) = call(&fake, "getUpdates", json!({"offset": last + 1})).await;
    assert_eq!(empty["result"], json!([]));
    assert_eq!(fake.pending_updates(), 0);
}

#[tokio::test]
async fn long_poll_wakes_on_inject_and_times_out_empty() {
    let fake = Arc::new(fake().await);
    let olu = fake.customer("Olusegun", Some("Adebayo"), Some("segun_a"));
    let poller = {
        let fake = Arc::clone(&fake);
        tokio::spawn(async move {
            let answer = call(&fake, "getUpdates", json!({"timeout": 5})).await;
            (answer, Instant::now())
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let injected_at = Instant::now();
    fake.inject_text(&olu, "hello?").unwrap();
    let ((status, body), answered_at) = poller.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"][0]["message"]["text"], "hello?");
    assert!(answered_at - injected_at < Duration::from_millis(150));

    let last = update_ids(&body)[0];
    let started = Instant::now();
    let (_, empty) = call(
        &fake,
        "getUpdates",
        json!({"offset": last + 1, "timeout": 1}),
    )
    .await;
    let held = started.elapsed();
    assert_eq!(empty["result"], json!([]));
    assert!(
        held >= Duration::from_millis(950) && held < Duration::from_secs(2),
        "{held:?}"
    );
}

#[tokio::test]
async fn long_poll_cap_shortens_the_hold() {
    let config = FakeTelegramConfig {
        long_poll_cap: Some(Duration::from_millis(200)),
        ..FakeTelegramConfig::default()
    };
    let fake = FakeTelegram::start(config).await.unwrap();
    let started = Instant::now();
    let (_, empty) = call(&fake, "getUpdates", json!({"timeout": 50})).await;
    assert_eq!(empty["result"], json!([]));
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn second_poller_and_webhook_conflicts() {
    let fake = Arc::new(fake().await);
    let first = {
        let fake = Arc::clone(&fake);
        tokio::spawn(async move { call(&fake, "getUpdates", json!({"timeout": 5})).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = {
        let fake = Arc::clone(&fake);
        tokio::spawn(async move { call(&fake, "getUpdates", json!({"timeout": 1})).await })
    };
    let (status, body) = tokio::time::timeout(Duration::from_millis(500), first)
        .await
        .expect("old poller is terminated at once")
        .unwrap();
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error_code"], 409);
    assert_eq!(
        body["description"],
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    );
    let (status, _) = second.await.unwrap();
    assert_eq!(status, StatusCode::OK);

    fake.set_webhook(true);
    let (status, body) = call(&fake, "getUpdates", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["description"],
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    );
    let (_, deleted) = call(&fake, "deleteWebhook", json!({})).await;
    assert_eq!(
        deleted,
        json!({"ok": true, "result": true, "description": "Webhook was deleted"})
    );
    let (status, _) = call(&fake, "getUpdates", json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = call(
        &fake,
        "setWebhook",
        json!({"url": "http://insecure.example"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, set) = call(
        &fake,
        "setWebhook",
        json!({"url": "https://hook.example/x"}),
    )
    .await;
    assert_eq!(set["description"], "Webhook was set");
    let (_, info) = call(&fake, "getWebhookInfo", json!({})).await;
    assert_eq!(info["result"]["url"], "https://hook.example/x");
}

#[tokio::test]
async fn send_message_validations_and_replies() {
    let fake = fake().await;
    let anna = fake.customer("Anna", Some("Müller"), None);
    let inbound = fake.inject_text(&anna, "Kann ich zurückgeben?").unwrap();
    assert_eq!(inbound.message_id, 1);

    let expect_error = |body: &Value, code: i64, description: &str| {
        assert_eq!(body["ok"], false);
        assert_eq!(body["error_code"], code);
        assert_eq!(body["description"], description);
    };
    let (status, body) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": anna.id, "text": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    expect_error(&body, 400, "Bad Request: message text is empty");
    let (_, body) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": anna.id, "text": "  \n "}),
    )
    .await;
    expect_error(&body, 400, "Bad Request: message text is empty");
    let (_, body) = call(&fake, "sendMessage", json!({"chat_id": anna.id})).await;
    expect_error(&body, 400, "Bad Request: message text is empty");
    let long = "a".repeat(4097);
    let (_, body) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": anna.id, "text": long}),
    )
    .await;
    expect_error(&body, 400, "Bad Request: message is too long");
    // The limit counts characters, not bytes.
    let (status, _) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": anna.id, "text": "ü".repeat(4096)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(&fake, "sendMessage", json!({"chat_id": 42, "text": "hi"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    expect_error(&body, 400, "Bad Request: chat not found");
    let (_, body) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": "@anna", "text": "hi"}),
    )
    .await;
    expect_error(&body, 400, "Bad Request: chat not found");

    // chat_id as a string, reply_parameters as an object.
    let (status, body) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": anna.id.to_string(), "text": "Ja, natürlich!", "parse_mode": "HTML",
               "reply_parameters": {"message_id": inbound.message_id}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let sent = &body["result"];
    assert_eq!(
        sent["message_id"], 3,
        "ids are per chat and shared with inbound messages"
    );
    assert_eq!(sent["from"]["is_bot"], true);
    assert_eq!(sent["chat"]["id"], anna.id);
    assert_eq!(sent["text"], "Ja, natürlich!");
    assert_eq!(sent["reply_to_message"]["message_id"], 1);
    assert_eq!(sent["reply_to_message"]["text"], "Kann ich zurückgeben?");
    assert!(sent["date"].as_i64().unwrap() > 1_700_000_000);

    // Form body: legacy reply_to_message_id and reply_parameters as JSON text.
    let form: Value = client()
        .post(fake.method_url("sendMessage"))
        .form(&[
            ("chat_id", anna.id.to_string()),
            ("text", "ok".into()),
            ("reply_to_message_id", "1".into()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(form["result"]["reply_to_message"]["message_id"], 1);
    let form: Value = client()
        .post(fake.method_url("sendMessage"))
        .form(&[
            ("chat_id", anna.id.to_string()),
            ("text", "ok".into()),
            ("reply_parameters", r#"{"message_id":999}"#.into()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        form["description"],
        "Bad Request: message to be replied not found"
    );
    let (status, body) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": anna.id, "text": "x", "reply_parameters": {"message_id": 999, "allow_sending_without_reply": true}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["result"].get("reply_to_message").is_none());

    let next = fake.inject_text(&anna, "Danke").unwrap();
    assert_eq!(next.message_id, 6);

    fake.block(&anna).unwrap();
    let (status, body) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": anna.id, "text": "hello?"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    expect_error(&body, 403, "Forbidden: bot was blocked by the user");

    let sent = fake.sent_messages();
    assert_eq!(sent.len(), 4, "only sends that took effect are recorded");
    assert_eq!(sent[1].reply_to, Some(1));
    assert_eq!(sent[1].text, "Ja, natürlich!");
}

/// GETs `url` with an optional bearer secret and `Host`, and returns the status.
async fn status_of(url: &str, secret: Option<&str>, host: Option<String>) -> StatusCode {
    let mut request = client().get(url);
    if let Some(secret) = secret {
        request = request.bearer_auth(secret);
    }
    if let Some(host) = host {
        request = request.header(reqwest::header::HOST, host);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn the_control_api_needs_the_secret_and_every_request_the_loopback_host() {
    const SECRET: &str = "0123456789abcdef";
    let fake = FakeTelegram::start(FakeTelegramConfig {
        control_secret: Some(SECRET.into()),
        ..FakeTelegramConfig::default()
    })
    .await
    .unwrap();
    let sent = format!("{}/control/sent", fake.base_url());
    for (secret, expected) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some("0123456789abcdeX"), StatusCode::UNAUTHORIZED),
        (Some(SECRET), StatusCode::OK),
    ] {
        assert_eq!(status_of(&sent, secret, None).await, expected, "{secret:?}");
    }
    // The Bot API itself needs no control secret: the adapter talks to it as to Telegram.
    assert_eq!(
        status_of(&fake.method_url("getMe"), None, None).await,
        StatusCode::OK
    );
    // A page that points a name of its own at 127.0.0.1 (DNS rebinding) sends that name as
    // Host: refused, the Bot API and the control API alike, even with the secret.
    let port = fake.base_url().rsplit(':').next().unwrap().to_owned();
    for url in [fake.method_url("getMe"), sent.clone()] {
        let rebound = Some(format!("rebind.example:{port}"));
        assert_eq!(
            status_of(&url, Some(SECRET), rebound).await,
            StatusCode::FORBIDDEN,
            "{url}"
        );
    }
    let localhost = sent.replace("127.0.0.1", "localhost");
    assert_eq!(
        status_of(&localhost, Some(SECRET), None).await,
        StatusCode::OK
    );

    // Without a secret (the tests' own fakes) the control API is open.
    let open = common::fake().await;
    let open_sent = format!("{}/control/sent", open.base_url());
    assert_eq!(status_of(&open_sent, None, None).await, StatusCode::OK);
}

#[tokio::test]
async fn every_send_is_counted_beyond_the_capped_log() {
    let fake = fake().await;
    let ada = fake.customer("Ada", None, None);
    fake.inject_text(&ada, "hi").unwrap();
    for i in 0..450 {
        let (status, _) = call(
            &fake,
            "sendMessage",
            json!({"chat_id": ada.id, "text": format!("reply {i}")}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    call(
        &fake,
        "sendMessage",
        json!({"chat_id": ada.id, "text": "reply 0"}),
    )
    .await;
    let log = fake.sent_messages();
    assert!(log.len() < 451, "the control API's log is capped");
    assert!(
        !log.iter().any(|r| r.text == "reply 1"),
        "the oldest fell out"
    );
    let counts = fake.sent_counts();
    assert_eq!(counts.len(), 450);
    assert_eq!(counts["reply 0"], 2);
    assert_eq!(counts["reply 1"], 1);
    assert_eq!(counts.values().sum::<u64>(), 451);
}

#[tokio::test]
async fn files_media_and_edits() {
    let fake = fake().await;
    let kenji = fake.customer("Kenji", Some("Watanabe"), Some("kenji_w"));
    let pdf = b"%PDF-1.4 invoice".to_vec();
    let doc = fake
        .inject_message(
            &kenji,
            InboundContent::Document {
                file_name: "invoice-1041.pdf".into(),
                mime_type: "application/pdf".into(),
                bytes: pdf.clone(),
            },
        )
        .unwrap();
    let photo = fake
        .inject_message(
            &kenji,
            InboundContent::Photo {
                caption: Some("broken".into()),
            },
        )
        .unwrap();
    fake.inject_message(
        &kenji,
        InboundContent::Location {
            lat: 35.6,
            lon: 139.7,
        },
    )
    .unwrap();
    fake.inject_message(
        &kenji,
        InboundContent::Sticker {
            emoji: "🙏".into()
        },
    )
    .unwrap();
    fake.inject_message(&kenji, InboundContent::Voice { duration: 4 })
        .unwrap();
    fake.inject_message(
        &kenji,
        InboundContent::Contact {
            phone: "+81 90".into(),
            first_name: "Kenji".into(),
        },
    )
    .unwrap();
    let text = fake.inject_text(&kenji, "typo").unwrap();
    let edited = fake.inject_edit(&kenji, text.message_id, "fixed").unwrap();
    assert!(edited.edit_date.is_some());

    let (_, updates) = call(&fake, "getUpdates", json!({})).await;
    let r = updates["result"].as_array().unwrap();
    assert_eq!(r.len(), 8);
    assert_eq!(r[0]["message"]["document"]["file_name"], "invoice-1041.pdf");
    assert_eq!(r[1]["message"]["photo"].as_array().unwrap().len(), 2);
    assert_eq!(r[1]["message"]["caption"], "broken");
    assert_eq!(r[2]["message"]["location"]["latitude"], 35.6);
    assert_eq!(r[3]["message"]["sticker"]["type"], "regular");
    assert_eq!(r[3]["message"]["sticker"]["emoji"], "🙏");
    assert_eq!(r[4]["message"]["voice"]["duration"], 4);
    assert_eq!(r[5]["message"]["contact"]["phone_number"], "+81 90");
    assert_eq!(r[7]["edited_message"]["text"], "fixed");
    assert_eq!(r[7]["edited_message"]["message_id"], text.message_id);
    assert!(r[7].get("message").is_none());

    let file_id = doc.document.as_ref().unwrap().file_id.clone();
    let (status, file) = call(&fake, "getFile", json!({"file_id": file_id})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file["result"]["file_size"], pdf.len());
    let path = file["result"]["file_path"].as_str().unwrap();
    let url = format!("{}/file/bot{}/{path}", fake.base_url(), fake.token());
    let bytes = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), pdf.as_slice());

    let largest = photo
        .photo
        .as_ref()
        .unwrap()
        .last()
        .unwrap()
        .file_id
        .clone();
    let (_, file) = call(&fake, "getFile", json!({"file_id": largest})).await;
    let path = file["result"]["file_path"].as_str().unwrap();
    let url = format!("{}/file/bot{}/{path}", fake.base_url(), fake.token());
    let bytes = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "a real JPEG");

    let (status, body) = call(&fake, "getFile", json!({"file_id": "nope"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["description"], "Bad Request: invalid file_id");
}

#[tokio::test]
async fn allowed_updates_filters_later_updates() {
    let fake = fake().await;
    let c = fake.customer("Sophie", Some("Martin"), None);
    let m = fake.inject_text(&c, "Bonjour").unwrap();
    let (_, first) = call(
        &fake,
        "getUpdates",
        json!({"allowed_updates": ["edited_message"]}),
    )
    .await;
    assert_eq!(
        update_ids(&first).len(),
        1,
        "already queued updates still come"
    );
    let next = update_ids(&first)[0] + 1;
    fake.inject_text(&c, "filtered").unwrap();
    fake.inject_edit(&c, m.message_id, "Bonsoir").unwrap();
    let (_, second) = call(&fake, "getUpdates", json!({"offset": next})).await;
    let r = second["result"].as_array().unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["edited_message"]["text"], "Bonsoir");
}

#[tokio::test]
async fn expired_updates_are_dropped() {
    let config = FakeTelegramConfig {
        update_retention: Duration::ZERO,
        ..FakeTelegramConfig::default()
    };
    let fake = FakeTelegram::start(config).await.unwrap();
    let c = fake.customer("Tomás", None, None);
    fake.inject_text(&c, "too old by the time anyone asks")
        .unwrap();
    let (_, body) = call(&fake, "getUpdates", json!({})).await;
    assert_eq!(body["result"], json!([]));
    assert_eq!(fake.pending_updates(), 0);
}
