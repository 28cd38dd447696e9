/**
 * Records of one module (the list, GET, is in recordList.ts): one record (GET /{id}; 204 when
 * there is none), create (POST), update (PUT, rows with ids, or PUT /{id} with one row), upsert
 * (POST /upsert, matching on `duplicate_check_fields` or the module's duplicate check and unique
 * fields) and delete (DELETE /{id} or ?ids=, up to 100).
 */
import type { ModuleState } from '../model/moduleState.js';
import type { FieldDef, RecordRec } from '../model/types.js';
import { deleteRecord } from '../records/write.js';
import { Errors, q, sendJson, sendNoContent } from '../http/errors.js';
import { pickFields } from '../records/values.js';
import { serializeRecord } from '../records/serialize.js';
import { rowError, validateRecordRow } from '../records/validate.js';
import { dataRows, deleteIds, need, rowId, writeStatus, type Ctx } from './context.js';
import {
  change,
  insertAs,
  insertResult,
  uniqueViolation,
  updateRow,
  type RowResult,
} from './recordWrites.js';

export async function createRecords(ctx: Ctx, mod: ModuleState): Promise<void> {
  need(ctx, 'modules', mod.def.apiName, 'CREATE');
  const { rows } = await dataRows(ctx);
  const results: RowResult[] = rows.map((row, i) => {
    const v = validateRecordRow(ctx.org, mod, row, i, 'create');
    if (!v.ok) return v.error;
    const dup = uniqueViolation(ctx, mod, v.changes, i);
    if (dup) return dup;
    return insertResult(ctx, insertAs(ctx, mod, v.changes, v.ownerId));
  });
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 201), { data: results });
}

export async function updateRecords(ctx: Ctx, mod: ModuleState, urlId: string | undefined): Promise<void> {
  need(ctx, 'modules', mod.def.apiName, 'UPDATE');
  const { rows } = await dataRows(ctx);
  if (urlId !== undefined && rows.length > 1)
    throw Errors.limit(1, { api_name: 'data', json_path: '$.data' });
  const results = rows.map((row, i) => updateRow(ctx, mod, row, i, urlId ?? rowId(row)));
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 200), { data: results });
}

export async function upsertRecords(ctx: Ctx, mod: ModuleState): Promise<void> {
  need(ctx, 'modules', mod.def.apiName, 'CREATE');
  need(ctx, 'modules', mod.def.apiName, 'UPDATE');
  const { rows, body } = await dataRows(ctx);
  const dupParam = body.duplicate_check_fields;
  const dupFields = (
    Array.isArray(dupParam)
      ? dupParam.filter((x): x is string => typeof x === 'string')
      : mod.def.duplicateCheck.concat(mod.def.fields.filter((f) => f.unique).map((f) => f.apiName))
  )
    .map((n) => mod.field(n))
    .filter((f): f is FieldDef => !!f);
  let anyInsert = false;
  const results: RowResult[] = rows.map((row, i) => {
    const id = rowId(row);
    if (id !== undefined) return updateRow(ctx, mod, row, i, id);
    const r = row && typeof row === 'object' ? (row as Record<string, unknown>) : {};
    for (const f of dupFields) {
      const val = r[f.apiName];
      if (val === undefined || val === null || val === '') continue;
      const hits = [...(ctx.org.module(mod.def.apiName)?.lookup(f.apiName, val) ?? [])];
      const target = hits.map((h) => mod.records.get(h)).find((x): x is RecordRec => !!x);
      if (target) {
        const res = updateRow(ctx, mod, row, i, target.id);
        if (res.status === 'success') return { ...res, duplicate_field: f.apiName };
        return res;
      }
    }
    const v = validateRecordRow(ctx.org, mod, row, i, 'create');
    if (!v.ok) return v.error;
    const dup = uniqueViolation(ctx, mod, v.changes, i);
    if (dup) return dup;
    anyInsert = true;
    return insertResult(ctx, insertAs(ctx, mod, v.changes, v.ownerId));
  });
  ctx.core.changed();
  const allInsert = anyInsert && results.every((r) => r.status !== 'success' || r.action === 'insert');
  sendJson(ctx.res, writeStatus(results, allInsert ? 201 : 200), { data: results });
}

export function getRecord(ctx: Ctx, mod: ModuleState, id: string): void {
  need(ctx, 'modules', mod.def.apiName, 'READ');
  const rec = mod.records.get(id);
  if (!rec) return sendNoContent(ctx.res);
  const fields = pickFields(mod, q(ctx.req, 'fields'));
  sendJson(ctx.res, 200, { data: [serializeRecord(ctx.org, mod, rec, fields)] });
}

export function deleteRecords(ctx: Ctx, mod: ModuleState, urlId: string | undefined): void {
  need(ctx, 'modules', mod.def.apiName, 'DELETE');
  const ids = deleteIds(ctx, urlId);
  const results = ids.map((id) => {
    if (!deleteRecord(ctx.org, mod, id, change(ctx)))
      return rowError('INVALID_DATA', 'the id given seems to be invalid', { id });
    return { code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' };
  });
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 200), { data: results });
}
