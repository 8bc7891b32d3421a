//! How the REST adapters (Telegram, Graph, Twilio) call a provider, so that the never-send-twice
//! rules are written once:
//!
//! - Every call says its [`Effect`]: whether a lost answer may hide something the provider did
//!   (a message that went out). It follows what the call does, not its HTTP method: Graph's
//!   handover POSTs are reads, since a lost answer hides no message.
//! - A request that could not be built or did not connect never reached the provider:
//!   `Transient`. Any later failure (a timeout, a broken connection, a body cut short) is
//!   `Transient` for a read and `Uncertain` for a write.
//! - An answer that cannot be read is `Malformed` for a read (retried) and `Uncertain` for a write
//!   (the provider may have acted).
//! - reqwest errors lose their URL (Telegram's token is in it).
//! - Bodies are read as a stream within a cap ([`MAX_ANSWER_BYTES`] for an API answer,
//!   [`MAX_DOWNLOAD_BYTES`] for a file), refused early when the announced length is over it, so
//!   a broken or hostile server cannot fill memory.
//!
//! The parameters are the provider's name, as the agent knows it, and the effect. What stays in
//! each provider's folder, because the providers differ: which answers count as success and how
//! their errors map (Telegram wraps every answer, failures too, in an `ok` envelope; Graph
//! answers 200 or an error body; Twilio any 2xx or an error body, and only Twilio's gateway 504
//! on a write is uncertain), the timeouts, and where the credentials go.
//!
//! Time: adapters that need the time read it from the [`Clock`](parley_domain::Clock) in their
//! configuration ([`SystemClock`](parley_domain::SystemClock) unless one is injected), never
//! from `SystemTime`.

use crate::ChannelError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Display;
use std::time::Duration;

/// What a lost answer may hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Reading: a lost answer changes nothing at the provider.
    Read,
    /// Writing: a lost answer may hide a message that did go out.
    Write,
}

/// An API answer at most (the largest pages Parley asks for are well under 1 MB).
pub(crate) const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;
/// One downloaded attachment at most (Telegram lets bots fetch 20 MB, Meta sends 25 MB).
pub(crate) const MAX_DOWNLOAD_BYTES: usize = 100 * 1024 * 1024;

/// How long an attachment download may take.
pub(crate) const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// The HTTP client every REST adapter uses.
pub(crate) fn client() -> Result<reqwest::Client, ChannelError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("Parley/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ChannelError::Transient(format!("could not set up HTTP: {}", e.without_url())))
}

/// A call's timeout with an upload of `len` bytes: a slow uplink gets a second per 256 KiB.
pub(crate) fn upload_timeout(call: Duration, len: usize) -> Duration {
    call + Duration::from_secs(len as u64 / (256 * 1024))
}

