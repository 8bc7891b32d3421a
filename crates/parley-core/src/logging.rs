//! What Parley's log may hold, whatever `PARLEY_LOG` asks for. The HTTP stack logs whole
//! request URLs at debug and trace level, and those URLs carry secrets (a Telegram bot token is
//! part of every Bot API path; Graph calls carry `access_token`); so its targets are held at
//! `info` even under `PARLEY_LOG=debug` or `trace`, and a directive naming them is dropped.
//! Parley's own messages never include a request URL (transport errors go through
//! `reqwest::Error::without_url`).

/// Library targets that log request URLs below `info`.
pub const CAPPED_TARGETS: &[&str] = &["reqwest", "hyper", "hyper_util", "h2", "rustls", "tower"];

/// The `EnvFilter` directives for `spec` (the `PARLEY_LOG` value; `info` when unset or
/// empty): its own directives but those naming a capped target, then the caps.
pub fn log_filter(spec: Option<&str>) -> String {
    let spec = spec
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("info");
    let capped = |directive: &str| {
        let target = directive.split(['=', '[']).next().unwrap_or("").trim();
        CAPPED_TARGETS
            .iter()
            .any(|t| target == *t || target.starts_with(&format!("{t}::")))
    };
    let mut out: Vec<String> = spec
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty() && !capped(d))
        .map(str::to_owned)
        .collect();
    out.extend(CAPPED_TARGETS.iter().map(|t| format!("{t}=info")));
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::prelude::*;

    /// Collects what a subscriber with `filter` lets through.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(spec: &str) -> String {
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::new(log_filter(Some(spec))))
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(move || writer.clone()),
            );
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(
                target: "hyper_util::client::legacy::pool",
                "GET https://api.telegram.org/bot123456:SECRET-TOKEN/getUpdates"
            );
            tracing::trace!(target: "reqwest::connect", "access_token=SECRET-GRAPH");
            tracing::debug!(target: "parley_core::accounts", "parley's own debug line");
            tracing::info!(target: "hyper_util::client", "a connection closed");
        });
        let bytes = sink.0.lock().expect("sink").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn the_http_stack_never_logs_below_info_whatever_is_asked() {
        for spec in [
            "debug",
            "trace",
            "trace,hyper_util=trace,reqwest=trace",
            "hyper=trace,debug",
        ] {
            let log = logged(spec);
            assert!(!log.contains("SECRET"), "{spec}: {log}");
            assert!(log.contains("parley's own debug line"), "{spec}: {log}");
            assert!(log.contains("a connection closed"), "{spec}: {log}");
        }
        assert_eq!(
            log_filter(None),
            "info,reqwest=info,hyper=info,hyper_util=info,h2=info,rustls=info,tower=info"
        );
        assert_eq!(
            log_filter(Some(" parley_core=debug , hyper::proto=trace ")),
            "parley_core=debug,reqwest=info,hyper=info,hyper_util=info,h2=info,rustls=info,tower=info"
        );
    }
}
