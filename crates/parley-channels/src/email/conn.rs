//! Connecting to the IMAP server (TCP, TLS or STARTTLS, login) and turning every way that can fail
//! into a sentence the agent can act on. Passwords never appear in any message.

use super::{EmailConfig, EmailSecret, Security, ServerConfig};
use crate::ChannelError;
use async_imap::imap_proto::{self, Response, ResponseCode, Status};
use futures_util::TryStreamExt;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

/// `ChannelError::Rejected` codes for setup problems the agent must fix (not retryable).
pub const CODE_CERTIFICATE: i64 = 1001;
pub const CODE_TLS_MISMATCH: i64 = 1002;
pub const CODE_INSECURE: i64 = 1003;

/// Any byte stream an IMAP session can run over (plain TCP for tests, TLS otherwise).
pub trait ImapIo: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> ImapIo for T {}

pub type Session = async_imap::Session<Box<dyn ImapIo>>;

/// A logged-in session and what the server offers.
pub struct Conn {
    pub session: Session,
    pub caps: Caps,
    /// The mailbox this session has SELECTed (read-write), if any. Kept so the sync does not
    /// SELECT it again for every page: re-opening a large mailbox is expensive on some servers
    /// (Dovecot re-reads a Maildir's index and uid list at the first access after each SELECT).
    pub selected: Option<String>,
    /// Without QRESYNC: mailboxes whose UIDs were compared with the cursor since this session
    /// last SELECTed them (so after a reconnect each is compared, to find what was expunged
    /// meanwhile).
    pub checked_gone: Vec<String>,
    /// Without QRESYNC: an EXPUNGE arrived for the selected mailbox since it was compared.
    pub expunged: bool,
}

impl Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("caps", &self.caps)
            .field("selected", &self.selected)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps {
    pub idle: bool,
    pub condstore: bool,
    pub qresync: bool,
    pub uidplus: bool,
    pub special_use: bool,
}

/// Unencrypted connections are only allowed to this computer: they exist for the test servers.
pub fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "::1" | "[::1]" | "localhost")
}

pub fn check_security(server: &ServerConfig, what: &str) -> Result<(), ChannelError> {
    if server.security == Security::None && !is_loopback(&server.host) {
        return Err(ChannelError::Rejected {
            code: CODE_INSECURE,
            message: format!(
                "Parley will not send your password to the {what} server {} without encryption. Choose TLS or STARTTLS (unencrypted connections are only allowed to 127.0.0.1, for tests).",
                server.host
            ),
        });
    }
    Ok(())
}

