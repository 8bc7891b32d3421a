//! Paths, logging and core configuration, each overridable through the environment so tests
//! never write into the user's folders or keychain.

use parley_core::{ApiRoots, CoreConfig, DemoMode, KeyringSecrets, Paths};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `PARLEY_DATA_DIR`, `PARLEY_CONFIG_DIR`, `PARLEY_LOG_DIR`, else the OS's folders for Parley.
pub fn paths() -> Paths {
    let dirs = directories::ProjectDirs::from("app", "Parley", "Parley");
    let fallback = std::env::temp_dir().join("parley");
    let data_dir = env_path("PARLEY_DATA_DIR")
        .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
        .unwrap_or_else(|| fallback.join("data"));
    let config_dir = env_path("PARLEY_CONFIG_DIR")
        .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()))
        .unwrap_or_else(|| fallback.join("config"));
    let log_dir = env_path("PARLEY_LOG_DIR")
        .or_else(|| {
            dirs.as_ref()
                .map(|d| d.state_dir().unwrap_or(d.data_local_dir()).join("logs"))
        })
        .unwrap_or_else(|| fallback.join("logs"));
    Paths {
        data_dir,
        config_dir,
        log_dir,
    }
}

/// Logs to a daily-rotated file (a week kept) in the log folder, and to stderr.
pub fn logging(dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::prelude::*;
    // The HTTP stack stays at info whatever PARLEY_LOG says: its debug lines hold tokens.
    let spec = std::env::var("PARLEY_LOG").ok();
    let filter =
        tracing_subscriber::EnvFilter::try_new(parley_core::logging::log_filter(spec.as_deref()))
            .unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(parley_core::logging::log_filter(None))
            });
    let file = std::fs::create_dir_all(dir).ok().and_then(|()| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("parley")
            .filename_suffix("log")
            .max_log_files(7)
            .build(dir)
            .ok()
    });
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer);
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(stderr)
                .with(file_layer)
                .try_init();
            Some(guard)
        }
        None => {
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(stderr)
                .try_init();
            eprintln!("Parley: cannot write logs to {}", dir.display());
            None
        }
    }
}

/// `PARLEY_<PROVIDER>_API` points a provider at another server (tests: `PARLEY_TELEGRAM_API`,
/// `PARLEY_GRAPH_API` for Messenger and Instagram, `PARLEY_TWILIO_API` for SMS and WhatsApp); `PARLEY_DEMO=off` disables
/// the demo workspace; `PARLEY_KEYRING_SERVICE` keeps a test's secrets apart.
pub fn core_config(paths: Paths) -> CoreConfig {
    let service = std::env::var("PARLEY_KEYRING_SERVICE").unwrap_or_else(|_| "parley".into());
    let mut config = CoreConfig::new(paths, Arc::new(KeyringSecrets::new(service)));
    config.api_roots = ApiRoots::from_env();
    if std::env::var("PARLEY_DEMO").is_ok_and(|v| v == "off") {
        config.demo = DemoMode::Off;
    }
    // `PARLEY_QUIET_HOURS=off`: a new workspace starts with quiet hours off (end-to-end tests
    // whose customers' zones would make them depend on the time of day); Settings turns them on.
    if std::env::var("PARLEY_QUIET_HOURS").is_ok_and(|v| v == "off") {
        config.quiet_hours_by_default = false;
    }
    config
}

/// The session-bus name under which the running Parley of this data folder answers a second
/// launch (Linux; `tauri-plugin-single-instance` appends `.SingleInstance`). One name per
/// folder, so a workspace elsewhere (`PARLEY_DATA_DIR`: tests, a second shop) is its own
/// instance, as it has its own lock. FNV-1a of the folder's canonical path (so the caller
/// creates the folder first: the first start and later ones must name the same), stable across
/// builds.
pub fn instance_bus_id(identifier: &str, data_dir: &Path) -> String {
    let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let hash = dir
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{identifier}.w{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_data_folder_has_its_own_valid_bus_name() {
        let a = instance_bus_id(
            "app.parley.desktop",
            Path::new("/home/ana/.local/share/parley"),
        );
        let b = instance_bus_id("app.parley.desktop", Path::new("/tmp/parley-e2e-x/data"));
        assert_ne!(a, b);
        assert_eq!(
            a,
            instance_bus_id(
                "app.parley.desktop",
                Path::new("/home/ana/.local/share/parley")
            )
        );
        // A D-Bus element: letters, digits, '_' or '-', not starting with a digit.
        let last = a.rsplit('.').next().expect("element");
        assert!(last.starts_with('w') && last.len() == 17, "{a}");
        assert!(last.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
    }
}
