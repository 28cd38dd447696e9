/**
 * In-memory state of the emulator: orgs (users, modules, records, notes, attachments), OAuth
 * clients and tokens. Indexed for the access patterns of a sync engine (by id, by parent, by field
 * value). Snapshot/restore to plain JSON for the sandbox's persistence.
 */
import type {
  AttachmentRec,
  FieldDef,
  FieldSeed,
  ModuleDef,
  ModuleSeed,
  NoteRec,
  OrgRec,
  OrgSeed,
  RecordRec,
  SeededOrg,
  SeededUser,
  UserRec,
} from './types.js';
import { defaultOrgSeed, notesModule } from './seed.js';
import { isValidTimeZone } from './time.js';

export const ADMIN_PROFILE = 'Administrator';

/** Values are indexed under this key: lower-cased string form. */
export function indexKey(v: unknown): string | undefined {
  if (typeof v === 'string') return v.toLowerCase();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v).toLowerCase();
  return undefined;
}

const SYSTEM_FIELD_SEEDS: FieldSeed[] = [
  { apiName: 'Owner', label: 'Owner', dataType: 'ownerlookup' },
  { apiName: 'Created_By', label: 'Created By', dataType: 'ownerlookup', readOnly: true },
  { apiName: 'Modified_By', label: 'Modified By', dataType: 'ownerlookup', readOnly: true },
  { apiName: 'Created_Time', label: 'Created Time', dataType: 'datetime', readOnly: true },
  { apiName: 'Modified_Time', label: 'Modified Time', dataType: 'datetime', readOnly: true },
];

export class ModuleState {
  readonly records = new Map<string, RecordRec>();
  /** field API name → lower-cased value → record ids */
  readonly index = new Map<string, Map<string, Set<string>>>();
  private byName = new Map<string, FieldDef>();
  private byLower = new Map<string, FieldDef>();

  constructor(public def: ModuleDef) {
    this.reindexFields();
  }

  /** Call after changing `def.fields`. */
  reindexFields(): void {
    this.byName = new Map(this.def.fields.map((f) => [f.apiName, f]));
    this.byLower = new Map(this.def.fields.map((f) => [f.apiName.toLowerCase(), f]));
  }

  /** Field by API name (exact, else case-insensitive). */
  field(apiName: string): FieldDef | undefined {
    return this.byName.get(apiName) ?? this.byLower.get(apiName.toLowerCase());
  }

  indexAdd(rec: RecordRec): void {
    for (const [k, v] of Object.entries(rec.values)) this.indexValue(k, v, rec.id, true);
  }

  indexRemove(rec: RecordRec): void {
    for (const [k, v] of Object.entries(rec.values)) this.indexValue(k, v, rec.id, false);
  }

  indexValue(field: string, v: unknown, id: string, add: boolean): void {
    const values = Array.isArray(v) ? v : [v];
    for (const one of values) {
      const key = indexKey(one);
      if (key === undefined) continue;
      let m = this.index.get(field);
      if (!m) {
        if (!add) continue;
        m = new Map();
        this.index.set(field, m);
      }
      let s = m.get(key);
      if (add) {
        if (!s) m.set(key, (s = new Set()));
        s.add(id);
      } else if (s) {
        s.delete(id);
        if (s.size === 0) m.delete(key);
      }
    }
  }

  /** Ids of records whose `field` equals `value` (case-insensitive). */
  lookup(field: string, value: unknown): Set<string> | undefined {
    const key = indexKey(value);
    if (key === undefined) return undefined;
    return this.index.get(field)?.get(key);
  }
}

export class OrgState {
  readonly users = new Map<string, UserRec>();
  readonly modules = new Map<string, ModuleState>();
  readonly notes = new Map<string, NoteRec>();
  readonly notesByParent = new Map<string, Set<string>>();
  readonly attachments = new Map<string, AttachmentRec>();
  readonly attachmentsByParent = new Map<string, Set<string>>();
  /** record id → module API name, for Notes/Attachments parents. */
  readonly recordModule = new Map<string, string>();
  inflight = 0;
  calls: Record<string, number> = {};

  constructor(public org: OrgRec) {}

  module(apiName: string): ModuleState | undefined {
    return this.modules.get(apiName.toLowerCase());
  }

  userByEmail(email: string): UserRec | undefined {
    const e = email.toLowerCase();
    for (const u of this.users.values()) if (u.email.toLowerCase() === e) return u;
    return undefined;
  }

  isAdmin(u: UserRec): boolean {
    return u.profile.name === ADMIN_PROFILE;
  }

