/**
 * Mapping the SDK's and Zoho's failures to our `ZohoError` codes (../errors.ts): Zoho's error
 * bodies, HTTP statuses, `Retry-After`, the SDK's own exceptions, network errors and the transport
 * guard's refusals. Every failure of an SDK call leaves this module as a `ZohoError`.
 */
import * as Z from '@zohocrm/typescript-sdk-8.0';
import { ZohoError, isZohoError, type ZohoErrorCode } from '../errors.js';
import { isObj, type Json } from './json.js';
import { TransportGuardError, type CallContext } from './transport.js';

const AUTH_CODES = new Set([
  'INVALID_TOKEN',
  'AUTHENTICATION_FAILURE',
  'OAUTH_TOKEN_EXPIRED',
  'INVALID_OAUTHTOKEN',
]);
/** Auth failures a fresh access token may cure (one refresh, one retry). */
export const REFRESHABLE = new Set(['INVALID_TOKEN', 'AUTHENTICATION_FAILURE']);
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

export function codeFor(
  zohoCode: string | undefined,
  status: number | undefined,
  details?: unknown,
): ZohoErrorCode {
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

type Headers = Record<string, string | string[] | undefined> | Map<string, string>;

function header(h: Headers, name: string): string | undefined {
  const v =
    h instanceof Map ? (h.get(name) ?? h.get(name.toLowerCase())) : (h[name] ?? h[name.toLowerCase()]);
  return Array.isArray(v) ? v[0] : v;
}

function retryAfterMsOf(h: Headers): number | undefined {
  const v = header(h, 'retry-after');
  if (v === undefined) return undefined;
  const n = Number(v);
  if (Number.isFinite(n) && n >= 0) return Math.round(n * 1000);
  const d = Date.parse(v);
  return Number.isFinite(d) ? Math.max(0, d - Date.now()) : undefined;
}

/** The field Zoho blamed in an error's `details`. */
export function fieldOfDetails(details: unknown): string | undefined {
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

/** An HTTP error answer of Zoho → ZohoError (`what`: the operation, for the message). */
export function errorFromHttp(what: string, status: number, json: unknown, headers: Headers): ZohoError {
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

/** Value checks the SDK makes itself before sending (against its cached field metadata). */
const SDK_VALUE_CODES = [
  'TYPE_ERROR',
  'UNACCEPTED_VALUES_ERROR',
  'MANDATORY_VALUE_ERROR',
  'MAXIMUM_LENGTH_ERROR',
  'MINIMUM_LENGTH_ERROR',
  'UNIQUE_KEY_ERROR',
];

/** An SDKException that carries no HTTP answer of its own. */
function errorOfSdkException(what: string, parts: SdkExceptionParts): ZohoError {
  // API_EXCEPTION from the SDK's own metadata reads carries Zoho's code in details.
  const dcode = typeof parts.details?.code === 'string' ? parts.details.code : undefined;
  if (dcode) {
    return new ZohoError(`${what}: Zoho answered ${dcode}`, {
      code: codeFor(dcode, undefined, parts.details),
      zohoCode: dcode,
    });
  }
  const field = typeof parts.details?.field === 'string' ? parts.details.field : undefined;
  if (parts.code && SDK_VALUE_CODES.includes(parts.code)) {
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

/** The last HTTP answer of the call, judged (when it was an error the SDK could not digest). */
function errorOfLastAnswer(what: string, ctx: CallContext | undefined): ZohoError | undefined {
  const last = ctx?.last;
  if (!last || last.status < 400) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(last.body);
  } catch {
    json = undefined;
  }
  return errorFromHttp(what, last.status, json, last.headers);
}

/** Any failure of one SDK call → ZohoError. */
export function toZohoError(e: unknown, ctx: CallContext | undefined, what: string): ZohoError {
  if (isZohoError(e)) return e;
  const parts = sdkParts(e);
  const cause = parts ? parts.cause : e;
  // The guard's refusal, thrown by the transport or wrapped by the SDK (cause = e when not wrapped).
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
  const answered = errorOfLastAnswer(what, ctx);
  if (answered) return answered;
  if (parts) return errorOfSdkException(what, parts);
  const msg = e instanceof Error ? e.message : String(e);
  return new ZohoError(`${what}: ${msg}`.slice(0, 300), { code: 'temporary', zohoCode: 'SDK_ERROR' });
}
