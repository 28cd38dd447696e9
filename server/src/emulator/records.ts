/** Record-level rules Zoho enforces on writes, and the JSON shapes it answers. */
import type { FieldDef, NoteRec, RecordRec, UserRec, AttachmentRec } from './types.js';
import { fullName, userFullName, type ModuleState, type OrgState } from './state.js';
import { formatZohoDateTime, isValidDate, parseZohoDateTime } from './time.js';

export type RowError = {
  code: string;
  details: Record<string, unknown>;
  message: string;
  status: 'error';
};

export function rowError(code: string, message: string, details: Record<string, unknown> = {}): RowError {
  return { code, details, message, status: 'error' };
}

export function invalidData(
  apiName: string,
  i: number,
  extra: Record<string, unknown> = {},
  message = 'invalid data',
): RowError {
  return rowError('INVALID_DATA', message, {
    ...extra,
    api_name: apiName,
    json_path: `$.data[${i}].${apiName}`,
  });
}

export function mandatoryNotFound(apiName: string, i: number): RowError {
  return rowError('MANDATORY_NOT_FOUND', 'required field not found', {
    api_name: apiName,
    json_path: `$.data[${i}].${apiName}`,
  });
}

/** Keys accepted in a record body that are not fields. */
const IGNORED_KEYS = new Set(['id', 'Tag', 'Layout', 'Record_Image']);

const PHONE_RE = /^[0-9+\-(). /#*xXextEXT]*$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const WEBSITE_RE = /^(https?:\/\/)?[^\s/?#]+\.[^\s/?#]+([/?#]\S*)?$/i;

export type Validated =
  { ok: true; changes: Map<string, unknown>; ownerId: string | undefined } | { ok: false; error: RowError };

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '';
}

/**
 * Validates one record row of a write. `changes` maps field API name → value to store (null = clear).
 * Mandatory fields are checked for creates, and for updates that would empty them.
 */
export function validateRecordRow(
  org: OrgState,
  mod: ModuleState,
  row: unknown,
  i: number,
  mode: 'create' | 'update',
): Validated {
  if (!row || typeof row !== 'object' || Array.isArray(row)) {
    return {
      ok: false,
      error: rowError('INVALID_DATA', 'invalid data', {
        expected_data_type: 'jsonobject',
        json_path: `$.data[${i}]`,
      }),
    };
  }
  const r = row as Record<string, unknown>;
  if (mode === 'create') {
    for (const f of mod.def.fields) {
      if (f.mandatory && !f.readOnly && isEmpty(findKey(r, f.apiName)))
        return { ok: false, error: mandatoryNotFound(f.apiName, i) };
    }
  }
  const changes = new Map<string, unknown>();
  let ownerId: string | undefined;
  for (const [key, raw] of Object.entries(r)) {
    if (IGNORED_KEYS.has(key) || key.startsWith('$')) continue;
    const f = mod.field(key);
    if (!f) return { ok: false, error: invalidData(key, i, {}, 'invalid data') };
    if (f.readOnly || f.dataType === 'autonumber') continue;
    if (f.apiName === 'Owner') {
      const id = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).id : raw;
      const u = typeof id === 'string' || typeof id === 'number' ? org.users.get(String(id)) : undefined;
      if (!u || u.status !== 'active')
        return { ok: false, error: invalidData('Owner', i, { expected_data_type: 'lookup' }) };
      ownerId = u.id;
      continue;
    }
    if (isEmpty(raw)) {
      if (f.mandatory) return { ok: false, error: mandatoryNotFound(f.apiName, i) };
      changes.set(f.apiName, null);
      continue;
    }
    const v = coerce(f, raw);
    if (!v.ok) return { ok: false, error: invalidData(f.apiName, i, v.details) };
    if (f.mandatory && isEmpty(v.value)) return { ok: false, error: mandatoryNotFound(f.apiName, i) };
    changes.set(f.apiName, v.value);
  }
  return { ok: true, changes, ownerId };
}

