//! Where each attachment sits in its mail, in IMAP's words, so one attachment is downloaded as
//! that part alone (`UID FETCH u (BODY.PEEK[s.MIME] BODY.PEEK[s])`) instead of the whole mail
//! being read and parsed again each time.
//!
//! - A mail read whole: [`sections`] numbers mail-parser's part tree as RFC 3501 §6.4.5 does
//!   (the children of a multipart are `1`, `2`, … below its own number; a single-part mail's body
//!   is `1`). The reference also keeps the decoded size; a part that comes back with another size
//!   (a mail mail-parser read differently from the server) is read again from the whole mail.
//! - A mail too large to read whole (its header and the start of its body are read): the
//!   attachments come from the server's own `BODYSTRUCTURE` ([`structure_attachments`]), so those
//!   beyond the part that was read are listed too, with their section; their size is the
//!   server's (the encoded size, base64 counted as what it decodes to, about).
//! - [`decode_part`] turns a part's MIME header and body into its bytes (any transfer encoding)
//!   with mail-parser, as the whole-mail path does.

use super::parse::{PartInfo, clean_file_name, clean_id};
use async_imap::imap_proto::{BodyStructure, ContentEncoding};
use mail_parser::{Message, MimeHeaders, PartType};
use parley_domain::AttachmentKind;
use std::collections::HashMap;

/// The IMAP section of each part of `msg` that has one, by mail-parser's part id.
pub(super) fn sections(msg: &Message<'_>) -> HashMap<usize, String> {
    let mut out = HashMap::new();
    match msg.parts.first().map(|p| &p.body) {
        Some(PartType::Multipart(children)) => walk(msg, children, "", &mut out, 0),
        Some(_) => {
            out.insert(0, "1".to_owned());
        }
        None => {}
    }
    out
}

fn walk(
    msg: &Message<'_>,
    children: &[u32],
    prefix: &str,
    out: &mut HashMap<usize, String>,
    depth: u8,
) {
    // Deeper than any real mail; a hostile one is read whole instead.
    if depth > 32 {
        return;
    }
    for (i, id) in children.iter().enumerate() {
        let section = if prefix.is_empty() {
            (i + 1).to_string()
        } else {
            format!("{prefix}.{}", i + 1)
        };
        let id = *id as usize;
        match msg.parts.get(id).map(|p| &p.body) {
            Some(PartType::Multipart(grand)) => walk(msg, grand, &section, out, depth + 1),
            Some(_) => {
                out.insert(id, section);
            }
            None => {}
        }
    }
}

/// The attachments a `BODYSTRUCTURE` describes: every leaf that is not the mail's text (a part
/// with a disposition of attachment or a file name, or any part that is not text), in order.
pub(super) fn structure_attachments(structure: &BodyStructure<'_>) -> Vec<PartInfo> {
    let mut out = Vec::new();
    match structure {
        BodyStructure::Multipart { bodies, .. } => collect(bodies, "", &mut out, 0),
        single => leaf(single, "1", &mut out),
    }
    out
}

fn collect(bodies: &[BodyStructure<'_>], prefix: &str, out: &mut Vec<PartInfo>, depth: u8) {
    if depth > 32 {
        return;
    }
    for (i, body) in bodies.iter().enumerate() {
        let section = if prefix.is_empty() {
            (i + 1).to_string()
        } else {
            format!("{prefix}.{}", i + 1)
        };
        match body {
            BodyStructure::Multipart { bodies, .. } => collect(bodies, &section, out, depth + 1),
            other => leaf(other, &section, out),
        }
    }
}

fn leaf(body: &BodyStructure<'_>, section: &str, out: &mut Vec<PartInfo>) {
    let (common, other) = match body {
        BodyStructure::Basic { common, other, .. }
        | BodyStructure::Text { common, other, .. }
        | BodyStructure::Message { common, other, .. } => (common, other),
        BodyStructure::Multipart { .. } => return,
    };
    let param = |params: &Option<Vec<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)>>,
                 key: &str| {
        params
            .as_ref()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.to_string())
    };
    let disposition = common.disposition.as_ref();
    let name = disposition
        .and_then(|d| param(&d.params, "filename"))
        .or_else(|| param(&common.ty.params, "name"));
    let ctype = common.ty.ty.to_ascii_lowercase();
    let subtype = common.ty.subtype.to_ascii_lowercase();
    let attached = disposition.is_some_and(|d| d.ty.eq_ignore_ascii_case("attachment"));
    if ctype == "text" && !attached && name.is_none() {
        return; // the mail's own text (shown from what was read)
    }
    let kind = match ctype.as_str() {
        "image" => AttachmentKind::Photo,
        "audio" => AttachmentKind::Audio,
        "video" => AttachmentKind::Video,
        _ => AttachmentKind::Document,
    };
    let octets = other.octets as usize;
    let size = match other.transfer_encoding {
        ContentEncoding::Base64 => octets / 4 * 3,
        _ => octets,
    };
    out.push(PartInfo {
        index: out.len(),
        kind,
        file_name: name.as_deref().map(clean_file_name),
        mime_type: format!("{ctype}/{subtype}"),
        size,
        content_id: other.id.as_deref().and_then(clean_id),
        inline: disposition.is_some_and(|d| d.ty.eq_ignore_ascii_case("inline")),
        section: Some(section.to_owned()),
        exact_size: false,
    });
}

/// A part's bytes and file name from its MIME header and its (encoded) body, as fetched with
/// `BODY[s.MIME]` and `BODY[s]`. An attached message is handed out as the message itself.
pub(super) fn decode_part(mime_header: &[u8], body: &[u8]) -> Option<(Vec<u8>, Option<String>)> {
    let mut entity = Vec::with_capacity(mime_header.len() + body.len() + 2);
    entity.extend_from_slice(mime_header);
    if !mime_header.ends_with(b"\r\n\r\n") && !mime_header.ends_with(b"\n\n") {
        entity.extend_from_slice(b"\r\n");
    }
    entity.extend_from_slice(body);
    let msg = super::parse::read_mime(&entity)?;
    let part = msg.parts.first()?;
    let name = part.attachment_name().map(clean_file_name);
    let bytes = match &part.body {
        PartType::Message(inner) => super::parse::attached_message_bytes(inner).to_vec(),
        PartType::Multipart(_) => return None,
        _ => part.contents().to_vec(),
    };
    Some((bytes, name))
}
