/**
 * The SDK keeps one global configuration: these tests drive several orgs and many concurrent calls
 * through the real SDK against the emulator over HTTP, and check that no answer ever belongs to the
 * wrong org, that per-org concurrency is used and capped, and that token refreshes are single flight.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SeededOrg } from '../../emulator/zoho/index.js';
import { ZohoError } from '../../server/src/zoho/errors.js';
import type { ZohoGateway } from '../../server/src/zoho/gateway.js';
import { createSdkGateway, sdkTransportStats } from '../../server/src/zoho/sdk/index.js';
import { sdkLane } from '../../server/src/zoho/sdkLane.js';
import {
  CLIENT_ID,
  gatewayWithManager,
  gatewayWithToken,
  seedOrg,
  startEmulator,
  type Env,
} from './helpers.js';

let env: Env;

beforeAll(async () => {
  env = await startEmulator();
});

afterAll(async () => {
  await env.close();
});

afterEach(() => {
  env.emu.controls.latencyMs = 0;
  env.emu.controls.concurrencyCap = undefined;
  env.emu.controls.clearFailures();
});

interface OrgFixture {
  org: SeededOrg;
  gw: ZohoGateway;
  tag: 'A' | 'B';
  domain: string;
  leadIds: string[];
  phones: string[];
}

function fixture(tag: 'A' | 'B'): OrgFixture {
  const domain = `org${tag.toLowerCase()}.test`;
  const org = seedOrg(env, `Org ${tag}`, domain);
  env.emu.state.addField(org.orgId, 'Leads', {
    apiName: `Only_${tag}`,
    label: `Only ${tag}`,
    dataType: 'text',
    length: 50,
  });
  const phones = Array.from({ length: 5 }, (_, i) => `+34${tag === 'A' ? '61' : '62'}000000${i}`);
  const leadIds = phones.map((Phone, i) =>
    env.emu.state.createRecord(org.orgId, 'Leads', { Last_Name: `${tag} lead ${i}`, Phone }),
  );
  const { gw } = gatewayWithToken(env, org);
  return { org, gw, tag, domain, leadIds, phones };
}

/** One call of kind `i % 7` for `f`, returning what must hold of its answer. */
async function callAndCheck(f: OrgFixture, i: number): Promise<string[]> {
  const problems: string[] = [];
  const bad = (what: string) => problems.push(`${f.tag}#${i} ${what}`);
  switch (i % 7) {
    case 0: {
      const u = await f.gw.currentUser();
      if (!u.email.endsWith(`@${f.domain}`)) bad(`current user ${u.email}`);
      break;
    }
    case 1: {
      const o = await f.gw.org();
      if (o.id !== f.org.orgId || o.companyName !== `Org ${f.tag}`) bad(`org ${o.id} ${o.companyName}`);
      break;
    }
    case 2: {
      const found = (await f.gw.scanRecords('Leads', ['Phone', 'Mobile', 'Last_Name'], undefined)).records;
      for (const r of found) if (!f.leadIds.includes(r.id)) bad(`scan answered foreign record ${r.id}`);
      if (found.length !== 5) bad(`scan found ${found.length}`);
      break;
    }
    case 3: {
      const got = await f.gw.getRecords('Leads', f.leadIds, ['Last_Name']);
      if (got.length !== 5 || got.some((r) => !String(r.Last_Name).startsWith(`${f.tag} lead`)))
        bad(`getRecords ${JSON.stringify(got)}`);
      break;
    }
    case 4: {
      const rows = await f.gw.createRecords('Leads', [
        { Last_Name: `${f.tag} created ${i}`, [`Only_${f.tag}`]: f.tag },
      ]);
      const r = rows[0];
      if (!r?.ok) bad(`create failed ${JSON.stringify(r)}`);
      else if (!env.emu.state.record(f.org.orgId, 'Leads', r.value.id))
        bad(`created id ${r.value.id} is not in the org`);
      break;
    }
    case 5: {
      const fields = (await f.gw.fields('Leads')).map((x) => x.apiName);
      const other = f.tag === 'A' ? 'Only_B' : 'Only_A';
      if (!fields.includes(`Only_${f.tag}`) || fields.includes(other)) bad('fields of the other org');
      break;
    }
    default: {
      const users = await f.gw.activeUsers();
      if (users.some((u) => !u.email.endsWith(`@${f.domain}`)))
        bad(`users ${users.map((u) => u.email).join(',')}`);
      break;
    }
  }
  return problems;
}

