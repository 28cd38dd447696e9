/**
 * Built-in Zoho CRM emulator: Zoho Accounts OAuth + the Zoho CRM v8 REST API on one base URL,
 * faithful enough to drive the official SDK (@zohocrm/typescript-sdk-8.0) against it. The sandbox
 * (`npm start` without Zoho credentials) and every test use it.
 *
 *   const emu = createZohoEmulator();
 *   const org = emu.seedOrg({ timeZone: 'Europe/Madrid' });
 *   const { url, close } = await emu.listen(0);           // or app.use('/zoho', emu.router) + setBaseUrl
 *   const { accessToken } = emu.issueToken({ orgId: org.orgId, userId: org.admin.id });
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { Router, type Request, type Response, type NextFunction } from 'express';
import type { EmuCore, Injection, Switches } from './core.js';
import { EmuState, ALL_SCOPES, describeOrg, describeUser, type OrgState } from './state.js';
import { oauthRouter, issueAccessToken, issueRefreshToken, revokeRefresh } from './oauth.js';
import { crmRouter, removeField } from './crm.js';
import { Errors, sendError, sendJson } from './http.js';
import { SANDBOX_ORG_ID, sandboxOrgSeed } from './seed.js';
import { serializeNote, serializeRecord, validateRecordRow } from './records.js';
import type { FieldSeed, OrgSeed, RecordRec, SeededOrg, SeededUser, UserSeed } from './types.js';

export type {
  OrgSeed,
  SeededOrg,
  SeededUser,
  UserSeed,
  FieldSeed,
  ModuleSeed,
  EmuFieldType,
} from './types.js';
export { SANDBOX_ORG_ID } from './seed.js';
export { ALL_SCOPES } from './state.js';

export interface EmulatorOptions {
  /** JSON snapshot, loaded at start and saved (debounced) on change. */
  persistFile?: string;
  /** Clock (ms since epoch). Default Date.now. `controls.advanceTime` adds to it. */
  now?: () => number;
  /** Debounce of snapshot writes, default 250 ms. */
  persistDebounceMs?: number;
}

export type InjectedStatus = 429 | 500 | 502 | 503;

export interface EmulatorControls {
  /** Delay added to every CRM API call (the call holds its concurrency slot meanwhile). */
  latencyMs: number;
  /** Concurrent CRM API calls allowed per org; the call beyond it gets 429 TOO_MANY_REQUESTS. */
  concurrencyCap: number | undefined;
  /** Search and COQL do not see records created less than this many seconds ago. */
  searchLagSec: number;
  /**
   * The next `n` matching requests fail with `status`. Without `pathIncludes`: CRM API calls only;
   * with it: any request (accounts included) whose URL contains it. `body` defaults to Zoho JSON for
   * 429/500 and to an HTML page (as Zoho's load balancer answers) for 502/503; the SDK cannot parse
   * the HTML and throws an SDKException without a status code. A GET answered 429/5xx is retried by
   * the SDK's HTTP client (got: 2 retries, ~1 s and ~2 s apart), so it consumes up to 3 injections.
   */
  failNext(n: number, status: InjectedStatus, opts?: { pathIncludes?: string; body?: 'json' | 'html' }): void;
  /** Pending injections (remaining count summed). */
  pendingFailures(): number;
  clearFailures(): void;
  expireAllAccessTokens(orgId?: string): void;
  revokeAll(orgId?: string): void;
  /** Moves the emulator clock forward (token expiry, search lag, Modified_Time). */
  advanceTime(ms: number): void;
  /** CRM API calls currently in flight for an org. */
  inflight(orgId: string): number;
}

export interface EmulatorStats {
  /** Calls by kind: users, org, modules, fields, field_write, related_lists, coql, search, record_get,
   * record_create, record_update, record_upsert, record_delete, note_create, note_update, note_list,
   * note_delete, attachment, token, plus throttled (429 by the cap) and injected (failNext). */
  calls(orgId?: string): Record<string, number>;
  /** Requests to the token endpoint with grant_type=refresh_token (successful or not). */
  tokenRefreshes(): number;
  reset(): void;
}

