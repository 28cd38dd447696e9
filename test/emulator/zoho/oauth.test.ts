/** Zoho Accounts OAuth as the emulator serves it, driven over plain HTTP (fetch). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZohoEmulator, type SeededOrg, type ZohoEmulator } from '../../../emulator/zoho/index.js';

const CLIENT = { clientId: '1000.TESTCLIENT', clientSecret: 's3cret' };
const REDIRECT = 'http://localhost:5555/oauth/zoho/callback';

let emu: ZohoEmulator;
let url: string;
let close: () => Promise<void>;
let orgA: SeededOrg;
let orgB: SeededOrg;

beforeAll(async () => {
  emu = createZohoEmulator();
  orgA = emu.seedOrg({ companyName: 'Alpha', timeZone: 'Europe/Madrid' });
  orgB = emu.seedOrg({
    companyName: 'Beta',
    timeZone: 'America/Los_Angeles',
    countryCode: 'US',
    country: 'United States',
  });
  emu.registerClient(CLIENT);
  ({ url, close } = await emu.listen(0));
});

afterAll(async () => {
  await close();
});

function authUrl(extra: Record<string, string> = {}): string {
  const p = new URLSearchParams({
    client_id: CLIENT.clientId,
    scope: 'ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ,ZohoCRM.coql.READ',
    redirect_uri: REDIRECT,
    access_type: 'offline',
    response_type: 'code',
    state: 'st-123',
    ...extra,
  });
  return `${url}/oauth/v2/auth?${p.toString()}`;
}

async function authorize(email: string): Promise<URL> {
  const res = await fetch(authUrl({ login_as: email }), { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

async function token(
  fields: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/oauth/v2/token`, { method: 'POST', body: new URLSearchParams(fields) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function exchange(code: string): Promise<Record<string, unknown>> {
  const { body } = await token({
    grant_type: 'authorization_code',
    client_id: CLIENT.clientId,
    client_secret: CLIENT.clientSecret,
    redirect_uri: REDIRECT,
    code,
  });
  return body;
}

describe('Zoho Accounts OAuth (emulated)', () => {
  it('shows an approval page listing the users of every seeded org', async () => {
    const res = await fetch(authUrl());
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Alpha');
    expect(html).toContain('Beta');
    for (const u of [...orgA.users, ...orgB.users]) expect(html).toContain(u.email);
    expect(html).toContain('login_as=');
  });

  it('rejects an unregistered client on the approval page', async () => {
    const res = await fetch(authUrl({ client_id: 'nope' }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Invalid Client');
  });

  it('redirects with code, state, location=us and accounts-server when approved via login_as', async () => {
    const loc = await authorize(orgA.admin.email);
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect(loc.searchParams.get('code')).toMatch(/^1000\.[0-9a-f]+\.[0-9a-f]+$/);
    expect(loc.searchParams.get('state')).toBe('st-123');
    expect(loc.searchParams.get('location')).toBe('us');
    expect(loc.searchParams.get('accounts-server')).toBe(url);
  });

  it('redirects with error=access_denied when the user rejects', async () => {
    const res = await fetch(authUrl({ deny: '1' }), { redirect: 'manual' });
    const loc = new URL(res.headers.get('location') ?? '');
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('state')).toBe('st-123');
  });

  it('exchanges a code once for access and refresh tokens, answering its own URL as api_domain', async () => {
    const code = (await authorize(orgA.admin.email)).searchParams.get('code') ?? '';
    const body = await exchange(code);
    expect(body).toMatchObject({ api_domain: url, token_type: 'Bearer', expires_in: 3600 });
    expect(body.access_token).toMatch(/^1000\./);
    expect(body.refresh_token).toMatch(/^1000\./);
    expect(String(body.scope)).toContain('ZohoCRM.modules.ALL');

    const again = await token({
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      redirect_uri: REDIRECT,
      code,
    });
    expect(again).toEqual({ status: 200, body: { error: 'invalid_code' } });
  });

  it('answers invalid_code for an unknown code and invalid_client for a wrong secret, with HTTP 200', async () => {
    expect(
      await token({
        grant_type: 'authorization_code',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        redirect_uri: REDIRECT,
        code: '1000.bad.code',
      }),
    ).toEqual({
      status: 200,
      body: { error: 'invalid_code' },
    });
    const code = (await authorize(orgA.admin.email)).searchParams.get('code') ?? '';
    expect(
      await token({
        grant_type: 'authorization_code',
        client_id: CLIENT.clientId,
        client_secret: 'wrong',
        redirect_uri: REDIRECT,
        code,
      }),
    ).toEqual({
      status: 200,
      body: { error: 'invalid_client' },
    });
  });

  it('checks the redirect_uri of the code exchange', async () => {
    const code = (await authorize(orgA.admin.email)).searchParams.get('code') ?? '';
    const r = await token({
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      redirect_uri: 'http://evil.test/cb',
      code,
    });
    expect(r.body).toEqual({ error: 'invalid_redirect_uri' });
  });

  it('gives no refresh token for access_type=online', async () => {
    const res = await fetch(authUrl({ login_as: orgA.admin.email, access_type: 'online' }), {
      redirect: 'manual',
    });
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const body = await exchange(code);
    expect(body.access_token).toBeTruthy();
    expect(body.refresh_token).toBeUndefined();
  });

  it('refreshes an access token (multipart form, as the SDK sends it) without a new refresh token, and counts it', async () => {
    const code = (await authorize(orgA.admin.email)).searchParams.get('code') ?? '';
    const first = await exchange(code);
    const before = emu.stats.tokenRefreshes();
    const form = new FormData();
    form.set('grant_type', 'refresh_token');
    form.set('client_id', CLIENT.clientId);
    form.set('client_secret', CLIENT.clientSecret);
    form.set('refresh_token', String(first.refresh_token));
    const res = await fetch(`${url}/oauth/v2/token`, { method: 'POST', body: form });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ api_domain: url, token_type: 'Bearer', expires_in: 3600 });
    expect(body.access_token).not.toBe(first.access_token);
    expect(body.refresh_token).toBeUndefined();
    expect(emu.stats.tokenRefreshes()).toBe(before + 1);
    expect(emu.stats.calls(orgA.orgId).token).toBeGreaterThanOrEqual(2);
  });

  it('accepts token requests with the parameters in the query string, as Zoho does', async () => {
    const code = (await authorize(orgA.admin.email)).searchParams.get('code') ?? '';
    const p = new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      redirect_uri: REDIRECT,
      code,
    });
    const res = await fetch(`${url}/oauth/v2/token?${p.toString()}`, { method: 'POST' });
    expect(((await res.json()) as Record<string, unknown>).access_token).toBeTruthy();
  });

  it('limits a refresh token to ten access tokens in ten minutes', async () => {
    const { refreshToken } = emu.issueToken({ orgId: orgA.orgId, userId: orgA.admin.id });
    const refresh = () =>
      token({
        grant_type: 'refresh_token',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        refresh_token: refreshToken,
      });
    for (let i = 0; i < 9; i++) expect((await refresh()).body.access_token).toBeTruthy(); // issueToken made the first
    const denied = await refresh();
    expect(denied.status).toBe(400);
    expect(denied.body.error).toBe('Access Denied');
    emu.controls.advanceTime(10 * 60 * 1000 + 1);
    expect((await refresh()).body.access_token).toBeTruthy();
  });

  it('revokes a refresh token: refreshing fails with invalid_code and its access tokens stop working', async () => {
    const code = (await authorize(orgA.admin.email)).searchParams.get('code') ?? '';
    const t = await exchange(code);
    const ok = await fetch(`${url}/crm/v8/org`, {
      headers: { Authorization: `Zoho-oauthtoken ${String(t.access_token)}` },
    });
    expect(ok.status).toBe(200);
    const rev = await fetch(`${url}/oauth/v2/token/revoke?token=${String(t.refresh_token)}`, {
      method: 'POST',
    });
    expect(await rev.json()).toEqual({ status: 'success' });
    const r = await token({
      grant_type: 'refresh_token',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      refresh_token: String(t.refresh_token),
    });
    expect(r.body).toEqual({ error: 'invalid_code' });
    const after = await fetch(`${url}/crm/v8/org`, {
      headers: { Authorization: `Zoho-oauthtoken ${String(t.access_token)}` },
    });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: 'INVALID_TOKEN', status: 'error' });
  });

  it('binds a token to one org: it sees only that org, its users and its records', async () => {
    const code = (await authorize(orgB.rep?.email ?? '')).searchParams.get('code') ?? '';
    const t = await exchange(code);
    const h = { Authorization: `Zoho-oauthtoken ${String(t.access_token)}` };
    const org = (await (await fetch(`${url}/crm/v8/org`, { headers: h })).json()) as {
      org: { id: string; time_zone: string }[];
    };
    expect(org.org[0]).toMatchObject({ id: orgB.orgId, time_zone: 'America/Los_Angeles' });
    const me = (await (await fetch(`${url}/crm/v8/users?type=CurrentUser`, { headers: h })).json()) as {
      users: { email: string; profile: { name: string } }[];
    };
    expect(me.users).toHaveLength(1);
    expect(me.users[0]).toMatchObject({ email: orgB.rep?.email, profile: { name: 'Standard' } });
    const all = (await (await fetch(`${url}/crm/v8/users?type=AllUsers`, { headers: h })).json()) as {
      users: { email: string }[];
    };
    expect(all.users.map((u) => u.email).sort()).toEqual(orgB.users.map((u) => u.email).sort());
    const idA = emu.state.createRecord(orgA.orgId, 'Contacts', { Last_Name: 'Only in A' });
    const cross = await fetch(`${url}/crm/v8/Contacts/${idA}`, { headers: h });
    expect(cross.status).toBe(204);
  });

  it('answers INVALID_TOKEN 401 for unknown and expired tokens, AUTHENTICATION_FAILURE without a header', async () => {
    const unknown = await fetch(`${url}/crm/v8/org`, {
      headers: { Authorization: 'Zoho-oauthtoken 1000.nope.nope' },
    });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({
      code: 'INVALID_TOKEN',
      details: {},
      message: 'invalid oauth token',
      status: 'error',
    });
    const { accessToken } = emu.issueToken({ orgId: orgA.orgId, userId: orgA.admin.id, expiresInSec: 60 });
    emu.controls.advanceTime(61_000);
    const expired = await fetch(`${url}/crm/v8/org`, {
      headers: { Authorization: `Zoho-oauthtoken ${accessToken}` },
    });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { code: string }).code).toBe('INVALID_TOKEN');
    const none = await fetch(`${url}/crm/v8/org`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { code: string }).code).toBe('AUTHENTICATION_FAILURE');
  });
});
