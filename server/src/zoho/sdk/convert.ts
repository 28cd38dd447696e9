/**
 * Value conversion between the SDK and our plain data: ids and API names checked before they reach
 * a URL or a COQL query, Zoho's JSON → ZohoUser/ZohoField/ZohoRecord, a row of a batch answer →
 * RowResult, and our plain field values → the classes the SDK's converter insists on.
 */
import * as path from 'node:path';
import * as Z from '@zohocrm/typescript-sdk-8.0';
import { ZohoError } from '../errors.js';
import type { RowResult, ZohoField, ZohoFieldType, ZohoRecord, ZohoUser } from '../gateway.js';
import { codeFor, fieldOfDetails } from './errors.js';
import { isObj, optStr, str, type Json } from './json.js';

export type WriteResult = RowResult<{ id: string }>;

export const ID_RE = /^\d{1,20}$/;
const API_NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;

export function bigId(id: string, what: string): bigint {
  if (!ID_RE.test(id))
    throw new ZohoError(`${what}: "${id.slice(0, 30)}" is not a Zoho id`, {
      code: 'validation',
      zohoCode: 'INVALID_ID',
    });
  return BigInt(id);
}

export function checkApiName(name: string, what: string): string {
  if (!API_NAME_RE.test(name)) {
    throw new ZohoError(`${what}: "${name.slice(0, 40)}" is not a valid API name`, {
      code: 'validation',
      zohoCode: 'INVALID_API_NAME',
      field: name,
    });
  }
  return name;
}

const FIELD_TYPES: Record<string, ZohoFieldType> = {
  phone: 'phone',
  text: 'text',
  textarea: 'textarea',
  email: 'email',
  website: 'website',
  picklist: 'picklist',
  multiselectpicklist: 'multiselectpicklist',
  integer: 'integer',
  bigint: 'integer',
  double: 'double',
  currency: 'currency',
  percent: 'double',
  date: 'date',
  datetime: 'datetime',
  boolean: 'boolean',
  lookup: 'lookup',
  ownerlookup: 'ownerlookup',
  userlookup: 'ownerlookup',
  autonumber: 'autonumber',
};

export function toUser(u: Json): ZohoUser {
  const profile = isObj(u.profile) ? str(u.profile.name) : str(u.profile);
  const fullName = optStr(u.full_name) ?? [str(u.first_name), str(u.last_name)].filter(Boolean).join(' ');
  return {
    id: str(u.id),
    email: str(u.email),
    fullName,
    profile,
    isAdmin: profile === 'Administrator',
    active: str(u.status).toLowerCase() === 'active',
  };
}

export function toField(f: Json): ZohoField {
  const dataType = str(f.data_type);
  const pick = Array.isArray(f.pick_list_values)
    ? f.pick_list_values.filter(isObj).map((v) => str(v.display_value ?? v.actual_value))
    : undefined;
  const length = Number(f.length);
  return {
    id: str(f.id),
    apiName: str(f.api_name),
    label: optStr(f.field_label) ?? optStr(f.display_label) ?? str(f.api_name),
    type: FIELD_TYPES[dataType.toLowerCase()] ?? 'other',
    dataType,
    mandatory: f.system_mandatory === true,
    readOnly: f.read_only === true || f.field_read_only === true,
    custom: f.custom_field === true,
    maxLength: Number.isFinite(length) && length > 0 ? length : undefined,
    picklistValues: dataType === 'picklist' || dataType === 'multiselectpicklist' ? (pick ?? []) : undefined,
    // `crypt` is null unless the field is encrypted (or its encryption is in progress, status 2).
    encrypted: isObj(f.crypt),
  };
}

export function toRecord(r: Json): ZohoRecord {
  return { ...r, id: str(r.id) };
}

/** One row of a batch answer (`data[k]`, `fields[k]`) → RowResult. */
export function rowResult(row: unknown): WriteResult {
  if (!isObj(row)) {
    return {
      ok: false,
      code: 'temporary',
      zohoCode: 'NO_ROW',
      message: 'Zoho did not answer for this row',
      field: undefined,
    };
  }
  const details = isObj(row.details) ? row.details : {};
  if (str(row.status).toLowerCase() === 'success' && optStr(details.id))
    return { ok: true, value: { id: str(details.id) } };
  const zohoCode = optStr(row.code) ?? 'UNKNOWN';
  const field = fieldOfDetails(details);
  // A record that no longer exists (gateway.ts): INVALID_DATA on `id` for an update, and INVALID_DATA
  // on `Parent_Id` with "the related id given seems to be invalid" for a Note on it (an unknown
  // module in Parent_Id is INVALID_DATA on Parent_Id too, but the request's fault).
  const message = optStr(row.message) ?? '';
  const gone =
    zohoCode === 'INVALID_DATA' && (field === 'id' || (field === 'Parent_Id' && /related id/i.test(message)));
  return {
    ok: false,
    // A row is never rate-limited: a row-level LIMIT_EXCEEDED is about the row's content.
    code: gone
      ? 'not_found'
      : zohoCode === 'LIMIT_EXCEEDED'
        ? 'validation'
        : codeFor(zohoCode, undefined, details),
    zohoCode,
    message: message || zohoCode,
    field,
  };
}