export interface EmulatorAttachment {
  id: string;
  parentModule: string;
  parentId: string;
  fileName: string;
  mimeType: string;
  size: number;
  data: Buffer;
  createdTime: string;
}

export interface EmulatorField {
  id: string;
  apiName: string;
  label: string;
  dataType: string;
  mandatory: boolean;
  custom: boolean;
  length: number | undefined;
  picklistValues: string[] | undefined;
}

export interface EmulatorStateApi {
  orgs(): SeededOrg[];
  org(orgId: string): SeededOrg;
  /** Records as `GET /{module}/{id}` answers them (all fields), oldest first. */
  records(orgId: string, module: string): Record<string, unknown>[];
  record(orgId: string, module: string, id: string): Record<string, unknown> | undefined;
  /** Notes as `GET /Notes` answers them, of one parent record or all, oldest first. */
  notes(orgId: string, parentId?: string): Record<string, unknown>[];
  attachments(orgId: string, parentId: string): EmulatorAttachment[];
  fields(orgId: string, module: string): EmulatorField[];
  /** Creates a record as a human in the CRM UI would (validated like the API; throws on invalid data). */
  createRecord(
    orgId: string,
    module: string,
    fields: Record<string, unknown>,
    opts?: { byUserId?: string; createdAt?: number },
  ): string;
  /** Updates a record as a human in the CRM UI would: bumps Modified_Time (throws on invalid data). */
  updateRecord(
    orgId: string,
    module: string,
    id: string,
    fields: Record<string, unknown>,
    byUserId?: string,
  ): void;
  deleteRecord(orgId: string, module: string, id: string): void;
  addField(orgId: string, module: string, field: FieldSeed): EmulatorField;
  deleteField(orgId: string, module: string, apiName: string): void;
  addUser(orgId: string, user: UserSeed): SeededUser;
  setUserProfile(orgId: string, userIdOrEmail: string, profile: string): void;
  setUserStatus(orgId: string, userIdOrEmail: string, status: 'active' | 'disabled' | 'deleted'): void;
  setOrgTimeZone(orgId: string, timeZone: string): void;
}

export interface ZohoEmulator {
  router: express.Router;
  listen(port?: number): Promise<{ url: string; close(): Promise<void> }>;
  setBaseUrl(url: string): void;
  baseUrl(): string | undefined;
  registerClient(c: { clientId: string; clientSecret: string; redirectUris?: string[] }): void;
  seedOrg(spec?: Partial<OrgSeed>): SeededOrg;
  seedDefaultSandbox(): SeededOrg;
  issueToken(args: {
    orgId: string;
    userId: string;
    scopes?: string[];
    expiresInSec?: number;
    clientId?: string;
  }): { accessToken: string; refreshToken: string };
  controls: EmulatorControls;
  stats: EmulatorStats;
  state: EmulatorStateApi;
  /** Writes the snapshot now (when persistFile is set). */
  flush(): Promise<void>;
}

