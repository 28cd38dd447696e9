/**
 * Zoho Accounts OAuth 2.0 (authorization-code flow, offline access) done by the backend itself,
 * with `fetch`: the SDK is used in access-token mode and never refreshes or stores tokens.
 *
 * Nothing here logs, and no error message contains a token, a code or the client secret.
 */
import { ZohoError, type ZohoErrorCode } from './errors.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

const DEFAULT_TIMEOUT_MS = 15_000;
/** Refresh this long before Zoho's expiry, so a token never expires in flight. */
const DEFAULT_REFRESH_SKEW_MS = 5 * 60_000;

export interface TokenEndpointOptions {
  /** Origin of the accounts server, already checked by `resolveZohoHosts`. */
  accountsUrl: string;
  /** Test seam (counting fetch); default: global fetch. */
  fetch?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  /** Clock, for expiry computation. */
  now?: (() => number) | undefined;
}

export interface ExchangedTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms at which Zoho considers the access token expired. */
  expiresAt: number;
  /** `api_domain` of the response: check it with `resolveZohoHosts` before use. */
  apiDomain: string | undefined;
  scope: string | undefined;
}

export interface RefreshedToken {
  accessToken: string;
  expiresAt: number;
  apiDomain: string | undefined;
}

/** Zoho's token endpoint errors (answered with HTTP 200 or 400) → our codes. */
function codeForOAuthError(error: string, description: string | undefined): ZohoErrorCode {
  const e = error.toLowerCase();
  const d = (description ?? '').toLowerCase();
  if (e === 'access denied' && d.includes('too many requests')) return 'rate_limited';
  if (e.includes('too_many') || e.includes('rate')) return 'rate_limited';
  if (e === 'internal_error' || e === 'server_error' || e === 'temporarily_unavailable') return 'temporary';
  // invalid_code, invalid_client, invalid_client_secret, invalid_redirect_uri, unauthorized_client,
  // invalid_grant, access_denied, …: the grant or the connection itself is not usable.
  return 'auth';
}

