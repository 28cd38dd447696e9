/**
 * `/{module}/...`: the records of an ordinary module, its search, upsert, and a record's Notes
 * and Attachments. An unknown module is 400 INVALID_MODULE whatever follows it.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { ModuleState } from '../model/moduleState.js';
import { Errors } from '../http/errors.js';
import { attachmentsRouter } from './attachments.js';
import { byMethod, ctxOf, idParam, moduleOr400, param, type Ctx } from './context.js';
import { recordNotes } from './notes.js';
import { createRecords, deleteRecords, getRecord, updateRecords, upsertRecords } from './records.js';
import { listRecords } from './recordList.js';
import { listDeleted } from './deleted.js';
import { countRecords } from './count.js';
import { searchRecords } from './search.js';

function resolveModule(req: Request, res: Response, next: NextFunction): void {
  const ctx = ctxOf(req, res);
  const mod = moduleOr400(ctx, param(ctx, 'module'));
  if (mod.def.kind !== 'records') throw Errors.invalidModule(0);
  res.locals.module = mod;
  next();
}

const moduleOf = (ctx: Ctx): ModuleState => ctx.res.locals.module as ModuleState;

function recordsRouter(): Router {
  const r = Router({ mergeParams: true });
  r.all(
    '/',
    byMethod({
      GET: (ctx) => listRecords(ctx, moduleOf(ctx)),
      POST: (ctx) => createRecords(ctx, moduleOf(ctx)),
      PUT: (ctx) => updateRecords(ctx, moduleOf(ctx), undefined),
      DELETE: (ctx) => deleteRecords(ctx, moduleOf(ctx), undefined),
    }),
  );
  r.all('/search', byMethod({ GET: (ctx) => searchRecords(ctx, moduleOf(ctx)) }));
  r.all('/deleted', byMethod({ GET: (ctx) => listDeleted(ctx, moduleOf(ctx)) }));
  r.all('/actions/count', byMethod({ GET: (ctx) => countRecords(ctx, moduleOf(ctx)) }));
  r.all('/upsert', byMethod({ POST: (ctx) => upsertRecords(ctx, moduleOf(ctx)) }));
  r.all(
    '/:id',
    idParam('id'),
    byMethod({
      GET: (ctx) => getRecord(ctx, moduleOf(ctx), param(ctx, 'id')),
      PUT: (ctx) => updateRecords(ctx, moduleOf(ctx), param(ctx, 'id')),
      DELETE: (ctx) => deleteRecords(ctx, moduleOf(ctx), param(ctx, 'id')),
    }),
  );
  r.all('/:id/notes', idParam('id'), recordNotes(moduleOf));
  r.use(
    '/:id/attachments',
    idParam('id'),
    attachmentsRouter((ctx) => moduleOf(ctx).def.apiName),
  );
  return r;
}

export function moduleRouter(): Router {
  const r = Router();
  r.use('/:module', resolveModule, recordsRouter());
  return r;
}
