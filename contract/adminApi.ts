/**
 * The admin API's contract: the requests the widget sends and the answers the server gives.
 *
 * The server's routes type their answers with these types and the widget's client reads them, so a
 * change here that either side does not follow breaks `npm run typecheck` (both tsconfigs include
 * this folder). The widget bundles this file: it holds types and a few small constants only, and
 * imports nothing.
 *
 * Every route takes `Authorization: Bearer <sessionToken>`; every failure answers `ApiErrorBody`.
 */

/** What every failed call answers, with a fitting HTTP status. */
export interface ApiErrorBody {
  error: {
    /** Stable, upper-case: `SESSION_EXPIRED`, `FIELD_TYPE_MISMATCH`, `NOT_WORKSPACE_OWNER`, … */
    code: string;
    /** Written for the person who has to act: what is wrong and what to do. */
    message: string;
    /** The setting (`chatLinkField`) or Zoho field API name the error is about, when there is one. */
    field?: string;
  };
}

// ---------------------------------------------------------------- settings

export type SettingKey =
  'module' | 'phoneField' | 'nameField' | 'chatLinkField' | 'leadSourceField' | 'timeZone';

/** The settings as stored: the module always, each field choice (a Zoho field API name) once made. */
export interface IntegrationSettings {
  module: string;
  phoneField?: string;
  nameField?: string;
  chatLinkField?: string;
  leadSourceField?: string;
  /** IANA zone overriding the org's own for Note days and times; absent = the org's. */
  timeZone?: string;
}

/** `PUT /api/settings`. '' or null = not chosen; a different module clears the field choices not sent. */
export interface SettingsRequest {
  module: string;
  phoneField?: string | null;
  nameField?: string | null;
  chatLinkField?: string | null;
  leadSourceField?: string | null;
  timeZone?: string | null;
}

export interface SettingsAnswer {
  settings: IntegrationSettings;
}

// ---------------------------------------------------------------- workspace

export type ConnectionStatus = 'connected' | 'disconnected' | 'needs_reconnect';

/** The workspace's test record: one per workspace, reused by every activation while it exists. */
export interface TestRecordRef {
  id: string;
  module: string;
  /** The record's page in the CRM; null when the org's CRM address is unknown. */
  url: string | null;
}

export interface WorkspaceView {
  id: string;
  orgId: string;
  orgName: string;
  ownerEmail: string;
  connection: { status: ConnectionStatus; connectedAt: string; problem: string | null };
  /** false when the Zoho tokens were revoked, deleted or refused: the owner must connect again. */
  connected: boolean;
  active: boolean;
  activatedAt: string | null;
  /** The test record's id (the older form of `testRecord`). */
  testRecordId: string | null;
  testRecord: TestRecordRef | null;
  settings: IntegrationSettings | null;
  /** The time zone Note days are cut in: the settings' override, else the org's. */
  timeZone: string;
  /** The org's own IANA time zone (from Zoho's org info). */
  orgTimeZone: string;
  /** The TimelinesAI webhook URL (holds the workspace's secret token); null unless the owner asks. */
  webhookUrl: string | null;
  /** When the newest TimelinesAI event reached the webhook; null = never. */
  webhook: { lastEventAt: string | null };
  /**
   * The org's CRM web address, e.g. `https://crm.zoho.eu/crm/org20012345`: a record's page is
   * `${crmUrl}/tab/${module}/${recordId}` (see `crmRecordUrl`). null when unknown.
   */
  crmUrl: string | null;
  /** Messages skipped because the integration was inactive, since it was last deactivated; 0 while active. */
  skippedWhileInactive: number;
  /** The phone index of the destination module (matching chats to records): building or ready. */
  phoneIndex: PhoneIndexView | null;
  /** The TimelinesAI API connection: whether a token is set (never the token itself). */
  timelines: TimelinesConnectionView;
}

/** Whether TimelinesAI's public API is connected (webhooks registered for you, sending from the CRM). */
export interface TimelinesConnectionView {
  connected: boolean;
  connectedAt: string | null;
  /** Why TimelinesAI refused the token on its last use (revoked, plan); null when fine. */
  problem: string | null;
}

/** "Indexing 34,000 of 120,000 Contacts": messages of new chats wait until the index is ready. */
export interface PhoneIndexView {
  module: string;
  status: 'building' | 'ready';
  /** records read so far */
  done: number;
  /** the module's record count when the build started; null until it is known */
  total: number | null;
}

export interface You {
  email: string;
  isOwner: boolean;
  /** the Zoho user's name, when known (sessions from before it was kept have none) */
  name?: string | null;
}

/** `GET /api/workspace`, `POST /api/deactivate`. */
export interface WorkspaceAnswer {
  workspace: WorkspaceView;
  you: You;
}

