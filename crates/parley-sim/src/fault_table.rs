//! What the fault-matrix tests share (`parley-sync/tests/it/fault_matrix.rs` for Telegram,
//! `parley-core/tests/it/fault_matrix.rs` for Graph and Twilio): how an outcome is put in words
//! that stay the same from run to run, the rules every row must hold, and the generated table
//! kept in `docs/fault-matrix/`.

use parley_domain::DeliveryState;

/// `text` without what varies from run to run (a JSON parser's position in an answer whose
/// length depends on random ids).
pub fn stable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" at line ") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + " at line ".len()..];
        let skip = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ' ' || "column".contains(c)))
            .unwrap_or(tail.len());
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}

/// A settled reply in words — its state, the reason shown to the agent, how many times the
/// customer got it — after checking the rules: never sent twice, never failed or uncertain
/// without a reason. Delivered and read (the provider's pace) read as sent.
pub fn reply_outcome(delivery: DeliveryState, note: Option<&str>, sent: usize) -> String {
    assert!(sent <= 1, "a reply was sent {sent} times");
    let note = note.map(|n| format!(": “{n}”")).unwrap_or_default();
    if matches!(delivery, DeliveryState::Failed | DeliveryState::Uncertain) {
        assert!(!note.is_empty(), "a {delivery:?} reply without a reason");
    }
    let state = match delivery {
        DeliveryState::Delivered | DeliveryState::Read => DeliveryState::Sent,
        d => d,
    };
    stable(&format!(
        "{}{note} (the customer got it {sent}×)",
        format!("{state:?}").to_lowercase()
    ))
}

/// The generated table equals the one kept at `path`; with `PARLEY_UPDATE_FAULTS` set, it is
/// written there first (to be read and committed).
pub fn check_table(path: &str, table: &str) {
    if std::env::var_os("PARLEY_UPDATE_FAULTS").is_some() {
        std::fs::write(path, table).expect("write the table");
    }
    let kept = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        kept, table,
        "the outcomes changed: read them, then PARLEY_UPDATE_FAULTS=1"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_positions_go_and_the_rest_stays() {
        assert_eq!(
            stable("could not be read (EOF while parsing a value at line 1 column 78))"),
            "could not be read (EOF while parsing a value))"
        );
        assert_eq!(stable("nothing to drop"), "nothing to drop");
    }
}
