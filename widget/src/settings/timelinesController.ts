/**
 * The TimelinesAI section of the settings page: the API token (paste, replace, remove), what
 * TimelinesAI says about the webhooks it delivers to us (their failed deliveries), the WhatsApp
 * numbers and the message quota; and the history import (start day, progress, ETA).
 */
import {
  ApiError,
  type ApiClient,
  type HistoryImportAnswer,
  type TimelinesStatusAnswer,
} from '../api/client';
import { createStore, type Store } from '../store/store';

export interface TimelinesState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  answer: TimelinesStatusAnswer | null;
  loadError: string | null;
  tokenDraft: string;
  /** The token form is open (first connection, or "Replace token"). */
  editing: boolean;
  busy: null | 'connecting' | 'removing' | 'importing';
  tokenError: string | null;
  notice: string | null;
  confirmingRemove: boolean;
  history: HistoryImportAnswer | null;
  historySince: string;
  historyError: string | null;
}

export interface TimelinesController {
  store: Store<TimelinesState>;
  load(): Promise<void>;
  loadHistory(): Promise<void>;
  setTokenDraft(value: string): void;
  startEditing(): void;
  cancelEditing(): void;
  connect(): Promise<void>;
  requestRemove(): void;
  cancelRemove(): void;
  remove(): Promise<void>;
  setHistorySince(value: string): void;
  startImport(): Promise<void>;
}

export interface TimelinesDeps {
  api: ApiClient;
  /** A 401: the settings page ends the session (true when it was one). */
  sessionEnded(err: unknown): boolean;
  /** The workspace changed (the view's `timelines` flag): read it again. */
  onChanged(): void;
  now?: () => number;
}

export function createTimelinesController(deps: TimelinesDeps): TimelinesController {
  const { api } = deps;
  const now = deps.now ?? Date.now;
  const store = createStore<TimelinesState>({
    status: 'idle',
    answer: null,
    loadError: null,
    tokenDraft: '',
    editing: false,
    busy: null,
    tokenError: null,
    notice: null,
    confirmingRemove: false,
    history: null,
    historySince: defaultSince(now()),
    historyError: null,
  });
  const { get, set } = store;
  const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

  async function load() {
    set({ status: get().answer ? 'ready' : 'loading', loadError: null });
    try {
      const answer = await api.getTimelines();
      set({ status: 'ready', answer, editing: get().editing || !answer.connection.connected });
    } catch (err) {
      if (deps.sessionEnded(err)) return;
      set({ status: 'error', loadError: message(err) });
    }
  }

  async function loadHistory() {
    try {
      set({ history: await api.getHistoryImport() });
    } catch (err) {
      deps.sessionEnded(err);
    }
  }

  return {
    store,
    load,
    loadHistory,
    setTokenDraft: (value) => set({ tokenDraft: value, tokenError: null }),
    startEditing: () => set({ editing: true, notice: null, tokenError: null }),
    cancelEditing: () => set({ editing: false, tokenDraft: '', tokenError: null }),

    async connect() {
      const token = get().tokenDraft.trim();
      if (!token) {
        set({ tokenError: 'Paste the API token from TimelinesAI → Integrations → Public API.' });
        return;
      }
      const replacing = get().answer?.connection.connected ?? false;
      set({ busy: 'connecting', tokenError: null, notice: null });
      try {
        const answer = await api.connectTimelines(token);
        set({
          busy: null,
          answer,
          status: 'ready',
          editing: false,
          tokenDraft: '',
          notice: replacing ? 'The new token works and replaces the old one.' : 'TimelinesAI is connected.',
        });
        deps.onChanged();
      } catch (err) {
        set({ busy: null });
        if (deps.sessionEnded(err)) return;
        set({ tokenError: message(err) });
      }
    },

    requestRemove: () => set({ confirmingRemove: true, notice: null }),
    cancelRemove: () => set({ confirmingRemove: false }),

    async remove() {
      set({ busy: 'removing', confirmingRemove: false });
      try {
        const answer = await api.disconnectTimelines();
        set({
          busy: null,
          answer,
          editing: true,
          notice: 'The token is removed and TimelinesAI no longer delivers here.',
        });
        deps.onChanged();
      } catch (err) {
        set({ busy: null });
        if (!deps.sessionEnded(err)) set({ loadError: message(err) });
      }
    },

    setHistorySince: (value) => set({ historySince: value, historyError: null }),

    async startImport() {
      const since = get().historySince;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(since)) {
        set({ historyError: 'Choose the first day to import.' });
        return;
      }
      set({ busy: 'importing', historyError: null });
      try {
        set({ busy: null, history: await api.startHistoryImport(since) });
      } catch (err) {
        set({ busy: null });
        if (deps.sessionEnded(err)) return;
        set({ historyError: message(err) });
        if (err instanceof ApiError && err.status === 409) void loadHistory();
      }
    },
  };
}

/** Thirty days back, in the browser's calendar (the backend checks the range). */
function defaultSince(ms: number): string {
  const d = new Date(ms - 30 * 86_400_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
