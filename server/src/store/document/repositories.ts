/**
 * The read side of the document engine: the repositories' queries over the in-memory state. Values
 * are returned as they are held (frozen), so a read costs no copy.
 */
import type {
  ChatDayRepo,
  ChatLinkRepo,
  Frozen,
  LeaseRepo,
  PhoneIndexRepo,
  QueueDepth,
  SentMessageRepo,
  SyncLogQuery,
  SyncLogRepo,
  WorkspaceRepo,
} from '../store.js';
import { keys } from '../store.js';
import type {
  ChatLink,
  DayNote,
  IndexedRecord,
  QueuedEvent,
  SentMessage,
  SyncLogEntry,
  Workspace,
} from '../schema.js';
import type { Lease } from '../unitOfWork.js';
import type { DocState } from './state.js';

export function workspaceRepo(state: () => DocState): WorkspaceRepo {
  const byId = (id: string | undefined) => (id ? state().workspaces.get(id) : undefined);
  return {
    get: async (id) => byId(id),
    byOrg: async (orgId) => byId(state().byOrg.get(orgId)),
    byWebhookDigest: async (digest) => byId(state().byDigest.get(digest)),
    all: async () => [...state().workspaces.values()] as Frozen<Workspace>[],
    lastEventAt: async (id) => {
      const at = state().lastEvent.get(id);
      return at === undefined ? undefined : new Date(at).toISOString();
    },
  };
}

export function queueReads(state: () => DocState) {
  return {
    async claim(workspaceId: string, now: number, limit: number): Promise<Frozen<QueuedEvent>[]> {
      const out: QueuedEvent[] = [];
      for (const q of state().queue.get(workspaceId)?.values() ?? []) {
        if (q.state === 'pending' && q.notBefore <= now) out.push(q);
        if (out.length >= limit) break;
      }
      return out;
    },
    async get(key: string): Promise<Frozen<QueuedEvent> | undefined> {
      const ws = key.slice(0, key.indexOf(':'));
      return state().queue.get(ws)?.get(key);
    },
    async due(): Promise<{ workspaceId: string; dueAt: number }[]> {
      const out: { workspaceId: string; dueAt: number }[] = [];
      for (const [workspaceId, events] of state().queue) {
        let dueAt = Infinity;
        for (const q of events.values())
          if (q.state === 'pending' && q.notBefore < dueAt) dueAt = q.notBefore;
        if (dueAt !== Infinity) out.push({ workspaceId, dueAt });
      }
      return out;
    },
    async withPendingFiles(): Promise<Frozen<QueuedEvent>[]> {
      const out: QueuedEvent[] = [];
      for (const events of state().queue.values())
        for (const q of events.values())
          if (q.files.some((f) => !f.localPath && !f.error && !f.uploadedId)) out.push(q);
      return out;
    },
    async depths(): Promise<QueueDepth[]> {
      const out: QueueDepth[] = [];
      for (const [workspaceId, events] of state().queue) {
        const first = events.values().next().value as QueuedEvent | undefined;
        let waiting = 0;
        for (const q of events.values()) if (q.state === 'waiting') waiting += 1;
        out.push({ workspaceId, depth: events.size, waiting, oldestReceivedAt: first?.receivedAt });
      }
      return out;
    },
  };
}

export function chatRepo(state: () => DocState): ChatLinkRepo {
  return {
    async getMany(workspaceId, chatIds) {
      const out = new Map<string, Frozen<ChatLink>>();
      for (const id of chatIds) {
        const link = state().chats.get(keys.chat(workspaceId, id));
        if (link) out.set(id, link);
      }
      return out;
    },
    async byRecords(workspaceId, recordIds) {
      const wanted = new Set(recordIds);
      const out: ChatLink[] = [];
      // Rare (records deleted in the CRM): a scan of the workspace's links is cheap enough.
      for (const link of state().chats.values())
        if (link.workspaceId === workspaceId && link.recordId && wanted.has(link.recordId)) out.push(link);
      return out;
    },
  };
}

export function dayRepo(state: () => DocState): ChatDayRepo {
  return {
    async getMany(dayKeys) {
      const out = new Map<string, Frozen<DayNote>>();
      for (const k of dayKeys) {
        const d = state().days.get(k);
        if (d) out.set(k, d);
      }
      return out;
    },
  };
}

export function syncLogRepo(state: () => DocState): SyncLogRepo {
  return {
    async list(workspaceId: string, query: SyncLogQuery) {
      const entries = state().log.get(workspaceId) ?? [];
      const before = query.before === undefined ? Infinity : Number(query.before);
      const out: SyncLogEntry[] = [];
      let i = entries.length - 1;
      for (; i >= 0 && out.length < query.limit; i--) {
        const e = entries[i]!;
        if (Number(e.id) >= before) continue;
        if (query.outcome && e.outcome !== query.outcome) continue;
        out.push(e);
      }
      // Is there an older entry that matches? Then the last one returned is the next page's cursor.
      let more = false;
      for (; i >= 0 && !more; i--) more = !query.outcome || entries[i]!.outcome === query.outcome;
      return { entries: out, next: more ? out[out.length - 1]?.id : undefined };
    },
  };
}

export function phoneIndexRepo(state: () => DocState): PhoneIndexRepo {
  return {
    state: async (workspaceId) => state().index.get(workspaceId)?.state,
    async lookup(workspaceId, wanted) {
      const out = new Map<string, Frozen<IndexedRecord>[]>();
      const idx = state().index.get(workspaceId);
      if (!idx) return out;
      for (const key of wanted) {
        const ids = idx.byKey.get(key);
        if (!ids) continue;
        out.set(
          key,
          [...ids].map((id) => idx.records.get(id)!),
        );
      }
      return out;
    },
    size: async (workspaceId) => state().index.get(workspaceId)?.records.size ?? 0,
  };
}

export function sentRepo(state: () => DocState): SentMessageRepo {
  return {
    async getMany(workspaceId, messageIds) {
      const out = new Map<string, Frozen<SentMessage>>();
      for (const id of messageIds) {
        const sent = state().sent.get(keys.message(workspaceId, id));
        if (sent) out.set(id, sent);
      }
      return out;
    },
  };
}

/** One process holds every lease of its own store: a lease only keeps two runs of it apart. */
export function memoryLeases(now: () => number = Date.now): LeaseRepo {
  const held = new Map<string, { holder: string; until: number }>();
  return {
    async acquire(workspaceId, holder, ttlMs) {
      const cur = held.get(workspaceId);
      if (cur && cur.holder !== holder && cur.until > now()) return undefined;
      held.set(workspaceId, { holder, until: now() + ttlMs });
      return { workspaceId, holder };
    },
    async renew(lease: Lease, ttlMs: number) {
      const cur = held.get(lease.workspaceId);
      if (!cur || cur.holder !== lease.holder) return false;
      cur.until = now() + ttlMs;
      return true;
    },
    async release(lease: Lease) {
      if (held.get(lease.workspaceId)?.holder === lease.holder) held.delete(lease.workspaceId);
    },
  };
}
