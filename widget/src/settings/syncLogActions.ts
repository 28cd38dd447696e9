/**
 * The sync log on the settings page: a filter (all, failed, skipped, synced), pages of entries
 * going back in time, and a refresh that adds what is new without dropping the pages already read.
 * The refresh also updates what the page shows from the workspace's activity (last webhook event,
 * messages skipped while inactive, the phone index: a rebuild noticed here starts its progress).
 */
import type { SyncLogAnswer, SyncLogEntry } from '../api/client';
import type { ControllerCore } from './settingsController';
import { emptySyncLog, type LogFilter, type SyncLogState } from './state';

export const SYNC_LOG_PAGE = 25;

export interface SyncLogActions {
  /** Reads the newest page again (and the workspace's activity figures). */
  refreshSyncLog(): Promise<void>;
  setLogFilter(filter: LogFilter): Promise<void>;
  /** Appends the next older page. */
  loadMoreLog(): Promise<void>;
}

/**
 * The list after a refresh: the fresh first page, then the older entries already shown. When the
 * fresh page does not reach them (more new entries than a page), only the fresh page is kept.
 */
export function mergeNewest(
  shown: SyncLogState,
  fresh: SyncLogAnswer,
): Pick<SyncLogState, 'entries' | 'next'> {
  const old = shown.entries ?? [];
  if (old.length <= SYNC_LOG_PAGE) return { entries: fresh.entries, next: fresh.next };
  const freshIds = new Set(fresh.entries.map((e) => e.id));
  const overlap = old.findIndex((e) => freshIds.has(e.id));
  if (overlap < 0) return { entries: fresh.entries, next: fresh.next };
  const olderShown: SyncLogEntry[] = old.slice(overlap).filter((e) => !freshIds.has(e.id));
  return { entries: [...fresh.entries, ...olderShown], next: shown.next };
}

export function createSyncLogActions(core: ControllerCore): SyncLogActions {
  const { store, deps } = core;
  const { get, set } = store;
  const setLog = (patch: Partial<SyncLogState>) => set((s) => ({ syncLog: { ...s.syncLog, ...patch } }));
  const outcomeOf = (filter: LogFilter) => (filter === 'all' ? {} : { outcome: filter });

  async function refreshActivity() {
    try {
      const { workspace } = await deps.api.getWorkspace();
      set((s) =>
        s.workspace && s.workspace.id === workspace.id
          ? {
              workspace: {
                ...s.workspace,
                webhook: workspace.webhook,
                skippedWhileInactive: workspace.skippedWhileInactive,
                testRecord: workspace.testRecord,
                phoneIndex: workspace.phoneIndex,
              },
            }
          : {},
      );
    } catch (err) {
      core.sessionEnded(err); // other failures: the figures stay as they were
    }
  }

  async function refreshSyncLog() {
    if (!deps.session.get()) return;
    const filter = get().syncLog.filter;
    setLog({ status: 'loading', error: null });
    const activity = get().phase === 'ready' ? refreshActivity() : Promise.resolve();
    try {
      const fresh = await deps.api.getSyncLog({ ...outcomeOf(filter), limit: SYNC_LOG_PAGE });
      if (get().syncLog.filter !== filter) return; // the filter changed meanwhile: its own load wins
      setLog({ status: 'ready', error: null, ...mergeNewest(get().syncLog, fresh) });
    } catch (err) {
      if (!core.sessionEnded(err)) setLog({ status: 'error', error: errorText(err) });
    }
    await activity;
  }

  return {
    refreshSyncLog,

    async setLogFilter(filter) {
      if (get().syncLog.filter === filter) return;
      set({ syncLog: emptySyncLog(filter) });
      await refreshSyncLog();
    },

    async loadMoreLog() {
      const log = get().syncLog;
      if (!log.next || log.loadingMore) return;
      const filter = log.filter;
      setLog({ loadingMore: true, error: null });
      try {
        const page = await deps.api.getSyncLog({
          ...outcomeOf(filter),
          before: log.next,
          limit: SYNC_LOG_PAGE,
        });
        if (get().syncLog.filter !== filter) return;
        const shown = new Set((get().syncLog.entries ?? []).map((e) => e.id));
        setLog({
          loadingMore: false,
          entries: [...(get().syncLog.entries ?? []), ...page.entries.filter((e) => !shown.has(e.id))],
          next: page.next,
        });
      } catch (err) {
        if (!core.sessionEnded(err)) setLog({ loadingMore: false, error: errorText(err) });
      }
    },
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
