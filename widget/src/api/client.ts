/**
 * The widget's only way to the backend's admin API. Requests and answers are the contract's types
 * (contract/adminApi.ts, which the server's routes use too). Every call carries
 * `Authorization: Bearer <sessionToken>`; errors become `ApiError` with the backend's
 * `{error:{code,message,field?}}` so the views can show the message where it belongs.
 */

import type {
  ActivateAnswer,
  ApiErrorBody,
  ChatLinkFieldAnswer,
  DisconnectAnswer,
  FieldCandidates,
  FieldChoice,
  FieldRef,
  IntegrationSettings,
  ModuleFieldsAnswer,
  ModuleInfo,
  HistoryImportAnswer,
  ModulesAnswer,
  SettingsAnswer,
  TimelinesStatusAnswer,
  SessionAnswer,
  SettingsRequest,
  SyncLogAnswer,
  SyncLogQuery,
  WebhookRotateAnswer,
  WorkspaceAnswer,
  WorkspaceView,
} from '../../../contract/adminApi';

// The contract's types under the names the widget's code uses.
export type {
  ActivateAnswer,
  FieldCandidates,
  FieldChoice,
  FieldInfo,
  FieldRef,
  IntegrationSettings,
  ModuleInfo,
  PhoneIndexView,
  SettingKey,
  SettingsRequest,
  SyncLogAnswer,
  SyncLogEntry,
  SyncLogQuery,
  SyncOutcome,
  TestRecordResult,
  HistoryImportAnswer,
  TimelinesStatusAnswer,
  TimelinesWebhookView,
  WebhookSetup,
} from '../../../contract/adminApi';
export type Workspace = WorkspaceView;
export type WorkspaceResponse = WorkspaceAnswer;
export type ModuleFields = ModuleFieldsAnswer;

export interface ApiClient {
  readonly baseUrl: string;
  getWorkspace(): Promise<WorkspaceResponse>;
  listModules(): Promise<ModuleInfo[]>;
  getModuleFields(module: string): Promise<ModuleFields>;
  /** Saves the settings (inactive integration only); answers the settings as stored. */
  saveSettings(settings: SettingsRequest): Promise<IntegrationSettings>;
  createChatLinkField(module: string): Promise<FieldRef>;
  /** Activates; the answer names the test record it created or updated. */
  activate(): Promise<ActivateAnswer>;
  deactivate(): Promise<Workspace>;
  /** A new webhook URL (owner only); the old one stops working at once. */
  rotateWebhook(): Promise<string>;
  /** Revokes the Zoho connection and ends every session of the workspace (owner only). */
  disconnect(): Promise<void>;
  /** A fresh token for the signed-in user, with a later expiry. */
  renewSession(): Promise<SessionAnswer>;
  /** One page of the sync log, newest first. */
  getSyncLog(query?: SyncLogQuery): Promise<SyncLogAnswer>;
  /** The TimelinesAI connection, with TimelinesAI's view of its webhooks, accounts and quota. */
  getTimelines(): Promise<TimelinesStatusAnswer>;
  /** Verifies and stores a TimelinesAI API token (owner only). */
  connectTimelines(apiToken: string): Promise<TimelinesStatusAnswer>;
  /** Removes the webhook subscriptions in TimelinesAI and forgets the token (owner only). */
  disconnectTimelines(): Promise<TimelinesStatusAnswer>;
  /** Starts importing the history from `since` (YYYY-MM-DD; owner only). */
  startHistoryImport(since: string): Promise<HistoryImportAnswer>;
  getHistoryImport(): Promise<HistoryImportAnswer>;
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
    listModules: async () => (await request<ModulesAnswer>('GET', '/api/zoho/modules')).modules,
    getModuleFields: async (module) =>
      normaliseFields(await request<ModuleFields>('GET', `/api/zoho/modules/${mod(module)}/fields`)),
    saveSettings: async (settings) =>
      (await request<SettingsAnswer>('PUT', '/api/settings', settings)).settings,
    createChatLinkField: async (module) =>
      (await request<ChatLinkFieldAnswer>('POST', `/api/zoho/modules/${mod(module)}/chat-link-field`, {}))
        .field,
    activate: () => request<ActivateAnswer>('POST', '/api/activate', {}),
    deactivate: async () => (await request<WorkspaceAnswer>('POST', '/api/deactivate', {})).workspace,
    rotateWebhook: async () =>
      (await request<WebhookRotateAnswer>('POST', '/api/webhook/rotate', {})).webhookUrl,
    disconnect: async () => {
      await request<DisconnectAnswer>('POST', '/api/disconnect', {});
    },
    renewSession: () => request<SessionAnswer>('POST', '/api/session', {}),
    getSyncLog: (query = {}) => request<SyncLogAnswer>('GET', `/api/sync-log${queryString(query)}`),
    getTimelines: () => request<TimelinesStatusAnswer>('GET', '/api/timelines'),
    connectTimelines: (apiToken) => request<TimelinesStatusAnswer>('PUT', '/api/timelines', { apiToken }),
    disconnectTimelines: () => request<TimelinesStatusAnswer>('DELETE', '/api/timelines'),
    startHistoryImport: (since) => request<HistoryImportAnswer>('POST', '/api/history-import', { since }),
    getHistoryImport: () => request<HistoryImportAnswer>('GET', '/api/history-import'),
  };
}

function queryString(query: SyncLogQuery): string {
  const params = new URLSearchParams();
  if (query.outcome) params.set('outcome', query.outcome);
  if (query.before) params.set('before', query.before);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  const text = params.toString();
  return text ? `?${text}` : '';
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
  // Read defensively: a proxy in between may answer something else than ApiErrorBody.
  const err = typeof json === 'object' && json !== null ? (json as Partial<ApiErrorBody>).error : undefined;
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
