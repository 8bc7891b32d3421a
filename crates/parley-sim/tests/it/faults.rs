#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::time::Duration;

use crate::common::{call, client, fake};
use parley_sim::Fault;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn envelope_faults() {
    let fake = fake().await;
    fake.inject_fault("sendMessage", Fault::RateLimited { retry_after: 7 }, 2);
    let c = fake.customer("Priya", Some("Natarajan"), None);
    for _ in 0..2 {
        let (status, body) =
            call(&fake, "sendMessage", json!({"chat_id": c.id, "text": "hi"})).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            body,
            json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 7",
                   "parameters": {"retry_after": 7}})
        );
    }
    let (status, _) = call(&fake, "sendMessage", json!({"chat_id": c.id, "text": "hi"})).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the fault is used up after `times` calls"
    );
    assert_eq!(fake.sent_messages().len(), 1);

    fake.inject_fault("*", Fault::ServerError { status: 500 }, 1);
    let (status, body) = call(&fake, "getMe", json!({})).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["error_code"], 500);

    fake.inject_fault("getme", Fault::Unauthorized, 1);
    let (status, body) = call(&fake, "getMe", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["description"], "Unauthorized");

    fake.inject_fault("getUpdates", Fault::Conflict, 1);
    let (status, body) = call(&fake, "getUpdates", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .contains("webhook is active")
    );

    // Faults on other methods do not leak.
    fake.inject_fault("getFile", Fault::Unauthorized, 1);
    let (status, _) = call(&fake, "getMe", json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn body_faults() {
    let fake = fake().await;
    fake.inject_fault("getMe", Fault::ServerError { status: 502 }, 1);
    let response = client().get(fake.method_url("getMe")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let text = response.text().await.unwrap();
    assert!(text.contains("502 Bad Gateway") && text.starts_with("<html>"));

    fake.inject_fault("getMe", Fault::MalformedJson, 1);
    let response = client().get(fake.method_url("getMe")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.json::<Value>().await.is_err());

    fake.inject_fault("getUpdates", Fault::TruncatedJson, 1);
    let response = client()
        .get(fake.method_url("getUpdates"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.starts_with(r#"{"ok":true,"result":["#));
    assert!(serde_json::from_str::<Value>(&text).unwrap_err().is_eof());
}

#[tokio::test]
async fn hang_lets_the_client_timeout_fire() {
    let fake = fake().await;
    fake.inject_fault("getMe", Fault::Hang { secs: 5.0 }, 1);
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = quick
        .get(fake.method_url("getMe"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    let (status, _) = call(&fake, "getMe", json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn accept_then_drop_sends_but_loses_the_answer() {
    let fake = fake().await;
    let c = fake.customer("Tomás", Some("Novák"), None);
    fake.inject_fault("sendMessage", Fault::AcceptThenDrop, 1);
    let err = client()
        .post(fake.method_url("sendMessage"))
        .json(&json!({"chat_id": c.id, "text": "Refund issued"}))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
    let sent = fake.sent_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "Refund issued");

    // The retry is a second, distinct message: the client must decide whether to risk it.
    let (_, body) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": c.id, "text": "Refund issued"}),
    )
    .await;
    assert_eq!(body["result"]["message_id"], 2);
}

#[tokio::test]
async fn control_http_face() {
    let fake = fake().await;
    let http = client();
    let base = fake.base_url();
    let customer: Value = http
        .post(format!("{base}/control/customers"))
        .json(&json!({"first_name": "李伟", "username": "liwei_sh"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chat_id = customer["id"].as_i64().unwrap();
    assert!(
        chat_id > i64::from(i32::MAX),
        "user ids exceed 32 bits like real ones"
    );

    let message: Value = http
        .post(format!("{base}/control/inject"))
        .json(&json!({"chat_id": chat_id, "text": "你好"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(message["message_id"], 1);
    let photo: Value = http
        .post(format!("{base}/control/inject"))
        .json(&json!({"chat_id": chat_id, "kind": "photo", "caption": "坏了"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(photo["caption"], "坏了");
    let edited: Value = http
        .post(format!("{base}/control/edit"))
        .json(&json!({"chat_id": chat_id, "message_id": 1, "text": "您好"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(edited["text"], "您好");
    assert_eq!(fake.pending_updates(), 3);

    let status = http
        .post(format!("{base}/control/fault"))
        .json(&json!({"method": "sendMessage", "fault": {"type": "rateLimited", "retry_after": 3}, "times": 1}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": chat_id, "text": "hi"}),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": chat_id, "text": "hi"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let sent: Value = http
        .get(format!("{base}/control/sent"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent[0]["text"], "hi");
    assert_eq!(sent[0]["chat_id"], chat_id);

    http.post(format!("{base}/control/block"))
        .json(&json!({"chat_id": chat_id}))
        .send()
        .await
        .unwrap();
    let (status, _) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": chat_id, "text": "hi"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    http.post(format!("{base}/control/webhook"))
        .json(&json!({"set": true}))
        .send()
        .await
        .unwrap();
    let (status, _) = call(&fake, "getUpdates", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let customers: Value = http
        .get(format!("{base}/control/customers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(customers[0]["first_name"], "李伟");
    assert!(fake.request_log().iter().any(|(m, _)| m == "sendMessage"));
}
