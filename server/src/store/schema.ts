/**
 * What the connector remembers, as plain JSON-shaped records. Both store engines (the embedded
 * document and PostgreSQL) hold exactly these shapes; every value goes through JSON on its way in, so
 * an absent field is `undefined` (never `null`) unless the type says `null`.
 *
 * What may grow with traffic is bounded (README, "State and its bounds"): queued events leave once
 * synced; message ids are remembered 7 days (redeliveries); one link per 1:1 chat; one entry per
 * chat-day Note whose lines are dropped after 35 days; the newest sync-log entries per workspace; one
 * phone-index entry per number held in the destination module.
 */
import type { Sealed } from './crypto.js';
import type { MessageEvent } from '../timelines/events.js';

export interface Settings {
  module: string;
  phoneField: string;
  nameField: string;
  chatLinkField: string;
  leadSourceField: string;
  /** IANA zone overriding the org's own for Note days and times. */
  timeZone?: string | undefined;
}

/** What is saved: the module always, the field choices once made (cleared when the module changes). */
export type SavedSettings = Pick<Settings, 'module'> & Partial<Omit<Settings, 'module'>>;

export const SETTING_FIELDS = ['phoneField', 'nameField', 'chatLinkField', 'leadSourceField'] as const;

/** The settings when every choice is made, else undefined. */
export function completeSettings(s: Readonly<SavedSettings> | null | undefined): Settings | undefined {
  if (!s) return undefined;
  return SETTING_FIELDS.every((k) => typeof s[k] === 'string' && s[k] !== '') ? (s as Settings) : undefined;
}

export interface ZohoTokens {
  accessToken: string | undefined;
  /** epoch ms */
  expiresAt: number;
  refreshToken: string;
}

export interface Connection {
  status: 'connected' | 'disconnected' | 'needs_reconnect';
  accountsUrl: string;
  apiUrl: string;
  /** Zoho's content host for uploads (content.zohoapis.*); the API URL with overrides */
  fileUploadUrl?: string | undefined;
  /** ZohoTokens, encrypted with SECRET_KEY */
  tokens: Sealed | null;
  connectedAt: string;
  /** why the connection needs repair, for the admin */
  problem?: string | undefined;
}

export interface Workspace {
  id: string;
  orgId: string;
  orgName: string;
  timeZone: string;
  countryCode: string | undefined;
  edition: string | undefined;
  owner: { userId: string; email: string; name: string };
  /** keyed digest of the webhook URL token (lookups) and the token itself, sealed (to show the URL again) */
  webhookTokenDigest: string;
  webhookToken: Sealed;
  connection: Connection;
  /** bumped on disconnect: session tokens carry it, so old sessions stop working */
  sessionEpoch: number;
  settings: SavedSettings | null;
  active: boolean;
  activatedAt: string | undefined;
  deactivatedAt?: string | undefined;
  testRecordId: string | undefined;
  /** the module the test record is in (absent on workspaces activated before it was kept) */
  testRecordModule?: string | undefined;
  /** messages acknowledged and skipped because the integration was inactive, since the last deactivation */
  skippedWhileInactive?: number | undefined;
  /** the TimelinesAI public API connection (absent: none; the webhook is then set up by hand) */
  timelines?: TimelinesLink | undefined;
  /** the latest history import (its progress, cursor and outcome) */
  historyImport?: HistoryImport | undefined;
  createdAt: string;
}

/** The workspace's TimelinesAI API token and what it was verified with. */
export interface TimelinesLink {
  /** the API token, encrypted with SECRET_KEY (never shown again) */
  token: Sealed;
  connectedAt: string;
  /** WhatsApp accounts the token's workspace had when it was verified */
  accounts: number;
  /** why the last call with the token was refused (revoked, plan), for the admin */
  problem?: string | undefined;
}

/** Where a history import stands. It resumes from `cursor` after a restart. */
export interface HistoryImport {
  status: 'running' | 'done' | 'failed';
  /** YYYY-MM-DD: messages from the start of this day (the workspace's time zone) */
  since: string;
  /** ISO: messages and chats up to this instant (the import's start; webhooks deliver what follows) */
  until: string;
  startedAt: string;
  finishedAt?: string | undefined;
  chats: { done: number; total: number | undefined };
  messages: { done: number; total: number | undefined };
  /** messages already delivered by a webhook (or imported before), and those not synced (groups, no phone) */
  duplicates: number;
  skipped: number;
  /** the next thing to read: chat page (1-based), chat index within it, message page of that chat */
  cursor: { chatPage: number; chatIndex: number; messagePage: number };
  /** why it failed, or what it waits for (Zoho disconnected, the integration inactive) */
  problem?: string | undefined;
}

/** The fields of a workspace that change after it is created (a patch names some of them). */
export type WorkspacePatch = Partial<Omit<Workspace, 'id' | 'orgId' | 'createdAt'>>;

/** Download and upload state of one attachment of a queued message (same index as event.attachments). */
export interface EventFile {
  /** key of the downloaded bytes in the store's file area (`store.files`) */
  localPath?: string | undefined;
  size?: number | undefined;
  /** why it could not be downloaded (definitive) */
  error?: string | undefined;
  /** Zoho attachment id once uploaded */
  uploadedId?: string | undefined;
  /** set just before the upload is sent; an upload with an unknown outcome is looked for on the Note */
  uploadIntentAt?: number | undefined;
}

export interface QueuedEvent {
  /** `${workspaceId}:${messageId}` */
  key: string;
  workspaceId: string;
  receivedAt: string;
  event: MessageEvent;
  attempts: number;
  /** epoch ms before which the worker leaves it alone (backoff) */
  notBefore: number;
  /** 'waiting' = blocked on the connection or on a failure the admin must fix */
  state: 'pending' | 'waiting';
  lastError?: string | undefined;
  files: EventFile[];
}