async function postForm(
  opts: TokenEndpointOptions,
  path: string,
  form: Record<string, string>,
  what: string,
): Promise<Record<string, unknown>> {
  const doFetch: FetchLike = opts.fetch ?? ((i, init) => fetch(i, init));
  const url = `${opts.accountsUrl.replace(/\/+$/, '')}${path}`;
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (e) {
    const name = e instanceof Error ? e.name : 'Error';
    throw new ZohoError(`Zoho accounts server unreachable during ${what} (${name})`, { code: 'temporary' });
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  if (res.status === 429) {
    throw new ZohoError(`Zoho accounts server rate-limited the ${what}`, {
      code: 'rate_limited',
      httpStatus: 429,
      retryAfterMs,
    });
  }
  if (res.status >= 500) {
    throw new ZohoError(`Zoho accounts server failed during ${what} (HTTP ${res.status})`, {
      code: 'temporary',
      httpStatus: res.status,
    });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ZohoError(
      `Zoho accounts server answered the ${what} with something that is not JSON (HTTP ${res.status})`,
      {
        code: res.ok ? 'temporary' : 'auth',
        httpStatus: res.status,
      },
    );
  }
  const json = body as Record<string, unknown>;
  if (typeof json.error === 'string') {
    const description = typeof json.error_description === 'string' ? json.error_description : undefined;
    const code = codeForOAuthError(json.error, description);
    throw new ZohoError(`Zoho refused the ${what}: ${json.error}`.slice(0, 200), {
      code,
      zohoCode: json.error,
      httpStatus: res.status,
      retryAfterMs: code === 'rate_limited' ? retryAfterMs : undefined,
    });
  }
  if (!res.ok) {
    throw new ZohoError(`Zoho refused the ${what} (HTTP ${res.status})`, {
      code: 'auth',
      httpStatus: res.status,
    });
  }
  return json;
}

function expiresAtOf(json: Record<string, unknown>, now: number): number {
  // `expires_in` is in seconds (3600); very old answers also carried `expires_in_sec`.
  const sec = Number(json.expires_in_sec ?? json.expires_in);
  return now + (Number.isFinite(sec) && sec > 0 ? sec : 3600) * 1000;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Exchanges the authorization code of the callback (grant_type=authorization_code). */
export async function exchangeCode(
  p: TokenEndpointOptions & { clientId: string; clientSecret: string; code: string; redirectUri: string },
): Promise<ExchangedTokens> {
  const now = (p.now ?? Date.now)();
  const json = await postForm(
    p,
    '/oauth/v2/token',
    {
      grant_type: 'authorization_code',
      client_id: p.clientId,
      client_secret: p.clientSecret,
      redirect_uri: p.redirectUri,
      code: p.code,
    },
    'authorization code exchange',
  );
  const accessToken = str(json.access_token);
  const refreshToken = str(json.refresh_token);
  if (!accessToken)
    throw new ZohoError('Zoho answered the code exchange without an access token', { code: 'auth' });
  if (!refreshToken) {
    // Only the first exchange with access_type=offline carries one (prompt=consent forces it).
    throw new ZohoError(
      'Zoho answered the code exchange without a refresh token (was access_type=offline requested?)',
      {
        code: 'auth',
        zohoCode: 'NO_REFRESH_TOKEN',
      },
    );
  }
  return {
    accessToken,
    refreshToken,
    expiresAt: expiresAtOf(json, now),
    apiDomain: str(json.api_domain),
    scope: str(json.scope),
  };
}

/** A new access token from the refresh token (grant_type=refresh_token). */
export async function refreshAccessToken(
  p: TokenEndpointOptions & { clientId: string; clientSecret: string; refreshToken: string },
): Promise<RefreshedToken> {
  const now = (p.now ?? Date.now)();
  const json = await postForm(
    p,
    '/oauth/v2/token',
    {
      grant_type: 'refresh_token',
      client_id: p.clientId,
      client_secret: p.clientSecret,
      refresh_token: p.refreshToken,
    },
    'token refresh',
  );
  const accessToken = str(json.access_token);
  if (!accessToken)
    throw new ZohoError('Zoho answered the token refresh without an access token', { code: 'auth' });
  return { accessToken, expiresAt: expiresAtOf(json, now), apiDomain: str(json.api_domain) };
}

/**
 * Revokes a refresh token (POST /oauth/v2/token/revoke). Revoking an unknown token is not an error
 * (the connection is gone either way); network and 5xx failures are.
 */
export async function revokeToken(p: TokenEndpointOptions & { token: string }): Promise<void> {
  try {
    await postForm(p, '/oauth/v2/token/revoke', { token: p.token }, 'token revocation');
  } catch (e) {
    if (e instanceof ZohoError && e.code === 'auth') return;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------

export interface TokenSet {
  accessToken: string | undefined;
  /** Epoch ms; 0 or past = must refresh before use. */
  expiresAt: number;
  refreshToken: string;
}

export type TokenManagerState = 'active' | 'revoked';

export interface TokenManagerOptions {
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  initial: TokenSet;
  /** Called after every successful refresh with the full set (the store encrypts it). Awaited. */
  persist: (tokens: TokenSet) => void | Promise<void>;
  /** Called once when Zoho refuses the refresh token (state becomes 'revoked'). */
  onRevoked?: (() => void) | undefined;
  /** Called before every refresh request (metrics / tests). */
  onRefresh?: (() => void) | undefined;
  fetch?: FetchLike | undefined;
  now?: (() => number) | undefined;
  timeoutMs?: number | undefined;
  /** Refresh when the token has less than this left (default 5 min). */
  refreshSkewMs?: number | undefined;
  /**
   * Zoho issues at most 10 access tokens per refresh token per 10 minutes. Beyond this many
   * refreshes in a sliding 10 minutes (default 8), `accessToken()` fails with 'rate_limited'
   * instead of burning the last ones (a storm of INVALID_TOKEN answers cannot lock us out).
   */
  maxRefreshesPer10Min?: number | undefined;
}

const TEN_MINUTES = 10 * 60_000;

/**
 * Owns one connection's tokens. `accessToken()` refreshes when the token is missing or about to
 * expire, single flight: any number of concurrent callers share one refresh request.
 */
export class TokenManager {
  #tokens: TokenSet;
  #current: 'active' | 'revoked' = 'active';
  #inflight: Promise<string> | undefined;
  #refreshTimes: number[] = [];
  readonly #opts: TokenManagerOptions;
  readonly #now: () => number;

  constructor(opts: TokenManagerOptions) {
    this.#opts = opts;
    this.#tokens = { ...opts.initial };
    this.#now = opts.now ?? Date.now;
  }

  get state(): TokenManagerState {
    return this.#current;
  }

  /** A usable access token (refreshing first when needed). Rejects with ZohoError. */
  accessToken(): Promise<string> {
    if (this.#current === 'revoked') {
      return Promise.reject(
        new ZohoError('the Zoho connection was revoked; reconnect Zoho CRM', {
          code: 'auth',
          zohoCode: 'REVOKED',
        }),
      );
    }
    const skew = this.#opts.refreshSkewMs ?? DEFAULT_REFRESH_SKEW_MS;
    const t = this.#tokens.accessToken;
    if (t !== undefined && this.#tokens.expiresAt - skew > this.#now()) return Promise.resolve(t);
    return this.#refresh();
  }

  /**
   * Zoho answered 401 INVALID_TOKEN with `token`: forget it so the next `accessToken()` refreshes.
   * A token that is no longer the current one (someone already refreshed) is ignored, so N callers
   * failing with the same token cause one refresh, not N.
   */
  invalidate(token: string): void {
    if (this.#current !== 'active' || this.#inflight) return;
    if (this.#tokens.accessToken !== undefined && this.#tokens.accessToken === token) {
      this.#tokens = { ...this.#tokens, accessToken: undefined, expiresAt: 0 };
    }
  }

  /** After a reconnection (new code exchange): new tokens, state active again. */
  replaceTokens(tokens: TokenSet): void {
    this.#tokens = { ...tokens };
    this.#current = 'active';
    this.#refreshTimes = [];
  }

  /** Disconnect: stop handing out tokens (revoke at Zoho with `revokeToken` separately). */
  markRevoked(): void {
    if (this.#current === 'revoked') return;
    this.#current = 'revoked';
    this.#tokens = { ...this.#tokens, accessToken: undefined, expiresAt: 0 };
    this.#opts.onRevoked?.();
  }

  #refresh(): Promise<string> {
    if (this.#inflight) return this.#inflight;
    const now = this.#now();
    this.#refreshTimes = this.#refreshTimes.filter((t) => now - t < TEN_MINUTES);
    const budget = this.#opts.maxRefreshesPer10Min ?? 8;
    if (this.#refreshTimes.length >= budget) {
      const oldest = this.#refreshTimes[0] ?? now;
      return Promise.reject(
        new ZohoError('too many Zoho token refreshes in 10 minutes; waiting before the next one', {
          code: 'rate_limited',
          zohoCode: 'REFRESH_BUDGET',
          retryAfterMs: Math.max(1000, oldest + TEN_MINUTES - now),
        }),
      );
    }
    this.#refreshTimes.push(now);
    const refreshToken = this.#tokens.refreshToken;
    const run = async (): Promise<string> => {
      this.#opts.onRefresh?.();
      let fresh: RefreshedToken;
      try {
        fresh = await refreshAccessToken({
          accountsUrl: this.#opts.accountsUrl,
          clientId: this.#opts.clientId,
          clientSecret: this.#opts.clientSecret,
          refreshToken,
          fetch: this.#opts.fetch,
          now: this.#now,
          timeoutMs: this.#opts.timeoutMs,
        });
      } catch (e) {
        if (e instanceof ZohoError && e.code === 'auth' && this.#tokens.refreshToken === refreshToken) {
          this.markRevoked();
          throw new ZohoError('Zoho refused the refresh token; reconnect Zoho CRM', {
            code: 'auth',
            zohoCode: e.zohoCode ?? 'REFRESH_REFUSED',
            httpStatus: e.httpStatus,
          });
        }
        throw e;
      }
      // A reconnection may have replaced the tokens meanwhile: keep the newer set.
      if (this.#current !== 'active') {
        throw new ZohoError('the Zoho connection was revoked; reconnect Zoho CRM', {
          code: 'auth',
          zohoCode: 'REVOKED',
        });
      }
      if (this.#tokens.refreshToken !== refreshToken) {
        const replaced = this.#tokens.accessToken;
        if (replaced !== undefined) return replaced;
        throw new ZohoError('the Zoho connection changed during a token refresh; retry', {
          code: 'temporary',
        });
      }
      this.#tokens = { accessToken: fresh.accessToken, expiresAt: fresh.expiresAt, refreshToken };
      await this.#opts.persist({ ...this.#tokens });
      return fresh.accessToken;
    };
    const p = run().finally(() => {
      if (this.#inflight === p) this.#inflight = undefined;
    });
    this.#inflight = p;
    return p;
  }
}
