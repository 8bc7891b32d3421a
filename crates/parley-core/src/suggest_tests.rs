use super::*;
use parley_domain::CandidateIdentity;
use proptest::prelude::*;

const DAY: Millis = 24 * 3600 * 1000;
const T0: Millis = 1_700_000_000_000;

fn ident(account: i64, channel: ChannelKind, remote: &str, name: &str) -> CandidateIdentity {
    CandidateIdentity {
        account: AccountId(account),
        channel,
        remote_id: remote.to_string(),
        handle: None,
        display_name: name.to_string(),
    }
}

fn with_handle(mut i: CandidateIdentity, handle: &str) -> CandidateIdentity {
    i.handle = Some(handle.to_string());
    i
}

fn cand(id: i64, name: &str, identities: Vec<CandidateIdentity>) -> MergeCandidate {
    MergeCandidate {
        contact: ContactId(id),
        display_name: name.to_string(),
        identities,
        attributes: Vec::new(),
        first_activity_at: T0,
        last_activity_at: T0 + DAY,
    }
}

fn attrs(mut c: MergeCandidate, attributes: &[(&str, &str)]) -> MergeCandidate {
    c.attributes = attributes
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    c
}

fn active(mut c: MergeCandidate, first: Millis, last: Millis) -> MergeCandidate {
    c.first_activity_at = first;
    c.last_activity_at = last;
    c
}

fn none() -> HashSet<(ContactId, ContactId)> {
    HashSet::new()
}

fn pairs(s: &[MergeSuggestion]) -> Vec<(i64, i64)> {
    s.iter().map(|s| (s.a.0, s.b.0)).collect()
}

use ChannelKind::{Email, Instagram, Messenger, Sms, Telegram, Whatsapp};

// ---- phones -----------------------------------------------------------------------------------

#[test]
fn phones_from_many_countries_and_formats_become_e164() {
    let cases: &[(&str, Option<&str>, &str)] = &[
        // United States
        ("+1 415 555 0101", None, "+14155550101"),
        ("+1 (415) 555-0101", None, "+14155550101"),
        ("(415) 555-0101", Some("US"), "+14155550101"),
        ("415.555.0101", Some("us"), "+14155550101"),
        ("tel:+1-415-555-0101", None, "+14155550101"),
        ("001 415 555 0101", None, "+14155550101"),
        ("011 44 7911 123456", Some("US"), "+447911123456"),
        // United Kingdom
        ("+44 7911 123456", None, "+447911123456"),
        ("07911 123456", Some("GB"), "+447911123456"),
        ("+44 (0)20 7946 0958", None, "+442079460958"),
        ("0044 20 7946 0958", None, "+442079460958"),
        ("whatsapp:+447911123456", None, "+447911123456"),
        // Germany
        ("whatsapp:+4915123456789", None, "+4915123456789"),
        ("WhatsApp:+49 151 23456789", None, "+4915123456789"),
        ("0151 23456789", Some("DE"), "+4915123456789"),
        ("0049 (0)151/234 567 89", None, "+4915123456789"),
        ("030 1234567", Some("DE"), "+49301234567"),
        // France
        ("06 12 34 56 78", Some("FR"), "+33612345678"),
        ("+33 6 12 34 56 78", None, "+33612345678"),
        ("06.12.34.56.78", Some("FR"), "+33612345678"),
        // India
        ("+91 98765 43210", None, "+919876543210"),
        ("098765 43210", Some("IN"), "+919876543210"),
        ("98765-43210", Some("IN"), "+919876543210"),
        // Brazil
        ("+55 11 98765-4321", None, "+5511987654321"),
        ("(11) 98765-4321", Some("BR"), "+5511987654321"),
        // Japan
        ("+81 90-1234-5678", None, "+819012345678"),
        ("090-1234-5678", Some("JP"), "+819012345678"),
        // Nigeria
        ("+234 803 123 4567", None, "+2348031234567"),
        ("0803 123 4567", Some("NG"), "+2348031234567"),
        ("sms:+2348031234567", None, "+2348031234567"),
        // Unicode spaces pasted from elsewhere
        ("+49\u{a0}151\u{2009}23456789", None, "+4915123456789"),
    ];
    for (raw, region, want) in cases {
        assert_eq!(
            normalize_phone(raw, *region).as_deref(),
            Some(*want),
            "{raw:?} in {region:?}"
        );
    }
}

