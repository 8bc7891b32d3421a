//! parley-channels' integration tests, in one binary: one link instead of seven, and one place
//! for what several of them share (the clock, the mail harness, which parley-core's tests also
//! include).

mod common;
mod email_harness;

mod attachments;
mod email;
mod email_attachments;
mod email_corpus;
mod email_mime;
mod email_parts;
mod graph;
mod telegram;
mod twilio;
