/**
 * The `page_token` of record lists (Zoho CRM v8 Get Records). What Zoho documents (Get Records page,
 * v7, same in v8; the v8 OpenAPI `record.json` has the `page_token` parameter and the `Info` keys):
 * - `page` + `per_page` reach the first 2,000 records; beyond, `page_token` is mandatory
 *   (DISCRETE_PAGINATION_LIMIT_EXCEEDED), up to 100,000 records (PAGINATION_LIMIT_EXCEEDED);
 * - the token comes from `info.next_page_token` and is bound to the request's other parameters
 *   (TOKEN_BOUND_DATA_MISMATCH), to the user (INVALID_DATA "the token given seems to be invalid"),
 *   and expires after 24 h (EXPIRED_VALUE; `info.page_token_expiry`);
 * - `page` and `page_token` together: AMBIGUITY_DURING_PROCESSING.
 * Not documented, chosen here: every page with more records carries a `next_page_token` (the doc's
 * first sample does), a token names the position after the last record served (so records changed
 * while paging are neither skipped nor lost), `previous_page_token` is always null, and tokens live
 * in memory only (a restarted emulator answers INVALID_DATA to an old one).
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../http/errors.js';

export const DISCRETE_PAGING_LIMIT = 2000;
export const TOKEN_PAGING_LIMIT = 100_000;
export const PAGE_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
/** Tokens kept per org; the oldest go first (a client that never finishes its paging leaves them). */
const MAX_TOKENS = 10_000;

/** Where a page ends: the sort key and id of its last record. */
export interface PageCursor {
  key: number;
  id: string;
}

export interface PageTokenState {
  userId: string;
  /** The request's parameters other than the token (the token is bound to them). */
  bound: string;
  after: PageCursor;
  /** Records served before the page the token asks for. */
  served: number;
  expiresAt: number;
}

export class PageTokens {
  readonly #tokens = new Map<string, PageTokenState>();

  issue(state: PageTokenState): string {
    const token = randomBytes(16).toString('hex');
    this.#tokens.set(token, state);
    while (this.#tokens.size > MAX_TOKENS) {
      const oldest = this.#tokens.keys().next().value;
      if (oldest === undefined) break;
      this.#tokens.delete(oldest);
    }
    return token;
  }

  /** The state of `token` for this user and these parameters, or Zoho's error. */
  take(token: string, userId: string, bound: string, now: number): PageTokenState {
    const s = this.#tokens.get(token);
    if (!s || s.userId !== userId)
      throw new ApiError(400, 'INVALID_DATA', 'the token given seems to be invalid', {
        param_name: 'page_token',
      });
    if (s.expiresAt <= now) {
      this.#tokens.delete(token);
      throw new ApiError(400, 'EXPIRED_VALUE', 'the token given has expired', { param_name: 'page_token' });
    }
    if (s.bound !== bound)
      throw new ApiError(
        400,
        'TOKEN_BOUND_DATA_MISMATCH',
        'the page_token given seems to be invalid or an input param is added, altered or deleted',
        { param_name: 'page_token' },
      );
    if (s.served >= TOKEN_PAGING_LIMIT)
      throw new ApiError(400, 'PAGINATION_LIMIT_EXCEEDED', 'pagination limit exceeded', {
        limit: TOKEN_PAGING_LIMIT,
      });
    return s;
  }
}

const byOrg = new WeakMap<object, PageTokens>();

/** The page tokens of one org (kept beside its state, not in it: they are not persisted). */
export function pageTokensOf(org: object): PageTokens {
  let t = byOrg.get(org);
  if (!t) byOrg.set(org, (t = new PageTokens()));
  return t;
}
