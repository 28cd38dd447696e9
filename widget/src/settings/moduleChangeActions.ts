/**
 * Choosing the destination module. For an integration that ran before, a new module is confirmed
 * first: chat links belong to the module they point into, so the next message of every chat is
 * matched again in the new module, and the Notes written so far stay on the old module's records.
 * Cancelling keeps the module as it was.
 */
import type { ControllerCore } from './settingsController';
import { moduleChangeNeedsConfirm, ranWithModule } from './logic';
import { isEditable } from './state';

export interface ModuleChangeActions {
  /** Takes the module, or asks for confirmation first (see moduleChangeNeedsConfirm). */
  selectModule(module: string): void;
  confirmModuleChange(): void;
  cancelModuleChange(): void;
}

export function createModuleChangeActions(core: ControllerCore): ModuleChangeActions {
  const { get, set } = core.store;

  return {
    selectModule(module) {
      const s = get();
      const ws = s.workspace;
      if (ws && isEditable(s) && moduleChangeNeedsConfirm(ws, s.draft.module, module)) {
        set({ moduleChange: { from: ranWithModule(ws)!, to: module }, notice: null, formError: null });
        return;
      }
      set({ moduleChange: null });
      core.applyModule(module, true);
    },

    confirmModuleChange() {
      const change = get().moduleChange;
      if (!change) return;
      set({ moduleChange: null });
      if (isEditable(get())) core.applyModule(change.to, true);
    },

    cancelModuleChange: () => set({ moduleChange: null }),
  };
}
