//! An empty Tauri 2 window: a static page that reports when it is painted, as Parley does
//! (`startup_probe` in src-tauri/src/commands.rs, called by the page after its first frame).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[tauri::command]
fn startup_probe(painted_at_us: Option<f64>) {
    if let Some(path) = std::env::var_os("PARLEY_STARTUP_PROBE") {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        let at = match painted_at_us {
            Some(us) if us.is_finite() && us > 0.0 => format!("{us:.0}"),
            _ => now.map_or(0, |d| d.as_micros()).to_string(),
        };
        let _ = std::fs::write(path, at);
    }
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![startup_probe])
        .run(tauri::generate_context!())
        .expect("the window failed");
}
