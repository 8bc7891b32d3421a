//! The IPC surface. One line each into the core; errors cross as `{code, message}`.

use parley_core::Parley;
use parley_core::links::{safe_to_open, validate_link};
use parley_domain::*;
use std::sync::Arc;
use tauri::State;

/// The core, or why it could not start (shown by the window instead of crashing).
pub struct Core(pub Result<Arc<Parley>, IpcError>);

impl Core {
    fn get(&self) -> Result<&Arc<Parley>, IpcError> {
        self.0.as_ref().map_err(Clone::clone)
    }
}

type Res<T> = Result<T, IpcError>;

/// Commands that only forward to the core's method of the same name with the same arguments.
/// Each becomes a `#[tauri::command]` taking the core's state first; `-> T`: the core's method
/// returns `Result<T, IpcError>`, `=> T`: it cannot fail. The others are written out below.
macro_rules! forward {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),* $(,)?) $arrow:tt $ret:ty;)*) => {
        $(
            $(#[$doc])*
            #[tauri::command]
            pub async fn $name(core: State<'_, Core>, $($arg: $ty),*) -> Res<$ret> {
                forward!(@call $arrow core.get()?.$name($($arg),*).await)
            }
        )*
    };
    (@call => $call:expr) => { Ok($call) };
    (@call -> $call:expr) => { $call };
}

