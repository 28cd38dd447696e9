/**
 * One row of a Notes write: `Note_Content` (mandatory, within the Notes module's length),
 * `Note_Title`, the parent (`Parent_Id` as an id or `{id, module}`, `se_module`, or the URL's
 * record) and `Owner`. A Note does not change its parent record's Modified_Time.
 */
import type { NoteRec } from '../model/types.js';
import { writeDetails } from '../records/values.js';
import { invalidData, isRowError, mandatoryNotFound, rowError, type RowError } from '../records/validate.js';
import type { Ctx } from './context.js';
import type { RowResult } from './recordWrites.js';

const NOTE_KEYS = new Set(['Note_Title', 'Note_Content', 'Parent_Id', 'se_module', 'Owner', 'id']);

function noteParent(
  ctx: Ctx,
  r: Record<string, unknown>,
  i: number,
): { module: string; id: string } | RowError {
  const p = r.Parent_Id;
  let moduleName: unknown = r.se_module;
  let id: unknown = p;
  if (p && typeof p === 'object') {
    const po = p as Record<string, unknown>;
    id = po.id;
    const m = po.module;
    if (m && typeof m === 'object') moduleName = (m as Record<string, unknown>).api_name ?? moduleName;
    else if (typeof m === 'string') moduleName = m;
  }
  if (id === undefined || id === null || id === '') return mandatoryNotFound('Parent_Id', i);
  const sid = String(id);
  if (moduleName === undefined || moduleName === null || moduleName === '') {
    const m = ctx.org.recordModule.get(sid);
    if (!m) return mandatoryNotFound('se_module', i);
    moduleName = m;
  }
  const mod = typeof moduleName === 'string' ? ctx.org.module(moduleName) : undefined;
  if (!mod || mod.def.kind !== 'records')
    return invalidData('Parent_Id', i, {}, 'the module name given seems to be invalid');
  if (!mod.records.has(sid))
    return invalidData('Parent_Id', i, {}, 'the related id given seems to be invalid');
  return { module: mod.def.apiName, id: sid };
}

function noteText(
  r: Record<string, unknown>,
  key: 'Note_Title' | 'Note_Content',
  i: number,
  max: number,
): string | null | undefined | RowError {
  const v = r[key];
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  if (typeof v !== 'string') return invalidData(key, i, { expected_data_type: 'text' });
  if (v.length > max) return invalidData(key, i, { maximum_length: max });
  return v;
}

function noteLimits(ctx: Ctx): { title: number; content: number } {
  const mod = ctx.org.module('Notes');
  return {
    title: mod?.field('Note_Title')?.length ?? 255,
    content: mod?.field('Note_Content')?.length ?? 32000,
  };
}

export function createNoteRow(
  ctx: Ctx,
  row: unknown,
  i: number,
  fixedParent?: { module: string; id: string },
): RowResult {
  if (!row || typeof row !== 'object' || Array.isArray(row))
    return rowError('INVALID_DATA', 'invalid data', {
      expected_data_type: 'jsonobject',
      json_path: `$.data[${i}]`,
    });
  const r = row as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!NOTE_KEYS.has(k) && !k.startsWith('$')) return invalidData(k, i);
  const lim = noteLimits(ctx);
  const content = noteText(r, 'Note_Content', i, lim.content);
  if (isRowError(content)) return content;
  if (!content) return mandatoryNotFound('Note_Content', i);
  const title = noteText(r, 'Note_Title', i, lim.title);
  if (isRowError(title)) return title;
  const parent = fixedParent ?? noteParent(ctx, r, i);
  if (isRowError(parent)) return parent;
  let ownerId = ctx.user.id;
  if (r.Owner !== undefined && r.Owner !== null) {
    const oid = typeof r.Owner === 'object' ? (r.Owner as Record<string, unknown>).id : r.Owner;
    const u = typeof oid === 'string' || typeof oid === 'number' ? ctx.org.users.get(String(oid)) : undefined;
    if (!u || u.status !== 'active') return invalidData('Owner', i, { expected_data_type: 'lookup' });
    ownerId = u.id;
  }
  const now = ctx.core.now();
  const n: NoteRec = {
    id: ctx.core.state.nextId(),
    title: title ?? null,
    content,
    parentModule: parent.module,
    parentId: parent.id,
    ownerId,
    createdById: ctx.user.id,
    modifiedById: ctx.user.id,
    createdAt: now,
    modifiedAt: now,
  };
  ctx.org.addNote(n);
  return {
    code: 'SUCCESS',
    details: writeDetails(ctx.org, n, false),
    message: 'record added',
    status: 'success',
  };
}

export function updateNoteRow(ctx: Ctx, row: unknown, i: number, id: string | undefined): RowResult {
  if (!row || typeof row !== 'object' || Array.isArray(row))
    return rowError('INVALID_DATA', 'invalid data', {
      expected_data_type: 'jsonobject',
      json_path: `$.data[${i}]`,
    });
  if (id === undefined)
    return rowError('MANDATORY_NOT_FOUND', 'required field not found', {
      api_name: 'id',
      json_path: `$.data[${i}].id`,
    });
  const n = ctx.org.notes.get(id);
  if (!n)
    return rowError('INVALID_DATA', 'the id given seems to be invalid', {
      api_name: 'id',
      json_path: `$.data[${i}].id`,
    });
  const r = row as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!NOTE_KEYS.has(k) && !k.startsWith('$')) return invalidData(k, i);
  const lim = noteLimits(ctx);
  const content = noteText(r, 'Note_Content', i, lim.content);
  if (isRowError(content)) return content;
  if (content === null) return mandatoryNotFound('Note_Content', i);
  const title = noteText(r, 'Note_Title', i, lim.title);
  if (isRowError(title)) return title;
  if (content !== undefined) n.content = content;
  if (title !== undefined) n.title = title;
  n.modifiedAt = Math.max(ctx.core.now(), n.modifiedAt + 1);
  n.modifiedById = ctx.user.id;
  return {
    code: 'SUCCESS',
    details: writeDetails(ctx.org, n, false),
    message: 'record updated',
    status: 'success',
  };
}
