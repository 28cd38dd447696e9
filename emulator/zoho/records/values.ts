/** Field values as Zoho answers them (times in the org's zone, users as {name,id,email}) and raw. */
import type { FieldDef, RecordRec } from '../model/types.js';
import type { ModuleState } from '../model/moduleState.js';
import { fullName, userFullName, type OrgState } from '../model/orgState.js';
import { formatZohoDateTime } from '../time.js';

export function minUser(org: OrgState, id: string, withEmail = true): Record<string, unknown> | null {
  const u = org.users.get(id);
  if (!u) return { name: null, id };
  return withEmail
    ? { name: userFullName(u), id: u.id, email: u.email }
    : { name: userFullName(u), id: u.id };
}

export function dt(org: OrgState, ms: number): string {
  return formatZohoDateTime(ms, org.org.timeZone);
}

/** The value of one field of a record as Zoho answers it. `coql`: lookups as {id} only. */
export function fieldValue(org: OrgState, f: FieldDef, rec: RecordRec, coql = false): unknown {
  switch (f.apiName) {
    case 'Owner':
      return coql ? { id: rec.ownerId } : minUser(org, rec.ownerId);
    case 'Created_By':
      return coql ? { id: rec.createdById } : minUser(org, rec.createdById);
    case 'Modified_By':
      return coql ? { id: rec.modifiedById } : minUser(org, rec.modifiedById);
    case 'Created_Time':
      return dt(org, rec.createdAt);
    case 'Modified_Time':
      return dt(org, rec.modifiedAt);
    case 'Full_Name':
      return fullName(rec) || null;
  }
  const v = rec.values[f.apiName];
  if (v === undefined) return f.dataType === 'multiselectpicklist' ? [] : null;
  if (f.dataType === 'datetime' && typeof v === 'number') return dt(org, v);
  return v;
}

/** Raw comparable value (for COQL/criteria): times as ms, lookups as id. */
export function rawValue(f: FieldDef, rec: RecordRec): unknown {
  switch (f.apiName) {
    case 'Owner':
      return rec.ownerId;
    case 'Created_By':
      return rec.createdById;
    case 'Modified_By':
      return rec.modifiedById;
    case 'Created_Time':
      return rec.createdAt;
    case 'Modified_Time':
      return rec.modifiedAt;
    case 'Full_Name':
      return fullName(rec) || null;
  }
  const v = rec.values[f.apiName];
  return v === undefined ? null : v;
}

/** `fields` query parameter → known field definitions (unknown names are ignored, as Zoho does). */
export function pickFields(mod: ModuleState, param: string | undefined): FieldDef[] | undefined {
  if (param === undefined) return undefined;
  const out: FieldDef[] = [];
  for (const name of param
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const f = mod.field(name);
    if (f && !out.includes(f)) out.push(f);
  }
  return out;
}

export function writeDetails(
  org: OrgState,
  t: { id: string; createdAt: number; modifiedAt: number; createdById: string; modifiedById: string },
  approval = true,
): Record<string, unknown> {
  const d: Record<string, unknown> = {
    Modified_Time: dt(org, t.modifiedAt),
    Modified_By: minUser(org, t.modifiedById, false),
    Created_Time: dt(org, t.createdAt),
    id: t.id,
    Created_By: minUser(org, t.createdById, false),
  };
  if (approval) d.$approval_state = 'approved';
  return d;
}
