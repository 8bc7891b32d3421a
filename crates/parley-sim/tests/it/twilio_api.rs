//! The fake Twilio API on the wire: auth, list envelope and paging, DateSent filters, send rules,
//! media, the control API, faults and the state file.

use std::time::Duration;

use crate::common::now;

use parley_sim::twilio::{
    FakeTwilio, FakeTwilioConfig, InboundMedia, TEST_SMS_NUMBER, TEST_WHATSAPP_NUMBER,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

const DAY: i64 = 86_400;
const ANNA: &str = "+14155550101";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

async fn fake() -> FakeTwilio {
    FakeTwilio::start(FakeTwilioConfig {
        status_step: Duration::from_millis(100),
        ..FakeTwilioConfig::default()
    })
    .await
    .expect("fake starts")
}

fn url(fake: &FakeTwilio, rest: &str) -> String {
    format!(
        "{}/2010-04-01/Accounts/{}/{rest}",
        fake.base_url(),
        fake.account_sid()
    )
}

async fn get(fake: &FakeTwilio, target: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
    let full = if target.starts_with('/') {
        format!("{}{target}", fake.base_url())
    } else {
        url(fake, target)
    };
    let r = client()
        .get(full)
        .basic_auth(fake.account_sid(), Some(fake.auth_token()))
        .query(query)
        .send()
        .await
        .expect("request");
    let status = r.status();
    (status, r.json().await.expect("json"))
}

async fn post(fake: &FakeTwilio, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = client()
        .post(url(fake, "Messages.json"))
        .basic_auth(fake.account_sid(), Some(fake.auth_token()))
        .form(form)
        .send()
        .await
        .expect("request");
    let status = r.status();
    (status, r.json().await.expect("json"))
}

#[tokio::test]
async fn wrong_credentials_get_20003() {
    let fake = fake().await;
    let r = client()
        .get(url(&fake, "Messages.json"))
        .basic_auth(fake.account_sid(), Some("nope"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().contains_key("www-authenticate"));
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["code"], 20003);
    assert_eq!(body["status"], 401);
    assert_eq!(
        body["more_info"],
        "https://www.twilio.com/docs/errors/20003"
    );
    let (status, body) = get(&fake, "Nothing.json", &[]).await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::NOT_FOUND, json!(20404))
    );
}

