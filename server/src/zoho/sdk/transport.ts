/**
 * The patch of the SDK's HTTP transport. The SDK sends every request through `got`; we wrap got's
 * default export once, so that every HTTP request (including the SDK's silent metadata reads) is
 * counted via `onCall`, got's own hidden retries are off (our worker decides what to retry), requests
 * time out, and a request is refused before it leaves the process unless its URL and token belong to
 * the org of the call that caused it (defence in depth against cross-org mix-ups).
 *
 * The org of "the call that caused it" is carried by AsyncLocalStorage (`callContext`): the SDK's
 * request is made somewhere deep inside an `await` chain started by `SdkClient.exec`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type { ZohoCallKind } from '../gateway.js';

export interface RawHttp {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface CallContext {
  orgKey: string;
  /** The access token this call runs with (the SDK was initialised with it). */
  token: string;
  /** URL prefixes this org's requests may go to. */
  prefixes: string[];
  onCall: ((kind: ZohoCallKind) => void) | undefined;
  /** the request's answer: its HTTP status, or 'network_error' (metrics) */
  onAnswer: ((kind: ZohoCallKind, status: number | 'network_error') => void) | undefined;
  timeoutMs: number;
  /** Last HTTP answer of this call (used when the SDK fails to parse it). */
  last: RawHttp | undefined;
}

/** The gateway call the current async chain belongs to. */
export const callContext = new AsyncLocalStorage<CallContext>();

/**
 * Access tokens recently used per org (the transport guard accepts these only). Bounded: the last
 * 4 tokens of the 1,000 most recently active orgs (callback probes use one-off org keys).
 */
const orgTokens = new Map<string, string[]>();
const MAX_ORGS_REMEMBERED = 1000;

export function rememberToken(orgKey: string, token: string): void {
  const list = orgTokens.get(orgKey) ?? [];
  // Order = first seen: a call that still holds an older token must not make it look newer.
  const next = list.includes(token) ? list : [...list, token];
  while (next.length > 4) next.shift();
  orgTokens.delete(orgKey); // re-insert: Map order = least recently used first
  orgTokens.set(orgKey, next);
  while (orgTokens.size > MAX_ORGS_REMEMBERED) {
    const oldest = orgTokens.keys().next().value;
    if (oldest === undefined || oldest === orgKey) break;
    orgTokens.delete(oldest);
  }
}

/** The org's remembered tokens, oldest first (first seen). */
export function tokensOf(orgKey: string): readonly string[] {
  return orgTokens.get(orgKey) ?? [];
}

export class TransportGuardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportGuardError';
  }
}

/** Counters for tests and diagnostics. */
export const sdkTransportStats = { requests: 0, guardRefusals: 0, sdkInits: 0 };

/** Whether a request's query (got's `searchParams`, or the URL's own) names `ids`. */
function namesIds(searchParams: unknown, url: URL | undefined): boolean {
  if (url?.searchParams.has('ids')) return true;
  if (searchParams instanceof URLSearchParams) return searchParams.has('ids');
  if (typeof searchParams === 'string') return new URLSearchParams(searchParams).has('ids');
  return !!searchParams && typeof searchParams === 'object' && 'ids' in searchParams;
}

/**
 * Which kind of call a request is, from its method, URL and query (the SDK hands got the query as
 * `searchParams`, apart from the URL).
 */