  addNote(n: NoteRec): void {
    this.notes.set(n.id, n);
    let s = this.notesByParent.get(n.parentId);
    if (!s) this.notesByParent.set(n.parentId, (s = new Set()));
    s.add(n.id);
  }

  removeNote(id: string): void {
    const n = this.notes.get(id);
    if (!n) return;
    this.notes.delete(id);
    this.notesByParent.get(n.parentId)?.delete(id);
    for (const aid of this.attachmentsByParent.get(id) ?? []) this.attachments.delete(aid);
    this.attachmentsByParent.delete(id);
  }

  addAttachment(a: AttachmentRec): void {
    this.attachments.set(a.id, a);
    let s = this.attachmentsByParent.get(a.parentId);
    if (!s) this.attachmentsByParent.set(a.parentId, (s = new Set()));
    s.add(a.id);
  }

  addRecord(mod: ModuleState, rec: RecordRec): void {
    mod.records.set(rec.id, rec);
    mod.indexAdd(rec);
    this.recordModule.set(rec.id, mod.def.apiName);
  }

  removeRecord(mod: ModuleState, id: string): void {
    const rec = mod.records.get(id);
    if (!rec) return;
    mod.indexRemove(rec);
    mod.records.delete(id);
    this.recordModule.delete(id);
    for (const nid of [...(this.notesByParent.get(id) ?? [])]) this.removeNote(nid);
    this.notesByParent.delete(id);
    for (const aid of this.attachmentsByParent.get(id) ?? []) this.attachments.delete(aid);
    this.attachmentsByParent.delete(id);
  }

  /** Sets one stored value, keeping the index in step. `undefined`/null clears. */
  setValue(mod: ModuleState, rec: RecordRec, field: string, v: unknown): void {
    const old = rec.values[field];
    if (old !== undefined) mod.indexValue(field, old, rec.id, false);
    if (v === undefined || v === null) delete rec.values[field];
    else {
      rec.values[field] = v;
      mod.indexValue(field, v, rec.id, true);
    }
  }

  /** Display name of a record (Full_Name, or the first mandatory text field). */
  recordName(moduleApi: string, id: string): string | null {
    const mod = this.module(moduleApi);
    const rec = mod?.records.get(id);
    if (!mod || !rec) return null;
    if (mod.field('Last_Name')) return fullName(rec);
    const f = mod.def.fields.find((x) => x.mandatory && x.dataType === 'text');
    const v = f ? rec.values[f.apiName] : undefined;
    return typeof v === 'string' ? v : null;
  }
}

export function fullName(rec: RecordRec): string {
  return [rec.values.First_Name, rec.values.Last_Name].filter((x) => typeof x === 'string' && x).join(' ');
}

export interface ClientRec {
  clientId: string;
  clientSecret: string;
  redirectUris: string[] | undefined;
}

export interface AccessTokenRec {
  token: string;
  orgId: string;
  userId: string;
  clientId: string | undefined;
  scopes: string[];
  expiresAt: number;
  refreshToken: string | undefined;
  revoked: boolean;
}

export interface RefreshTokenRec {
  token: string;
  orgId: string;
  userId: string;
  clientId: string | undefined;
  scopes: string[];
  createdAt: number;
  revoked: boolean;
  /** times of recent access-token grants (Zoho: at most 10 per 10 minutes per refresh token) */
  grants: number[];
}

export interface CodeRec {
  code: string;
  clientId: string;
  redirectUri: string;
  orgId: string;
  userId: string;
  scopes: string[];
  offline: boolean;
  expiresAt: number;
  used: boolean;
}

export const ALL_SCOPES = [
  'ZohoCRM.modules.ALL',
  'ZohoCRM.settings.ALL',
  'ZohoCRM.users.ALL',
  'ZohoCRM.org.ALL',
  'ZohoCRM.coql.READ',
];

export class EmuState {
  readonly orgs = new Map<string, OrgState>();
  readonly clients = new Map<string, ClientRec>();
  readonly codes = new Map<string, CodeRec>();
  readonly accessTokens = new Map<string, AccessTokenRec>();
  readonly refreshTokens = new Map<string, RefreshTokenRec>();
  private seq = 1000;
  private orgSeq = 0;
  private userSeq = 0;
  tokenRefreshes = 0;

  constructor(readonly now: () => number) {}

  /** Zoho-looking 19-digit numeric id, unique across the emulator. */
  nextId(): string {
    this.seq += 1;
    return `5725767${String(this.seq).padStart(12, '0')}`;
  }

  nextZuid(): string {
    this.userSeq += 1;
    return String(600000000 + this.userSeq);
  }

