/**
 * Activating the integration (the draft saved, then checked against live metadata and a test record
 * written) and deactivating it, asked first: messages arriving while inactive are not synced.
 */
import { ApiError } from '../api/client';
import { draftFromSettings, settingsFromDraft, validateDraft } from './logic';
import type { ControllerCore } from './settingsController';
import { activationNotice, isEditable, moduleLabel } from './state';

export interface ActivationActions {
  activate(): Promise<void>;
  /** Asks for confirmation first: messages arriving while inactive are not synced. */
  requestDeactivate(): void;
  deactivate(): Promise<void>;
}

/** `onActivated`: the sync log and TimelinesAI's view change with an activation (its test record, webhooks). */
export function createActivationActions(core: ControllerCore, onActivated: () => void): ActivationActions {
  const { store, deps } = core;
  const { get, set } = store;
  const { api, drafts } = deps;

  return {
    async activate() {
      const s = get();
      if (!isEditable(s) || !s.workspace) return;
      const errors = validateDraft(s.draft);
      if (Object.keys(errors).length > 0) {
        set({ fieldErrors: errors, formError: null, notice: null });
        return;
      }
      set({ busy: 'activating', fieldErrors: {}, formError: null, notice: null, moduleChange: null });
      try {
        const saved = await api.saveSettings(settingsFromDraft(s.draft));
        set((st) => ({ workspace: st.workspace && { ...st.workspace, settings: saved } }));
        const answer = await api.activate();
        const ws = answer.workspace;
        drafts.clear(ws.id);
        set({
          busy: null,
          workspace: ws,
          draft: ws.settings ? draftFromSettings(ws.settings) : s.draft,
          draftRestored: false,
          notice: activationNotice(
            answer.testRecord,
            moduleLabel(get(), answer.testRecord.module),
            answer.webhooks,
          ),
        });
        onActivated();
      } catch (err) {
        set({ busy: null });
        core.placeError(err);
        // A problem with a field (deleted or changed in Zoho CRM since the form loaded them): offer the
        // fields as they are now, so the stale choice shows as unusable and "Create a field for me" returns.
        if (err instanceof ApiError && err.field && err.status !== 401 && err.status !== 403) {
          void core.loadFields(s.draft.module, true);
        }
      }
    },

    requestDeactivate() {
      const s = get();
      if (s.phase !== 'ready' || !s.workspace?.active || s.readOnlyReason || s.busy) return;
      set({ confirming: 'deactivate', notice: null, formError: null });
    },

    async deactivate() {
      const s = get();
      if (s.phase !== 'ready' || !s.workspace?.active || s.readOnlyReason || s.busy) return;
      set({ busy: 'deactivating', confirming: null, formError: null, notice: null });
      try {
        const ws = await api.deactivate();
        const draft = draftFromSettings(ws.settings);
        set({
          busy: null,
          workspace: ws,
          draft,
          draftRestored: false,
          fieldErrors: {},
          notice: {
            text: 'The integration is inactive. WhatsApp messages that arrive now are not synced; activate it again when your changes are made.',
          },
        });
        if (get().modules.status !== 'ready') void core.loadModules();
        if (draft.module) void core.loadFields(draft.module);
      } catch (err) {
        set({ busy: null });
        core.placeError(err);
      }
    },
  };
}