forward! {
    workspace_info() => WorkspaceInfo;
    list_threads(cursor: Option<PageCursor>, limit: u32) -> ThreadPage;
    list_view(view: ThreadView, cursor: Option<PageCursor>, limit: u32) -> ThreadPage;
    thread_summaries(thread_ids: Vec<ThreadId>) -> Vec<ThreadSummary>;
    view_counts() -> ViewCounts;
    change_threads(thread_ids: Vec<ThreadId>, change: ThreadChange) -> ChangeOutcome;
    undo_change(before: Vec<ThreadState>) -> ();
    list_labels() -> Vec<Label>;
    create_label(name: String, color: String) -> Label;
    update_label(label_id: LabelId, name: String, color: String) -> Label;
    delete_label(label_id: LabelId) -> ();
    open_thread(thread_id: ThreadId) -> ThreadDetail;
    older_messages(thread_id: ThreadId, before: PageCursor, limit: u32) -> MessagePage;
    save_draft(thread_id: ThreadId, text: String) -> ();
    send_reply(thread_id: ThreadId, text: String) -> MessageView;
    draft_attachments(thread_id: ThreadId) -> DraftAttachments;
    /// Stages the files of the last drop from the operating system (the shell remembered their
    /// paths; the window never names a path).
    stage_dropped_files(thread_id: ThreadId) -> DroppedFiles;
    save_draft_media_links(thread_id: ThreadId, media_urls: Vec<String>) -> ();
    remove_staged_attachment(id: i64) -> ();
    outbox_status() -> OutboxStatus;
    list_drafts() -> Vec<DraftView>;
    send_anyway(message_id: MessageId) -> ();
    edit_reply(message_id: MessageId, text: String) -> ();
    discard_reply(message_id: MessageId) -> ();
    mark_reply_sent(message_id: MessageId) -> ();
    send_reply_again(message_id: MessageId) -> ();
    contact_context(thread_id: ThreadId) -> ContactContext;
    list_contacts(query: String, sort: ContactSort, cursor: Option<ContactCursor>, limit: u32) -> ContactPage;
    contact_by_id(contact_id: ContactId) -> ContactContext;
    set_contact_marks(contact_id: ContactId, change: ContactMarksChange) -> ContactMarks;
    add_contact_tag(contact_id: ContactId, tag: String) -> Vec<String>;
    remove_contact_tag(contact_id: ContactId, tag: String) -> Vec<String>;
    set_contact_time_zone(contact_id: ContactId, zone: Option<String>) -> ContactContext;
    contact_timeline(contact_id: ContactId, before: Option<PageCursor>, limit: u32) -> ContactTimelinePage;
    refresh_avatars(contact_id: ContactId) -> bool;
    /// Erases everything Parley holds about a customer (cannot be undone).
    erase_customer(contact_id: ContactId) -> ();
    add_note(contact_id: ContactId, body: String) -> ContactNote;
    update_note(note_id: NoteId, body: String) -> ContactNote;
    delete_note(note_id: NoteId) -> ();
    set_contact_attribute(contact_id: ContactId, attribute: ContactAttribute) -> Vec<ContactAttribute>;
    remove_contact_attribute(contact_id: ContactId, key: String) -> Vec<ContactAttribute>;
    merge_preview(a: ContactId, b: ContactId) -> MergePreview;
    merge_suggestions(contact_id: Option<ContactId>, limit: u32) -> Vec<MergeSuggestion>;
    merge_contacts(choice: MergeChoice) -> ContactChange;
    split_identity(identity_id: IdentityId) -> ContactChange;
    undo_contact_change(change_id: ContactChangeId) -> ContactChange;
    dismiss_merge_suggestion(a: ContactId, b: ContactId) -> ();
    preview_import(encoding: Option<String>) -> ImportPreview;
    run_import(request: ImportRequest) -> ImportReport;
    search(query: String, limit: u32) -> Vec<SearchHit>;
    list_accounts() -> Vec<AccountSummary>;
    add_telegram_account(token: String) -> AccountSummary;
    add_facebook_page(page_id: String, token: String, include_instagram: bool, human_agent_approved: bool) -> Vec<AccountSummary>;
    add_twilio_account(account_sid: String, auth_token: String, numbers: Vec<String>) -> Vec<AccountSummary>;
    message_templates(thread_id: ThreadId) -> Vec<MessageTemplate>;
    send_template(thread_id: ThreadId, content_sid: String, variables: Vec<TemplateVariable>) -> MessageView;
    send_reply_with_media(thread_id: ThreadId, text: String, media_urls: Vec<String>) -> MessageView;
    thread_control(thread_id: ThreadId) -> ThreadControl;
    handover(thread_id: ThreadId, action: HandoverAction) -> ThreadControl;
    set_human_agent_approved(account_id: AccountId, approved: bool) -> Vec<AccountSummary>;
    remove_account(account_id: AccountId, keep_conversations: bool) -> ();
    notification_prefs() => NotificationPrefs;
    set_notification_prefs(prefs: NotificationPrefs) -> NotificationPrefs;
    /// Do not disturb for `minutes`; 0 switches it off.
    pause_notifications(minutes: u32) -> NotificationPrefs;
    /// Mutes or unmutes one conversation's notifications.
    set_thread_muted(thread_id: ThreadId, muted: bool) -> NotificationPrefs;
    /// An email's sanitised HTML as a document for the sandboxed frame; remote images only when asked.
    message_html(message_id: MessageId, load_remote: bool) -> MessageHtml;
    list_saved_replies() -> Vec<SavedReply>;
    create_saved_reply(input: SavedReplyInput) -> SavedReply;
    update_saved_reply(saved_reply_id: SavedReplyId, input: SavedReplyInput) -> SavedReply;
    delete_saved_reply(saved_reply_id: SavedReplyId) -> ();
    remove_saved_reply_file(file_id: i64) -> ();
    saved_replies_for_thread(thread_id: ThreadId) -> Vec<FilledReply>;
    insert_saved_reply(saved_reply_id: SavedReplyId, thread_id: ThreadId) -> InsertedReply;
    export_saved_replies() -> SavedRepliesExport;
    import_saved_replies(json: String) -> SavedRepliesImport;
    /// Settings → Retention: every account's policy and last run.
    retention_settings() -> Vec<RetentionSettings>;
    /// Exactly what a retention of `months` would delete now.
    preview_retention(account_id: AccountId, months: u32) -> RetentionPreview;
    /// Sets an account's retention; on, it deletes what the confirmed preview (`cutoff`) showed.
    set_retention(account_id: AccountId, months: Option<u32>, cutoff: Option<Millis>) -> RetentionSettings;
    business_hours() -> String;
    set_business_hours(text: String) -> ();
    spike_status() -> SpikeStatus;
    set_spike_mode(on: bool) -> SpikeStatus;
    dismiss_spike_offer() -> SpikeStatus;
    set_spike_settings(settings: SpikeSettings) -> SpikeStatus;
    automation_settings() -> AutomationSettings;
    set_automation_settings(settings: AutomationSettings) -> AutomationSettings;
    faq_rules() -> Vec<FaqRule>;
    create_faq_rule(input: FaqRuleInput) -> FaqRule;
    update_faq_rule(rule_id: FaqRuleId, input: FaqRuleInput) -> FaqRule;
    delete_faq_rule(rule_id: FaqRuleId) -> ();
    move_faq_rule(rule_id: FaqRuleId, by: i64) -> Vec<FaqRule>;
    bot_settings() -> BotSettings;
    set_bot_settings(settings: BotSettings) -> BotSettings;
    try_bot(text: String) -> BotTrial;
    review_targets() -> Vec<ResponseTarget>;
    set_review_targets(targets: Vec<ResponseTarget>) -> Vec<ResponseTarget>;
    review_page(filter: ReviewFilter, cursor: Option<ReviewCursor>, limit: u32) -> ReviewPage;
    review_responders() -> Vec<String>;
    review_transcript(thread_id: ThreadId, whole_dialogue: bool) -> Transcript;
    transcript_page(thread_ids: Vec<ThreadId>, cursor: Option<PageCursor>) -> TranscriptPage;
    add_annotation(input: AnnotationInput) -> Annotation;
    update_annotation(id: i64, body: String) -> Annotation;
    delete_annotation(id: i64) -> ();
    list_annotations(filter: AnnotationFilter) -> Vec<Annotation>;
    review_checklist() -> Vec<ChecklistItem>;
    add_checklist_item(label: String, kind: ChecklistKind) -> ChecklistItem;
    remove_checklist_item(id: i64) -> ();
    set_checklist_score(thread_id: ThreadId, item_id: i64, score: Option<i64>) -> Vec<ChecklistScore>;
    review_metrics(query: MetricsQuery) -> Metrics;
    export_review(request: ExportRequest) -> ExportOutcome;
    /// A chart's numbers as a CSV file where the user chooses; the path, or `null` if cancelled.
    save_numbers_csv(name: String, csv: String) -> Option<String>;
    set_identity_opt_out(identity_id: IdentityId, opted_out: bool) -> ContactContext;
    outbound_settings() -> OutboundSettings;
    set_outbound_settings(settings: OutboundSettings) -> OutboundSettings;
}

