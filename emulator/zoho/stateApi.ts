/**
 * The state API: what tests and the sandbox read from the emulated CRM, and what a person does in
 * the CRM's UI (create, edit or delete a record, add a field, a user, change a profile; merging,
 * encrypting a field and bulk seeding are in stateBulk.ts). Misuse
 * throws an Error naming what is wrong; invalid record data throws with Zoho's error code.
 */
import type { EmulatorField, EmulatorStateApi } from './api.js';
import type { EmuCore } from './core.js';
import type { ModuleState } from './model/moduleState.js';
import type { OrgState } from './model/orgState.js';
import type { FieldDef, UserRec } from './model/types.js';
import { describeOrg, describeUser } from './model/describe.js';
import { serializeNote, serializeRecord } from './records/serialize.js';
import { validateRecordRow, type Validated } from './records/validate.js';
import { applyUpdate, deleteRecord, insertRecord, type Change } from './records/write.js';
import { removeField } from './crm/fields.js';
import { bulkApi } from './stateBulk.js';

export function describeField(f: FieldDef): EmulatorField {
  return {
    id: f.id,
    apiName: f.apiName,
    label: f.label,
    dataType: f.dataType,
    mandatory: f.mandatory,
    custom: f.custom,
    length: f.length,
    picklistValues: f.picklist?.map((p) => p.display),
    encrypted: f.encrypted === true,
  };
}

/** Lookups that throw a clear Error when the org, module, record or user does not exist. */
export function lookups(core: EmuCore) {
  const org = (orgId: string): OrgState => core.state.orgOrThrow(orgId);
  const module = (o: OrgState, name: string): ModuleState => {
    const m = o.module(name);
    if (!m) throw new Error(`emulator: no module ${name} in org ${o.org.id}`);
    return m;
  };
  const user = (o: OrgState, idOrEmail: string): UserRec => {
    const u = o.users.get(idOrEmail) ?? o.userByEmail(idOrEmail);
    if (!u) throw new Error(`emulator: no user ${idOrEmail} in org ${o.org.id}`);
    return u;
  };
  /** Who acts in the UI: the user named, else the first active administrator. */
  const actor = (o: OrgState, byUserId: string | undefined): UserRec => {
    if (byUserId) return user(o, byUserId);
    const users = [...o.users.values()];
    const admin = users.find((u) => o.isAdmin(u) && u.status === 'active') ?? users[0];
    if (!admin) throw new Error('emulator: org without users');
    return admin;
  };
  return { org, module, user, actor };
}

function valid(v: Validated): Extract<Validated, { ok: true }> {
  if (!v.ok) throw new Error(`emulator: ${v.error.code} ${JSON.stringify(v.error.details)}`);
  return v;
}

/** Reads and a person's record edits. */
function recordsApi(core: EmuCore) {
  const find = lookups(core);
  const by = (o: OrgState, userId: string | undefined, at = core.now()): Change => ({
    byUserId: find.actor(o, userId).id,
    at,
  });
  return {
    records(orgId: string, module: string) {
      const org = find.org(orgId);
      const mod = find.module(org, module);
      return [...mod.records.values()].map((r) => serializeRecord(org, mod, r));
    },
    record(orgId: string, module: string, id: string) {
      const org = find.org(orgId);
      const mod = find.module(org, module);
      const r = mod.records.get(id);
      return r ? serializeRecord(org, mod, r) : undefined;
    },
    createRecord(orgId, module, fields, o) {
      const org = find.org(orgId);
      const mod = find.module(org, module);
      const v = valid(validateRecordRow(org, mod, fields, 0, 'create'));
      const rec = insertRecord(
        core.state,
        org,
        mod,
        v.changes,
        v.ownerId,
        by(org, o?.byUserId, o?.createdAt),
      );
      core.changed();
      return rec.id;
    },
    updateRecord(orgId, module, id, fields, byUserId) {
      const org = find.org(orgId);
      const mod = find.module(org, module);
      const rec = mod.records.get(id);
      if (!rec) throw new Error(`emulator: no record ${id} in ${module}`);
      const change = by(org, byUserId);
      const v = valid(validateRecordRow(org, mod, fields, 0, 'update'));
      applyUpdate(org, mod, rec, v.changes, v.ownerId, change);
      core.changed();
    },
    deleteRecord(orgId, module, id, byUserId) {
      const org = find.org(orgId);
      if (!deleteRecord(org, find.module(org, module), id, by(org, byUserId)))
        throw new Error(`emulator: no record ${id} in ${module}`);
      core.changed();
    },
  } satisfies Partial<EmulatorStateApi>;
}

