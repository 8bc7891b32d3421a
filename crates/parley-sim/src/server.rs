//! The connection-serving loop shared by the fake servers, the means to drop a connection
//! without answering (the Hang and AcceptThenDrop faults), and who may talk to a fake at all.
//!
//! `axum::serve` cannot drop a connection without answering, so connections are driven by hyper
//! directly: a response marked with [`drop_connection`] is never written, the connection is
//! closed instead.

use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt as _;

/// Marks a response that must not be sent: the connection is closed instead.
#[derive(Clone, Copy)]
struct DropConnection;

#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose by an injected fault")]
struct DroppedOnPurpose;

/// Marks `response` so that it is never written: the connection is closed instead.
pub(crate) fn drop_connection(response: &mut Response) {
    response.extensions_mut().insert(DropConnection);
}

/// The Hang fault: holds the request for `secs` (bounded, so that a silly value from the
/// control API cannot panic the timer), then closes the connection without answering.
pub(crate) async fn hang(secs: f64) -> Response {
    let hold = Duration::try_from_secs_f64(secs).unwrap_or(Duration::ZERO);
    tokio::time::sleep(hold.min(Duration::from_secs(86_400))).await;
    let mut response = StatusCode::OK.into_response();
    drop_connection(&mut response);
    response
}

/// Who may talk to a fake. The demo runs its fakes inside the app, on loopback ports that any
/// local process, or a web page that points a name of its own at 127.0.0.1 (DNS rebinding), could
/// reach. So every request must name the fake by its loopback address in `Host` (a rebinding
/// page sends its own name), and with a `control_secret` the `/control/` API, which injects
/// messages and reads what was sent, also demands `Authorization: Bearer <secret>`.
#[derive(Clone)]
struct Guard {
    hosts: [String; 3],
    control_secret: Option<String>,
}

impl Guard {
    fn new(port: u16, control_secret: Option<String>) -> Self {
        Self {
            hosts: [
                format!("127.0.0.1:{port}"),
                format!("localhost:{port}"),
                format!("[::1]:{port}"),
            ],
            control_secret,
        }
    }

    /// The refusal for a request this fake must not serve, or `None`.
    fn refuse<B>(&self, req: &hyper::Request<B>) -> Option<Response> {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return Some(
                (
                    StatusCode::FORBIDDEN,
                    format!("this server answers only to {}", self.hosts[0]),
                )
                    .into_response(),
            );
        }
        let secret = self.control_secret.as_deref()?;
        if !req.uri().path().starts_with("/control/") {
            return None;
        }
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "));
        if given.is_some_and(|g| constant_time_eq(g.as_bytes(), secret.as_bytes())) {
            return None;
        }
        Some(
            (
                StatusCode::UNAUTHORIZED,
                "the control API needs this run's secret (Authorization: Bearer …)",
            )
                .into_response(),
        )
    }
}

/// Compares without stopping at the first difference, so timing tells nothing of the secret.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Accepts connections on `listener` and serves `router` on each until `shutdown` turns true,
/// refusing what the [`Guard`] refuses. `name` ("fake telegram", ...) prefixes the log lines.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    name: &'static str,
    control_secret: Option<String>,
) {
    let port = listener.local_addr().map_or(0, |a| a.port());
    let guard = Guard::new(port, control_secret);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "{name}: accept failed");
                    continue;
                }
            },
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let router = router.clone();
        let guard = guard.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let router = router.clone();
                let refused = guard.refuse(&req);
                async move {
                    if let Some(refused) = refused {
                        return Ok(refused);
                    }
                    let response = match router.oneshot(req).await {
                        Ok(r) => r,
                        Err(never) => match never {},
                    };
                    // hyper closes the connection without writing anything when the service
                    // fails, which is exactly the "request accepted, answer lost" case.
                    if response.extensions().get::<DropConnection>().is_some() {
                        return Err(DroppedOnPurpose);
                    }
                    Ok(response)
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = conn_shutdown.wait_for(|stop| *stop) => {}
            }
        });
    }
}
