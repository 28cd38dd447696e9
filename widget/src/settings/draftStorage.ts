/** Unsaved settings survive a reload: one draft per workspace in localStorage. */
import { parseDraft, type Draft } from './logic';

export interface DraftStorage {
  load(workspaceId: string): Draft | null;
  save(workspaceId: string, draft: Draft): void;
  clear(workspaceId: string): void;
}

export function createDraftStorage(storage: Storage | undefined): DraftStorage {
  const key = (workspaceId: string) => `wzsync:draft:${workspaceId}`;
  return {
    load(workspaceId) {
      try {
        const raw = storage?.getItem(key(workspaceId));
        return raw ? parseDraft(JSON.parse(raw)) : null;
      } catch {
        return null;
      }
    },
    save(workspaceId, draft) {
      try {
        storage?.setItem(key(workspaceId), JSON.stringify(draft));
      } catch {
        // storage full or blocked: the draft lives as long as the page
      }
    },
    clear(workspaceId) {
      try {
        storage?.removeItem(key(workspaceId));
      } catch {
        // nothing to clear
      }
    },
  };
}
