/** Record-level rules Zoho enforces on writes: field types, lengths, mandatory fields, owners. */
import type { FieldDef } from '../model/types.js';
import type { ModuleState } from '../model/moduleState.js';
import type { OrgState } from '../model/orgState.js';
import { isValidDate, parseZohoDateTime } from '../time.js';

export type RowError = {
  code: string;
  details: Record<string, unknown>;
  message: string;
  status: 'error';
};

export function rowError(code: string, message: string, details: Record<string, unknown> = {}): RowError {
  return { code, details, message, status: 'error' };
}

export function isRowError(x: unknown): x is RowError {
  return !!x && typeof x === 'object' && (x as RowError).status === 'error';
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

/**
 * What a phone field accepts through the API and the UI: digits and the punctuation people type,
 * any Unicode space (numbers pasted with no-break spaces) and hyphen, and extensions (`x12`, `ext. 12`,
 * `;ext=12`); words are refused. Zoho's exact rule is undocumented; seeded legacy data is only
 * length-checked (`lenientPhones`).
 */
const PHONE_RE = /^[0-9+\-()./#*;=xXeEtT\s\u2010-\u2015]*$/;
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
  opts: { lenientPhones?: boolean } = {},
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
    const v =
      opts.lenientPhones && f.dataType === 'phone' && typeof raw === 'string'
        ? checkLength(f, raw)
        : coerce(f, raw);
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