/// The TLS client configuration: the webpki roots plus, for tests and private servers, the
/// certificates in `extra_roots_pem` (a CA is trusted; verification is never switched off).
pub fn tls_config(extra_roots_pem: Option<&str>) -> Result<Arc<ClientConfig>, ChannelError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = extra_roots_pem {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| ChannelError::Rejected {
                code: CODE_CERTIFICATE,
                message: format!("The extra trusted certificate could not be read: {e}."),
            })?;
            roots.add(cert).map_err(|e| ChannelError::Rejected {
                code: CODE_CERTIFICATE,
                message: format!("The extra trusted certificate is not usable: {e}."),
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ChannelError::Transient(format!("TLS could not be set up: {e}.")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

pub async fn tcp_connect(
    server: &ServerConfig,
    what: &str,
    limit: Duration,
) -> Result<TcpStream, ChannelError> {
    let addr = (server.host.as_str(), server.port);
    match timeout(limit, TcpStream::connect(addr)).await {
        Ok(Ok(tcp)) => {
            // Small commands and IDLE's DONE must not wait for Nagle.
            let _ = tcp.set_nodelay(true);
            Ok(tcp)
        }
        Ok(Err(e)) => Err(ChannelError::Transient(format!(
            "Could not reach the {what} server {}:{} ({}). Check the server name and port, and that this computer is online.",
            server.host,
            server.port,
            io_reason(&e)
        ))),
        Err(_) => Err(ChannelError::Transient(format!(
            "The {what} server {}:{} did not answer within {} seconds. Check the server name and port, and that this computer is online.",
            server.host,
            server.port,
            limit.as_secs()
        ))),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::TimedOut => "timed out".into(),
        _ => e.to_string(),
    }
}

/// The TLS handshake, with a certificate problem and a port that does not speak TLS told apart.
pub async fn tls_handshake<S: AsyncRead + AsyncWrite + Unpin>(
    io: S,
    server: &ServerConfig,
    what: &str,
    config: Arc<ClientConfig>,
    limit: Duration,
) -> Result<tokio_rustls::client::TlsStream<S>, ChannelError> {
    let name = ServerName::try_from(server.host.clone()).map_err(|_| ChannelError::Rejected {
        code: CODE_CERTIFICATE,
        message: format!("\"{}\" is not a valid server name for TLS.", server.host),
    })?;
    let connector = TlsConnector::from(config);
    match timeout(limit, connector.connect(name, io)).await {
        Ok(Ok(tls)) => Ok(tls),
        Ok(Err(e)) => Err(classify_tls_error(&e, server, what)),
        Err(_) => Err(ChannelError::Rejected {
            code: CODE_TLS_MISMATCH,
            message: format!(
                "The {what} server {}:{} did not complete a TLS handshake. Check the port and the security setting.",
                server.host, server.port
            ),
        }),
    }
}

/// Finds the rustls error inside an I/O or lettre error chain.
pub fn find_rustls_error<'a>(
    mut err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    loop {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(r) = inner.downcast_ref::<rustls::Error>()
        {
            return Some(r);
        }
        err = err.source()?;
    }
}

pub fn classify_tls_error(
    err: &(dyn std::error::Error + 'static),
    server: &ServerConfig,
    what: &str,
) -> ChannelError {
    let other_mode = match server.security {
        Security::Tls => "STARTTLS (usually port 143 for IMAP, 587 for SMTP)",
        _ => "TLS directly (usually port 993 for IMAP, 465 for SMTP)",
    };
    match find_rustls_error(err) {
        Some(rustls::Error::InvalidCertificate(reason)) => ChannelError::Rejected {
            code: CODE_CERTIFICATE,
            message: format!(
                "The {what} server {} presented a certificate Parley cannot trust ({reason:?}). The server may be misconfigured, or someone may be intercepting the connection.",
                server.host
            ),
        },
        Some(rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. }) => {
            ChannelError::Rejected {
                code: CODE_TLS_MISMATCH,
                message: format!(
                    "The {what} server {}:{} does not speak TLS on this port; it probably expects {other_mode}. Change the security setting or the port.",
                    server.host, server.port
                ),
            }
        }
        Some(other) => ChannelError::Rejected {
            code: CODE_TLS_MISMATCH,
            message: format!(
                "A secure connection to the {what} server {}:{} failed ({other}).",
                server.host, server.port
            ),
        },
        None => ChannelError::Transient(format!(
            "The connection to the {what} server {}:{} broke during the TLS handshake ({err}).",
            server.host, server.port
        )),
    }
}

/// Connects and logs in to IMAP as the config says.
pub async fn connect_imap(config: &EmailConfig) -> Result<Conn, ChannelError> {
    let server = &config.imap;
    check_security(server, "IMAP")?;
    let limit = config.timeout;
    let tcp = tcp_connect(server, "IMAP", limit).await?;
    let io: Box<dyn ImapIo> = match server.security {
        Security::None => Box::new(tcp),
        Security::Tls => {
            let tls = tls_config(config.extra_roots_pem.as_deref())?;
            Box::new(tls_handshake(tcp, server, "IMAP", tls, limit).await?)
        }
        Security::StartTls => {
            let mut client = async_imap::Client::new(tcp);
            read_greeting(&mut client, server, limit).await?;
            let starttls = timeout(limit, client.run_command_and_check_ok("STARTTLS", None)).await;
            match starttls {
                Ok(Ok(())) => {}
                Ok(Err(_)) => {
                    return Err(ChannelError::Rejected {
                        code: CODE_TLS_MISMATCH,
                        message: format!(
                            "The IMAP server {}:{} does not offer STARTTLS. Choose TLS (usually port 993) instead.",
                            server.host, server.port
                        ),
                    });
                }
                Err(_) => return Err(no_answer(server, "IMAP")),
            }
            let tcp = client.into_inner();
            let tls = tls_config(config.extra_roots_pem.as_deref())?;
            Box::new(tls_handshake(tcp, server, "IMAP", tls, limit).await?)
        }
    };
    let mut client = async_imap::Client::new(io);
    if server.security != Security::StartTls {
        read_greeting(&mut client, server, limit).await?;
    }
    let login = match &config.secret {
        EmailSecret::Password(password) => {
            timeout(limit, client.login(&config.username, password)).await
        }
    };
    let mut session = match login {
        Ok(Ok(session)) => session,
        Ok(Err((async_imap::error::Error::No(text), _))) => {
            return Err(ChannelError::Unauthorized(format!(
                "The IMAP server refused the user name or password for {} ({}). Check them and try again.",
                config.username,
                server_text(&text)
            )));
        }
        Ok(Err((e, _))) => return Err(imap_error(e)),
        Err(_) => return Err(no_answer(server, "IMAP")),
    };
    let caps = match timeout(limit, session.capabilities()).await {
        Ok(Ok(c)) => Caps {
            idle: c.has_str("IDLE"),
            condstore: c.has_str("CONDSTORE") || c.has_str("QRESYNC"),
            qresync: c.has_str("QRESYNC"),
            uidplus: c.has_str("UIDPLUS"),
            special_use: c.has_str("SPECIAL-USE"),
        },
        Ok(Err(e)) => return Err(imap_error(e)),
        Err(_) => return Err(no_answer(server, "IMAP")),
    };
    let mut caps = caps;
    if caps.qresync {
        // RFC 7162 §3.2.3: QRESYNC must be enabled; then UID FETCH … (CHANGEDSINCE m VANISHED)
        // reports expunges as VANISHED (EARLIER), and expunges while selected as VANISHED.
        caps.qresync = config.use_qresync
            && matches!(
                timeout(limit, session.run_command_and_check_ok("ENABLE QRESYNC")).await,
                Ok(Ok(()))
            );
    }
    Ok(Conn {
        session,
        caps,
        selected: None,
        checked_gone: Vec::new(),
        expunged: false,
    })
}

/// What arrived unasked (after a NOOP, during a command or IDLE): UIDs the server says vanished
/// from the selected mailbox, and whether anything else changed there (an EXPUNGE without
/// QRESYNC, a flag change). Drained so the next look starts clean (async-imap keeps at most 100
/// and drops the rest, which is why nothing relies on these alone).
pub fn drain_unsolicited(conn: &mut Conn) -> (Vec<(u32, u32)>, bool) {
    use async_imap::types::UnsolicitedResponse as U;
    let mut gone = Vec::new();
    let mut changed = false;
    while let Ok(r) = conn.session.unsolicited_responses.try_recv() {
        match r {
            U::Expunge(_) => {
                changed = true;
                conn.expunged = true;
            }
            U::Other(data) => match data.parsed() {
                Response::Vanished { uids, .. } => {
                    gone.extend(uids.iter().map(|r| (*r.start(), *r.end())));
                    changed = true;
                }
                Response::Fetch(..) => changed = true,
                _ => {}
            },
            _ => {}
        }
    }
    (gone, changed)
}

fn no_answer(server: &ServerConfig, what: &str) -> ChannelError {
    ChannelError::Transient(format!(
        "The {what} server {}:{} stopped answering.",
        server.host, server.port
    ))
}

async fn read_greeting<T: ImapIoBound>(
    client: &mut async_imap::Client<T>,
    server: &ServerConfig,
    limit: Duration,
) -> Result<(), ChannelError> {
    let mismatch = || ChannelError::Rejected {
        code: CODE_TLS_MISMATCH,
        message: format!(
            "The IMAP server {}:{} sent no greeting; this port probably expects TLS directly (usually 993). Change the security setting or the port.",
            server.host, server.port
        ),
    };
    match timeout(limit, client.read_response()).await {
        Err(_) => Err(mismatch()),
        Ok(Err(_)) | Ok(Ok(None)) => Err(if server.security == Security::Tls {
            no_answer(server, "IMAP")
        } else {
            mismatch()
        }),
        Ok(Ok(Some(greeting))) => match greeting.parsed() {
            Response::Data {
                status: Status::Ok | Status::PreAuth,
                ..
            } => Ok(()),
            Response::Data {
                status: Status::Bye,
                outcome,
            } => Err(ChannelError::Transient(format!(
                "The IMAP server {}:{} refused the connection ({}).",
                server.host,
                server.port,
                outcome.information.as_deref().unwrap_or("no reason given")
            ))),
            _ => Err(mismatch()),
        },
    }
}

/// The bounds async-imap puts on a client's stream.
pub trait ImapIoBound: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> ImapIoBound for T {}

/// An IMAP failure during normal work.
pub fn imap_error(e: async_imap::error::Error) -> ChannelError {
    use async_imap::error::Error as E;
    match e {
        E::Io(e) => ChannelError::Transient(format!(
            "The connection to the IMAP server was lost ({}).",
            io_reason(&e)
        )),
        E::ConnectionLost => {
            ChannelError::Transient("The connection to the IMAP server was lost.".into())
        }
        E::No(text) => ChannelError::Rejected {
            code: 0,
            message: format!("The IMAP server refused: {}", server_text(&text)),
        },
        E::Bad(text) => ChannelError::Malformed(format!(
            "The IMAP server did not understand a command: {}",
            server_text(&text)
        )),
        other => {
            ChannelError::Malformed(format!("The IMAP server answered unexpectedly ({other})."))
        }
    }
}

/// The server's own words from async-imap's error text, which is the Debug form of the
/// response (`outcome: Outcome { code: .., information: Some("...") }`).
fn server_text(text: &str) -> String {
    const MARK: &str = "information: Some(\"";
    let words = match text.find(MARK) {
        Some(i) => {
            let rest = &text[i + MARK.len()..];
            rest.rfind("\")").map_or(rest, |end| &rest[..end])
        }
        None => text,
    };
    words.replace("\\\"", "\"").trim().to_string()
}

/// Whether an error means the connection is gone (reconnect) rather than a refusal.
pub fn is_connection_error(e: &ChannelError) -> bool {
    matches!(e, ChannelError::Transient(_) | ChannelError::Malformed(_))
}

/// Quotes a string for an IMAP command (mailbox names, search strings).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        if c != '\r' && c != '\n' {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// APPEND that reads UIDPLUS's `APPENDUID` (async-imap's `append` discards it). Returns
/// `(uidvalidity, uid)` when the server gave them.
pub async fn append(
    session: &mut Session,
    mailbox: &str,
    flags: &str,
    content: &[u8],
) -> Result<Option<(u32, u32)>, ChannelError> {
    let tag = session
        .run_command(format!(
            "APPEND {} ({flags}) {{{}}}",
            quote(mailbox),
            content.len()
        ))
        .await
        .map_err(imap_error)?;
    // Wait for the continuation before sending the literal.
    loop {
        let Some(resp) = session.read_response().await.map_err(io_lost)? else {
            return Err(ChannelError::Transient(
                "The connection to the IMAP server was lost.".into(),
            ));
        };
        match resp.parsed() {
            Response::Continue(_) => break,
            Response::Done {
                tag: t,
                status,
                outcome,
            } if *t == tag => {
                return Err(done_error(status, outcome.information.as_deref()));
            }
            _ => {}
        }
    }
    let io = session.get_mut();
    io.write_all(content).await.map_err(io_lost)?;
    io.write_all(b"\r\n").await.map_err(io_lost)?;
    io.flush().await.map_err(io_lost)?;
    loop {
        let Some(resp) = session.read_response().await.map_err(io_lost)? else {
            return Err(ChannelError::Transient(
                "The connection to the IMAP server was lost.".into(),
            ));
        };
        if let Response::Done {
            tag: t,
            status,
            outcome,
        } = resp.parsed()
            && *t == tag
        {
            if *status != Status::Ok {
                return Err(done_error(status, outcome.information.as_deref()));
            }
            if let Some(ResponseCode::AppendUid(uidvalidity, uids)) = &outcome.code {
                let uid = uids.first().map(|m| match m {
                    imap_proto::rfc4315::UidSetMember::Uid(u) => *u,
                    imap_proto::rfc4315::UidSetMember::UidRange(r) => *r.start(),
                });
                return Ok(uid.map(|u| (*uidvalidity, u)));
            }
            return Ok(None);
        }
    }
}

fn done_error(status: &Status, information: Option<&str>) -> ChannelError {
    let text = information.unwrap_or("no reason given").trim().to_string();
    match status {
        Status::No => ChannelError::Rejected {
            code: 0,
            message: format!("The IMAP server refused: {text}"),
        },
        _ => ChannelError::Malformed(format!(
            "The IMAP server did not understand a command: {text}"
        )),
    }
}

fn io_lost(e: std::io::Error) -> ChannelError {
    ChannelError::Transient(format!(
        "The connection to the IMAP server was lost ({}).",
        io_reason(&e)
    ))
}

/// Runs `UID SEARCH` and returns the UIDs, ascending.
pub async fn uid_search(session: &mut Session, query: &str) -> Result<Vec<u32>, ChannelError> {
    let set = session.uid_search(query).await.map_err(imap_error)?;
    let mut uids: Vec<u32> = set.into_iter().collect();
    uids.sort_unstable();
    Ok(uids)
}

/// Collects a FETCH stream.
pub async fn uid_fetch(
    session: &mut Session,
    set: &str,
    query: &str,
) -> Result<Vec<async_imap::types::Fetch>, ChannelError> {
    let stream = session.uid_fetch(set, query).await.map_err(imap_error)?;
    stream.try_collect().await.map_err(imap_error)
}
