/**
 * Matching chats to records through the phone index: one lookup for every chat of a run, no Zoho call.
 * The chat's number and every spelling of it in the CRM meet on one key (sync/phoneKey.ts).
 */
import type { IndexedRecord } from '../../store/schema.js';
import type { Frozen, Store } from '../../store/store.js';
import { phoneKey } from '../../sync/phoneKey.js';

export interface ChatMatch {
  /** the record the chat is linked to */
  chosen: Frozen<IndexedRecord>;
  /** every record holding the number (more than one: the admin is told, to merge them) */
  all: Frozen<IndexedRecord>[];
}

/**
 * Several records with one number: the most recently modified wins (the one people work in), then
 * the highest id (the newest) — deterministic, so a retry links the same record.
 */
export function preferred(a: Frozen<IndexedRecord>, b: Frozen<IndexedRecord>): number {
  const ta = Date.parse(a.modifiedTime) || 0;
  const tb = Date.parse(b.modifiedTime) || 0;
  if (ta !== tb) return tb - ta;
  if (a.recordId.length !== b.recordId.length) return b.recordId.length - a.recordId.length;
  return a.recordId < b.recordId ? 1 : a.recordId > b.recordId ? -1 : 0;
}

/** The match of each chat number (E.164) that the index knows, by that number. */
export async function matchNumbers(
  store: Store,
  workspaceId: string,
  numbers: readonly string[],
  country: string | undefined,
): Promise<Map<string, ChatMatch>> {
  const keyOf = new Map<string, string>();
  for (const n of numbers) {
    const key = phoneKey(n, country);
    if (key) keyOf.set(n, key);
  }
  const found = await store.phoneIndex.lookup(workspaceId, [...new Set(keyOf.values())]);
  const out = new Map<string, ChatMatch>();
  for (const [n, key] of keyOf) {
    const all = [...(found.get(key) ?? [])].sort(preferred);
    if (all[0]) out.set(n, { chosen: all[0], all });
  }
  return out;
}
