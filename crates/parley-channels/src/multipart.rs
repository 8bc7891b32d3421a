//! A `multipart/form-data` body (RFC 7578) for the providers' file uploads (Telegram's
//! sendPhoto/sendDocument, Meta's Send API with `filedata`). Small enough to write out instead of
//! pulling in another HTTP feature: text fields, then one file part.
//!
//! Kept instead of reqwest's `multipart::Form` (0.12), which escapes a `"` in a file name with a
//! backslash and copies a line break into the part's header unencoded, where browsers and the
//! providers expect the percent-encoding done here (`%22`, `%0D`, `%0A`), and which does not
//! expose the body's length that the upload timeout is measured from.

use uuid::Uuid;

pub(crate) struct Form {
    boundary: String,
    body: Vec<u8>,
}

impl Form {
    pub(crate) fn new() -> Self {
        Self {
            boundary: format!("parley-{}", Uuid::new_v4().simple()),
            body: Vec::new(),
        }
    }

    fn open_part(&mut self, disposition: &str) {
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body.extend_from_slice(b"\r\n");
        self.body.extend_from_slice(
            format!("Content-Disposition: form-data; {disposition}\r\n").as_bytes(),
        );
    }

    pub(crate) fn text(mut self, name: &str, value: &str) -> Self {
        self.open_part(&format!("name=\"{}\"", quoted(name)));
        self.body.extend_from_slice(b"\r\n");
        self.body.extend_from_slice(value.as_bytes());
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The file part. The name is sent as UTF-8 in `filename` (what browsers and the providers'
    /// own SDKs do; RFC 7578 §4.2), with quotes and line breaks escaped.
    pub(crate) fn file(mut self, name: &str, file_name: &str, mime: &str, bytes: &[u8]) -> Self {
        self.open_part(&format!(
            "name=\"{}\"; filename=\"{}\"",
            quoted(name),
            quoted(file_name)
        ));
        let mime = if mime.is_empty() || mime.contains(['\r', '\n']) {
            "application/octet-stream"
        } else {
            mime
        };
        self.body
            .extend_from_slice(format!("Content-Type: {mime}\r\n\r\n").as_bytes());
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The `Content-Type` header value and the finished body.
    pub(crate) fn finish(mut self) -> (String, Vec<u8>) {
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body.extend_from_slice(b"--\r\n");
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            self.body,
        )
    }
}

fn quoted(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' => "%22".to_owned(),
            '\r' => "%0D".to_owned(),
            '\n' => "%0A".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_has_its_fields_and_the_file_bytes_intact() {
        let bytes = [0u8, 13, 10, 45, 45, 255];
        let (ct, body) = Form::new()
            .text("chat_id", "42")
            .file("document", "re\"port\n.pdf", "application/pdf", &bytes)
            .finish();
        let boundary = ct.split("boundary=").nth(1).expect("boundary");
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"chat_id\"\r\n\r\n42\r\n"));
        assert!(text.contains("filename=\"re%22port%0A.pdf\""));
        assert!(body.windows(bytes.len()).any(|w| w == bytes));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }
}
