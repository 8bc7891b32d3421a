//! A stand-alone fake Telegram Bot API for end-to-end tests and for trying Parley by hand:
//!
//! ```text
//! cargo run -p parley-sim --bin fake-telegram
//! {"url":"http://127.0.0.1:41234","token":"110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"}
//! ```
//! Start Parley with `PARLEY_TELEGRAM_API=<url>` and add the printed token in Accounts; drive the
//! customers through `<url>/control/…`. Listens on 127.0.0.1 only; stops on Ctrl+C or when its
//! standard input closes.

use parley_sim::{FakeTelegram, FakeTelegramConfig};
use tokio::io::AsyncReadExt;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let fake = FakeTelegram::start(FakeTelegramConfig::default()).await?;
    println!(
        "{}",
        serde_json::json!({ "url": fake.base_url(), "token": fake.token() })
    );
    let mut stdin = tokio::io::stdin();
    let mut sink = [0u8; 256];
    let stdin_closed = async move { while stdin.read(&mut sink).await.is_ok_and(|n| n > 0) {} };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = stdin_closed => {}
    }
    fake.shutdown();
    Ok(())
}
