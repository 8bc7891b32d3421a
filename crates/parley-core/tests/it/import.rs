//! Customer import from CSV (`parley-core/src/import/`, `parley-store/src/import.rs`): nasty
//! files give an exact report (line numbers of where each record starts), the import is all or
//! nothing (cancel, an error, kill -9 mid-transaction), and imported customers are found by the
//! merge suggestions when they later write in.

use parley_core::import::{import_into, preview};
use parley_domain::*;
use parley_store::{ImportPlan, NewAccount, PlannedRow, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NOW: Millis = 1_750_000_000_000;

fn request(encoding: &str, mapping: Vec<ImportTarget>, mode: ImportMode) -> ImportRequest {
    ImportRequest {
        encoding: encoding.into(),
        mapping,
        mode,
        phone_region: None,
    }
}

fn attr(key: &str, kind: AttributeKind) -> ImportTarget {
    ImportTarget::Attribute {
        key: key.into(),
        attribute_kind: kind,
    }
}

/// A customer who wrote by email (an identity, no attributes); answers their contact.
fn known_by_mail(s: &mut Store, address: &str, name: &str) -> ContactId {
    let account = match s.accounts().expect("accounts").first() {
        Some(a) => a.id,
        None => s
            .insert_account(
                &NewAccount {
                    channel: ChannelKind::Email,
                    name: "Shop mail".into(),
                    handle: None,
                    external_id: "shop@parley.test".into(),
                    is_demo: false,
                },
                0,
            )
            .expect("account"),
    };
    let person = RemotePerson {
        remote_id: address.into(),
        display_name: name.into(),
        handle: None,
    };
    let batch = IngestBatch {
        messages: vec![IncomingMessage {
            remote_thread_id: format!("t-{address}"),
            remote_id: format!("m-{address}"),
            direction: Direction::Inbound,
            sender: person.clone(),
            customer: person,
            text: "hello".into(),
            attachments: vec![],
            sent_at: 1_000,
            reply_to_remote_id: None,
            subject: None,
            quoted_text: None,
        }],
        ..Default::default()
    };
    let thread = s
        .apply_batch(account, &batch, None, 1_000)
        .expect("ingest")
        .changed_threads[0];
    s.contact_context(thread)
        .expect("context")
        .expect("contact")
        .contact_id
}

fn contact_count(s: &Store) -> usize {
    let mut n = 0;
    let mut cursor = None;
    loop {
        let page = s
            .list_contacts("", ContactSort::Name, cursor.as_ref(), CONTACT_PAGE_MAX)
            .expect("list");
        n += page.contacts.len();
        match page.next {
            Some(c) => cursor = Some(c),
            None => return n,
        }
    }
}

fn summary(report: &ImportReport) -> Vec<(u32, ImportOutcome, String, Vec<String>)> {
    report
        .rows
        .iter()
        .map(|r| (r.line, r.outcome, r.name.clone(), r.notes.clone()))
        .collect()
}

fn attributes_of(s: &Store, c: ContactId) -> Vec<(String, String)> {
    s.contact_attributes(c)
        .expect("attributes")
        .into_iter()
        .map(|a| (a.key, a.value))
        .collect()
}

const NASTY: &str = "\u{feff}Name,E-Mail,Phone,Order total,Customer since,Notes\r\n\
Ana García,ana@shop.test,+34 612 345 678,129.90,2024-02-29,\"Likes\r\nblue\"\r\n\
Ben Okafor,BEN@Mail.test,,twelve,2024-13-01,\"=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\"\r\n\
,,,,,\r\n\
Ana G.,ana+promo@shop.test,,1,,dup\r\n\
\u{202e}nosliW\u{202c} \u{200f}محمد,,+44 20 7946 0958,,,\r\n\
Broken,row\r\n\
\"Carol \"\"CJ\"\" Jones\",carol@x.test,,,,\"multi\nline\nnote\"\r\n\
Dana New Name,dana@known.test,,5,,\r\n\
,,,,,nothing to know them by\r\n\
,nobody@,not a phone,,,\r\n\
Fay,fay@x.test,+447911123456,,,\r\n\
Fay again,,+44 7911 123456,,,\r\n";

#[test]
fn a_nasty_file_gives_an_exact_report() {
    let mut s = Store::open_in_memory().expect("store");
    let dana = known_by_mail(&mut s, "Dana@Known.test", "Dana");
    let p = preview("customers.csv", NASTY.as_bytes(), None).expect("preview");
    assert_eq!((p.encoding.as_str(), p.encoding_certain), ("UTF-8", true));
    assert_eq!(p.delimiter, ",");
    assert_eq!(p.headers[0], "Name");
    assert_eq!(p.row_count, 12);
    assert_eq!(p.broken_count, 1);
    assert_eq!(
        p.suggested,
        [
            ImportTarget::Name,
            ImportTarget::Email,
            ImportTarget::Phone,
            attr("Order total", AttributeKind::Text),
            attr("Customer since", AttributeKind::Text),
            attr("Notes", AttributeKind::Text),
        ]
    );
    let lines: Vec<u32> = p.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16]);

    let mapping = vec![
        ImportTarget::Name,
        ImportTarget::Email,
        ImportTarget::Phone,
        attr("Order total", AttributeKind::Number),
        attr("Customer since", AttributeKind::Date),
        attr("Notes", AttributeKind::Text),
    ];
    let report = import_into(
        &mut s,
        "customers.csv",
        NASTY.as_bytes(),
        &request("UTF-8", mapping, ImportMode::Overwrite),
        NOW,
        &mut |_| true,
    )
    .expect("import");
    let rows = summary(&report);
    let s_ = |s: &str| s.to_string();
    assert_eq!(
        rows,
        vec![
            (5, ImportOutcome::Skipped, s_(""), vec![s_("Empty row.")]),
            (
                6,
                ImportOutcome::Skipped,
                s_("Ana G."),
                vec![s_(
                    "Duplicate of line 2 (the same email, ana@shop.test); the first is imported."
                )]
            ),
            (
                8,
                ImportOutcome::Skipped,
                s_("Broken"),
                vec![s_(
                    "Broken row: it has 2 columns where the header has 6 (a missing or extra separator, or an unclosed quote)."
                )]
            ),
            (
                13,
                ImportOutcome::Skipped,
                s_(""),
                vec![s_("No name, email or phone to know the customer by.")]
            ),
            (
                14,
                ImportOutcome::Skipped,
                s_(""),
                vec![s_(
                    "No name, email or phone to know the customer by. (E-Mail: \"nobody@\" is not an email address; left out; Phone: \"not a phone\" is not a phone number (write it with its country code, or choose the country of national numbers); left out)"
                )]
            ),
            (
                16,
                ImportOutcome::Skipped,
                s_("Fay again"),
                vec![s_(
                    "Duplicate of line 15 (the same phone, +447911123456); the first is imported."
                )]
            ),
            (12, ImportOutcome::Updated, s_("Dana New Name"), vec![]),
            (2, ImportOutcome::Created, s_("Ana García"), vec![]),
            (
                4,
                ImportOutcome::Created,
                s_("Ben Okafor"),
                vec![
                    s_("Order total: \"twelve\" is not a number; left out"),
                    s_("Customer since: \"2024-13-01\" is not a date (YYYY-MM-DD); left out"),
                ]
            ),
            (7, ImportOutcome::Created, s_("nosliW محمد"), vec![]),
            (9, ImportOutcome::Created, s_("Carol \"CJ\" Jones"), vec![]),
            (15, ImportOutcome::Created, s_("Fay"), vec![]),
        ]
    );
    assert_eq!(
        (
            report.created,
            report.updated,
            report.unchanged,
            report.skipped,
            report.cancelled
        ),
        (5, 1, 0, 6, false)
    );
    // What was written: typed, normalised, hostile text kept as text.
    let id = |line: u32| {
        report
            .rows
            .iter()
            .find(|r| r.line == line)
            .and_then(|r| r.contact_id)
            .expect("contact")
    };
    assert_eq!(
        attributes_of(&s, id(2)),
        [
            (s_("Customer since"), s_("2024-02-29")),
            (s_("Email"), s_("ana@shop.test")),
            (s_("Notes"), s_("Likes\r\nblue")),
            (s_("Order total"), s_("129.90")),
            (s_("Phone"), s_("+34612345678")),
        ]
    );
    assert_eq!(
        attributes_of(&s, id(4)),
        [
            (s_("Email"), s_("BEN@Mail.test")),
            (s_("Notes"), s_("=HYPERLINK(\"http://evil.test\",\"x\")")),
        ]
    );
    assert_eq!(id(12), dana);
    let ctx = s.contact_by_id(dana).expect("read").expect("dana");
    assert_eq!(ctx.display_name, "Dana New Name");
    assert_eq!(ctx.identities.len(), 1, "the identity stays");
    // Imported customers are on the Contacts screen and found by their number's digits.
    let found = s
        .list_contacts("612 345", ContactSort::Name, None, 10)
        .expect("search");
    assert_eq!(found.contacts.len(), 1);
    assert_eq!(found.contacts[0].display_name, "Ana García");
    assert!(found.contacts[0].channels.is_empty());
    assert_eq!(s.import_counts().expect("counts"), (1, 5));
    let (_, at, file) = s.contact_import(id(2)).expect("read").expect("imported");
    assert_eq!((at, file.as_str()), (NOW, "customers.csv"));
    assert_eq!(s.contact_import(dana).expect("read"), None);
    // The pane says where an imported customer came from (and nothing for one who wrote in).
    let ana = s.contact_by_id(id(2)).expect("read").expect("ana");
    assert_eq!(
        ana.imported,
        Some(ImportedFrom {
            file_name: "customers.csv".into(),
            at: NOW
        })
    );
    assert_eq!(ctx.imported, None);

    // The same file again: everyone matches now, nothing new; fill-blanks changes nothing.
    let again = import_into(
        &mut s,
        "customers.csv",
        NASTY.as_bytes(),
        &request(
            "UTF-8",
            vec![
                ImportTarget::Name,
                ImportTarget::Email,
                ImportTarget::Phone,
                attr("Order total", AttributeKind::Number),
                attr("Customer since", AttributeKind::Date),
                attr("Notes", AttributeKind::Text),
            ],
            ImportMode::FillBlanks,
        ),
        NOW + 1,
        &mut |_| true,
    )
    .expect("again");
    assert_eq!(
        (again.created, again.updated, again.unchanged, again.skipped),
        (0, 0, 6, 6)
    );
}

