//! Validation: the credentials, the account's state, and that every watched number belongs to it.

use super::api::API_VERSION;
use super::threads::is_whatsapp;
use super::{API, MAX_PAGES, TwilioChannel, wire};
use crate::http::Effect;
use crate::{Channel, ChannelError};
use parley_domain::AccountIdentity;

impl TwilioChannel {
    /// [`Channel::validate`](crate::Channel::validate): the account is active and owns every
    /// watched number (SMS capable) or WhatsApp sender (online).
    pub(super) async fn validate_account(&self) -> Result<AccountIdentity, ChannelError> {
        if self.cfg.numbers.is_empty() {
            return Err(ChannelError::Rejected {
                code: 0,
                message:
                    "Choose at least one Twilio number or WhatsApp sender for Parley to watch."
                        .into(),
            });
        }
        let v = self
            .get(
                &format!(
                    "{}/{API_VERSION}/Accounts/{}.json",
                    self.cfg.api_base, self.cfg.account_sid
                ),
                &[],
                "the account lookup",
            )
            .await?;
        let account: wire::Account = API.decode(v, "the account lookup", Effect::Read)?;
        if let Some(status) = account.status.as_deref()
            && status != "active"
        {
            return Err(ChannelError::Unauthorized(format!(
                "This Twilio account is {status}; reactivate it in the Twilio Console first."
            )));
        }
        let sms: Vec<&String> = self
            .cfg
            .numbers
            .iter()
            .filter(|n| !is_whatsapp(n))
            .collect();
        let wa: Vec<&String> = self.cfg.numbers.iter().filter(|n| is_whatsapp(n)).collect();
        let mut problems = Vec::new();
        if !sms.is_empty() {
            let mut owned: Vec<wire::IncomingNumber> = Vec::new();
            let mut next: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let v = match &next {
                    None => {
                        self.get(
                            &self.account_url("IncomingPhoneNumbers.json"),
                            &[("PageSize", "1000".to_owned())],
                            "the phone number list",
                        )
                        .await?
                    }
                    Some(uri) => {
                        self.get(&self.absolute(uri), &[], "the phone number list")
                            .await?
                    }
                };
                let page: wire::NumberList =
                    API.decode(v, "the phone number list", Effect::Read)?;
                owned.extend(page.incoming_phone_numbers);
                match page.next_page_uri {
                    Some(uri) => next = Some(uri),
                    None => break,
                }
            }
            for n in sms {
                match owned.iter().find(|o| &o.phone_number == n) {
                    None => {
                        problems.push(format!("{n} is not a phone number of this Twilio account"))
                    }
                    Some(o) if !o.capabilities.as_ref().is_some_and(|c| c.sms) => {
                        problems.push(format!("{n} cannot send or receive SMS"));
                    }
                    Some(_) => {}
                }
            }
        }
        if !wa.is_empty() {
            let senders = self
                .get(
                    &format!("{}/v2/Channels/Senders", self.cfg.messaging_base),
                    &[
                        ("Channel", "whatsapp".to_owned()),
                        ("PageSize", "100".to_owned()),
                    ],
                    "the WhatsApp sender list",
                )
                .await;
            match senders {
                Ok(v) => {
                    let list: wire::SenderList =
                        API.decode(v, "the WhatsApp sender list", Effect::Read)?;
                    for n in wa {
                        match list.senders.iter().find(|s| &s.sender_id == n) {
                            None => problems.push(format!(
                                "{n} is not a WhatsApp sender of this Twilio account"
                            )),
                            Some(s)
                                if s.status
                                    .as_deref()
                                    .is_some_and(|st| !st.eq_ignore_ascii_case("ONLINE")) =>
                            {
                                problems.push(format!(
                                    "the WhatsApp sender {n} is not online ({})",
                                    s.status.as_deref().unwrap_or_default()
                                ));
                            }
                            Some(_) => {}
                        }
                    }
                }
                // Older accounts may not have the Senders API; the first send will tell.
                Err(ChannelError::Rejected { .. }) => {
                    tracing::warn!("twilio: WhatsApp senders could not be listed; not checked");
                }
                Err(e) => return Err(e),
            }
        }
        if !problems.is_empty() {
            return Err(ChannelError::Rejected {
                code: 0,
                message: format!("{}. Check the numbers in Accounts.", problems.join("; ")),
            });
        }
        Ok(AccountIdentity {
            channel: self.kind(),
            external_id: account.sid,
            name: account.friendly_name.unwrap_or_else(|| "Twilio".to_owned()),
            handle: Some(self.cfg.numbers.join(", ")),
        })
    }
}
