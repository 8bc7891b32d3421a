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

#[tauri::command]
pub async fn workspace_info(core: State<'_, Core>) -> Res<WorkspaceInfo> {
    Ok(core.get()?.workspace_info().await)
}

#[tauri::command]
pub async fn list_threads(
    core: State<'_, Core>,
    cursor: Option<PageCursor>,
    limit: u32,
) -> Res<ThreadPage> {
    core.get()?.list_threads(cursor, limit).await
}

#[tauri::command]
pub async fn list_view(
    core: State<'_, Core>,
    view: ThreadView,
    cursor: Option<PageCursor>,
    limit: u32,
) -> Res<ThreadPage> {
    core.get()?.list_view(view, cursor, limit).await
}

#[tauri::command]
pub async fn thread_summaries(
    core: State<'_, Core>,
    thread_ids: Vec<ThreadId>,
) -> Res<Vec<ThreadSummary>> {
    core.get()?.thread_summaries(thread_ids).await
}

#[tauri::command]
pub async fn view_counts(core: State<'_, Core>) -> Res<ViewCounts> {
    core.get()?.view_counts().await
}

#[tauri::command]
pub async fn change_threads(
    core: State<'_, Core>,
    thread_ids: Vec<ThreadId>,
    change: ThreadChange,
) -> Res<ChangeOutcome> {
    core.get()?.change_threads(thread_ids, change).await
}

#[tauri::command]
pub async fn undo_change(core: State<'_, Core>, before: Vec<ThreadState>) -> Res<()> {
    core.get()?.undo_change(before).await
}

#[tauri::command]
pub async fn list_labels(core: State<'_, Core>) -> Res<Vec<Label>> {
    core.get()?.list_labels().await
}

#[tauri::command]
pub async fn create_label(core: State<'_, Core>, name: String, color: String) -> Res<Label> {
    core.get()?.create_label(name, color).await
}

#[tauri::command]
pub async fn update_label(
    core: State<'_, Core>,
    label_id: LabelId,
    name: String,
    color: String,
) -> Res<Label> {
    core.get()?.update_label(label_id, name, color).await
}

#[tauri::command]
pub async fn delete_label(core: State<'_, Core>, label_id: LabelId) -> Res<()> {
    core.get()?.delete_label(label_id).await
}

#[tauri::command]
pub fn snooze_choices(core: State<'_, Core>) -> Res<Vec<SnoozeChoice>> {
    Ok(core.get()?.snooze_choices())
}

#[tauri::command]
pub async fn open_thread(core: State<'_, Core>, thread_id: ThreadId) -> Res<ThreadDetail> {
    core.get()?.open_thread(thread_id).await
}

#[tauri::command]
pub async fn older_messages(
    core: State<'_, Core>,
    thread_id: ThreadId,
    before: PageCursor,
    limit: u32,
) -> Res<MessagePage> {
    core.get()?.older_messages(thread_id, before, limit).await
}

#[tauri::command]
pub async fn save_draft(core: State<'_, Core>, thread_id: ThreadId, text: String) -> Res<()> {
    core.get()?.save_draft(thread_id, text).await
}

#[tauri::command]
pub async fn send_reply(
    core: State<'_, Core>,
    thread_id: ThreadId,
    text: String,
) -> Res<MessageView> {
    core.get()?.send_reply(thread_id, text).await
}