#[test]
fn latin1_semicolons_and_fill_blanks() {
    let mut s = Store::open_in_memory().expect("store");
    let known = known_by_mail(&mut s, "jose@tienda.test", "José");
    s.set_contact_attribute(
        known,
        &ContactAttribute {
            key: "Ciudad".into(),
            kind: AttributeKind::Text,
            value: "Sevilla".into(),
        },
        5,
    )
    .expect("attribute");
    // Windows-1252: é = E9, ñ = F1, á = E1, ü = FC.
    let file: &[u8] = b"Nombre;Apellidos;Correo;Ciudad;Pa\xEDs\r\n\
Jos\xE9;Mu\xF1oz;jose@tienda.test;M\xE1laga;Espa\xF1a\r\n\
J\xFCrgen;M\xFCller;;K\xF6ln;Alemania\r\n";
    let p = preview("clientes.csv", file, None).expect("preview");
    assert_eq!(
        (p.encoding.as_str(), p.encoding_certain),
        ("windows-1252", false)
    );
    assert_eq!(p.delimiter, ";");
    assert_eq!(
        p.headers,
        ["Nombre", "Apellidos", "Correo", "Ciudad", "País"]
    );
    assert_eq!(p.rows[0].cells[1], "Muñoz");
    assert_eq!(
        p.suggested[..3],
        [
            ImportTarget::FirstName,
            ImportTarget::LastName,
            ImportTarget::Email
        ]
    );
    // Read as UTF-8 instead, every row with an accent is broken.
    let as_utf8 = preview("clientes.csv", file, Some("UTF-8")).expect("preview");
    assert_eq!(as_utf8.broken_count, 2);
    let report = import_into(
        &mut s,
        "clientes.csv",
        file,
        &request("windows-1252", p.suggested.clone(), ImportMode::FillBlanks),
        NOW,
        &mut |_| true,
    )
    .expect("import");
    assert_eq!(
        summary(&report)
            .into_iter()
            .map(|(l, o, n, _)| (l, o, n))
            .collect::<Vec<_>>(),
        [
            (2, ImportOutcome::Updated, "José".to_string()),
            (3, ImportOutcome::Created, "Jürgen Müller".to_string())
        ]
    );
    // Fill blanks: the known name and city stay; the country and the address are added.
    let ctx = s.contact_by_id(known).expect("read").expect("known");
    assert_eq!(ctx.display_name, "José");
    assert_eq!(
        attributes_of(&s, known),
        [
            ("Ciudad".to_string(), "Sevilla".to_string()),
            ("Email".to_string(), "jose@tienda.test".to_string()),
            ("País".to_string(), "España".to_string()),
        ]
    );
}