  randomToken(): string {
    const hex = (n: number) => {
      let s = '';
      for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
      return s;
    };
    return `1000.${hex(32)}.${hex(32)}`;
  }

  orgOrThrow(orgId: string): OrgState {
    const o = this.orgs.get(orgId);
    if (!o) throw new Error(`emulator: unknown org ${orgId}`);
    return o;
  }

  buildField(seed: FieldSeed, custom: boolean): FieldDef {
    const t = this.now();
    return {
      id: this.nextId(),
      apiName: seed.apiName,
      label: seed.label ?? seed.apiName.replace(/_/g, ' '),
      dataType: seed.dataType,
      length: seed.length ?? defaultLength(seed.dataType),
      mandatory: seed.mandatory ?? false,
      readOnly: seed.readOnly ?? false,
      custom: seed.custom ?? custom,
      unique: seed.unique ?? false,
      picklist: seed.picklist?.map((v) => ({ id: this.nextId(), display: v, actual: v })),
      createdAt: t,
      modifiedAt: t,
    };
  }

  buildModule(seed: ModuleSeed, kind: 'records' | 'notes'): ModuleDef {
    const names = new Set(seed.fields.map((f) => f.apiName));
    const system = SYSTEM_FIELD_SEEDS.filter((f) => !names.has(f.apiName));
    return {
      id: this.nextId(),
      apiName: seed.apiName,
      singularLabel: seed.singularLabel ?? seed.apiName.replace(/_/g, ' ').replace(/s$/, ''),
      pluralLabel: seed.pluralLabel ?? seed.apiName.replace(/_/g, ' '),
      generatedType: seed.generatedType ?? 'default',
      apiSupported: true,
      kind,
      duplicateCheck: seed.duplicateCheck ?? [],
      fields: [
        ...system.slice(0, 1).map((f) => this.buildField(f, false)),
        ...seed.fields.map((f) => this.buildField(f, false)),
        ...system.slice(1).map((f) => this.buildField(f, false)),
      ],
      modifiedAt: this.now(),
    };
  }

  seedOrg(spec: Partial<OrgSeed> = {}): SeededOrg {
    const base = defaultOrgSeed();
    let orgId = spec.orgId;
    if (orgId === undefined) {
      do {
        this.orgSeq += 1;
        orgId = String(700000000 + this.orgSeq);
      } while (this.orgs.has(orgId));
    }
    if (!/^\d+$/.test(orgId)) throw new Error('emulator: orgId must be a numeric string');
    if (this.orgs.has(orgId)) throw new Error(`emulator: org ${orgId} already exists`);
    const timeZone = spec.timeZone ?? base.timeZone;
    if (!isValidTimeZone(timeZone)) throw new Error(`emulator: invalid time zone ${timeZone}`);
    const users =
      spec.users ??
      base.users.map((u) => ({ ...u, email: u.email.replace('example.test', `org${orgId}.test`) }));
    if (!users.some((u) => u.profile === ADMIN_PROFILE))
      throw new Error('emulator: an org needs an Administrator user');
    const t = this.now();
    const org = new OrgState({
      id: orgId,
      companyName: spec.companyName ?? base.companyName,
      timeZone,
      country: spec.country ?? base.country,
      countryCode: spec.countryCode ?? base.countryCode,
      currency: spec.currency ?? base.currency,
      currencySymbol: currencySymbol(spec.currency ?? base.currency),
      edition: spec.edition ?? base.edition,
      primaryEmail: '',
      primaryZuid: '',
      createdAt: t,
    });
    const profileIds = new Map<string, string>();
    const roleIds = new Map<string, string>();
    for (const u of users) {
      if (!profileIds.has(u.profile)) profileIds.set(u.profile, this.nextId());
      const role = u.role ?? (u.profile === ADMIN_PROFILE ? 'CEO' : 'Manager');
      if (!roleIds.has(role)) roleIds.set(role, this.nextId());
      const rec: UserRec = {
        id: this.nextId(),
        zuid: this.nextZuid(),
        email: u.email,
        firstName: u.firstName ?? '',
        lastName: u.lastName,
        profile: { id: profileIds.get(u.profile) ?? '', name: u.profile },
        role: { id: roleIds.get(role) ?? '', name: role },
        status: u.status ?? 'active',
        createdAt: t,
      };
      org.users.set(rec.id, rec);
    }
    const admin = [...org.users.values()].find((u) => org.isAdmin(u));
    if (admin) {
      org.org.primaryEmail = admin.email;
      org.org.primaryZuid = admin.zuid;
    }
    const modules = (spec.modules ?? base.modules).filter((m) => m.apiName.toLowerCase() !== 'notes');
    for (const m of modules)
      org.modules.set(m.apiName.toLowerCase(), new ModuleState(this.buildModule(m, 'records')));
    org.modules.set('notes', new ModuleState(this.buildModule(notesModule(), 'notes')));
    this.orgs.set(orgId, org);
    return describeOrg(org);
  }

