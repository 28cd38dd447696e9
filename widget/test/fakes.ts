/** Fakes for the widget's two seams: the admin API client and the CRM host. */
import { vi } from 'vitest';
import {
  IDLE_HISTORY_IMPORT,
  type HistoryImportAnswer,
  type SessionAnswer,
  type TimelinesStatusAnswer,
} from '../../contract/adminApi';
import {
  ApiError,
  type ActivateAnswer,
  type ApiClient,
  type FieldChoice,
  type FieldInfo,
  type IntegrationSettings,
  type ModuleFields,
  type ModuleInfo,
  type SettingsRequest,
  type SyncLogAnswer,
  type SyncLogEntry,
  type SyncLogQuery,
  type Workspace,
  type WorkspaceResponse,
} from '../src/api/client';
import type { ConnectAttempt, ConnectedSession, Session, SessionStore, StoredAuth } from '../src/api/session';
import type { CrmNote, CrmRecord, Host, PageContext } from '../src/host/host';

const field = (apiName: string, label: string, type: string, extra: Partial<FieldInfo> = {}): FieldInfo => ({
  apiName,
  label,
  type,
  mandatory: false,
  readOnly: false,
  custom: false,
  ...extra,
});

function metaOf(fields: FieldInfo[]): ModuleFields {
  const pick = (types: string[]): FieldChoice[] =>
    fields
      .filter((f) => types.includes(f.type) && !f.readOnly)
      .map((f) => ({ apiName: f.apiName, label: f.label, type: f.type }));
  return {
    fields,
    candidates: {
      phone: pick(['phone']),
      name: pick(['text']),
      chatLink: pick(['website', 'text']),
      leadSource: pick(['picklist']),
    },
  };
}

export const MODULES: ModuleInfo[] = [
  {
    apiName: 'Contacts',
    label: 'Contacts',
    phoneFields: [
      { apiName: 'Phone', label: 'Phone' },
      { apiName: 'Mobile', label: 'Mobile' },
    ],
  },
  { apiName: 'Leads', label: 'Leads', phoneFields: [{ apiName: 'Mobile', label: 'Mobile' }] },
  { apiName: 'Accounts', label: 'Accounts', phoneFields: [] },
];

export const FIELDS: Record<string, ModuleFields> = {
  Contacts: metaOf([
    field('Phone', 'Phone', 'phone'),
    field('Mobile', 'Mobile', 'phone'),
    field('First_Name', 'First Name', 'text'),
    field('Last_Name', 'Last Name', 'text', { mandatory: true }),
    field('Website', 'Website', 'website'),
    field('Lead_Source', 'Lead Source', 'picklist', { picklistValues: ['Web', 'Cold Call'] }),
  ]),
  Leads: metaOf([
    field('Mobile', 'Mobile', 'phone'),
    field('First_Name', 'First Name', 'text'),
    field('Last_Name', 'Last Name', 'text', { mandatory: true }),
    field('Company', 'Company', 'text'),
    field('Website', 'Website', 'website'),
    field('Lead_Source', 'Lead Source', 'picklist'),
  ]),
};

export const SAVED: IntegrationSettings = {
  module: 'Contacts',
  phoneField: 'Phone',
  nameField: 'Last_Name',
  chatLinkField: 'Website',
  leadSourceField: 'Lead_Source',
};

export function workspace(patch: Partial<Workspace> = {}): Workspace {
  return {
    id: 'ws_1',
    orgId: 'org_1',
    orgName: 'Acme Sandbox',
    ownerEmail: 'owner@acme.test',
    connection: { status: 'connected', connectedAt: '2025-03-01T10:00:00.000Z', problem: null },
    connected: true,
    active: false,
    activatedAt: null,
    testRecordId: null,
    testRecord: null,
    phoneIndex: null,
    settings: null,
    webhookUrl: 'http://localhost:3000/webhooks/timelines/tok_secret',
    timeZone: 'Europe/Madrid',
    orgTimeZone: 'Europe/Madrid',
    webhook: { lastEventAt: null },
    crmUrl: 'https://crm.zoho.eu/crm/org20012345',
    skippedWhileInactive: 0,
    timelines: { connected: false, connectedAt: null, problem: null },
    ...patch,
  };
}

/** A sync log entry as the backend answers it. */
export function logEntry(patch: Partial<SyncLogEntry> & Pick<SyncLogEntry, 'id' | 'outcome'>): SyncLogEntry {
  return {
    at: '2025-01-02T10:00:00Z',
    chatId: 'c1',
    messageId: `m-${patch.id}`,
    reason: null,
    recordId: null,
    noteId: null,
    resolved: false,
    contactName: 'María García',
    phone: '+34612345678',
    kind: 'message',
    module: null,
    ...patch,
  };
}

