/**
 * `GET /{module}/actions/count` (Zoho CRM v8 "Get Record Count"; the v8 OpenAPI `record.json`
 * names the parameters cvid, criteria, email, phone, word and the 200 answer `{"count"}`; the
 * "Record Count in a Module" page (v7 text) gives the sample `{"count": 694}`, a number, which is
 * what the SDK's CountWrapper reads as a Long):
 * - no parameter: every record of the module; a search parameter: the records it finds (the
 *   search rules of search.ts, encrypted fields included);
 * - `cvid` with a search parameter: 400 AMBIGUITY_DURING_PROCESSING. The emulator has no custom
 *   views: any `cvid` is 400 INVALID_DATA (plausible; an unknown view's answer is undocumented);
 * - "there would be a 1-10 minute delay in refreshing the statistics": the count honours the
 *   search-lag control (records younger than it are not counted yet).
 */
import type { ModuleState } from '../model/moduleState.js';
import { ApiError, q, sendJson } from '../http/errors.js';
import { need, visible, type Ctx } from './context.js';
import { predicates } from './search.js';

const SEARCH_PARAMS = ['criteria', 'email', 'phone', 'word'];

export function countRecords(ctx: Ctx, mod: ModuleState): void {
  need(ctx, 'modules', mod.def.apiName, 'READ');
  const searching = SEARCH_PARAMS.filter((k) => q(ctx.req, k) !== undefined);
  if (q(ctx.req, 'cvid') !== undefined) {
    if (searching.length > 0)
      throw new ApiError(
        400,
        'AMBIGUITY_DURING_PROCESSING',
        'Please use either Cvid or Search Params. Combination of both the params is not allowed',
        { ambiguity_due_to: [{ param_name: 'cvid' }, ...searching.map((p) => ({ param_name: p }))] },
      );
    throw new ApiError(400, 'INVALID_DATA', 'the cvid given seems to be invalid', { param_name: 'cvid' });
  }
  const preds = predicates(ctx, mod);
  let count = 0;
  for (const r of mod.records.values()) if (visible(ctx, r) && preds.every((p) => p(r))) count++;
  sendJson(ctx.res, 200, { count });
}
