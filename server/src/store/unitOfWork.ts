/**
 * A unit of work: the changes of one step, named by what they do, committed together or not at all.
 *
 *   const uow = store.begin();
 *   uow.chats.put(link);
 *   uow.queue.finish(event.key);
 *   uow.syncLog.add(entry);
 *   await uow.commit();          // durable, and visible to readers, once this resolves
 *
 * Nothing is visible to readers before `commit()` resolves, and a failed commit changes nothing (the
 * admin API relies on that: an answered 500 never leaves a change behind). Both engines apply the same
 * operations: the document engine appends them to its journal, PostgreSQL runs them in one transaction.
 */
import type {
  ChatLink,
  DayLine,
  DayNote,
  DayPatch,
  EventFile,
  IndexedRecord,
  PhoneIndexState,
  PhoneIndexPatch,
  QueuePatch,
  SentMessage,
  SyncLogEntry,
  Workspace,
  WorkspacePatch,
} from './schema.js';

/**
 * Patches go through JSON, which has no `undefined`: a field a patch sets to undefined (an intent
 * cleared, a problem solved) travels in `unset` and is removed from the value.
 */
export type Unset = string[] | undefined;

export type Op =
  | { t: 'ws.create'; ws: Workspace }
  | { t: 'ws.patch'; id: string; patch: WorkspacePatch; unset?: Unset }
  /** skippedWhileInactive += by (a counter: never a read-modify-write across processes) */
  | { t: 'ws.countSkipped'; id: string; by: number }
  | { t: 'q.patch'; key: string; patch: QueuePatch; unset?: Unset }
  /** one attachment's state (the downloader and the worker may change different attachments at once) */
  | { t: 'q.file'; key: string; index: number; patch: EventFile; unset?: Unset }
  | { t: 'q.finish'; key: string }
  | { t: 'q.requeueWaiting'; workspaceId: string }
  | { t: 'chat.put'; link: ChatLink }
  | { t: 'day.put'; day: DayNote }
  | { t: 'day.patch'; key: string; patch: DayPatch; unset?: Unset }
  /** lines appended at `from` (the day's line count when read): a second append at the same place wins */
  | { t: 'day.lines'; key: string; from: number; lines: DayLine[] }
  | { t: 'log.add'; entry: SyncLogEntry }
  /** earlier failures of these messages are marked resolved (they have synced since); an attachment's are not */
  | { t: 'log.resolve'; workspaceId: string; messageIds: string[] }
  | { t: 'idx.state'; workspaceId: string; state: PhoneIndexState }
  | { t: 'idx.patch'; workspaceId: string; patch: PhoneIndexPatch; unset?: Unset }
  | { t: 'idx.put'; workspaceId: string; records: IndexedRecord[] }
  | { t: 'idx.del'; workspaceId: string; recordIds: string[] }
  /** forget the whole index (a module change, a rebuild) */
  | { t: 'idx.clear'; workspaceId: string }
  /** a message sent from the chat panel, by whom (kept as long as message ids) */
  | { t: 'sent.put'; sent: SentMessage };

/** Lease of a workspace: commits made under it fail once another process took the workspace over. */
export interface Lease {
  workspaceId: string;
  holder: string;
}

export interface CommitOptions {
  /** the commit only lands while this lease is still held (fencing of a sync run) */
  lease?: Lease | undefined;
}

export type Committer = (ops: Op[], opts: CommitOptions) => Promise<void>;

export class UnitOfWork {
  readonly ops: Op[] = [];
  readonly #commit: Committer;
  readonly #opts: CommitOptions;

  constructor(commit: Committer, opts: CommitOptions = {}) {
    this.#commit = commit;
    this.#opts = opts;
  }

  get size(): number {
    return this.ops.length;
  }

  /** Writes every change staged so far (none: resolves at once) and starts afresh. */
  async commit(): Promise<void> {
    if (this.ops.length === 0) return;
    const ops = this.ops.splice(0);
    await this.#commit(ops, this.#opts);
  }

  readonly workspaces = {
    create: (ws: Workspace) => this.#push({ t: 'ws.create', ws }),
    patch: (id: string, patch: WorkspacePatch) => this.#push({ t: 'ws.patch', id, ...split(patch) }),
    countSkipped: (id: string, by = 1) => this.#push({ t: 'ws.countSkipped', id, by }),
  };

  readonly queue = {
    /** attempts, due time, state, reason (a retry, a wait, a park) */
    patch: (key: string, patch: QueuePatch) => this.#push({ t: 'q.patch', key, ...split(patch) }),
    file: (key: string, index: number, patch: EventFile) =>
      this.#push({ t: 'q.file', key, index, ...split(patch) }),
    /** the event leaves the queue (synced, skipped or given up) */
    finish: (key: string) => this.#push({ t: 'q.finish', key }),
    requeueWaiting: (workspaceId: string) => this.#push({ t: 'q.requeueWaiting', workspaceId }),
  };

  readonly chats = {
    put: (link: ChatLink) => this.#push({ t: 'chat.put', link }),
  };

  readonly days = {
    put: (day: DayNote) => this.#push({ t: 'day.put', day }),
    patch: (key: string, patch: DayPatch) => this.#push({ t: 'day.patch', key, ...split(patch) }),
    appendLines: (key: string, from: number, lines: DayLine[]) =>
      this.#push({ t: 'day.lines', key, from, lines }),
  };

  readonly syncLog = {
    add: (entry: Omit<SyncLogEntry, 'at' | 'id'> & { at?: string }) =>
      this.#push({ t: 'log.add', entry: { ...entry, at: entry.at ?? new Date().toISOString() } }),
    resolve: (workspaceId: string, messageIds: string[]) => {
      if (messageIds.length) this.#push({ t: 'log.resolve', workspaceId, messageIds });
    },
  };

  readonly phoneIndex = {
    start: (workspaceId: string, state: PhoneIndexState) => {
      this.#push({ t: 'idx.clear', workspaceId });
      this.#push({ t: 'idx.state', workspaceId, state });
    },
    patch: (workspaceId: string, patch: PhoneIndexPatch) =>
      this.#push({ t: 'idx.patch', workspaceId, ...split(patch) }),
    /** records (re)indexed with their current keys; their old keys are dropped */
    put: (workspaceId: string, records: IndexedRecord[]) => {
      if (records.length) this.#push({ t: 'idx.put', workspaceId, records });
    },
    delete: (workspaceId: string, recordIds: string[]) => {
      if (recordIds.length) this.#push({ t: 'idx.del', workspaceId, recordIds });
    },
    clear: (workspaceId: string) => this.#push({ t: 'idx.clear', workspaceId }),
  };

  readonly sent = {
    put: (sent: SentMessage) => this.#push({ t: 'sent.put', sent }),
  };

  #push(op: Op): void {
    this.ops.push(op);
  }
}

/** A patch without its undefined fields, and their names (see `Unset`). */
function split<T extends object>(patch: T): { patch: T; unset?: string[] } {
  const out: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) unset.push(k);
    else out[k] = v;
  }
  return unset.length ? { patch: out as T, unset } : { patch: out as T };
}

/** `base` with `patch` applied (fields in `unset` removed): how both engines apply a patch. */
export function applyPatch<T extends object>(base: T, patch: object, unset: Unset): T {
  const next = { ...base, ...patch } as Record<string, unknown>;
  for (const k of unset ?? []) delete next[k];
  return next as T;
}
