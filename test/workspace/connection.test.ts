import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secrets } from '../../server/src/store/crypto.js';
import type { ZohoTokens } from '../../server/src/store/schema.js';
import { api, connectAs, startSandbox, storedText, type Harness } from '../helpers/harness.js';

describe('connection (OAuth, owner, sessions)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSandbox();
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('redirects /oauth/zoho/start to the accounts server with client id, scope, redirect URI, offline access and state', async () => {
    const res = await fetch(`${h.url}/oauth/zoho/start`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${h.url}/zoho/oauth/v2/auth`);
    expect(to.searchParams.get('client_id')).toBeTruthy();
    expect(to.searchParams.get('scope')).toContain('ZohoCRM.modules.ALL');
    expect(to.searchParams.get('redirect_uri')).toBe(`${h.url}/oauth/zoho/callback`);
    expect(to.searchParams.get('access_type')).toBe('offline');
    expect(to.searchParams.get('state')?.length).toBeGreaterThan(20);
  });

  it('refuses a callback whose state is missing, forged or reused', async () => {
    const missing = await fetch(`${h.url}/oauth/zoho/callback?code=x`, {
      headers: { accept: 'application/json' },
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('INVALID_STATE');

    const forged = await fetch(`${h.url}/oauth/zoho/callback?code=x&state=eyJ0IjoxfQ.AAAA`, {
      headers: { accept: 'application/json' },
    });
    expect(forged.status).toBe(400);

    // A genuine state works once only.
    const start = await fetch(`${h.url}/oauth/zoho/start`, { redirect: 'manual' });
    const auth = new URL(start.headers.get('location')!);
    auth.searchParams.set('login_as', 'admin@sandbox.test');
    const approve = await fetch(auth, { redirect: 'manual' });
    const callback = approve.headers.get('location')!;
    const first = await fetch(callback, { headers: { accept: 'application/json' } });
    expect(first.status).toBe(200);
    const replay = await fetch(callback, { headers: { accept: 'application/json' } });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('INVALID_STATE');
  });

  it('never sends the code or the client secret to an accounts-server outside the allowlist', async () => {
    const hits: string[] = [];
    const evil = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('{}');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    try {
      const start = await fetch(`${h.url}/oauth/zoho/start`, { redirect: 'manual' });
      const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
      const q = new URLSearchParams({ code: 'stolen', state, location: 'us', 'accounts-server': evilUrl });
      const res = await fetch(`${h.url}/oauth/zoho/callback?${q}`, {
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FOREIGN_ACCOUNTS_SERVER');
      expect(hits).toEqual([]);
    } finally {
      evil.close();
    }
  });

  it('makes the first administrator the owner, with the webhook URL', async () => {
    const s = await connectAs(h.url, 'admin@sandbox.test');
    expect(s.role).toBe('owner');
    expect(s.webhookUrl).toMatch(new RegExp(`^${h.url}/webhooks/timelines/[A-Za-z0-9_-]{20,}$`));
    const ws = await api<{
      workspace: { ownerEmail: string; connected: boolean };
      you: { isOwner: boolean };
    }>(h.url, s.token, 'GET', '/api/workspace');
    expect(ws.status).toBe(200);
    expect(ws.body.workspace.ownerEmail).toBe('admin@sandbox.test');
    expect(ws.body.workspace.connected).toBe(true);
    expect(ws.body.you.isOwner).toBe(true);
  });

  it('gives anyone else of the org a read-only session: changes answer 403 naming the owner', async () => {
    await connectAs(h.url, 'admin@sandbox.test');
    const rep = await connectAs(h.url, 'rep@sandbox.test');
    expect(rep.role).toBe('viewer');
    expect(rep.webhookUrl).toBeNull();
    const view = await api<{ workspace: { webhookUrl: string | null }; you: { isOwner: boolean } }>(
      h.url,
      rep.token,
      'GET',
      '/api/workspace',
    );
    expect(view.status).toBe(200);
    expect(view.body.you.isOwner).toBe(false);
    expect(view.body.workspace.webhookUrl).toBeNull();
    for (const [method, route] of [
      ['PUT', '/api/settings'],
      ['POST', '/api/activate'],
      ['POST', '/api/deactivate'],
      ['POST', '/api/zoho/modules/Contacts/chat-link-field'],
      ['POST', '/api/disconnect'],
    ] as const) {
      const res = await api<{ error: { code: string; message: string } }>(
        h.url,
        rep.token,
        method,
        route,
        method === 'PUT' ? { module: 'Contacts' } : undefined,
      );
      expect(res.status, route).toBe(403);
      expect(res.body.error.code).toBe('NOT_WORKSPACE_OWNER');
      expect(res.body.error.message).toContain('admin@sandbox.test');
    }
  });

  it('requires a valid session on the admin API', async () => {
    const none = await fetch(`${h.url}/api/workspace`);
    expect(none.status).toBe(401);
    const bad = await api(h.url, 'not-a-token', 'GET', '/api/workspace');
    expect(bad.status).toBe(401);
  });

  it('keeps Zoho tokens unreadable in the data file', async () => {
    await connectAs(h.url, 'admin@sandbox.test');
    const text = await storedText(h);
    const [ws] = await h.server.store.workspaces.all();
    const secrets = new Secrets(readFileSync(path.join(h.dataDir, 'secret.key'), 'utf8').trim());
    const tokens = secrets.open<ZohoTokens>(ws!.connection.tokens!);
    expect(tokens.refreshToken.length).toBeGreaterThan(10);
    expect(tokens.accessToken!.length).toBeGreaterThan(10);
    expect(text).not.toContain(tokens.refreshToken);
    expect(text).not.toContain(tokens.accessToken!);
    expect(text).not.toContain('access_token');
  });

  it('refreshes an expired token once for 20 concurrent calls', async () => {
    const s = await connectAs(h.url, 'admin@sandbox.test');
    const emu = h.server.emulator!;
    emu.controls.expireAllAccessTokens();
    const before = emu.stats.tokenRefreshes();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api(h.url, s.token, 'PUT', '/api/settings', { module: 'Contacts', phoneField: 'Mobile' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(emu.stats.tokenRefreshes() - before).toBe(1);
  });

  it('ends every session on disconnect and keeps later webhook events for the reconnection', async () => {
    const s = await connectAs(h.url, 'admin@sandbox.test');
    const out = await api(h.url, s.token, 'POST', '/api/disconnect');
    expect(out.status).toBe(200);
    expect((await api(h.url, s.token, 'GET', '/api/workspace')).status).toBe(401);
    const again = await connectAs(h.url, 'admin@sandbox.test');
    const ws = await api<{ workspace: { connected: boolean } }>(h.url, again.token, 'GET', '/api/workspace');
    expect(ws.body.workspace.connected).toBe(true);
  });
});

describe('connection refusals', () => {
  it('refuses the master connection to a user who is not a CRM administrator', async () => {
    const h = await startSandbox();
    try {
      await expect(connectAs(h.url, 'rep@sandbox.test')).rejects.toMatchObject({
        status: 403,
        body: { error: { code: 'NOT_ADMIN' } },
      });
      expect(await h.server.store.workspaces.all()).toHaveLength(0);
    } finally {
      await h.close();
    }
  });
});
