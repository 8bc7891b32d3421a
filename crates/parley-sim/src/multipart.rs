//! `multipart/form-data` (RFC 7578) as the providers accept it for uploads: Telegram's
//! sendPhoto/sendDocument, the Graph Send API's `filedata`. Written out rather than pulled in so
//! the fakes accept exactly what any client library sends: quoted or bare boundaries, header
//! names in any case, `filename*` (RFC 5987) as well as a plain UTF-8 `filename`.

/// One part of a form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// Set for file parts.
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

impl Part {
    pub fn text(&self) -> Option<String> {
        String::from_utf8(self.data.clone()).ok()
    }
}

/// Whether a Content-Type is a multipart form.
pub fn is_form(content_type: &str) -> bool {
    content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
}

/// The boundary parameter of a Content-Type.
fn boundary(content_type: &str) -> Option<String> {
    params(content_type)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty() && b.len() <= 70)
}

/// `key=value` parameters after the first `;`, values unquoted (backslash escapes honoured).
fn params(header: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = match header.split_once(';') {
        Some((_, r)) => r,
        None => return out,
    };
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        if rest.is_empty() {
            break;
        }
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key.trim().to_owned();
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end.min(quoted.len())..])
        } else {
            let end = after.find(';').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        out.push((key, value));
        rest = next;
    }
    out
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Parses the form body of a request, with the boundary from its original Content-Type header
/// (the boundary is case-sensitive, so not a lowercased copy).
pub fn parse_request(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<Vec<Part>, String> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    parse(content_type, body)
}

/// Parses a form body; `Err` says what is wrong in the words a server would use.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let boundary = boundary(content_type).ok_or("multipart boundary is missing")?;
    let delimiter = format!("--{boundary}");
    let mut pos =
        find(body, delimiter.as_bytes(), 0).ok_or("multipart body has no parts")? + delimiter.len();
    let next_delimiter = format!("\r\n--{boundary}");
    let mut parts = Vec::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding, then the line break that ends the delimiter line.
        while pos < body.len() && (body[pos] == b' ' || body[pos] == b'\t') {
            pos += 1;
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err("multipart delimiter is not followed by a line break".into());
        }
        pos += 2;
        let end = find(body, next_delimiter.as_bytes(), pos)
            .ok_or("multipart body ends without its closing delimiter")?;
        let part = &body[pos..end];
        let split = find(part, b"\r\n\r\n", 0)
            .map(|i| (i, i + 4))
            .or_else(|| part.starts_with(b"\r\n").then_some((0, 2)))
            .ok_or("multipart part has no header end")?;
        let headers = String::from_utf8_lossy(&part[..split.0]).into_owned();
        let data = part[split.1..].to_vec();
        let mut name = None;
        let mut filename = None;
        let mut filename_ext = None;
        let mut content_type = None;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                for (k, v) in params(value) {
                    match k.to_ascii_lowercase().as_str() {
                        "name" => name = Some(v),
                        "filename" => filename = Some(v),
                        "filename*" => {
                            // charset'language'percent-encoded
                            let encoded = v.splitn(3, '\'').nth(2).unwrap_or(&v).to_owned();
                            filename_ext = Some(
                                percent_encoding::percent_decode_str(&encoded)
                                    .decode_utf8_lossy()
                                    .into_owned(),
                            );
                        }
                        _ => {}
                    }
                }
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_owned());
            }
        }
        let name = name.ok_or("multipart part has no name")?;
        parts.push(Part {
            name,
            filename: filename_ext.or(filename),
            content_type,
            data,
        });
        pos = end + next_delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_back_with_their_bytes() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n--XyZ\r\ncontent-disposition: form-data; name=\"document\"; filename*=UTF-8''Stra%C3%9Fe.pdf\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n\x00\xff\r\n--XyZ--\r\n";
        let parts = parse("multipart/form-data; boundary=\"XyZ\"", body).expect("parse");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "chat_id");
        assert_eq!(parts[0].text().as_deref(), Some("42"));
        assert_eq!(parts[1].filename.as_deref(), Some("Straße.pdf"));
        assert_eq!(parts[1].content_type.as_deref(), Some("application/pdf"));
        assert_eq!(parts[1].data, b"%PDF\r\n\x00\xff");
    }

    #[test]
    fn a_body_without_its_end_is_refused() {
        assert!(
            parse(
                "multipart/form-data; boundary=a",
                b"--a\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1"
            )
            .is_err()
        );
        assert!(parse("multipart/form-data", b"").is_err());
    }
}
