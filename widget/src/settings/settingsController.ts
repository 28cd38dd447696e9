/**
 * State and actions of the admin settings page. The views read `store` and call the actions; all
 * backend traffic goes through the ApiClient, all CRM traffic through the Host. The session's
 * actions (connect, renew, sign out, disconnect) are in sessionActions.ts, the sync log's in
 * syncLogActions.ts, the webhook URL's in webhookActions.ts, the destination's confirmation in
 * moduleChangeActions.ts, the phone index's progress in phoneIndexActions.ts, activation's in
 * activationActions.ts; this file holds the loading and the form.
 */
import { ApiError, type ApiClient, type ModuleFields, type SettingKey, type Workspace } from '../api/client';
import type { ConnectAttempt, EndReason, SessionStore } from '../api/session';
import type { Host } from '../host/host';
import { createStore, type Store } from '../store/store';
import type { DraftStorage } from './draftStorage';
import {
  changeModule,
  defaultModule,
  draftFromSettings,
  sameDraft,
  settingForError,
  withCreatedField,
  withDefaults,
  type Draft,
  type FieldKey,
} from './logic';
import { createActivationActions, type ActivationActions } from './activationActions';
import { createModuleChangeActions, type ModuleChangeActions } from './moduleChangeActions';
import { createPhoneIndexActions, type PhoneIndexActions } from './phoneIndexActions';
import { createSessionActions, type SessionActions } from './sessionActions';
import {
  idleRotation,
  initialState,
  isEditable,
  moduleLabel,
  signedOutState,
  type Loadable,
  type SettingsState,
} from './state';
import { createSyncLogActions, type SyncLogActions } from './syncLogActions';
import { createWebhookActions, type WebhookActions } from './webhookActions';
import { createTimelinesController, type TimelinesController } from './timelinesController';

export { isEditable, moduleLabel } from './state';
export type { Busy, Loadable, LogFilter, Notice, SettingsState, SyncLogState } from './state';

export interface SettingsDeps {
  api: ApiClient;
  session: SessionStore;
  drafts: DraftStorage;
  /** Opens the OAuth popup (see api/session.ts startConnect). */
  connect: () => ConnectAttempt;
  /** Optional: the page works without it (tests, a page opened outside the CRM). */
  host?: Host;
  now?: () => number;
}

/** What the action modules share with this one. */
export interface ControllerCore {
  store: Store<SettingsState>;
  deps: SettingsDeps;
  now: () => number;
  load(): Promise<void>;
  /** Forgets the session for `reason`; the page says why and offers to sign in again. */
  endSession(reason: EndReason): void;
  /** Handles a 401 (the session ended); true when it was one. */
  sessionEnded(err: unknown): boolean;
  loadModules(): Promise<void>;
  loadFields(module: string, refresh?: boolean): Promise<void>;
  /** Makes `module` the draft's destination (clearing the field choices); `byUser` keeps the draft. */
  applyModule(module: string, byUser: boolean): void;
  /** Puts a failed action's message where it belongs (a field, the form, read-only, signed out). */
  placeError(err: unknown): void;
}

export interface SettingsController
  extends
    SessionActions,
    SyncLogActions,
    WebhookActions,
    ModuleChangeActions,
    PhoneIndexActions,
    ActivationActions {
  store: Store<SettingsState>;
  /** The TimelinesAI section (token, webhook health, history import). */
  timelines: TimelinesController;
  start(): Promise<void>;
  reload(): Promise<void>;
  setField(key: FieldKey, value: string): void;
  setTimeZone(value: string): void;
  createChatLinkField(): Promise<void>;
  cancelConfirm(): void;
  discardDraft(): void;
}