#[test]
fn empty_and_header_only_files() {
    assert_eq!(
        preview("empty.csv", b"", None).expect_err("empty"),
        "the file is empty"
    );
    let p = preview("h.csv", b"\xEF\xBB\xBFName,Email\r\n", None).expect("header only");
    assert_eq!((p.row_count, p.headers.len()), (0, 2));
    let mut s = Store::open_in_memory().expect("store");
    let report = import_into(
        &mut s,
        "h.csv",
        b"Name,Email\r\n",
        &request(
            "UTF-8",
            vec![ImportTarget::Name, ImportTarget::Email],
            ImportMode::Overwrite,
        ),
        NOW,
        &mut |_| true,
    )
    .expect("import");
    assert_eq!(
        (report.created, report.skipped, report.rows.len()),
        (0, 0, 0)
    );
    // A mapping that names nobody is refused before anything is read into the store.
    let err = import_into(
        &mut s,
        "x.csv",
        b"a,b\r\n1,2\r\n",
        &request(
            "UTF-8",
            vec![ImportTarget::Ignore, attr("B", AttributeKind::Text)],
            ImportMode::Overwrite,
        ),
        NOW,
        &mut |_| true,
    )
    .expect_err("no identifying column");
    assert!(err.contains("at least one column"), "{err}");
}

