//! The fake Graph API on the wire, as a plain HTTP client sees it.

use parley_sim::graph::{
    BOT_APP_ID, FakeGraph, FakeGraphConfig, Fault, InboundAttachment, Platform,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{client, now};

async fn get(url: &str) -> (StatusCode, Value) {
    let r = client().get(url).send().await.expect("request");
    (r.status(), r.json().await.expect("json"))
}

async fn post(fake: &FakeGraph, path: &str, body: Value) -> (StatusCode, Value) {
    let r = client()
        .post(format!("{}/v23.0/{path}", fake.base_url()))
        .bearer_auth(fake.page_token())
        .json(&body)
        .send()
        .await
        .expect("request");
    (r.status(), r.json().await.expect("json"))
}

fn send_body(psid: &str, text: &str) -> Value {
    json!({ "recipient": { "id": psid }, "messaging_type": "RESPONSE", "message": { "text": text } })
}

#[tokio::test]
async fn tokens_versions_and_the_error_envelope() {
    let fake = FakeGraph::start(FakeGraphConfig::default())
        .await
        .expect("fake");
    let base = fake.base_url();
    let token = fake.page_token();
    for prefix in ["/v19.0", "/v23.0", ""] {
        let (status, body) = get(&format!(
            "{base}{prefix}/{}?fields=id,name&access_token={token}",
            fake.page_id()
        ))
        .await;
        assert_eq!(status, 200, "{prefix}");
        assert_eq!(body["name"], "Parley Test Shop");
    }
    let r = client()
        .get(format!(
            "{base}/v23.0/me?fields=instagram_business_account{{id,username}}"
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let body: Value = r.json().await.expect("json");
    assert_eq!(
        body["instagram_business_account"]["username"],
        "parley.test.shop"
    );

    let (status, body) = get(&format!("{base}/v23.0/me?access_token=nope")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 190);
    assert_eq!(body["error"]["type"], "OAuthException");
    assert!(body["error"]["fbtrace_id"].is_string());

    fake.expire_token(true);
    let (_, body) = get(&format!("{base}/v23.0/me?access_token={token}")).await;
    assert_eq!(body["error"]["error_subcode"], 463);
    fake.expire_token(false);

    let (_, body) = get(&format!(
        "{base}/v23.0/debug_token?input_token={token}&access_token={token}"
    ))
    .await;
    assert_eq!(body["data"]["is_valid"], true);
    assert!(
        body["data"]["scopes"]
            .as_array()
            .expect("scopes")
            .contains(&json!("pages_messaging"))
    );
}

#[tokio::test]
async fn conversations_page_with_absolute_next_links_and_instagram_keeps_20() {
    let fake = FakeGraph::start(FakeGraphConfig::default())
        .await
        .expect("fake");
    let t0 = now() - 3600;
    for i in 0..7 {
        let p = fake.customer(Platform::Messenger, &format!("C{i}"), None);
        fake.inject_message(&p, Some("hi"), vec![], Some(t0 + i));
    }
    let mut url = format!(
        "{}/v23.0/{}/conversations?platform=messenger&fields=id,updated_time,participants&limit=3&access_token={}",
        fake.base_url(),
        fake.page_id(),
        fake.page_token()
    );
    let mut seen = Vec::new();
    let mut times = Vec::new();
    loop {
        let (status, body) = get(&url).await;
        assert_eq!(status, 200);
        for c in body["data"].as_array().expect("data") {
            seen.push(c["id"].as_str().expect("id").to_owned());
            times.push(c["updated_time"].as_str().expect("time").to_owned());
            assert!(c["updated_time"].as_str().expect("time").ends_with("+0000"));
            assert_eq!(c["participants"]["data"].as_array().expect("p").len(), 2);
        }
        assert!(body["paging"]["cursors"]["after"].is_string());
        match body["paging"]["next"].as_str() {
            Some(next) => {
                assert!(next.starts_with("http://127.0.0.1"));
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    let ig = fake.customer(Platform::Instagram, "Gram", Some("gram"));
    let mut conv = String::new();
    for i in 0..25 {
        conv = fake
            .inject_message(&ig, Some(&format!("m{i}")), vec![], Some(t0 + i))
            .conversation_id;
    }
    let (_, body) = get(&format!(
        "{}/v23.0/{conv}/messages?fields=id,message,from&limit=100&access_token={}",
        fake.base_url(),
        fake.page_token()
    ))
    .await;
    let data = body["data"].as_array().expect("data");
    assert_eq!(data.len(), 20);
    assert_eq!(data[0]["message"], "m24");
    assert_eq!(data[0]["from"]["username"], "gram");
    assert!(body["paging"]["next"].is_null());
}

#[tokio::test]
async fn send_rules_tags_and_handover() {
    let fake = FakeGraph::start(FakeGraphConfig::default())
        .await
        .expect("fake");
    let p = fake.customer(Platform::Messenger, "Anna", None);
    let m = fake.inject_message(
        &p,
        Some("hi"),
        vec![InboundAttachment::photo()],
        Some(now() - 30 * 3600),
    );

    let (status, body) = post(&fake, "me/messages", send_body(&p.id, "late")).await;
    assert_eq!(status, 400);
    assert_eq!(
        (
            body["error"]["code"].as_i64(),
            body["error"]["error_subcode"].as_i64()
        ),
        (Some(10), Some(2_018_278))
    );

    for tag in [
        "CONFIRMED_EVENT_UPDATE",
        "ACCOUNT_UPDATE",
        "POST_PURCHASE_UPDATE",
    ] {
        let mut b = send_body(&p.id, "x");
        b["messaging_type"] = json!("MESSAGE_TAG");
        b["tag"] = json!(tag);
        let (_, body) = post(&fake, &format!("{}/messages", fake.page_id()), b).await;
        assert_eq!(body["error"]["code"], 100, "{tag}");
    }
    let mut b = send_body(&p.id, "x");
    b["messaging_type"] = json!("MESSAGE_TAG");
    let (_, body) = post(&fake, "me/messages", b.clone()).await;
    assert_eq!(body["error"]["code"], 100);
    b["tag"] = json!("HUMAN_AGENT");
    let (_, body) = post(&fake, "me/messages", b.clone()).await;
    assert_eq!(body["error"]["code"], 200);
    fake.approve_human_agent(true);
    let (status, body) = post(&fake, "me/messages", b).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recipient_id"], p.id.as_str());
    assert!(body["message_id"].as_str().expect("id").starts_with("m_"));
    assert_eq!(
        fake.messages_of(&m.conversation_id).last().map(|x| x.1),
        Some(true)
    );

    fake.inject_text(&p, "again");
    let (_, body) = post(&fake, "me/messages", send_body(&p.id, &"y".repeat(2000))).await;
    assert_eq!(body["error"]["code"], 100);

    fake.set_thread_owner(&m.conversation_id, Some(BOT_APP_ID))
        .expect("owner");
    let (_, body) = post(&fake, "me/messages", send_body(&p.id, "hello")).await;
    assert_eq!(body["error"]["error_subcode"], 2_018_300);
    let (_, body) = get(&format!(
        "{}/v23.0/me/thread_owner?recipient={}&access_token={}",
        fake.base_url(),
        p.id,
        fake.page_token()
    ))
    .await;
    assert_eq!(body["data"][0]["thread_owner"]["app_id"], BOT_APP_ID);
    let (_, body) = post(
        &fake,
        "me/take_thread_control",
        json!({ "recipient": { "id": p.id } }),
    )
    .await;
    assert_eq!(body["success"], true);
    let (_, body) = post(
        &fake,
        "me/release_thread_control",
        json!({ "recipient": { "id": p.id } }),
    )
    .await;
    assert_eq!(body["success"], true);
    assert_eq!(fake.thread_owner(&m.conversation_id), None);

    fake.set_unavailable(&m.conversation_id, true)
        .expect("conv");
    let (_, body) = post(&fake, "me/messages", send_body(&p.id, "hello")).await;
    assert_eq!(
        (
            body["error"]["code"].as_i64(),
            body["error"]["error_subcode"].as_i64()
        ),
        (Some(551), Some(1_545_041))
    );
}

#[tokio::test]
async fn control_api_faults_request_log_and_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("graph.json");
    let config = FakeGraphConfig {
        state_file: Some(path.clone()),
        ..FakeGraphConfig::default()
    };
    let fake = FakeGraph::start(config.clone()).await.expect("fake");
    let http = client();
    let person: Value = http
        .post(format!("{}/control/customers", fake.base_url()))
        .json(&json!({ "platform": "messenger", "name": "Via HTTP" }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let injected: Value = http
        .post(format!("{}/control/inject", fake.base_url()))
        .json(&json!({ "person_id": person["id"], "text": "hello", "photo": true }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let conv = injected["conversation_id"]
        .as_str()
        .expect("conv")
        .to_owned();
    http.post(format!("{}/control/fault", fake.base_url()))
        .json(&json!({ "op": "conversations", "fault": { "type": "rateLimited", "code": 613, "estimated_minutes": 3 } }))
        .send()
        .await
        .expect("request");
    let r = http
        .get(format!(
            "{}/v23.0/me/conversations?access_token={}",
            fake.base_url(),
            fake.page_token()
        ))
        .send()
        .await
        .expect("request");
    let buc: Value = serde_json::from_str(
        r.headers()["x-business-use-case-usage"]
            .to_str()
            .expect("header"),
    )
    .expect("json header");
    assert_eq!(buc[fake.page_id()][0]["estimated_time_to_regain_access"], 3);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["error"]["code"], 613);

    fake.inject_fault("send", Fault::AcceptThenDrop, 1);
    let result = client()
        .post(format!("{}/v23.0/me/messages", fake.base_url()))
        .bearer_auth(fake.page_token())
        .json(&send_body(person["id"].as_str().expect("id"), "dropped"))
        .send()
        .await;
    assert!(result.is_err(), "no answer");
    assert_eq!(fake.sent_messages().len(), 1, "but it was sent");
    assert!(
        fake.request_log()
            .iter()
            .any(|r| r.op == "send" && r.page_id == fake.page_id())
    );

    drop(fake);
    let again = FakeGraph::start(config).await.expect("restart");
    assert_eq!(
        again.messages_of(&conv).len(),
        2,
        "state survives a restart"
    );
}
