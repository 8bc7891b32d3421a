use super::exchange::{FORMAT, VERSION};
use super::*;

fn reply(body: &str, variants: &[(ChannelKind, &str)]) -> SavedReply {
    SavedReply {
        id: SavedReplyId(7),
        folder: "Orders".into(),
        title: "Where is my order".into(),
        body: body.into(),
        variants: variants
            .iter()
            .map(|(c, b)| SavedReplyVariant {
                channel: *c,
                body: (*b).into(),
            })
            .collect(),
        files: vec![],
        uses: 0,
        last_used_at: None,
        updated_at: 0,
    }
}

fn maria() -> Values {
    Values {
        full_name: Some("María García".into()),
        agent_name: Some("Sam".into()),
        business_hours: Some("Mon–Fri 9–17".into()),
        attributes: vec![
            ("Order".into(), "#4821 — linen tote bag".into()),
            ("Customer since".into(), "2023-05-12".into()),
            ("Empty".into(), "  ".into()),
        ],
    }
}

#[test]
fn variables_take_the_customers_values_then_fallbacks() {
    let r = reply(
        "Hi {{first_name|there}} {{last_name}}, {{Order|your order}} ships soon. {{agent_name}} ({{business_hours}}), since {{customer_since}}.",
        &[],
    );
    let f = fill(&r, ChannelKind::Telegram, &maria());
    assert_eq!(
        f.text,
        "Hi María García, #4821 — linen tote bag ships soon. Sam (Mon–Fri 9–17), since 2023-05-12."
    );
    assert!(f.missing.is_empty());
    assert!(f.notes.is_empty());
    let order = f
        .parts
        .iter()
        .find(|p| p.variable.as_deref() == Some("Order"))
        .expect("part");
    assert!(!order.fallback && !order.missing);

    // A customer known only by a number: no first name, so the fallbacks.
    let stranger = Values {
        full_name: Some("+1 415 555 0101".into()),
        business_hours: Some(String::new()),
        ..Values::default()
    };
    let f = fill(&r, ChannelKind::Sms, &stranger);
    assert_eq!(f.text, "Hi there , your order ships soon.  (), since .");
    // Each missing variable once, as written; business hours not set count as missing.
    assert_eq!(
        f.missing,
        [
            "last_name",
            "agent_name",
            "business_hours",
            "customer_since"
        ]
    );
    assert!(f.parts.iter().any(|p| p.fallback && p.text == "there"));
    assert!(
        f.notes[0].contains("{{last_name}}, {{agent_name}}"),
        "{:?}",
        f.notes
    );
}

#[test]
fn empty_attributes_and_explicit_empty_fallbacks() {
    let r = reply(
        "[{{Empty|none}}] [{{Empty|}}] [{{ORDER}}] [{{unknown}}]",
        &[],
    );
    let f = fill(&r, ChannelKind::Email, &maria());
    assert_eq!(f.text, "[none] [] [#4821 — linen tote bag] []");
    assert_eq!(f.missing, ["unknown"]);
}

#[test]
fn values_are_plain_text_never_templates() {
    let mut v = maria();
    v.full_name = Some("{{agent_name}} <b>x</b>".into());
    let f = fill(&reply("{{full_name}}", &[]), ChannelKind::Telegram, &v);
    assert_eq!(f.text, "{{agent_name}} <b>x</b>");
}

#[test]
fn each_channel_gets_its_variant_else_the_default() {
    let r = reply(
        "*Hi* {{first_name}}, _see_ the rates",
        &[(
            ChannelKind::Sms,
            "Hi {{first_name}}: rates at example.com/r",
        )],
    );
    let sms = fill(&r, ChannelKind::Sms, &maria());
    assert!(sms.variant);
    assert_eq!(sms.text, "Hi María: rates at example.com/r");
    // WhatsApp shows the formatting: the default as written.
    let wa = fill(&r, ChannelKind::Whatsapp, &maria());
    assert!(!wa.variant);
    assert_eq!(wa.text, "*Hi* María, _see_ the rates");
    // Elsewhere the markers would show as typed: removed.
    for c in [
        ChannelKind::Telegram,
        ChannelKind::Email,
        ChannelKind::Messenger,
    ] {
        let f = fill(&r, c, &maria());
        assert_eq!(f.text, "Hi María, see the rates", "{c:?}");
        assert_eq!(f.channel, c);
    }
}