export class FakeApi implements ApiClient {
  readonly baseUrl = 'http://backend.test';
  ws: Workspace;
  you: WorkspaceResponse['you'];
  syncLog: SyncLogEntry[] = [];
  /** Set to make the next activate() fail. */
  activateError: ApiError | null = null;
  workspaceError: ApiError | null = null;

  constructor(ws: Workspace = workspace(), you = { email: 'owner@acme.test', isOwner: true }) {
    this.ws = ws;
    this.you = you;
  }

  getWorkspace = vi.fn(async () => {
    if (this.workspaceError) throw this.workspaceError;
    // Only the owner is shown the webhook URL (it holds the workspace's secret).
    return {
      workspace: { ...this.ws, webhookUrl: this.you.isOwner ? this.ws.webhookUrl : null },
      you: this.you,
    };
  });
  listModules = vi.fn(async () => MODULES);
  getModuleFields = vi.fn(async (module: string) => {
    const meta = FIELDS[module];
    if (!meta) throw new ApiError(404, 'NOT_FOUND', `No module ${module}`);
    return structuredClone(meta);
  });
  saveSettings = vi.fn(async (request: SettingsRequest) => {
    const settings: IntegrationSettings = { module: request.module };
    for (const key of ['phoneField', 'nameField', 'chatLinkField', 'leadSourceField', 'timeZone'] as const) {
      const value = request[key];
      if (value) settings[key] = value;
    }
    this.ws = { ...this.ws, settings };
    return settings;
  });
  createChatLinkField = vi.fn(async (_module: string) => ({
    apiName: 'WhatsApp_Chat',
    label: 'WhatsApp Chat',
  }));
  activate = vi.fn(async (): Promise<ActivateAnswer> => {
    if (this.activateError) throw this.activateError;
    const created = this.ws.testRecordId === null;
    const testRecord = {
      id: 'rec_test',
      module: this.ws.settings?.module ?? 'Contacts',
      url: `${this.ws.crmUrl}/tab/${this.ws.settings?.module ?? 'Contacts'}/rec_test`,
    };
    this.ws = {
      ...this.ws,
      active: true,
      activatedAt: '2025-03-01T10:00:00.000Z',
      testRecordId: 'rec_test',
      testRecord,
    };
    return {
      workspace: this.ws,
      you: this.you,
      testRecordId: 'rec_test',
      testRecord: { ...testRecord, name: 'WhatsApp test contact (TimelinesAI)', created },
      webhooks: this.ws.timelines.connected
        ? {
            mode: 'automatic' as const,
            eventTypes: ['message:received:new', 'message:sent:new'],
            problem: null,
          }
        : { mode: 'manual' as const, eventTypes: [], problem: null },
    };
  });
  deactivate = vi.fn(async () => {
    this.ws = { ...this.ws, active: false };
    return this.ws;
  });
  /** Set to make the next rotateWebhook() fail. */
  rotateError: ApiError | null = null;
  rotations = 0;
  /** As the backend: owner only; a new token in the URL, the old one gone. */
  rotateWebhook = vi.fn(async () => {
    if (this.rotateError) throw this.rotateError;
    if (!this.you.isOwner)
      throw new ApiError(403, 'NOT_WORKSPACE_OWNER', 'Only the workspace owner can do this.');
    this.rotations += 1;
    const webhookUrl = `http://localhost:3000/webhooks/timelines/tok_rotated_${this.rotations}`;
    this.ws = { ...this.ws, webhookUrl };
    return webhookUrl;
  });
  disconnect = vi.fn(async () => {
    this.ws = { ...this.ws, connected: false };
  });
  renewals = 0;
  renewError: ApiError | null = null;
  renewSession = vi.fn(async (): Promise<SessionAnswer> => {
    if (this.renewError) throw this.renewError;
    this.renewals += 1;
    return {
      sessionToken: `sess_renewed_${this.renewals}`,
      expiresAt: new Date(Date.now() + 12 * 3600_000).toISOString(),
      workspaceId: this.ws.id,
      email: this.you.email,
      role: this.you.isOwner ? 'owner' : 'viewer',
    };
  });
  timelinesToken: string | null = null;
  history: HistoryImportAnswer = structuredClone(IDLE_HISTORY_IMPORT);
  timelinesStatus = (): TimelinesStatusAnswer => ({
    connection: this.ws.timelines,
    webhooks:
      this.ws.timelines.connected && this.ws.active
        ? [
            { id: '1', eventType: 'message:received:new', enabled: true, errorsCounter: 0, current: true },
            { id: '2', eventType: 'message:sent:new', enabled: true, errorsCounter: 3, current: true },
          ]
        : this.ws.timelines.connected
          ? []
          : null,
    accounts: this.ws.timelines.connected
      ? [{ phone: '+34910000000', name: 'Sales', connected: true }]
      : null,
    quota: this.ws.timelines.connected ? { total: 100, used: 12, renewsAt: '2025-04-01T00:00:00Z' } : null,
    error: null,
  });
  getTimelines = vi.fn(async () => this.timelinesStatus());
  connectTimelines = vi.fn(async (apiToken: string) => {
    if (apiToken !== 'good-token-123')
      throw new ApiError(
        400,
        'TIMELINES_TOKEN_REFUSED',
        'TimelinesAI refused this API token ("Invalid or expired token").',
        'apiToken',
      );
    this.timelinesToken = apiToken;
    this.ws = {
      ...this.ws,
      timelines: { connected: true, connectedAt: '2025-03-02T10:00:00Z', problem: null },
    };
    return this.timelinesStatus();
  });
  disconnectTimelines = vi.fn(async () => {
    this.timelinesToken = null;
    this.ws = { ...this.ws, timelines: { connected: false, connectedAt: null, problem: null } };
    return this.timelinesStatus();
  });
  startHistoryImport = vi.fn(async (since: string) => {
    this.history = { ...this.history, status: 'running', since, startedAt: '2025-03-02T10:00:00Z' };
    return this.history;
  });
  getHistoryImport = vi.fn(async () => this.history);
  /** Pages through `syncLog` (newest first) as the backend does: filter, then `before` an entry id. */
  getSyncLog = vi.fn(async (query: SyncLogQuery = {}): Promise<SyncLogAnswer> => {
    let list = this.syncLog.filter((e) => !query.outcome || e.outcome === query.outcome);
    if (query.before) list = list.slice(list.findIndex((e) => e.id === query.before) + 1);
    const limit = query.limit ?? 200;
    const entries = list.slice(0, limit);
    return { entries, next: list.length > limit ? entries[entries.length - 1]!.id : null };
  });
}

