//! parley-sim's integration tests, in one binary: one link instead of six, and one place for
//! what several of them share.

mod common;

mod bot_api;
mod faults;
mod graph_api;
mod persistence_and_demo;
mod twilio_api;
mod uploads;