#[test]
fn invalid_or_unreadable_phones_are_refused() {
    let cases: &[(&str, Option<&str>)] = &[
        ("", None),
        ("   ", None),
        ("whatsapp:", None),
        ("tel:+", None),
        ("12345", None),
        // National formats need a region.
        ("0151 23456789", None),
        ("(415) 555-0101", None),
        // Wrong lengths and unassigned ranges.
        ("+49 151", None),
        ("+44 20 7946 095", None),
        ("+1 555 123 4567", None),
        ("+999 123456789", None),
        ("+33 6 12 34 56 78 90 12", None),
        ("0803 123 4567", Some("US")),
        // Not a number at all, or more than one.
        ("call me", None),
        ("+1 415 555 0101 ext 12", None),
        ("++4915123456789", None),
        ("+49 151 2345678+9", None),
        ("+4915123456789 / +4915123456780", None),
        ("0151 23456789", Some("XX")),
        ("0151 23456789", Some("not a region")),
        ("١٢٣٤٥٦٧٨٩٠", None),
    ];
    for (raw, region) in cases {
        assert_eq!(normalize_phone(raw, *region), None, "{raw:?} in {region:?}");
    }
}

// ---- emails -----------------------------------------------------------------------------------

#[test]
fn emails_fold_case_plus_tags_and_gmail() {
    let cases: &[(&str, &str)] = &[
        ("ann@example.com", "ann@example.com"),
        ("  Ann.Lee@Example.COM ", "ann.lee@example.com"),
        ("ann+shop@x.com", "ann@x.com"),
        ("ANN+Orders+2024@X.com", "ann@x.com"),
        ("mailto:ann@x.com", "ann@x.com"),
        ("MAILTO:Ann@X.com", "ann@x.com"),
        ("Ann Lee <ann.lee@shop.co.uk>", "ann.lee@shop.co.uk"),
        ("a.n.n.lee@gmail.com", "annlee@gmail.com"),
        ("Ann.Lee+news@googlemail.com", "annlee@gmail.com"),
        // Dots are significant elsewhere.
        ("a.n.n@example.com", "a.n.n@example.com"),
        ("anna@münchen.de", "anna@münchen.de"),
    ];
    for (raw, want) in cases {
        assert_eq!(normalize_email(raw).as_deref(), Some(*want), "{raw:?}");
    }
}

#[test]
fn things_that_are_not_addresses_are_refused() {
    for raw in [
        "",
        "ann",
        "ann@",
        "@example.com",
        "ann@localhost",
        "ann@[127.0.0.1]",
        "ann lee@example.com",
        "ann@@example.com",
        "ann@exa mple.com",
        "+shop@example.com",
        "unknown",
        "\"ann lee\"@example.com",
        "ann@example.com\u{0}",
        "+14155550101",
    ] {
        assert_eq!(normalize_email(raw), None, "{raw:?}");
    }
    let huge = format!("{}@example.com", "a".repeat(5000));
    assert_eq!(normalize_email(&huge), None);
}

// ---- handles ----------------------------------------------------------------------------------

#[test]
fn handles_drop_at_signs_links_and_case() {
    for (raw, want) in [
        ("@Ann_Lee", Some("ann_lee")),
        ("ann.lee.92", Some("ann.lee.92")),
        ("https://t.me/Ann_Lee", Some("ann_lee")),
        ("t.me/ann_lee?start=1", Some("ann_lee")),
        ("https://www.instagram.com/ann.lee/", Some("ann.lee")),
        ("https://evil.example/ann_lee", None),
        ("@", None),
        ("ab", None),
        ("12345", None),
        ("ann lee", None),
        ("ánn", None),
    ] {
        assert_eq!(normalize_handle(raw).as_deref(), want, "{raw:?}");
    }
}

// ---- names ------------------------------------------------------------------------------------

#[test]
fn name_keys_transliterate_sort_and_drop_noise() {
    for (raw, want) in [
        ("José Álvarez", "alvarez jose"),
        ("Jose Alvarez", "alvarez jose"),
        ("García, María", "garcia maria"),
        ("  maria   GARCIA ", "garcia maria"),
        ("Мария Иванова", "ivanova mariia"),
        ("王伟", "wang wei"),
        ("Nguyễn Văn An", "an nguyen van"),
        ("Hans Müller", "hans muller"),
        ("Dr. Hans Müller", "hans muller"),
        ("Ann 😀 Lee", "ann lee"),
        ("ann.lee.92", "ann lee"),
        ("Seán O'Brien", "obrien sean"),
        ("Mary-Jane Watson-Parker", "jane mary parker watson"),
    ] {
        assert_eq!(name_key(raw).as_deref(), Some(want), "{raw:?}");
    }
}

#[test]
fn placeholders_and_short_names_are_no_names() {
    for raw in [
        "",
        "Ann",
        "Al",
        "Li Na",
        "Customer",
        "Customer 1234",
        "Unknown sender",
        "Telegram user",
        "Telegram chat 12345",
        "+1 415 555 0101",
        "whatsapp:+4915123456789",
        "ann.lee@example.com",
        "Ann Lee <ann@example.com>",
        "😀😀😀",
        "Mr. Smith",
        "J. R. R. Tolkien Tolkien",
        "\u{202e}\u{200f}",
    ] {
        assert_eq!(name_key(raw), None, "{raw:?}");
    }
}