/** What activation did with the test record. */
export interface TestRecordResult extends TestRecordRef {
  name: string;
  /** true when activation created it, false when it updated the one made before. */
  created: boolean;
}

/** `POST /api/activate`. */
export interface ActivateAnswer extends WorkspaceAnswer {
  testRecordId: string;
  testRecord: TestRecordResult;
  /** What happened to the webhook subscriptions in TimelinesAI. */
  webhooks: WebhookSetup;
}

/**
 * `automatic`: TimelinesAI holds one subscription per message event to this workspace's URL (made by
 * activation with the API token); `manual`: no token, paste the URL in TimelinesAI yourself;
 * `failed`: the token is set but TimelinesAI refused (`problem` says why): paste the URL by hand or
 * fix the token and activate again.
 */
export interface WebhookSetup {
  mode: 'automatic' | 'manual' | 'failed';
  /** The event types subscribed to the current URL. */
  eventTypes: string[];
  problem: string | null;
}

// ---------------------------------------------------------------- TimelinesAI connection

/** The event types the connector subscribes its webhook URL to. */
export const TIMELINES_EVENT_TYPES = ['message:received:new', 'message:sent:new'] as const;

/** `PUT /api/timelines`: a TimelinesAI API token (TimelinesAI → Integrations → Public API). */
export interface TimelinesTokenRequest {
  apiToken: string;
}

/** One of TimelinesAI's webhook subscriptions to this connector. */
export interface TimelinesWebhookView {
  id: string;
  eventType: string;
  enabled: boolean;
  /** Failed deliveries TimelinesAI counted for it (cumulative). */
  errorsCounter: number;
  /** true when it points at the current webhook URL (false: an old URL, removed on the next activation). */
  current: boolean;
}

export interface TimelinesAccountView {
  phone: string | null;
  name: string | null;
  /** false: the WhatsApp account is disconnected from TimelinesAI (nothing can be sent from it). */
  connected: boolean;
}

/** `GET /api/timelines`, `PUT /api/timelines`, `DELETE /api/timelines`. */
export interface TimelinesStatusAnswer {
  connection: TimelinesConnectionView;
  /** Read from TimelinesAI now; null without a token or when TimelinesAI could not be asked. */
  webhooks: TimelinesWebhookView[] | null;
  accounts: TimelinesAccountView[] | null;
  /** The monthly message quota (1 credit a message, 2 with text and a file). */
  quota: { total: number | null; used: number | null; renewsAt: string | null } | null;
  /** Why TimelinesAI could not be asked just now. */
  error: string | null;
}

// ---------------------------------------------------------------- history import

/** `POST /api/history-import`: chats and messages from this day on (YYYY-MM-DD, the Notes' time zone). */
export interface HistoryImportRequest {
  since: string;
}

/** `GET /api/history-import` (and the 202 of `POST`). */
export interface HistoryImportAnswer {
  status: 'idle' | 'running' | 'done' | 'failed';
  since: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** 1:1 chats with messages since the start day (`total` null until they are counted). */
  chats: { done: number; total: number | null };
  /** Messages read and handed to the sync; `total` is exact once every chat is read, estimated before. */
  messages: { done: number; total: number | null };
  /** Of `messages.done`: already in the CRM (webhooks delivered them), and not synced (groups, no number). */
  duplicates: number;
  skipped: number;
  /** Seconds left at the pace so far; null until it can be told. */
  etaSeconds: number | null;
  /** Why it failed, or what it waits for. */
  problem: string | null;
}

/** The answer before any import was started. */
export const IDLE_HISTORY_IMPORT: Readonly<HistoryImportAnswer> = {
  status: 'idle',
  since: null,
  startedAt: null,
  finishedAt: null,
  chats: { done: 0, total: null },
  messages: { done: 0, total: null },
  duplicates: 0,
  skipped: 0,
  etaSeconds: null,
  problem: null,
};

// ---------------------------------------------------------------- chat panel (reps)

/**
 * `POST /api/panel/ticket` (no session: reps have none). What the panel knows from Zoho CRM's SDK;
 * the backend checks it through the owner's connection (see README, Security).
 */
export interface PanelTicketRequest {
  orgId: string;
  userId: string;
  module: string;
  recordId: string;
  /** The record's Created_Time as the panel read it (proves the browser can read the record). */
  createdTime: string;
}

export interface PanelTicketAnswer {
  /** Sends for this user and record carry it as `Authorization: Bearer <ticket>`. */
  ticket: string;
  expiresAt: string;
  /** The CRM user as Zoho knows them: the author of what they send. */
  user: { name: string; email: string };
  /** Where a message goes: the record's WhatsApp chat, or its phone number (a new chat). */
  destination: { kind: 'chat' | 'phone'; label: string } | null;
  /** Why sending is not possible from this record now (no number, no TimelinesAI connection …). */
  cannotSend: string | null;
}