/// One provider, by the name the agent knows it by ("Facebook", "Twilio", "Telegram").
#[derive(Debug, Clone, Copy)]
pub(crate) struct Provider(pub &'static str);

impl Provider {
    /// Sends `request`; a failure is mapped by [`Self::transport_error`].
    pub(crate) async fn send(
        self,
        request: reqwest::RequestBuilder,
        what: &str,
        effect: Effect,
    ) -> Result<reqwest::Response, ChannelError> {
        request
            .send()
            .await
            .map_err(|e| self.transport_error(what, e, effect))
    }

    /// Reads the body of an answer, at most [`MAX_ANSWER_BYTES`]; a failure is mapped by
    /// [`Self::transport_error`], a larger body is unreadable.
    pub(crate) async fn body(
        self,
        response: reqwest::Response,
        what: &str,
        effect: Effect,
    ) -> Result<Vec<u8>, ChannelError> {
        self.body_within(response, what, effect, MAX_ANSWER_BYTES)
            .await
    }

    /// Reads a body chunk by chunk, refusing it once it is over `max` bytes (at once when its
    /// announced length is).
    pub(crate) async fn body_within(
        self,
        mut response: reqwest::Response,
        what: &str,
        effect: Effect,
        max: usize,
    ) -> Result<Vec<u8>, ChannelError> {
        let too_large = || {
            self.unreadable(
                what,
                effect,
                format_args!(
                    "was larger than Parley accepts ({} MB)",
                    max / (1024 * 1024)
                ),
            )
        };
        let announced = response.content_length().unwrap_or(0);
        if announced > max as u64 {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(what, e, effect))?
        {
            if body.len() + chunk.len() > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// A request that failed on the way: see the module doc.
    pub(crate) fn transport_error(
        self,
        what: &str,
        e: reqwest::Error,
        effect: Effect,
    ) -> ChannelError {
        let name = self.0;
        let e = e.without_url();
        if e.is_connect() || e.is_builder() {
            return ChannelError::Transient(format!(
                "Could not reach {name} ({what}): {e}. Check the network connection."
            ));
        }
        match effect {
            Effect::Read => ChannelError::Transient(format!("{name} did not answer {what}: {e}")),
            Effect::Write => ChannelError::Uncertain(format!(
                "The connection to {name} broke before it confirmed the message ({e}). It may have been sent; Parley will not send it again by itself."
            )),
        }
    }

    /// An answer to `what` that cannot be used; `problem` says why ("could not be read (…)").
    pub(crate) fn unreadable(
        self,
        what: &str,
        effect: Effect,
        problem: impl Display,
    ) -> ChannelError {
        let said = format!("{}'s answer to {what} {problem}", self.0);
        match effect {
            Effect::Read => ChannelError::Malformed(said),
            Effect::Write => ChannelError::Uncertain(format!(
                "{said}. The message may have been sent; Parley will not send it again by itself."
            )),
        }
    }

    /// Parses a JSON body.
    pub(crate) fn json<T: DeserializeOwned>(
        self,
        body: &[u8],
        what: &str,
        effect: Effect,
    ) -> Result<T, ChannelError> {
        serde_json::from_slice(body)
            .map_err(|e| self.unreadable(what, effect, format_args!("could not be read ({e})")))
    }

    /// Reads parsed JSON as the type the provider documents.
    pub(crate) fn decode<T: DeserializeOwned>(
        self,
        value: Value,
        what: &str,
        effect: Effect,
    ) -> Result<T, ChannelError> {
        serde_json::from_value(value).map_err(|e| {
            self.unreadable(what, effect, format_args!("had an unexpected shape ({e})"))
        })
    }

    /// Fetches a file from a link that carries its own authority (Meta's signed CDN links,
    /// Telegram's file path), without the account's credentials in a header.
    pub(crate) async fn download(
        self,
        http: &reqwest::Client,
        url: &str,
    ) -> Result<Vec<u8>, ChannelError> {
        const WHAT: &str = "the file download";
        let request = http.get(url).timeout(DOWNLOAD_TIMEOUT);
        let response = self.send(request, WHAT, Effect::Read).await?;
        if !response.status().is_success() {
            return Err(ChannelError::Transient(format!(
                "{} answered {} to the file download.",
                self.0,
                response.status()
            )));
        }
        self.body_within(response, WHAT, Effect::Read, MAX_DOWNLOAD_BYTES)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_answer_to_a_write_is_uncertain() {
        let api = Provider("Twilio");
        let read = api.json::<Value>(b"{", "the message list", Effect::Read);
        assert!(matches!(read, Err(ChannelError::Malformed(_))), "{read:?}");
        let write = api.json::<Value>(b"{", "the message", Effect::Write);
        let Err(ChannelError::Uncertain(said)) = write else {
            panic!("{write:?}");
        };
        assert!(said.starts_with("Twilio's answer to the message could not be read"));
        assert!(said.ends_with("Parley will not send it again by itself."));
        let shape = api.decode::<Vec<i64>>(serde_json::json!({}), "the message", Effect::Write);
        assert!(
            matches!(shape, Err(ChannelError::Uncertain(_))),
            "{shape:?}"
        );
    }

    /// Answers every connection with `head` and then `len` bytes of `x` (or fewer, if the
    /// client stops reading).
    async fn serve(head: &'static str, len: usize) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    let _ = sock.read(&mut buf).await;
                    let _ = sock.write_all(head.as_bytes()).await;
                    let chunk = vec![b'x'; 64 * 1024];
                    let mut left = len;
                    while left > 0 {
                        let n = left.min(chunk.len());
                        if sock.write_all(&chunk[..n]).await.is_err() {
                            return;
                        }
                        left -= n;
                    }
                });
            }
        });
        base
    }

    #[tokio::test]
    async fn bodies_are_read_within_their_cap() {
        let api = Provider("Twilio");
        let http = client().expect("client");
        // An announced length over the cap is refused before reading.
        let base = serve(
            "HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n",
            5_000_000,
        )
        .await;
        let response = http.get(&base).send().await.expect("answer");
        let err = api
            .body_within(response, "the page", Effect::Read, 1_000_000)
            .await
            .expect_err("too large");
        assert!(
            matches!(&err, ChannelError::Malformed(m) if m.contains("larger than")),
            "{err:?}"
        );
        // A body with no length (until the connection closes) stops at the cap.
        let base = serve("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 3_000_000).await;
        let response = http.get(&base).send().await.expect("answer");
        let err = api
            .body_within(response, "the page", Effect::Write, 1_000_000)
            .await
            .expect_err("too large");
        assert!(matches!(err, ChannelError::Uncertain(_)), "{err:?}");
        // Within the cap, the whole body.
        let base = serve("HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n", 70_000).await;
        let response = http.get(&base).send().await.expect("answer");
        let body = api
            .body_within(response, "the page", Effect::Read, 1_000_000)
            .await
            .expect("read");
        assert_eq!(body.len(), 70_000);
    }

    #[test]
    fn uploads_get_more_time() {
        let call = Duration::from_secs(30);
        assert_eq!(upload_timeout(call, 1000), call);
        assert_eq!(
            upload_timeout(call, 10 * 256 * 1024),
            Duration::from_secs(40)
        );
    }
}