#[test]
fn similar_names_across_accents_scripts_and_order() {
    for (a, b) in [
        ("José Álvarez", "Jose Alvarez"),
        ("María García", "garcia maria"),
        ("García, María", "Maria Garcia"),
        ("Hans Müller", "Hans Mueller"),
        ("Hans Müller", "Hans Muller"),
        ("Мария Иванова", "Maria Ivanova"),
        ("王伟", "Wang Wei"),
        ("Jean-Luc Picard", "Jeanluc Picard"),
        ("Maria Garcia", "María García López"),
        ("Zoë Ο'Brien", "Zoe OBrien"),
    ] {
        let sim = name_similarity(a, b);
        assert!(
            sim >= NAME_SIMILARITY_MIN,
            "{a:?} ~ {b:?} should match, got {sim}"
        );
        assert_eq!(sim, name_similarity(b, a), "symmetric: {a:?} {b:?}");
    }
}

#[test]
fn different_names_do_not_match() {
    for (a, b) in [
        ("Maria Garcia", "Maria Gonzalez"),
        ("Ann Lee", "Bob Lee"),
        ("John Smith", "Jane Doe"),
        ("Wang Wei", "Wang Fang"),
        ("Anna Schmidt", "Hanna Schmitz"),
        ("Ann Lee", "Customer 12"),
    ] {
        let sim = name_similarity(a, b);
        assert!(sim < NAME_SIMILARITY_MIN, "{a:?} ~ {b:?} got {sim}");
    }
    assert_eq!(name_similarity("Ann Lee", "Ann Lee"), 1.0);
}

// ---- the engine -------------------------------------------------------------------------------

/// A small inbox: strong matches of each kind, a name-only match, and look-alikes that must not
/// be suggested.
fn inbox() -> Vec<MergeCandidate> {
    vec![
        // Email: one mailbox's address and an attribute with case and a +tag.
        cand(
            1,
            "Ann Lee",
            vec![ident(10, Email, "Ann.Lee@Example.com", "Ann Lee")],
        ),
        attrs(
            cand(
                2,
                "ann_lee",
                vec![with_handle(
                    ident(20, Instagram, "1784000001", "ann_lee"),
                    "ann_lee",
                )],
            ),
            &[("E-mail", "ann.lee+insta@example.com")],
        ),
        // Phone: the same number on SMS and WhatsApp; names too different to add anything.
        cand(
            3,
            "+14155550102",
            vec![ident(30, Sms, "+14155550102", "+14155550102")],
        ),
        cand(
            4,
            "Bo Chen",
            vec![ident(31, Whatsapp, "whatsapp:+14155550102", "Bo Chen")],
        ),
        // Name only: Telegram and Messenger, overlapping activity.
        cand(
            5,
            "José Álvarez",
            vec![ident(40, Telegram, "5550001", "José Álvarez")],
        ),
        cand(
            6,
            "Jose Alvarez",
            vec![ident(50, Messenger, "psid-77", "Jose Alvarez")],
        ),
        // Same name, same channel (two Telegram bots, two user ids): two people.
        cand(
            7,
            "Maria Ivanova",
            vec![ident(40, Telegram, "5550002", "Maria Ivanova")],
        ),
        cand(
            8,
            "Мария Иванова",
            vec![ident(41, Telegram, "5550003", "Мария Иванова")],
        ),
        // Same name across channels, but a year apart.
        active(
            cand(
                9,
                "Tom Baker",
                vec![ident(40, Telegram, "5550004", "Tom Baker")],
            ),
            T0 - 400 * DAY,
            T0 - 380 * DAY,
        ),
        cand(
            10,
            "Tom Baker",
            vec![ident(10, Email, "tom@baker.example", "Tom Baker")],
        ),
        // Placeholders never match by name.
        cand(
            11,
            "Customer 1784",
            vec![ident(20, Instagram, "1784000002", "Customer 1784")],
        ),
        cand(
            12,
            "Customer 1784",
            vec![ident(50, Messenger, "psid-78", "Customer 1784")],
        ),
    ]
}

