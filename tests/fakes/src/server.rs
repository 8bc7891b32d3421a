//! The connection-serving loop shared by the fake servers, and the means to drop a connection
//! without answering (the Hang and AcceptThenDrop faults).
//!
//! `axum::serve` cannot drop a connection without answering, so connections are driven by hyper
//! directly: a response marked with [`drop_connection`] is never written, the connection is
//! closed instead.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
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

/// Accepts connections on `listener` and serves `router` on each until `shutdown` turns true.
/// `name` ("fake telegram", ...) prefixes the log lines.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    name: &'static str,
) {
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
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let router = router.clone();
                async move {
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
