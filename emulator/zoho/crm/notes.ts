/**
 * Notes: `GET|POST|PUT|DELETE /Notes[/{id}]` and a record's Notes, `GET|POST /{module}/{id}/Notes`.
 * Lists are oldest first unless `sort_by`/`sort_order` say otherwise.
 */
import { Router, type Request, type Response } from 'express';
import type { ModuleState } from '../model/moduleState.js';
import type { NoteRec } from '../model/types.js';
import { ApiError, Errors, q, sendJson, sendNoContent } from '../http/errors.js';
import { serializeNote } from '../records/serialize.js';
import { rowError } from '../records/validate.js';
import { attachmentsRouter } from './attachments.js';
import {
  byMethod,
  ctxOf,
  dataRows,
  deleteIds,
  listInfo,
  idParam,
  invalidUrl,
  need,
  pageOf,
  paging,
  param,
  rowId,
  writeStatus,
  type Ctx,
} from './context.js';
import { createNoteRow, updateNoteRow } from './noteRows.js';

export async function createNotes(ctx: Ctx, fixedParent?: { module: string; id: string }): Promise<void> {
  need(ctx, 'modules', 'notes', 'CREATE');
  const { rows } = await dataRows(ctx);
  const results = rows.map((row, i) => createNoteRow(ctx, row, i, fixedParent));
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 201), { data: results });
}

async function updateNotes(ctx: Ctx, urlId: string | undefined): Promise<void> {
  need(ctx, 'modules', 'notes', 'UPDATE');
  const { rows } = await dataRows(ctx);
  if (urlId !== undefined && rows.length > 1)
    throw Errors.limit(1, { api_name: 'data', json_path: '$.data' });
  const results = rows.map((row, i) => updateNoteRow(ctx, row, i, urlId ?? rowId(row)));
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 200), { data: results });
}

/** Zoho lists notes oldest first unless asked otherwise. */
function sortNotes(notes: NoteRec[], sortBy: string | undefined, sortOrder: string | undefined): NoteRec[] {
  const by = (sortBy ?? 'Created_Time').toLowerCase();
  if (!['modified_time', 'created_time', 'id'].includes(by)) throw Errors.invalidParam('sort_by');
  const desc = (sortOrder ?? 'asc') === 'desc';
  const key = (n: NoteRec) => (by === 'created_time' ? n.createdAt : by === 'id' ? n.id : n.modifiedAt);
  return notes.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    let c = ka < kb ? -1 : ka > kb ? 1 : 0;
    if (c === 0) c = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return desc ? -c : c;
  });
}

export function listNotes(ctx: Ctx, notes: NoteRec[]): void {
  need(ctx, 'modules', 'notes', 'READ');
  const fieldsParam = q(ctx.req, 'fields');
  if (!fieldsParam) throw Errors.paramMissing('fields');
  const fields = fieldsParam
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const { page, perPage } = paging(ctx.req);
  const idsParam = q(ctx.req, 'ids');
  let list = notes;
  if (idsParam !== undefined) {
    const ids = new Set(idsParam.split(',').map((s) => s.trim()));
    list = list.filter((n) => ids.has(n.id));
  }
  const sorted = sortNotes(list, q(ctx.req, 'sort_by'), q(ctx.req, 'sort_order'));
  const { slice, more } = pageOf(sorted, page, perPage);
  if (slice.length === 0) return sendNoContent(ctx.res);
  sendJson(ctx.res, 200, {
    data: slice.map((n) => serializeNote(ctx.org, n, fields)),
    info: listInfo({
      perPage,
      count: slice.length,
      page,
      more,
      sortBy: q(ctx.req, 'sort_by') ?? 'Created_Time',
      sortOrder: q(ctx.req, 'sort_order') ?? 'asc',
    }),
  });
}

function getNote(ctx: Ctx, id: string): void {
  need(ctx, 'modules', 'notes', 'READ');
  const n = ctx.org.notes.get(id);
  if (!n) return sendNoContent(ctx.res);
  const fp = q(ctx.req, 'fields');
  sendJson(ctx.res, 200, {
    data: [serializeNote(ctx.org, n, fp ? fp.split(',').map((s) => s.trim()) : undefined)],
  });
}

function deleteNotes(ctx: Ctx, urlId: string | undefined): void {
  need(ctx, 'modules', 'notes', 'DELETE');
  const ids = deleteIds(ctx, urlId);
  const results = ids.map((id) => {
    if (!ctx.org.notes.has(id)) return rowError('INVALID_DATA', 'the id given seems to be invalid', { id });
    ctx.org.removeNote(id);
    return { code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' };
  });
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 200), { data: results });
}

/** Mounted at /Notes. */
export function notesRouter(): Router {
  const r = Router();
  r.all(
    '/',
    byMethod({
      GET: (ctx) => listNotes(ctx, [...ctx.org.notes.values()]),
      POST: (ctx) => createNotes(ctx),
      PUT: (ctx) => updateNotes(ctx, undefined),
      DELETE: (ctx) => deleteNotes(ctx, undefined),
    }),
  );
  r.all(
    '/:id',
    idParam('id'),
    byMethod({
      GET: (ctx) => getNote(ctx, param(ctx, 'id')),
      PUT: (ctx) => updateNotes(ctx, param(ctx, 'id')),
      DELETE: (ctx) => deleteNotes(ctx, param(ctx, 'id')),
    }),
  );
  r.use(
    '/:id/attachments',
    idParam('id'),
    attachmentsRouter(() => 'Notes'),
  );
  r.use(invalidUrl);
  return r;
}

/** `/{module}/{id}/Notes`: the Notes of one record (400 when the record does not exist, whatever the method). */
export function recordNotes(moduleOf: (ctx: Ctx) => ModuleState) {
  const methods = byMethod({
    GET: (ctx) => {
      const ids = ctx.org.notesByParent.get(param(ctx, 'id')) ?? [];
      listNotes(
        ctx,
        [...ids].map((n) => ctx.org.notes.get(n)).filter((n): n is NoteRec => !!n),
      );
    },
    POST: (ctx) => createNotes(ctx, { module: moduleOf(ctx).def.apiName, id: param(ctx, 'id') }),
  });
  return (req: Request, res: Response) => {
    const ctx = ctxOf(req, res);
    if (!moduleOf(ctx).records.has(param(ctx, 'id')))
      throw new ApiError(400, 'INVALID_DATA', 'the related id given seems to be invalid', {
        resource_path_index: 1,
      });
    return methods(req, res);
  };
}
