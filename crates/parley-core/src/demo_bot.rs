//! The demo's FAQ bot, so a new user sees it answer and hand over: two rules turned on for every
//! demo account — "Where is my order" (asks the order number and the email, answers with a
//! saved reply of its own, then hands over with a note) and "Opening hours" (answers with the
//! demo's "Opening hours" saved reply). Seeded once per demo workspace (a setting remembers it),
//! after the demo's saved replies. A simulated customer (parley-sim's
//! `demo_script::BOT_CUSTOMER`) asks where her order is soon after the first start and answers
//! the bot's questions.

use crate::facade::Parley;
use parley_domain::*;

const SEEDED_KEY: &str = "demo.botSeeded";
const ANSWER_FOLDER: &str = "Bot";
const ANSWER_TITLE: &str = "Order noted (bot)";
const ANSWER_BODY: &str = "Thank you! I have noted order {{Order|your order}} and {{Email|your email}}. A person from our team will check on it and answer you here shortly.";

fn order_rule(answer: SavedReplyId) -> FaqRuleInput {
    FaqRuleInput {
        name: "Where is my order".into(),
        enabled: true,
        phrases: [
            "where is my order",
            "where's my order",
            "track my order",
            "dónde está mi pedido",
            "wo ist meine bestellung",
            "où est ma commande",
            "onde está meu pedido",
            "cadê meu pedido",
        ]
        .map(str::to_owned)
        .to_vec(),
        saved_reply_id: Some(answer),
        steps: vec![
            GatherStep {
                question: "I can help with that! What is your order number?".into(),
                check: AnswerCheck::OrderNumber,
                attribute: "Order".into(),
                retry_message: "Hmm, that does not look like an order number. It is on your confirmation, like #4821.".into(),
                max_retries: 1,
            },
            GatherStep {
                question: "Thanks! And the email you ordered with?".into(),
                check: AnswerCheck::Email,
                attribute: "Email".into(),
                retry_message: "That does not look like an email address. Could you send it again?".into(),
                max_retries: 1,
            },
        ],
    }
}

fn hours_rule(answer: Option<SavedReplyId>) -> FaqRuleInput {
    FaqRuleInput {
        name: "Opening hours".into(),
        enabled: true,
        phrases: [
            "opening hours",
            "are you open",
            "when do you open",
            "horario",
            "öffnungszeiten",
            "horaires",
            "horário",
        ]
        .map(str::to_owned)
        .to_vec(),
        saved_reply_id: answer,
        steps: Vec::new(),
    }
}

impl Parley {
    /// The demo's bot, once per demo workspace.
    pub(crate) async fn seed_demo_bot(&self) -> Result<(), IpcError> {
        if self.demo.lock().await.is_none() {
            return Ok(());
        }
        let seeded = self
            .db
            .call(|s| s.setting(SEEDED_KEY))
            .await
            .map_err(crate::errors::store)?;
        if seeded.is_some() {
            return Ok(());
        }
        let replies = self.list_saved_replies().await?;
        let answer = match replies
            .iter()
            .find(|r| r.folder == ANSWER_FOLDER && r.title == ANSWER_TITLE)
        {
            Some(r) => r.id,
            None => {
                self.create_saved_reply(SavedReplyInput {
                    folder: ANSWER_FOLDER.into(),
                    title: ANSWER_TITLE.into(),
                    body: ANSWER_BODY.into(),
                    variants: Vec::new(),
                })
                .await?
                .id
            }
        };
        let hours = replies
            .iter()
            .find(|r| r.title == "Opening hours")
            .map(|r| r.id);
        if self.faq_rules().await?.is_empty() {
            self.create_faq_rule(order_rule(answer)).await?;
            self.create_faq_rule(hours_rule(hours)).await?;
        }
        let accounts = self
            .db
            .call(|s| s.accounts())
            .await
            .map_err(crate::errors::store)?
            .into_iter()
            .filter(|a| a.is_demo)
            .map(|a| a.id)
            .collect();
        let settings = self.bot_settings().await?;
        self.set_bot_settings(BotSettings {
            accounts,
            ..settings
        })
        .await?;
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(SEEDED_KEY, "true", now))
            .await
            .map_err(crate::errors::store)
    }
}