/** A SessionStore in memory; `other()` plays a change made by another tab. */
export function memorySession(
  initial: Session | null = null,
): SessionStore & { other(auth: StoredAuth | null): void } {
  let auth: StoredAuth | null = initial ? { kind: 'session', session: initial } : null;
  const listeners = new Set<() => void>();
  return {
    read: () => auth,
    get: () => (auth?.kind === 'session' ? auth.session : null),
    set: (session) => {
      auth = { kind: 'session', session };
    },
    end: (reason) => {
      auth = {
        kind: 'ended',
        reason,
        email: auth?.kind === 'session' ? auth.session.email : (auth?.email ?? null),
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    other(next) {
      auth = next;
      for (const l of listeners) l();
    },
  };
}

export const SESSION: Session = {
  sessionToken: 'sess_1',
  workspaceId: 'ws_1',
  webhookUrl: null,
  expiresAt: null,
  email: 'owner@acme.test',
};

export function fakeConnect(result: Promise<ConnectedSession>): () => ConnectAttempt {
  return () => ({ result, cancel: () => undefined });
}

export class FakeHost implements Host {
  context: PageContext = { module: 'Contacts', recordId: '1001' };
  record: CrmRecord | null = { id: '1001', Last_Name: 'Maria' };
  notes: CrmNote[] = [];
  initGate: Promise<void> = Promise.resolve();
  failWith: Error | null = null;

  init = vi.fn(async () => {
    await this.initGate;
    if (this.failWith) throw this.failWith;
    return this.context;
  });
  getRecord = vi.fn(async (_module: string, _id: string) => this.record);
  getNotes = vi.fn(async (_module: string, _id: string) => this.notes);
  getCurrentUser = vi.fn(async () => ({ id: 'u1', fullName: 'Olga Owner', email: 'owner@acme.test' }));
  orgTimeZone: string | null = 'Europe/Madrid';
  getOrgTimeZone = vi.fn(async () => this.orgTimeZone);
  orgId: string | null = '800000001';
  getOrgId = vi.fn(async () => this.orgId);
  resize = vi.fn();
}

export function note(id: string, title: string, content: string, modifiedTime: string): CrmNote {
  return { id, title, content, createdTime: modifiedTime, modifiedTime, attachments: [] };
}
