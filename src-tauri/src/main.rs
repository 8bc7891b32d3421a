//! Parley's desktop shell. Each command is one line into `parley_core::Parley`; the shell only
//! adds what needs the desktop: the window, events, opening links and files with the OS.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod media;
mod notifier;
mod save_dialog;
mod setup;
mod tray;

use tauri::Emitter;

fn main() {
    let started = std::time::Instant::now();
    let paths = setup::paths();
    let _log_guard = setup::logging(&paths.log_dir);
    tracing::info!(data = %paths.data_dir.display(), "Parley starting");

    // Created now (the core would do it), so that every start derives the same bus name.
    if let Err(e) = std::fs::create_dir_all(&paths.data_dir) {
        tracing::warn!(
            "cannot create the data folder {}: {e}",
            paths.data_dir.display()
        );
    }
    let context = tauri::generate_context!();
    let bus_id = setup::instance_bus_id(&context.config().identifier, &paths.data_dir);
    let mut config = setup::core_config(paths);
    let (notifier, clicks) = notifier::DesktopNotifier::start();
    config.notifier = std::sync::Arc::new(notifier);
    // Start the core on Tauri's own runtime so its tasks live as long as the app.
    let core = commands::Core(tauri::async_runtime::block_on(parley_core::Parley::start(
        config,
    )));
    match &core.0 {
        Ok(_) => tracing::info!(ms = started.elapsed().as_millis(), "core started"),
        Err(e) => tracing::error!("Parley could not start: {}", e.message),
    }
    let events = core.0.as_ref().ok().map(|p| p.subscribe());
    let parley = core.0.as_ref().ok().cloned();
    let focus = parley.clone();

    let media_core = parley.clone();
    // First: a second launch on this workspace (refused by the core's lock above) hands over to
    // the running window, which comes forward, and exits.
    let builder = tauri::Builder::default().plugin(
        tauri_plugin_single_instance::Builder::new()
            .dbus_id(bus_id)
            .callback(|app, _args, _cwd| {
                tracing::info!("Parley was launched again: bringing the window forward");
                tray::raise(app);
            })
            .build(),
    );
    let result = media::register(builder, media_core)
        .plugin(tauri_plugin_dialog::init())
        .manage(core)
        // The one list of commands (parley_domain::commands) names every handler.
        .invoke_handler({
            macro_rules! handlers {
                ($($command:ident),*) => {
                    tauri::generate_handler![$(commands::$command),*]
                };
            }
            parley_domain::for_each_command!(handlers)
        })
        // An open thread in a focused window does not notify, so the core follows the focus.
        // Files dropped on the window: the core keeps their paths for the window to stage
        // (`stage_dropped_files`), so the webview never names a path for Rust to read.
        .on_window_event(move |_window, event| match (event, &focus) {
            (tauri::WindowEvent::Focused(focused), Some(p)) => p.set_window_focused(*focused),
            (tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }), Some(p)) => {
                p.remember_drop(paths.clone())
            }
            _ => {}
        })
        .setup(move |app| {
            tracing::info!(ms = started.elapsed().as_millis(), "window set up");
            if let Some(p) = parley {
                p.set_save_picker(std::sync::Arc::new(save_dialog::DialogPicker(
                    app.handle().clone(),
                )));
                let tray = tray::install(app.handle(), p.clone());
                tray::follow_unread(app.handle().clone(), p.clone(), tray);
                tray::follow_clicks(app.handle().clone(), p, clicks);
            }
            if let Some(mut rx) = events {
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    use tokio::sync::broadcast::error::RecvError;
                    loop {
                        match rx.recv().await {
                            Ok(event) => {
                                let _ = handle.emit("parley://event", event);
                            }
                            Err(RecvError::Lagged(_)) => {
                                let _ = handle.emit(
                                    "parley://event",
                                    parley_domain::CoreEvent::ThreadsChanged { thread_ids: vec![] },
                                );
                            }
                            Err(RecvError::Closed) => break,
                        }
                    }
                });
            }
            Ok(())
        })
        .run(context);
    if let Err(e) = result {
        tracing::error!("the window failed: {e}");
        eprintln!("Parley could not open its window: {e}");
        std::process::exit(1);
    }
}