export function createSettingsController(deps: SettingsDeps): SettingsController {
  const { api, session, drafts } = deps;
  const store = createStore<SettingsState>(initialState());
  const { get, set } = store;

  const core: ControllerCore = {
    store,
    deps,
    now: deps.now ?? Date.now,
    load,
    endSession(reason) {
      session.end(reason);
      const auth = session.read();
      set(signedOutState(reason, auth?.kind === 'ended' ? auth.email : null));
    },
    sessionEnded(err) {
      if (!(err instanceof ApiError && err.status === 401)) return false;
      core.endSession('expired');
      return true;
    },
    loadModules,
    loadFields,
    applyModule,
    placeError,
  };
  const moduleChange = createModuleChangeActions(core);
  const phoneIndex = createPhoneIndexActions(core);
  const sessionActions = createSessionActions(core);
  const syncLog = createSyncLogActions(core);
  const timelines = createTimelinesController({
    api,
    sessionEnded: (err) => core.sessionEnded(err),
    onChanged: () => void refreshWorkspace(),
    now: core.now,
  });
  const webhook = createWebhookActions(core, () => void timelines.load());
  const activation = createActivationActions(core, () => {
    void syncLog.refreshSyncLog();
    void timelines.load();
  });

  /** The workspace as the backend has it now (after a change made elsewhere on the page). */
  async function refreshWorkspace() {
    try {
      const { workspace } = await api.getWorkspace();
      set((st) => (st.workspace?.id === workspace.id ? { workspace } : {}));
    } catch (err) {
      core.sessionEnded(err);
    }
  }

  function savedDraft(): Draft {
    return draftFromSettings(get().workspace?.settings);
  }

  function persistDraft(draft: Draft) {
    const ws = get().workspace;
    if (!ws) return;
    if (sameDraft(draft, savedDraft())) drafts.clear(ws.id);
    else drafts.save(ws.id, draft);
  }

  function ownerReason(ws: Workspace, you: { email: string; isOwner: boolean }): string | null {
    if (you.isOwner) return null;
    return `Only the workspace owner (${ws.ownerEmail}) can change these settings. You are signed in as ${you.email}.`;
  }

  /** Puts a failed action's message where it belongs. */
  function placeError(err: unknown) {
    if (core.sessionEnded(err)) return;
    const message = errorText(err);
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
      const auth = session.read();
      set(
        signedOutState(
          auth?.kind === 'ended' ? auth.reason : null,
          auth?.kind === 'ended' ? auth.email : null,
        ),
      );
      return;
    }
    set({ phase: 'loading', loadError: null });
    let answer;
    try {
      answer = await api.getWorkspace();
    } catch (err) {
      if (!session.get()) return; // ended meanwhile (a refused renewal, another tab): already shown
      if (!core.sessionEnded(err)) set({ phase: 'error', loadError: errorText(err) });
      return;
    }
    if (!session.get()) return;
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
      confirming: null,
      moduleChange: null,
      webhookRotation: idleRotation(),
    });
    void syncLog.refreshSyncLog();
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
      if (core.sessionEnded(err)) return;
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
      if (core.sessionEnded(err)) return;
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
    set({ draft, fieldErrors, notice: null, formError: null });
    persistDraft(draft);
  }

  /** The created field joins the module's fields and is offered first. */
  function addCreatedField(module: string, field: { apiName: string; label: string }) {
    set((st) => {
      const meta = st.fields[module]?.data;
      if (!meta) return {};
      const data = withCreatedField(meta, field);
      return { fields: { ...st.fields, [module]: { status: 'ready', data, error: null } } };
    });
  }

  async function createChatLinkField() {
    const s = get();
    const module = s.draft.module;
    if (!module || !isEditable(s)) return;
    set({ busy: 'creatingField', notice: null });
    try {
      const field = await api.createChatLinkField(module);
      addCreatedField(module, field);
      set({ busy: null });
      setDraft({ chatLinkField: field.apiName }, 'chatLinkField');
      set({ notice: { text: `Created the field “${field.label}” in ${moduleLabel(get(), module)}.` } });
    } catch (err) {
      set({ busy: null });
      if (err instanceof ApiError && !err.field && err.status !== 401 && err.status !== 403) {
        set({ fieldErrors: { chatLinkField: err.message } });
      } else placeError(err);
    }
  }

  return {
    store,
    ...webhook,
    ...moduleChange,
    ...phoneIndex,
    timelines,
    ...sessionActions,
    ...syncLog,

    async start() {
      const host = deps.host;
      if (host) void host.init().catch(() => undefined); // outside the CRM: nothing to show
      await sessionActions.restore();
    },

    reload: load,
    setField: (key, value) => setDraft({ [key]: value }, key),
    setTimeZone: (value) => setDraft({ timeZone: value }, 'timeZone'),
    createChatLinkField,
    ...activation,
    cancelConfirm: () => set({ confirming: null }),

    discardDraft() {
      const ws = get().workspace;
      if (ws) drafts.clear(ws.id);
      set({
        draft: savedDraft(),
        draftRestored: false,
        fieldErrors: {},
        formError: null,
        moduleChange: null,
      });
      const s = get();
      if (s.draft.module) {
        if (s.fields[s.draft.module]?.status === 'ready') fillDefaults(s.draft.module);
        else void loadFields(s.draft.module);
      } else if (s.modules.data && isEditable(s)) applyModule(defaultModule(s.modules.data), false);
    },
  };
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
