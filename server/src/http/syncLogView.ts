/**
 * `GET /api/sync-log`: the sync log as the admin reads it, newest first, a page at a time (the store
 * pages it: `before` is the id of the last entry of the previous page). Each entry says what it is
 * about (a message, an attachment, a chat), the contact's name and number, the module of its record
 * and whether a failure was resolved by a later success. The older form of the call (no parameters,
 * `entries` only) still works: the answer only gained fields.
 */
import {
  SYNC_OUTCOMES,
  type SyncLogAnswer,
  type SyncLogEntry,
  type SyncLogKind,
  type SyncLogQuery,
  type SyncOutcome,
} from '../../../contract/adminApi.js';
import { Problem } from '../errors.js';
import type { SyncLogEntry as StoredEntry, Workspace } from '../store/schema.js';
import type { Frozen, Store } from '../store/store.js';
import { toE164 } from '../sync/phone.js';

export const SYNC_LOG_DEFAULT_LIMIT = 200;
export const SYNC_LOG_MAX_LIMIT = 1000;
const CURSOR = /^\d{1,19}$/;

/** Reads the query string; anything malformed is refused with what to send instead. */
export function parseSyncLogQuery(
  query: Record<string, unknown>,
): Required<Pick<SyncLogQuery, 'limit'>> & SyncLogQuery {
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string')
      throw new Problem('invalid', 'INVALID_QUERY', `Give "${name}" once, as a single value.`, name);
    return v;
  };
  const outcome = one('outcome');
  if (outcome !== undefined && !(SYNC_OUTCOMES as readonly string[]).includes(outcome)) {
    throw new Problem(
      'invalid',
      'INVALID_QUERY',
      `"outcome" must be one of ${SYNC_OUTCOMES.join(', ')} (or left out for all).`,
      'outcome',
    );
  }
  const before = one('before');
  if (before !== undefined && !CURSOR.test(before)) {
    throw new Problem(
      'invalid',
      'INVALID_QUERY',
      '"before" must be an entry id from a previous page ("next").',
      'before',
    );
  }
  const rawLimit = one('limit');
  let limit = SYNC_LOG_DEFAULT_LIMIT;
  if (rawLimit !== undefined && rawLimit !== '') {
    const n = Number(rawLimit);
    if (!Number.isInteger(n))
      throw new Problem(
        'invalid',
        'INVALID_QUERY',
        `"limit" must be a whole number from 1 to ${SYNC_LOG_MAX_LIMIT}.`,
        'limit',
      );
    limit = Math.min(SYNC_LOG_MAX_LIMIT, Math.max(1, n)); // out of range: the nearest allowed value
  }
  return {
    limit,
    ...(outcome ? { outcome: outcome as SyncOutcome } : {}),
    ...(before ? { before } : {}),
  };
}

export function kindOf(e: Frozen<StoredEntry>): SyncLogKind {
  if (e.kind) return e.kind;
  // Without a message id an entry is about a chat (its record), unless it has no chat either.
  return e.messageId || !e.chatId ? 'message' : 'chat';
}

/** One page of the workspace's log, newest first. */
export async function syncLogPage(
  store: Store,
  ws: Frozen<Workspace>,
  query: Required<Pick<SyncLogQuery, 'limit'>> & SyncLogQuery,
): Promise<SyncLogAnswer> {
  const page = await store.syncLog.list(ws.id, {
    limit: query.limit,
    ...(query.outcome ? { outcome: query.outcome } : {}),
    ...(query.before ? { before: query.before } : {}),
  });
  return { entries: page.entries.map((e) => present(ws, e)), next: page.next ?? null };
}

function present(ws: Frozen<Workspace>, e: Frozen<StoredEntry>): SyncLogEntry {
  return {
    id: e.id ?? '',
    at: e.at,
    chatId: e.chatId,
    messageId: e.messageId,
    outcome: e.outcome,
    reason: e.reason,
    recordId: e.recordId,
    noteId: e.noteId,
    ...(e.willRetry !== undefined ? { willRetry: e.willRetry } : {}),
    resolved: e.resolved === true,
    contactName: e.contactName || null,
    phone: e.phone ? (toE164(e.phone, ws.countryCode) ?? e.phone) : null,
    kind: kindOf(e),
    module: e.recordId ? (e.module ?? ws.settings?.module ?? null) : null,
  };
}
