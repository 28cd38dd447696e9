/**
 * `ZohoGateway` on the official SDK (@zohocrm/typescript-sdk-8.0). The only module that imports it.
 *
 * How the SDK is tamed (details in the comments next to each piece):
 * - Access-token mode: `OAuthBuilder().accessToken(t)` with a fixed `UserSignature` per org,
 *   `findUser(false)` and a no-op token store: the SDK never refreshes, never calls
 *   /users?type=CurrentUser on its own, and never writes tokens to disk (its default FileStore
 *   writes plain-text tokens to `sdk_tokens.txt` in the project root).
 * - Process-global state: every call runs in the process-wide `sdkLane` (one org at a time), and the
 *   SDK is re-initialised (`Initializer.initialize`) when the lane switches org or a call brings a
 *   new access token.
 * - Transport: the SDK sends every request through `got`; we wrap got's default export once, so
 *   that every HTTP request (including the SDK's silent metadata reads) is counted via `onCall`,
 *   got's own hidden retries are off (our worker decides what to retry), requests time out, and a
 *   request is refused before it leaves the process unless its URL and token belong to the org of
 *   the call that caused it (defence in depth against cross-org mix-ups).
 * - Logger: level OFF (at INFO it logs URLs with phone numbers).
 * - Field metadata: the SDK reads `settings/fields?module=X` before record operations and caches it
 *   in `<resourcePath>/resources/<base64(apiUrl + user signature)>.json` (default resource path:
 *   the project root). Each org gets its own directory under `<tmp>/zoho-sdk-<pid>-*` (removed at
 *   exit; directories of dead processes are swept at start); with a fixed signature per org the
 *   file name does not change with every new access token, so a module's metadata is fetched once
 *   per org per hour (our TTL, single flight), not once per token. Picklist validation is off:
 *   values the cached metadata does not know yet (TimelinesAI just added) are left for Zoho to
 *   judge, and Zoho's per-row INVALID_DATA comes back as a RowResult.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Z from '@zohocrm/typescript-sdk-8.0';
import { ZohoError, isZohoError, type ZohoErrorCode } from './errors.js';
import type {
  AttachmentUpload,
  NewFieldSpec,
  NewNote,
  NoteUpdate,
  RowResult,
  ZohoCallKind,
  ZohoField,
  ZohoFieldType,
  ZohoGateway,
  ZohoModule,
  ZohoAttachment,
  ZohoNote,
  ZohoOrg,
  ZohoRecord,
  ZohoUser,
} from './gateway.js';
import { COMPLEX_CALLS_LIMIT } from './limits.js';
import { sdkLane } from './sdkLane.js';

export interface SdkGatewayOptions {
  apiUrl: string;
  accountsUrl: string;
  /** Zoho's content host of the data centre (resolveZohoHosts' fileUploadUrl); default: apiUrl. */
  fileUploadUrl?: string | undefined;
  /** Identifies the org (workspace / org id): the lane key and the metadata cache key. */
  orgKey: string;
  tokens: { accessToken(): Promise<string>; invalidate(token: string): void };
  /** Called once per HTTP request sent to Zoho (including the SDK's silent metadata reads). */
  onCall?: ((kind: ZohoCallKind) => void) | undefined;
  /** Called when that request is answered: its HTTP status, or 'network_error' (metrics). */
  onAnswer?: ((kind: ZohoCallKind, status: number | 'network_error') => void) | undefined;
  /**
   * Concurrent calls for this org (Zoho: 5 Free … 25 Ultimate, see limits.ts). Default 10. Complex
   * calls (COQL, writes of more than 10 rows) are held to min(this, 10) as Zoho requires.
   */
  maxConcurrency?: number | undefined;
  /** Awaited before each call (the credit budget's pacing of background calls). */
  pace?: (() => Promise<void>) | undefined;
  /** Per-request timeout, default 30 s. */
  timeoutMs?: number | undefined;
  /** How long the SDK's cached field metadata of a module is trusted, default 1 h. */
  metadataTtlMs?: number | undefined;
}

const RECORDS_PER_CALL = 100;
/** A write of more than this many rows is a "complex" call for Zoho's concurrency sub-limit. */
const COMPLEX_ROWS = 10;
const COQL_VALUES_PER_IN = 50;
/** Zoho accepts at most 25 criteria in a COQL WHERE clause: several `in` lists share one call. */
const COQL_MAX_CRITERIA = 25;
/**
 * Rows a lookup call asks for. Lookups match a few records, and Zoho charges a COQL call by its LIMIT
 * (1 credit up to 200 rows; 2 up to 1,000; 3 up to 2,000, as its COQL docs put it): a full page is rare
 * and simply followed by the next one.
 */
const COQL_ROWS_PER_CALL = 200;
/** A lookup never pages further than this (a phone number matching >20k records is a data problem). */
const COQL_MAX_PAGES = 100;
const NOTES_PER_PAGE = 200;
const NOTES_MAX_PAGES = 10;
const USERS_PER_PAGE = 200;
const USERS_MAX_PAGES = 50;

// ------------------------------------------------------------------------------------ transport

interface RawHttp {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface CallContext {
  orgKey: string;
  /** The access token this call runs with (the SDK was initialised with it). */
  token: string;
  /** URL prefixes this org's requests may go to. */
  prefixes: string[];
  onCall: ((kind: ZohoCallKind) => void) | undefined;
  onAnswer: ((kind: ZohoCallKind, status: number | 'network_error') => void) | undefined;
  timeoutMs: number;
  /** Last HTTP answer of this call (used when the SDK fails to parse it). */
  last: RawHttp | undefined;
}

const als = new AsyncLocalStorage<CallContext>();

/**
 * Access tokens recently used per org (the transport guard accepts these only). Bounded: the last
 * 4 tokens of the 1,000 most recently active orgs (callback probes use one-off org keys).
 */
const orgTokens = new Map<string, string[]>();
const MAX_ORGS_REMEMBERED = 1000;

function rememberToken(orgKey: string, token: string): void {
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

class TransportGuardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportGuardError';
  }
}

/** Counters for tests and diagnostics. */
export const sdkTransportStats = { requests: 0, guardRefusals: 0, sdkInits: 0 };

/** Which kind of call a request is, from its method and URL. */
export function callKindOf(method: string, url: string): ZohoCallKind {
  let p: string;
  try {
    p = new URL(url).pathname;
  } catch {
    p = url;
  }
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
  return 'record_get';
}

type GotFn = (url: string, options: Record<string, unknown>) => Promise<unknown>;
const PATCHED = Symbol.for('wa-zoho-sync.sdkTransport');

let transportInstalled = false;

/**
 * Wraps got's default export, which the SDK calls as `(0, got_1.default)(url, options)` for every
 * API request. Throws at start-up if the SDK's transport is not what we expect (SDK upgrade).
 */