#[tokio::test]
async fn lists_newest_first_with_relative_paging_links_and_day_filters() {
    let fake = fake().await;
    let midnight = now().div_euclid(DAY) * DAY;
    for i in 0..5 {
        fake.inject_inbound(
            ANNA,
            TEST_SMS_NUMBER,
            &format!("old {i}"),
            vec![],
            Some(midnight - DAY - 100 + i),
        )
        .expect("inbound");
    }
    for i in 0..5 {
        fake.inject_inbound(
            ANNA,
            TEST_SMS_NUMBER,
            &format!("new {i}"),
            vec![],
            Some(midnight + i),
        )
        .expect("inbound");
    }
    let (status, page) = get(
        &fake,
        "Messages.json",
        &[("To", TEST_SMS_NUMBER), ("PageSize", "3")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for key in [
        "first_page_uri",
        "previous_page_uri",
        "uri",
        "start",
        "end",
        "page",
        "page_size",
    ] {
        assert!(page.get(key).is_some(), "{key}");
    }
    let bodies = |p: &Value| -> Vec<String> {
        p["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m["body"].as_str().expect("body").to_owned())
            .collect()
    };
    assert_eq!(bodies(&page), vec!["new 4", "new 3", "new 2"]);
    let m = &page["messages"][0];
    assert_eq!(m["direction"], "inbound");
    assert_eq!(m["status"], "received");
    assert_eq!(m["num_media"], "0");
    assert!(m["sid"].as_str().expect("sid").starts_with("SM"));
    assert!(m["date_sent"].as_str().expect("date").ends_with(" +0000"));
    let mut all = bodies(&page);
    let mut next = page["next_page_uri"].as_str().map(str::to_owned);
    while let Some(uri) = next {
        assert!(uri.starts_with("/2010-04-01/"), "{uri}");
        let (_, p) = get(&fake, &uri, &[]).await;
        all.extend(bodies(&p));
        next = p["next_page_uri"].as_str().map(str::to_owned);
    }
    assert_eq!(all.len(), 10);

    let today = {
        let (_, p) = get(&fake, "Messages.json", &[("PageSize", "50")]).await;
        p["messages"][0]["date_sent"]
            .as_str()
            .expect("d")
            .to_owned()
    };
    assert!(!today.is_empty());
    let day = |secs: i64| {
        // YYYY-MM-DD of a Unix time, through the fake's own formatting.
        let days = secs.div_euclid(DAY);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        format!("{:04}-{m:02}-{d:02}", yoe + era * 400 + i64::from(m <= 2))
    };
    let (_, p) = get(&fake, "Messages.json", &[("DateSent>", &day(midnight))]).await;
    assert_eq!(p["messages"].as_array().expect("a").len(), 5);
    let (_, p) = get(
        &fake,
        "Messages.json",
        &[("DateSent<", &day(midnight - DAY))],
    )
    .await;
    assert_eq!(p["messages"].as_array().expect("a").len(), 5);
    let (_, p) = get(
        &fake,
        "Messages.json",
        &[("DateSent", &day(midnight - 2 * DAY))],
    )
    .await;
    // The "old" ones were sent just before yesterday began.
    assert_eq!(p["messages"].as_array().expect("a").len(), 5);
    let (_, p) = get(
        &fake,
        "Messages.json",
        &[("DateSent", &day(midnight - DAY))],
    )
    .await;
    assert!(p["messages"].as_array().expect("a").is_empty());
    let (status, p) = get(&fake, "Messages.json", &[("DateSent>", "someday")]).await;
    assert_eq!(
        (status, p["code"].clone()),
        (StatusCode::BAD_REQUEST, json!(20001))
    );
}

#[tokio::test]
async fn send_rules_and_status_progression() {
    let fake = fake().await;
    let cases: &[(&[(&str, &str)], i64)] = &[
        (&[("From", TEST_SMS_NUMBER), ("Body", "x")], 21604),
        (&[("To", ANNA), ("Body", "x")], 21603),
        (&[("To", ANNA), ("From", TEST_SMS_NUMBER)], 21602),
        (
            &[("To", "+1"), ("From", TEST_SMS_NUMBER), ("Body", "x")],
            21211,
        ),
        (
            &[("To", ANNA), ("From", "+15005550999"), ("Body", "x")],
            21606,
        ),
        (
            &[
                ("To", "whatsapp:+14155550101"),
                ("From", TEST_SMS_NUMBER),
                ("Body", "x"),
            ],
            21910,
        ),
        (
            &[
                ("To", ANNA),
                ("From", TEST_SMS_NUMBER),
                ("ContentVariables", "{}"),
            ],
            21654,
        ),
        (
            &[
                ("To", "whatsapp:+14155550101"),
                ("From", "whatsapp:+14155550000"),
                ("Body", "x"),
            ],
            63007,
        ),
        (
            &[
                ("To", "whatsapp:+14155550101"),
                ("From", &format!("whatsapp:{TEST_WHATSAPP_NUMBER}")),
                ("Body", "x"),
            ],
            63016,
        ),
    ];
    for (form, code) in cases {
        let (status, body) = post(&fake, form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form:?}");
        assert_eq!(body["code"], *code, "{form:?} → {body}");
    }
    let long = "y".repeat(1601);
    let (_, body) = post(
        &fake,
        &[("To", ANNA), ("From", TEST_SMS_NUMBER), ("Body", &long)],
    )
    .await;
    assert_eq!(body["code"], 21617);

    let (status, created) = post(
        &fake,
        &[
            ("To", ANNA),
            (
                "MessagingServiceSid",
                &fake.config().messaging_service_sid.clone().expect("mg"),
            ),
            ("Body", "hello"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["status"], "queued");
    assert_eq!(created["direction"], "outbound-api");
    assert_eq!(created["from"], TEST_SMS_NUMBER);
    assert!(created["date_sent"].is_null());
    let sid = created["sid"].as_str().expect("sid").to_owned();
    let mut seen = vec!["queued".to_owned()];
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(40)).await;
        let (_, m) = get(&fake, &format!("Messages/{sid}.json"), &[]).await;
        let s = m["status"].as_str().expect("status").to_owned();
        if seen.last() != Some(&s) {
            seen.push(s);
        }
        if seen.last().map(String::as_str) == Some("delivered") {
            break;
        }
    }
    assert_eq!(seen, vec!["queued", "sending", "sent", "delivered"]);
}

#[tokio::test]
async fn media_is_listed_and_served_behind_auth() {
    let fake = fake().await;
    let sid = fake
        .inject_inbound(ANNA, TEST_SMS_NUMBER, "", vec![InboundMedia::photo()], None)
        .expect("mms");
    let (_, m) = get(&fake, &format!("Messages/{sid}.json"), &[]).await;
    assert_eq!(m["num_media"], "1");
    let media_uri = m["subresource_uris"]["media"]
        .as_str()
        .expect("uri")
        .to_owned();
    let (_, list) = get(&fake, &media_uri, &[]).await;
    let item = &list["media_list"][0];
    assert_eq!(item["content_type"], "image/jpeg");
    assert_eq!(item["parent_sid"], sid.as_str());
    let content = format!(
        "{}{}",
        fake.base_url(),
        item["uri"].as_str().expect("uri").trim_end_matches(".json")
    );
    let anonymous = client().get(&content).send().await.expect("request");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let bytes = client()
        .get(&content)
        .basic_auth(fake.account_sid(), Some(fake.auth_token()))
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(bytes.to_vec(), InboundMedia::photo().bytes);
}

#[tokio::test]
async fn control_api_injects_opts_out_and_faults() {
    let fake = fake().await;
    let c = client();
    let base = fake.base_url();
    let r: Value = c
        .post(format!("{base}/control/inbound"))
        .json(&json!({ "from": ANNA, "to": TEST_SMS_NUMBER, "body": "Stop" }))
        .send()
        .await
        .expect("inbound")
        .json()
        .await
        .expect("json");
    assert!(r["sid"].as_str().expect("sid").starts_with("SM"));
    assert!(fake.is_opted_out(ANNA, TEST_SMS_NUMBER));
    let (_, body) = post(
        &fake,
        &[("To", ANNA), ("From", TEST_SMS_NUMBER), ("Body", "hi")],
    )
    .await;
    assert_eq!(body["code"], 21610);
    c.post(format!("{base}/control/opt_out"))
        .json(&json!({ "customer": ANNA, "number": TEST_SMS_NUMBER, "opted_out": false }))
        .send()
        .await
        .expect("opt in");
    let (status, _) = post(
        &fake,
        &[("To", ANNA), ("From", TEST_SMS_NUMBER), ("Body", "hi")],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    c.post(format!("{base}/control/fault"))
        .json(&json!({ "op": "list", "fault": { "type": "rateLimited", "retry_after_secs": 4 } }))
        .send()
        .await
        .expect("fault");
    let r = c
        .get(url(&fake, "Messages.json"))
        .basic_auth(fake.account_sid(), Some(fake.auth_token()))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "4");
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["code"], 20429);

    // AcceptThenDrop: the message exists although the client got no answer.
    c.post(format!("{base}/control/fault"))
        .json(&json!({ "op": "send", "fault": { "type": "acceptThenDrop" } }))
        .send()
        .await
        .expect("fault");
    let lost = c
        .post(url(&fake, "Messages.json"))
        .basic_auth(fake.account_sid(), Some(fake.auth_token()))
        .form(&[
            ("To", ANNA),
            ("From", TEST_SMS_NUMBER),
            ("Body", "lost answer"),
        ])
        .send()
        .await;
    assert!(lost.is_err());
    let all: Value = c
        .get(format!("{base}/control/messages"))
        .send()
        .await
        .expect("messages")
        .json()
        .await
        .expect("json");
    assert!(
        all.as_array()
            .expect("a")
            .iter()
            .any(|m| m["body"] == "lost answer")
    );
    let log: Value = c
        .get(format!("{base}/control/requests"))
        .send()
        .await
        .expect("requests")
        .json()
        .await
        .expect("json");
    assert!(log.as_array().expect("a").iter().any(|r| r["op"] == "send"));
}

#[tokio::test]
async fn state_file_keeps_messages_and_opt_outs_across_restarts() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("twilio.json");
    let cfg = || FakeTwilioConfig {
        state_file: Some(path.clone()),
        ..FakeTwilioConfig::default()
    };
    let sid = {
        let fake = FakeTwilio::start(cfg()).await.expect("start");
        fake.set_opted_out(ANNA, TEST_SMS_NUMBER, true);
        fake.inject_inbound(
            ANNA,
            TEST_SMS_NUMBER,
            "persist me",
            vec![InboundMedia::photo()],
            None,
        )
        .expect("inbound")
    };
    let fake = FakeTwilio::start(cfg()).await.expect("restart");
    let m = fake.message(&sid).expect("kept");
    assert_eq!(m.body, "persist me");
    assert_eq!(m.media.len(), 1);
    assert!(fake.is_opted_out(ANNA, TEST_SMS_NUMBER));
}