#[test]
fn an_inbox_is_ranked_email_then_phone_then_name() {
    let got = suggest(&inbox(), &none(), 50);
    assert_eq!(pairs(&got), vec![(1, 2), (3, 4), (5, 6)], "{got:#?}");

    let email = &got[0];
    assert_eq!(
        email.reasons,
        vec![
            MergeReason::SameEmail {
                email: "ann.lee@example.com".into()
            },
            // An Instagram username shown as the name still reads as one.
            MergeReason::SimilarName {
                a: "Ann Lee".into(),
                b: "ann_lee".into()
            }
        ]
    );
    assert_eq!(email.a_name, "Ann Lee");
    assert_eq!(email.b_name, "ann_lee");
    assert_eq!(email.a_channels, vec![Email]);
    assert_eq!(email.b_channels, vec![Instagram]);
    assert_eq!(email.score, 99, "1 − 0.05 × 0.20");

    let phone = &got[1];
    assert_eq!(
        phone.reasons,
        vec![MergeReason::SamePhone {
            phone: "+14155550102".into()
        }]
    );
    assert_eq!(phone.score, 90);

    let name = &got[2];
    assert_eq!(
        name.reasons,
        vec![MergeReason::SimilarName {
            a: "José Álvarez".into(),
            b: "Jose Alvarez".into()
        }]
    );
    assert_eq!(name.score, 80, "identical keys score the name maximum");
    assert!(got.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn dismissed_pairs_never_come_back() {
    let dismissed: HashSet<_> = [(ContactId(1), ContactId(2)), (ContactId(5), ContactId(6))]
        .into_iter()
        .collect();
    let got = suggest(&inbox(), &dismissed, 50);
    assert_eq!(pairs(&got), vec![(3, 4)]);
}

#[test]
fn limit_keeps_the_best() {
    assert_eq!(pairs(&suggest(&inbox(), &none(), 2)), vec![(1, 2), (3, 4)]);
    assert!(suggest(&inbox(), &none(), 0).is_empty());
    assert!(suggest(&[], &none(), 10).is_empty());
}

#[test]
fn a_is_the_lower_id_whatever_the_input_order() {
    let mut reversed = inbox();
    reversed.reverse();
    let got = suggest(&reversed, &none(), 50);
    assert_eq!(got, suggest(&inbox(), &none(), 50));
    assert!(got.iter().all(|s| s.a < s.b));
}

#[test]
fn name_only_needs_activity_within_thirty_days() {
    let tg = |id, first, last| {
        active(
            cand(
                id,
                "Ada Lovelace",
                vec![ident(40, Telegram, "777", "Ada Lovelace")],
            ),
            first,
            last,
        )
    };
    let mail = |id, first, last| {
        active(
            cand(
                id,
                "Ada Lovelace",
                vec![ident(10, Email, "ada@example.org", "Ada Lovelace")],
            ),
            first,
            last,
        )
    };
    let near = [
        tg(1, T0, T0 + DAY),
        mail(2, T0 + 31 * DAY - 1, T0 + 40 * DAY),
    ];
    assert_eq!(pairs(&suggest(&near, &none(), 10)), vec![(1, 2)]);
    let far = [
        tg(1, T0, T0 + DAY),
        mail(2, T0 + 31 * DAY + 1, T0 + 40 * DAY),
    ];
    assert!(suggest(&far, &none(), 10).is_empty());
    // Either side may be the earlier one; times in the wrong order are read sorted.
    let swapped = [
        mail(1, T0 + 40 * DAY, T0 + 31 * DAY - 1),
        tg(2, T0 + DAY, T0),
    ];
    assert_eq!(pairs(&suggest(&swapped, &none(), 10)), vec![(1, 2)]);
}

#[test]
fn name_only_needs_disjoint_channels_and_no_shared_account() {
    // Two mailboxes, two addresses: same channel.
    let same_channel = [
        cand(
            1,
            "Grace Hopper",
            vec![ident(10, Email, "grace@navy.example", "Grace Hopper")],
        ),
        cand(
            2,
            "Grace Hopper",
            vec![ident(11, Email, "ghopper@cobol.example", "Grace Hopper")],
        ),
    ];
    assert!(suggest(&same_channel, &none(), 10).is_empty());
    // Disjoint channels, but both have an identity on account 10 with different addresses.
    let shared_account = [
        cand(
            1,
            "Grace Hopper",
            vec![
                ident(10, Email, "grace@navy.example", "Grace Hopper"),
                ident(40, Telegram, "901", "Grace Hopper"),
            ],
        ),
        cand(
            2,
            "Grace Hopper",
            vec![ident(50, Messenger, "psid-1", "Grace Hopper")],
        ),
        cand(
            3,
            "Grace Hopper",
            vec![ident(10, Email, "gh@cobol.example", "Grace Hopper")],
        ),
    ];
    // 1–2: disjoint channels, no shared account → suggested; 1–3 share Email; 2–3 fine.
    assert_eq!(
        pairs(&suggest(&shared_account, &none(), 10)),
        vec![(1, 2), (2, 3)]
    );
}

#[test]
fn strong_keys_ignore_channels_and_dates() {
    let got = suggest(
        &[
            active(
                cand(
                    1,
                    "Ann Lee",
                    vec![ident(10, Email, "ann@x.example", "Ann Lee")],
                ),
                T0 - 900 * DAY,
                T0 - 800 * DAY,
            ),
            cand(
                2,
                "Ann Lee",
                vec![ident(11, Email, "ANN+2@x.example", "Ann Lee")],
            ),
        ],
        &none(),
        10,
    );
    assert_eq!(pairs(&got), vec![(1, 2)]);
    // The names agree: a supporting reason, and a higher score than the email alone.
    assert_eq!(got[0].reasons.len(), 2);
    assert!(matches!(got[0].reasons[0], MergeReason::SameEmail { .. }));
    assert!(matches!(got[0].reasons[1], MergeReason::SimilarName { .. }));
    assert_eq!(got[0].score, 99);
}

#[test]
fn conflicting_names_lower_a_strong_match() {
    let got = suggest(
        &[
            cand(
                1,
                "Ann Lee",
                vec![ident(30, Sms, "+14155550103", "Ann Lee")],
            ),
            cand(
                2,
                "Bob Stone",
                vec![ident(31, Whatsapp, "whatsapp:+14155550103", "Bob")],
            ),
        ],
        &none(),
        10,
    );
    assert_eq!(pairs(&got), vec![(1, 2)]);
    // 90 % × 0.85: a shared family phone is still worth a look, below a clean phone match.
    assert_eq!(got[0].score, 77);
}

#[test]
fn phone_attributes_are_read_in_the_contacts_region() {
    let got = suggest(
        &[
            attrs(
                cand(
                    1,
                    "Lena Vogel",
                    vec![ident(30, Sms, "+4915123456789", "+4915123456789")],
                ),
                &[("Phone number", "030 1234567")],
            ),
            cand(
                2,
                "L V",
                vec![ident(31, Whatsapp, "whatsapp:+49301234567", "L V")],
            ),
            // No phone of its own: its national-format attribute cannot be read.
            attrs(
                cand(
                    3,
                    "Ola Nordmann",
                    vec![ident(40, Telegram, "12", "Ola Nordmann")],
                ),
                &[("mobile", "030 1234567")],
            ),
        ],
        &none(),
        10,
    );
    assert_eq!(pairs(&got), vec![(1, 2)]);
    assert_eq!(
        got[0].reasons,
        vec![MergeReason::SamePhone {
            phone: "+49301234567".into()
        }]
    );
}

#[test]
fn telegram_user_ids_and_recorded_usernames() {
    let got = suggest(
        &[
            // The same Telegram user writing to two bots.
            cand(
                1,
                "Ivan Petrov",
                vec![ident(40, Telegram, "123456789", "Ivan Petrov")],
            ),
            cand(2, "Ivan", vec![ident(41, Telegram, "123456789", "Ivan")]),
            // A username on two different user ids: it changed hands, not matched.
            cand(
                3,
                "Kim",
                vec![with_handle(ident(40, Telegram, "1001", "Kim"), "kim_k")],
            ),
            cand(
                4,
                "Kim",
                vec![with_handle(ident(41, Telegram, "1002", "Kim"), "Kim_K")],
            ),
            // A username the agents recorded on an email contact matches the Telegram identity.
            attrs(
                cand(
                    5,
                    "Kim Kay",
                    vec![ident(10, Email, "kim@k.example", "Kim Kay")],
                ),
                &[("Telegram", "@KIM_K")],
            ),
            // Instagram usernames are stable per person across two Instagram accounts.
            cand(
                6,
                "noor",
                vec![with_handle(
                    ident(20, Instagram, "1784", "noor"),
                    "noor.designs",
                )],
            ),
            cand(
                7,
                "Noor",
                vec![with_handle(
                    ident(21, Instagram, "9921", "Noor"),
                    "Noor.Designs",
                )],
            ),
        ],
        &none(),
        10,
    );
    assert_eq!(
        pairs(&got),
        vec![(1, 2), (3, 5), (4, 5), (6, 7)],
        "{got:#?}"
    );
    assert_eq!(
        got[0].reasons,
        vec![MergeReason::SameUser {
            channel: Telegram,
            id: "123456789".into()
        }]
    );
    assert_eq!(
        got[3].reasons,
        vec![MergeReason::SameHandle {
            channel: Instagram,
            handle: "noor.designs".into()
        }]
    );
}

#[test]
fn shared_inboxes_and_role_addresses_identify_nobody() {
    let mut many: Vec<MergeCandidate> = (1..=STRONG_KEY_MAX_CONTACTS as i64 + 1)
        .map(|i| {
            attrs(
                cand(
                    i,
                    &format!("Person {i}"),
                    vec![ident(40, Telegram, &i.to_string(), "x")],
                ),
                &[("email", "orders@shop.example")],
            )
        })
        .collect();
    assert!(suggest(&many, &none(), 100).is_empty());
    many.truncate(STRONG_KEY_MAX_CONTACTS);
    assert_eq!(
        suggest(&many, &none(), 100).len(),
        STRONG_KEY_MAX_CONTACTS * (STRONG_KEY_MAX_CONTACTS - 1) / 2
    );

    let role = [
        cand(1, "A", vec![ident(10, Email, "noreply@shop.example", "A")]),
        cand(
            2,
            "B",
            vec![ident(11, Email, "NoReply+x@shop.example", "B")],
        ),
    ];
    assert!(suggest(&role, &none(), 10).is_empty());
}

#[test]
fn the_same_contact_twice_is_not_a_pair() {
    let c = cand(
        1,
        "Ann Lee",
        vec![ident(10, Email, "ann@x.example", "Ann Lee")],
    );
    assert!(suggest(&[c.clone(), c], &none(), 10).is_empty());
}

#[test]
fn ties_go_to_the_most_recent_activity() {
    let pair = |a: i64, at: Millis| {
        [
            active(
                cand(
                    a,
                    "X",
                    vec![ident(10, Email, &format!("p{a}@x.example"), "X")],
                ),
                at,
                at,
            ),
            active(
                cand(
                    a + 1,
                    "Y",
                    vec![ident(11, Email, &format!("P{a}@x.example"), "Y")],
                ),
                at,
                at,
            ),
        ]
    };
    let mut all = Vec::new();
    all.extend(pair(1, T0));
    all.extend(pair(3, T0 + 5 * DAY));
    all.extend(pair(5, T0 - 5 * DAY));
    assert_eq!(
        pairs(&suggest(&all, &none(), 10)),
        vec![(3, 4), (1, 2), (5, 6)]
    );
}

// ---- hostile input ----------------------------------------------------------------------------

const ODD: &[&str] = &[
    "",
    " ",
    "\0",
    "\u{202e}+49 151 23456789\u{202c}",
    "\u{200f}\u{200e}",
    "@",
    "@@",
    "+",
    "00",
    "whatsapp:whatsapp:+1",
    "tel:tel:",
    "(0)(0)(0)",
    "a@b@c.d",
    "😀@😀.😀",
    "\u{feff}ann@x.com",
    "Ω≈ç√∫",
    "ﷺ",
    "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
    "  2 22#:",
];

fn poke(s: &str) {
    let _ = normalize_email(s);
    let _ = normalize_handle(s);
    let _ = name_key(s);
    let _ = name_similarity(s, "Ann Lee");
    for region in [None, Some("DE"), Some("US"), Some(s)] {
        let _ = normalize_phone(s, region);
    }
}

#[test]
fn odd_strings_never_panic() {
    for s in ODD {
        poke(s);
    }
    let huge = "ж".repeat(100_000);
    poke(&huge);
    poke(&format!("+{}", "9".repeat(100_000)));
    poke(&"a ".repeat(50_000));
    let candidates: Vec<MergeCandidate> = ODD
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let channel = ChannelKind::ALL[i % 6];
            attrs(
                active(
                    cand(i as i64, s, vec![ident(i as i64 % 3, channel, s, s)]),
                    i64::MIN,
                    i64::MAX,
                ),
                &[("email", s), ("phone", s), ("telegram", s), (s, s)],
            )
        })
        .collect();
    let _ = suggest(&candidates, &none(), usize::MAX);
}