function installTransport(): void {
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
    const ctx = als.getStore();
    const u = String(url);
    if (!ctx) {
      sdkTransportStats.guardRefusals += 1;
      return Promise.reject(new TransportGuardError('Zoho SDK request outside a gateway call refused'));
    }
    const okUrl = ctx.prefixes.some((p) => u === p || u.startsWith(`${p}/`));
    const headers = (options.headers ?? {}) as Record<string, unknown>;
    const auth = String(headers.Authorization ?? headers.authorization ?? '');
    const token = auth.startsWith('Zoho-oauthtoken ') ? auth.slice('Zoho-oauthtoken '.length) : '';
    const okToken = token !== '' && (orgTokens.get(ctx.orgKey) ?? []).includes(token);
    if (!okUrl || !okToken) {
      sdkTransportStats.guardRefusals += 1;
      return Promise.reject(
        new TransportGuardError(
          `Zoho SDK request refused: ${okUrl ? 'token' : 'host'} does not belong to the calling org`,
        ),
      );
    }
    sdkTransportStats.requests += 1;
    const kind = callKindOf(String(options.method ?? 'GET'), u);
    ctx.onCall?.(kind);
    const p = original(u, { ...options, retry: { limit: 0 }, timeout: ctx.timeoutMs }) as Promise<{
      statusCode: number;
      headers: Record<string, string | string[] | undefined>;
      body: unknown;
    }>;
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
        ctx.onAnswer?.(kind, 'network_error');
        throw e;
      },
    );
  } as GotFn & { [PATCHED]?: boolean };
  patched[PATCHED] = true;
  gotModule.default = patched;
  transportInstalled = true;
}

// ------------------------------------------------------------------------------- SDK set-up

/**
 * The SDK must never persist tokens: this store keeps nothing. `findToken` answers the token it is
 * asked about (the SDK refuses a token with a user signature that no store knows, unless it also
 * carries a refresh token or grant code, which ours never do).
 */
class NoTokenStore implements Z.TokenStore.TokenStore {
  async findToken(token: Z.Token.Token): Promise<Z.Token.Token> {
    return token;
  }
  async findTokenById(): Promise<null> {
    return null;
  }
  async saveToken(): Promise<void> {}
  async deleteToken(): Promise<void> {}
  async getTokens(): Promise<Z.Token.Token[]> {
    return [];
  }
  async deleteTokens(): Promise<void> {}
}

const noTokenStore = new NoTokenStore();
const sdkConfig = new Z.SDKConfigBuilder()
  .autoRefreshFields(false)
  // The cached picklist values go stale (we add "TimelinesAI" ourselves); Zoho validates anyway.
  .pickListValidation(false)
  .updateAPIDomain(false)
  .build();
const offLogger = new Z.LogBuilder().level(Z.Levels.OFF).filePath(null).build();

let baseResourceDir: string | undefined;

/**
 * Removes cache directories of processes that are gone (killed workers never run 'exit' handlers).
 * Only `zoho-sdk-<pid>-*` directories whose pid is not alive are touched.
 */
function sweepStaleResourceDirs(): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of entries) {
    const m = /^zoho-sdk-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // alive (or not ours to judge)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    try {
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
}

function orgHash(orgKey: string): string {
  return createHash('sha256').update(orgKey).digest('hex').slice(0, 24);
}

/** `<tmp>/zoho-sdk-XXXX/<orgHash>/` — with the trailing separator the SDK's related-list cache needs. */
function resourcePathFor(orgKey: string): string {
  if (!baseResourceDir) {
    sweepStaleResourceDirs();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `zoho-sdk-${process.pid}-`));
    baseResourceDir = dir;
    process.once('exit', () => {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    });
  }
  // The SDK creates `<dir>/resources` itself the first time it caches metadata for this org.
  return path.join(baseResourceDir, orgHash(orgKey)) + path.sep;
}

interface InstallTarget {
  orgKey: string;
  token: string;
  apiUrl: string;
  accountsUrl: string;
  fileUploadUrl: string;
}

let installed: { orgKey: string; token: string } | undefined;
let installing: Promise<void> | undefined;

/**
 * Makes the SDK's global Initializer point at `target` (org + token). Called inside the lane, so
 * only calls of the same org can be running meanwhile; they see either the old or the new token of
 * their own org, both of which the transport guard accepts.
 *
 * `Initializer.initialize` is called directly, not through `InitializeBuilder`/`switchUser`: the
 * builder's constructor copies the *previous* initializer's environment and token in an async
 * callback that can land after our setters, and `switchUser` resolves the new token against the
 * previous org's environment (it stores that org's API domain in the new token).
 */
async function ensureInstalled(target: InstallTarget): Promise<void> {
  for (;;) {
    if (installing) {
      await installing.catch(() => undefined);
      continue;
    }
    if (installed && installed.orgKey === target.orgKey && installed.token === target.token) return;
    const run = (async () => {
      installed = undefined;
      // LOCAL keeps one entry per (environment, token suffix) forever; we only ever need the current one.
      (Z.Initializer as unknown as { LOCAL?: Map<unknown, unknown> }).LOCAL?.clear();
      const token = new Z.OAuthBuilder()
        .accessToken(target.token)
        .userSignature(new Z.UserSignature(`org-${orgHash(target.orgKey)}`))
        .findUser(false)
        .build();
      token.setAPIDomain(target.apiUrl);
      const environment = new Z.Environment(target.apiUrl, target.accountsUrl, target.fileUploadUrl);
      await Z.Initializer.initialize(
        environment,
        token,
        noTokenStore,
        sdkConfig,
        resourcePathFor(target.orgKey),
        offLogger,
      );
      sdkTransportStats.sdkInits += 1;
      installed = { orgKey: target.orgKey, token: target.token };
    })();
    installing = run;
    try {
      await run;
    } finally {
      if (installing === run) installing = undefined;
    }
    return;
  }
}

// ------------------------------------------------------------------------------ error mapping

const AUTH_CODES = new Set([
  'INVALID_TOKEN',
  'AUTHENTICATION_FAILURE',
  'OAUTH_TOKEN_EXPIRED',
  'INVALID_OAUTHTOKEN',
]);
const REFRESHABLE = new Set(['INVALID_TOKEN', 'AUTHENTICATION_FAILURE']);
const PERMISSION_CODES = new Set([
  'NO_PERMISSION',
  'OAUTH_SCOPE_MISMATCH',
  'FEATURE_NOT_SUPPORTED',
  'FEATURE_NOT_ENABLED',
  'PERMISSION_DENIED',
  'NOT_ALLOWED',
  'NOT_SUPPORTED',
]);
const RATE_CODES = new Set([
  'TOO_MANY_REQUESTS',
  'LIMIT_EXCEEDED',
  'API_LIMIT_EXCEEDED',
  'RATE_LIMIT_EXCEEDED',
]);
const NOT_FOUND_CODES = new Set([
  'INVALID_MODULE',
  'INVALID_URL_PATTERN',
  'NOT_FOUND',
  'RECORD_NOT_FOUND',
  'RESOURCE_NOT_FOUND',
  'INVALID_FIELD',
  'ID_NOT_FOUND',
]);
const TEMPORARY_CODES = new Set([
  'INTERNAL_ERROR',
  'SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
  'TEMPORARILY_UNAVAILABLE',
]);