describe('two orgs through one process-global SDK', () => {
  it('answers 2×40 interleaved concurrent calls with zero cross-org results', async () => {
    const a = fixture('A');
    const b = fixture('B');
    env.emu.controls.latencyMs = 3; // keeps calls in flight long enough to interleave
    const refusalsBefore = sdkTransportStats.guardRefusals;
    const overlapsBefore = sdkLane.stats.overlaps;
    const work: Promise<string[]>[] = [];
    for (let i = 0; i < 40; i++) {
      work.push(callAndCheck(a, i));
      work.push(callAndCheck(b, i));
    }
    const problems = (await Promise.all(work)).flat();
    expect(problems).toEqual([]);
    // Writes landed in their own org only.
    const namesA = env.emu.state.records(a.org.orgId, 'Leads').map((r) => String(r.Last_Name));
    const namesB = env.emu.state.records(b.org.orgId, 'Leads').map((r) => String(r.Last_Name));
    expect(namesA.filter((n) => n.startsWith('B '))).toEqual([]);
    expect(namesB.filter((n) => n.startsWith('A '))).toEqual([]);
    expect(namesA.filter((n) => n.startsWith('A created'))).toHaveLength(6);
    expect(namesB.filter((n) => n.startsWith('B created'))).toHaveLength(6);
    expect(sdkLane.stats.overlaps).toBe(overlapsBefore);
    expect(sdkTransportStats.guardRefusals).toBe(refusalsBefore);
  });

  it("runs one org's calls concurrently up to maxConcurrency without tripping Zoho's concurrency limit", async () => {
    const o = seedOrg(env, 'Busy Co', 'busy.test');
    const c = gatewayWithToken(env, o, { maxConcurrency: 3 });
    await c.gw.org(); // installs this org in the SDK
    env.emu.controls.concurrencyCap = 3;
    env.emu.controls.latencyMs = 15;
    env.emu.stats.reset();
    const initsBefore = sdkTransportStats.sdkInits;
    const results = await Promise.allSettled(Array.from({ length: 15 }, () => c.gw.org()));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(env.emu.stats.calls(o.orgId).throttled ?? 0).toBe(0);
    expect(sdkLane.stats.maxInFlight.get(o.orgId)).toBe(3);
    expect(sdkTransportStats.sdkInits).toBe(initsBefore); // same org, same token: no re-initialisation
  });

  it('serves a waiting org before calls of the busy org that arrived after it (fair switching)', async () => {
    const busy = gatewayWithToken(env, seedOrg(env, 'Queue Co', 'queue.test'), { maxConcurrency: 2 });
    const other = gatewayWithToken(env, seedOrg(env, 'Other Co', 'other.test'));
    env.emu.controls.latencyMs = 5;
    const order: string[] = [];
    const early = Array.from({ length: 4 }, (_, i) => busy.gw.org().then(() => order.push(`early${i}`)));
    const waiting = other.gw.org().then(() => order.push('other'));
    const late = Array.from({ length: 10 }, (_, i) => busy.gw.org().then(() => order.push(`late${i}`)));
    await Promise.all([...early, waiting, ...late]);
    const at = order.indexOf('other');
    expect(order.slice(0, at).every((x) => x.startsWith('early'))).toBe(true);
    expect(order.slice(at + 1).every((x) => x.startsWith('late'))).toBe(true);
    expect(order.slice(at + 1)).toHaveLength(10);
  });
});

