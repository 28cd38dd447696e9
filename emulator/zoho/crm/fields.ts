/**
 * `/settings/fields?module=`: list (GET), one field (GET /{id}), create custom fields (POST, up
 * to 100 rows), update (PATCH, rows with ids, or PATCH /{id} with one row) and delete a custom
 * field (DELETE /{id}). Writes need the Administrator profile, as Zoho's customize permission.
 */
import { Router } from 'express';
import type { EmuCore } from '../core.js';
import type { ModuleState } from '../model/moduleState.js';
import type { OrgState } from '../model/orgState.js';
import type { FieldDef } from '../model/types.js';
import { ApiError, Errors, q, sendJson, sendNoContent } from '../http/errors.js';
import { isRowError, rowError } from '../records/validate.js';
import {
  byMethod,
  dataRows,
  moduleParam,
  need,
  needAdmin,
  param,
  rowId,
  writeStatus,
  type Ctx,
} from './context.js';
import { fieldJson } from './fieldJson.js';
import { fieldFromRow } from './fieldCreate.js';
import { updateField } from './fieldUpdate.js';

function fieldById(mod: ModuleState, id: string): FieldDef {
  const f = mod.def.fields.find((x) => x.id === id);
  if (!f)
    throw new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 2 });
  return f;
}

function getFields(ctx: Ctx): void {
  need(ctx, 'settings', 'fields', 'READ');
  const mod = moduleParam(ctx);
  if (q(ctx.req, 'type') === 'unused') return sendNoContent(ctx.res);
  sendJson(ctx.res, 200, { fields: mod.def.fields.map((f, i) => fieldJson(ctx.org, f, i + 1)) });
}

function getField(ctx: Ctx): void {
  need(ctx, 'settings', 'fields', 'READ');
  const mod = moduleParam(ctx);
  const f = fieldById(mod, param(ctx, 'id'));
  sendJson(ctx.res, 200, { fields: [fieldJson(ctx.org, f, mod.def.fields.indexOf(f) + 1)] });
}

async function createFields(ctx: Ctx): Promise<void> {
  need(ctx, 'settings', 'fields', 'CREATE');
  const mod = moduleParam(ctx);
  needAdmin(ctx);
  const { rows } = await dataRows(ctx, 'fields');
  const results = rows.map((row, i) => {
    const f = fieldFromRow(ctx.core.state, mod, row, i);
    if (isRowError(f)) return f;
    mod.insertField(f, ctx.core.now());
    return { code: 'SUCCESS', details: { id: f.id }, message: 'field created', status: 'success' };
  });
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 201), { fields: results });
}

/** A row of a PATCH without an id in the URL: the field its `id` names. */
function updateRow(ctx: Ctx, mod: ModuleState, row: unknown, i: number): Record<string, unknown> {
  const env = { nextId: () => ctx.core.state.nextId(), now: ctx.core.now() };
  const r = (row ?? {}) as Record<string, unknown>;
  const id = rowId(r);
  const at = { api_name: 'id', json_path: `$.fields[${i}].id` };
  if (id === undefined) return rowError('MANDATORY_NOT_FOUND', 'required field not found', at);
  const f = mod.def.fields.find((x) => x.id === id);
  if (!f) return rowError('INVALID_DATA', 'the id given seems to be invalid', at);
  return updateField(mod, f, r, i, env);
}

async function updateFields(ctx: Ctx, id: string | undefined): Promise<void> {
  need(ctx, 'settings', 'fields', 'UPDATE');
  const mod = moduleParam(ctx);
  needAdmin(ctx);
  const { rows } = await dataRows(ctx, 'fields');
  let results: Record<string, unknown>[];
  if (id !== undefined) {
    const f = fieldById(mod, id);
    if (rows.length !== 1) throw Errors.limit(1, { api_name: 'fields', json_path: '$.fields' });
    const env = { nextId: () => ctx.core.state.nextId(), now: ctx.core.now() };
    results = [updateField(mod, f, (rows[0] ?? {}) as Record<string, unknown>, 0, env)];
  } else {
    results = rows.map((row, i) => updateRow(ctx, mod, row, i));
  }
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results as { status: string }[], 200), { fields: results });
}

function deleteField(ctx: Ctx): void {
  need(ctx, 'settings', 'fields', 'DELETE');
  const mod = moduleParam(ctx);
  needAdmin(ctx);
  const id = param(ctx, 'id');
  const f = fieldById(mod, id);
  if (!f.custom) throw new ApiError(400, 'NOT_ALLOWED', 'standard fields cannot be deleted', { id });
  removeField(ctx.core, ctx.org, mod, f.apiName);
  sendJson(ctx.res, 200, {
    fields: [{ code: 'SUCCESS', details: { id }, message: 'field deleted', status: 'success' }],
  });
}

/** Removes a field and its values from every record (the API's delete and the state API's). */
export function removeField(core: EmuCore, org: OrgState, mod: ModuleState, apiName: string): void {
  const f = mod.field(apiName);
  if (!f) throw new Error(`emulator: no field ${apiName} in ${mod.def.apiName}`);
  mod.def.fields = mod.def.fields.filter((x) => x !== f);
  mod.reindexFields();
  for (const rec of mod.records.values()) org.setValue(mod, rec, f.apiName, undefined);
  mod.index.delete(f.apiName);
  mod.def.modifiedAt = core.now();
  core.changed();
}

/** Mounted at /settings/fields (case-sensitive, as Zoho's paths). */
export function fieldsRouter(): Router {
  const r = Router({ caseSensitive: true, mergeParams: true });
  r.all('/', byMethod({ GET: getFields, POST: createFields, PATCH: (ctx) => updateFields(ctx, undefined) }));
  r.all(
    '/:id',
    byMethod({ GET: getField, PATCH: (ctx) => updateFields(ctx, param(ctx, 'id')), DELETE: deleteField }),
  );
  return r;
}
