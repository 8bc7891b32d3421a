fn main() {
    // Declaring the app's commands makes Tauri generate one permission per command, so the
    // capability file can grant the window exactly these and nothing else.
    let commands = &[
        "workspace_info",
        "list_threads",
        "open_thread",
        "older_messages",
        "save_draft",
        "send_reply",
        "draft_attachments",
        "stage_attachment",
        "stage_dropped_files",
        "save_draft_media_links",
        "remove_staged_attachment",
        "outbox_status",
        "list_drafts",
        "send_anyway",
        "edit_reply",
        "discard_reply",
        "mark_reply_sent",
        "send_reply_again",
        "contact_context",
        "search",
        "list_accounts",
        "add_telegram_account",
        "add_facebook_page",
        "add_email_account",
        "add_twilio_account",
        "message_templates",
        "send_template",
        "send_reply_with_media",
        "thread_control",
        "handover",
        "set_human_agent_approved",
        "remove_account",
        "open_link",
        "notification_prefs",
        "set_notification_prefs",
        "pause_notifications",
        "set_thread_muted",
        "set_open_thread",
        "open_attachment",
        "message_html",
    ];
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    tauri_build::try_build(attributes).expect("tauri build script");
}
