/**
 * Regenerating the webhook URL (owner only): asked first, because the old URL stops working at once
 * and TimelinesAI's events are refused until the new one is pasted there.
 */
import { ApiError } from '../api/client';
import type { ControllerCore } from './settingsController';
import { idleRotation, type SettingsState } from './state';

export interface WebhookActions {
  /** Asks for confirmation first: the old URL stops working at once. */
  requestWebhookRotation(): void;
  cancelWebhookRotation(): void;
  rotateWebhook(): Promise<void>;
}

/** Only the owner, on a loaded page, while no rotation is under way. */
function mayRotate(s: SettingsState): boolean {
  return (
    s.phase === 'ready' &&
    !!s.workspace?.webhookUrl &&
    !!s.you?.isOwner &&
    s.readOnlyReason === null &&
    s.webhookRotation.step !== 'rotating'
  );
}

/** `onRotated`: TimelinesAI's subscriptions changed with the URL (re-registered while connected). */
export function createWebhookActions(core: ControllerCore, onRotated: () => void): WebhookActions {
  const { store, deps } = core;
  const { get, set } = store;

  return {
    requestWebhookRotation() {
      if (mayRotate(get())) set({ webhookRotation: { step: 'confirming', error: null } });
    },

    cancelWebhookRotation() {
      if (get().webhookRotation.step === 'confirming') set({ webhookRotation: idleRotation() });
    },

    async rotateWebhook() {
      const s = get();
      if (!mayRotate(s) || s.webhookRotation.step !== 'confirming') return;
      const workspaceId = s.workspace!.id;
      set({ webhookRotation: { step: 'rotating', error: null } });
      try {
        const webhookUrl = await deps.api.rotateWebhook();
        set((st) =>
          st.workspace?.id === workspaceId
            ? {
                workspace: { ...st.workspace, webhookUrl },
                webhookRotation: { step: 'rotated', error: null },
              }
            : {},
        );
        onRotated();
      } catch (err) {
        if (core.sessionEnded(err)) return;
        const message = err instanceof Error ? err.message : String(err);
        const unchanged =
          err instanceof ApiError && err.status === 0
            ? ' The answer did not arrive: reload the page to see which URL is current.'
            : ' The webhook URL was not changed.';
        set({ webhookRotation: { step: 'idle', error: `${message}${unchanged}` } });
      }
    },
  };
}