#[tauri::command]
pub fn snooze_choices(core: State<'_, Core>) -> Res<Vec<SnoozeChoice>> {
    Ok(core.get()?.snooze_choices())
}

/// The file's bytes arrive as the raw IPC body (no JSON number array); the thread, name and
/// type in headers (percent-encoded).
#[tauri::command]
pub async fn stage_attachment(
    core: State<'_, Core>,
    request: tauri::ipc::Request<'_>,
) -> Res<StagedAttachment> {
    let upload = parley_core::RawUpload::from_parts(
        match request.body() {
            tauri::ipc::InvokeBody::Raw(bytes) => Some(bytes.clone()),
            tauri::ipc::InvokeBody::Json(_) => None,
        },
        |name| request.headers().get(name).and_then(|v| v.to_str().ok()),
    )?;
    core.get()?.stage_raw_attachment(upload).await
}

#[tauri::command]
pub async fn time_zone_choices(core: State<'_, Core>) -> Res<Vec<String>> {
    Ok(core.get()?.time_zone_choices())
}

/// The import wizard's file: its bytes as the raw IPC body, its name in the percent-encoded
/// header `parley-file-name` (the window never names a path).
#[tauri::command]
pub async fn stage_import_file(
    core: State<'_, Core>,
    request: tauri::ipc::Request<'_>,
) -> Res<ImportPreview> {
    let body = match request.body() {
        tauri::ipc::InvokeBody::Raw(bytes) => Some(bytes.clone()),
        tauri::ipc::InvokeBody::Json(_) => None,
    };
    let name = request
        .headers()
        .get("parley-file-name")
        .and_then(|v| v.to_str().ok())
        .map(parley_core::percent_decode);
    core.get()?.stage_import_file(body, name).await
}

