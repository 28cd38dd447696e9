/**
 * The sync log: every event ends here with its outcome (SPEC §4). A ring of the newest entries
 * per workspace keeps it bounded.
 */
import type { DbData, SyncLogEntry } from './schema.js';

export const LOG_ENTRIES_PER_WORKSPACE = 1000;

export function appendLog(data: DbData, entry: Omit<SyncLogEntry, 'at'> & { at?: string }): void {
  data.log.push({ ...entry, at: entry.at ?? new Date().toISOString() });
  // Trim lazily (amortised): only when the whole log is well over what all workspaces may keep.
  const cap = LOG_ENTRIES_PER_WORKSPACE * Math.max(1, data.workspaces.length);
  if (data.log.length > cap * 1.25) trimLog(data);
}

export function trimLog(data: DbData): void {
  const kept: SyncLogEntry[] = [];
  const counts = new Map<string, number>();
  for (let i = data.log.length - 1; i >= 0; i--) {
    const e = data.log[i]!;
    const n = counts.get(e.workspaceId) ?? 0;
    if (n < LOG_ENTRIES_PER_WORKSPACE) {
      kept.push(e);
      counts.set(e.workspaceId, n + 1);
    }
  }
  data.log = kept.reverse();
}

/** Newest first. */
export function logOf(data: DbData, workspaceId: string, limit = 200): SyncLogEntry[] {
  const out: SyncLogEntry[] = [];
  for (let i = data.log.length - 1; i >= 0 && out.length < limit; i--) {
    const e = data.log[i]!;
    if (e.workspaceId === workspaceId) out.push(e);
  }
  return out;
}