#[tauri::command]
pub async fn draft_attachments(
    core: State<'_, Core>,
    thread_id: ThreadId,
) -> Res<DraftAttachments> {
    core.get()?.draft_attachments(thread_id).await
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

/// Stages the files of the last drop from the operating system (the shell remembered their
/// paths; the window never names a path).
#[tauri::command]
pub async fn stage_dropped_files(core: State<'_, Core>, thread_id: ThreadId) -> Res<DroppedFiles> {
    core.get()?.stage_dropped_files(thread_id).await
}

#[tauri::command]
pub async fn save_draft_media_links(
    core: State<'_, Core>,
    thread_id: ThreadId,
    media_urls: Vec<String>,
) -> Res<()> {
    core.get()?
        .save_draft_media_links(thread_id, media_urls)
        .await
}

#[tauri::command]
pub async fn remove_staged_attachment(core: State<'_, Core>, id: i64) -> Res<()> {
    core.get()?.remove_staged_attachment(id).await
}

#[tauri::command]
pub async fn outbox_status(core: State<'_, Core>) -> Res<OutboxStatus> {
    core.get()?.outbox_status().await
}

#[tauri::command]
pub async fn list_drafts(core: State<'_, Core>) -> Res<Vec<DraftView>> {
    core.get()?.list_drafts().await
}

#[tauri::command]
pub async fn send_anyway(core: State<'_, Core>, message_id: MessageId) -> Res<()> {
    core.get()?.send_anyway(message_id).await
}

#[tauri::command]
pub async fn edit_reply(core: State<'_, Core>, message_id: MessageId, text: String) -> Res<()> {
    core.get()?.edit_reply(message_id, text).await
}

#[tauri::command]
pub async fn discard_reply(core: State<'_, Core>, message_id: MessageId) -> Res<()> {
    core.get()?.discard_reply(message_id).await
}

#[tauri::command]
pub async fn mark_reply_sent(core: State<'_, Core>, message_id: MessageId) -> Res<()> {
    core.get()?.mark_reply_sent(message_id).await
}

#[tauri::command]
pub async fn send_reply_again(core: State<'_, Core>, message_id: MessageId) -> Res<()> {
    core.get()?.send_reply_again(message_id).await
}

#[tauri::command]
pub async fn contact_context(core: State<'_, Core>, thread_id: ThreadId) -> Res<ContactContext> {
    core.get()?.contact_context(thread_id).await
}

#[tauri::command]
pub async fn list_contacts(
    core: State<'_, Core>,
    query: String,
    sort: ContactSort,
    cursor: Option<ContactCursor>,
    limit: u32,
) -> Res<ContactPage> {
    core.get()?.list_contacts(query, sort, cursor, limit).await
}

#[tauri::command]
pub async fn contact_by_id(core: State<'_, Core>, contact_id: ContactId) -> Res<ContactContext> {
    core.get()?.contact_by_id(contact_id).await
}

#[tauri::command]
pub async fn set_contact_marks(
    core: State<'_, Core>,
    contact_id: ContactId,
    change: ContactMarksChange,
) -> Res<ContactMarks> {
    core.get()?.set_contact_marks(contact_id, change).await
}

#[tauri::command]
pub async fn add_contact_tag(
    core: State<'_, Core>,
    contact_id: ContactId,
    tag: String,
) -> Res<Vec<String>> {
    core.get()?.add_contact_tag(contact_id, tag).await
}

#[tauri::command]
pub async fn remove_contact_tag(
    core: State<'_, Core>,
    contact_id: ContactId,
    tag: String,
) -> Res<Vec<String>> {
    core.get()?.remove_contact_tag(contact_id, tag).await
}

#[tauri::command]
pub async fn set_contact_time_zone(
    core: State<'_, Core>,
    contact_id: ContactId,
    zone: Option<String>,
) -> Res<ContactContext> {
    core.get()?.set_contact_time_zone(contact_id, zone).await
}

#[tauri::command]
pub async fn time_zone_choices(core: State<'_, Core>) -> Res<Vec<String>> {
    Ok(core.get()?.time_zone_choices())
}

#[tauri::command]
pub async fn contact_timeline(
    core: State<'_, Core>,
    contact_id: ContactId,
    before: Option<PageCursor>,
    limit: u32,
) -> Res<ContactTimelinePage> {
    core.get()?
        .contact_timeline(contact_id, before, limit)
        .await
}

#[tauri::command]
pub async fn refresh_avatars(core: State<'_, Core>, contact_id: ContactId) -> Res<bool> {
    core.get()?.refresh_avatars(contact_id).await
}

/// Erases everything Parley holds about a customer (cannot be undone).
#[tauri::command]
pub async fn erase_customer(core: State<'_, Core>, contact_id: ContactId) -> Res<()> {
    core.get()?.erase_customer(contact_id).await
}

#[tauri::command]
pub async fn add_note(
    core: State<'_, Core>,
    contact_id: ContactId,
    body: String,
) -> Res<ContactNote> {
    core.get()?.add_note(contact_id, body).await
}

#[tauri::command]
pub async fn update_note(core: State<'_, Core>, note_id: NoteId, body: String) -> Res<ContactNote> {
    core.get()?.update_note(note_id, body).await
}

#[tauri::command]
pub async fn delete_note(core: State<'_, Core>, note_id: NoteId) -> Res<()> {
    core.get()?.delete_note(note_id).await
}

#[tauri::command]
pub async fn set_contact_attribute(
    core: State<'_, Core>,
    contact_id: ContactId,
    attribute: ContactAttribute,
) -> Res<Vec<ContactAttribute>> {
    core.get()?
        .set_contact_attribute(contact_id, attribute)
        .await
}

#[tauri::command]
pub async fn remove_contact_attribute(
    core: State<'_, Core>,
    contact_id: ContactId,
    key: String,
) -> Res<Vec<ContactAttribute>> {
    core.get()?.remove_contact_attribute(contact_id, key).await
}

#[tauri::command]
pub async fn merge_preview(core: State<'_, Core>, a: ContactId, b: ContactId) -> Res<MergePreview> {
    core.get()?.merge_preview(a, b).await
}

#[tauri::command]
pub async fn merge_suggestions(
    core: State<'_, Core>,
    contact_id: Option<ContactId>,
    limit: u32,
) -> Res<Vec<MergeSuggestion>> {
    core.get()?.merge_suggestions(contact_id, limit).await
}

#[tauri::command]
pub async fn merge_contacts(core: State<'_, Core>, choice: MergeChoice) -> Res<ContactChange> {
    core.get()?.merge_contacts(choice).await
}

#[tauri::command]
pub async fn split_identity(core: State<'_, Core>, identity_id: IdentityId) -> Res<ContactChange> {
    core.get()?.split_identity(identity_id).await
}

#[tauri::command]
pub async fn undo_contact_change(
    core: State<'_, Core>,
    change_id: ContactChangeId,
) -> Res<ContactChange> {
    core.get()?.undo_contact_change(change_id).await
}

#[tauri::command]
pub async fn dismiss_merge_suggestion(
    core: State<'_, Core>,
    a: ContactId,
    b: ContactId,
) -> Res<()> {
    core.get()?.dismiss_merge_suggestion(a, b).await
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
pub async fn preview_import(core: State<'_, Core>, encoding: Option<String>) -> Res<ImportPreview> {
    core.get()?.preview_import(encoding).await
}

#[tauri::command]
pub async fn run_import(core: State<'_, Core>, request: ImportRequest) -> Res<ImportReport> {
    core.get()?.run_import(request).await
}

#[tauri::command]
pub fn cancel_import(core: State<'_, Core>) -> Res<bool> {
    Ok(core.get()?.cancel_import())
}

#[tauri::command]
pub async fn search(core: State<'_, Core>, query: String, limit: u32) -> Res<Vec<SearchHit>> {
    core.get()?.search(query, limit).await
}

#[tauri::command]
pub async fn list_accounts(core: State<'_, Core>) -> Res<Vec<AccountSummary>> {
    core.get()?.list_accounts().await
}

#[tauri::command]
pub async fn add_telegram_account(core: State<'_, Core>, token: String) -> Res<AccountSummary> {
    core.get()?.add_telegram_account(token).await
}

#[tauri::command]
pub async fn add_facebook_page(
    core: State<'_, Core>,
    page_id: String,
    token: String,
    include_instagram: bool,
    human_agent_approved: bool,
) -> Res<Vec<AccountSummary>> {
    core.get()?
        .add_facebook_page(page_id, token, include_instagram, human_agent_approved)
        .await
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

#[tauri::command]
pub async fn add_twilio_account(
    core: State<'_, Core>,
    account_sid: String,
    auth_token: String,
    numbers: Vec<String>,
) -> Res<Vec<AccountSummary>> {
    core.get()?
        .add_twilio_account(account_sid, auth_token, numbers)
        .await
}

#[tauri::command]
pub async fn message_templates(
    core: State<'_, Core>,
    thread_id: ThreadId,
) -> Res<Vec<MessageTemplate>> {
    core.get()?.message_templates(thread_id).await
}

#[tauri::command]
pub async fn send_template(
    core: State<'_, Core>,
    thread_id: ThreadId,
    content_sid: String,
    variables: Vec<TemplateVariable>,
) -> Res<MessageView> {
    core.get()?
        .send_template(thread_id, content_sid, variables)
        .await
}

#[tauri::command]
pub async fn send_reply_with_media(
    core: State<'_, Core>,
    thread_id: ThreadId,
    text: String,
    media_urls: Vec<String>,
) -> Res<MessageView> {
    core.get()?
        .send_reply_with_media(thread_id, text, media_urls)
        .await
}

#[tauri::command]
pub async fn thread_control(core: State<'_, Core>, thread_id: ThreadId) -> Res<ThreadControl> {
    core.get()?.thread_control(thread_id).await
}

#[tauri::command]
pub async fn handover(
    core: State<'_, Core>,
    thread_id: ThreadId,
    action: HandoverAction,
) -> Res<ThreadControl> {
    core.get()?.handover(thread_id, action).await
}

#[tauri::command]
pub async fn set_human_agent_approved(
    core: State<'_, Core>,
    account_id: AccountId,
    approved: bool,
) -> Res<Vec<AccountSummary>> {
    core.get()?
        .set_human_agent_approved(account_id, approved)
        .await
}

#[tauri::command]
pub async fn remove_account(
    core: State<'_, Core>,
    account_id: AccountId,
    keep_conversations: bool,
) -> Res<()> {
    core.get()?
        .remove_account(account_id, keep_conversations)
        .await
}

#[tauri::command]
pub async fn notification_prefs(core: State<'_, Core>) -> Res<NotificationPrefs> {
    Ok(core.get()?.notification_prefs().await)
}

#[tauri::command]
pub async fn set_notification_prefs(
    core: State<'_, Core>,
    prefs: NotificationPrefs,
) -> Res<NotificationPrefs> {
    core.get()?.set_notification_prefs(prefs).await
}

/// Do not disturb for `minutes`; 0 switches it off.
#[tauri::command]
pub async fn pause_notifications(core: State<'_, Core>, minutes: u32) -> Res<NotificationPrefs> {
    core.get()?.pause_notifications(minutes).await
}

/// Mutes or unmutes one conversation's notifications.
#[tauri::command]
pub async fn set_thread_muted(
    core: State<'_, Core>,
    thread_id: ThreadId,
    muted: bool,
) -> Res<NotificationPrefs> {
    core.get()?.set_thread_muted(thread_id, muted).await
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

/// An email's sanitised HTML as a document for the sandboxed frame; remote images only when asked.
#[tauri::command]
pub async fn message_html(
    core: State<'_, Core>,
    message_id: MessageId,
    load_remote: bool,
) -> Res<MessageHtml> {
    core.get()?.message_html(message_id, load_remote).await
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

#[tauri::command]
pub async fn list_saved_replies(core: State<'_, Core>) -> Res<Vec<SavedReply>> {
    core.get()?.list_saved_replies().await
}

#[tauri::command]
pub async fn create_saved_reply(core: State<'_, Core>, input: SavedReplyInput) -> Res<SavedReply> {
    core.get()?.create_saved_reply(input).await
}

#[tauri::command]
pub async fn update_saved_reply(
    core: State<'_, Core>,
    saved_reply_id: SavedReplyId,
    input: SavedReplyInput,
) -> Res<SavedReply> {
    core.get()?.update_saved_reply(saved_reply_id, input).await
}

#[tauri::command]
pub async fn delete_saved_reply(core: State<'_, Core>, saved_reply_id: SavedReplyId) -> Res<()> {
    core.get()?.delete_saved_reply(saved_reply_id).await
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
pub async fn remove_saved_reply_file(core: State<'_, Core>, file_id: i64) -> Res<()> {
    core.get()?.remove_saved_reply_file(file_id).await
}

#[tauri::command]
pub async fn saved_replies_for_thread(
    core: State<'_, Core>,
    thread_id: ThreadId,
) -> Res<Vec<FilledReply>> {
    core.get()?.saved_replies_for_thread(thread_id).await
}

#[tauri::command]
pub async fn insert_saved_reply(
    core: State<'_, Core>,
    saved_reply_id: SavedReplyId,
    thread_id: ThreadId,
) -> Res<InsertedReply> {
    core.get()?
        .insert_saved_reply(saved_reply_id, thread_id)
        .await
}

#[tauri::command]
pub async fn export_saved_replies(core: State<'_, Core>) -> Res<SavedRepliesExport> {
    core.get()?.export_saved_replies().await
}

#[tauri::command]
pub async fn import_saved_replies(core: State<'_, Core>, json: String) -> Res<SavedRepliesImport> {
    core.get()?.import_saved_replies(json).await
}

#[tauri::command]
pub async fn business_hours(core: State<'_, Core>) -> Res<String> {
    core.get()?.business_hours().await
}

#[tauri::command]
pub async fn set_business_hours(core: State<'_, Core>, text: String) -> Res<()> {
    core.get()?.set_business_hours(text).await
}

#[tauri::command]
pub async fn spike_status(core: State<'_, Core>) -> Res<SpikeStatus> {
    core.get()?.spike_status().await
}

#[tauri::command]
pub async fn set_spike_mode(core: State<'_, Core>, on: bool) -> Res<SpikeStatus> {
    core.get()?.set_spike_mode(on).await
}

#[tauri::command]
pub async fn dismiss_spike_offer(core: State<'_, Core>) -> Res<SpikeStatus> {
    core.get()?.dismiss_spike_offer().await
}

#[tauri::command]
pub async fn set_spike_settings(
    core: State<'_, Core>,
    settings: SpikeSettings,
) -> Res<SpikeStatus> {
    core.get()?.set_spike_settings(settings).await
}

#[tauri::command]
pub async fn automation_settings(core: State<'_, Core>) -> Res<AutomationSettings> {
    core.get()?.automation_settings().await
}

#[tauri::command]
pub async fn set_automation_settings(
    core: State<'_, Core>,
    settings: AutomationSettings,
) -> Res<AutomationSettings> {
    core.get()?.set_automation_settings(settings).await
}

#[tauri::command]
pub async fn preview_business_hours(
    core: State<'_, Core>,
    hours: BusinessHours,
) -> Res<HoursPreview> {
    core.get()?.preview_business_hours(hours)
}

#[tauri::command]
pub async fn faq_rules(core: State<'_, Core>) -> Res<Vec<FaqRule>> {
    core.get()?.faq_rules().await
}

#[tauri::command]
pub async fn create_faq_rule(core: State<'_, Core>, input: FaqRuleInput) -> Res<FaqRule> {
    core.get()?.create_faq_rule(input).await
}

#[tauri::command]
pub async fn update_faq_rule(
    core: State<'_, Core>,
    rule_id: FaqRuleId,
    input: FaqRuleInput,
) -> Res<FaqRule> {
    core.get()?.update_faq_rule(rule_id, input).await
}

#[tauri::command]
pub async fn delete_faq_rule(core: State<'_, Core>, rule_id: FaqRuleId) -> Res<()> {
    core.get()?.delete_faq_rule(rule_id).await
}

#[tauri::command]
pub async fn move_faq_rule(
    core: State<'_, Core>,
    rule_id: FaqRuleId,
    by: i64,
) -> Res<Vec<FaqRule>> {
    core.get()?.move_faq_rule(rule_id, by).await
}

#[tauri::command]
pub async fn bot_settings(core: State<'_, Core>) -> Res<BotSettings> {
    core.get()?.bot_settings().await
}

#[tauri::command]
pub async fn set_bot_settings(core: State<'_, Core>, settings: BotSettings) -> Res<BotSettings> {
    core.get()?.set_bot_settings(settings).await
}

#[tauri::command]
pub async fn try_bot(core: State<'_, Core>, text: String) -> Res<BotTrial> {
    core.get()?.try_bot(text).await
}

#[tauri::command]
pub async fn review_targets(core: State<'_, Core>) -> Res<Vec<ResponseTarget>> {
    core.get()?.review_targets().await
}

#[tauri::command]
pub async fn set_review_targets(
    core: State<'_, Core>,
    targets: Vec<ResponseTarget>,
) -> Res<Vec<ResponseTarget>> {
    core.get()?.set_review_targets(targets).await
}

#[tauri::command]
pub async fn review_page(
    core: State<'_, Core>,
    filter: ReviewFilter,
    cursor: Option<ReviewCursor>,
    limit: u32,
) -> Res<ReviewPage> {
    core.get()?.review_page(filter, cursor, limit).await
}

#[tauri::command]
pub async fn review_responders(core: State<'_, Core>) -> Res<Vec<String>> {
    core.get()?.review_responders().await
}

#[tauri::command]
pub async fn review_transcript(
    core: State<'_, Core>,
    thread_id: ThreadId,
    whole_dialogue: bool,
) -> Res<Transcript> {
    core.get()?
        .review_transcript(thread_id, whole_dialogue)
        .await
}

#[tauri::command]
pub async fn transcript_page(
    core: State<'_, Core>,
    thread_ids: Vec<ThreadId>,
    cursor: Option<PageCursor>,
) -> Res<TranscriptPage> {
    core.get()?.transcript_page(thread_ids, cursor).await
}

#[tauri::command]
pub async fn add_annotation(core: State<'_, Core>, input: AnnotationInput) -> Res<Annotation> {
    core.get()?.add_annotation(input).await
}

#[tauri::command]
pub async fn update_annotation(core: State<'_, Core>, id: i64, body: String) -> Res<Annotation> {
    core.get()?.update_annotation(id, body).await
}

#[tauri::command]
pub async fn delete_annotation(core: State<'_, Core>, id: i64) -> Res<()> {
    core.get()?.delete_annotation(id).await
}

#[tauri::command]
pub async fn list_annotations(
    core: State<'_, Core>,
    filter: AnnotationFilter,
) -> Res<Vec<Annotation>> {
    core.get()?.list_annotations(filter).await
}

#[tauri::command]
pub async fn review_checklist(core: State<'_, Core>) -> Res<Vec<ChecklistItem>> {
    core.get()?.review_checklist().await
}

#[tauri::command]
pub async fn add_checklist_item(
    core: State<'_, Core>,
    label: String,
    kind: ChecklistKind,
) -> Res<ChecklistItem> {
    core.get()?.add_checklist_item(label, kind).await
}

#[tauri::command]
pub async fn remove_checklist_item(core: State<'_, Core>, id: i64) -> Res<()> {
    core.get()?.remove_checklist_item(id).await
}

#[tauri::command]
pub async fn set_checklist_score(
    core: State<'_, Core>,
    thread_id: ThreadId,
    item_id: i64,
    score: Option<i64>,
) -> Res<Vec<ChecklistScore>> {
    core.get()?
        .set_checklist_score(thread_id, item_id, score)
        .await
}

#[tauri::command]
pub async fn review_metrics(core: State<'_, Core>, query: MetricsQuery) -> Res<Metrics> {
    core.get()?.review_metrics(query).await
}

#[tauri::command]
pub async fn export_review(core: State<'_, Core>, request: ExportRequest) -> Res<ExportOutcome> {
    core.get()?.export_review(request).await
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
