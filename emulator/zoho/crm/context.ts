/**
 * What every CRM API handler works with: the authenticated call (`Ctx`), scope and permission
 * checks, and the request helpers Zoho's endpoints share (module names, paging, write bodies).
 */
import type { Request, Response } from 'express';
import type { EmuCore } from '../core.js';
import type { AccessTokenRec } from '../model/emuState.js';
import type { ModuleState } from '../model/moduleState.js';
import { ADMIN_PROFILE, type OrgState } from '../model/orgState.js';
import type { RecordRec, UserRec } from '../model/types.js';
import { ApiError, Errors, q } from '../http/errors.js';
import { jsonBody } from '../http/body.js';

export type Op = 'READ' | 'CREATE' | 'UPDATE' | 'DELETE';

/** The authenticated caller, set by the CRM router's gate on `res.locals.crm`. */
export interface Caller {
  core: EmuCore;
  org: OrgState;
  user: UserRec;
  token: AccessTokenRec;
}

export interface Ctx extends Caller {
  req: Request;
  res: Response;
}

/** Zoho's limits: 100 rows per write call, 200 rows per page. */
export const MAX_WRITE_ROWS = 100;
export const MAX_PER_PAGE = 200;

export function ctxOf(req: Request, res: Response): Ctx {
  const caller = res.locals.crm as Caller | undefined;
  if (!caller) throw new Error('emulator: CRM handler without an authenticated caller');
  return { ...caller, req, res };
}

/** An Express handler from a handler of the authenticated call. */
export function handle(fn: (ctx: Ctx) => void | Promise<void>) {
  return (req: Request, res: Response): void | Promise<void> => fn(ctxOf(req, res));
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One path's handlers by HTTP method; any other method (HEAD and OPTIONS included) is answered
 * 405 INVALID_REQUEST_METHOD, as Zoho does.
 */
export function byMethod(handlers: Partial<Record<Method, (ctx: Ctx) => void | Promise<void>>>) {
  return (req: Request, res: Response): void | Promise<void> => {
    const h = handlers[req.method as Method];
    if (!h) throw Errors.invalidMethod();
    return h(ctxOf(req, res));
  };
}

/** Passes on only when the route parameter `name` is a Zoho id; anything else is an unknown URL. */
export function idParam(name: string) {
  return (req: Request, _res: Response, next: () => void): void => {
    if (!isId(String((req.params as Record<string, string | undefined>)[name] ?? '')))
      throw Errors.invalidUrl();
    next();
  };
}

/** Route parameter as a string (Express decodes it). */
export function param(ctx: Ctx, name: string): string {
  return String((ctx.req.params as Record<string, string | undefined>)[name] ?? '');
}

// ------------------------------------------------------------------ scopes

function opOk(granted: string, op: Op): boolean {
  return granted === 'all' || granted === op.toLowerCase() || (granted === 'write' && op !== 'READ');
}

export function hasScope(scopes: string[], group: string, sub: string | undefined, op: Op): boolean {
  return scopes.some((s) => {
    const p = s.toLowerCase().split('.');
    if (p[0] !== 'zohocrm' || p[1] !== group) return false;
    if (p.length === 3) return opOk(p[2] ?? '', op);
    if (p.length === 4) return sub !== undefined && p[2] === sub.toLowerCase() && opOk(p[3] ?? '', op);
    return false;
  });
}

/** The token must carry `ZohoCRM.<group>[.<sub>].<op>` (or ALL/WRITE), else OAUTH_SCOPE_MISMATCH. */
export function need(ctx: Ctx, group: string, sub: string | undefined, op: Op, altSub?: string): void {
  if (hasScope(ctx.token.scopes, group, sub, op)) return;
  if (altSub !== undefined && hasScope(ctx.token.scopes, group, altSub, op)) return;
  throw Errors.scope();
}

export function needAdmin(ctx: Ctx): void {
  if (ctx.user.profile.name !== ADMIN_PROFILE) throw Errors.noPermission(['Crm_Implied_Customize_Zoho_CRM']);
}

// ------------------------------------------------------------------ request helpers

export function moduleOr400(ctx: Ctx, name: string | undefined, index = 0): ModuleState {
  const mod = name ? ctx.org.module(name) : undefined;
  if (!mod || !mod.def.apiSupported) throw Errors.invalidModule(index);
  return mod;
}

/** The `module` query parameter of the settings endpoints. */
export function moduleParam(ctx: Ctx): ModuleState {
  const name = q(ctx.req, 'module');
  if (!name) throw Errors.paramMissing('module');
  const mod = ctx.org.module(name);
  if (!mod)
    throw new ApiError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', {
      param_name: 'module',
    });
  return mod;
}

