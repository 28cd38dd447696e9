/**
 * `GET /{module}`: the record list (Zoho CRM v8 "Get Records"; parameters from the v8 OpenAPI
 * `record.json`, rules from the Get Records page, v7 text, which v8 keeps):
 * - `fields` (mandatory without `cvid`), `ids` (up to 100), `sort_by` = id | Created_Time |
 *   Modified_Time (default id), `sort_order` = asc | desc (default desc), `page` + `per_page`
 *   (≤ 200) up to 2,000 records, `page_token` beyond (crm/pageTokens.ts);
 * - the `If-Modified-Since` header keeps the records modified since that time. It reads the database,
 *   not the search index: a record created a second ago is listed, whatever the search lag.
 *   Inclusive to the second, as Airbyte's Zoho CRM connector found ("since API filters inclusively,
 *   we add 1 sec"). Nothing modified: 304 Not Modified with no body (what Nango's and Ampersand's
 *   Zoho connectors handle; the SDK's constants name 304 too); nothing at all without the header: 204.
 * - `info`: per_page, count, page, sort_by, sort_order, more_records, next_page_token,
 *   previous_page_token, page_token_expiry, call, email (the OAS `Info` and the doc's sample).
 */
import type { ModuleState } from '../model/moduleState.js';
import { compareIds } from '../model/moduleState.js';
import type { RecordRec } from '../model/types.js';
import { ApiError, Errors, q, sendJson, sendNoContent } from '../http/errors.js';
import { dt, pickFields } from '../records/values.js';
import { serializeRecord } from '../records/serialize.js';
import { parseIfModifiedSince } from '../time.js';
import { MAX_PER_PAGE, listInfo, need, type Ctx } from './context.js';
import {
  DISCRETE_PAGING_LIMIT,
  PAGE_TOKEN_TTL_MS,
  pageTokensOf,
  type PageCursor,
  type PageTokenState,
} from './pageTokens.js';

type SortBy = 'id' | 'Created_Time' | 'Modified_Time';

interface Sort {
  by: SortBy;
  desc: boolean;
}

function sortOf(ctx: Ctx): Sort {
  const by = q(ctx.req, 'sort_by') ?? 'id';
  const order = q(ctx.req, 'sort_order') ?? 'desc';
  const known = (['id', 'Created_Time', 'Modified_Time'] as const).find(
    (s) => s.toLowerCase() === by.toLowerCase(),
  );
  if (!known) throw Errors.invalidParam('sort_by', 'sort_by must be id, Created_Time or Modified_Time');
  if (order !== 'asc' && order !== 'desc') throw Errors.invalidParam('sort_order');
  return { by: known, desc: order === 'desc' };
}

/** The header as ms, undefined when absent; 400 when it is not a date-time (plausible: Zoho's answer is undocumented). */
export function ifModifiedSince(ctx: Ctx): number | undefined {
  const h = ctx.req.get('If-Modified-Since');
  if (h === undefined || h.trim() === '') return undefined;
  const ms = parseIfModifiedSince(h);
  if (ms === undefined)
    throw new ApiError(400, 'INVALID_DATA', 'invalid data', {
      header_name: 'If-Modified-Since',
      expected_data_type: 'datetime',
    });
  return ms;
}

/** The whole second of a time: Zoho keeps whole seconds, and its header carries whole seconds. */
export function wholeSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** Modified at or after `since`, to the second. */
export function modifiedSince(r: RecordRec, since: number): boolean {
  return wholeSecond(r.modifiedAt) >= wholeSecond(since);
}

function keyOf(r: RecordRec, by: SortBy): number {
  return by === 'Created_Time' ? r.createdAt : by === 'Modified_Time' ? r.modifiedAt : 0;
}

/** Compares two records in the list's order (ties by id, in the same direction). */
function comparer(sort: Sort): (a: PageCursor, b: PageCursor) => number {
  return (a, b) => {
    const c = a.key !== b.key ? a.key - b.key : compareIds(a.id, b.id);
    return sort.desc ? -c : c;
  };
}

/** The module's records that pass `keep`, in the list's order. Id order walks the map when it is in id order. */
function ordered(mod: ModuleState, sort: Sort, keep: (r: RecordRec) => boolean): RecordRec[] {
  const all = [...mod.records.values()].filter(keep);
  if (sort.by === 'id' && mod.idOrdered) return sort.desc ? all.reverse() : all;
  const cmp = comparer(sort);
  const cursor = (r: RecordRec): PageCursor => ({ key: keyOf(r, sort.by), id: r.id });
  return all.sort((a, b) => cmp(cursor(a), cursor(b)));
}

