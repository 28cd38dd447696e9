/**
 * The widget's only way to the backend's admin API (SPEC §7). Every call carries
 * `Authorization: Bearer <sessionToken>`; errors become `ApiError` with the backend's
 * `{error:{code,message,field?}}` so the views can show the message where it belongs.
 */

/** The four field choices plus the destination module. Field values are Zoho field API names. */
export interface IntegrationSettings {
  module: string;
  phoneField: string;
  nameField: string;
  chatLinkField: string;
  leadSourceField: string;
  /** IANA zone overriding the org's time zone for Note days; null/absent = the org's. */
  timeZone?: string | null;
}

export type SettingKey =
  'module' | 'phoneField' | 'nameField' | 'chatLinkField' | 'leadSourceField' | 'timeZone';

export interface Workspace {
  id: string;
  orgId: string;
  orgName: string;
  ownerEmail: string;
  /** false when the Zoho tokens were revoked or deleted: the owner must connect again. */
  connected: boolean;
  active: boolean;
  settings: IntegrationSettings | null;
  /** The TimelinesAI webhook URL (contains the workspace's secret token); null when not shown to this user. */
  webhookUrl: string | null;
  /** The time zone Note days are cut in: the settings' override, else the org's. */
  timeZone: string;
  /** The org's own IANA time zone (from Zoho's org info). */
  orgTimeZone?: string;
  activatedAt?: string | null;
  testRecordId?: string | null;
}

export interface WorkspaceResponse {
  workspace: Workspace;
  you: { email: string; isOwner: boolean };
}

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

export interface FieldInfo {
  apiName: string;
  label: string;
  /** Normalised type: 'phone' | 'text' | 'website' | 'picklist' | … (see server/src/zoho/gateway.ts). */
  type: string;
  mandatory: boolean;
  readOnly: boolean;
  custom: boolean;
  picklistValues?: string[];
}

export interface FieldChoice {
  apiName: string;
  label: string;
  type: string;
}

export interface FieldCandidates {
  /** The fields acceptable for each setting, in the order to offer them. */
  phone: FieldChoice[];
  name: FieldChoice[];
  chatLink: FieldChoice[];
  leadSource: FieldChoice[];
}

export interface ModuleFields {
  fields: FieldInfo[];
  candidates: FieldCandidates;
}

export interface SyncLogEntry {
  at: string;
  chatId: string | null;
  messageId: string | null;
  outcome: 'synced' | 'skipped' | 'failed';
  reason: string | null;
  recordId: string | null;
  noteId: string | null;
}

export interface ApiClient {
  readonly baseUrl: string;
  getWorkspace(): Promise<WorkspaceResponse>;
  listModules(): Promise<ModuleInfo[]>;
  getModuleFields(module: string): Promise<ModuleFields>;
  /** Saves the settings (inactive integration only); answers the settings as stored. */
  saveSettings(settings: IntegrationSettings): Promise<IntegrationSettings>;
  createChatLinkField(module: string): Promise<FieldRef>;
  activate(): Promise<Workspace>;
  deactivate(): Promise<Workspace>;
  getSyncLog(): Promise<SyncLogEntry[]>;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the backend could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    /** The setting the error is about, when the backend names one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  getToken: () => string | null;
  fetch?: typeof fetch;
}

export function createApiClient({ baseUrl, getToken, fetch: fetchFn }: ApiClientOptions): ApiClient {
  const base = baseUrl.replace(/\/+$/, '');
  const doFetch = fetchFn ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(
        0,
        'NETWORK',
        `Could not reach the sync service at ${base}. Check your connection and try again.`,
      );
    }
    const text = await res.text();
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!res.ok) throw toApiError(res.status, json);
    if (json === undefined)
      throw new ApiError(res.status, 'BAD_RESPONSE', 'The sync service sent an unreadable answer.');
    return json as T;
  }

  const mod = (module: string) => encodeURIComponent(module);

  return {
    baseUrl: base,
    getWorkspace: () => request<WorkspaceResponse>('GET', '/api/workspace'),
    listModules: async () => (await request<{ modules: ModuleInfo[] }>('GET', '/api/zoho/modules')).modules,
    getModuleFields: async (module) =>
      normaliseFields(await request<ModuleFields>('GET', `/api/zoho/modules/${mod(module)}/fields`)),
    saveSettings: async (settings) =>
      (await request<{ settings: IntegrationSettings }>('PUT', '/api/settings', settings)).settings,
    createChatLinkField: async (module) =>
      (await request<{ field: FieldRef }>('POST', `/api/zoho/modules/${mod(module)}/chat-link-field`, {}))
        .field,
    activate: async () => (await request<{ workspace: Workspace }>('POST', '/api/activate', {})).workspace,
    deactivate: async () =>
      (await request<{ workspace: Workspace }>('POST', '/api/deactivate', {})).workspace,
    getSyncLog: async () => (await request<{ entries: SyncLogEntry[] }>('GET', '/api/sync-log')).entries,
  };
}

/** Candidates may also come as bare API names: resolve them against `fields`. */
function normaliseFields(answer: ModuleFields): ModuleFields {
  const fields = Array.isArray(answer.fields) ? answer.fields : [];
  const choice = (c: FieldChoice | string): FieldChoice => {
    if (typeof c !== 'string') return c;
    const f = fields.find((x) => x.apiName === c);
    return { apiName: c, label: f?.label ?? c, type: f?.type ?? '' };
  };
  const list = (v: unknown) => (Array.isArray(v) ? (v as (FieldChoice | string)[]).map(choice) : []);
  const c = (answer.candidates ?? {}) as Partial<Record<keyof FieldCandidates, unknown>>;
  return {
    fields,
    candidates: {
      phone: list(c.phone),
      name: list(c.name),
      chatLink: list(c.chatLink),
      leadSource: list(c.leadSource),
    },
  };
}

function toApiError(status: number, json: unknown): ApiError {
  const err = typeof json === 'object' && json !== null ? (json as { error?: unknown }).error : undefined;
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; message?: unknown; field?: unknown };
    const message = typeof e.message === 'string' && e.message ? e.message : fallbackMessage(status);
    return new ApiError(
      status,
      typeof e.code === 'string' ? e.code : `HTTP_${status}`,
      message,
      typeof e.field === 'string' ? e.field : undefined,
    );
  }
  return new ApiError(status, `HTTP_${status}`, fallbackMessage(status));
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'Your session has expired. Connect Zoho CRM again.';
  if (status === 403) return 'You are not allowed to do this.';
  if (status >= 500) return `The sync service failed (HTTP ${status}). Try again in a moment.`;
  return `The sync service refused the request (HTTP ${status}).`;
}
