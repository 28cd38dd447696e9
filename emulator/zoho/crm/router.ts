/**
 * The Zoho CRM v8 REST API (`/crm/v8/...`), for what this product and the official SDK use:
 * users, org, modules, fields, related lists, records (CRUD, upsert, search, COQL), Notes and
 * Attachments, one router per resource behind one gate (authentication, concurrency cap,
 * latency, injected failures, call counts). Answers with Zoho's JSON shapes and status codes.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { EmuCore } from '../core.js';
import { ApiError, Errors, sendError, sendJson } from '../http/errors.js';
import { CoqlError } from '../query/coqlParser.js';
import { invalidUrl } from './context.js';
import { coqlRouter } from './coql.js';
import { gate } from './gate.js';
import { moduleRouter } from './moduleRoutes.js';
import { notesRouter } from './notes.js';
import { orgRouter } from './org.js';
import { settingsRouter } from './settings.js';
import { usersRouter } from './users.js';

/** Zoho's JSON error for what a handler threw; nothing when the client has gone away. */
function errors(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof ApiError) return sendError(res, err);
  if (err instanceof CoqlError)
    return sendJson(res, 400, {
      code: err.code,
      details: err.details,
      message: err.message,
      status: 'error',
    });
  // The client went away (e.g. a connector killed in a crash test): nothing to answer.
  if ((err as NodeJS.ErrnoException)?.code === 'ECONNRESET') return;
  console.error('zoho emulator: internal error', err);
  if (!res.headersSent)
    sendJson(res, 500, {
      code: 'INTERNAL_ERROR',
      details: {},
      message: 'Internal Server Error',
      status: 'error',
    });
}

export function crmRouter(core: EmuCore): Router {
  const api = Router();
  api.use(gate(core));
  api.use(usersRouter());
  api.use(orgRouter());
  api.use(coqlRouter());
  api.use('/settings', settingsRouter());
  api.use('/notes', notesRouter());
  api.use(moduleRouter());
  api.use(invalidUrl);
  api.use(errors);
  const r = Router();
  r.use('/crm/v8', api);
  r.use('/crm', (_req: Request, res: Response) => sendError(res, Errors.invalidUrl()));
  return r;
}
