/**
 * Attachments of a record or a Note: upload (POST multipart `file`, one file, at most 100 MB), list
 * (GET, newest first), download (GET /{id}) and delete (DELETE /{id}).
 */
import { Router } from 'express';
import { ApiError, Errors, q, sendJson, sendNoContent } from '../http/errors.js';
import { multipart } from '../http/body.js';
import { serializeAttachment } from '../records/serialize.js';
import { writeDetails } from '../records/values.js';
import { byMethod, idParam, moduleOr400, need, pageOf, paging, param, type Ctx } from './context.js';

function attachmentParent(ctx: Ctx, moduleName: string, id: string): { module: string; id: string } {
  if (moduleName.toLowerCase() === 'notes') {
    if (!ctx.org.notes.has(id))
      throw new ApiError(400, 'INVALID_DATA', 'the related id given seems to be invalid', {
        resource_path_index: 1,
      });
    return { module: 'Notes', id };
  }
  const mod = moduleOr400(ctx, moduleName);
  if (!mod.records.has(id))
    throw new ApiError(400, 'INVALID_DATA', 'the related id given seems to be invalid', {
      resource_path_index: 1,
    });
  return { module: mod.def.apiName, id };
}

function decodeFileName(name: string): string {
  const utf8 = Buffer.from(name, 'latin1').toString('utf8');
  return utf8.includes('\uFFFD') ? name : utf8;
}

async function uploadAttachment(ctx: Ctx, moduleName: string, id: string): Promise<void> {
  need(ctx, 'modules', moduleName, 'CREATE', 'attachments');
  const parent = attachmentParent(ctx, moduleName, id);
  const ct = String(ctx.req.headers['content-type'] ?? '');
  if (!ct.startsWith('multipart/form-data')) throw Errors.paramMissing('file');
  const { files } = await multipart(ctx.req, ctx.res);
  const file = files.filter((f) => f.fieldname === 'file');
  if (file.length === 0) throw Errors.paramMissing('file');
  if (file.length > 1 || files.length > 1) throw Errors.limit(1, { param_name: 'file' });
  const f = file[0];
  if (!f) throw Errors.paramMissing('file');
  const now = ctx.core.now();
  const a = {
    id: ctx.core.state.nextId(),
    parentModule: parent.module,
    parentId: parent.id,
    fileName: decodeFileName(f.originalname || 'file'),
    mimeType: f.mimetype || 'application/octet-stream',
    size: f.size,
    data: f.buffer,
    ownerId: ctx.user.id,
    createdById: ctx.user.id,
    createdAt: now,
    modifiedAt: now,
  };
  ctx.org.addAttachment(a);
  ctx.core.changed();
  sendJson(ctx.res, 200, {
    data: [
      {
        code: 'SUCCESS',
        details: writeDetails(ctx.org, { ...a, modifiedById: a.createdById }, false),
        message: 'attachment uploaded',
        status: 'success',
      },
    ],
  });
}

function listAttachments(ctx: Ctx, moduleName: string, id: string): void {
  need(ctx, 'modules', moduleName, 'READ', 'attachments');
  const parent = attachmentParent(ctx, moduleName, id);
  if (!q(ctx.req, 'fields')) throw Errors.paramMissing('fields');
  const { page, perPage } = paging(ctx.req);
  const all = [...(ctx.org.attachmentsByParent.get(parent.id) ?? [])]
    .map((aid) => ctx.org.attachments.get(aid))
    .filter((a): a is NonNullable<typeof a> => !!a)
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const { slice, more } = pageOf(all, page, perPage);
  if (slice.length === 0) return sendNoContent(ctx.res);
  const wanted = (q(ctx.req, 'fields') ?? '').split(',').map((s) => s.trim().toLowerCase());
  sendJson(ctx.res, 200, {
    data: slice.map((a) => {
      const full = serializeAttachment(ctx.org, a);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(full)) if (wanted.includes(k.toLowerCase())) out[k] = v;
      out.id = a.id;
      return out;
    }),
    info: { per_page: perPage, count: slice.length, page, more_records: more },
  });
}

function downloadAttachment(ctx: Ctx, moduleName: string, id: string, aid: string): void {
  need(ctx, 'modules', moduleName, 'READ', 'attachments');
  const parent = attachmentParent(ctx, moduleName, id);
  const a = ctx.org.attachments.get(aid);
  if (!a || a.parentId !== parent.id)
    throw new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 3 });
  ctx.res.status(200);
  ctx.res.setHeader('Content-Type', a.mimeType);
  ctx.res.setHeader('Content-Disposition', `attachment;filename="${encodeURIComponent(a.fileName)}"`);
  ctx.res.end(a.data);
}

function deleteAttachment(ctx: Ctx, moduleName: string, id: string, aid: string): void {
  need(ctx, 'modules', moduleName, 'DELETE', 'attachments');
  const parent = attachmentParent(ctx, moduleName, id);
  const a = ctx.org.attachments.get(aid);
  if (!a || a.parentId !== parent.id)
    throw new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 3 });
  ctx.org.attachments.delete(aid);
  ctx.org.attachmentsByParent.get(parent.id)?.delete(aid);
  ctx.core.changed();
  sendJson(ctx.res, 200, {
    data: [{ code: 'SUCCESS', details: { id: aid }, message: 'record deleted', status: 'success' }],
  });
}

/**
 * Mounted at `/{module}/{id}/Attachments` (and `/Notes/{id}/Attachments`); `parentModule` names the
 * module the URL's id belongs to.
 */
export function attachmentsRouter(parentModule: (ctx: Ctx) => string): Router {
  const r = Router({ mergeParams: true });
  const parent = (ctx: Ctx) => ({ module: parentModule(ctx), id: param(ctx, 'id') });
  r.all(
    '/',
    byMethod({
      POST: (ctx) => uploadAttachment(ctx, parent(ctx).module, parent(ctx).id),
      GET: (ctx) => listAttachments(ctx, parent(ctx).module, parent(ctx).id),
    }),
  );
  r.all(
    '/:aid',
    idParam('aid'),
    byMethod({
      GET: (ctx) => downloadAttachment(ctx, parent(ctx).module, parent(ctx).id, param(ctx, 'aid')),
      DELETE: (ctx) => deleteAttachment(ctx, parent(ctx).module, parent(ctx).id, param(ctx, 'aid')),
    }),
  );
  return r;
}