#[tauri::command]
pub fn cancel_import(core: State<'_, Core>) -> Res<bool> {
    Ok(core.get()?.cancel_import())
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn add_email_account(
    core: State<'_, Core>,
    address: String,
    display_name: Option<String>,
    username: String,
    password: String,
    imap: EmailServer,
    smtp: EmailServer,
) -> Res<AccountSummary> {
    core.get()?
        .add_email_account(address, display_name, username, password, imap, smtp)
        .await
}

/// The window reports which thread it shows, so that thread does not notify while focused.
#[tauri::command]
pub fn set_open_thread(core: State<'_, Core>, thread_id: Option<ThreadId>) -> Res<()> {
    core.get()?.set_open_thread(thread_id);
    Ok(())
}

/// Opens a link from customer text in the user's browser or mail program, after checking it.
#[tauri::command]
pub fn open_link(url: String) -> Res<()> {
    let url = validate_link(&url)?;
    open::that_detached(url.as_str()).map_err(|e| os_open_error(&e))
}

/// Downloads an attachment on demand and opens it; kinds the OS might run are only revealed.
#[tauri::command]
pub async fn open_attachment(
    core: State<'_, Core>,
    message_id: MessageId,
    index: usize,
) -> Res<()> {
    let path = core.get()?.fetch_attachment(message_id, index).await?;
    let target = if safe_to_open(&path) {
        path.as_path()
    } else {
        path.parent().unwrap_or(path.as_path())
    };
    open::that_detached(target).map_err(|e| os_open_error(&e))
}

fn os_open_error(e: &std::io::Error) -> IpcError {
    IpcError::new(
        ErrorCode::Internal,
        format!("The system could not open it ({e}). Is a browser or file viewer installed?"),
    )
}

/// Bench hook (`bench/startup_memory.sh`, BUDGETS P3): the window calls this once, when its
/// first page of threads has been painted, with the wall-clock time of that frame
/// (`painted_at_us`, µs since the Unix epoch, from the page's clock). With
/// `PARLEY_STARTUP_PROBE` set, that time (or, without it, the time the call arrived) is written
/// to that file; without it, nothing happens. The page's own time, because the call itself can
/// wait behind the window's other first calls, which the painted frame did not.
#[tauri::command]
pub fn startup_probe(painted_at_us: Option<f64>) {
    tracing::info!("inbox painted");
    if let Some(path) = std::env::var_os("PARLEY_STARTUP_PROBE") {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        let at = match painted_at_us {
            Some(us) if us.is_finite() && us > 0.0 => format!("{us:.0}"),
            _ => now.map_or(0, |d| d.as_micros()).to_string(),
        };
        let _ = std::fs::write(path, at);
    }
}

/// The file's bytes arrive as the raw IPC body; the saved reply, name and type in headers
/// (`parley-saved-reply-id`, `parley-file-name`, `parley-file-type`, percent-encoded).
#[tauri::command]
pub async fn add_saved_reply_file(
    core: State<'_, Core>,
    request: tauri::ipc::Request<'_>,
) -> Res<SavedReplyFile> {
    let body = match request.body() {
        tauri::ipc::InvokeBody::Raw(bytes) => Some(bytes.clone()),
        tauri::ipc::InvokeBody::Json(_) => None,
    };
    core.get()?
        .add_raw_saved_reply_file(body, |name| {
            request.headers().get(name).and_then(|v| v.to_str().ok())
        })
        .await
}

#[tauri::command]
pub async fn preview_business_hours(
    core: State<'_, Core>,
    hours: BusinessHours,
) -> Res<HoursPreview> {
    core.get()?.preview_business_hours(hours)
}

#[tauri::command]
pub fn cancel_export(core: State<'_, Core>) -> Res<()> {
    core.get()?.cancel_export();
    Ok(())
}

#[tauri::command]
pub async fn backup_settings(core: State<'_, Core>) -> Res<BackupSettings> {
    core.get()?.backup_settings().await
}

#[tauri::command]
pub async fn set_backup_schedule(
    core: State<'_, Core>,
    input: BackupScheduleInput,
) -> Res<BackupSettings> {
    core.get()?.set_backup_schedule(input).await
}

#[tauri::command]
pub async fn pick_backup_folder(core: State<'_, Core>) -> Res<Option<String>> {
    core.get()?.pick_backup_folder().await
}

#[tauri::command]
pub async fn backup_now(core: State<'_, Core>, passphrase: String) -> Res<BackupOutcome> {
    core.get()?.backup_now(passphrase).await
}

#[tauri::command]
pub async fn restore_state(core: State<'_, Core>) -> Res<RestoreState> {
    Ok(core.get()?.restore_state().await)
}

#[tauri::command]
pub async fn check_restore(
    core: State<'_, Core>,
    passphrase: String,
) -> Res<Option<RestorePreview>> {
    core.get()?.check_restore(passphrase).await
}

#[tauri::command]
pub async fn confirm_restore(core: State<'_, Core>) -> Res<RestoreState> {
    core.get()?.confirm_restore().await
}

#[tauri::command]
pub async fn cancel_restore(core: State<'_, Core>) -> Res<RestoreState> {
    core.get()?.cancel_restore().await
}

/// Quits Parley (a confirmed restore is swapped in at the next start). Not a restart: the new
/// process would find the workspace and the single-instance name still held by this one.
#[tauri::command]
pub fn quit_app(app: tauri::AppHandle) {
    app.exit(0);
}

#[tauri::command]
pub async fn export_customer(
    core: State<'_, Core>,
    contact_id: ContactId,
) -> Res<CustomerExportOutcome> {
    core.get()?.export_customer(contact_id).await
}