export function callKindOf(method: string, url: string, searchParams?: unknown): ZohoCallKind {
  let p: string;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
    p = parsed.pathname;
  } catch {
    p = url;
  }
  const byIds = namesIds(searchParams, parsed);
  const i = p.indexOf('/crm/v8/');
  const rest = i >= 0 ? p.slice(i + '/crm/v8/'.length) : p.replace(/^\/+/, '');
  const seg = rest.split('/').filter(Boolean);
  const m = method.toUpperCase();
  const first = seg[0] ?? '';
  if (first === 'settings') {
    if (seg[1] === 'fields') return m === 'GET' ? 'fields' : 'field_write';
    if (seg[1] === 'modules') return 'modules';
    if (seg[1] === 'related_lists') return 'related_lists';
    return 'modules';
  }
  if (first === 'users') return 'users';
  if (first === 'org') return 'org';
  if (first === 'coql') return 'coql';
  if (seg.includes('Attachments')) return 'attachment';
  if (first === 'Notes') return m === 'POST' ? 'note_create' : m === 'GET' ? 'note_list' : 'note_update';
  if (seg[1] === 'search') return 'search';
  if (seg[2] === 'Notes') return 'note_list';
  if (m === 'POST') return 'record_create';
  if (m === 'PUT' || m === 'PATCH') return 'record_update';
  if (m === 'GET' && seg[1] === 'deleted') return 'deleted_list';
  if (m === 'GET' && seg[1] === 'actions' && seg[2] === 'count') return 'record_count';
  // The list without ids (all records, or those modified since): reading known ids is record_get.
  if (m === 'GET' && seg.length === 1 && !byIds) return 'record_list';
  return 'record_get';
}

type GotFn = (url: string, options: Record<string, unknown>) => Promise<unknown>;
type GotResponse = {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
};
const PATCHED = Symbol.for('wa-zoho-sync.sdkTransport');

let transportInstalled = false;

/** Why a request may not leave the process, or undefined when its host and token are the org's. */
function refusalOf(ctx: CallContext | undefined, url: string, options: Record<string, unknown>) {
  if (!ctx) return 'Zoho SDK request outside a gateway call refused';
  const okUrl = ctx.prefixes.some((p) => url === p || url.startsWith(`${p}/`));
  const headers = (options.headers ?? {}) as Record<string, unknown>;
  const auth = String(headers.Authorization ?? headers.authorization ?? '');
  const token = auth.startsWith('Zoho-oauthtoken ') ? auth.slice('Zoho-oauthtoken '.length) : '';
  const okToken = token !== '' && tokensOf(ctx.orgKey).includes(token);
  if (okUrl && okToken) return undefined;
  return `Zoho SDK request refused: ${okUrl ? 'token' : 'host'} does not belong to the calling org`;
}

/**
 * Wraps got's default export, which the SDK calls as `(0, got_1.default)(url, options)` for every
 * API request. Throws at start-up if the SDK's transport is not what we expect (SDK upgrade).
 */
export function installTransport(): void {
  if (transportInstalled) return;
  const req = createRequire(import.meta.url);
  const sdkReq = createRequire(req.resolve('@zohocrm/typescript-sdk-8.0'));
  const gotModule = sdkReq('got') as { default?: GotFn & { [PATCHED]?: boolean } };
  const original = gotModule.default;
  if (typeof original !== 'function') {
    throw new Error(
      'Zoho SDK transport not recognised (got.default is not a function); check the SDK version',
    );
  }
  if (original[PATCHED]) {
    transportInstalled = true;
    return;
  }
  const patched = function sdkTransport(url: string, options: Record<string, unknown>): Promise<unknown> {
    const ctx = callContext.getStore();
    const u = String(url);
    const refusal = refusalOf(ctx, u, options);
    if (!ctx || refusal !== undefined) {
      sdkTransportStats.guardRefusals += 1;
      return Promise.reject(new TransportGuardError(refusal ?? 'Zoho SDK request refused'));
    }
    sdkTransportStats.requests += 1;
    const kind = callKindOf(String(options.method ?? 'GET'), u, options.searchParams);
    ctx.onCall?.(kind);
    const p = original(u, {
      ...options,
      retry: { limit: 0 },
      timeout: ctx.timeoutMs,
    }) as Promise<GotResponse>;
    return p.then(
      (res) => {
        ctx.last = {
          status: res.statusCode,
          headers: res.headers,
          body: typeof res.body === 'string' ? res.body : '',
        };
        ctx.onAnswer?.(kind, res.statusCode);
        return res;
      },
      (e: unknown) => {
        // got throws for 4xx/5xx answers too: their status is on the error's response.
        const status = (e as { response?: { statusCode?: number } }).response?.statusCode;
        ctx.onAnswer?.(kind, typeof status === 'number' ? status : 'network_error');
        throw e;
      },
    );
  } as GotFn & { [PATCHED]?: boolean };
  patched[PATCHED] = true;
  gotModule.default = patched;
  transportInstalled = true;
}