#[test]
fn what_the_agent_writes_is_checked_in_words() {
    let ok = validate(SavedReplyInput {
        folder: "  Shipping ".into(),
        title: " Times ".into(),
        body: "Hi {{first_name|there}}".into(),
        variants: vec![],
    })
    .expect("valid");
    assert_eq!(
        (ok.folder.as_str(), ok.title.as_str()),
        ("Shipping", "Times")
    );
    let bad = |title: &str, body: &str, variants: Vec<SavedReplyVariant>| {
        validate(SavedReplyInput {
            folder: String::new(),
            title: title.into(),
            body: body.into(),
            variants,
        })
        .expect_err("invalid")
        .message
    };
    assert!(bad(" ", "x", vec![]).contains("Give the saved reply a title"));
    assert!(bad("t", "  ", vec![]).contains("The reply's text is empty"));
    assert!(bad("t", "Hi {{first_name", vec![]).contains("is not closed"));
    let sms = |b: &str| SavedReplyVariant {
        channel: ChannelKind::Sms,
        body: b.into(),
    };
    assert!(bad("t", "x", vec![sms("")]).contains("The SMS variant is empty"));
    assert!(bad("t", "x", vec![sms("a"), sms("b")]).contains("The SMS variant is there twice"));
    assert!(
        bad("t", "x", vec![sms("{{}}")]).contains("The SMS variant: \"{{}}\" names no variable")
    );
}

#[test]
fn a_bad_import_reports_every_problem_and_writes_nothing() {
    let json = serde_json::json!({
        "format": FORMAT,
        "version": VERSION,
        "savedReplies": [
            {"title": "Fine", "body": "ok"},
            {"title": "Broken", "body": "Hi {{first_name"},
            {"body": "no title"},
            {"title": "Odd channel", "body": "x", "variants": {"fax": "y"}},
            {"title": "fine", "body": "twice"},
            {"title": "Bad file", "body": "x", "files": [{"fileName": "a.pdf", "base64": "***"}]},
            {"title": "Typo", "body": "x", "bodyy": "y"}
        ]
    })
    .to_string();
    let e = super::exchange::check_document_for_tests(&json).expect_err("refused");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let lines: Vec<&str> = e.message.lines().collect();
    assert_eq!(
        lines[0],
        "Nothing was imported: the file has 6 problems. Fix them and import it again."
    );
    assert_eq!(
        lines[1],
        "Reply 2 (“Broken”): The reply's text: \"{{first_name\" is not closed: end the variable with }}, or write \\{{ for two plain braces."
    );
    assert_eq!(lines[2], "Reply 3: missing field `title`.");
    assert_eq!(
        lines[3],
        "Reply 4 (“Odd channel”): \"fax\" is not a channel (variants are for telegram, messenger, instagram, whatsapp, sms, email)."
    );
    assert_eq!(
        lines[4],
        "Reply 5 (“fine”): reply 1 has the same title in the same folder."
    );
    assert!(
        lines[5].starts_with("Reply 6 (“Bad file”): the file \"a.pdf\" is not valid base64"),
        "{}",
        lines[5]
    );
    assert!(
        lines[6].starts_with("Reply 7 (“Typo”): unknown field `bodyy`"),
        "{}",
        lines[6]
    );
    assert_eq!(lines.len(), 7);

    for (doc, says) in [
        ("not json", "the file is not JSON"),
        (
            r#"{"format":"other","version":1,"savedReplies":[]}"#,
            "not a file of Parley saved replies",
        ),
        (
            &format!(r#"{{"format":"{FORMAT}","version":2,"savedReplies":[]}}"#),
            "version 2 of the format and this Parley reads version 1. Update Parley",
        ),
        (
            &format!(r#"{{"format":"{FORMAT}","version":1}}"#),
            "no \"savedReplies\" list",
        ),
    ] {
        let e = super::exchange::check_document_for_tests(doc).expect_err("refused");
        assert!(e.message.contains(says), "{doc}: {}", e.message);
    }
}
