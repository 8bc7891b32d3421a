//! The bot's decisions, pure: matching in several languages, the gather machine, hand offs.

use super::machine::{Compiled, Decision, HandoffReason, Outgoing, Session, decide, summary_note};
use parley_domain::*;

const ANSWER: SavedReplyId = SavedReplyId(7);

fn rule(id: i64, name: &str, phrases: &[&str], steps: Vec<GatherStep>) -> FaqRule {
    FaqRule {
        id: FaqRuleId(id),
        position: id,
        rule: FaqRuleInput {
            name: name.into(),
            enabled: true,
            phrases: phrases.iter().map(|p| (*p).to_owned()).collect(),
            saved_reply_id: Some(ANSWER),
            steps,
        },
        saved_reply_title: Some("Answer".into()),
        updated_at: 0,
    }
}

fn order_steps() -> Vec<GatherStep> {
    vec![
        GatherStep {
            question: "What is your order number?".into(),
            check: AnswerCheck::OrderNumber,
            attribute: "Order".into(),
            retry_message: "Hmm, that is not an order number. It looks like #4821.".into(),
            max_retries: 1,
        },
        GatherStep {
            question: "And the email you ordered with?".into(),
            check: AnswerCheck::Email,
            attribute: "Email".into(),
            retry_message: "That is not an email address; please send it again.".into(),
            max_retries: 1,
        },
    ]
}

fn bot() -> Compiled {
    Compiled::new(
        vec![
            rule(
                1,
                "Where is my order",
                &[
                    "where is my order",
                    "dónde está mi pedido",
                    "wo ist meine bestellung",
                    "où est ma commande",
                    "cadê meu pedido",
                    "onde está meu pedido",
                    "tracking",
                ],
                order_steps(),
            ),
            rule(
                2,
                "Opening hours",
                &[
                    "opening hours",
                    "open",
                    "horario",
                    "öffnungszeiten",
                    "horaires",
                    "abertos",
                ],
                vec![],
            ),
        ],
        BotSettings {
            handoff_phrases: vec!["quiero un humano".into()],
            ..BotSettings::default()
        },
    )
}

fn rule_of(d: &Decision) -> Option<i64> {
    d.rule.map(|r| r.0)
}

#[test]
fn rules_match_in_several_languages_whatever_the_accents() {
    let bot = bot();
    for (text, rule) in [
        ("Hi, where is my order??", Some(1)),
        ("Hola, ¿donde esta mi pedido?", Some(1)),
        ("Hallo, wo ist meine Bestellung?", Some(1)),
        ("Bonjour, OÙ EST MA COMMANDE", Some(1)),
        ("oi, cadê meu pedido", Some(1)),
        ("Olá! Onde esta meu pedido?", Some(1)),
        ("Are you open on Saturday?", Some(2)),
        ("¿Cuál es el horario?", Some(2)),
        ("Wie sind die Öffnungszeiten?", Some(2)),
        ("Quels sont vos horaires ?", Some(2)),
        ("Vocês estão abertos?", Some(2)),
        ("I love the linen tote", None),
        // Whole words only: "reopened" is not "open".
        ("my case was reopened", None),
    ] {
        assert_eq!(rule_of(&decide(&bot, None, text)), rule, "{text}");
    }
}

#[test]
fn the_longest_phrase_wins_when_two_rules_match() {
    // "open" (rule 2) and "where is my order" (rule 1) both appear.
    let d = decide(&bot(), None, "where is my order, are you open?");
    assert_eq!(rule_of(&d), Some(1));
}

