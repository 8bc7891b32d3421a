//! The simulator: wire-faithful fakes of the providers Parley speaks to, for the tests and for
//! the demo workspace, which runs them inside the app.
//!
//! [`telegram`] fakes the Telegram Bot API, [`graph`] Meta's Graph API (Messenger, Instagram),
//! [`twilio`] Twilio's SMS and WhatsApp (each module's docs list which behaviours are reproduced
//! and which are not); [`demo`] drives them with simulated customers so that the app has something
//! alive to show when no real account is configured. Every fake listens on 127.0.0.1, answers only
//! requests that name it by that address, and with a control secret (the demo's, one per run)
//! opens its `/control/` API only to whoever holds it.

pub mod demo;
mod demo_script;
pub mod fault_table;
mod faults;
pub mod graph;
pub mod multipart;
mod persist;
mod server;
pub mod telegram;
pub mod twilio;
mod wait;

pub use demo::{DEMO_BOT_TOKEN, DemoConfig, DemoHandle, DemoWorld};
pub use telegram::{
    BotIdentity, Customer, FakeError, FakeTelegram, FakeTelegramConfig, Fault, InboundContent,
    SentFile, SentRecord,
};
pub use wait::eventually;
