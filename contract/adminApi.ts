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
  testRecordId: string | null;
  settings: IntegrationSettings | null;
  /** The time zone Note days are cut in: the settings' override, else the org's. */
  timeZone: string;
  /** The org's own IANA time zone (from Zoho's org info). */
  orgTimeZone: string;
  /** The TimelinesAI webhook URL (holds the workspace's secret token); null unless the owner asks. */
  webhookUrl: string | null;
}

export interface You {
  email: string;
  isOwner: boolean;
}

/** `GET /api/workspace`, `POST /api/deactivate`. */
export interface WorkspaceAnswer {
  workspace: WorkspaceView;
  you: You;
}

/** `POST /api/activate`. */
export interface ActivateAnswer extends WorkspaceAnswer {
  testRecordId: string;
}

/** `POST /api/disconnect`: the tokens are revoked and every session of the workspace ends. */
export interface DisconnectAnswer {
  status: 'disconnected';
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

export interface SyncLogEntry {
  at: string;
  chatId: string | null;
  messageId: string | null;
  outcome: SyncOutcome;
  reason: string | null;
  recordId: string | null;
  noteId: string | null;
  /** On failures: whether the sync tries again by itself. */
  willRetry?: boolean;
}

/** `GET /api/sync-log[?limit=]` (limit 1–1000, default 200), newest first. */
export interface SyncLogAnswer {
  entries: SyncLogEntry[];
}