proptest! {
    #[test]
    fn any_string_is_safe(s in "\\PC{0,60}|[\\x00-\\x1f\\u{200e}\\u{200f}\\u{202a}-\\u{202e}+0-9() .@-]{0,40}") {
        poke(&s);
        let c = |id: i64, ch: ChannelKind| attrs(
            cand(id, &s, vec![with_handle(ident(id, ch, &s, &s), &s)]),
            &[("e-mail", &s), ("Phone", &s), ("instagram", &s)],
        );
        let got = suggest(&[c(1, Telegram), c(2, Whatsapp), c(3, Email)], &none(), 10);
        prop_assert!(got.iter().all(|s| s.a < s.b && !s.reasons.is_empty() && s.score <= 100));
    }
}

proptest! {
    #[test]
    fn phone_shaped_strings_are_safe(
        s in "(whatsapp:|tel:)?[+]?[0-9 ().#*/-]{0,24}",
        region in prop::sample::select(vec!["US", "GB", "DE", "FR", "IN", "BR", "JP", "NG", "AQ"]),
    ) {
        if let Some(e164) = normalize_phone(&s, Some(region)) {
            prop_assert!(e164.starts_with('+'));
            prop_assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()));
            // The normal form is a fixed point.
            prop_assert_eq!(normalize_phone(&e164, None), Some(e164.clone()));
        }
    }
}

