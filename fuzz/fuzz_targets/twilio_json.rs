//! Twilio's answers, any bytes: decoded as every shape Parley asks for and mapped as the adapter
//! maps them (`parley_channels::twilio::fuzzing`). Property: no panic, no overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    parley_channels::twilio::fuzzing::decode_answers(data);
});