/** `POST /api/panel/send`, multipart: `text` and/or `file`. */
export interface PanelSendAnswer {
  messageUid: string;
  via: 'chat' | 'phone';
  /** Credits of the message quota it used (1, or 2 with text and a file). */
  credits: number;
}

/** `POST /api/webhook/rotate`: a new webhook URL; the old one stops working at once. */
export interface WebhookRotateAnswer {
  webhookUrl: string;
}

/** `POST /api/disconnect`: the tokens are revoked and every session of the workspace ends. */
export interface DisconnectAnswer {
  status: 'disconnected';
}

/** `POST /api/session`: a fresh token for the same user, valid for longer (sliding while used). */
export interface SessionAnswer {
  sessionToken: string;
  /** ISO 8601 instant after which the token is refused. */
  expiresAt: string;
  workspaceId: string;
  email: string;
  role: 'owner' | 'viewer';
}

// ---------------------------------------------------------------- Zoho metadata

export interface FieldRef {
  apiName: string;
  label: string;
}

export interface ModuleInfo {
  apiName: string;
  label: string;
  /** The module's phone-type fields; modules without any are not destinations. */
  phoneFields: FieldRef[];
}

/** `GET /api/zoho/modules`. */
export interface ModulesAnswer {
  modules: ModuleInfo[];
}

export interface FieldInfo {
  apiName: string;
  label: string;
  /** Normalised type: 'phone' | 'text' | 'website' | 'picklist' | … */
  type: string;
  mandatory: boolean;
  readOnly: boolean;
  custom: boolean;
  picklistValues?: string[] | undefined;
}

export interface FieldChoice {
  apiName: string;
  label: string;
  type: string;
}

/** The fields acceptable for each setting, in the order to offer them. */
export interface FieldCandidates {
  phone: FieldChoice[];
  name: FieldChoice[];
  /** URL (website) or single-line text fields that are not a name field; "WhatsApp Chat" first. */
  chatLink: FieldChoice[];
  leadSource: FieldChoice[];
}

/** `GET /api/zoho/modules/:module/fields`. */
export interface ModuleFieldsAnswer {
  fields: FieldInfo[];
  candidates: FieldCandidates;
}

/** `POST /api/zoho/modules/:module/chat-link-field`: the created (or existing) "WhatsApp Chat" field. */
export interface ChatLinkFieldAnswer {
  field: FieldChoice;
}

// ---------------------------------------------------------------- sync log

export const SYNC_OUTCOMES = ['synced', 'skipped', 'failed'] as const;
export type SyncOutcome = (typeof SYNC_OUTCOMES)[number];

/**
 * What an entry is about: one message, one of its attachments, a whole chat (e.g. its record), or a
 * history import (its final report).
 */
export type SyncLogKind = 'message' | 'attachment' | 'chat' | 'import';

export interface SyncLogEntry {
  /** Stable id of the entry: the `before` cursor of the next page. */
  id: string;
  at: string;
  chatId: string | null;
  messageId: string | null;
  outcome: SyncOutcome;
  reason: string | null;
  recordId: string | null;
  noteId: string | null;
  /** On failures: whether the sync tries again by itself. */
  willRetry?: boolean;
  /** A failure of a message (or chat) that a later entry shows synced. */
  resolved: boolean;
  /** WhatsApp's name for the chat and the contact's number, when known. */
  contactName: string | null;
  phone: string | null;
  kind: SyncLogKind;
  /** The module of `recordId`, when known. */
  module: string | null;
}

/** `GET /api/sync-log?outcome=&before=&limit=` (all optional; limit 1–1000, default 200). */
export interface SyncLogQuery {
  outcome?: SyncOutcome;
  /** An entry id from a previous page: only entries older than it are answered. */
  before?: string;
  limit?: number;
}

/** Newest first; `next` is the `before` of the following page, null on the last one. */
export interface SyncLogAnswer {
  entries: SyncLogEntry[];
  next: string | null;
}

// ---------------------------------------------------------------- shared values

/**
 * The chat link written on the workspace's test record: shaped like a TimelinesAI chat URL (so the
 * field accepts it like any other) and recognisable as a placeholder by the chat panel.
 */
export const TEST_CHAT_URL = 'https://app.timelines.ai/chat/whatsapp-sync-test/messages/';

/** A record's page in the CRM, from the workspace's `crmUrl`. */
export function crmRecordUrl(crmUrl: string | null, module: string, recordId: string): string | null {
  if (!crmUrl) return null;
  return `${crmUrl}/tab/${encodeURIComponent(module)}/${encodeURIComponent(recordId)}`;
}
