//! SMTP submission with lettre's connection, driven step by step so that the one moment that
//! matters is told apart: a failure before the end of DATA means nothing was sent (retry), a lost
//! answer after it means the message may be out (`Uncertain`: look in Sent before resending).

use super::conn::{
    CODE_TLS_MISMATCH, check_security, classify_tls_error, find_rustls_error, tcp_connect,
};
use super::{EmailConfig, EmailSecret, Security};
use crate::ChannelError;
use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};

const MECHANISMS: &[Mechanism] = &[Mechanism::Plain, Mechanism::Login];

fn tls_params(config: &EmailConfig) -> Result<TlsParameters, ChannelError> {
    let mut builder = TlsParameters::builder(config.smtp.host.clone());
    if let Some(pem) = &config.extra_roots_pem {
        let cert = Certificate::from_pem(pem.as_bytes()).map_err(|e| ChannelError::Rejected {
            code: super::conn::CODE_CERTIFICATE,
            message: format!("The extra trusted certificate could not be read: {e}."),
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| ChannelError::Transient(format!("TLS could not be set up for SMTP: {e}.")))
}

fn hello() -> ClientId {
    // The default is this computer's host name; a fixed neutral name avoids leaking it.
    ClientId::Domain("parley.localdomain".into())
}

/// Where in the conversation an error happened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Connect,
    Auth,
    Envelope,
    AfterData,
}

fn smtp_error(
    e: lettre::transport::smtp::Error,
    config: &EmailConfig,
    stage: Stage,
) -> ChannelError {
    let server = &config.smtp;
    if let Some(code) = e.status() {
        let code_num: i64 = code.to_string().parse().unwrap_or(0);
        if stage == Stage::Auth && (code_num == 535 || code_num == 534 || code_num == 530) {
            return ChannelError::Unauthorized(format!(
                "The SMTP server refused the user name or password for {} ({code_num}). Check them and try again.",
                config.username
            ));
        }
        let text = e.to_string();
        if e.is_transient() {
            return ChannelError::Transient(format!(
                "The SMTP server {} asked to try later: {text}",
                server.host
            ));
        }
        return ChannelError::Rejected {
            code: code_num,
            message: format!(
                "The SMTP server {} refused the message: {text}",
                server.host
            ),
        };
    }
    if find_rustls_error(&e).is_some() || e.is_tls() {
        return classify_tls_error(&e, server, "SMTP");
    }
    if stage == Stage::Connect && e.is_timeout() && server.security == Security::StartTls {
        return ChannelError::Rejected {
            code: CODE_TLS_MISMATCH,
            message: format!(
                "The SMTP server {}:{} sent no greeting; this port probably expects TLS directly (usually 465). Change the security setting or the port.",
                server.host, server.port
            ),
        };
    }
    if stage == Stage::AfterData {
        return ChannelError::Uncertain(format!(
            "The SMTP server {} stopped answering after it received the message, so it may have been sent. Parley will look for it in Sent before sending it again.",
            server.host
        ));
    }
    ChannelError::Transient(format!(
        "The connection to the SMTP server {}:{} failed ({}).",
        server.host,
        server.port,
        e.to_string().replace(&config.username, "<user>")
    ))
}

/// Connects, secures and logs in.
pub async fn connect(config: &EmailConfig) -> Result<AsyncSmtpConnection, ChannelError> {
    let server = &config.smtp;
    check_security(server, "SMTP")?;
    // A plain TCP probe first: "cannot reach" is told apart from everything after it.
    drop(tcp_connect(server, "SMTP", config.timeout).await?);
    let wrapper = match server.security {
        Security::Tls => Some(tls_params(config)?),
        _ => None,
    };
    let mut conn = AsyncSmtpConnection::connect_tokio1(
        (server.host.as_str(), server.port),
        Some(config.timeout),
        &hello(),
        wrapper,
        None,
    )
    .await
    .map_err(|e| smtp_error(e, config, Stage::Connect))?;
    if server.security == Security::StartTls {
        if !conn.can_starttls() {
            return Err(ChannelError::Rejected {
                code: CODE_TLS_MISMATCH,
                message: format!(
                    "The SMTP server {}:{} does not offer STARTTLS. Choose TLS (usually port 465) instead.",
                    server.host, server.port
                ),
            });
        }
        conn.starttls(tls_params(config)?, &hello())
            .await
            .map_err(|e| smtp_error(e, config, Stage::Connect))?;
    }
    match &config.secret {
        EmailSecret::Password(password) => {
            let creds = Credentials::new(config.username.clone(), password.clone());
            conn.auth(MECHANISMS, &creds)
                .await
                .map_err(|e| smtp_error(e, config, Stage::Auth))?;
        }
    }
    Ok(conn)
}

/// Sends one formatted message. See the module comment for how failures are reported.
pub async fn submit(
    config: &EmailConfig,
    from: &Address,
    to: &[Address],
    formatted: &[u8],
) -> Result<(), ChannelError> {
    let mut conn = connect(config).await?;
    let mut options = Vec::new();
    if !formatted.is_ascii() {
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let envelope = async {
        conn.command(Mail::new(Some(from.clone()), options)).await?;
        for rcpt in to {
            conn.command(Rcpt::new(rcpt.clone(), vec![])).await?;
        }
        conn.command(Data).await?;
        Ok::<(), lettre::transport::smtp::Error>(())
    }
    .await;
    if let Err(e) = envelope {
        conn.abort().await;
        return Err(smtp_error(e, config, Stage::Envelope));
    }
    match conn.message(formatted).await {
        Ok(_) => {
            // The message is accepted; a failing QUIT changes nothing.
            let _ = conn.quit().await;
            Ok(())
        }
        Err(e) => {
            conn.abort().await;
            Err(smtp_error(e, config, Stage::AfterData))
        }
    }
}
