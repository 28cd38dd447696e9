/**
 * `GET /api/sync-log`: the sync log as the admin reads it, newest first, a page at a time.
 *
 * Each entry gets what the stored one may lack: a stable id (the paging cursor), the contact's name
 * and number (from the entry, else from the chat's link), the module of its record, and whether a
 * failure was resolved by a later success. The older form of the call (no parameters, `entries`
 * only) still works: the answer only gained fields.
 */
import {
  SYNC_OUTCOMES,
  type SyncLogAnswer,
  type SyncLogEntry,
  type SyncLogKind,
  type SyncLogQuery,
  type SyncOutcome,
} from '../../../contract/adminApi.js';
import type { DbData, SyncLogEntry as StoredEntry, Workspace } from '../store/schema.js';
import { toE164 } from '../sync/phone.js';
import { ApiError } from './errors.js';

export const SYNC_LOG_DEFAULT_LIMIT = 200;
export const SYNC_LOG_MAX_LIMIT = 1000;
const CURSOR = /^[A-Za-z0-9_-]{1,64}$/;

/** Reads the query string; anything malformed is refused with what to send instead. */
export function parseSyncLogQuery(
  query: Record<string, unknown>,
): Required<Pick<SyncLogQuery, 'limit'>> & SyncLogQuery {
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string')
      throw new ApiError(400, 'INVALID_QUERY', `Give "${name}" once, as a single value.`, name);
    return v;
  };
  const outcome = one('outcome');
  if (outcome !== undefined && !(SYNC_OUTCOMES as readonly string[]).includes(outcome)) {
    throw new ApiError(
      400,
      'INVALID_QUERY',
      `"outcome" must be one of ${SYNC_OUTCOMES.join(', ')} (or left out for all).`,
      'outcome',
    );
  }
  const before = one('before');
  if (before !== undefined && !CURSOR.test(before)) {
    throw new ApiError(
      400,
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
      throw new ApiError(
        400,
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

/**
 * A stable id for a stored entry, from what never changes in it. Two entries alike in every one of
 * these (same millisecond, chat, message, outcome and reason) share an id; paging past one of them
 * then starts after the newer, which shows nothing twice. Not a secret, so a fast hash will do: two
 * 32-bit FNV-1a-style lanes (64 bits; a collision among a workspace's 1,000 entries is a 1 in 10^13
 * event), about a third of SHA-256's cost on a page of 1,000 entries that is polled.
 */
export function entryId(e: StoredEntry): string {
  const key = [e.at, e.chatId, e.messageId, e.outcome, e.kind ?? '', e.reason].join('\u0000');
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(36).padStart(7, '0') + (b >>> 0).toString(36).padStart(7, '0');
}

export function kindOf(e: StoredEntry): SyncLogKind {
  if (e.kind) return e.kind;
  // Without a message id an entry is about a chat (its record), unless it has no chat either: then it
  // is the worker's note about messages kept in the queue.
  return e.messageId || !e.chatId ? 'message' : 'chat';
}

/** One page of the workspace's log, newest first. Walks the log once from its newest entry. */
export function syncLogPage(data: DbData, ws: Workspace, query: SyncLogQuery): SyncLogAnswer {
  const limit = query.limit ?? SYNC_LOG_DEFAULT_LIMIT;
  // What synced later than the entry being read (the walk goes from newest to oldest).
  const syncedMessages = new Set<string>();
  const syncedChats = new Set<string>();
  let syncedAny = false;
  let started = query.before === undefined;
  const entries: SyncLogEntry[] = [];
  const phones = new Map<string, string>();
  let next: string | null = null;

  for (let i = data.log.length - 1; i >= 0; i--) {
    const e = data.log[i]!;
    if (e.workspaceId !== ws.id) continue;
    const kind = kindOf(e);
    if (started && (!query.outcome || e.outcome === query.outcome)) {
      if (entries.length === limit) {
        next = entries[entries.length - 1]!.id;
        break;
      }
      entries.push(present(data, ws, e, kind, resolvedBy(e, kind), phones));
    } else if (!started && entryId(e) === query.before) {
      started = true;
    }
    if (e.outcome === 'synced') {
      syncedAny = true;
      if (e.messageId) syncedMessages.add(e.messageId);
      if (e.chatId) syncedChats.add(e.chatId);
    }
  }
  return { entries, next };

  /** A failure is resolved once a later entry shows the same message (or chat) synced. */
  function resolvedBy(e: StoredEntry, kind: SyncLogKind): boolean {
    if (e.outcome !== 'failed' || kind === 'attachment') return false; // a failed download is never retried
    if (e.messageId) return syncedMessages.has(e.messageId);
    if (e.chatId) return syncedChats.has(e.chatId);
    return syncedAny; // messages kept in the queue: any later success means the cause went away
  }
}

/**
 * The number as E.164. Most are stored so already (a cheap check); the others (JIDs, national
 * spellings) are read with libphonenumber once per page: parsing every entry of a 1,000-entry page
 * costs tens of milliseconds, and pages are polled.
 */
function e164Of(raw: string, ws: Workspace, cache: Map<string, string>): string {
  if (/^\+[1-9]\d{5,14}$/.test(raw)) return raw;
  let phone = cache.get(raw);
  if (phone === undefined) {
    phone = toE164(raw, ws.countryCode) ?? raw;
    cache.set(raw, phone);
  }
  return phone;
}

function present(
  data: DbData,
  ws: Workspace,
  e: StoredEntry,
  kind: SyncLogKind,
  resolved: boolean,
  phones: Map<string, string>,
): SyncLogEntry {
  const link = e.chatId ? data.chats[`${ws.id}:${e.chatId}`] : undefined;
  const rawPhone = e.phone ?? link?.e164;
  return {
    id: entryId(e),
    at: e.at,
    chatId: e.chatId,
    messageId: e.messageId,
    outcome: e.outcome,
    reason: e.reason,
    recordId: e.recordId,
    noteId: e.noteId,
    willRetry: e.willRetry, // absent from the JSON when undefined
    resolved,
    contactName: e.contactName || link?.chatName || null,
    phone: rawPhone ? e164Of(rawPhone, ws, phones) : null,
    kind,
    module: e.recordId ? (link?.module ?? ws.settings?.module ?? null) : null,
  };
}
