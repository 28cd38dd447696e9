/**
 * State and actions of the admin settings page. The views read `store` and call the actions; all
 * backend traffic goes through the ApiClient, all CRM traffic through the Host.
 */
import {
  ApiError,
  type ApiClient,
  type ModuleFields,
  type ModuleInfo,
  type SettingKey,
  type SyncLogEntry,
  type Workspace,
  type WorkspaceResponse,
} from '../api/client';
import type { ConnectAttempt, SessionStore } from '../api/session';
import type { CrmUser, Host } from '../host/host';
import { createStore, type Store } from '../store/store';
import type { DraftStorage } from './draftStorage';
import {
  changeModule,
  defaultModule,
  draftFromSettings,
  sameDraft,
  settingForError,
  settingsFromDraft,
  validateDraft,
  withDefaults,
  type Draft,
  type FieldKey,
} from './logic';

export interface Loadable<T> {
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** Kept while reloading, so lists do not collapse. */
  data: T | null;
  error: string | null;
}

export type Busy = null | 'activating' | 'deactivating' | 'creatingField';

export interface SettingsState {
  phase: 'loading' | 'disconnected' | 'ready' | 'error';
  loadError: string | null;
  connecting: boolean;
  /** The popup was closed while we waited (we keep listening: a late answer still connects). */
  popupClosed: boolean;
  /** Shown next to the Connect button: why we are disconnected or why connecting failed. */
  connectMessage: string | null;
  crmUser: CrmUser | null;
  workspace: Workspace | null;
  you: WorkspaceResponse['you'] | null;
  modules: Loadable<ModuleInfo[]>;
  fields: Record<string, Loadable<ModuleFields>>;
  draft: Draft;
  /** The draft came back from a previous visit and differs from the saved settings. */
  draftRestored: boolean;
  busy: Busy;
  fieldErrors: Partial<Record<SettingKey, string>>;
  formError: string | null;
  /** A short confirmation (activated, deactivated, field created). */
  notice: string | null;
  /** Why this user sees the settings read-only (not the owner, or the backend's 403 message). */
  readOnlyReason: string | null;
  syncLog: Loadable<SyncLogEntry[]>;
}

export interface SettingsDeps {
  api: ApiClient;
  session: SessionStore;
  drafts: DraftStorage;
  /** Opens the OAuth popup (see api/session.ts startConnect). */
  connect: () => ConnectAttempt;
  /** Optional: shows who is signed in to the CRM. The page works without it. */
  host?: Host;
}

export interface SettingsController {
  store: Store<SettingsState>;
  start(): Promise<void>;
  reload(): Promise<void>;
  connect(): Promise<void>;
  cancelConnect(): void;
  selectModule(module: string): void;
  setField(key: FieldKey, value: string): void;
  setTimeZone(value: string): void;
  createChatLinkField(): Promise<void>;
  activate(): Promise<void>;
  deactivate(): Promise<void>;
  discardDraft(): void;
  refreshSyncLog(): Promise<void>;
}

const idle = <T>(): Loadable<T> => ({ status: 'idle', data: null, error: null });

export const SYNC_LOG_LIMIT = 10;

/** Whether the form may be edited now. */
export function isEditable(s: SettingsState): boolean {
  return (
    s.phase === 'ready' &&
    !!s.workspace &&
    s.workspace.connected &&
    !s.workspace.active &&
    s.readOnlyReason === null &&
    s.busy === null
  );
}

export function moduleLabel(s: SettingsState, apiName: string): string {
  return s.modules.data?.find((m) => m.apiName === apiName)?.label ?? apiName;
}

