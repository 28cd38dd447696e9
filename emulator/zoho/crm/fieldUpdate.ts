/**
 * One row of `PATCH /settings/fields[/{id}]?module=`: a new label, length, or picklist changes
 * (values added by `display_value`, changed or removed with `_delete` by `id`). System fields
 * cannot be changed. Nothing is changed unless the whole row is valid.
 */
import type { ModuleState } from '../model/moduleState.js';
import type { FieldDef, PicklistValue } from '../model/types.js';
import { isRowError, rowError, type RowError } from '../records/validate.js';
import { validLength } from './fieldCreate.js';

const SYSTEM_FIELDS = ['Owner', 'Created_By', 'Modified_By', 'Created_Time', 'Modified_Time'];

interface UpdateEnv {
  nextId(): string;
  now: number;
}

function invalid(api: string, path: string, code = 'INVALID_DATA', message = 'invalid data'): RowError {
  return rowError(code, message, { api_name: api, json_path: path });
}

function labelFor(mod: ModuleState, f: FieldDef, raw: unknown, i: number): string | RowError {
  const path = `$.fields[${i}].field_label`;
  if (typeof raw !== 'string' || !raw.trim()) return invalid('field_label', path);
  const lbl = raw.trim();
  if (mod.def.fields.some((x) => x !== f && x.label.toLowerCase() === lbl.toLowerCase()))
    return invalid('field_label', path, 'DUPLICATE_DATA', 'duplicate data');
  return lbl;
}

/** One change to an existing value (by id): removed, renamed or given another actual value. */
function changeValue(
  list: PicklistValue[],
  v: Record<string, unknown>,
  id: string,
  path: string,
): RowError | undefined {
  const idx = list.findIndex((p) => p.id === id);
  const cur = list[idx];
  if (!cur) return invalid('id', `${path}.id`);
  if (v._delete === true || v._delete === null) {
    list.splice(idx, 1);
    return undefined;
  }
  const dv = typeof v.display_value === 'string' ? v.display_value.trim() : undefined;
  if (dv !== undefined) {
    if (list.some((p) => p !== cur && p.display.toLowerCase() === dv.toLowerCase()))
      return invalid('display_value', `${path}.display_value`, 'DUPLICATE_DATA', 'duplicate data');
    cur.display = dv;
  }
  if (typeof v.actual_value === 'string') cur.actual = v.actual_value;
  return undefined;
}

function addValue(
  list: PicklistValue[],
  v: Record<string, unknown>,
  path: string,
  env: UpdateEnv,
): RowError | undefined {
  const dv = typeof v.display_value === 'string' ? v.display_value.trim() : undefined;
  if (!dv)
    return invalid(
      'display_value',
      `${path}.display_value`,
      'MANDATORY_NOT_FOUND',
      'required field not found',
    );
  if (list.some((p) => p.display.toLowerCase() === dv.toLowerCase()))
    return invalid('display_value', `${path}.display_value`, 'DUPLICATE_DATA', 'duplicate data');
  const av = typeof v.actual_value === 'string' ? v.actual_value : undefined;
  list.push({ id: env.nextId(), display: dv, actual: av ?? dv });
  return undefined;
}

function picklistFor(f: FieldDef, raw: unknown, i: number, env: UpdateEnv): PicklistValue[] | RowError {
  const at = `$.fields[${i}].pick_list_values`;
  if (!f.picklist || !Array.isArray(raw)) return invalid('pick_list_values', at);
  const list = f.picklist.map((p) => ({ ...p }));
  for (const [j, item] of raw.entries()) {
    const v = (item ?? {}) as Record<string, unknown>;
    const path = `${at}[${j}]`;
    const id = typeof v.id === 'string' || typeof v.id === 'number' ? String(v.id) : undefined;
    const err = id !== undefined ? changeValue(list, v, id, path) : addValue(list, v, path, env);
    if (err) return err;
  }
  return list;
}

/** Applies row `i` to field `f`: the row's result (success or its error). */
export function updateField(
  mod: ModuleState,
  f: FieldDef,
  r: Record<string, unknown>,
  i: number,
  env: UpdateEnv,
): Record<string, unknown> {
  if (f.readOnly || SYSTEM_FIELDS.includes(f.apiName))
    return rowError('NOT_ALLOWED', 'field cannot be updated', {
      api_name: f.apiName,
      json_path: `$.fields[${i}]`,
    });
  const next: Partial<FieldDef> = {};
  if (r.field_label !== undefined) {
    const label = labelFor(mod, f, r.field_label, i);
    if (isRowError(label)) return label;
    next.label = label;
  }
  if (r.length !== undefined) {
    if (!validLength(f.dataType, r.length)) return invalid('length', `$.fields[${i}].length`);
    next.length = r.length;
  }
  if (r.pick_list_values !== undefined) {
    const list = picklistFor(f, r.pick_list_values, i, env);
    if (isRowError(list)) return list;
    next.picklist = list;
  }
  Object.assign(f, next, { modifiedAt: env.now });
  mod.def.modifiedAt = env.now;
  return { code: 'SUCCESS', details: { id: f.id }, message: 'field updated', status: 'success' };
}