function findKey(r: Record<string, unknown>, apiName: string): unknown {
  if (apiName in r) return r[apiName];
  const lower = apiName.toLowerCase();
  for (const [k, v] of Object.entries(r)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

type Coerced = { ok: true; value: unknown } | { ok: false; details: Record<string, unknown> };

function expected(t: string): Coerced {
  return { ok: false, details: { expected_data_type: t } };
}

function checkLength(f: FieldDef, s: string): Coerced {
  if (f.length !== undefined && s.length > f.length)
    return { ok: false, details: { maximum_length: f.length } };
  return { ok: true, value: s };
}

export function coerce(f: FieldDef, raw: unknown): Coerced {
  const str =
    typeof raw === 'string'
      ? raw
      : typeof raw === 'number' || typeof raw === 'boolean'
        ? String(raw)
        : undefined;
  switch (f.dataType) {
    case 'text':
    case 'textarea':
      return str === undefined ? expected(f.dataType) : checkLength(f, str);
    case 'phone':
      if (str === undefined || !PHONE_RE.test(str)) return expected('phone');
      return checkLength(f, str);
    case 'email':
      if (str === undefined || !EMAIL_RE.test(str)) return expected('email');
      return checkLength(f, str);
    case 'website':
      if (str === undefined || !WEBSITE_RE.test(str)) return expected('website');
      return checkLength(f, str);
    case 'integer':
    case 'bigint': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      const max = f.dataType === 'integer' ? 2147483647 : Number.MAX_SAFE_INTEGER;
      if (!Number.isInteger(n) || Math.abs(n) > max) return expected(f.dataType);
      return { ok: true, value: n };
    }
    case 'double':
    case 'currency':
    case 'percent': {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return expected('double');
      return { ok: true, value: n };
    }
    case 'boolean':
      return typeof raw === 'boolean' ? { ok: true, value: raw } : expected('boolean');
    case 'date':
      return typeof raw === 'string' && isValidDate(raw) ? { ok: true, value: raw } : expected('date');
    case 'datetime': {
      const ms = typeof raw === 'string' ? parseZohoDateTime(raw) : undefined;
      return ms === undefined ? expected('datetime') : { ok: true, value: ms };
    }
    case 'picklist': {
      if (str === undefined) return expected('picklist');
      if (str === '-None-') return { ok: true, value: null };
      const pv = matchPicklist(f, str);
      return pv === undefined ? { ok: false, details: {} } : { ok: true, value: pv };
    }
    case 'multiselectpicklist': {
      if (!Array.isArray(raw)) return expected('jsonarray');
      const out: string[] = [];
      for (const x of raw) {
        const pv = typeof x === 'string' ? matchPicklist(f, x) : undefined;
        if (pv === undefined) return { ok: false, details: {} };
        out.push(pv);
      }
      return { ok: true, value: out };
    }
    default:
      return expected(f.dataType);
  }
}

function matchPicklist(f: FieldDef, s: string): string | undefined {
  const vals = f.picklist ?? [];
  const exact = vals.find((p) => p.display === s || p.actual === s);
  if (exact) return exact.display;
  const lower = s.toLowerCase();
  return vals.find((p) => p.display.toLowerCase() === lower || p.actual.toLowerCase() === lower)?.display;
}

// ------------------------------------------------------------------ answers

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

export function serializeRecord(
  org: OrgState,
  mod: ModuleState,
  rec: RecordRec,
  fields?: FieldDef[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const list = fields ?? mod.def.fields;
  for (const f of list) out[f.apiName] = fieldValue(org, f, rec);
  if (!fields) {
    out.$state = 'save';
    out.$editable = true;
    out.$approval_state = 'approved';
    out.$approved = true;
    out.$process_flow = false;
    out.Tag = [];
    if (mod.def.fields.some((f) => f.dataType === 'currency')) out.$currency_symbol = org.org.currencySymbol;
  }
  out.id = rec.id;
  return out;
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

// ------------------------------------------------------------------ notes & attachments

const NOTE_FIELDS = [
  'Owner',
  'Modified_Time',
  '$attachments',
  'Created_Time',
  'Parent_Id',
  '$editable',
  '$sharing_permission',
  'Modified_By',
  '$size',
  '$state',
  '$voice_note',
  'id',
  'Created_By',
  'Note_Title',
  'Note_Content',
  '$is_shared_to_client',
];

export function serializeNote(org: OrgState, n: NoteRec, fields?: string[]): Record<string, unknown> {
  const mod = org.module(n.parentModule);
  const attIds = org.attachmentsByParent.get(n.id);
  const all: Record<string, unknown> = {
    Owner: minUser(org, n.ownerId),
    Modified_Time: dt(org, n.modifiedAt),
    $attachments:
      attIds && attIds.size > 0
        ? [...attIds].map((id) => serializeAttachmentBrief(org, org.attachments.get(id))).filter(Boolean)
        : null,
    Created_Time: dt(org, n.createdAt),
    Parent_Id: {
      module: { api_name: mod?.def.apiName ?? n.parentModule, id: mod?.def.id ?? null },
      name: org.recordName(n.parentModule, n.parentId),
      id: n.parentId,
    },
    $editable: true,
    $sharing_permission: 'full_access',
    Modified_By: minUser(org, n.modifiedById),
    $size: null,
    $state: 'save',
    $voice_note: false,
    $is_shared_to_client: false,
    id: n.id,
    Created_By: minUser(org, n.createdById),
    Note_Title: n.title,
    Note_Content: n.content,
  };
  if (!fields) return all;
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const key = NOTE_FIELDS.find((k) => k.toLowerCase() === f.toLowerCase());
    if (key) out[key] = all[key];
  }
  out.id = n.id;
  return out;
}

function serializeAttachmentBrief(
  org: OrgState,
  a: AttachmentRec | undefined,
): Record<string, unknown> | null {
  if (!a) return null;
  return {
    id: a.id,
    File_Name: a.fileName,
    Size: String(a.size),
    Created_Time: dt(org, a.createdAt),
    $file_id: a.id,
  };
}

export function serializeAttachment(org: OrgState, a: AttachmentRec): Record<string, unknown> {
  const mod = org.module(a.parentModule);
  return {
    Owner: minUser(org, a.ownerId),
    Modified_Time: dt(org, a.modifiedAt),
    File_Name: a.fileName,
    Created_Time: dt(org, a.createdAt),
    Size: String(a.size),
    Parent_Id: {
      name:
        a.parentModule === 'Notes'
          ? (org.notes.get(a.parentId)?.title ?? null)
          : org.recordName(a.parentModule, a.parentId),
      id: a.parentId,
    },
    $editable: true,
    $file_id: a.id,
    $type: 'Attachment',
    $se_module: mod?.def.apiName ?? a.parentModule,
    Modified_By: minUser(org, a.createdById),
    $state: 'save',
    id: a.id,
    Created_By: minUser(org, a.createdById),
    $link_url: null,
    $attachment_type: 1,
  };
}

export type { UserRec };