fn generated(rows: usize) -> String {
    let mut out = String::from("First name,Last name,Email,Phone,Plan,Orders,Signed up\n");
    for i in 0..rows {
        out.push_str(&format!(
            "Person{i},\"Family, {i}\",person{i}@customers.test,+4915{:09},\"gold\nplus\",{},2023-0{}-1{}\n",
            100_000_000 + i,
            i % 97,
            1 + i % 9,
            i % 10
        ));
    }
    out
}

fn generated_request() -> ImportRequest {
    request(
        "UTF-8",
        vec![
            ImportTarget::FirstName,
            ImportTarget::LastName,
            ImportTarget::Email,
            ImportTarget::Phone,
            attr("Plan", AttributeKind::Text),
            attr("Orders", AttributeKind::Number),
            attr("Signed up", AttributeKind::Date),
        ],
        ImportMode::Overwrite,
    )
}

#[test]
fn a_cancel_or_an_error_leaves_nothing() {
    let mut s = Store::open_in_memory().expect("store");
    let file = generated(1_200);
    let mut calls = 0;
    let report = import_into(
        &mut s,
        "big.csv",
        file.as_bytes(),
        &generated_request(),
        NOW,
        &mut |done| {
            calls += 1;
            done < 500
        },
    )
    .expect("cancelled");
    assert!(report.cancelled);
    assert!(calls >= 3, "{calls}");
    assert_eq!(contact_count(&s), 0);
    assert_eq!(s.import_counts().expect("counts"), (0, 0));
    // A plan whose second row names a customer who is gone: the first row is not kept either.
    let plan = ImportPlan {
        file_name: "x.csv".into(),
        mode: ImportMode::Overwrite,
        rows: vec![
            PlannedRow {
                line: 2,
                contact: None,
                name: Some("Kept?".into()),
                attributes: vec![],
            },
            PlannedRow {
                line: 3,
                contact: Some(ContactId(424_242)),
                name: None,
                attributes: vec![],
            },
        ],
        skipped: 0,
    };
    assert!(s.import_contacts(&plan, NOW, &mut |_| true).is_err());
    assert_eq!(contact_count(&s), 0);
    assert_eq!(s.import_counts().expect("counts"), (0, 0));
    // Uncancelled, the same file imports whole.
    let report = import_into(
        &mut s,
        "big.csv",
        file.as_bytes(),
        &generated_request(),
        NOW,
        &mut |_| true,
    )
    .expect("import");
    assert_eq!((report.created, report.skipped), (1_200, 0));
    assert_eq!(contact_count(&s), 1_200);
    // Quoted line breaks: each record is two lines, after a one-line header.
    assert_eq!(report.rows[1].line, 4);
    assert_eq!(report.rows[1_199].line, 2 + 2 * 1_199);
}

