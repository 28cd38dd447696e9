import { describe, expect, it } from 'vitest';
import { ZohoError } from '../../server/src/zoho/errors.js';
import {
  exchangeCode,
  refreshAccessToken,
  revokeToken,
  TokenManager,
  type FetchLike,
  type TokenSet,
} from '../../server/src/zoho/oauth.js';

interface Seen {
  url: string;
  form: URLSearchParams;
}

/** A fake Zoho token endpoint: answers with `answer(form)`; counts calls; optional delay. */
function fakeAccounts(
  answer: (
    form: URLSearchParams,
    n: number,
  ) => { status?: number; body: unknown; headers?: Record<string, string> },
  delayMs = 0,
) {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (url, init) => {
    const form = new URLSearchParams(String(init.body));
    seen.push({ url, form });
    const n = seen.length;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const a = answer(form, n);
    return new Response(typeof a.body === 'string' ? a.body : JSON.stringify(a.body), {
      status: a.status ?? 200,
      headers: { 'content-type': 'application/json', ...(a.headers ?? {}) },
    });
  };
  return { fetch, seen };
}

const ACCOUNTS = 'https://accounts.zoho.eu';
const SECRET = 'client-secret-value';

describe('exchangeCode / refreshAccessToken / revokeToken', () => {
  it('posts the authorization code form-urlencoded to /oauth/v2/token and reads the tokens', async () => {
    const acc = fakeAccounts(() => ({
      body: {
        access_token: 'A1',
        refresh_token: 'R1',
        api_domain: 'https://www.zohoapis.eu',
        expires_in: 3600,
        token_type: 'Bearer',
      },
    }));
    const t = await exchangeCode({
      accountsUrl: ACCOUNTS,
      clientId: 'cid',
      clientSecret: SECRET,
      code: 'C',
      redirectUri: 'https://app/cb',
      fetch: acc.fetch,
      now: () => 1_000,
    });
    expect(t).toEqual({
      accessToken: 'A1',
      refreshToken: 'R1',
      apiDomain: 'https://www.zohoapis.eu',
      expiresAt: 1_000 + 3_600_000,
      scope: undefined,
    });
    expect(acc.seen[0]!.url).toBe('https://accounts.zoho.eu/oauth/v2/token');
    expect(Object.fromEntries(acc.seen[0]!.form)).toEqual({
      grant_type: 'authorization_code',
      client_id: 'cid',
      client_secret: SECRET,
      redirect_uri: 'https://app/cb',
      code: 'C',
    });
  });

  it('maps {"error":"invalid_code"} answered with HTTP 200 to an auth error without leaking secrets', async () => {
    const acc = fakeAccounts(() => ({ body: { error: 'invalid_code' } }));
    const err = await exchangeCode({
      accountsUrl: ACCOUNTS,
      clientId: 'cid',
      clientSecret: SECRET,
      code: 'the-code',
      redirectUri: 'x',
      fetch: acc.fetch,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoError);
    expect(err).toMatchObject({ code: 'auth', zohoCode: 'invalid_code' });
    expect(String((err as Error).message)).not.toContain(SECRET);
    expect(String((err as Error).message)).not.toContain('the-code');
  });

  it('maps "too many requests" to rate_limited, 5xx and network errors to temporary', async () => {
    const tooMany = fakeAccounts(() => ({
      status: 400,
      body: {
        error: 'Access Denied',
        error_description: 'You have made too many requests continuously. Please try again after some time.',
      },
    }));
    await expect(
      refreshAccessToken({
        accountsUrl: ACCOUNTS,
        clientId: 'c',
        clientSecret: 's',
        refreshToken: 'R',
        fetch: tooMany.fetch,
      }),
    ).rejects.toMatchObject({ code: 'rate_limited' });
    const down = fakeAccounts(() => ({ status: 503, body: 'unavailable' }));
    await expect(
      refreshAccessToken({
        accountsUrl: ACCOUNTS,
        clientId: 'c',
        clientSecret: 's',
        refreshToken: 'R',
        fetch: down.fetch,
      }),
    ).rejects.toMatchObject({ code: 'temporary', httpStatus: 503 });
    const broken: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(
      refreshAccessToken({
        accountsUrl: ACCOUNTS,
        clientId: 'c',
        clientSecret: 's',
        refreshToken: 'R',
        fetch: broken,
      }),
    ).rejects.toMatchObject({ code: 'temporary' });
  });

  it('revokes a refresh token and treats an already-unknown token as done', async () => {
    const ok = fakeAccounts(() => ({ body: { status: 'success' } }));
    await revokeToken({ accountsUrl: ACCOUNTS, token: 'R', fetch: ok.fetch });
    expect(ok.seen[0]!.url).toBe('https://accounts.zoho.eu/oauth/v2/token/revoke');
    expect(ok.seen[0]!.form.get('token')).toBe('R');
    const gone = fakeAccounts(() => ({ status: 400, body: { error: 'invalid_token' } }));
    await expect(
      revokeToken({ accountsUrl: ACCOUNTS, token: 'R', fetch: gone.fetch }),
    ).resolves.toBeUndefined();
  });
});

describe('TokenManager', () => {
  function manager(
    initial: Partial<TokenSet>,
    acc: ReturnType<typeof fakeAccounts>,
    extra: { now?: () => number; onRevoked?: () => void } = {},
  ) {
    const persisted: TokenSet[] = [];
    const tm = new TokenManager({
      accountsUrl: ACCOUNTS,
      clientId: 'cid',
      clientSecret: SECRET,
      initial: { accessToken: undefined, expiresAt: 0, refreshToken: 'R1', ...initial },
      persist: (t) => {
        persisted.push(t);
      },
      fetch: acc.fetch,
      ...extra,
    });
    return { tm, persisted };
  }

  it('20 concurrent callers with an expired token cause exactly one refresh, and all get the new token', async () => {
    const acc = fakeAccounts(
      (_f, n) => ({
        body: { access_token: `A${n + 1}`, expires_in: 3600, api_domain: 'https://www.zohoapis.eu' },
      }),
      20,
    );
    const { tm, persisted } = manager({ accessToken: 'A1', expiresAt: Date.now() - 1 }, acc);
    const tokens = await Promise.all(Array.from({ length: 20 }, () => tm.accessToken()));
    expect(acc.seen).toHaveLength(1);
    expect(new Set(tokens)).toEqual(new Set(['A2']));
    expect(persisted).toEqual([{ accessToken: 'A2', expiresAt: expect.any(Number), refreshToken: 'R1' }]);
    expect(acc.seen[0]!.form.get('grant_type')).toBe('refresh_token');
    expect(acc.seen[0]!.form.get('refresh_token')).toBe('R1');
  });

  it('does not refresh a token that is still valid', async () => {
    const acc = fakeAccounts(() => ({ body: { access_token: 'X', expires_in: 3600 } }));
    const { tm } = manager({ accessToken: 'A1', expiresAt: Date.now() + 3_600_000 }, acc);
    expect(await tm.accessToken()).toBe('A1');
    expect(acc.seen).toHaveLength(0);
  });

  it('refreshes ahead of expiry (token with less than the skew left)', async () => {
    const acc = fakeAccounts(() => ({ body: { access_token: 'A2', expires_in: 3600 } }));
    const { tm } = manager({ accessToken: 'A1', expiresAt: Date.now() + 60_000 }, acc);
    expect(await tm.accessToken()).toBe('A2');
  });

  it('invalidate(token) forces one refresh for many callers, and ignores a token that is no longer current', async () => {
    const acc = fakeAccounts((_f, n) => ({ body: { access_token: `N${n}`, expires_in: 3600 } }), 10);
    const { tm } = manager({ accessToken: 'A1', expiresAt: Date.now() + 3_600_000 }, acc);
    // 20 calls failed with A1 (401 INVALID_TOKEN): each invalidates and asks again.
    const again = await Promise.all(
      Array.from({ length: 20 }, async () => {
        tm.invalidate('A1');
        return tm.accessToken();
      }),
    );
    expect(acc.seen).toHaveLength(1);
    expect(new Set(again)).toEqual(new Set(['N1']));
    tm.invalidate('A1'); // stale: already replaced
    expect(await tm.accessToken()).toBe('N1');
    expect(acc.seen).toHaveLength(1);
  });

  it('goes to state revoked when Zoho refuses the refresh token, and fails with auth from then on', async () => {
    const acc = fakeAccounts(() => ({ body: { error: 'invalid_code' } }));
    let revokedCalls = 0;
    const { tm, persisted } = manager({ accessToken: undefined }, acc, { onRevoked: () => revokedCalls++ });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => tm.accessToken()));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as ZohoError).code === 'auth')).toBe(
      true,
    );
    expect(acc.seen).toHaveLength(1);
    expect(tm.state).toBe('revoked');
    expect(revokedCalls).toBe(1);
    expect(persisted).toEqual([]);
    await expect(tm.accessToken()).rejects.toMatchObject({ code: 'auth', zohoCode: 'REVOKED' });
    expect(acc.seen).toHaveLength(1);
  });

  it('stays active after a temporary refresh failure and retries on the next call', async () => {
    const acc = fakeAccounts((_f, n) =>
      n === 1 ? { status: 502, body: 'bad gateway' } : { body: { access_token: 'A2', expires_in: 3600 } },
    );
    const { tm } = manager({}, acc);
    await expect(tm.accessToken()).rejects.toMatchObject({ code: 'temporary' });
    expect(tm.state).toBe('active');
    expect(await tm.accessToken()).toBe('A2');
  });

  it('becomes active again after replaceTokens (reconnection)', async () => {
    const acc = fakeAccounts(() => ({ body: { error: 'invalid_code' } }));
    const { tm } = manager({}, acc);
    await expect(tm.accessToken()).rejects.toMatchObject({ code: 'auth' });
    tm.replaceTokens({ accessToken: 'B1', expiresAt: Date.now() + 3_600_000, refreshToken: 'R2' });
    expect(tm.state).toBe('active');
    expect(await tm.accessToken()).toBe('B1');
  });

  it("refuses to burn Zoho's 10-tokens-per-10-minutes budget on a storm of invalidations", async () => {
    const acc = fakeAccounts((_f, n) => ({ body: { access_token: `T${n}`, expires_in: 3600 } }));
    const { tm } = manager({}, acc);
    for (let i = 0; i < 8; i++) {
      const t = await tm.accessToken();
      tm.invalidate(t);
    }
    await expect(tm.accessToken()).rejects.toMatchObject({
      code: 'rate_limited',
      zohoCode: 'REFRESH_BUDGET',
    });
    expect(acc.seen).toHaveLength(8);
  });
});