/** Notes, attachments and fields as they are now. */
function contentApi(core: EmuCore) {
  const find = lookups(core);
  return {
    notes(orgId, parentId) {
      const org = find.org(orgId);
      const ids =
        parentId === undefined ? [...org.notes.keys()] : [...(org.notesByParent.get(parentId) ?? [])];
      return ids
        .map((id) => org.notes.get(id))
        .filter((n): n is NonNullable<typeof n> => !!n)
        .map((n) => serializeNote(org, n));
    },
    attachments(orgId, parentId) {
      const org = find.org(orgId);
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
    fields: (orgId, module) => find.module(find.org(orgId), module).def.fields.map(describeField),
  } satisfies Partial<EmulatorStateApi>;
}

/** An admin's setup in the UI: fields, users, profiles, the org's time zone. */
function setupApi(core: EmuCore) {
  const find = lookups(core);
  const { state } = core;
  return {
    addField(orgId, module, field) {
      const mod = find.module(find.org(orgId), module);
      if (mod.field(field.apiName)) throw new Error(`emulator: field ${field.apiName} exists`);
      const f = state.buildField(field, true);
      mod.insertField(f, core.now());
      core.changed();
      return describeField(f);
    },
    deleteField(orgId, module, apiName) {
      const org = find.org(orgId);
      removeField(core, org, find.module(org, module), apiName);
    },
    addUser(orgId, user) {
      const org = find.org(orgId);
      if (org.userByEmail(user.email)) throw new Error(`emulator: user ${user.email} exists`);
      const users = [...org.users.values()];
      const profileId = users.find((u) => u.profile.name === user.profile)?.profile.id ?? state.nextId();
      const roleName = user.role ?? 'Manager';
      const roleId = users.find((u) => u.role.name === roleName)?.role.id ?? state.nextId();
      const id = state.nextId();
      org.users.set(id, {
        id,
        zuid: state.nextZuid(),
        email: user.email,
        firstName: user.firstName ?? '',
        lastName: user.lastName,
        profile: { id: profileId, name: user.profile },
        role: { id: roleId, name: roleName },
        status: user.status ?? 'active',
        createdAt: core.now(),
      });
      core.changed();
      return describeUser(org, find.user(org, id));
    },
    setUserProfile(orgId, who, profile) {
      const org = find.org(orgId);
      const u = find.user(org, who);
      const existing = [...org.users.values()].find((x) => x.profile.name === profile)?.profile.id;
      u.profile = { id: existing ?? state.nextId(), name: profile };
      core.changed();
    },
    setUserStatus(orgId, who, status) {
      find.user(find.org(orgId), who).status = status;
      core.changed();
    },
    setOrgTimeZone(orgId, timeZone) {
      find.org(orgId).org.timeZone = timeZone;
      core.changed();
    },
  } satisfies Partial<EmulatorStateApi>;
}

export function createStateApi(core: EmuCore): EmulatorStateApi {
  const find = lookups(core);
  return {
    orgs: () => [...core.state.orgs.values()].map(describeOrg),
    org: (orgId) => describeOrg(find.org(orgId)),
    ...recordsApi(core),
    ...contentApi(core),
    ...setupApi(core),
    ...bulkApi(core),
  };
}
