//! The system's save dialog for exports (`parley_core::review::export`), shown from Rust so the
//! window needs no dialog or file-system permission: the core asks for a path, the user picks
//! one (or cancels), and the core writes there.

use parley_core::review::export::SavePicker;
use std::path::PathBuf;
use tauri_plugin_dialog::DialogExt;

pub struct DialogPicker(pub tauri::AppHandle);

impl SavePicker for DialogPicker {
    fn pick(&self, name: &str, extension: &str) -> Option<PathBuf> {
        self.0
            .dialog()
            .file()
            .set_title("Export conversations")
            .set_file_name(name)
            .add_filter(extension.to_uppercase(), &[extension])
            .blocking_save_file()?
            .into_path()
            .ok()
    }

    fn pick_titled(&self, title: &str, name: &str, extension: &str) -> Option<PathBuf> {
        self.0
            .dialog()
            .file()
            .set_title(title)
            .set_file_name(name)
            .add_filter(extension.to_uppercase(), &[extension])
            .blocking_save_file()?
            .into_path()
            .ok()
    }

    fn pick_file(&self, title: &str) -> Option<PathBuf> {
        self.0
            .dialog()
            .file()
            .set_title(title)
            .blocking_pick_file()?
            .into_path()
            .ok()
    }

    fn pick_folder(&self, title: &str) -> Option<PathBuf> {
        self.0
            .dialog()
            .file()
            .set_title(title)
            .blocking_pick_folder()?
            .into_path()
            .ok()
    }
}
