/**
 * One row of `POST /settings/fields?module=`: a custom field from `field_label`, `data_type`,
 * `length` or `textarea.type`, and `pick_list_values`, checked as Zoho checks them (label of at
 * most 50 characters and unique in the module, a type custom fields may have, lengths within the
 * type's maximum, picklist values present and distinct). The API name follows the label.
 */
import type { Mint } from '../model/build.js';
import { buildField } from '../model/build.js';
import type { ModuleState } from '../model/moduleState.js';
import type { EmuFieldType, FieldDef } from '../model/types.js';
import { isRowError, rowError, type RowError } from '../records/validate.js';

const CREATABLE_TYPES = new Set<EmuFieldType>([
  'text',
  'textarea',
  'email',
  'phone',
  'website',
  'picklist',
  'multiselectpicklist',
  'integer',
  'bigint',
  'double',
  'currency',
  'percent',
  'boolean',
  'date',
  'datetime',
]);

export const MAX_LENGTH: Partial<Record<EmuFieldType, number>> = {
  text: 255,
  website: 255,
  phone: 30,
  email: 100,
  textarea: 32000,
  integer: 9,
  bigint: 18,
  double: 16,
  currency: 16,
  percent: 5,
};

const MAX_LABEL = 50;

/** A length the type allows (a positive integer up to the type's maximum). */
export function validLength(t: EmuFieldType, v: unknown): v is number {
  const max = MAX_LENGTH[t];
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && (max === undefined || v <= max);
}

function fieldApiNameFor(label: string): string {
  const base = label
    .normalize('NFKD')
    .replace(/[^\w\s]/g, '')
    .trim()
    .replace(/\s+/g, '_');
  return /^[A-Za-z]/.test(base) ? base : `Field_${base}`;
}

type Err = (code: string, message: string, api: string, extra?: Record<string, unknown>) => RowError;

function rowErrors(i: number): Err {
  return (code, message, api, extra = {}) =>
    rowError(code, message, { ...extra, api_name: api, json_path: `$.fields[${i}].${api}` });
}

/** The API name asked for, or one made from the label (numbered when taken). */
function apiNameFor(
  mod: ModuleState,
  r: Record<string, unknown>,
  label: string,
  err: Err,
): string | RowError {
  const asked = typeof r.api_name === 'string' && /^[A-Za-z][A-Za-z0-9_]*$/.test(r.api_name);
  const apiName = asked ? (r.api_name as string) : fieldApiNameFor(label);
  if (!mod.field(apiName)) return apiName;
  if (typeof r.api_name === 'string') return err('DUPLICATE_DATA', 'duplicate data', 'api_name');
  let n = 1;
  while (mod.field(`${apiName}${n}`)) n++;
  return `${apiName}${n}`;
}

function lengthFor(t: EmuFieldType, r: Record<string, unknown>, err: Err): number | undefined | RowError {
  if (t === 'textarea') {
    const ta = r.textarea as Record<string, unknown> | undefined;
    return ta?.type === 'large' || ta?.type === 'rich_text' ? 32000 : 2000;
  }
  if (r.length === undefined) return MAX_LENGTH[t];
  return validLength(t, r.length) ? r.length : err('INVALID_DATA', 'invalid data', 'length');
}

/** Display values and their actual values, distinct (case-insensitively). */
function picklistFor(r: Record<string, unknown>, err: Err): { display: string; actual: string }[] | RowError {
  const pv = r.pick_list_values;
  if (!Array.isArray(pv) || pv.length === 0)
    return err('MANDATORY_NOT_FOUND', 'required field not found', 'pick_list_values');
  const out: { display: string; actual: string }[] = [];
  for (const v of pv) {
    const o = (v ?? {}) as Record<string, unknown>;
    const dv = o.display_value;
    if (typeof dv !== 'string' || !dv.trim()) return err('INVALID_DATA', 'invalid data', 'pick_list_values');
    if (out.some((x) => x.display.toLowerCase() === dv.toLowerCase()))
      return err('DUPLICATE_DATA', 'duplicate data', 'pick_list_values');
    out.push({ display: dv, actual: typeof o.actual_value === 'string' ? o.actual_value : dv });
  }
  return out;
}

/** The label and type of a row, checked; or the row's error. */
function labelAndType(mod: ModuleState, r: Record<string, unknown>, i: number, err: Err) {
  const label = typeof r.field_label === 'string' ? r.field_label.trim() : '';
  if (!label)
    return rowError('MANDATORY_NOT_FOUND', 'required field not found', {
      api_name: 'field_label',
      json_path: `$.fields[${i}].field_label`,
    });
  const dataType = r.data_type;
  if (typeof dataType !== 'string')
    return err('MANDATORY_NOT_FOUND', 'required field not found', 'data_type');
  if (!CREATABLE_TYPES.has(dataType as EmuFieldType)) return err('INVALID_DATA', 'invalid data', 'data_type');
  if (label.length > MAX_LABEL)
    return err('INVALID_DATA', 'invalid data', 'field_label', { maximum_length: MAX_LABEL });
  if (mod.def.fields.some((f) => f.label.toLowerCase() === label.toLowerCase()))
    return err('DUPLICATE_DATA', 'duplicate data', 'field_label');
  return { label, type: dataType as EmuFieldType };
}

/** A new custom field from row `i`, or the row's error. Does not add it to the module. */
export function fieldFromRow(mint: Mint, mod: ModuleState, row: unknown, i: number): FieldDef | RowError {
  const err = rowErrors(i);
  const r = (row ?? {}) as Record<string, unknown>;
  const lt = labelAndType(mod, r, i, err);
  if (isRowError(lt)) return lt;
  const { label, type } = lt;
  const apiName = apiNameFor(mod, r, label, err);
  if (isRowError(apiName)) return apiName;
  const length = lengthFor(type, r, err);
  if (isRowError(length)) return length;
  let picklist: { display: string; actual: string }[] | undefined;
  if (type === 'picklist' || type === 'multiselectpicklist') {
    const p = picklistFor(r, err);
    if (isRowError(p)) return p;
    picklist = p;
  }
  const f = buildField(
    mint,
    {
      apiName,
      label,
      dataType: type,
      length,
      mandatory: false,
      custom: true,
      picklist: picklist?.map((p) => p.display),
    },
    true,
  );
  if (picklist)
    f.picklist = (f.picklist ?? []).map((p, j) => ({ ...p, actual: picklist[j]?.actual ?? p.actual }));
  return f;
}
