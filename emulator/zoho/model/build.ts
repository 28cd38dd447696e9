/** Builds fields, modules and whole orgs from their seeds, with fresh ids. */
import type { FieldDef, FieldSeed, ModuleDef, ModuleSeed, OrgSeed, UserRec, UserSeed } from './types.js';
import { ModuleState } from './moduleState.js';
import { ADMIN_PROFILE, OrgState } from './orgState.js';
import { defaultOrgSeed, notesModule } from '../seed/defaults.js';
import { isValidTimeZone } from '../time.js';
import { canEncrypt } from './encryption.js';

/** Where fresh ids and the clock come from (the emulator's state). */
export interface Mint {
  nextId(): string;
  nextZuid(): string;
  now(): number;
}

/** Every module has these; Owner comes first, the others after the module's own fields. */
const SYSTEM_FIELD_SEEDS: FieldSeed[] = [
  { apiName: 'Owner', label: 'Owner', dataType: 'ownerlookup' },
  { apiName: 'Created_By', label: 'Created By', dataType: 'ownerlookup', readOnly: true },
  { apiName: 'Modified_By', label: 'Modified By', dataType: 'ownerlookup', readOnly: true },
  { apiName: 'Created_Time', label: 'Created Time', dataType: 'datetime', readOnly: true },
  { apiName: 'Modified_Time', label: 'Modified Time', dataType: 'datetime', readOnly: true },
];

export function buildField(mint: Mint, seed: FieldSeed, custom: boolean): FieldDef {
  const t = mint.now();
  return {
    id: mint.nextId(),
    apiName: seed.apiName,
    label: seed.label ?? seed.apiName.replace(/_/g, ' '),
    dataType: seed.dataType,
    length: seed.length ?? defaultLength(seed.dataType),
    mandatory: seed.mandatory ?? false,
    readOnly: seed.readOnly ?? false,
    custom: seed.custom ?? custom,
    unique: seed.unique ?? false,
    picklist: seed.picklist?.map((v) => ({ id: mint.nextId(), display: v, actual: v })),
    ...(seed.encrypted ? { encrypted: true } : {}),
    createdAt: t,
    modifiedAt: t,
  };
}

export function buildModule(mint: Mint, seed: ModuleSeed, kind: 'records' | 'notes'): ModuleDef {
  const names = new Set(seed.fields.map((f) => f.apiName));
  for (const f of seed.fields) {
    if (f.encrypted && !canEncrypt({ dataType: f.dataType, readOnly: f.readOnly ?? false }))
      throw new Error(
        `emulator: seed field ${seed.apiName}.${f.apiName} (${f.dataType}) cannot be encrypted`,
      );
  }
  const system = SYSTEM_FIELD_SEEDS.filter((f) => !names.has(f.apiName));
  return {
    id: mint.nextId(),
    apiName: seed.apiName,
    singularLabel: seed.singularLabel ?? seed.apiName.replace(/_/g, ' ').replace(/s$/, ''),
    pluralLabel: seed.pluralLabel ?? seed.apiName.replace(/_/g, ' '),
    generatedType: seed.generatedType ?? 'default',
    apiSupported: true,
    kind,
    duplicateCheck: seed.duplicateCheck ?? [],
    fields: [
      ...system.slice(0, 1).map((f) => buildField(mint, f, false)),
      ...seed.fields.map((f) => buildField(mint, f, false)),
      ...system.slice(1).map((f) => buildField(mint, f, false)),
    ],
    modifiedAt: mint.now(),
  };
}

/** A new org from a (partial) seed; the defaults fill what the seed leaves out. */
export function buildOrg(mint: Mint, orgId: string, spec: Partial<OrgSeed>): OrgState {
  const base = defaultOrgSeed();
  const timeZone = spec.timeZone ?? base.timeZone;
  if (!isValidTimeZone(timeZone)) throw new Error(`emulator: invalid time zone ${timeZone}`);
  const users =
    spec.users ??
    base.users.map((u) => ({ ...u, email: u.email.replace('example.test', `org${orgId}.test`) }));
  if (!users.some((u) => u.profile === ADMIN_PROFILE))
    throw new Error('emulator: an org needs an Administrator user');
  const currency = spec.currency ?? base.currency;
  const org = new OrgState({
    id: orgId,
    companyName: spec.companyName ?? base.companyName,
    timeZone,
    country: spec.country ?? base.country,
    countryCode: spec.countryCode ?? base.countryCode,
    currency,
    currencySymbol: currencySymbol(currency),
    edition: spec.edition ?? base.edition,
    primaryEmail: '',
    primaryZuid: '',
    createdAt: mint.now(),
  });
  for (const u of buildUsers(mint, users)) org.users.set(u.id, u);
  const admin = [...org.users.values()].find((u) => org.isAdmin(u));
  if (admin) {
    org.org.primaryEmail = admin.email;
    org.org.primaryZuid = admin.zuid;
  }
  const modules = (spec.modules ?? base.modules).filter((m) => m.apiName.toLowerCase() !== 'notes');
  for (const m of modules)
    org.modules.set(m.apiName.toLowerCase(), new ModuleState(buildModule(mint, m, 'records')));
  org.modules.set('notes', new ModuleState(buildModule(mint, notesModule(), 'notes')));
  return org;
}

/** Users of a new org: one profile id per profile name and one role id per role name. */
function buildUsers(mint: Mint, users: UserSeed[]): UserRec[] {
  const profileIds = new Map<string, string>();
  const roleIds = new Map<string, string>();
  const t = mint.now();
  return users.map((u) => {
    if (!profileIds.has(u.profile)) profileIds.set(u.profile, mint.nextId());
    const role = u.role ?? (u.profile === ADMIN_PROFILE ? 'CEO' : 'Manager');
    if (!roleIds.has(role)) roleIds.set(role, mint.nextId());
    return {
      id: mint.nextId(),
      zuid: mint.nextZuid(),
      email: u.email,
      firstName: u.firstName ?? '',
      lastName: u.lastName,
      profile: { id: profileIds.get(u.profile) ?? '', name: u.profile },
      role: { id: roleIds.get(role) ?? '', name: role },
      status: u.status ?? 'active',
      createdAt: t,
    };
  });
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
