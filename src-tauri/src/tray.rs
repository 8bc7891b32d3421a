//! The tray icon (unread count, pause, quit), the dock badge, and raising the window for a
//! notification click. The decisions stay in the core; this only wires the desktop to it.

use crate::notifier::Clicked;
use parley_core::Parley;
use parley_domain::CoreEvent;
use std::sync::Arc;
use std::time::Duration;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager};

/// A burst of sync events should redraw the tray once.
const UNREAD_DEBOUNCE: Duration = Duration::from_millis(250);

/// Brings the main window to the front (from the tray or a notification).
pub fn raise(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

fn pause(app: &AppHandle, parley: &Arc<Parley>, until_tomorrow: bool) {
    let parley = parley.clone();
    let _ = app;
    tauri::async_runtime::spawn(async move {
        let result = if until_tomorrow {
            parley.pause_notifications_until_tomorrow().await
        } else {
            parley.pause_notifications(60).await
        };
        if let Err(e) = result {
            tracing::warn!("could not pause notifications: {}", e.message);
        }
    });
}

/// Builds the tray. A desktop without a tray (no StatusNotifier host) is not an error worth
/// stopping for: Parley runs on without it.
pub fn install(app: &AppHandle, parley: Arc<Parley>) -> Option<TrayIcon> {
    let build = || -> tauri::Result<TrayIcon> {
        let open = MenuItem::with_id(app, "open", "Open Parley", true, None::<&str>)?;
        let hour = MenuItem::with_id(
            app,
            "pause-hour",
            "Pause notifications for 1 hour",
            true,
            None::<&str>,
        )?;
        let tomorrow = MenuItem::with_id(
            app,
            "pause-tomorrow",
            "Pause until tomorrow",
            true,
            None::<&str>,
        )?;
        let resume = MenuItem::with_id(app, "resume", "Resume notifications", true, None::<&str>)?;
        let sep = PredefinedMenuItem::separator(app)?;
        let quit = MenuItem::with_id(app, "quit", "Quit Parley", true, None::<&str>)?;
        let menu = Menu::with_items(app, &[&open, &hour, &tomorrow, &resume, &sep, &quit])?;
        let mut builder = TrayIconBuilder::with_id("parley")
            .menu(&menu)
            .tooltip("Parley")
            .on_menu_event(move |app, event| match event.id().as_ref() {
                "open" => raise(app),
                "pause-hour" => pause(app, &parley, false),
                "pause-tomorrow" => pause(app, &parley, true),
                "resume" => {
                    let parley = parley.clone();
                    tauri::async_runtime::spawn(async move {
                        let _ = parley.pause_notifications(0).await;
                    });
                }
                "quit" => app.exit(0),
                _ => {}
            });
        if let Some(icon) = app.default_window_icon() {
            builder = builder.icon(icon.clone());
        }
        builder.build(app)
    };
    match build() {
        Ok(tray) => Some(tray),
        Err(e) => {
            tracing::warn!("no tray icon: {e}");
            None
        }
    }
}

fn show_unread(app: &AppHandle, tray: Option<&TrayIcon>, unread: i64) {
    let label = match unread {
        0 => "Parley".to_string(),
        1 => "Parley — 1 unread message".to_string(),
        n => format!("Parley — {n} unread messages"),
    };
    if let Some(tray) = tray {
        let _ = tray.set_tooltip(Some(&label));
        // Linux trays (AppIndicator) show no tooltips; the title is shown beside the icon.
        #[cfg(target_os = "linux")]
        let _ = tray.set_title((unread > 0).then(|| unread.to_string()));
    }
    #[cfg(target_os = "macos")]
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.set_badge_count((unread > 0).then_some(unread));
    }
    let _ = app;
}

/// Keeps the tray's count current: recounted (debounced) whenever threads change.
pub fn follow_unread(app: AppHandle, parley: Arc<Parley>, tray: Option<TrayIcon>) {
    let mut events = parley.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            if let Ok(unread) = parley.unread_total().await {
                show_unread(&app, tray.as_ref(), unread);
            }
            // Wait for a change, then let the burst settle.
            loop {
                match events.recv().await {
                    Ok(CoreEvent::ThreadsChanged { .. } | CoreEvent::AccountsChanged) => break,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
            tokio::time::sleep(UNREAD_DEBOUNCE).await;
        }
    });
}

/// Acts on notification clicks: raise the window, then let the core open the thread.
pub fn follow_clicks(
    app: AppHandle,
    parley: Arc<Parley>,
    mut clicks: tokio::sync::mpsc::UnboundedReceiver<Clicked>,
) {
    tauri::async_runtime::spawn(async move {
        while let Some(click) = clicks.recv().await {
            tracing::info!(?click, "notification clicked");
            if click.action != parley_domain::NotificationAction::MarkRead {
                raise(&app);
            }
            if let Some(thread) = click.thread
                && let Err(e) = parley.notification_action(thread, click.action).await
            {
                tracing::warn!("notification action failed: {}", e.message);
            }
        }
    });
}
