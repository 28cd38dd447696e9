/**
 * Built-in Zoho CRM emulator: Zoho Accounts OAuth + the Zoho CRM v8 REST API on one base URL,
 * faithful enough to drive the official SDK (@zohocrm/typescript-sdk-8.0) against it. The sandbox
 * (`npm start` without Zoho credentials), the tests and the benchmarks use it; the connector's
 * production code never imports it.
 *
 *   const emu = createZohoEmulator();
 *   const org = emu.seedOrg({ timeZone: 'Europe/Madrid' });
 *   const { url, close } = await emu.listen(0);           // or app.use('/zoho', emu.router) + setBaseUrl
 *   const { accessToken } = emu.issueToken({ orgId: org.orgId, userId: org.admin.id });
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { Router, type Request } from 'express';
import type { EmulatorOptions, ZohoEmulator } from './api.js';
import type { EmuCore, Switches } from './core.js';
import { EmuState, ALL_SCOPES } from './model/emuState.js';
import { describeOrg } from './model/describe.js';
import { Persistence } from './persistence.js';
import { createControls, createStats } from './controls.js';
import { createStateApi, lookups } from './stateApi.js';
import { accountsRouter } from './accounts/router.js';
import { issueAccessToken, issueRefreshToken } from './accounts/tokens.js';
import { crmRouter } from './crm/router.js';
import { SANDBOX_ORG_ID, sandboxOrgSeed } from './seed/defaults.js';

export type * from './api.js';
export type {
  OrgSeed,
  SeededOrg,
  SeededUser,
  UserSeed,
  FieldSeed,
  ModuleSeed,
  EmuFieldType,
} from './model/types.js';
export { SANDBOX_ORG_ID } from './seed/defaults.js';
export type { MessyPhoneSeed, SeededPhone, SeedRecordsOptions } from './seed/bulk.js';
export { seededRandom } from '../random.js';
export { ALL_SCOPES } from './model/emuState.js';

interface Clock {
  now(): number;
  advance(ms: number): void;
}

function clockOf(opts: EmulatorOptions): Clock {
  const clock = opts.now ?? Date.now;
  let offset = 0;
  return { now: () => clock() + offset, advance: (ms) => void (offset += ms) };
}

function createCore(state: EmuState, clock: Clock, persistence: Persistence, base: () => string | undefined) {
  const switches: Switches = {
    latencyMs: 0,
    concurrencyCap: undefined,
    searchLagSec: 0,
    injections: [],
    holds: [],
    faults: undefined,
  };
  const globalCalls: Record<string, number> = {};
  const core: EmuCore = {
    state,
    switches,
    now: clock.now,
    baseUrl(req?: Request) {
      const b = base();
      if (b) return b;
      if (req) return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
      return 'http://127.0.0.1';
    },
    count(orgId, kind) {
      const org = orgId ? state.orgs.get(orgId) : undefined;
      const bucket = org ? org.calls : globalCalls;
      bucket[kind] = (bucket[kind] ?? 0) + 1;
    },
    changed: () => persistence.changed(),
    takeInjection(p, crm) {
      const inj = switches.injections.find(
        (i) => i.remaining > 0 && (i.pathIncludes !== undefined ? p.includes(i.pathIncludes) : crm),
      );
      if (!inj) return undefined;
      inj.remaining -= 1;
      switches.injections = switches.injections.filter((i) => i.remaining > 0);
      return inj;
    },
    takeHold(method, p) {
      const hold = switches.holds.find(
        (h) =>
          h.remaining > 0 &&
          (h.method === undefined || h.method === method) &&
          (h.pathIncludes === undefined || p.includes(h.pathIncludes)),
      );
      if (!hold) return 0;
      hold.remaining -= 1;
      switches.holds = switches.holds.filter((h) => h.remaining > 0);
      return hold.ms;
    },
  };
  return { core, globalCalls };
}

async function listenOn(router: Router, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.use(router);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
    s.on('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { url, close };
}

export function createZohoEmulator(opts: EmulatorOptions = {}): ZohoEmulator {
  const clock = clockOf(opts);
  const state = new EmuState(clock.now);
  const persistence = new Persistence(state, opts.persistFile, opts.persistDebounceMs);
  persistence.load();
  let base: string | undefined;
  const { core, globalCalls } = createCore(state, clock, persistence, () => base);
  const router = Router();
  router.use(accountsRouter(core));
  router.use(crmRouter(core));
  const find = lookups(core);

  const emu: ZohoEmulator = {
    router,
    async listen(port = 0) {
      const server = await listenOn(router, port);
      base ??= server.url;
      return server;
    },
    setBaseUrl(url) {
      base = url.replace(/\/+$/, '');
    },
    baseUrl: () => base,
    registerClient(c) {
      state.clients.set(c.clientId, {
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        redirectUris: c.redirectUris,
      });
      core.changed();
    },
    seedOrg(spec) {
      const s = state.seedOrg(spec);
      core.changed();
      return s;
    },
    seedDefaultSandbox() {
      const existing = state.orgs.get(SANDBOX_ORG_ID);
      return existing ? describeOrg(existing) : emu.seedOrg(sandboxOrgSeed());
    },
    issueToken(args) {
      const org = find.org(args.orgId);
      const user = find.user(org, args.userId);
      const grant = {
        orgId: org.org.id,
        userId: user.id,
        clientId: args.clientId,
        scopes: args.scopes ?? ALL_SCOPES,
      };
      const rt = issueRefreshToken(core, grant);
      const at = issueAccessToken(core, {
        ...grant,
        expiresInSec: args.expiresInSec,
        refreshToken: rt.token,
      });
      rt.grants.push(core.now());
      core.changed();
      return { accessToken: at.token, refreshToken: rt.token };
    },
    controls: createControls(core, clock.advance),
    stats: createStats(core, globalCalls),
    state: createStateApi(core),
    async flush() {
      persistence.flush();
    },
  };
  return emu;
}
