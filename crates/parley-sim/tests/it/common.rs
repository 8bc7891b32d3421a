//! Helpers the simulator's tests share: a fake Bot API, an HTTP client, a Bot API call, the
//! clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parley_sim::{FakeTelegram, FakeTelegramConfig};
use reqwest::StatusCode;
use serde_json::Value;

pub async fn fake() -> FakeTelegram {
    FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client builds")
}

/// POSTs a JSON body to a Bot API method and returns status and parsed envelope.
pub async fn call(fake: &FakeTelegram, method: &str, body: Value) -> (StatusCode, Value) {
    let response = client()
        .post(fake.method_url(method))
        .json(&body)
        .send()
        .await
        .expect("request succeeds");
    let status = response.status();
    let json = response.json().await.expect("body is JSON");
    (status, json)
}

pub fn update_ids(envelope: &Value) -> Vec<i64> {
    envelope["result"]
        .as_array()
        .expect("result is an array")
        .iter()
        .map(|u| u["update_id"].as_i64().expect("update_id"))
        .collect()
}

/// Now, in Unix seconds (what the fakes take for message times).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}