#[test]
fn several_shared_keys_are_listed_strongest_first_in_a_fixed_order() {
    let two = || {
        [
            attrs(
                cand(
                    1,
                    "Ann Lee",
                    vec![ident(10, Email, "ann@x.example", "Ann Lee")],
                ),
                &[("email", "ann@y.example"), ("phone", "+4915123456789")],
            ),
            attrs(
                cand(
                    2,
                    "Ann Lee",
                    vec![ident(11, Email, "ann@y.example", "Ann Lee")],
                ),
                &[("email", "ann@x.example"), ("phone", "0049 151 23456789")],
            ),
        ]
    };
    let got = suggest(&two(), &none(), 10);
    assert_eq!(got.len(), 1);
    let kinds: Vec<&str> = got[0]
        .reasons
        .iter()
        .map(|r| match r {
            MergeReason::SameEmail { .. } => "email",
            MergeReason::SamePhone { .. } => "phone",
            MergeReason::SimilarName { .. } => "name",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["email", "email", "phone", "name"]);
    assert_eq!(got[0].score, 100);
    for _ in 0..5 {
        assert_eq!(suggest(&two(), &none(), 10), got);
    }
}

// ---- scale ------------------------------------------------------------------------------------

/// A tiny deterministic generator (no dependency for tests).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "te", "su", "no", "vi", "da", "pe", "zu", "ho", "ri", "ga", "be", "sa",
    "to", "ne", "fu", "ya",
];