describe('tokens through the gateway', () => {
  it('20 concurrent calls with an expired access token cause exactly one refresh', async () => {
    const o = seedOrg(env, 'Expired Co', 'expired.test');
    const c = gatewayWithManager(env, o, (t) => ({
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      expiresAt: Date.now() - 1000,
    }));
    env.emu.stats.reset();
    const users = await Promise.all(Array.from({ length: 20 }, () => c.gw.currentUser()));
    expect(users.every((u) => u.email === 'admin@expired.test')).toBe(true);
    expect(env.emu.stats.tokenRefreshes()).toBe(1);
    expect(c.persisted).toHaveLength(1);
    expect(c.calls.get('users')).toBe(20);
  });

  it('401 INVALID_TOKEN from Zoho (token expired early): one refresh, each call retried once and answered', async () => {
    const o = seedOrg(env, 'Early Co', 'early.test');
    const c = gatewayWithManager(env, o, (t) => ({
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      expiresAt: Date.now() + 3_600_000,
    }));
    await c.gw.org();
    env.emu.controls.expireAllAccessTokens(o.orgId);
    env.emu.stats.reset();
    c.reset();
    env.emu.controls.latencyMs = 2;
    const orgs = await Promise.all(Array.from({ length: 20 }, () => c.gw.org()));
    expect(orgs.every((x) => x.id === o.orgId)).toBe(true);
    expect(env.emu.stats.tokenRefreshes()).toBe(1);
    // every call: one 401 and one retry at most
    expect(c.calls.get('org')).toBeLessThanOrEqual(40);
    expect(c.calls.get('org')).toBeGreaterThanOrEqual(21);
  });

  it("a 401 on the SDK's silent metadata read also refreshes once and the write goes through once", async () => {
    const o = seedOrg(env, 'Silent Co', 'silent.test');
    const c = gatewayWithManager(env, o, (t) => ({
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      expiresAt: Date.now() + 3_600_000,
    }));
    env.emu.controls.expireAllAccessTokens(o.orgId);
    env.emu.stats.reset();
    const rows = await c.gw.createRecords('Leads', [{ Last_Name: 'After refresh' }]);
    expect(rows).toMatchObject([{ ok: true }]);
    expect(env.emu.stats.tokenRefreshes()).toBe(1);
    expect(env.emu.state.records(o.orgId, 'Leads').map((r) => r.Last_Name)).toEqual(['After refresh']);
    expect(c.calls.get('record_create')).toBe(1);
  });

  it('a refused refresh token puts the connection in state revoked and every call fails with auth', async () => {
    const o = seedOrg(env, 'Revoked Co', 'revoked.test');
    const c = gatewayWithManager(env, o, (t) => ({
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      expiresAt: Date.now() + 3_600_000,
    }));
    await c.gw.org();
    env.emu.controls.revokeAll(o.orgId);
    env.emu.stats.reset();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => c.gw.createRecords('Leads', [{ Last_Name: 'queued' }])),
    );
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ZohoError);
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'auth' });
    }
    expect(c.tokens.state).toBe('revoked');
    expect(env.emu.stats.tokenRefreshes()).toBe(1);
    await expect(c.gw.org()).rejects.toMatchObject({ code: 'auth', zohoCode: 'REVOKED' });
    expect(env.emu.stats.tokenRefreshes()).toBe(1);
    expect(env.emu.state.records(o.orgId, 'Leads')).toEqual([]);
  });

  it('an INVALID_TOKEN the refresh brings no new token for surfaces as auth at once (no loop)', async () => {
    const o = seedOrg(env, 'Loop Co', 'loop.test');
    const { accessToken } = env.emu.issueToken({ orgId: o.orgId, userId: o.admin.id, clientId: CLIENT_ID });
    env.emu.controls.revokeAll(o.orgId);
    let invalidations = 0;
    let orgCalls = 0;
    const gw = createSdkGateway({
      apiUrl: env.url,
      accountsUrl: env.url,
      orgKey: o.orgId,
      tokens: { accessToken: async () => accessToken, invalidate: () => void invalidations++ },
      onCall: (k) => {
        if (k === 'org') orgCalls++;
      },
    });
    await expect(gw.org()).rejects.toMatchObject({
      code: 'auth',
      zohoCode: 'INVALID_TOKEN',
      httpStatus: 401,
    });
    expect(invalidations).toBe(1);
    expect(orgCalls).toBe(1); // the same refused token is not sent again
  });
});
