// An in-memory, deterministic backend. Used by the unit tests and by `npm run dev`
// in a plain browser (where no Tauri runtime exists).
//
// The workspace and its plumbing are in state.ts, the demo data in fixtures.ts. Each command is
// answered by the part of its area: a function of the mock, bound to it here, so the parts call
// each other through the mock as the window does (and see what a test spies on).
import type { Backend } from "../backend";
import * as accounts from "./accounts";
import * as attachments from "./attachments";
import * as automation from "./automation";
import * as backup from "./backup";
import * as bot from "./bot";
import * as contacts from "./contacts";
import * as imports from "./imports";
import * as customer from "./customer";
import * as merge from "./merge";
import * as handover from "./handover";
import * as media from "./media";
import * as notifications from "./notifications";
import * as outbound from "./outbound";
import * as outbox from "./outbox";
import * as retention from "./retention";
import * as review from "./review";
import * as savedReplies from "./saved-replies";
import * as search from "./search";
import * as spike from "./spike";
import { MockState, type MockOptions } from "./state";
import * as threads from "./threads";
import * as timeline from "./timeline";
import * as workflow from "./workflow";

export type { MockOptions } from "./state";

export class MockBackend extends MockState implements Backend {
  // ---- the manager's review --------------------------------------------------

  reviewTargets = review.reviewTargets.bind(null, this);
  setReviewTargets = review.setReviewTargets.bind(null, this);
  reviewPage = review.reviewPage.bind(null, this);
  reviewResponders = review.reviewResponders.bind(null, this);
  reviewTranscript = review.reviewTranscript.bind(null, this);
  transcriptPage = review.transcriptPage.bind(null, this);
  addAnnotation = review.addAnnotation.bind(null, this);
  updateAnnotation = review.updateAnnotation.bind(null, this);
  deleteAnnotation = review.deleteAnnotation.bind(null, this);
  listAnnotations = review.listAnnotations.bind(null, this);
  reviewChecklist = review.reviewChecklist.bind(null, this);
  addChecklistItem = review.addChecklistItem.bind(null, this);
  removeChecklistItem = review.removeChecklistItem.bind(null, this);
  setChecklistScore = review.setChecklistScore.bind(null, this);
  reviewMetrics = review.reviewMetrics.bind(null, this);
  exportReview = review.exportReview.bind(null, this);
  cancelExport = review.cancelExport.bind(null, this);
  saveNumbersCsv = review.saveNumbersCsv.bind(null, this);
  backupSettings = backup.backupSettings.bind(null, this);
  setBackupSchedule = backup.setBackupSchedule.bind(null, this);
  pickBackupFolder = backup.pickBackupFolder.bind(null, this);
  backupNow = backup.backupNow.bind(null, this);
  restoreState = backup.restoreState.bind(null, this);
  checkRestore = backup.checkRestore.bind(null, this);
  confirmRestore = backup.confirmRestore.bind(null, this);
  cancelRestore = backup.cancelRestore.bind(null, this);
  quitApp = backup.quitApp.bind(null, this);
  exportCustomer = backup.exportCustomer.bind(null, this);
  retentionSettings = retention.retentionSettings.bind(null, this);
  previewRetention = retention.previewRetention.bind(null, this);
  setRetention = retention.setRetention.bind(null, this);

  // ---- threads and messages -------------------------------------------------

