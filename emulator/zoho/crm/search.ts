/**
 * `GET /{module}/search` with `criteria`, `email`, `phone` or `word` (ANDed when several are given),
 * over the search index (records younger than the search lag are not found), at most 2,000 results.
 * Encrypted fields: `equals` only in criteria, not searched by email/phone/word (query/encrypted.ts).
 */
import type { ModuleState } from '../model/moduleState.js';
import type { RecordRec } from '../model/types.js';
import { ApiError, Errors, q, sendJson, sendNoContent } from '../http/errors.js';
import { fieldValue, pickFields } from '../records/values.js';
import { serializeRecord } from '../records/serialize.js';
import { compileCriteria, parseCriteria } from '../query/criteria.js';
import { searchable } from '../query/encrypted.js';
import { need, pageOf, paging, visible, type Ctx } from './context.js';

const SEARCH_MAX_RESULTS = 2000;

export type Pred = (r: RecordRec) => boolean;

function digits(s: string): string {
  return s.replace(/\D/g, '');
}

function stringValue(r: RecordRec, apiName: string): string | undefined {
  const v = r.values[apiName];
  return typeof v === 'string' ? v : undefined;
}

/** `email=`: an email field equal to it (case-insensitive). */
function emailPred(mod: ModuleState, email: string): Pred {
  const e = email.toLowerCase();
  const fs = searchable(mod.def.fields.filter((f) => f.dataType === 'email'));
  return (r) => fs.some((f) => stringValue(r, f.apiName)?.toLowerCase() === e);
}

/** `phone=`: a phone field with the same digits, whatever the punctuation. */
function phonePred(mod: ModuleState, phone: string): Pred {
  const d = digits(phone);
  const fs = searchable(mod.def.fields.filter((f) => f.dataType === 'phone'));
  return (r) =>
    d.length > 0 &&
    fs.some((f) => {
      const v = stringValue(r, f.apiName);
      return v !== undefined && digits(v) === d;
    });
}

/** `word=`: a text-like field containing it (case-insensitive). */
function wordPred(ctx: Ctx, mod: ModuleState, word: string): Pred {
  const w = word.toLowerCase();
  const types = ['text', 'textarea', 'email', 'phone', 'website', 'picklist'];
  const fs = searchable(mod.def.fields.filter((f) => types.includes(f.dataType)));
  return (r) =>
    fs.some((f) =>
      String(fieldValue(ctx.org, f, r) ?? '')
        .toLowerCase()
        .includes(w),
    );
}

/** The predicates of the `criteria`, `email`, `phone` and `word` parameters given (none: []). */
export function predicates(ctx: Ctx, mod: ModuleState): Pred[] {
  const criteria = q(ctx.req, 'criteria');
  const email = q(ctx.req, 'email');
  const phone = q(ctx.req, 'phone');
  const word = q(ctx.req, 'word');
  const preds: Pred[] = [];
  if (criteria !== undefined) preds.push(compileCriteria(mod, parseCriteria(criteria)));
  if (email !== undefined) preds.push(emailPred(mod, email));
  if (phone !== undefined) preds.push(phonePred(mod, phone));
  if (word !== undefined) preds.push(wordPred(ctx, mod, word));
  return preds;
}

export function searchRecords(ctx: Ctx, mod: ModuleState): void {
  need(ctx, 'modules', mod.def.apiName, 'READ');
  const hasParam = ['criteria', 'email', 'phone', 'word'].some((k) => q(ctx.req, k) !== undefined);
  if (!hasParam) throw Errors.paramMissing('criteria');
  const { page, perPage } = paging(ctx.req);
  if ((page - 1) * perPage >= SEARCH_MAX_RESULTS)
    throw new ApiError(400, 'LIMIT_REACHED', 'maximum limit reached', { limit: SEARCH_MAX_RESULTS });
  const preds = predicates(ctx, mod);
  const hits: RecordRec[] = [];
  for (const r of mod.records.values()) if (visible(ctx, r) && preds.every((p) => p(r))) hits.push(r);
  const { slice, more } = pageOf(hits.slice(0, SEARCH_MAX_RESULTS), page, perPage);
  if (slice.length === 0) return sendNoContent(ctx.res);
  const fields = pickFields(mod, q(ctx.req, 'fields'));
  sendJson(ctx.res, 200, {
    data: slice.map((r) => serializeRecord(ctx.org, mod, r, fields)),
    info: { per_page: perPage, count: slice.length, page, more_records: more },
  });
}
