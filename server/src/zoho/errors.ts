/**
 * Every Zoho failure the rest of the server sees is one of these codes. One place (jobs/retryPolicy)
 * decides what to do with each: retry later, wait for a reconnection, or report to the admin.
 */
export type ZohoErrorCode =
  | 'auth' // token invalid/expired/revoked (INVALID_TOKEN, invalid_code, AUTHENTICATION_FAILURE)
  | 'rate_limited' // 429 TOO_MANY_REQUESTS, LIMIT_EXCEEDED: slow down, retry after `retryAfterMs`
  | 'temporary' // 5xx, network errors, timeouts: retry with backoff
  | 'validation' // INVALID_DATA, MANDATORY_NOT_FOUND, DUPLICATE_DATA, …: the request itself is wrong
  | 'not_found' // INVALID_MODULE, INVALID_URL_PATTERN, record/field deleted
  | 'permission'; // NO_PERMISSION, OAUTH_SCOPE_MISMATCH, FEATURE_NOT_SUPPORTED

export interface ZohoErrorInit {
  code: ZohoErrorCode;
  /** Zoho's own code, e.g. MANDATORY_NOT_FOUND, kept for admin-readable messages. */
  zohoCode?: string | undefined;
  /** The field API name Zoho blamed (details.api_name), if any. */
  field?: string | undefined;
  httpStatus?: number | undefined;
  retryAfterMs?: number | undefined;
}

export class ZohoError extends Error {
  readonly code: ZohoErrorCode;
  readonly zohoCode: string | undefined;
  readonly field: string | undefined;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: ZohoErrorInit) {
    super(message);
    this.name = 'ZohoError';
    this.code = init.code;
    this.zohoCode = init.zohoCode;
    this.field = init.field;
    this.httpStatus = init.httpStatus;
    this.retryAfterMs = init.retryAfterMs;
  }
}

export function isZohoError(e: unknown): e is ZohoError {
  return e instanceof ZohoError;
}

/**
 * Whether a write that failed with `e` may still be carried out by Zoho. Not when Zoho answered it
 * (an HTTP answer under 500, or a 5xx in Zoho's own JSON: the call is over, and a refusal wrote
 * nothing) or the SDK refused the values before sending; yes when the answer was lost (a network
 * error, a timeout, a load balancer's error page, an unknown failure): Zoho carries out a request
 * it received even when its client stopped waiting or died.
 */
export function mayStillLand(e: unknown): boolean {
  if (!isZohoError(e)) return true;
  if (e.httpStatus === undefined) return !(e.code === 'validation' || e.code === 'permission');
  return e.httpStatus >= 500 && e.zohoCode === undefined;
}