export function paging(req: Request): { page: number; perPage: number } {
  const page = Number(q(req, 'page') ?? '1');
  const perPage = Number(q(req, 'per_page') ?? String(MAX_PER_PAGE));
  if (!Number.isInteger(page) || page < 1) throw Errors.invalidParam('page');
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE)
    throw Errors.invalidParam('per_page');
  return { page, perPage };
}

export function pageOf<T>(items: T[], page: number, perPage: number): { slice: T[]; more: boolean } {
  const start = (page - 1) * perPage;
  return { slice: items.slice(start, start + perPage), more: items.length > start + perPage };
}

/** The `info` of a record or Note list page (v8 shape; page tokens appear beyond 2,000 records). */
export function listInfo(a: {
  perPage: number;
  count: number;
  page: number;
  more: boolean;
  sortBy: string;
  sortOrder: string;
  nextPageToken?: string | null;
  previousPageToken?: string | null;
  pageTokenExpiry?: string | null;
  /** Record lists also carry `call` and `email` (the OAS `Info`; false in the doc's samples). */
  recordList?: boolean;
}): Record<string, unknown> {
  return {
    ...(a.recordList ? { call: false } : {}),
    per_page: a.perPage,
    next_page_token: a.nextPageToken ?? null,
    count: a.count,
    sort_by: a.sortBy,
    page: a.page,
    previous_page_token: a.previousPageToken ?? null,
    page_token_expiry: a.pageTokenExpiry ?? null,
    sort_order: a.sortOrder,
    ...(a.recordList ? { email: false } : {}),
    more_records: a.more,
  };
}

export function isId(s: string | undefined): s is string {
  return typeof s === 'string' && /^\d{1,25}$/.test(s);
}

/** The `data` (or `key`) array of a write body: 1 to 100 rows. */
export async function dataRows(
  ctx: Ctx,
  key = 'data',
): Promise<{ rows: unknown[]; body: Record<string, unknown> }> {
  const body = await jsonBody(ctx.req);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw Errors.invalidBody();
  const rows = (body as Record<string, unknown>)[key];
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new ApiError(400, 'INVALID_DATA', 'invalid data', {
      expected_data_type: 'jsonarray',
      api_name: key,
      json_path: `$.${key}`,
    });
  }
  if (rows.length > MAX_WRITE_ROWS)
    throw Errors.limit(MAX_WRITE_ROWS, { api_name: key, json_path: `$.${key}` });
  return { rows, body: body as Record<string, unknown> };
}

/** 2xx when all rows succeeded, 207 when some did, 400 when none did (Zoho). */
export function writeStatus(results: { status: string }[], okStatus: number): number {
  const ok = results.filter((r) => r.status === 'success').length;
  if (ok === results.length) return okStatus;
  return ok === 0 ? 400 : 207;
}

/** Search and COQL read Zoho's search index, which lags creates by `searchLagSec`. */
export function visible(ctx: Ctx, rec: RecordRec): boolean {
  const lag = ctx.core.switches.searchLagSec;
  return lag <= 0 || ctx.core.now() - rec.createdAt >= lag * 1000;
}

export function rowId(row: unknown): string | undefined {
  const id = row && typeof row === 'object' ? (row as Record<string, unknown>).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** The ids a DELETE names (in the URL, or `?ids=a,b`), at least one and at most 100, as Zoho. */
export function deleteIds(ctx: Ctx, urlId: string | undefined): string[] {
  const ids =
    urlId !== undefined
      ? [urlId]
      : (q(ctx.req, 'ids') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (ids.length === 0) throw Errors.paramMissing('ids');
  if (ids.length > 100) throw Errors.limit(100, { param_name: 'ids' });
  return ids;
}

/** A handler that refuses the call: the path exists but not with this method. */
export function methodNotAllowed(): never {
  throw Errors.invalidMethod();
}

export function invalidUrl(): never {
  throw Errors.invalidUrl();
}