/** What a run may change on a queued event (the rest is fixed at intake). */
export type QueuePatch = Partial<Pick<QueuedEvent, 'attempts' | 'notBefore' | 'state' | 'lastError'>>;

export interface ChatLink {
  workspaceId: string;
  chatId: string;
  e164: string | undefined;
  recordId: string | undefined;
  /** the module `recordId` belongs to: links belong to their module (a module change starts afresh) */
  module: string | undefined;
  createdByUs: boolean;
  /** the last name this product wrote into the record (rename only while unchanged by humans) */
  lastWrittenName: string | undefined;
  /** the latest WhatsApp name seen for the chat */
  chatName: string | undefined;
  chatUrl: string | undefined;
  /** set just before a record create is sent; cleared once its id is stored (crash recovery) */
  createIntentAt: number | undefined;
  /** a human renamed the record in the CRM: never rename it again */
  humanEditedName: boolean;
  lastSyncedAt: string | undefined;
  /** the time of the newest message synced (the panel's "last message") */
  lastMessageAt?: string | undefined;
}

/**
 * What a chat link forgets when its record goes (deleted or merged away in the CRM, or the destination
 * module changed): the chat is matched afresh, and nothing of the old record's naming is assumed.
 */
export const UNLINKED = {
  recordId: undefined,
  module: undefined,
  createdByUs: false,
  lastWrittenName: undefined,
  humanEditedName: false,
} as const satisfies Partial<ChatLink>;

export interface DayLine {
  messageId: string;
  sentAt: string;
  author: string;
  text: string;
  attachmentNames: string[];
}

export interface DayNote {
  /** `${workspaceId}:${chatId}:${day}` */
  key: string;
  workspaceId: string;
  chatId: string;
  /** YYYY-MM-DD in the workspace's time zone */
  day: string;
  noteId: string | undefined;
  /** the record the Note is on (a chat matched to another record starts a new Note there) */
  recordId?: string | undefined;
  /** set just before a Note create is sent; cleared once its id is stored (crash recovery) */
  createIntentAt: number | undefined;
  title: string | undefined;
  lines: DayLine[];
  /** lines dropped by retention: the Note holds them; counted so the content says so */
  prunedLines: number;
  /** true while lines were added that the Note in Zoho does not show yet */
  dirty: boolean;
  updatedAt: string;
  /**
   * Attachments uploaded to the Note for its messages (Zoho ids). An upload whose answer was lost in
   * a crash is looked for on the Note among the attachments not in here, so that two messages
   * sending the same file never take one upload for both.
   */
  attachmentIds?: string[] | undefined;
}

/** What a run may change on a chat-day besides appending lines. */
export type DayPatch = Partial<
  Pick<DayNote, 'noteId' | 'recordId' | 'createIntentAt' | 'title' | 'dirty' | 'updatedAt' | 'attachmentIds'>
>;

export type SyncOutcome = 'synced' | 'skipped' | 'failed';

export interface SyncLogEntry {
  /** increasing per store (the paging cursor); set by the store */
  id?: string | undefined;
  at: string;
  workspaceId: string;
  chatId: string | null;
  messageId: string | null;
  outcome: SyncOutcome;
  reason: string | null;
  recordId: string | null;
  noteId: string | null;
  willRetry?: boolean | undefined;
  /**
   * what the entry is about: a message, one of its attachments, the chat (its record link, a
   * rename), or a history import (its final report)
   */
  kind?: 'message' | 'attachment' | 'chat' | 'import' | undefined;
  contactName?: string | undefined;
  /** the chat's number in E.164 (shown to the admin; never logged) */
  phone?: string | undefined;
  /** the module the record belongs to (for the link into the CRM) */
  module?: string | undefined;
  /** a failure whose message was synced later (set by the store when that happens) */
  resolved?: boolean | undefined;
}

/** A message a CRM user sent from the chat panel: its echo webhook is written with them as the author. */
export interface SentMessage {
  workspaceId: string;
  /** TimelinesAI's message_uid of the send */
  messageId: string;
  /** the CRM user's name and email (as Zoho knows them) */
  author: string;
  authorEmail: string;
  userId: string;
  /** the record the panel was on */
  module: string;
  recordId: string;
  /** epoch ms (kept as long as message ids are remembered) */
  at: number;
}

/** One record of the destination module as the phone index holds it. */
export interface IndexedRecord {
  recordId: string;
  /** the phone keys of its phone fields (sync/phoneKey.ts) */
  keys: string[];
  /** Zoho's Modified_Time: the most recently modified record wins when several share a number */
  modifiedTime: string;
}

/** Where a workspace's phone index stands. */
export interface PhoneIndexState {
  module: string;
  status: 'building' | 'ready';
  /** build progress: records read so far, and the module's record count when the build started */
  done: number;
  total: number | undefined;
  /** the build resumes after this record id (COQL pages in id order) */
  scanAfterId: string | undefined;
  /** records modified after this instant have not been read yet (If-Modified-Since) */
  modifiedCursor: string | undefined;
  /** deletions after this instant have not been read yet */
  deletedCursor: string | undefined;
  /** epoch ms of the last read of deletions */
  deletedCheckedAt: number | undefined;
  /** the phone fields the index was built from (a new phone field means a rebuild) */
  phoneFields: string[];
  startedAt: string;
  readyAt: string | undefined;
}

export type PhoneIndexPatch = Partial<Omit<PhoneIndexState, 'module'>>;