/// A name unlikely to be near any other: three syllables each for first and last name.
fn random_name(rng: &mut Rng) -> String {
    let word = |rng: &mut Rng| {
        let mut w = String::new();
        for _ in 0..3 {
            w.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
        }
        let mut c = w.chars();
        let first = c.next().map(|f| f.to_ascii_uppercase()).unwrap_or('X');
        format!("{first}{}", c.as_str())
    };
    let first = word(rng);
    let mut last = word(rng);
    while last == first {
        last = word(rng);
    }
    format!("{first} {last}")
}

/// What `suggest` must return for one pair, judged pair by pair from the documented rules.
fn judge(pa: &Prepared<'_>, pb: &Prepared<'_>) -> bool {
    let shares_key = pa
        .keys
        .iter()
        .any(|(k, _)| pb.keys.iter().any(|(l, _)| k == l));
    if shares_key {
        return true;
    }
    let names_close = best_names(pa, pb).is_some_and(|(s, _, _)| s >= NAME_SIMILARITY_MIN);
    // The documented blocking rule: one word in common and another starting alike.
    let one_block = pa
        .names
        .iter()
        .flat_map(|(_, k)| k.blocks().collect::<Vec<_>>())
        .any(|x| pb.names.iter().any(|(_, k)| k.blocks().any(|y| y == x)));
    names_close && one_block && name_only_allowed(pa, pb)
}

/// `n` background contacts on random channels and times, plus planted duplicates of each kind.
/// Returns the candidates and the planted pairs.
fn synthetic(n: usize, seed: u64) -> (Vec<MergeCandidate>, Vec<(i64, i64)>) {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(n);
    let mut planted = Vec::new();
    let mut next_id = 1i64;
    let mut id = || {
        next_id += 1;
        next_id
    };
    let time = |rng: &mut Rng| T0 - (rng.below(3 * 365) as i64) * DAY;
    while out.len() < n {
        match rng.below(20) {
            // An email duplicate: identity vs attribute with case and a tag.
            0 => {
                let (x, y) = (id(), id());
                let name = random_name(&mut rng);
                let local = format!("u{x}");
                out.push(cand(
                    x,
                    &name,
                    vec![ident(1, Email, &format!("{local}@mail.example"), &name)],
                ));
                out.push(attrs(
                    cand(
                        y,
                        "someone",
                        vec![ident(2, Messenger, &format!("psid{y}"), "someone")],
                    ),
                    &[(
                        "Email",
                        &format!("{}+vip@MAIL.example", local.to_uppercase()),
                    )],
                ));
                planted.push((x, y));
            }
            // A phone duplicate: SMS vs WhatsApp, formatted differently.
            1 => {
                let (x, y) = (id(), id());
                let n7 = 2_000_000 + (x as u64 % 7_000_000);
                let name = random_name(&mut rng);
                out.push(cand(
                    x,
                    &name,
                    vec![ident(3, Sms, &format!("+1415{n7}"), &name)],
                ));
                out.push(cand(
                    y,
                    &name.to_uppercase(),
                    vec![ident(
                        4,
                        Whatsapp,
                        &format!("whatsapp:+1 (415) {:03}-{:04}", n7 / 10_000, n7 % 10_000),
                        "w",
                    )],
                ));
                planted.push((x, y));
            }
            // A name duplicate: Telegram vs Instagram, accents added, same week.
            2 => {
                let (x, y) = (id(), id());
                let name = random_name(&mut rng);
                let accented = name.replacen('a', "á", 1).replacen('o', "ö", 1);
                let at = time(&mut rng);
                out.push(active(
                    cand(x, &name, vec![ident(5, Telegram, &x.to_string(), &name)]),
                    at,
                    at + DAY,
                ));
                out.push(active(
                    cand(
                        y,
                        &accented,
                        vec![ident(6, Instagram, &format!("ig{y}"), &accented)],
                    ),
                    at + 3 * DAY,
                    at + 9 * DAY,
                ));
                planted.push((x, y));
            }
            // Background: one contact on a random channel.
            _ => {
                let x = id();
                let name = random_name(&mut rng);
                let channel = ChannelKind::ALL[rng.below(6)];
                let remote = match channel {
                    Sms => format!("+4420{}", 70_000_000 + x),
                    Whatsapp => format!("whatsapp:+4915{}", 100_000_000 + x),
                    Email => format!("c{x}@example.org"),
                    _ => x.to_string(),
                };
                let at = time(&mut rng);
                out.push(active(
                    cand(
                        x,
                        &name,
                        vec![ident(7 + channel as i64, channel, &remote, &name)],
                    ),
                    at,
                    at + rng.below(60) as i64 * DAY,
                ));
            }
        }
    }
    (out, planted)
}

