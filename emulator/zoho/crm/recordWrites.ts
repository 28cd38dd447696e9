/**
 * What record writes through the API share (create, update, upsert): the caller's change,
 * unique-field checks, an update of one row, and the per-row answers Zoho gives.
 */
import type { ModuleState } from '../model/moduleState.js';
import type { RecordRec } from '../model/types.js';
import { minUser, writeDetails } from '../records/values.js';
import { rowError, validateRecordRow, type RowError } from '../records/validate.js';
import { applyUpdate, insertRecord, type Change } from '../records/write.js';
import type { Ctx } from './context.js';

export interface RowResult {
  status: string;
  [k: string]: unknown;
}

/** The caller makes this change now. */
export function change(ctx: Ctx): Change {
  return { byUserId: ctx.user.id, at: ctx.core.now() };
}

export function insertAs(
  ctx: Ctx,
  mod: ModuleState,
  changes: Map<string, unknown>,
  ownerId: string | undefined,
): RecordRec {
  return insertRecord(ctx.core.state, ctx.org, mod, changes, ownerId, change(ctx));
}

/** Unique-field check: an error when another record holds the same value. */
export function uniqueViolation(
  ctx: Ctx,
  mod: ModuleState,
  changes: Map<string, unknown>,
  i: number,
  selfId?: string,
): RowError | undefined {
  for (const f of mod.def.fields) {
    if (!f.unique) continue;
    const v = changes.get(f.apiName);
    if (v === undefined || v === null) continue;
    for (const id of mod.lookup(f.apiName, v) ?? []) {
      if (id === selfId) continue;
      const other = mod.records.get(id);
      if (!other) continue;
      return rowError('DUPLICATE_DATA', 'duplicate data', {
        api_name: f.apiName,
        json_path: `$.data[${i}].${f.apiName}`,
        duplicate_record: {
          id,
          module: { api_name: mod.def.apiName, id: mod.def.id },
          Owner: minUser(ctx.org, other.ownerId, false),
        },
      });
    }
  }
  return undefined;
}

export function insertResult(ctx: Ctx, rec: RecordRec): RowResult {
  return {
    code: 'SUCCESS',
    duplicate_field: null,
    action: 'insert',
    details: writeDetails(ctx.org, rec),
    message: 'record added',
    status: 'success',
  };
}

export function updateResult(ctx: Ctx, rec: RecordRec, duplicateField: string | null = null): RowResult {
  return {
    code: 'SUCCESS',
    duplicate_field: duplicateField,
    action: 'update',
    details: writeDetails(ctx.org, rec),
    message: 'record updated',
    status: 'success',
  };
}

export function updateRow(
  ctx: Ctx,
  mod: ModuleState,
  row: unknown,
  i: number,
  id: string | undefined,
): RowResult {
  if (id === undefined)
    return rowError('MANDATORY_NOT_FOUND', 'required field not found', {
      api_name: 'id',
      json_path: `$.data[${i}].id`,
    });
  const rec = mod.records.get(id);
  if (!rec)
    return rowError('INVALID_DATA', 'the id given seems to be invalid', {
      api_name: 'id',
      json_path: `$.data[${i}].id`,
    });
  const v = validateRecordRow(ctx.org, mod, row, i, 'update');
  if (!v.ok) return v.error;
  const dup = uniqueViolation(ctx, mod, v.changes, i, rec.id);
  if (dup) return dup;
  applyUpdate(ctx.org, mod, rec, v.changes, v.ownerId, change(ctx));
  return updateResult(ctx, rec);
}
