//! parley-core's integration tests, in one binary: one link instead of eight on 2 cores, and one
//! place for what several of them share (the mail harness, the email store helpers).

mod common;
#[path = "../../../parley-channels/tests/it/email_harness.rs"]
mod email_harness;
mod email_store;

mod attachments;
mod automation;
mod backup;
mod bot;
mod email;
mod email_expunge;
mod email_sync;
mod encryption;
mod facade;
mod fault_matrix;
mod graph;
mod import;
mod media;
mod outbound;
mod review;
mod saved_replies;
mod spike;
mod twilio;