/** A row that failed with the whole call (or before it was sent). */
export function failedRow(e: ZohoError): WriteResult {
  return {
    ok: false,
    code: e.code,
    zohoCode: e.zohoCode ?? e.code.toUpperCase(),
    message: e.message,
    field: e.field,
  };
}

/** The single row of a one-row write, or the ZohoError its failure means. */
export function rowOrThrow(
  row: WriteResult,
  what: string,
  httpStatus: number,
  field?: string,
): { id: string } {
  if (row.ok) return row.value;
  throw new ZohoError(`${what}: ${row.zohoCode} (${row.message})`, {
    code: row.code,
    zohoCode: row.zohoCode,
    field: row.field ?? field,
    httpStatus,
  });
}

const EXT_OF_MIME: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'audio/mp4': '.m4a',
  'video/mp4': '.mp4',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
};

/** A file name safe as one path segment, with an extension matching the MIME type when it had none. */
export function safeFileName(name: string, mimeType: string): string {
  let base = [...path.basename(name.replace(/\\/g, '/'))]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || ch === '/' ? '_' : ch))
    .join('')
    .trim();
  if (base === '' || base === '.' || base === '..') base = 'attachment';
  if (base.length > 120) {
    const ext = path.extname(base).slice(0, 10);
    base = base.slice(0, 120 - ext.length) + ext;
  }
  if (path.extname(base) === '') base += EXT_OF_MIME[mimeType.toLowerCase().split(';')[0]!.trim()] ?? '';
  return base;
}

/** What the SDK's cache says about a field (Utility.setDataType output). */
export interface SdkFieldDetail {
  type?: string;
  structure_name?: string;
  read_only?: boolean;
}

const CHOICE_NS = 'utils/util/choice';
const USER_NS = 'core/com/zoho/crm/api/users/minified_user';
const RECORD_NS = 'core/com/zoho/crm/api/record/record';

function idOf(v: unknown): string | undefined {
  if (isObj(v)) return optStr(v.id);
  const s = optStr(v);
  return s;
}

type Refusal = (why: string) => ZohoError;

/** A value of a field of a scalar type the SDK's cache names (String, Integer, Date, …). */
function scalarValue(type: string, value: unknown, bad: Refusal): unknown {
  switch (type) {
    case 'String':
      if (typeof value === 'object') throw bad('must be text');
      return String(value);
    case 'Integer':
    case 'Double':
    case 'Float': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) throw bad('must be a number');
      return n;
    }
    case 'Long': {
      const s = String(value);
      if (!/^-?\d+$/.test(s)) throw bad('must be a whole number');
      return BigInt(s);
    }
    case 'Boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw bad('must be true or false');
    case 'Date':
    case 'DateTime': {
      const dt = value instanceof Date ? value : new Date(String(value));
      if (Number.isNaN(dt.getTime())) throw bad('must be a date');
      return dt;
    }
    default:
      // Unknown to the cache (new custom field, or a type we pass through): plain JSON.
      if (Array.isArray(value)) return value;
      if (isObj(value)) return new Map(Object.entries(value));
      return value;
  }
}

/** The id of a lookup value (`{id}` or the id itself), checked. */
function lookupId(value: unknown, bad: Refusal, what: string): bigint {
  const id = idOf(value);
  if (!id || !ID_RE.test(id)) throw bad(`must be a ${what} {id}`);
  return BigInt(id);
}

/**
 * Our plain value → what the SDK's converter expects for that field (it checks the class of every
 * value against its cached metadata): Choice for picklists, MinifiedUser for owner lookups, Record
 * for lookups, Date for dates, numbers/booleans as such. Fields the cache does not know go as is.
 */
export function toSdkValue(field: string, value: unknown, d: SdkFieldDetail | undefined): unknown {
  if (value === null || value === undefined) return null;
  const bad: Refusal = (why) =>
    new ZohoError(`value of ${field} ${why}`, { code: 'validation', zohoCode: 'INVALID_DATA', field });
  const type = d?.type ?? '';
  const structure = d?.structure_name ?? '';
  if (type === CHOICE_NS || (type !== 'list' && structure === CHOICE_NS)) {
    if (typeof value === 'object') throw bad('must be a picklist value (string)');
    return new Z.Choice(String(value));
  }
  if (type === 'list' && structure === CHOICE_NS) {
    const arr = Array.isArray(value) ? value : [value];
    return arr.map((v) => new Z.Choice(String(v)));
  }
  if (type === USER_NS || structure === USER_NS) {
    const u = new Z.Users.MinifiedUser();
    u.setId(lookupId(value, bad, 'user'));
    return u;
  }
  if (type === RECORD_NS || structure === RECORD_NS) {
    const r = new Z.Record.Record();
    r.setId(lookupId(value, bad, 'record'));
    return r;
  }
  return scalarValue(type, value, bad);
}