function codeFor(zohoCode: string | undefined, status: number | undefined, details?: unknown): ZohoErrorCode {
  const c = (zohoCode ?? '').toUpperCase();
  // LIMIT_EXCEEDED also names request-shape limits (100 rows, 50 values in a COQL `in`, 2,000 rows):
  // those answers point at the part of the request (clause, api_name) and are the request's fault.
  if (
    c === 'LIMIT_EXCEEDED' &&
    isObj(details) &&
    ('clause' in details || 'api_name' in details || 'json_path' in details)
  ) {
    return 'validation';
  }
  if (AUTH_CODES.has(c)) return 'auth';
  if (PERMISSION_CODES.has(c)) return 'permission';
  if (RATE_CODES.has(c)) return 'rate_limited';
  if (NOT_FOUND_CODES.has(c)) return 'not_found';
  if (TEMPORARY_CODES.has(c)) return 'temporary';
  if (status !== undefined) {
    if (status === 401) return 'auth';
    if (status === 403) return 'permission';
    if (status === 404) return 'not_found';
    if (status === 429) return 'rate_limited';
    if (status >= 500 || status === 408) return 'temporary';
  }
  return 'validation';
}

function header(
  h: Record<string, string | string[] | undefined> | Map<string, string>,
  name: string,
): string | undefined {
  const v =
    h instanceof Map ? (h.get(name) ?? h.get(name.toLowerCase())) : (h[name] ?? h[name.toLowerCase()]);
  return Array.isArray(v) ? v[0] : v;
}

function retryAfterMsOf(
  h: Record<string, string | string[] | undefined> | Map<string, string>,
): number | undefined {
  const v = header(h, 'retry-after');
  if (v === undefined) return undefined;
  const n = Number(v);
  if (Number.isFinite(n) && n >= 0) return Math.round(n * 1000);
  const d = Date.parse(v);
  return Number.isFinite(d) ? Math.max(0, d - Date.now()) : undefined;
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldOfDetails(details: unknown): string | undefined {
  if (!isObj(details)) return undefined;
  const f = details.api_name ?? details.field ?? details.param_name ?? details.column_name;
  return typeof f === 'string' ? f : undefined;
}

/** Zoho's error body: `{code, details, message, status}` or `{data:[{…}]}` or `{fields:[…]}`. */
function errorOfBody(json: unknown): {
  zohoCode: string | undefined;
  message: string | undefined;
  field: string | undefined;
  details: unknown;
} {
  let e: unknown = json;
  if (isObj(json)) {
    for (const k of ['data', 'fields', 'users', 'org', 'modules', 'notes']) {
      const arr = json[k];
      if (Array.isArray(arr) && isObj(arr[0]) && typeof arr[0].code === 'string') {
        e = arr[0];
        break;
      }
    }
  }
  if (!isObj(e)) return { zohoCode: undefined, message: undefined, field: undefined, details: undefined };
  return {
    zohoCode: typeof e.code === 'string' ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : undefined,
    field: fieldOfDetails(e.details),
    details: e.details,
  };
}

function errorFromHttp(
  what: string,
  status: number,
  json: unknown,
  headers: Record<string, string | string[] | undefined> | Map<string, string>,
): ZohoError {
  const { zohoCode, message, field, details } = errorOfBody(json);
  const code = codeFor(zohoCode, status, details);
  return new ZohoError(
    `${what}: Zoho answered ${zohoCode ?? `HTTP ${status}`}${message ? ` (${message})` : ''}`.slice(0, 300),
    {
      code,
      zohoCode,
      field,
      httpStatus: status,
      retryAfterMs: code === 'rate_limited' || code === 'temporary' ? retryAfterMsOf(headers) : undefined,
    },
  );
}

interface SdkExceptionParts {
  code: string | undefined;
  message: string | undefined;
  details: Json | undefined;
  cause: unknown;
}

function sdkParts(e: unknown): SdkExceptionParts | undefined {
  if (!(e instanceof Z.SDKException)) return undefined;
  const r = e as unknown as { code?: unknown; message?: unknown; details?: unknown; cause?: unknown };
  return {
    code: typeof r.code === 'string' ? r.code : undefined,
    message: typeof r.message === 'string' ? r.message : undefined,
    details: isObj(r.details) ? r.details : undefined,
    cause: r.cause,
  };
}

const NETWORK_CODES = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

function networkish(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const o = cur as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof o.code === 'string' && NETWORK_CODES.has(o.code)) return o.code;
    if (o.name === 'TimeoutError' || o.name === 'RequestError' || o.name === 'ReadError') {
      return typeof o.code === 'string' ? o.code : String(o.name);
    }
    cur = o.cause;
  }
  return undefined;
}

