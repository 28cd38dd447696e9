/**
 * The shape of the lowdb document. Everything the connector must remember lives here; what may
 * grow with traffic is bounded (see README "State and its bounds"):
 * - `queue`: events received and not yet synced (removed once synced or skipped);
 * - `seen`: message ids already accepted, kept `DEDUPE_TTL` after receipt to drop redeliveries;
 * - `chats`: one small entry per 1:1 chat (its CRM record link), needed forever to avoid lookups;
 * - `days`: one entry per chat-day Note; message lines are dropped once the day is older than the
 *   retention window, keeping only the Note id;
 * - `log`: the sync log, a ring of the newest entries per workspace.
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
export function completeSettings(s: SavedSettings | null): Settings | undefined {
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
  testRecordId: string | undefined;
  /** the module the test record is in (absent on workspaces activated before it was kept) */
  testRecordModule?: string | undefined;
  createdAt: string;
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

export interface ChatLink {
  workspaceId: string;
  chatId: string;
  e164: string | undefined;
  recordId: string | undefined;
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
}

export interface DayLine {
  messageId: string;
  sentAt: string;
  author: string;
  text: string;
  attachmentNames: string[];
}

/** Download and upload state of one attachment of a queued message (same index as event.attachments). */
export interface EventFile {
  /** path of the downloaded copy (relative to the attachments folder) */
  localPath?: string | undefined;
  size?: number | undefined;
  /** why it could not be downloaded (definitive) */
  error?: string | undefined;
  /** Zoho attachment id once uploaded */
  uploadedId?: string | undefined;
  /** set just before the upload is sent; an upload with an unknown outcome is looked for on the Note */
  uploadIntentAt?: number | undefined;
}

export interface DayNote {
  /** `${workspaceId}:${chatId}:${day}` */
  key: string;
  workspaceId: string;
  chatId: string;
  /** YYYY-MM-DD in the workspace's time zone */
  day: string;
  noteId: string | undefined;
  /** set just before a Note create is sent; cleared once its id is stored (crash recovery) */
  createIntentAt: number | undefined;
  title: string | undefined;
  lines: DayLine[];
  /** lines dropped by retention: the Note holds them; counted so the content says so */
  prunedLines: number;
  /** true while lines were added that the Note in Zoho does not show yet */
  dirty: boolean;
  updatedAt: string;
}

export interface SyncLogEntry {
  at: string;
  workspaceId: string;
  chatId: string | null;
  messageId: string | null;
  outcome: 'synced' | 'skipped' | 'failed';
  reason: string | null;
  recordId: string | null;
  noteId: string | null;
  willRetry?: boolean;
  /** The chat's WhatsApp name and the contact's number, when the writer knows them (not on older entries). */
  contactName?: string | undefined;
  phone?: string | undefined;
  /** What the entry is about; absent = a message (or, without a message id, a chat). */
  kind?: 'message' | 'attachment' | 'chat' | undefined;
}

export interface DbData {
  version: 1;
  workspaces: Workspace[];
  queue: QueuedEvent[];
  /** message key → epoch ms of first receipt */
  seen: Record<string, number>;
  chats: Record<string, ChatLink>;
  days: Record<string, DayNote>;
  log: SyncLogEntry[];
}

export const emptyDb = (): DbData => ({
  version: 1,
  workspaces: [],
  queue: [],
  seen: {},
  chats: {},
  days: {},
  log: [],
});