interface Page {
  slice: RecordRec[];
  more: boolean;
  page: number;
  served: number;
}

function pageOfList(list: RecordRec[], sort: Sort, perPage: number, from: PageTokenState | number): Page {
  if (typeof from === 'number') {
    const start = (from - 1) * perPage;
    return {
      slice: list.slice(start, start + perPage),
      more: list.length > start + perPage,
      page: from,
      served: start,
    };
  }
  const cmp = comparer(sort);
  const start = list.findIndex((r) => cmp({ key: keyOf(r, sort.by), id: r.id }, from.after) > 0);
  const begin = start < 0 ? list.length : start;
  return {
    slice: list.slice(begin, begin + perPage),
    more: list.length > begin + perPage,
    page: Math.floor(from.served / perPage) + 1,
    served: from.served,
  };
}

function perPageOf(ctx: Ctx): number {
  const perPage = Number(q(ctx.req, 'per_page') ?? String(MAX_PER_PAGE));
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE)
    throw Errors.invalidParam('per_page');
  return perPage;
}

/** The page number, or the state of the page token (never both). */
function positionOf(ctx: Ctx, perPage: number, bound: string): number | PageTokenState {
  const token = q(ctx.req, 'page_token');
  const pageParam = q(ctx.req, 'page');
  if (token !== undefined && pageParam !== undefined)
    throw new ApiError(
      400,
      'AMBIGUITY_DURING_PROCESSING',
      'Please use either page or page_token. Combination of both the params is not allowed',
      { ambiguity_due_to: [{ param_name: 'page' }, { param_name: 'page_token' }] },
    );
  if (token !== undefined) return pageTokensOf(ctx.org).take(token, ctx.user.id, bound, ctx.core.now());
  const page = Number(pageParam ?? '1');
  if (!Number.isInteger(page) || page < 1) throw Errors.invalidParam('page');
  if (page * perPage > DISCRETE_PAGING_LIMIT)
    throw new ApiError(
      400,
      'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
      'you can only get the first 2000 records without using page_token',
      { limit: DISCRETE_PAGING_LIMIT },
    );
  return page;
}

function idsOf(ctx: Ctx): string[] | undefined {
  const idsParam = q(ctx.req, 'ids');
  if (idsParam === undefined) return undefined;
  const ids = idsParam
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length > 100) throw Errors.limit(100, { param_name: 'ids' });
  return ids;
}

export function listRecords(ctx: Ctx, mod: ModuleState): void {
  need(ctx, 'modules', mod.def.apiName, 'READ');
  const fieldsParam = q(ctx.req, 'fields');
  if (!fieldsParam && !q(ctx.req, 'cvid')) throw Errors.paramMissing('fields');
  const fields = fieldsParam ? pickFields(mod, fieldsParam) : undefined;
  const since = ifModifiedSince(ctx);
  const sort = sortOf(ctx);
  const perPage = perPageOf(ctx);
  const ids = idsOf(ctx);
  const bound = JSON.stringify([mod.def.apiName, fieldsParam, sort, perPage, since, ids]);
  const position = positionOf(ctx, perPage, bound);
  const keep = (r: RecordRec) => since === undefined || modifiedSince(r, since);
  const list = ids
    ? ids.map((id) => mod.records.get(id)).filter((r): r is RecordRec => !!r && keep(r))
    : ordered(mod, sort, keep);
  const { slice, more, page, served } = pageOfList(list, sort, perPage, position);
  if (slice.length === 0) {
    if (since !== undefined) return void ctx.res.status(304).end();
    return sendNoContent(ctx.res);
  }
  const last = slice[slice.length - 1] as RecordRec;
  const expiresAt = ctx.core.now() + PAGE_TOKEN_TTL_MS;
  const next =
    more && !ids
      ? pageTokensOf(ctx.org).issue({
          userId: ctx.user.id,
          bound,
          after: { key: keyOf(last, sort.by), id: last.id },
          served: served + slice.length,
          expiresAt,
        })
      : null;
  sendJson(ctx.res, 200, {
    data: slice.map((r) => serializeRecord(ctx.org, mod, r, fields)),
    info: listInfo({
      perPage,
      count: slice.length,
      page,
      more,
      sortBy: sort.by,
      sortOrder: sort.desc ? 'desc' : 'asc',
      nextPageToken: next,
      pageTokenExpiry: next ? dt(ctx.org, expiresAt) : null,
      recordList: true,
    }),
  });
}