/** Any failure of one SDK call → ZohoError. */
function toZohoError(e: unknown, ctx: CallContext | undefined, what: string): ZohoError {
  if (isZohoError(e)) return e;
  if (e instanceof TransportGuardError) {
    return new ZohoError(`${what}: ${e.message}`, { code: 'temporary', zohoCode: 'SDK_STATE_MISMATCH' });
  }
  const parts = sdkParts(e);
  const cause = parts ? parts.cause : e;
  if (cause instanceof TransportGuardError) {
    return new ZohoError(`${what}: ${cause.message}`, { code: 'temporary', zohoCode: 'SDK_STATE_MISMATCH' });
  }
  const net = networkish(cause);
  if (net)
    return new ZohoError(`${what}: network error talking to Zoho (${net})`, {
      code: 'temporary',
      zohoCode: net,
    });
  // An HTTP answer the SDK could not digest (or a failed silent metadata read): judge the answer.
  const last = ctx?.last;
  if (last && last.status >= 400) {
    let json: unknown;
    try {
      json = JSON.parse(last.body);
    } catch {
      json = undefined;
    }
    return errorFromHttp(what, last.status, json, last.headers);
  }
  if (parts) {
    // API_EXCEPTION from the SDK's own metadata reads carries Zoho's code in details.
    const dcode = typeof parts.details?.code === 'string' ? parts.details.code : undefined;
    if (dcode) {
      return new ZohoError(`${what}: Zoho answered ${dcode}`, {
        code: codeFor(dcode, undefined, parts.details),
        zohoCode: dcode,
      });
    }
    const field = typeof parts.details?.field === 'string' ? parts.details.field : undefined;
    const clientSide = [
      'TYPE_ERROR',
      'UNACCEPTED_VALUES_ERROR',
      'MANDATORY_VALUE_ERROR',
      'MAXIMUM_LENGTH_ERROR',
      'MINIMUM_LENGTH_ERROR',
      'UNIQUE_KEY_ERROR',
    ];
    if (parts.code && clientSide.includes(parts.code)) {
      return new ZohoError(`${what}: the SDK rejected the value of ${field ?? 'a field'} (${parts.code})`, {
        code: 'validation',
        zohoCode: parts.code,
        field,
      });
    }
    return new ZohoError(
      `${what}: Zoho SDK error ${parts.code ?? ''} ${parts.message ?? ''}`.trim().slice(0, 300),
      {
        code: 'temporary',
        zohoCode: parts.code ?? 'SDK_ERROR',
      },
    );
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new ZohoError(`${what}: ${msg}`.slice(0, 300), { code: 'temporary', zohoCode: 'SDK_ERROR' });
}

// ------------------------------------------------------------------------------ value helpers

const ID_RE = /^\d{1,20}$/;
const API_NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;

function bigId(id: string, what: string): bigint {
  if (!ID_RE.test(id))
    throw new ZohoError(`${what}: "${id.slice(0, 30)}" is not a Zoho id`, {
      code: 'validation',
      zohoCode: 'INVALID_ID',
    });
  return BigInt(id);
}

function checkApiName(name: string, what: string): string {
  if (!API_NAME_RE.test(name)) {
    throw new ZohoError(`${what}: "${name.slice(0, 40)}" is not a valid API name`, {
      code: 'validation',
      zohoCode: 'INVALID_API_NAME',
      field: name,
    });
  }
  return name;
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return '';
}

function optStr(v: unknown): string | undefined {
  const s = str(v);
  return s === '' ? undefined : s;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const FIELD_TYPES: Record<string, ZohoFieldType> = {
  phone: 'phone',
  text: 'text',
  textarea: 'textarea',
  email: 'email',
  website: 'website',
  picklist: 'picklist',
  multiselectpicklist: 'multiselectpicklist',
  integer: 'integer',
  bigint: 'integer',
  double: 'double',
  currency: 'currency',
  percent: 'double',
  date: 'date',
  datetime: 'datetime',
  boolean: 'boolean',
  lookup: 'lookup',
  ownerlookup: 'ownerlookup',
  userlookup: 'ownerlookup',
  autonumber: 'autonumber',
};

function toUser(u: Json): ZohoUser {
  const profile = isObj(u.profile) ? str(u.profile.name) : str(u.profile);
  const fullName = optStr(u.full_name) ?? [str(u.first_name), str(u.last_name)].filter(Boolean).join(' ');
  return {
    id: str(u.id),
    email: str(u.email),
    fullName,
    profile,
    isAdmin: profile === 'Administrator',
    active: str(u.status).toLowerCase() === 'active',
  };
}

function toField(f: Json): ZohoField {
  const dataType = str(f.data_type);
  const pick = Array.isArray(f.pick_list_values)
    ? f.pick_list_values.filter(isObj).map((v) => str(v.display_value ?? v.actual_value))
    : undefined;
  const length = Number(f.length);
  return {
    id: str(f.id),
    apiName: str(f.api_name),
    label: optStr(f.field_label) ?? optStr(f.display_label) ?? str(f.api_name),
    type: FIELD_TYPES[dataType.toLowerCase()] ?? 'other',
    dataType,
    mandatory: f.system_mandatory === true,
    readOnly: f.read_only === true || f.field_read_only === true,
    custom: f.custom_field === true,
    maxLength: Number.isFinite(length) && length > 0 ? length : undefined,
    picklistValues: dataType === 'picklist' || dataType === 'multiselectpicklist' ? (pick ?? []) : undefined,
  };
}

function toRecord(r: Json): ZohoRecord {
  return { ...r, id: str(r.id) };
}

function rowResult(row: unknown): RowResult<{ id: string }> {
  if (!isObj(row)) {
    return {
      ok: false,
      code: 'temporary',
      zohoCode: 'NO_ROW',
      message: 'Zoho did not answer for this row',
      field: undefined,
    };
  }
  const details = isObj(row.details) ? row.details : {};
  if (str(row.status).toLowerCase() === 'success' && optStr(details.id))
    return { ok: true, value: { id: str(details.id) } };
  const zohoCode = optStr(row.code) ?? 'UNKNOWN';
  const field = fieldOfDetails(details);
  // Zoho's answer for an update of a record that no longer exists: INVALID_DATA on `id`.
  const gone = zohoCode === 'INVALID_DATA' && field === 'id';
  return {
    ok: false,
    // A row is never rate-limited: a row-level LIMIT_EXCEEDED is about the row's content.
    code: gone
      ? 'not_found'
      : zohoCode === 'LIMIT_EXCEEDED'
        ? 'validation'
        : codeFor(zohoCode, undefined, details),
    zohoCode,
    message: optStr(row.message) ?? zohoCode,
    field,
  };
}

function failedRow(e: ZohoError): RowResult<{ id: string }> {
  return {
    ok: false,
    code: e.code,
    zohoCode: e.zohoCode ?? e.code.toUpperCase(),
    message: e.message,
    field: e.field,
  };
}

/** COQL string literal. */
function coqlString(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const EXT_OF_MIME: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'audio/mp4': '.m4a',
  'video/mp4': '.mp4',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
};

/** A file name safe as one path segment, with an extension matching the MIME type when it had none. */
function safeFileName(name: string, mimeType: string): string {
  let base = [...path.basename(name.replace(/\\/g, '/'))]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || ch === '/' ? '_' : ch))
    .join('')
    .trim();
  if (base === '' || base === '.' || base === '..') base = 'attachment';
  if (base.length > 120) {
    const ext = path.extname(base).slice(0, 10);
    base = base.slice(0, 120 - ext.length) + ext;
  }
  if (path.extname(base) === '') base += EXT_OF_MIME[mimeType.toLowerCase().split(';')[0]!.trim()] ?? '';
  return base;
}

// --------------------------------------------------------------------------- SDK field metadata

/** What the SDK's cache says about a field (Utility.setDataType output). */
interface SdkFieldDetail {
  type?: string;
  structure_name?: string;
  read_only?: boolean;
}

const CHOICE_NS = 'utils/util/choice';
const USER_NS = 'core/com/zoho/crm/api/users/minified_user';
const RECORD_NS = 'core/com/zoho/crm/api/record/record';

/** (orgKey, module) → when the SDK cache was (re)filled; single flight. */
const metadataWarm = new Map<string, { at: number; ready: Promise<void> }>();

function idOf(v: unknown): string | undefined {
  if (isObj(v)) return optStr(v.id);
  const s = optStr(v);
  return s;
}

/**
 * Our plain value → what the SDK's converter expects for that field (it checks the class of every
 * value against its cached metadata): Choice for picklists, MinifiedUser for owner lookups, Record
 * for lookups, Date for dates, numbers/booleans as such. Fields the cache does not know go as is.
 */
function toSdkValue(field: string, value: unknown, d: SdkFieldDetail | undefined): unknown {
  if (value === null || value === undefined) return null;
  const bad = (why: string) =>
    new ZohoError(`value of ${field} ${why}`, { code: 'validation', zohoCode: 'INVALID_DATA', field });
  const type = d?.type ?? '';
  const structure = d?.structure_name ?? '';
  if (type === CHOICE_NS || (type !== 'list' && structure === CHOICE_NS)) {
    if (typeof value === 'object') throw bad('must be a picklist value (string)');
    return new Z.Choice(String(value));
  }
  if (type === 'list' && structure === CHOICE_NS) {
    const arr = Array.isArray(value) ? value : [value];
    return arr.map((v) => new Z.Choice(String(v)));
  }
  if (type === USER_NS || structure === USER_NS) {
    const id = idOf(value);
    if (!id || !ID_RE.test(id)) throw bad('must be a user {id}');
    const u = new Z.Users.MinifiedUser();
    u.setId(BigInt(id));
    return u;
  }
  if (type === RECORD_NS || structure === RECORD_NS) {
    const id = idOf(value);
    if (!id || !ID_RE.test(id)) throw bad('must be a record {id}');
    const r = new Z.Record.Record();
    r.setId(BigInt(id));
    return r;
  }
  switch (type) {
    case 'String':
      if (typeof value === 'object') throw bad('must be text');
      return String(value);
    case 'Integer':
    case 'Double':
    case 'Float': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) throw bad('must be a number');
      return n;
    }
    case 'Long': {
      const s = String(value);
      if (!/^-?\d+$/.test(s)) throw bad('must be a whole number');
      return BigInt(s);
    }
    case 'Boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw bad('must be true or false');
    case 'Date':
    case 'DateTime': {
      const dt = value instanceof Date ? value : new Date(String(value));
      if (Number.isNaN(dt.getTime())) throw bad('must be a date');
      return dt;
    }
    default:
      break;
  }
  // Unknown to the cache (new custom field, or a type we pass through): plain JSON.
  if (Array.isArray(value)) return value;
  if (isObj(value)) return new Map(Object.entries(value));
  return value;
}

