/**
 * The phone index's progress on the settings page. While the index of the destination module is
 * built (after an activation or a module change), the page reads the workspace again every few
 * seconds and takes only the index's figures from it: the form being edited is left alone.
 */
import type { ControllerCore } from './settingsController';

/** How often the page reads the progress while the index builds. */
export const INDEX_POLL_MS = 3000;

export interface PhoneIndexActions {
  /** Reads the index's progress again (one request at a time; a slow answer is not stacked). */
  refreshPhoneIndex(): Promise<void>;
}

export function createPhoneIndexActions(core: ControllerCore): PhoneIndexActions {
  const { store, deps } = core;
  let reading: Promise<void> | null = null;

  async function read() {
    try {
      const { workspace } = await deps.api.getWorkspace();
      store.set((s) =>
        s.workspace && s.workspace.id === workspace.id
          ? { workspace: { ...s.workspace, phoneIndex: workspace.phoneIndex } }
          : {},
      );
    } catch (err) {
      core.sessionEnded(err); // other failures: the next poll tries again
    }
  }

  return {
    refreshPhoneIndex() {
      if (store.get().phase !== 'ready' || !deps.session.get()) return Promise.resolve();
      reading ??= read().finally(() => {
        reading = null;
      });
      return reading;
    },
  };
}