export function createZohoEmulator(opts: EmulatorOptions = {}): ZohoEmulator {
  const clock = opts.now ?? Date.now;
  let offset = 0;
  const now = () => clock() + offset;
  const state = new EmuState(now);
  const switches: Switches = { latencyMs: 0, concurrencyCap: undefined, searchLagSec: 0, injections: [] };
  let base: string | undefined;
  const globalCalls: Record<string, number> = {};

  // ---------------------------------------------------------------- persistence
  let timer: NodeJS.Timeout | undefined;
  const persistFile = opts.persistFile;
  const writeSnapshot = () => {
    if (!persistFile) return;
    fs.mkdirSync(path.dirname(persistFile), { recursive: true });
    const tmp = `${persistFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state.snapshot()));
    fs.renameSync(tmp, persistFile);
  };
  if (persistFile && fs.existsSync(persistFile)) {
    state.restore(JSON.parse(fs.readFileSync(persistFile, 'utf8')) as unknown);
  }
  const changed = () => {
    if (!persistFile || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      try {
        writeSnapshot();
      } catch (e) {
        console.error('zoho emulator: cannot save snapshot', e);
      }
    }, opts.persistDebounceMs ?? 250);
  };

  const core: EmuCore = {
    state,
    switches,
    now,
    baseUrl(req?: Request) {
      if (base) return base;
      if (req) return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
      return 'http://127.0.0.1';
    },
    count(orgId, kind) {
      const org = orgId ? state.orgs.get(orgId) : undefined;
      const bucket = org ? org.calls : globalCalls;
      bucket[kind] = (bucket[kind] ?? 0) + 1;
    },
    changed,
    takeInjection(p, crm) {
      const inj = switches.injections.find(
        (i) => i.remaining > 0 && (i.pathIncludes !== undefined ? p.includes(i.pathIncludes) : crm),
      );
      if (!inj) return undefined;
      inj.remaining -= 1;
      switches.injections = switches.injections.filter((i) => i.remaining > 0);
      return inj;
    },
  };

  // ---------------------------------------------------------------- router
  const router = Router();
  router.use('/oauth', (req: Request, res: Response, next: NextFunction) => {
    const inj = core.takeInjection(req.originalUrl, false);
    if (!inj) return next();
    if (inj.body === 'json') {
      return sendJson(res, inj.status, {
        error: inj.status === 429 ? 'Access Denied' : 'internal_error',
        error_description: 'injected failure',
      });
    }
    res.status(inj.status).type('text/html').send(`<html><body><h1>${inj.status}</h1></body></html>`);
  });
  router.use(oauthRouter(core));
  router.use(crmRouter(core));
  router.use('/oauth', (_req: Request, res: Response) => {
    res.status(404).type('text/html').send('<html><body><h1>404 Not Found</h1></body></html>');
  });
  router.use('/crm', (_req: Request, res: Response) => sendError(res, Errors.invalidUrl()));

  // ---------------------------------------------------------------- helpers
  const orgOf = (orgId: string): OrgState => state.orgOrThrow(orgId);
  const moduleOf = (org: OrgState, module: string) => {
    const m = org.module(module);
    if (!m) throw new Error(`emulator: no module ${module} in org ${org.org.id}`);
    return m;
  };
  const userOf = (org: OrgState, idOrEmail: string) => {
    const u = org.users.get(idOrEmail) ?? org.userByEmail(idOrEmail);
    if (!u) throw new Error(`emulator: no user ${idOrEmail} in org ${org.org.id}`);
    return u;
  };
  const adminOf = (org: OrgState) =>
    [...org.users.values()].find((u) => org.isAdmin(u) && u.status === 'active') ??
    [...org.users.values()][0];
  const describeField = (f: {
    id: string;
    apiName: string;
    label: string;
    dataType: string;
    mandatory: boolean;
    custom: boolean;
    length: number | undefined;
    picklist: { display: string }[] | undefined;
  }): EmulatorField => ({
    id: f.id,
    apiName: f.apiName,
    label: f.label,
    dataType: f.dataType,
    mandatory: f.mandatory,
    custom: f.custom,
    length: f.length,
    picklistValues: f.picklist?.map((p) => p.display),
  });

  const controls: EmulatorControls = {
    get latencyMs() {
      return switches.latencyMs;
    },
    set latencyMs(v: number) {
      switches.latencyMs = Math.max(0, v);
    },
    get concurrencyCap() {
      return switches.concurrencyCap;
    },
    set concurrencyCap(v: number | undefined) {
      switches.concurrencyCap = v;
    },
    get searchLagSec() {
      return switches.searchLagSec;
    },
    set searchLagSec(v: number) {
      switches.searchLagSec = Math.max(0, v);
    },
    failNext(n, status, o) {
      if (n <= 0) return;
      const inj: Injection = {
        remaining: n,
        status,
        pathIncludes: o?.pathIncludes,
        body: o?.body ?? (status === 502 || status === 503 ? 'html' : 'json'),
      };
      switches.injections.push(inj);
    },
    pendingFailures() {
      return switches.injections.reduce((s, i) => s + i.remaining, 0);
    },
    clearFailures() {
      switches.injections = [];
    },
    expireAllAccessTokens(orgId) {
      const t = now() - 1;
      for (const at of state.accessTokens.values())
        if (!orgId || at.orgId === orgId) at.expiresAt = Math.min(at.expiresAt, t);
    },
    revokeAll(orgId) {
      for (const rt of state.refreshTokens.values())
        if (!orgId || rt.orgId === orgId) revokeRefresh(core, rt);
      for (const at of state.accessTokens.values()) if (!orgId || at.orgId === orgId) at.revoked = true;
      changed();
    },
    advanceTime(ms) {
      offset += ms;
    },
    inflight(orgId) {
      return state.orgs.get(orgId)?.inflight ?? 0;
    },
  };

  const stats: EmulatorStats = {
    calls(orgId) {
      if (orgId) return { ...(state.orgs.get(orgId)?.calls ?? {}) };
      const out: Record<string, number> = { ...globalCalls };
      for (const o of state.orgs.values())
        for (const [k, v] of Object.entries(o.calls)) out[k] = (out[k] ?? 0) + v;
      return out;
    },
    tokenRefreshes() {
      return state.tokenRefreshes;
    },
    reset() {
      for (const k of Object.keys(globalCalls)) delete globalCalls[k];
      for (const o of state.orgs.values()) o.calls = {};
      state.tokenRefreshes = 0;
    },
  };

  const stateApi: EmulatorStateApi = {
    orgs: () => [...state.orgs.values()].map(describeOrg),
    org: (orgId) => describeOrg(orgOf(orgId)),
    records(orgId, module) {
      const org = orgOf(orgId);
      const mod = moduleOf(org, module);
      return [...mod.records.values()].map((r) => serializeRecord(org, mod, r));
    },
    record(orgId, module, id) {
      const org = orgOf(orgId);
      const mod = moduleOf(org, module);
      const r = mod.records.get(id);
      return r ? serializeRecord(org, mod, r) : undefined;
    },
    notes(orgId, parentId) {
      const org = orgOf(orgId);
      const list =
        parentId === undefined
          ? [...org.notes.values()]
          : [...(org.notesByParent.get(parentId) ?? [])].map((id) => org.notes.get(id));
      return list.filter((n): n is NonNullable<typeof n> => !!n).map((n) => serializeNote(org, n));
    },
    attachments(orgId, parentId) {
      const org = orgOf(orgId);
      return [...(org.attachmentsByParent.get(parentId) ?? [])]
        .map((id) => org.attachments.get(id))
        .filter((a): a is NonNullable<typeof a> => !!a)
        .map((a) => ({
          id: a.id,
          parentModule: a.parentModule,
          parentId: a.parentId,
          fileName: a.fileName,
          mimeType: a.mimeType,
          size: a.size,
          data: a.data,
          createdTime: new Date(a.createdAt).toISOString(),
        }));
    },
    fields(orgId, module) {
      return moduleOf(orgOf(orgId), module).def.fields.map(describeField);
    },
    createRecord(orgId, module, fields, o) {
      const org = orgOf(orgId);
      const mod = moduleOf(org, module);
      const by = o?.byUserId ? userOf(org, o.byUserId) : adminOf(org);
      if (!by) throw new Error('emulator: org without users');
      const v = validateRecordRow(org, mod, fields, 0, 'create');
      if (!v.ok) throw new Error(`emulator: ${v.error.code} ${JSON.stringify(v.error.details)}`);
      const t = o?.createdAt ?? now();
      const rec: RecordRec = {
        id: state.nextId(),
        values: {},
        ownerId: v.ownerId ?? by.id,
        createdById: by.id,
        modifiedById: by.id,
        createdAt: t,
        modifiedAt: t,
      };
      for (const [k, val] of v.changes) if (val !== null && val !== undefined) rec.values[k] = val;
      org.addRecord(mod, rec);
      changed();
      return rec.id;
    },
    updateRecord(orgId, module, id, fields, byUserId) {
      const org = orgOf(orgId);
      const mod = moduleOf(org, module);
      const rec = mod.records.get(id);
      if (!rec) throw new Error(`emulator: no record ${id} in ${module}`);
      const by = byUserId ? userOf(org, byUserId) : adminOf(org);
      if (!by) throw new Error('emulator: org without users');
      const v = validateRecordRow(org, mod, fields, 0, 'update');
      if (!v.ok) throw new Error(`emulator: ${v.error.code} ${JSON.stringify(v.error.details)}`);
      for (const [k, val] of v.changes) org.setValue(mod, rec, k, val);
      if (v.ownerId) rec.ownerId = v.ownerId;
      rec.modifiedAt = Math.max(now(), rec.modifiedAt + 1);
      rec.modifiedById = by.id;
      changed();
    },
    deleteRecord(orgId, module, id) {
      const org = orgOf(orgId);
      org.removeRecord(moduleOf(org, module), id);
      changed();
    },
    addField(orgId, module, field) {
      const org = orgOf(orgId);
      const mod = moduleOf(org, module);
      if (mod.field(field.apiName)) throw new Error(`emulator: field ${field.apiName} exists`);
      const f = state.buildField(field, true);
      const at = mod.def.fields.findIndex((x) => x.apiName === 'Created_By');
      if (at >= 0) mod.def.fields.splice(at, 0, f);
      else mod.def.fields.push(f);
      mod.reindexFields();
      mod.def.modifiedAt = now();
      changed();
      return describeField(f);
    },
    deleteField(orgId, module, apiName) {
      const org = orgOf(orgId);
      removeField(core, org, moduleOf(org, module), apiName);
    },
    addUser(orgId, user) {
      const org = orgOf(orgId);
      if (org.userByEmail(user.email)) throw new Error(`emulator: user ${user.email} exists`);
      const profileId =
        [...org.users.values()].find((u) => u.profile.name === user.profile)?.profile.id ?? state.nextId();
      const roleName = user.role ?? 'Manager';
      const roleId = [...org.users.values()].find((u) => u.role.name === roleName)?.role.id ?? state.nextId();
      const id = state.nextId();
      const zuid = state.nextZuid();
      org.users.set(id, {
        id,
        zuid,
        email: user.email,
        firstName: user.firstName ?? '',
        lastName: user.lastName,
        profile: { id: profileId, name: user.profile },
        role: { id: roleId, name: roleName },
        status: user.status ?? 'active',
        createdAt: now(),
      });
      changed();
      return describeUser(org, userOf(org, id));
    },
    setUserProfile(orgId, who, profile) {
      const org = orgOf(orgId);
      const u = userOf(org, who);
      const existing = [...org.users.values()].find((x) => x.profile.name === profile)?.profile.id;
      u.profile = { id: existing ?? state.nextId(), name: profile };
      changed();
    },
    setUserStatus(orgId, who, status) {
      userOf(orgOf(orgId), who).status = status;
      changed();
    },
    setOrgTimeZone(orgId, timeZone) {
      orgOf(orgId).org.timeZone = timeZone;
      changed();
    },
  };

  const emu: ZohoEmulator = {
    router,
    async listen(port = 0) {
      const app = express();
      app.disable('x-powered-by');
      app.use(router);
      const server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
        s.on('error', reject);
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (!base) base = url;
      return {
        url,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
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
      changed();
    },
    seedOrg(spec) {
      const s = state.seedOrg(spec);
      changed();
      return s;
    },
    seedDefaultSandbox() {
      const existing = state.orgs.get(SANDBOX_ORG_ID);
      if (existing) return describeOrg(existing);
      return emu.seedOrg(sandboxOrgSeed());
    },
    issueToken(args) {
      const org = orgOf(args.orgId);
      const user = userOf(org, args.userId);
      const scopes = args.scopes ?? ALL_SCOPES;
      const rt = issueRefreshToken(core, {
        orgId: org.org.id,
        userId: user.id,
        clientId: args.clientId,
        scopes,
      });
      const at = issueAccessToken(core, {
        orgId: org.org.id,
        userId: user.id,
        clientId: args.clientId,
        scopes,
        expiresInSec: args.expiresInSec,
        refreshToken: rt.token,
      });
      rt.grants.push(now());
      changed();
      return { accessToken: at.token, refreshToken: rt.token };
    },
    controls,
    stats,
    state: stateApi,
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      writeSnapshot();
    },
  };
  return emu;
}