// -------------------------------------------------------------------------------- the gateway

interface Answer {
  status: number;
  json: Json | undefined;
  headers: Map<string, string>;
}

type SdkResponse = {
  getStatusCode(): number;
  getHeaders(): Map<string, string>;
  getResponseJSON(): object | null;
};

class SdkGateway implements ZohoGateway {
  private readonly orgKey: string;
  private readonly cap: number;
  private readonly prefixes: string[];
  private readonly target: Omit<InstallTarget, 'token'>;
  private readonly timeoutMs: number;
  private readonly metadataTtlMs: number;

  constructor(private readonly opts: SdkGatewayOptions) {
    installTransport();
    this.orgKey = opts.orgKey;
    this.cap = Math.max(1, Math.floor(opts.maxConcurrency ?? 10));
    const apiUrl = opts.apiUrl.replace(/\/+$/, '');
    const fileUploadUrl = (opts.fileUploadUrl ?? apiUrl).replace(/\/+$/, '');
    this.prefixes = [...new Set([apiUrl, fileUploadUrl])];
    this.target = {
      orgKey: opts.orgKey,
      apiUrl,
      accountsUrl: opts.accountsUrl.replace(/\/+$/, ''),
      fileUploadUrl,
    };
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.metadataTtlMs = opts.metadataTtlMs ?? 60 * 60_000;
  }

  /**
   * One SDK request (plus whatever the SDK reads silently first), in the lane, with the 401
   * INVALID_TOKEN → invalidate → one retry rule. `rows`: an answer with a `data` array is returned
   * whatever its status (Zoho fails rows one by one inside 200/201/207/400).
   */
  private async exec(
    what: string,
    call: () => Promise<SdkResponse>,
    opts: { rows?: string; before?: () => Promise<void>; complex?: boolean } = {},
  ): Promise<Answer> {
    // Near the org's daily credit limit the sync's calls are paced (limits.ts); others are not.
    await this.opts.pace?.();
    let token: string;
    try {
      token = await this.opts.tokens.accessToken();
    } catch (e) {
      throw isZohoError(e)
        ? e
        : new ZohoError(`${what}: no access token (${e instanceof Error ? e.message : 'error'})`, {
            code: 'temporary',
          });
    }
    for (let attempt = 0; ; attempt++) {
      const ctx: CallContext = {
        orgKey: this.orgKey,
        token,
        prefixes: this.prefixes,
        onCall: this.opts.onCall,
        onAnswer: this.opts.onAnswer,
        timeoutMs: this.timeoutMs,
        last: undefined,
      };
      try {
        return await sdkLane.run(
          this.orgKey,
          this.cap,
          async () => {
            rememberToken(this.orgKey, token);
            // Do not re-initialise back to an older token of this org when a newer one is installed.
            const known = orgTokens.get(this.orgKey) ?? [];
            if (
              installed?.orgKey === this.orgKey &&
              known.indexOf(installed.token) > known.indexOf(ctx.token)
            ) {
              ctx.token = installed.token;
            }
            await ensureInstalled({ ...this.target, token: ctx.token });
            return await als.run(ctx, async () => {
              if (opts.before) await opts.before();
              const res = await call();
              return this.interpret(what, res, opts.rows);
            });
          },
          { complex: opts.complex === true, complexCap: Math.min(this.cap, COMPLEX_CALLS_LIMIT) },
        );
      } catch (e) {
        const err = toZohoError(e, ctx, what);
        if (attempt === 0 && err.code === 'auth' && REFRESHABLE.has(err.zohoCode ?? '')) {
          this.opts.tokens.invalidate(ctx.token);
          try {
            token = await this.opts.tokens.accessToken();
          } catch (e2) {
            throw isZohoError(e2) ? e2 : err;
          }
          continue;
        }
        throw err;
      }
    }
  }

  private interpret(what: string, res: SdkResponse, rowsKey: string | undefined): Answer {
    const status = res.getStatusCode();
    const headers = res.getHeaders() ?? new Map<string, string>();
    const raw = res.getResponseJSON();
    const json = isObj(raw) ? raw : undefined;
    if (status === 204 || status === 304) return { status, json: undefined, headers };
    if (rowsKey && json && Array.isArray(json[rowsKey]) && status < 500 && status !== 401 && status !== 429) {
      return { status, json, headers };
    }
    if (status >= 200 && status < 300) {
      // A 200 can still carry an error object ({code, status:"error"}).
      if (json && str(json.status).toLowerCase() === 'error' && typeof json.code === 'string') {
        throw errorFromHttp(what, status, json, headers);
      }
      return { status, json, headers };
    }
    throw errorFromHttp(what, status, json, headers);
  }

  /** Fills the SDK's field cache for `module` once per TTL, single flight (inside the lane). */
  private warmMetadata(module: string): Promise<void> {
    const key = `${this.orgKey}\u0000${module.toLowerCase()}`;
    const hit = metadataWarm.get(key);
    const now = Date.now();
    if (hit && now - hit.at < this.metadataTtlMs) return hit.ready;
    const ready = (async () => {
      if (hit) await Z.ModuleFieldsHandler.deleteFields(module);
      await Z.Utility.getFields(module, null);
    })();
    const entry = { at: now, ready };
    metadataWarm.set(key, entry);
    ready.catch(() => {
      if (metadataWarm.get(key) === entry) metadataWarm.delete(key);
    });
    return ready;
  }

  /** Drops the SDK's cached metadata of `module` (after we changed its fields). Inside the lane. */
  private async forgetMetadata(module: string): Promise<void> {
    metadataWarm.delete(`${this.orgKey}\u0000${module.toLowerCase()}`);
    await Z.ModuleFieldsHandler.deleteFields(module).catch(() => undefined);
  }

  /** The SDK's cached metadata of a module (after warmMetadata), by field API name. */
  private async sdkFields(module: string): Promise<Map<string, SdkFieldDetail>> {
    try {
      const file = await Z.Converter.getEncodedFileName();
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
      const m = json[module.toLowerCase()];
      if (!isObj(m)) return new Map();
      return new Map(Object.entries(m).filter((e): e is [string, SdkFieldDetail] => isObj(e[1])));
    } catch {
      return new Map();
    }
  }

  // ---------------------------------------------------------------------------- org & users

  async currentUser(): Promise<ZohoUser> {
    const pm = new Z.ParameterMap();
    await pm.add(Z.Users.GetUsersParam.TYPE, 'CurrentUser');
    const a = await this.exec('current user', () => new Z.Users.UsersOperations().getUsers(pm));
    const u = Array.isArray(a.json?.users) ? a.json.users.find(isObj) : undefined;
    if (!u)
      throw new ZohoError('current user: Zoho answered no user', { code: 'not_found', zohoCode: 'NO_USER' });
    return toUser(u);
  }