#[test]
fn gather_steps_take_a_bad_answer_then_a_good_one_and_hand_off_with_the_answers() {
    let bot = bot();
    let d = decide(&bot, None, "where is my order");
    assert_eq!(
        d.send,
        [Outgoing::Text("What is your order number?".into())]
    );
    assert!(d.handoff.is_none());
    let s = d.session.expect("asking");
    assert_eq!(
        (s.step, s.retries, s.question.as_str()),
        (0, 0, "where is my order")
    );

    let d = decide(&bot, Some(&s), "I don't know");
    assert_eq!(
        d.send,
        [Outgoing::Text(
            "Hmm, that is not an order number. It looks like #4821.".into()
        )]
    );
    assert!(d.keep.is_empty());
    let s = d.session.expect("still asking");
    assert_eq!((s.step, s.retries), (0, 1));

    let d = decide(&bot, Some(&s), "it's #4821");
    assert_eq!(d.keep, [("Order".to_owned(), "4821".to_owned())]);
    assert_eq!(
        d.send,
        [Outgoing::Text("And the email you ordered with?".into())]
    );
    let s = d.session.expect("next step");
    assert_eq!((s.step, s.retries), (1, 0));

    let d = decide(&bot, Some(&s), "sure, Ana@Example.com");
    assert_eq!(d.keep, [("Email".to_owned(), "ana@example.com".to_owned())]);
    assert_eq!(d.send, [Outgoing::Answer(ANSWER)]);
    assert_eq!(d.session, None);
    let h = d.handoff.expect("handed off");
    assert_eq!(h.reason, HandoffReason::Gathered);
    let note = summary_note(&h);
    assert!(
        note.contains("Order: 4821") && note.contains("Email: ana@example.com"),
        "{note}"
    );
    assert!(note.contains("Asked: where is my order"), "{note}");
}

#[test]
fn too_many_bad_answers_hand_off_with_what_was_gathered() {
    let bot = bot();
    let s = Session {
        rule: FaqRuleId(1),
        step: 1,
        retries: 1,
        question: "where is my order".into(),
        answers: vec![],
    };
    let d = decide(&bot, Some(&s), "no");
    let h = d.handoff.expect("handed off");
    assert!(matches!(h.reason, HandoffReason::BadAnswers { .. }));
    assert_eq!(
        d.send,
        [Outgoing::Text(bot.settings.handoff_message.clone())]
    );
    assert_eq!(d.session, None);
}

#[test]
fn asking_for_a_person_hands_off_at_once_in_any_language_even_mid_questions() {
    let bot = bot();
    for text in [
        "agent please",
        "Can I talk to a person?",
        "HUMAN",
        "quiero hablar con una persona",
        "Ich möchte mit einem Menschen sprechen",
        "je veux un humain",
        "posso falar com um atendente?",
        "Quiero un humano ya",
    ] {
        let d = decide(&bot, None, text);
        let h = d.handoff.expect(text);
        assert!(matches!(h.reason, HandoffReason::Asked { .. }), "{text}");
        assert_eq!(
            d.send,
            [Outgoing::Text(bot.settings.handoff_message.clone())]
        );
    }
    let asking = decide(&bot, None, "where is my order")
        .session
        .expect("asking");
    let d = decide(&bot, Some(&asking), "agent please");
    assert_eq!(d.session, None);
    assert_eq!(
        d.handoff.expect("handoff").rule_name.as_deref(),
        Some("Where is my order")
    );
}

#[test]
fn a_rule_without_steps_answers_and_stays_out_of_the_way() {
    let d = decide(&bot(), None, "opening hours?");
    assert_eq!(d.send, [Outgoing::Answer(ANSWER)]);
    assert_eq!((d.session, d.handoff), (None, None));
}

#[test]
fn without_a_saved_reply_the_rule_hands_off_and_a_turned_off_rule_is_quiet() {
    let mut r = rule(3, "Refunds", &["refund"], vec![]);
    r.saved_reply_title = None;
    let mut off = rule(4, "Returns", &["return"], vec![]);
    off.rule.enabled = false;
    let bot = Compiled::new(vec![r, off], BotSettings::default());
    let d = decide(&bot, None, "I want a refund");
    assert_eq!(d.handoff.expect("handoff").reason, HandoffReason::NoAnswer);
    assert!(decide(&bot, None, "how do I return it").quiet());
    // A session on a rule turned off since ends; the message is read afresh.
    let s = Session {
        rule: FaqRuleId(4),
        step: 0,
        retries: 0,
        question: "return".into(),
        answers: vec![],
    };
    assert!(decide(&bot, Some(&s), "12345").quiet());
}

#[test]
fn the_rate_limit_turns_a_decision_into_a_silent_hand_off() {
    let s = Session {
        rule: FaqRuleId(1),
        step: 1,
        retries: 0,
        question: "where is my order".into(),
        answers: vec![super::machine::Gathered {
            question: "What is your order number?".into(),
            attribute: "Order".into(),
            value: "4821".into(),
        }],
    };
    let d = Decision::rate_limited(Some(&s), Some("Where is my order".into()), "x");
    assert!(d.send.is_empty());
    let h = d.handoff.expect("handoff");
    assert_eq!(h.reason, HandoffReason::RateLimited);
    assert!(summary_note(&h).contains("Order: 4821"));
}