  workspaceInfo = threads.workspaceInfo.bind(null, this);
  listThreads = threads.listThreads.bind(null, this);
  openThread = threads.openThread.bind(null, this);
  olderMessages = threads.olderMessages.bind(null, this);
  saveDraft = threads.saveDraft.bind(null, this);
  contactContext = threads.contactContext.bind(null, this);
  eraseCustomer = threads.eraseCustomer.bind(null, this);
  addNote = threads.addNote.bind(null, this);
  updateNote = threads.updateNote.bind(null, this);
  deleteNote = threads.deleteNote.bind(null, this);
  setContactAttribute = threads.setContactAttribute.bind(null, this);
  removeContactAttribute = threads.removeContactAttribute.bind(null, this);
  addContactTag = customer.addContactTag.bind(null, this);
  removeContactTag = customer.removeContactTag.bind(null, this);
  setContactTimeZone = customer.setContactTimeZone.bind(null, this);
  timeZoneChoices = customer.timeZoneChoices.bind(null, this);
  setIdentityOptOut = outbound.setIdentityOptOut.bind(null, this);
  outboundSettings = outbound.outboundSettings.bind(null, this);
  setOutboundSettings = outbound.setOutboundSettings.bind(null, this);
  mergePreview = merge.mergePreview.bind(null, this);
  mergeSuggestions = merge.mergeSuggestions.bind(null, this);
  mergeContacts = merge.mergeContacts.bind(null, this);
  splitIdentity = merge.splitIdentity.bind(null, this);
  undoContactChange = merge.undoContactChange.bind(null, this);
  dismissMergeSuggestion = merge.dismissMergeSuggestion.bind(null, this);
  listContacts = contacts.listContacts.bind(null, this);
  contactById = contacts.contactById.bind(null, this);
  setContactMarks = contacts.setContactMarks.bind(null, this);
  stageImportFile = imports.stageImportFile.bind(null, this);
  previewImport = imports.previewImport.bind(null, this);
  runImport = imports.runImport.bind(null, this);
  cancelImport = imports.cancelImport.bind(null, this);
  contactTimeline = timeline.contactTimeline.bind(null, this);
  /** Test helper: a conversation with an existing customer on another channel (as a merge leaves it). */
  addThread = timeline.addThread.bind(null, this);
  /** Test helper: adds an inbound message to a thread and emits the events Rust would emit. */
  receive = threads.receive.bind(null, this);
  /** Test helper: a message's delivery moves on. */
  setDelivery = threads.setDelivery.bind(null, this);

  // ---- workflow: statuses, views, labels --------------------------------------

  listView = workflow.listView.bind(null, this);
  threadSummaries = workflow.threadSummaries.bind(null, this);
  viewCounts = workflow.viewCounts.bind(null, this);
  changeThreads = workflow.changeThreads.bind(null, this);
  undoChange = workflow.undoChange.bind(null, this);
  listLabels = workflow.listLabels.bind(null, this);
  createLabel = workflow.createLabel.bind(null, this);
  updateLabel = workflow.updateLabel.bind(null, this);
  deleteLabel = workflow.deleteLabel.bind(null, this);
  snoozeChoices = workflow.snoozeChoices.bind(null, this);
  /** Test helper: time passed; the snoozes that ended wake. */
  wakeSnoozed = workflow.wakeSnoozed.bind(null, this);

  // ---- composer files and media links -----------------------------------------

  draftAttachments = attachments.draftAttachments.bind(null, this);
  stageAttachment = attachments.stageAttachment.bind(null, this);
  removeStagedAttachment = attachments.removeStagedAttachment.bind(null, this);
  onFileDrag = attachments.onFileDrag.bind(null, this);
  stageDroppedFiles = attachments.stageDroppedFiles.bind(null, this);
  saveDraftMediaLinks = attachments.saveDraftMediaLinks.bind(null, this);
  /** Test helper: the operating system drops these files on the window. */
  dropFiles = attachments.dropFiles.bind(null, this);
  /** Test helper: files dragged over the window (then left or dropped). */
  drag = attachments.drag.bind(null, this);

  // ---- sending and the outbox -------------------------------------------------

  sendReply = outbox.sendReply.bind(null, this);
  sendReplyWithMedia = outbox.sendReplyWithMedia.bind(null, this);
  messageTemplates = outbox.messageTemplates.bind(null, this);
  sendTemplate = outbox.sendTemplate.bind(null, this);
  outboxStatus = outbox.outboxStatus.bind(null, this);
  listDrafts = outbox.listDrafts.bind(null, this);
  sendAnyway = outbox.sendAnyway.bind(null, this);
  editReply = outbox.editReply.bind(null, this);
  discardReply = outbox.discardReply.bind(null, this);
  markReplySent = outbox.markReplySent.bind(null, this);
  sendReplyAgain = outbox.sendReplyAgain.bind(null, this);
  emitOutbox = outbox.emitOutbox.bind(null, this);
  /** Test helper: lose or regain the network. Back online, queued replies are sent. */
  setOnline = outbox.setOnline.bind(null, this);

