//! HTML: one self-contained page, readable offline and printable. Every piece of text is
//! escaped (`& < > " '`), so customer text is text; the page carries a Content-Security-Policy
//! that allows no script, no frame and nothing remote (only its own inline style), and links
//! nothing: an attachment is listed by its name, never loaded.

use super::{ExportConversation, ExportMeta, ExportWriter, iso_utc};
use parley_domain::AuthorKind;
use std::io::Write;

/// Text as HTML text or a quoted attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:52em;\
color:#1f2328;background:#fff}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2.5em;\
border-bottom:1px solid #d0d7de}.meta{color:#57606a;font-size:.9em}.m{margin:.6em 0;\
padding:.5em .8em;border-radius:8px;white-space:pre-wrap;overflow-wrap:anywhere}\
.customer{background:#f6f8fa}.agent{background:#ddf4ff;margin-left:3em}\
.bot{background:#fff8c5;margin-left:3em}.who{font-weight:600}.att{color:#57606a}\
.note{border-left:3px solid #bf8700;padding:.3em .8em;background:#fff8c5;margin:.3em 0 .3em 3em}\
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}.customer{background:#161b22}\
.agent{background:#0c2d6b}.bot,.note{background:#3b2e00}.meta,.att{color:#9198a1}}";

pub struct HtmlWriter<W: Write> {
    out: W,
}

impl<W: Write> HtmlWriter<W> {
    pub fn new(out: W) -> Self {
        HtmlWriter { out }
    }

    /// Markup the caller built (escaping every piece of text itself), between conversations:
    /// the per-customer export's profile section.
    pub fn raw(&mut self, html: &str) -> std::io::Result<()> {
        self.out.write_all(html.as_bytes())
    }
}

impl<W: Write> ExportWriter for HtmlWriter<W> {
    fn begin(&mut self, meta: &ExportMeta) -> std::io::Result<()> {
        write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\
<meta name=\"referrer\" content=\"no-referrer\"><title>Parley conversations</title><style>{STYLE}</style></head>\
<body><h1>Parley conversations</h1><p class=\"meta\">Exported {}</p>\n",
            escape(&iso_utc(meta.exported_at))
        )
    }

    fn conversation(&mut self, c: &ExportConversation) -> std::io::Result<()> {
        let r = &c.row;
        let mut s = format!(
            "<section><h2>{} — {} ({})</h2><p class=\"meta\">Conversation {} · {} · started {} · first response {}</p>\n",
            escape(&r.contact_name),
            escape(r.channel.display_name()),
            escape(&r.account_name),
            r.thread_id.0,
            escape(r.status.as_str()),
            r.started_at.map(iso_utc).unwrap_or_default(),
            r.first_response_ms
                .map(|ms| format!("{} min", ms / 60_000))
                .unwrap_or_else(|| "none".into()),
        );
        for m in &c.messages {
            let v = &m.message;
            let class = match m.author_kind {
                AuthorKind::Customer => "customer",
                AuthorKind::Agent => "agent",
                AuthorKind::Bot => "bot",
            };
            s.push_str(&format!(
                "<div class=\"m {class}\"><div class=\"meta\"><span class=\"who\">{}</span> · {} · {} · {} · {}</div>",
                escape(&v.author_name),
                class,
                escape(m.channel.display_name()),
                escape(&iso_utc(v.sent_at)),
                escape(v.delivery.as_str()),
            ));
            if let Some(subject) = &v.subject {
                s.push_str(&format!("<div class=\"who\">{}</div>", escape(subject)));
            }
            s.push_str(&escape(&v.text));
            for a in &v.attachments {
                let name = a
                    .file_name
                    .clone()
                    .or_else(|| a.description.clone())
                    .unwrap_or_else(|| "attachment".into());
                s.push_str(&format!(
                    "<div class=\"att\">Attachment: {}</div>",
                    escape(&name)
                ));
            }
            s.push_str("</div>\n");
            for n in c.annotations.iter().filter(|n| n.message_id == Some(v.id)) {
                s.push_str(&format!(
                    "<div class=\"note\"><span class=\"who\">Annotation by {}</span>{}: {}</div>\n",
                    escape(&n.author),
                    if n.quote.is_empty() {
                        String::new()
                    } else {
                        format!(" on “{}”", escape(&n.quote))
                    },
                    escape(&n.body)
                ));
            }
        }
        for n in c.annotations.iter().filter(|n| n.message_id.is_none()) {
            s.push_str(&format!(
                "<div class=\"note\"><span class=\"who\">Annotation by {}</span>: {}</div>\n",
                escape(&n.author),
                escape(&n.body)
            ));
        }
        s.push_str("</section>\n");
        self.out.write_all(s.as_bytes())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.write_all(b"</body></html>\n")?;
        self.out.flush()
    }
}
