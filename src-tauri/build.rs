//! Declares the app's commands, from the one list in `parley_domain::commands`: Tauri generates
//! one permission per command, and the capability file must grant the window exactly these and
//! nothing else, which this script checks (a build that disagrees fails and says how).

use std::collections::BTreeSet;

/// Permissions the window holds besides its commands.
const OTHER_PERMISSIONS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];
const CAPABILITY: &str = "capabilities/default.json";

fn main() {
    check_capability();
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(parley_domain::COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build script");
}

fn check_capability() {
    println!("cargo:rerun-if-changed={CAPABILITY}");
    let text = std::fs::read_to_string(CAPABILITY).expect("read the capability file");
    let json: serde_json::Value = serde_json::from_str(&text).expect("the capability file is JSON");
    let granted: BTreeSet<String> = json["permissions"]
        .as_array()
        .expect("the capability file lists permissions")
        .iter()
        .map(|p| p.as_str().expect("a permission is a string").to_owned())
        .collect();
    let wanted: BTreeSet<String> = parley_domain::COMMANDS
        .iter()
        .map(|c| parley_domain::commands::permission(c))
        .chain(OTHER_PERMISSIONS.iter().map(|p| (*p).to_owned()))
        .collect();
    let missing: Vec<_> = wanted.difference(&granted).collect();
    let extra: Vec<_> = granted.difference(&wanted).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{CAPABILITY} disagrees with the command list (crates/parley-domain/src/commands.rs): \
         add {missing:?}, remove {extra:?}"
    );
}