  async activeUsers(): Promise<ZohoUser[]> {
    const out: ZohoUser[] = [];
    for (let page = 1; page <= USERS_MAX_PAGES; page++) {
      const pm = new Z.ParameterMap();
      await pm.add(Z.Users.GetUsersParam.TYPE, 'ActiveUsers');
      await pm.add(Z.Users.GetUsersParam.PAGE, page);
      await pm.add(Z.Users.GetUsersParam.PER_PAGE, USERS_PER_PAGE);
      const a = await this.exec('active users', () => new Z.Users.UsersOperations().getUsers(pm));
      const users = Array.isArray(a.json?.users) ? a.json.users.filter(isObj) : [];
      out.push(...users.map(toUser).filter((u) => u.active));
      const info = isObj(a.json?.info) ? a.json.info : {};
      if (info.more_records !== true || users.length === 0) break;
    }
    return out;
  }

  async org(): Promise<ZohoOrg> {
    const a = await this.exec('organization', () => new Z.Org.OrgOperations().getOrganization());
    const o = Array.isArray(a.json?.org) ? a.json.org.find(isObj) : undefined;
    if (!o)
      throw new ZohoError('organization: Zoho answered no org', { code: 'not_found', zohoCode: 'NO_ORG' });
    const license = isObj(o.license_details) ? o.license_details : {};
    return {
      id: str(o.id),
      companyName: str(o.company_name),
      timeZone: str(o.time_zone),
      countryCode: optStr(o.country_code)?.toUpperCase(),
      edition: optStr(license.paid_type) ?? optStr(o.edition),
    };
  }

  // ---------------------------------------------------------------------------- metadata

  async modules(): Promise<ZohoModule[]> {
    const a = await this.exec('modules', () => new Z.Modules.ModulesOperations().getModules());
    const mods = Array.isArray(a.json?.modules) ? a.json.modules.filter(isObj) : [];
    return mods.map((m) => ({
      apiName: str(m.api_name),
      pluralLabel: optStr(m.plural_label) ?? str(m.api_name),
      singularLabel: optStr(m.singular_label) ?? str(m.api_name),
      apiSupported: m.api_supported === true,
    }));
  }

  async fields(module: string): Promise<ZohoField[]> {
    checkApiName(module, 'fields');
    const pm = new Z.ParameterMap();
    await pm.add(Z.Fields.GetFieldsParam.MODULE, module);
    const a = await this.exec(`fields of ${module}`, () => new Z.Fields.FieldsOperations().getFields(pm));
    const fields = Array.isArray(a.json?.fields) ? a.json.fields.filter(isObj) : [];
    return fields.map(toField);
  }

  async createField(module: string, spec: NewFieldSpec): Promise<ZohoField> {
    checkApiName(module, 'create field');
    const f = new Z.Fields.Fields();
    f.setFieldLabel(spec.label);
    f.setDataType(spec.type);
    f.setLength(spec.length ?? 255);
    const body = new Z.Fields.BodyWrapper();
    body.setFields([f]);
    const pm = new Z.ParameterMap();
    await pm.add(Z.Fields.CreateFieldParam.MODULE, module);
    const a = await this.exec(
      `create field in ${module}`,
      () => new Z.Fields.FieldsOperations().createField(body, pm),
      {
        rows: 'fields',
      },
    );
    const row = rowResult(Array.isArray(a.json?.fields) ? a.json.fields[0] : undefined);
    if (!row.ok) {
      throw new ZohoError(`create field "${spec.label}" in ${module}: ${row.zohoCode} (${row.message})`, {
        code: row.code,
        zohoCode: row.zohoCode,
        field: row.field,
        httpStatus: a.status,
      });
    }
    await this.execForget(module);
    const created = (await this.fields(module)).find((x) => x.id === row.value.id);
    if (!created) {
      throw new ZohoError(`create field in ${module}: field ${row.value.id} not found after creation`, {
        code: 'temporary',
        zohoCode: 'FIELD_NOT_VISIBLE',
      });
    }
    return created;
  }

  async addPicklistValue(module: string, fieldApiName: string, value: string): Promise<void> {
    checkApiName(module, 'add picklist value');
    const wanted = value.trim();
    if (wanted === '')
      throw new ZohoError('add picklist value: empty value', { code: 'validation', field: fieldApiName });
    const pm = new Z.ParameterMap();
    await pm.add(Z.Fields.GetFieldsParam.MODULE, module);
    const a = await this.exec(`fields of ${module}`, () => new Z.Fields.FieldsOperations().getFields(pm));
    const all = Array.isArray(a.json?.fields) ? a.json.fields.filter(isObj) : [];
    const raw =
      all.find((f) => str(f.api_name) === fieldApiName) ??
      all.find((f) => str(f.api_name).toLowerCase() === fieldApiName.toLowerCase());
    if (!raw) {
      throw new ZohoError(`field ${fieldApiName} does not exist in ${module}`, {
        code: 'not_found',
        zohoCode: 'INVALID_FIELD',
        field: fieldApiName,
      });
    }
    if (str(raw.data_type) !== 'picklist') {
      throw new ZohoError(`field ${fieldApiName} of ${module} is not a picklist (${str(raw.data_type)})`, {
        code: 'validation',
        zohoCode: 'NOT_A_PICKLIST',
        field: fieldApiName,
      });
    }
    const existing = Array.isArray(raw.pick_list_values) ? raw.pick_list_values.filter(isObj) : [];
    const lower = wanted.toLowerCase();
    if (
      existing.some(
        (v) => str(v.display_value).toLowerCase() === lower || str(v.actual_value).toLowerCase() === lower,
      )
    )
      return;

    // Send the existing values (with their ids, unchanged) plus the new one: correct whether Zoho
    // merges or replaces the list.
    const values = existing.map((v) => {
      const p = new Z.Fields.PickListValue();
      if (ID_RE.test(str(v.id))) p.setId(BigInt(str(v.id)));
      p.setDisplayValue(str(v.display_value));
      p.setActualValue(str(v.actual_value ?? v.display_value));
      return p;
    });
    const added = new Z.Fields.PickListValue();
    added.setDisplayValue(wanted);
    added.setActualValue(wanted);
    values.push(added);
    const f = new Z.Fields.Fields();
    f.setPickListValues(values);
    const body = new Z.Fields.BodyWrapper();
    body.setFields([f]);
    const upm = new Z.ParameterMap();
    await upm.add(Z.Fields.UpdateFieldParam.MODULE, module);
    const fieldId = bigId(str(raw.id), 'add picklist value');
    const u = await this.exec(
      `add "${wanted}" to ${module}.${fieldApiName}`,
      () => new Z.Fields.FieldsOperations().updateField(fieldId, body, upm),
      { rows: 'fields' },
    );
    const row = rowResult(Array.isArray(u.json?.fields) ? u.json.fields[0] : undefined);
    if (!row.ok && !(row.zohoCode === 'NO_ROW' && u.status < 300)) {
      throw new ZohoError(`add "${wanted}" to ${module}.${fieldApiName}: ${row.zohoCode} (${row.message})`, {
        code: row.code,
        zohoCode: row.zohoCode,
        field: row.field ?? fieldApiName,
        httpStatus: u.status,
      });
    }
    await this.execForget(module);
  }