  // ------------------------------------------------------------ snapshot

  snapshot(): unknown {
    return {
      version: 1,
      seq: this.seq,
      orgSeq: this.orgSeq,
      userSeq: this.userSeq,
      clients: [...this.clients.values()],
      accessTokens: [...this.accessTokens.values()],
      refreshTokens: [...this.refreshTokens.values()],
      orgs: [...this.orgs.values()].map((o) => ({
        org: o.org,
        users: [...o.users.values()],
        modules: [...o.modules.values()].map((m) => ({ def: m.def, records: [...m.records.values()] })),
        notes: [...o.notes.values()],
        attachments: [...o.attachments.values()].map((a) => ({ ...a, data: a.data.toString('base64') })),
      })),
    };
  }

  restore(raw: unknown): void {
    const s = raw as Snapshot;
    if (!s || s.version !== 1) throw new Error('emulator: unsupported snapshot');
    this.seq = s.seq;
    this.orgSeq = s.orgSeq;
    this.userSeq = s.userSeq;
    for (const c of s.clients) this.clients.set(c.clientId, c);
    const now = this.now();
    for (const t of s.accessTokens) if (t.expiresAt > now && !t.revoked) this.accessTokens.set(t.token, t);
    for (const t of s.refreshTokens) this.refreshTokens.set(t.token, t);
    for (const so of s.orgs) {
      const org = new OrgState(so.org);
      for (const u of so.users) org.users.set(u.id, u);
      for (const sm of so.modules) {
        const mod = new ModuleState(sm.def);
        org.modules.set(sm.def.apiName.toLowerCase(), mod);
        for (const r of sm.records) org.addRecord(mod, r);
      }
      for (const n of so.notes) org.addNote(n);
      for (const a of so.attachments) org.addAttachment({ ...a, data: Buffer.from(a.data, 'base64') });
      this.orgs.set(so.org.id, org);
    }
  }
}

interface Snapshot {
  version: number;
  seq: number;
  orgSeq: number;
  userSeq: number;
  clients: ClientRec[];
  accessTokens: AccessTokenRec[];
  refreshTokens: RefreshTokenRec[];
  orgs: {
    org: OrgRec;
    users: UserRec[];
    modules: { def: ModuleDef; records: RecordRec[] }[];
    notes: NoteRec[];
    attachments: (Omit<AttachmentRec, 'data'> & { data: string })[];
  }[];
}

export function describeUser(org: OrgState, u: UserRec): SeededUser {
  return {
    id: u.id,
    zuid: u.zuid,
    email: u.email,
    fullName: userFullName(u),
    profile: u.profile.name,
    isAdmin: org.isAdmin(u),
    status: u.status,
  };
}

export function describeOrg(org: OrgState): SeededOrg {
  const users = [...org.users.values()].map((u) => describeUser(org, u));
  const admin = users.find((u) => u.isAdmin);
  if (!admin) throw new Error('emulator: org without admin');
  return {
    orgId: org.org.id,
    companyName: org.org.companyName,
    timeZone: org.org.timeZone,
    countryCode: org.org.countryCode,
    admin,
    rep: users.find((u) => !u.isAdmin),
    users,
    modules: [...org.modules.values()].map((m) => m.def.apiName),
  };
}

export function userFullName(u: UserRec): string {
  return [u.firstName, u.lastName].filter(Boolean).join(' ');
}

export function defaultLength(t: FieldDef['dataType']): number | undefined {
  switch (t) {
    case 'text':
      return 255;
    case 'textarea':
      return 2000;
    case 'email':
      return 100;
    case 'phone':
      return 30;
    case 'website':
      return 255;
    case 'integer':
      return 9;
    case 'bigint':
      return 18;
    case 'double':
    case 'currency':
    case 'percent':
      return 16;
    case 'picklist':
    case 'multiselectpicklist':
      return 120;
    default:
      return undefined;
  }
}

function currencySymbol(c: string): string {
  return (
    ({ EUR: '€', USD: '$', GBP: '£', INR: '₹', BRL: 'R$', MXN: '$', JPY: '¥' } as Record<string, string>)[
      c
    ] ?? c
  );
}
