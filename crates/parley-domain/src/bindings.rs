//! Generates `ui/src/lib/ipc/bindings.ts` from the Rust DTOs.
//!
//! The test `bindings_are_current` fails when the committed file differs from what the types
//! produce; run it with `PARLEY_UPDATE_BINDINGS=1` to rewrite the file.

use crate::*;
use ts_rs::{Config, TS};

/// The whole TypeScript module, deterministic.
pub fn typescript() -> String {
    let cfg = Config::default();
    let decls = [
        AccountId::decl(&cfg),
        ContactId::decl(&cfg),
        IdentityId::decl(&cfg),
        ThreadId::decl(&cfg),
        MessageId::decl(&cfg),
        OutboxId::decl(&cfg),
        LabelId::decl(&cfg),
        NoteId::decl(&cfg),
        ContactChangeId::decl(&cfg),
        SavedReplyId::decl(&cfg),
        ChannelKind::decl(&cfg),
        ThreadStatus::decl(&cfg),
        Direction::decl(&cfg),
        DeliveryState::decl(&cfg),
        HoldReason::decl(&cfg),
        OutboundSettings::decl(&cfg),
        OptOutSource::decl(&cfg),
        OptOutRecord::decl(&cfg),
        AutomationKind::decl(&cfg),
        AutomatedBy::decl(&cfg),
        OpenSpan::decl(&cfg),
        Holiday::decl(&cfg),
        BusinessHours::decl(&cfg),
        RuleSettings::decl(&cfg),
        AccountAutomation::decl(&cfg),
        AutomationSettings::decl(&cfg),
        HoursPreview::decl(&cfg),
        AttachmentKind::decl(&cfg),
        Attachment::decl(&cfg),
        SyncProgress::decl(&cfg),
        SyncState::decl(&cfg),
        AccountSummary::decl(&cfg),
        EmailSecurity::decl(&cfg),
        EmailServer::decl(&cfg),
        PageCursor::decl(&cfg),
        ThreadSummary::decl(&cfg),
        ThreadPage::decl(&cfg),
        MessageView::decl(&cfg),
        MessageHtml::decl(&cfg),
        MessagePage::decl(&cfg),
        ThreadDetail::decl(&cfg),
        ThreadView::decl(&cfg),
        ChannelCount::decl(&cfg),
        AccountCount::decl(&cfg),
        LabelCount::decl(&cfg),
        ViewCounts::decl(&cfg),
        Label::decl(&cfg),
        ThreadChange::decl(&cfg),
        ThreadState::decl(&cfg),
        ChangeOutcome::decl(&cfg),
        ThreadEventKind::decl(&cfg),
        ThreadEvent::decl(&cfg),
        SnoozeChoice::decl(&cfg),
        ComposerWindow::decl(&cfg),
        TemplateVariable::decl(&cfg),
        MessageTemplate::decl(&cfg),
        ThreadOwner::decl(&cfg),
        ThreadControl::decl(&cfg),
        HandoverAction::decl(&cfg),
        IdentityView::decl(&cfg),
        ContactNote::decl(&cfg),
        AttributeKind::decl(&cfg),
        ContactAttribute::decl(&cfg),
        ContactConversation::decl(&cfg),
        ContactContext::decl(&cfg),
        ImportedFrom::decl(&cfg),
        MergeChoice::decl(&cfg),
        MergeSide::decl(&cfg),
        MergePreview::decl(&cfg),
        ContactChangeKind::decl(&cfg),
        ContactChange::decl(&cfg),
        MergeReason::decl(&cfg),
        MergeSuggestion::decl(&cfg),
        ContactSort::decl(&cfg),
        ContactCursor::decl(&cfg),
        ContactRow::decl(&cfg),
        ContactPage::decl(&cfg),
        ContactMarks::decl(&cfg),
        ContactMarksChange::decl(&cfg),
        TimeSource::decl(&cfg),
        CustomerTime::decl(&cfg),
        TimelineMessage::decl(&cfg),
        ReplyChannel::decl(&cfg),
        ContactTimelinePage::decl(&cfg),
        TextSegment::decl(&cfg),
        SearchHit::decl(&cfg),
        WorkspaceInfo::decl(&cfg),
        NotifyScope::decl(&cfg),
        WorkingSpan::decl(&cfg),
        WorkingHours::decl(&cfg),
        NotificationPrefs::decl(&cfg),
        NotificationAction::decl(&cfg),
        OutboxStatus::decl(&cfg),
        DraftView::decl(&cfg),
        StagedAttachment::decl(&cfg),
        DraftAttachments::decl(&cfg),
        DroppedFiles::decl(&cfg),
        SavedReplyVariant::decl(&cfg),
        SavedReplyFile::decl(&cfg),
        SavedReply::decl(&cfg),
        SavedReplyInput::decl(&cfg),
        FilledPart::decl(&cfg),
        FilledReply::decl(&cfg),
        InsertedReply::decl(&cfg),
        SavedRepliesExport::decl(&cfg),
        ImportSkip::decl(&cfg),
        SavedRepliesImport::decl(&cfg),
        ImportTarget::decl(&cfg),
        ImportMode::decl(&cfg),
        ImportPreviewRow::decl(&cfg),
        ImportPreview::decl(&cfg),
        ImportRequest::decl(&cfg),
        ImportOutcome::decl(&cfg),
        ImportRowReport::decl(&cfg),
        ImportReport::decl(&cfg),
        MoodKind::decl(&cfg),
        ThreadMood::decl(&cfg),
        SpikeSettings::decl(&cfg),
        SpikeStatus::decl(&cfg),
        FaqRuleId::decl(&cfg),
        AnswerCheck::decl(&cfg),
        GatherStep::decl(&cfg),
        FaqRuleInput::decl(&cfg),
        FaqRule::decl(&cfg),
        BotSettings::decl(&cfg),
        BotTrial::decl(&cfg),
        ReviewSort::decl(&cfg),
        ReviewFilter::decl(&cfg),
        ReviewCursor::decl(&cfg),
        ReviewRow::decl(&cfg),
        ReviewPage::decl(&cfg),
        AuthorKind::decl(&cfg),
        TranscriptMessage::decl(&cfg),
        TranscriptPage::decl(&cfg),
        Transcript::decl(&cfg),
        Annotation::decl(&cfg),
        AnnotationInput::decl(&cfg),
        AnnotationFilter::decl(&cfg),
        ChecklistKind::decl(&cfg),
        ChecklistItem::decl(&cfg),
        ChecklistScore::decl(&cfg),
        ResponseTarget::decl(&cfg),
        MetricsQuery::decl(&cfg),
        DurationStats::decl(&cfg),
        DayVolume::decl(&cfg),
        TargetShare::decl(&cfg),
        Metrics::decl(&cfg),
        ExportFormat::decl(&cfg),
        ExportScope::decl(&cfg),
        ExportRequest::decl(&cfg),
        ExportOutcome::decl(&cfg),
        BackupResult::decl(&cfg),
        BackupSettings::decl(&cfg),
        BackupScheduleInput::decl(&cfg),
        WorkspaceCounts::decl(&cfg),
        BackupOutcome::decl(&cfg),
        RestorePreview::decl(&cfg),
        RestoreState::decl(&cfg),
        CustomerExportOutcome::decl(&cfg),
        RetentionRun::decl(&cfg),
        RetentionSettings::decl(&cfg),
        RetentionPreview::decl(&cfg),
        CoreEvent::decl(&cfg),
        ErrorCode::decl(&cfg),
        IpcError::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from crates/parley-domain by `bindings::typescript()`. Do not edit by hand:\n\
         // run `PARLEY_UPDATE_BINDINGS=1 cargo test -p parley-domain bindings` instead.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.push_str(&channel_names());
    out.push_str("\n\n");
    out.push_str(&crate::commands::typescript());
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Each channel's display name, so the window writes them as the notifications do.
fn channel_names() -> String {
    let entries: Vec<String> = ChannelKind::ALL
        .iter()
        .map(|c| format!("  {}: \"{}\",", c.as_str(), c.display_name()))
        .collect();
    format!(
        "/** Each channel's name as people write it (`ChannelKind::display_name`). */\n\
         export const CHANNEL_NAMES: Record<ChannelKind, string> = {{\n{}\n}};",
        entries.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn committed_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/ipc/bindings.ts")
    }

    #[test]
    fn bindings_are_current() {
        let fresh = typescript();
        let path = committed_path();
        if std::env::var_os("PARLEY_UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
            std::fs::write(&path, &fresh).expect("write bindings");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/lib/ipc/bindings.ts is stale: run `PARLEY_UPDATE_BINDINGS=1 cargo test -p parley-domain bindings`"
        );
    }

    #[test]
    fn ids_are_numbers_not_bigints() {
        let ts = typescript();
        assert!(!ts.contains("bigint"), "an i64 leaked as bigint:\n{ts}");
    }
}
