/**
 * `GET /{module}/deleted?type=all|recycle|permanent&page&per_page` with an optional
 * `If-Modified-Since` header (Zoho CRM v8 "Get Deleted Records"; the v8 OpenAPI `record.json`
 * gives the parameters and the `Deleted_Record` shape, the "Get List of Deleted Records" page
 * (v7 text) the rules and the sample this follows):
 * - each row: `deleted_by` {name, id}, `id`, `display_name`, `type`, `created_by` {name, id},
 *   `deleted_time`; `info`: per_page, count, page, more_records;
 * - records stay in the recycle bin 60 days, then are permanently deleted and listed as such for
 *   120 more days; permanent rows carry null names and users (as the doc's sample shows them);
 * - an unknown `type`: 400 PATTERN_NOT_MATCHED; nothing to list: 204 No Content (the doc names 204,
 *   also when `If-Modified-Since` leaves nothing).
 * Not documented, chosen here: newest deletion first (the sample's order), `If-Modified-Since` keeps
 * rows whose `deleted_time` is at or after it (to the second, like the record list), and a
 * permanent row's `deleted_time` is when the recycle bin let the record go.
 */
import type { ModuleState } from '../model/moduleState.js';
import { compareIds } from '../model/moduleState.js';
import type { DeletedRec } from '../model/types.js';
import { ApiError, q, sendJson, sendNoContent } from '../http/errors.js';
import { dt, minUser } from '../records/values.js';
import { need, pageOf, paging, type Ctx } from './context.js';
import { ifModifiedSince, wholeSecond } from './recordList.js';

const DAY_MS = 24 * 60 * 60 * 1000;
export const RECYCLE_BIN_DAYS = 60;
export const PERMANENT_LIST_DAYS = 120;

export type DeletedType = 'recycle' | 'permanent';

interface DeletedView {
  rec: DeletedRec;
  type: DeletedType;
  /** ms: when it went to the recycle bin, or when it left it (permanent). */
  time: number;
}

/** How a deleted record shows at `now`, or undefined once Zoho no longer lists it. */
export function deletedView(rec: DeletedRec, now: number): DeletedView | undefined {
  const purgedAt = rec.deletedAt + RECYCLE_BIN_DAYS * DAY_MS;
  if (now < purgedAt) return { rec, type: 'recycle', time: rec.deletedAt };
  if (now < purgedAt + PERMANENT_LIST_DAYS * DAY_MS) return { rec, type: 'permanent', time: purgedAt };
  return undefined;
}

function typeParam(ctx: Ctx): 'all' | DeletedType {
  const t = q(ctx.req, 'type') ?? 'all';
  if (t === 'all' || t === 'recycle' || t === 'permanent') return t;
  throw new ApiError(400, 'PATTERN_NOT_MATCHED', 'Please check whether the input values are correct', {
    param_name: 'type',
  });
}

function rowOf(ctx: Ctx, v: DeletedView): Record<string, unknown> {
  const recycled = v.type === 'recycle';
  return {
    deleted_by: recycled ? minUser(ctx.org, v.rec.deletedById, false) : null,
    id: v.rec.id,
    display_name: recycled ? v.rec.displayName : null,
    type: v.type,
    created_by: recycled ? minUser(ctx.org, v.rec.createdById, false) : null,
    deleted_time: dt(ctx.org, v.time),
  };
}

export function listDeleted(ctx: Ctx, mod: ModuleState): void {
  need(ctx, 'modules', mod.def.apiName, 'READ');
  const type = typeParam(ctx);
  const since = ifModifiedSince(ctx);
  const { page, perPage } = paging(ctx.req);
  const now = ctx.core.now();
  const views: DeletedView[] = [];
  for (const rec of mod.deleted.values()) {
    const v = deletedView(rec, now);
    if (!v || (type !== 'all' && v.type !== type)) continue;
    if (since !== undefined && wholeSecond(v.time) < wholeSecond(since)) continue;
    views.push(v);
  }
  views.sort((a, b) => b.time - a.time || compareIds(b.rec.id, a.rec.id));
  const { slice, more } = pageOf(views, page, perPage);
  if (slice.length === 0) return sendNoContent(ctx.res);
  sendJson(ctx.res, 200, {
    data: slice.map((v) => rowOf(ctx, v)),
    info: { per_page: perPage, count: slice.length, page, more_records: more },
  });
}
