//! Export round trips: JSON re-parses to the same data, CSV parses back to the same rows,
//! hostile text stays text in HTML.

use super::*;
use crate::review::targets_from_json;
use crate::review::tests::{ingest, outbound};
use crate::test_support::{account, inbound};

const T0: Millis = 1_780_000_000_000;
const HOSTILE: &str =
    "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg onload=alert(3)>";

fn fixture() -> (Store, Vec<ThreadId>) {
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot <b>");
    let mut hostile = inbound("1", "a", HOSTILE, T0);
    hostile.customer.display_name = format!("=HYPERLINK(\"http://x\") {HOSTILE}");
    hostile.sender = hostile.customer.clone();
    hostile.attachments = vec![Attachment {
        kind: AttachmentKind::Document,
        remote_ref: Some("f1".into()),
        file_name: Some("../../etc/passwd<script>.pdf".into()),
        mime_type: Some("application/pdf".into()),
        size: Some(12),
        description: None,
    }];
    let mut messages = vec![
        hostile,
        outbound(
            "1",
            "b",
            "-1+2 and \"quotes\", commas\r\nnew line",
            T0 + 60_000,
        ),
        inbound("1", "c", "مرحبا 你好 👋🏽 @home +3", T0 + 120_000),
    ];
    let name = messages[0].customer.clone();
    for m in &mut messages {
        m.customer = name.clone();
    }
    messages[2].sender = name;
    let t1 = ingest(&mut s, tg, messages)[0];
    let t2 = ingest(&mut s, tg, vec![inbound("2", "a", "=1+1", T0 + 5)])[0];
    let m = s.transcript_page(&[t1], None, 5).expect("page").messages[0]
        .message
        .id;
    s.add_annotation(
        &AnnotationInput {
            thread_id: t1,
            message_id: Some(m),
            quote: HOSTILE.into(),
            body: HOSTILE.into(),
        },
        "Manager",
        T0,
    )
    .expect("annotate");
    (s, vec![t1, t2])
}

fn export(
    s: &Store,
    threads: &[ThreadId],
    format: ExportFormat,
) -> (Vec<u8>, Vec<ExportConversation>) {
    let batch = s
        .export_batch(threads, &targets_from_json(None), T0, false)
        .expect("batch");
    let mut out = Vec::new();
    {
        let mut w = writer(format, &mut out);
        w.begin(&ExportMeta {
            exported_at: T0,
            checklist: vec![],
        })
        .expect("begin");
        // Written one conversation at a time, as the core does.
        for c in &batch {
            w.conversation(c).expect("conversation");
        }
        w.finish().expect("finish");
    }
    (out, batch)
}

#[test]
fn json_parses_back_to_the_same_data() {
    let (s, threads) = fixture();
    let (bytes, batch) = export(&s, &threads, ExportFormat::Json);
    let doc: JsonDocument = serde_json::from_slice(&bytes).expect("valid JSON of the schema");
    assert_eq!(doc.version, SCHEMA_VERSION);
    assert_eq!(doc.schema, "parley.conversations");
    let expected: Vec<JsonConversation> = batch.iter().map(JsonConversation::from_export).collect();
    assert_eq!(doc.conversations, expected);
    let texts: Vec<&str> = doc.conversations[0]
        .messages
        .iter()
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(texts[0], HOSTILE);
    assert_eq!(texts[2], "مرحبا 你好 👋🏽 @home +3");
    assert_eq!(doc.conversations[0].annotations[0].body, HOSTILE);
    assert_eq!(
        doc.conversations[0].messages[0].attachments[0]
            .file_name
            .as_deref(),
        Some("../../etc/passwd<script>.pdf")
    );
}

#[test]
fn csv_parses_back_to_one_row_per_message_with_formulas_neutralised() {
    let (s, threads) = fixture();
    let (bytes, batch) = export(&s, &threads, ExportFormat::Csv);
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 with a BOM");
    let text = std::str::from_utf8(&bytes).expect("utf-8");
    assert!(text.contains("\r\n"), "CRLF records");
    let mut r = ::csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, self::csv::CSV_HEADER.map(String::from).to_vec());
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.expect("record").iter().map(String::from).collect())
        .collect();
    let messages: Vec<&TranscriptMessage> = batch.iter().flat_map(|c| &c.messages).collect();
    assert_eq!(rows.len(), messages.len());
    for (row, m) in rows.iter().zip(&messages) {
        assert_eq!(row[5], m.message.id.0.to_string());
        assert_eq!(
            row[12],
            self::csv::neutralise(&m.message.text),
            "text as written"
        );
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "formula cell {cell:?}"
            );
        }
    }
    assert_eq!(rows[1][12], "'-1+2 and \"quotes\", commas\r\nnew line");
    assert!(rows[0][3].starts_with("'=HYPERLINK"), "{:?}", rows[0][3]);
    assert_eq!(rows[3][12], "'=1+1");
    assert_eq!(rows[2][12], "مرحبا 你好 👋🏽 @home +3");
}

#[test]
fn hostile_text_stays_text_in_html() {
    let (s, threads) = fixture();
    let (bytes, _) = export(&s, &threads, ExportFormat::Html);
    let html = String::from_utf8(bytes).expect("utf-8");
    // Every tag in the page is one of the writer's own.
    let allowed = [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "section",
        "div", "span",
    ];
    for (i, _) in html.match_indices('<') {
        let rest = &html[i + 1..];
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        assert!(
            allowed.contains(&name.as_str()),
            "tag {name:?} at {i}: {}",
            &html[i..(i + 40).min(html.len())]
        );
    }
    assert!(html.contains("default-src 'none'"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("http://x\")") || html.contains("&quot;http://x&quot;"));
    assert!(html.contains("Attachment: ../../etc/passwd&lt;script&gt;.pdf"));
    assert!(html.contains("مرحبا 你好 👋🏽"));
}

#[test]
fn iso_times_are_utc() {
    assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(iso_utc(1_774_744_200_000), "2026-03-29T00:30:00Z");
}
