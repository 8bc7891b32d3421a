//! Test and demo fakes for Parley's channels.
//!
//! [`telegram`] is a wire-faithful fake of the Telegram Bot API (its module docs list which
//! behaviours are reproduced and which are not); [`demo`] drives it with simulated customers so
//! that the app has something alive to show when no real account is configured.

pub mod demo;
mod demo_script;
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
