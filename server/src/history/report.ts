/** A history import as the settings page shows it (with an ETA), and its final sync log entry. */
import { IDLE_HISTORY_IMPORT, type HistoryImportAnswer } from '../../../contract/adminApi.js';
import type { HistoryImport, SyncLogEntry } from '../store/schema.js';
import { formatDayForTitle } from '../sync/dayGrouping.js';

/** The pace is measured from when this process took the import up (not across a restart's gap). */
export function toAnswer(
  s: HistoryImport | undefined,
  pace: { at: number; done: number } | undefined,
  now: number,
): HistoryImportAnswer {
  if (!s) return structuredClone(IDLE_HISTORY_IMPORT);
  return {
    status: s.status,
    since: s.since,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt ?? null,
    chats: { done: s.chats.done, total: s.chats.total ?? null },
    messages: { done: s.messages.done, total: s.messages.total ?? null },
    duplicates: s.duplicates,
    skipped: s.skipped,
    etaSeconds: s.status === 'running' ? eta(s, pace, now) : null,
    problem: s.problem ?? null,
  };
}

function eta(s: HistoryImport, pace: { at: number; done: number } | undefined, now: number): number | null {
  const total = s.messages.total;
  if (total === undefined) return null;
  const from = pace ?? { at: Date.parse(s.startedAt), done: 0 };
  const done = s.messages.done - from.done;
  const elapsed = now - from.at;
  if (done <= 0 || elapsed <= 0) return null;
  return Math.max(0, Math.round(((total - s.messages.done) * elapsed) / done / 1000));
}

const n = (v: number) => v.toLocaleString('en-US');

/** One line in the sync log when an import ends. */
export function finalReport(workspaceId: string, s: HistoryImport): Omit<SyncLogEntry, 'at' | 'id'> {
  const from = formatDayForTitle(s.since);
  const fresh = s.messages.done - s.duplicates - s.skipped;
  const counts = `${n(s.chats.done)} chats, ${n(s.messages.done)} messages (${n(fresh)} new, ${n(s.duplicates)} already synced, ${n(s.skipped)} not synced)`;
  const reason =
    s.status === 'done'
      ? `History import from ${from} finished: ${counts}; new messages are in their day's Notes once the sync log shows them synced.`
      : `History import from ${from} stopped after ${counts}: ${s.problem ?? 'unknown reason'}. Start it again to go on; what was imported stays.`;
  return {
    workspaceId,
    chatId: null,
    messageId: null,
    outcome: s.status === 'done' ? 'synced' : 'failed',
    reason,
    recordId: null,
    noteId: null,
    willRetry: false,
    kind: 'import',
  };
}
