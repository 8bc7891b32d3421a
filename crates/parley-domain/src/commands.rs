//! The one list of the commands the window may call. Everything else follows from it:
//! - the shell's handler list (`src-tauri/src/main.rs` expands [`for_each_command!`]);
//! - the permissions Tauri generates, one per command (`src-tauri/build.rs` reads [`COMMANDS`]),
//!   and the capability file, which the build checks grants exactly these;
//! - the TypeScript `Command` type in the generated bindings, which types every `invoke` in
//!   `ui/src/lib/ipc/backend.ts` (a UI test checks that each command is called there).
//!
//! A new command: its function in `parley-core`, its one-line `#[tauri::command]` in
//! `src-tauri/src/commands.rs`, its name here, its line in the capability file, and its method in
//! the UI's `Backend` (and the mock, which the type-check holds to the same interface).

/// Calls `$callback!` with every command name, comma-separated, as identifiers.
#[macro_export]
macro_rules! for_each_command {
    ($callback:ident) => {
        $callback!(
            workspace_info,
            list_threads,
            list_view,
            thread_summaries,
            view_counts,
            change_threads,
            undo_change,
            list_labels,
            create_label,
            update_label,
            delete_label,
            snooze_choices,
            open_thread,
            older_messages,
            save_draft,
            send_reply,
            draft_attachments,
            stage_attachment,
            stage_dropped_files,
            save_draft_media_links,
            remove_staged_attachment,
            outbox_status,
            list_drafts,
            send_anyway,
            edit_reply,
            discard_reply,
            mark_reply_sent,
            send_reply_again,
            contact_context,
            refresh_avatars,
            list_contacts,
            contact_by_id,
            set_contact_marks,
            contact_timeline,
            erase_customer,
            add_note,
            update_note,
            delete_note,
            set_contact_attribute,
            remove_contact_attribute,
            add_contact_tag,
            remove_contact_tag,
            set_contact_time_zone,
            time_zone_choices,
            set_identity_opt_out,
            merge_preview,
            merge_suggestions,
            merge_contacts,
            split_identity,
            undo_contact_change,
            dismiss_merge_suggestion,
            stage_import_file,
            preview_import,
            run_import,
            cancel_import,
            search,
            list_accounts,
            add_telegram_account,
            add_facebook_page,
            add_email_account,
            add_twilio_account,
            message_templates,
            send_template,
            send_reply_with_media,
            thread_control,
            handover,
            set_human_agent_approved,
            remove_account,
            open_link,
            notification_prefs,
            set_notification_prefs,
            pause_notifications,
            set_thread_muted,
            set_open_thread,
            open_attachment,
            message_html,
            list_saved_replies,
            create_saved_reply,
            update_saved_reply,
            delete_saved_reply,
            add_saved_reply_file,
            remove_saved_reply_file,
            saved_replies_for_thread,
            insert_saved_reply,
            export_saved_replies,
            import_saved_replies,
            business_hours,
            spike_status,
            set_spike_mode,
            dismiss_spike_offer,
            set_spike_settings,
            set_business_hours,
            automation_settings,
            set_automation_settings,
            outbound_settings,
            set_outbound_settings,
            preview_business_hours,
            faq_rules,
            create_faq_rule,
            update_faq_rule,
            delete_faq_rule,
            move_faq_rule,
            bot_settings,
            set_bot_settings,
            try_bot,
            review_targets,
            set_review_targets,
            review_page,
            review_responders,
            review_transcript,
            transcript_page,
            add_annotation,
            update_annotation,
            delete_annotation,
            list_annotations,
            review_checklist,
            add_checklist_item,
            remove_checklist_item,
            set_checklist_score,
            review_metrics,
            export_review,
            cancel_export,
            save_numbers_csv,
            backup_settings,
            set_backup_schedule,
            pick_backup_folder,
            backup_now,
            restore_state,
            check_restore,
            confirm_restore,
            cancel_restore,
            quit_app,
            export_customer,
            retention_settings,
            set_retention,
            preview_retention,
            startup_probe
        )
    };
}

macro_rules! names {
    ($($command:ident),*) => {
        &[$(stringify!($command)),*]
    };
}

/// Every command's name, as the window invokes it.
pub const COMMANDS: &[&str] = for_each_command!(names);

/// The permission Tauri generates for `command` (`allow-` and the name in kebab case), as the
/// capability file names it.
pub fn permission(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

/// The TypeScript declaration of the list, for the bindings.
pub(crate) fn typescript() -> String {
    let names: Vec<String> = COMMANDS.iter().map(|c| format!("  \"{c}\",")).collect();
    format!(
        "/** Every command the window may invoke (crates/parley-domain/src/commands.rs). */\n\
         export const COMMANDS = [\n{}\n] as const;\n\n\
         export type Command = (typeof COMMANDS)[number];",
        names.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_map_to_permissions() {
        let mut seen = std::collections::BTreeSet::new();
        for c in COMMANDS {
            assert!(seen.insert(c), "{c} twice");
            assert!(
                c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{c}"
            );
        }
        assert_eq!(permission("list_threads"), "allow-list-threads");
    }
}
