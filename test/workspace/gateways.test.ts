/**
 * The gateway registry across a reconnection: a sync run that started before it keeps the old
 * gateway, whose refresh token the reconnection replaced. When Zoho refuses that old token, the new
 * connection must stay connected, with its own tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/src/store/store.js';
import { patchWorkspace } from '../../server/src/store/store.js';
import type { ZohoTokens } from '../../server/src/store/schema.js';
import { GatewayRegistry } from '../../server/src/workspace/gateways.js';
import { documentEngine, testSecrets, workspace, type EngineUnderTest } from '../helpers/storeFixtures.js';
import { CLIENT_ID, CLIENT_SECRET, seedOrg, startEmulator, type Env } from '../zoho/helpers.js';

describe('GatewayRegistry across a reconnection', () => {
  let env: Env;
  let engine: EngineUnderTest;
  let store: Store;
  beforeAll(async () => {
    env = await startEmulator();
    engine = await documentEngine();
    store = await engine.open();
  });
  afterAll(async () => {
    await store.close();
    await engine.cleanup();
    await env.close();
  });

  it("leaves the new connection alone when the old gateway's replaced refresh token is refused", async () => {
    const org = seedOrg(env, 'Reconnect Co', 'reconnect.test');
    const grant = (): ZohoTokens => {
      const t = env.emu.issueToken({ orgId: org.orgId, userId: org.admin.id, clientId: CLIENT_ID });
      return { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: Date.now() + 3_600_000 };
    };
    const first = grant();
    const ws = workspace({
      connection: {
        status: 'connected',
        accountsUrl: env.url,
        apiUrl: env.url,
        tokens: testSecrets.seal(first),
        connectedAt: new Date().toISOString(),
      },
    });
    const uow = store.begin();
    uow.workspaces.create(ws);
    await uow.commit();
    const registry = new GatewayRegistry(store, testSecrets, {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
    const oldGateway = registry.for(ws)!;
    await oldGateway.currentUser(); // in use by a run

    // The admin reconnects: new tokens; the first grant's tokens are revoked at Zoho.
    const second = testSecrets.seal(grant());
    await patchWorkspace(store, ws.id, { connection: { ...ws.connection, tokens: second } });
    registry.drop(ws.id);
    for (const token of [first.refreshToken, first.accessToken ?? ''])
      await fetch(`${env.url}/oauth/v2/token/revoke?token=${encodeURIComponent(token)}`, { method: 'POST' });

    // The run still holding the old gateway calls: refused, its refresh refused too.
    await expect(oldGateway.currentUser()).rejects.toMatchObject({ code: 'auth' });
    await new Promise((r) => setTimeout(r, 100)); // the registry's fire-and-forget write, if any
    const now = (await store.workspaces.get(ws.id))!;
    expect(now.connection.status).toBe('connected');
    expect(now.connection.tokens).toEqual(second);
    const current = await store.workspaces.get(ws.id);
    await expect(registry.for(current!)!.currentUser()).resolves.toMatchObject({ id: org.admin.id });
  });
});
