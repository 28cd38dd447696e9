/** `POST /coql`: a COQL select over the search index (records younger than the search lag are not found). */
import { Router } from 'express';
import type { ModuleState } from '../model/moduleState.js';
import type { RecordRec } from '../model/types.js';
import { Errors, sendJson, sendNoContent } from '../http/errors.js';
import { jsonBody } from '../http/body.js';
import { fieldValue } from '../records/values.js';
import { CoqlError, parseCoql, type CoqlQuery } from '../query/coqlParser.js';
import { candidates, compile, idLowerBound, resolveSelect, sorter } from '../query/coqlEval.js';
import { byMethod, need, visible, type Ctx } from './context.js';

/** The module a query reads: an ordinary module, or INVALID_QUERY naming the FROM clause. */
function moduleOf(ctx: Ctx, parsed: CoqlQuery): ModuleState {
  const mod = ctx.org.module(parsed.module);
  if (mod && mod.def.kind === 'records') return mod;
  throw new CoqlError(
    'INVALID_QUERY',
    {
      module_name: parsed.module,
      clause: 'from',
      line: 1,
      reason: 'the module name given seems to be invalid',
    },
    'Invalid query formed',
  );
}

/**
 * The records the WHERE selects (from the value index when it can), in ORDER BY order. In id order
 * (no ORDER BY, or `order by id`) over a module stored in id order, the walk stops once the page and
 * one more row are found: an index build's `where id > … order by id limit 2000` costs its page, not
 * the module.
 */
function matching(ctx: Ctx, mod: ModuleState, parsed: CoqlQuery): RecordRec[] {
  const pred = parsed.where ? compile(mod, parsed.where) : () => true;
  const sort = sorter(mod, parsed.orderBy);
  const cand = parsed.where ? candidates(mod, parsed.where) : undefined;
  const [first, ...others] = parsed.orderBy;
  if (!cand && mod.idOrdered && others.length === 0 && (!first || first.field.toLowerCase() === 'id')) {
    const ids = first?.desc ? undefined : mod.idsAfter(parsed.where && idLowerBound(parsed.where));
    const wanted = parsed.offset + parsed.limit + 1;
    const out: RecordRec[] = [];
    const take = (r: RecordRec | undefined) => !!r && visible(ctx, r) && pred(r) && out.push(r) >= wanted;
    if (ids) {
      for (const id of ids) if (take(mod.records.get(id))) break;
    } else {
      for (const r of [...mod.records.values()].reverse()) if (take(r)) break;
    }
    return out;
  }
  const matched: RecordRec[] = [];
  const consider = (r: RecordRec | undefined) => {
    if (r && visible(ctx, r) && pred(r)) matched.push(r);
  };
  if (cand) for (const id of cand) consider(mod.records.get(id));
  else for (const r of mod.records.values()) consider(r);
  return matched.sort(sort);
}

async function coql(ctx: Ctx): Promise<void> {
  need(ctx, 'coql', undefined, 'READ');
  const body = await jsonBody(ctx.req);
  const query = body && typeof body === 'object' ? (body as Record<string, unknown>).select_query : undefined;
  if (typeof query !== 'string') throw Errors.paramMissing('select_query');
  const parsed = parseCoql(query);
  const mod = moduleOf(ctx, parsed);
  need(ctx, 'modules', mod.def.apiName, 'READ');
  const select = resolveSelect(mod, parsed);
  const matched = matching(ctx, mod, parsed);
  const page = matched.slice(parsed.offset, parsed.offset + parsed.limit);
  if (page.length === 0) return sendNoContent(ctx.res);
  const data = page.map((r) => {
    const o: Record<string, unknown> = {};
    for (const f of select) if (f !== 'id') o[f.apiName] = fieldValue(ctx.org, f, r, true);
    o.id = r.id;
    return o;
  });
  sendJson(ctx.res, 200, {
    data,
    info: { count: data.length, more_records: matched.length > parsed.offset + parsed.limit },
  });
}

export function coqlRouter(): Router {
  const r = Router();
  r.all('/coql', byMethod({ POST: coql }));
  return r;
}
