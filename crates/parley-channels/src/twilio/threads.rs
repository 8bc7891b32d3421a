//! Threads and customers by address (`sms:+E164`, `whatsapp:+E164`), SMS opt-out keywords and
//! WhatsApp's 24-hour window.

use super::TwilioChannel;
use parley_domain::{Millis, ReplyWindow};
use std::time::Duration;

/// WhatsApp's customer-service window.
pub const WHATSAPP_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// What the composer offers once the WhatsApp window is closed.
pub const WHATSAPP_ALTERNATIVE: &str = "Use an approved template (WhatsApp message template): free-form replies are allowed only within 24 hours of the customer's last message.";
/// Keywords with which Twilio's default handling opts an SMS customer out / back in.
pub const STOP_KEYWORDS: &[&str] = &["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
pub const START_KEYWORDS: &[&str] = &["START", "YES", "UNSTOP"];

/// Whether an inbound SMS body opts the customer out (`Some(true)`), back in (`Some(false)`) or
/// neither, by Twilio's default keywords (the whole message, case-insensitive).
pub fn opt_out_keyword(body: &str) -> Option<bool> {
    let word = body.trim().to_ascii_uppercase();
    if STOP_KEYWORDS.contains(&word.as_str()) {
        Some(true)
    } else if START_KEYWORDS.contains(&word.as_str()) {
        Some(false)
    } else {
        None
    }
}

pub(super) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub(super) fn is_whatsapp(address: &str) -> bool {
    address.starts_with("whatsapp:")
}

/// `sms:+E164` / `whatsapp:+E164` for a customer's Twilio address.
pub fn thread_id_for(customer_address: &str) -> String {
    if is_whatsapp(customer_address) {
        customer_address.to_owned()
    } else {
        format!("sms:{customer_address}")
    }
}

/// The customer's Twilio address (`+E164` or `whatsapp:+E164`) for a thread id.
pub fn address_for_thread(remote_thread_id: &str) -> Option<String> {
    if let Some(n) = remote_thread_id.strip_prefix("sms:") {
        Some(n.to_owned())
    } else if remote_thread_id.starts_with("whatsapp:") {
        Some(remote_thread_id.to_owned())
    } else {
        None
    }
}

/// The reply rule for one thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadWindow {
    /// SMS: any time (unless the customer opted out).
    Always,
    /// WhatsApp: free-form until `closes_at`, then templates only.
    Until { closes_at: Millis },
    /// WhatsApp window closed (or never opened): approved templates only.
    TemplatesOnly,
}

/// The WhatsApp rule for a thread whose customer last wrote at `last_inbound`.
pub fn thread_window(
    remote_thread_id: &str,
    last_inbound: Option<Millis>,
    now: Millis,
) -> ThreadWindow {
    if !is_whatsapp(remote_thread_id) {
        return ThreadWindow::Always;
    }
    match last_inbound.map(|t| t + millis(WHATSAPP_WINDOW)) {
        Some(closes_at) if now <= closes_at => ThreadWindow::Until { closes_at },
        _ => ThreadWindow::TemplatesOnly,
    }
}

impl TwilioChannel {
    /// The reply rule of one thread (SMS: none; WhatsApp: 24 h, then templates).
    pub fn reply_window_for(&self, remote_thread_id: &str) -> ReplyWindow {
        if is_whatsapp(remote_thread_id) {
            ReplyWindow::SinceLastInbound {
                millis: millis(WHATSAPP_WINDOW),
                alternative: Some(WHATSAPP_ALTERNATIVE.to_owned()),
            }
        } else {
            ReplyWindow::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_and_windows() {
        assert_eq!(thread_id_for("+15551234567"), "sms:+15551234567");
        assert_eq!(thread_id_for("whatsapp:+1555"), "whatsapp:+1555");
        assert_eq!(address_for_thread("sms:+1555").as_deref(), Some("+1555"));
        assert_eq!(address_for_thread("t_1"), None);
        let h = 3_600_000;
        assert_eq!(thread_window("sms:+1", None, 0), ThreadWindow::Always);
        assert_eq!(
            thread_window("whatsapp:+1", Some(0), 23 * h),
            ThreadWindow::Until { closes_at: 24 * h }
        );
        assert_eq!(
            thread_window("whatsapp:+1", Some(0), 25 * h),
            ThreadWindow::TemplatesOnly
        );
        assert_eq!(opt_out_keyword(" stop "), Some(true));
        assert_eq!(opt_out_keyword("Start"), Some(false));
        assert_eq!(opt_out_keyword("please stop"), None);
    }
}