export function createSettingsController(deps: SettingsDeps): SettingsController {
  const { api, session, drafts } = deps;
  const store = createStore<SettingsState>({
    phase: 'loading',
    loadError: null,
    connecting: false,
    popupClosed: false,
    connectMessage: null,
    crmUser: null,
    workspace: null,
    you: null,
    modules: idle(),
    fields: {},
    draft: draftFromSettings(null),
    draftRestored: false,
    busy: null,
    fieldErrors: {},
    formError: null,
    notice: null,
    readOnlyReason: null,
    syncLog: idle(),
  });
  const get = store.get;
  const set = store.set;
  let attempt: ConnectAttempt | null = null;

  function savedDraft(): Draft {
    return draftFromSettings(get().workspace?.settings);
  }

  function persistDraft(draft: Draft) {
    const ws = get().workspace;
    if (!ws) return;
    if (sameDraft(draft, savedDraft())) drafts.clear(ws.id);
    else drafts.save(ws.id, draft);
  }

  function expireSession(message: string) {
    session.clear();
    set({
      phase: 'disconnected',
      connectMessage: message,
      workspace: null,
      you: null,
      modules: idle(),
      fields: {},
      busy: null,
      syncLog: idle(),
    });
  }

  function ownerReason(ws: Workspace, you: WorkspaceResponse['you']): string | null {
    if (you.isOwner) return null;
    return `Only the workspace owner (${ws.ownerEmail}) can change these settings. You are signed in as ${you.email}.`;
  }

  /** Puts a failed action's message where it belongs. */
  function placeError(err: unknown) {
    if (err instanceof ApiError && err.status === 401) {
      expireSession(err.message);
      return;
    }
    const message = err instanceof Error ? err.message : 'Something went wrong.';
    if (err instanceof ApiError && err.status === 403) {
      set({ readOnlyReason: message, formError: null, fieldErrors: {} });
      return;
    }
    const key = err instanceof ApiError ? settingForError(err.field, get().draft) : null;
    if (key) set({ fieldErrors: { [key]: message }, formError: null });
    else set({ formError: message, fieldErrors: {} });
  }

  async function load() {
    if (!session.get()) {
      set({ phase: 'disconnected' });
      return;
    }
    set({ phase: 'loading', loadError: null });
    let answer: WorkspaceResponse;
    try {
      answer = await api.getWorkspace();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401)
        expireSession('Your session has expired. Connect Zoho CRM again.');
      else set({ phase: 'error', loadError: err instanceof Error ? err.message : String(err) });
      return;
    }
    const { workspace: ws, you } = answer;
    const saved = draftFromSettings(ws.settings);
    const readOnlyReason = ownerReason(ws, you);
    let draft = saved;
    let draftRestored = false;
    if (ws.active) {
      drafts.clear(ws.id);
    } else if (!readOnlyReason) {
      const stored = drafts.load(ws.id);
      if (stored && !sameDraft(stored, saved)) {
        draft = stored;
        draftRestored = true;
      }
    }
    set({
      phase: 'ready',
      workspace: ws,
      you,
      readOnlyReason,
      draft,
      draftRestored,
      fieldErrors: {},
      formError: null,
      connectMessage: null,
    });
    void refreshSyncLog();
    if (ws.connected) {
      void loadModules();
      if (draft.module) void loadFields(draft.module);
    }
  }

  async function loadModules() {
    set((s) => ({ modules: { ...s.modules, status: 'loading', error: null } }));
    try {
      const modules = (await api.listModules()).filter((m) => m.phoneFields.length > 0);
      set({ modules: { status: 'ready', data: modules, error: null } });
      const s = get();
      if (!s.draft.module && isEditable(s)) applyModule(defaultModule(modules), false);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return expireSession(err.message);
      set((s) => ({ modules: { ...s.modules, status: 'error', error: errorText(err) } }));
    }
  }

  /** Loads a module's fields once; `refresh` reads them again (they may have changed in Zoho CRM). */
  async function loadFields(module: string, refresh = false) {
    const current = get().fields[module];
    if (current && (current.status === 'loading' || (current.status === 'ready' && !refresh))) return;
    const setFields = (l: Loadable<ModuleFields>) => set((s) => ({ fields: { ...s.fields, [module]: l } }));
    setFields({ status: 'loading', data: current?.data ?? null, error: null });
    try {
      const meta = await api.getModuleFields(module);
      setFields({ status: 'ready', data: meta, error: null });
      fillDefaults(module);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return expireSession(err.message);
      setFields({ status: 'error', data: null, error: errorText(err) });
    }
  }

  /** Suggests defaults for the settings still empty, once the module's fields are known. */
  function fillDefaults(module: string) {
    const s = get();
    const meta = s.fields[module]?.data;
    if (!meta || s.draft.module !== module || !isEditable(s)) return;
    set({ draft: withDefaults(s.draft, meta) });
  }

  function applyModule(module: string, byUser: boolean) {
    const s = get();
    if (module === s.draft.module) return;
    const draft = changeModule(s.draft, module);
    set({ draft, fieldErrors: {}, formError: null, notice: null });
    if (byUser) persistDraft(draft);
    if (!module) return;
    if (s.fields[module]?.status === 'ready') fillDefaults(module);
    else void loadFields(module);
  }

  function setDraft(patch: Partial<Draft>, clearError: SettingKey) {
    const s = get();
    const draft = { ...s.draft, ...patch };
    const fieldErrors = { ...s.fieldErrors };
    delete fieldErrors[clearError];
    set({ draft, fieldErrors, notice: null });
    persistDraft(draft);
  }

  async function refreshSyncLog() {
    if (!session.get()) return;
    set((s) => ({ syncLog: { ...s.syncLog, status: 'loading', error: null } }));
    try {
      const entries = await api.getSyncLog();
      set({ syncLog: { status: 'ready', data: entries.slice(0, SYNC_LOG_LIMIT), error: null } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return expireSession(err.message);
      set((s) => ({ syncLog: { ...s.syncLog, status: 'error', error: errorText(err) } }));
    }
  }

  return {
    store,

    async start() {
      if (deps.host) {
        const host = deps.host;
        host
          .init()
          .then(() => host.getCurrentUser())
          .then((crmUser) => set({ crmUser }))
          .catch(() => undefined); // outside the CRM: nothing to show
      }
      await load();
    },

    reload: load,

    async connect() {
      attempt?.cancel();
      const current = deps.connect();
      attempt = current;
      set({ connecting: true, popupClosed: false, connectMessage: null });
      void current.popupClosed.then(() => {
        if (attempt === current) set({ popupClosed: true });
      });
      try {
        const s = await current.result;
        if (attempt !== current) return;
        attempt = null;
        session.set(s);
        set({ connecting: false, popupClosed: false });
        await load();
      } catch (err) {
        if (attempt !== current) return;
        attempt = null;
        const cancelled = err instanceof Error && 'kind' in err && err.kind === 'cancelled';
        set({ connecting: false, popupClosed: false, connectMessage: cancelled ? null : errorText(err) });
      }
    },

    cancelConnect() {
      attempt?.cancel();
    },

    selectModule: (module) => applyModule(module, true),

    setField: (key, value) => setDraft({ [key]: value }, key),

    setTimeZone: (value) => setDraft({ timeZone: value }, 'timeZone'),

    async createChatLinkField() {
      const s = get();
      const module = s.draft.module;
      if (!module || !isEditable(s)) return;
      set({ busy: 'creatingField', notice: null });
      try {
        const field = await api.createChatLinkField(module);
        set((st) => {
          const meta = st.fields[module]?.data;
          if (!meta) return {};
          const known = meta.fields.some((f) => f.apiName === field.apiName);
          const next: ModuleFields = {
            fields: known
              ? meta.fields
              : [
                  ...meta.fields,
                  {
                    apiName: field.apiName,
                    label: field.label,
                    type: 'website',
                    mandatory: false,
                    readOnly: false,
                    custom: true,
                  },
                ],
            candidates: {
              ...meta.candidates,
              chatLink: [
                { apiName: field.apiName, label: field.label, type: 'website' },
                ...meta.candidates.chatLink.filter((c) => c.apiName !== field.apiName),
              ],
            },
          };
          return { fields: { ...st.fields, [module]: { status: 'ready', data: next, error: null } } };
        });
        set({ busy: null });
        setDraft({ chatLinkField: field.apiName }, 'chatLinkField');
        set({ notice: `Created the field “${field.label}” in ${moduleLabel(get(), module)}.` });
      } catch (err) {
        set({ busy: null });
        if (err instanceof ApiError && !err.field && err.status !== 401 && err.status !== 403) {
          set({ fieldErrors: { chatLinkField: err.message } });
        } else placeError(err);
      }
    },

    async activate() {
      const s = get();
      if (!isEditable(s) || !s.workspace) return;
      const errors = validateDraft(s.draft);
      if (Object.keys(errors).length > 0) {
        set({ fieldErrors: errors, formError: null, notice: null });
        return;
      }
      set({ busy: 'activating', fieldErrors: {}, formError: null, notice: null });
      try {
        const saved = await api.saveSettings(settingsFromDraft(s.draft));
        set((st) => ({ workspace: st.workspace && { ...st.workspace, settings: saved } }));
        const ws = await api.activate();
        drafts.clear(ws.id);
        set({
          busy: null,
          workspace: ws,
          draft: ws.settings ? draftFromSettings(ws.settings) : s.draft,
          draftRestored: false,
          notice: `The integration is active. A test record was created in ${moduleLabel(get(), s.draft.module)}.`,
        });
        void refreshSyncLog();
      } catch (err) {
        set({ busy: null });
        placeError(err);
        // A problem with a field (deleted or changed in Zoho CRM since the form loaded them): offer the
        // fields as they are now, so the stale choice shows as unusable and "Create a field for me" returns.
        if (err instanceof ApiError && err.field && err.status !== 401 && err.status !== 403) {
          void loadFields(s.draft.module, true);
        }
      }
    },

    async deactivate() {
      const s = get();
      if (s.phase !== 'ready' || !s.workspace?.active || s.readOnlyReason || s.busy) return;
      set({ busy: 'deactivating', formError: null, notice: null });
      try {
        const ws = await api.deactivate();
        const draft = draftFromSettings(ws.settings);
        set({
          busy: null,
          workspace: ws,
          draft,
          draftRestored: false,
          fieldErrors: {},
          notice:
            'The integration is paused: new WhatsApp messages are logged as skipped until you activate it again.',
        });
        if (get().modules.status !== 'ready') void loadModules();
        if (draft.module) void loadFields(draft.module);
      } catch (err) {
        set({ busy: null });
        placeError(err);
      }
    },

    discardDraft() {
      const ws = get().workspace;
      if (ws) drafts.clear(ws.id);
      set({ draft: savedDraft(), draftRestored: false, fieldErrors: {}, formError: null });
      const s = get();
      if (s.draft.module) {
        if (s.fields[s.draft.module]?.status === 'ready') fillDefaults(s.draft.module);
        else void loadFields(s.draft.module);
      } else if (s.modules.data && isEditable(s)) applyModule(defaultModule(s.modules.data), false);
    },

    refreshSyncLog,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