#[test]
fn suggest_20k_finds_every_planted_pair_and_only_justified_ones() {
    let (candidates, planted) = synthetic(20_000, 0x5eed);
    assert!(candidates.len() >= 20_000 && planted.len() > 1500);
    let started = std::time::Instant::now();
    let got = suggest(&candidates, &none(), usize::MAX);
    let elapsed = started.elapsed();
    println!(
        "suggest over {} candidates: {} suggestions in {elapsed:?} (this build's profile)",
        candidates.len(),
        got.len()
    );

    let found: HashSet<(i64, i64)> = pairs(&got).into_iter().collect();
    assert_eq!(found.len(), got.len(), "each pair once");
    for p in &planted {
        assert!(found.contains(p), "planted pair {p:?} missing");
    }
    let by_id: HashMap<i64, &MergeCandidate> =
        candidates.iter().map(|c| (c.contact.0, c)).collect();
    for s in &got {
        assert!(
            judge(&prepare(by_id[&s.a.0]), &prepare(by_id[&s.b.0])),
            "unjustified suggestion {s:#?}"
        );
    }
    assert!(got.windows(2).all(|w| w[0].score >= w[1].score));

    // Dismissing half the planted pairs removes exactly those.
    let dismissed: HashSet<(ContactId, ContactId)> = planted
        .iter()
        .step_by(2)
        .map(|&(a, b)| (ContactId(a), ContactId(b)))
        .collect();
    let after = suggest(&candidates, &dismissed, usize::MAX);
    assert_eq!(after.len(), got.len() - dismissed.len());
    assert!(after.iter().all(|s| !dismissed.contains(&(s.a, s.b))));
}

#[test]
fn blocking_finds_what_comparing_every_pair_finds() {
    let (candidates, _) = synthetic(700, 0xb10c);
    let prepared: Vec<Prepared<'_>> = candidates.iter().map(prepare).collect();
    let mut want: Vec<(i64, i64)> = Vec::new();
    for (i, a) in prepared.iter().enumerate() {
        for b in &prepared[i + 1..] {
            if judge(a, b) {
                let (x, y) = (a.candidate.contact.0, b.candidate.contact.0);
                want.push((x.min(y), x.max(y)));
            }
        }
    }
    want.sort();
    let mut got = pairs(&suggest(&candidates, &none(), usize::MAX));
    got.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want);
}

// ---- customers imported from a file (no identity) ----------------------------------------------

#[test]
fn imported_customers_match_by_email_and_phone_never_by_name_alone() {
    // Imported: no identity, an email and a phone as the import stores them.
    let imported = attrs(
        cand(1, "Maria Garcia", vec![]),
        &[
            ("Email", "maria.garcia@shop-customer.test"),
            ("Phone", "+4915112345678"),
        ],
    );
    let namesake = attrs(cand(2, "María García", vec![]), &[("City", "Madrid")]);
    // Later they write: by SMS from the number, by mail from the address.
    let sms = cand(
        3,
        "+49 151 12345678",
        vec![ident(10, Sms, "+4915112345678", "")],
    );
    let mail = cand(
        4,
        "M. Garcia",
        vec![ident(
            11,
            Email,
            "Maria.Garcia+orders@shop-customer.test",
            "M. Garcia",
        )],
    );
    // Someone of the same name on Telegram, with nothing else in common.
    let telegram = cand(
        5,
        "María García",
        vec![ident(12, Telegram, "777", "María García")],
    );
    let out = suggest(&[imported, namesake, sms, mail, telegram], &none(), 10);
    assert_eq!(pairs(&out), [(1, 4), (1, 3)], "{out:#?}");
    assert_eq!(
        out[0].reasons[0],
        MergeReason::SameEmail {
            email: "maria.garcia@shop-customer.test".into()
        }
    );
    assert_eq!(
        out[1].reasons,
        [MergeReason::SamePhone {
            phone: "+4915112345678".into()
        }]
    );
    // The imported side shows no channel.
    assert!(out[0].a_channels.is_empty());
    assert_eq!(out[0].b_channels, [Email]);
}
