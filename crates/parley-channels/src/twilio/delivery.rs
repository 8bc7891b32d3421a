//! Delivery statuses of sent messages, as Twilio reports them, and in the agent's words.

use super::wire;
use parley_domain::{DeliveryState, Millis};

/// A message's delivery status changed (or was first seen) at Twilio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryUpdate {
    /// The message sid (the `remote_id` fetch and send use).
    pub remote_id: String,
    /// Twilio's status: queued, sending, sent, delivered, undelivered, failed, read...
    pub status: String,
    pub error_code: Option<i64>,
    pub at: Millis,
}

impl DeliveryUpdate {
    /// Whether the message will not reach the customer.
    pub fn is_failure(&self) -> bool {
        matches!(self.status.as_str(), "failed" | "undelivered" | "canceled")
    }

    /// The store's form: sent, delivered, read or failed (with the reason in words); `None` for
    /// the statuses before Twilio hands the message on (queued, sending, accepted...).
    pub fn to_domain(&self) -> Option<parley_domain::DeliveryUpdate> {
        let state = match self.status.as_str() {
            "sent" => DeliveryState::Sent,
            "delivered" => DeliveryState::Delivered,
            "read" => DeliveryState::Read,
            _ if self.is_failure() => DeliveryState::Failed,
            _ => return None,
        };
        let error = (state == DeliveryState::Failed).then(|| failure_words(self.error_code));
        Some(parley_domain::DeliveryUpdate {
            remote_id: self.remote_id.clone(),
            state,
            error,
            at: self.at,
        })
    }
}

/// Why Twilio could not deliver a message, in words for the agent.
pub fn failure_words(code: Option<i64>) -> String {
    match code {
        Some(wire::OPTED_OUT_CODE) => "The customer opted out of messages from this number (they texted STOP). Parley will not send to them until they text START.".to_owned(),
        Some(63016) => "Outside WhatsApp's 24-hour window: only an approved template can reach this customer now.".to_owned(),
        Some(21211) => "Twilio says this is not a valid phone number.".to_owned(),
        Some(30003) => "The customer's phone is unreachable (switched off or out of coverage).".to_owned(),
        Some(30005) => "The number is unknown to the customer's carrier.".to_owned(),
        Some(30006) => "The number cannot receive SMS (a landline or an unreachable carrier).".to_owned(),
        Some(30007) => "The customer's carrier filtered this message as spam.".to_owned(),
        Some(code) => format!("Twilio could not deliver this message (error {code})."),
        None => "Twilio could not deliver this message.".to_owned(),
    }
}