  // ---- accounts ---------------------------------------------------------------

  listAccounts = accounts.listAccounts.bind(null, this);
  addTelegramAccount = accounts.addTelegramAccount.bind(null, this);
  addFacebookPage = accounts.addFacebookPage.bind(null, this);
  addEmailAccount = accounts.addEmailAccount.bind(null, this);
  addTwilioAccount = accounts.addTwilioAccount.bind(null, this);
  setHumanAgentApproved = accounts.setHumanAgentApproved.bind(null, this);
  removeAccount = accounts.removeAccount.bind(null, this);
  /** Test helper: an account's sync moves on, as the core reports it. */
  setSync = accounts.setSync.bind(null, this);

  // ---- handover (Messenger, Instagram) ----------------------------------------

  threadControl = handover.threadControl.bind(null, this);
  handover = handover.handover.bind(null, this);
  /** Test helper: a bot takes a thread at Meta; the next poll finds "another app". */
  botTakes = handover.botTakes.bind(null, this);

  // ---- notifications ----------------------------------------------------------

  notificationPrefs = notifications.notificationPrefs.bind(null, this);
  setNotificationPrefs = notifications.setNotificationPrefs.bind(null, this);
  pauseNotifications = notifications.pauseNotifications.bind(null, this);
  setThreadMuted = notifications.setThreadMuted.bind(null, this);
  setOpenThread = notifications.setOpenThread.bind(null, this);

  // ---- saved replies ----------------------------------------------------------

  listSavedReplies = savedReplies.listSavedReplies.bind(null, this);
  createSavedReply = savedReplies.createSavedReply.bind(null, this);
  updateSavedReply = savedReplies.updateSavedReply.bind(null, this);
  deleteSavedReply = savedReplies.deleteSavedReply.bind(null, this);
  addSavedReplyFile = savedReplies.addSavedReplyFile.bind(null, this);
  removeSavedReplyFile = savedReplies.removeSavedReplyFile.bind(null, this);
  savedRepliesForThread = savedReplies.savedRepliesForThread.bind(null, this);
  insertSavedReply = savedReplies.insertSavedReply.bind(null, this);
  exportSavedReplies = savedReplies.exportSavedReplies.bind(null, this);
  importSavedReplies = savedReplies.importSavedReplies.bind(null, this);
  businessHours = savedReplies.businessHours.bind(null, this);
  spikeStatus = spike.spikeStatus.bind(null, this);
  setSpikeMode = spike.setSpikeMode.bind(null, this);
  dismissSpikeOffer = spike.dismissSpikeOffer.bind(null, this);
  setSpikeSettings = spike.setSpikeSettings.bind(null, this);
  setBusinessHours = savedReplies.setBusinessHours.bind(null, this);
  automationSettings = automation.automationSettings.bind(null, this);
  setAutomationSettings = automation.setAutomationSettings.bind(null, this);
  previewBusinessHours = automation.previewBusinessHours.bind(null, this);
  faqRules = bot.faqRules.bind(null, this);
  createFaqRule = bot.createFaqRule.bind(null, this);
  updateFaqRule = bot.updateFaqRule.bind(null, this);
  deleteFaqRule = bot.deleteFaqRule.bind(null, this);
  moveFaqRule = bot.moveFaqRule.bind(null, this);
  botSettings = bot.botSettings.bind(null, this);
  setBotSettings = bot.setBotSettings.bind(null, this);
  tryBot = bot.tryBot.bind(null, this);

  // ---- search, links and media ------------------------------------------------

  search = search.search.bind(null, this);
  openLink = media.openLink.bind(null, this);
  openAttachment = media.openAttachment.bind(null, this);
  messageHtml = media.messageHtml.bind(null, this);
  mediaUrl = media.mediaUrl;
  avatarUrl = media.avatarUrl;
  refreshAvatars = media.refreshAvatars.bind(null, this);
}

export function createMockBackend(opts: MockOptions = {}): MockBackend {
  return new MockBackend(opts);
}