  /** Drops the SDK's metadata cache of a module, in the lane (no HTTP). */
  private async execForget(module: string): Promise<void> {
    let token: string;
    try {
      token = await this.opts.tokens.accessToken();
    } catch {
      metadataWarm.delete(`${this.orgKey}\u0000${module.toLowerCase()}`);
      return;
    }
    await sdkLane.run(this.orgKey, this.cap, async () => {
      rememberToken(this.orgKey, token);
      const t = installed?.orgKey === this.orgKey ? installed.token : token;
      await ensureInstalled({ ...this.target, token: t });
      await this.forgetMetadata(module);
    });
  }

  // ---------------------------------------------------------------------------- records

  async findByFieldValues(
    module: string,
    phoneFields: string[],
    values: string[],
    extraFields: string[],
  ): Promise<ZohoRecord[]> {
    checkApiName(module, 'lookup');
    const pf = [...new Set(phoneFields)].map((f) => checkApiName(f, 'lookup'));
    const vals = [...new Set(values.filter((v) => typeof v === 'string' && v !== ''))];
    if (pf.length === 0 || vals.length === 0) return [];
    if (pf.length > 25)
      throw new ZohoError('lookup: more than 25 fields', { code: 'validation', zohoCode: 'LIMIT_EXCEEDED' });
    const select = [...new Set(['id', ...pf, ...extraFields.map((f) => checkApiName(f, 'lookup'))])];
    const found = new Map<string, ZohoRecord>();
    // One call carries as many `in` lists of 50 values as the 25 criteria allow (each list once per
    // field); the calls run concurrently (the lane keeps the org's concurrency).
    const listsPerCall = Math.max(1, Math.floor(COQL_MAX_CRITERIA / pf.length));
    const calls = chunk(vals, listsPerCall * COQL_VALUES_PER_IN);
    await Promise.all(
      calls.map(async (callValues) => {
        const where = nestedOr(
          chunk(callValues, COQL_VALUES_PER_IN).flatMap((list) => {
            const literal = list.map(coqlString).join(', ');
            return pf.map((f) => `${f} in (${literal})`);
          }),
        );
        for (let page = 0; page < COQL_MAX_PAGES; page++) {
          const query = `select ${select.join(', ')} from ${module} where ${where} limit ${COQL_ROWS_PER_CALL} offset ${page * COQL_ROWS_PER_CALL}`;
          const body = new Z.Coql.BodyWrapper();
          body.setSelectQuery(query);
          const a = await this.exec(
            `lookup in ${module}`,
            () => new Z.Coql.CoqlOperations().getRecords(body),
            { complex: true },
          );
          const rows = Array.isArray(a.json?.data) ? a.json.data.filter(isObj) : [];
          for (const r of rows) found.set(str(r.id), toRecord(r));
          const info = isObj(a.json?.info) ? a.json.info : {};
          if (info.more_records !== true || rows.length === 0) break;
        }
      }),
    );
    return [...found.values()];
  }

  async getRecords(module: string, ids: string[], fields: string[]): Promise<ZohoRecord[]> {
    checkApiName(module, 'get records');
    const wanted = [...new Set(ids)].filter((id) => ID_RE.test(id));
    if (wanted.length === 0) return [];
    const fieldList = [...new Set(['id', ...fields.map((f) => checkApiName(f, 'get records'))])].join(',');
    const out: ZohoRecord[] = [];
    for (const part of chunk(wanted, RECORDS_PER_CALL)) {
      const pm = new Z.ParameterMap();
      await pm.add(Z.Record.GetRecordsParam.IDS, part.join(','));
      await pm.add(Z.Record.GetRecordsParam.FIELDS, fieldList);
      const a = await this.exec(
        `get ${module} records`,
        () => new Z.Record.RecordOperations(module).getRecords(pm),
        {
          before: () => this.warmMetadata(module),
        },
      );
      const rows = Array.isArray(a.json?.data) ? a.json.data.filter(isObj) : [];
      out.push(...rows.map(toRecord));
    }
    return out;
  }

  createRecords(module: string, rows: Record<string, unknown>[]): Promise<RowResult<{ id: string }>[]> {
    return this.writeRecords('create', module, rows);
  }

  updateRecords(
    module: string,
    rows: ({ id: string } & Record<string, unknown>)[],
  ): Promise<RowResult<{ id: string }>[]> {
    return this.writeRecords('update', module, rows);
  }

  private async writeRecords(
    mode: 'create' | 'update',
    module: string,
    rows: Record<string, unknown>[],
  ): Promise<RowResult<{ id: string }>[]> {
    checkApiName(module, `${mode} records`);
    const results: (RowResult<{ id: string }> | undefined)[] = new Array<
      RowResult<{ id: string }> | undefined
    >(rows.length);
    let anyWritten = false;
    const indexes = rows.map((_, i) => i);
    for (const part of chunk(indexes, RECORDS_PER_CALL)) {
      let sent: number[] = [];
      try {
        const a = await this.exec(
          `${mode} ${module} records`,
          async () => {
            // Built inside the lane, after the SDK's metadata of the module is cached.
            const meta = await this.sdkFields(module);
            const records: Z.Record.Record[] = [];
            sent = [];
            for (const i of part) {
              const row = rows[i]!;
              try {
                const rec = new Z.Record.Record();
                if (mode === 'update') rec.setId(bigId(str(row.id), `update ${module}`));
                for (const [k, v] of Object.entries(row)) {
                  if (k === 'id') continue;
                  checkApiName(k, `${mode} ${module}`);
                  rec.addKeyValue(k, toSdkValue(k, v, meta.get(k)));
                }
                records.push(rec);
                sent.push(i);
              } catch (e) {
                results[i] = failedRow(toZohoError(e, undefined, `${mode} ${module}`));
              }
            }
            if (records.length === 0) return EMPTY_RESPONSE;
            const body = new Z.Record.BodyWrapper();
            body.setData(records);
            const ops = new Z.Record.RecordOperations(module);
            return mode === 'create' ? ops.createRecords(body) : ops.updateRecords(body);
          },
          // Zoho counts writes of more than 10 records as complex calls.
          { rows: 'data', before: () => this.warmMetadata(module), complex: part.length > COMPLEX_ROWS },
        );
        const data = Array.isArray(a.json?.data) ? a.json.data : [];
        sent.forEach((i, k) => {
          const r = rowResult(data[k]);
          results[i] = r;
          if (r.ok) anyWritten = true;
        });
      } catch (e) {
        const err = toZohoError(e, undefined, `${mode} ${module} records`);
        if (!anyWritten) throw err;
        for (const i of part) results[i] ??= failedRow(err);
      }
    }
    return results.map(
      (r) =>
        r ?? { ok: false, code: 'temporary', zohoCode: 'NOT_SENT', message: 'not sent', field: undefined },
    );
  }

  // ---------------------------------------------------------------------------- notes

  async createNotes(notes: NewNote[]): Promise<RowResult<{ id: string }>[]> {
    return this.writeNotes(
      'create',
      notes.map((n) => () => {
        checkApiName(n.module, 'create note');
        const note = new Z.Notes.Note();
        note.setNoteTitle(n.title);
        note.setNoteContent(n.content);
        const parent = new Z.Notes.ParentId();
        const mod = new Z.Modules.MinifiedModule();
        mod.setAPIName(n.module);
        parent.setModule(mod);
        parent.setId(bigId(n.recordId, 'create note'));
        note.setParentId(parent);
        return note;
      }),
    );
  }