#[test]
fn imported_customers_are_suggested_when_they_write_in() {
    let mut s = Store::open_in_memory().expect("store");
    import_into(
        &mut s,
        "shop.csv",
        b"Name,Email\nGrace Hopper,Grace.Hopper+shop@navy.test\nNo Mail,\n",
        &request(
            "UTF-8",
            vec![ImportTarget::Name, ImportTarget::Email],
            ImportMode::Overwrite,
        ),
        NOW,
        &mut |_| true,
    )
    .expect("import");
    let writer = known_by_mail(&mut s, "grace.hopper@navy.test", "G. Hopper");
    let candidates = s.merge_candidates().expect("candidates");
    // The imported customer with an address takes part; the one with only a name has nothing
    // to be matched by and is left out.
    assert!(
        candidates
            .iter()
            .any(|c| c.display_name == "Grace Hopper" && c.identities.is_empty())
    );
    assert!(!candidates.iter().any(|c| c.display_name == "No Mail"));
    let out = parley_core::suggest::suggest(&candidates, &Default::default(), 10);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].b, writer);
    assert_eq!(
        out[0].reasons[0],
        MergeReason::SameEmail {
            email: "grace.hopper@navy.test".into()
        }
    );
}

// ---- kill -9 in the middle of the transaction ------------------------------------------------

const CHILD_ENV: &str = "PARLEY_IMPORT_KILL_CHILD";
const KILL_ROWS: usize = 3_000;

fn marker(dir: &Path) -> PathBuf {
    dir.join("in-transaction")
}

/// The child: imports a big file and, once a thousand rows are written (inside the
/// transaction), says so and waits to be killed.
#[test]
fn kill_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let mut s = Store::open(&dir.join("parley.sqlite3")).expect("open");
    let hang = std::env::var("PARLEY_IMPORT_KILL_MODE").as_deref() != Ok("finish");
    let file = generated(KILL_ROWS);
    import_into(
        &mut s,
        "big.csv",
        file.as_bytes(),
        &generated_request(),
        NOW,
        &mut |done| {
            if hang && done >= 1_000 {
                std::fs::write(marker(&dir), done.to_string()).expect("marker");
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            true
        },
    )
    .expect("import");
}

fn child(dir: &Path, mode: &str) -> std::process::Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "import::kill_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir)
        .env("PARLEY_IMPORT_KILL_MODE", mode)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child")
}

#[test]
fn kill_nine_mid_import_leaves_nothing_imported() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    {
        let mut s = Store::open(&dir.join("parley.sqlite3")).expect("open");
        known_by_mail(&mut s, "someone@known.test", "Someone");
    }
    let mut c = child(dir, "hang");
    let start = Instant::now();
    while !marker(dir).exists() {
        if let Ok(Some(status)) = c.try_wait() {
            panic!("the child ended before it was killed: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the child never reached the middle of its import"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    c.kill().expect("SIGKILL"); // std sends SIGKILL on Unix.
    let status = c.wait().expect("wait");
    assert!(!status.success());
    let written: u32 = std::fs::read_to_string(marker(dir))
        .expect("marker")
        .parse()
        .expect("rows");
    assert!(written >= 1_000);
    let s = Store::open(&dir.join("parley.sqlite3")).expect("reopen");
    assert_eq!(s.import_counts().expect("counts"), (0, 0));
    assert_eq!(contact_count(&s), 1, "only the customer from before");
    drop(s);
    // Not killed, the same child imports everything: the test above could have failed.
    std::fs::remove_file(marker(dir)).expect("rm marker");
    let status = child(dir, "finish").wait().expect("wait");
    assert!(status.success());
    let s = Store::open(&dir.join("parley.sqlite3")).expect("reopen");
    assert_eq!(s.import_counts().expect("counts"), (1, KILL_ROWS as u32));
    assert_eq!(contact_count(&s), 1 + KILL_ROWS);
}

/// The 100 000-row figure (printed; no timed assertion): `cargo test --release -p parley-core
/// --test it import::hundred_thousand -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement: run it on purpose, in release"]
fn hundred_thousand_rows() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open(&tmp.path().join("parley.sqlite3")).expect("open");
    for i in 0..2_000 {
        known_by_mail(&mut s, &format!("person{}@customers.test", i * 50), "Known");
    }
    let file = generated(100_000);
    let started = Instant::now();
    let p = preview("big.csv", file.as_bytes(), None).expect("preview");
    let previewed = started.elapsed();
    let mut last = 0;
    let report = import_into(
        &mut s,
        "big.csv",
        file.as_bytes(),
        &generated_request(),
        NOW,
        &mut |done| {
            last = done;
            true
        },
    )
    .expect("import");
    let total = started.elapsed();
    assert_eq!((report.created, report.updated), (98_000, 2_000));
    assert_eq!(last, 100_000);
    eprintln!(
        "import of 100 000 rows ({} MB, {} columns) against 2 000 known customers: preview {:?}, \
         preview + read + plan + one transaction {:?}",
        file.len() / (1024 * 1024),
        p.headers.len(),
        previewed,
        total
    );
}
