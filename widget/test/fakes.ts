/** Fakes for the widget's two seams: the admin API client and the CRM host. */
import { vi } from 'vitest';
import {
  ApiError,
  type ApiClient,
  type FieldChoice,
  type FieldInfo,
  type IntegrationSettings,
  type ModuleFields,
  type ModuleInfo,
  type SettingsRequest,
  type SyncLogEntry,
  type Workspace,
  type WorkspaceResponse,
} from '../src/api/client';
import type { ConnectAttempt, Session, SessionStore } from '../src/api/session';
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
    settings: null,
    webhookUrl: 'http://localhost:3000/webhooks/timelines/tok_secret',
    timeZone: 'Europe/Madrid',
    orgTimeZone: 'Europe/Madrid',
    webhook: { lastEventAt: null },
    crmUrl: 'https://crm.zoho.eu/crm/org20012345',
    skippedWhileInactive: 0,
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
    return { workspace: this.ws, you: this.you };
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
  activate = vi.fn(async () => {
    if (this.activateError) throw this.activateError;
    this.ws = { ...this.ws, active: true, testRecordId: 'rec_test' };
    return this.ws;
  });
  deactivate = vi.fn(async () => {
    this.ws = { ...this.ws, active: false };
    return this.ws;
  });
  getSyncLog = vi.fn(async () => this.syncLog);
}

export function memorySession(initial: Session | null = null): SessionStore {
  let s = initial;
  return {
    get: () => s,
    set: (v) => {
      s = v;
    },
    clear: () => {
      s = null;
    },
  };
}

export const SESSION: Session = { sessionToken: 'sess_1', workspaceId: 'ws_1', webhookUrl: null };

export function fakeConnect(result: Promise<Session>): () => ConnectAttempt {
  return () => ({ result, popupClosed: new Promise(() => undefined), cancel: () => undefined });
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
  resize = vi.fn();
}

export function note(id: string, title: string, content: string, modifiedTime: string): CrmNote {
  return { id, title, content, createdTime: modifiedTime, modifiedTime, attachments: [] };
}