  async updateNotes(notes: NoteUpdate[]): Promise<RowResult<{ id: string }>[]> {
    return this.writeNotes(
      'update',
      notes.map((n) => () => {
        const note = new Z.Notes.Note();
        note.setId(bigId(n.id, 'update note'));
        note.setNoteTitle(n.title);
        note.setNoteContent(n.content);
        return note;
      }),
    );
  }

  private async writeNotes(
    mode: 'create' | 'update',
    builders: (() => Z.Notes.Note)[],
  ): Promise<RowResult<{ id: string }>[]> {
    const results: (RowResult<{ id: string }> | undefined)[] = new Array<
      RowResult<{ id: string }> | undefined
    >(builders.length);
    let anyWritten = false;
    for (const part of chunk(
      builders.map((_, i) => i),
      RECORDS_PER_CALL,
    )) {
      const sent: number[] = [];
      const notes: Z.Notes.Note[] = [];
      for (const i of part) {
        try {
          notes.push(builders[i]!());
          sent.push(i);
        } catch (e) {
          results[i] = failedRow(toZohoError(e, undefined, `${mode} notes`));
        }
      }
      if (notes.length === 0) continue;
      try {
        const body = new Z.Notes.BodyWrapper();
        body.setData(notes);
        const a = await this.exec(
          `${mode} notes`,
          () =>
            mode === 'create'
              ? new Z.Notes.NotesOperations().createNotes(body)
              : new Z.Notes.NotesOperations().updateNotes(body),
          { rows: 'data', complex: notes.length > COMPLEX_ROWS },
        );
        const data = Array.isArray(a.json?.data) ? a.json.data : [];
        sent.forEach((i, k) => {
          const r = rowResult(data[k]);
          results[i] = r;
          if (r.ok) anyWritten = true;
        });
      } catch (e) {
        const err = toZohoError(e, undefined, `${mode} notes`);
        if (!anyWritten) throw err;
        for (const i of sent) results[i] = failedRow(err);
      }
    }
    return results.map(
      (r) =>
        r ?? { ok: false, code: 'temporary', zohoCode: 'NOT_SENT', message: 'not sent', field: undefined },
    );
  }

  async notesOf(module: string, recordId: string): Promise<ZohoNote[]> {
    checkApiName(module, 'notes');
    const id = bigId(recordId, 'notes');
    const out: ZohoNote[] = [];
    for (let page = 1; page <= NOTES_MAX_PAGES; page++) {
      const pm = new Z.ParameterMap();
      await pm.add(
        Z.RelatedRecords.GetRelatedRecordsParam.FIELDS,
        'Note_Title,Note_Content,Parent_Id,Created_Time,Modified_Time',
      );
      await pm.add(Z.RelatedRecords.GetRelatedRecordsParam.PER_PAGE, NOTES_PER_PAGE);
      await pm.add(Z.RelatedRecords.GetRelatedRecordsParam.PAGE, page);
      const a = await this.exec(`notes of ${module} ${recordId}`, () =>
        new Z.RelatedRecords.RelatedRecordsOperations('Notes', module).getRelatedRecords(id, pm),
      );
      const rows = Array.isArray(a.json?.data) ? a.json.data.filter(isObj) : [];
      for (const n of rows) {
        const parent = isObj(n.Parent_Id) ? n.Parent_Id : {};
        const pmod = isObj(parent.module) ? optStr(parent.module.api_name) : optStr(n.$se_module);
        out.push({
          id: str(n.id),
          title: str(n.Note_Title),
          content: str(n.Note_Content),
          parentModule: pmod ?? module,
          parentId: optStr(parent.id) ?? recordId,
          createdTime: str(n.Created_Time),
          modifiedTime: str(n.Modified_Time),
        });
      }
      const info = isObj(a.json?.info) ? a.json.info : {};
      if (info.more_records !== true || rows.length === 0) break;
    }
    return out;
  }

  async noteAttachments(noteId: string): Promise<ZohoAttachment[]> {
    const id = bigId(noteId, 'attachments');
    const out: ZohoAttachment[] = [];
    for (let page = 1; page <= NOTES_MAX_PAGES; page++) {
      const pm = new Z.ParameterMap();
      await pm.add(Z.Attachments.GetAttachmentsParam.FIELDS, 'id,File_Name,Size');
      await pm.add(Z.Attachments.GetAttachmentsParam.PER_PAGE, NOTES_PER_PAGE);
      await pm.add(Z.Attachments.GetAttachmentsParam.PAGE, page);
      const a = await this.exec(`attachments of note ${noteId}`, () =>
        new Z.Attachments.AttachmentsOperations().getAttachments(id, 'Notes', pm),
      );
      const rows = Array.isArray(a.json?.data) ? a.json.data.filter(isObj) : [];
      for (const r of rows) {
        const size = Number(r.Size ?? r.$file_size);
        out.push({
          id: str(r.id),
          fileName: str(r.File_Name),
          size: Number.isFinite(size) ? size : undefined,
        });
      }
      const info = isObj(a.json?.info) ? a.json.info : {};
      if (info.more_records !== true || rows.length === 0) break;
    }
    return out;
  }

  async uploadNoteAttachment(noteId: string, file: AttachmentUpload): Promise<{ id: string }> {
    const id = bigId(noteId, 'attachment');
    // The SDK streams files from disk (form-data takes the file name from the stream's path), so
    // the bytes go through a private temp file that is removed right after the call. Asynchronous
    // file calls: a run starts ~100 uploads at once, and synchronous ones held the event loop 20-40 ms.
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'zoho-upload-'));
    try {
      const filePath = path.join(dir, safeFileName(file.fileName, file.mimeType));
      await fs.promises.writeFile(filePath, file.data, { mode: 0o600 });
      const a = await this.exec(
        'upload attachment',
        () => {
          const body = new Z.Attachments.FileBodyWrapper();
          body.setFile(new Z.StreamWrapper(undefined, undefined, filePath));
          return new Z.Attachments.AttachmentsOperations().uploadAttachments(id, 'Notes', body);
        },
        { rows: 'data' },
      );
      const row = rowResult(Array.isArray(a.json?.data) ? a.json.data[0] : undefined);
      if (!row.ok) {
        throw new ZohoError(`upload attachment: ${row.zohoCode} (${row.message})`, {
          code: row.code,
          zohoCode: row.zohoCode,
          field: row.field,
          httpStatus: a.status,
        });
      }
      return row.value;
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }
}

const EMPTY_RESPONSE: SdkResponse = {
  getStatusCode: () => 200,
  getHeaders: () => new Map(),
  getResponseJSON: () => ({ data: [] }),
};

/** The gateway of one org. All gateways share the process-wide `sdkLane`. */
export function createSdkGateway(opts: SdkGatewayOptions): ZohoGateway {
  return new SdkGateway(opts);
}

/**
 * COQL accepts at most two conditions at one level: more must be grouped in pairs, as in
 * `((A or B) or C)` (Zoho's COQL FAQ), so conditions are folded left into nested pairs.
 */
export function nestedOr(conditions: string[]): string {
  if (conditions.length === 0) throw new Error('nestedOr: no conditions');
  return conditions.slice(1).reduce((acc, c) => `(${acc} or ${c})`, conditions[0]!);
}
