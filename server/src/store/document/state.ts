/**
 * The document engine's state in memory, and the one function that changes it: `apply(op)`.
 *
 * Every value in here is frozen and replaced, never changed in place. That is what makes the engine
 * simple: a reader may keep what it read, and a compaction captures a consistent state by copying
 * references at a commit boundary (no fuzzy snapshot, no idempotent replay needed). The journal holds
 * the operations exactly as applied, so replaying it after a restart rebuilds this state exactly.
 */
import { RETENTION, keys, type IntakeItem } from '../store.js';
import type {
  ChatLink,
  DayNote,
  IndexedRecord,
  PhoneIndexState,
  QueuedEvent,
  SentMessage,
  SyncLogEntry,
  Workspace,
} from '../schema.js';
import { applyPatch, type Op } from '../unitOfWork.js';

/** What the journal holds: a unit of work's operations, plus those decided by the store itself. */
export type DocOp =
  | Op
  | { t: 'in'; item: IntakeItem; at: number }
  | { t: 'nonce'; nonce: string; expiresAt: number }
  | { t: 'sweep'; now: number };

export interface WorkspaceIndex {
  state: PhoneIndexState;
  records: Map<string, IndexedRecord>;
  byKey: Map<string, Set<string>>;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

export class DocState {
  readonly workspaces = new Map<string, Workspace>();
  readonly byDigest = new Map<string, string>();
  readonly byOrg = new Map<string, string>();
  /** message key → epoch ms of first receipt */
  readonly seen = new Map<string, number>();
  /** newest receipt per workspace (derived from `seen`) */
  readonly lastEvent = new Map<string, number>();
  /** per workspace, in order of arrival */
  readonly queue = new Map<string, Map<string, QueuedEvent>>();
  readonly chats = new Map<string, ChatLink>();
  readonly days = new Map<string, DayNote>();
  /** per workspace, oldest first */
  readonly log = new Map<string, SyncLogEntry[]>();
  logSeq = 0;
  readonly index = new Map<string, WorkspaceIndex>();
  readonly nonces = new Map<string, number>();
  /** message key → who sent it from the chat panel */
  readonly sent = new Map<string, SentMessage>();
  /** per workspace, messages with a failure in the log not yet resolved (derived from the log) */
  readonly #openFailures = new Map<string, Set<string>>();

  apply(op: DocOp): void {
    switch (op.t) {
      case 'in':
        return this.#intake(op.item, op.at);
      case 'nonce':
        this.nonces.set(op.nonce, op.expiresAt);
        return;
      case 'sweep':
        this.sweep(op.now);
        return;
      case 'ws.create':
        return this.putWorkspace(op.ws);
      case 'ws.patch': {
        const ws = this.workspaces.get(op.id);
        if (ws) this.putWorkspace(applyPatch(ws, op.patch, op.unset));
        return;
      }
      case 'ws.countSkipped': {
        const ws = this.workspaces.get(op.id);
        if (ws) this.putWorkspace({ ...ws, skippedWhileInactive: (ws.skippedWhileInactive ?? 0) + op.by });
        return;
      }
      case 'q.patch':
        return this.#replaceEvent(op.key, (q) => applyPatch(q, op.patch, op.unset));
      case 'q.file':
        return this.#replaceEvent(op.key, (q) => {
          const files = [...q.files];
          files[op.index] = applyPatch(files[op.index] ?? {}, op.patch, op.unset);
          return { ...q, files };
        });
      case 'q.finish':
        this.queue.get(workspaceOf(op.key))?.delete(op.key);
        return;
      case 'q.requeueWaiting': {
        const events = this.queue.get(op.workspaceId);
        if (!events) return;
        for (const [k, q] of events)
          if (q.state === 'waiting')
            events.set(k, deepFreeze({ ...q, state: 'pending', notBefore: 0, attempts: 0 }));
        return;
      }
      case 'chat.put':
        this.chats.set(keys.chat(op.link.workspaceId, op.link.chatId), deepFreeze(op.link));
        return;
      case 'day.put':
        this.days.set(op.day.key, deepFreeze(op.day));
        return;
      case 'day.patch': {
        const day = this.days.get(op.key);
        if (day) this.days.set(op.key, deepFreeze(applyPatch(day, op.patch, op.unset)));
        return;
      }
      case 'day.lines': {
        const day = this.days.get(op.key);
        if (day)
          this.days.set(op.key, deepFreeze({ ...day, lines: [...day.lines.slice(0, op.from), ...op.lines] }));
        return;
      }
      case 'log.add':
        return this.#addLog(op.entry);
      case 'log.resolve': {
        // Most runs resolve nothing: only messages with an open failure are looked for.
        const open = this.#openFailures.get(op.workspaceId);
        const ids = op.messageIds.filter((id) => open?.has(id));
        if (ids.length === 0) return;
        const wanted = new Set(ids);
        const entries = this.log.get(op.workspaceId) ?? [];
        for (let i = entries.length - 1; i >= 0; i--) {
          const e = entries[i]!;
          if (
            e.messageId &&
            wanted.has(e.messageId) &&
            e.outcome === 'failed' &&
            !e.resolved &&
            e.kind !== 'attachment'
          )
            entries[i] = deepFreeze({ ...e, resolved: true });
        }
        for (const id of ids) open!.delete(id);
        return;
      }
      case 'idx.state':
        this.index.set(op.workspaceId, { state: deepFreeze(op.state), records: new Map(), byKey: new Map() });
        return;
      case 'idx.patch': {
        const idx = this.index.get(op.workspaceId);
        if (idx) idx.state = deepFreeze(applyPatch(idx.state, op.patch, op.unset));
        return;
      }
      case 'idx.put': {
        const idx = this.index.get(op.workspaceId);
        if (!idx) return;
        for (const r of op.records) {
          this.#unindex(idx, r.recordId);
          idx.records.set(r.recordId, deepFreeze(r));
          for (const k of r.keys) {
            let ids = idx.byKey.get(k);
            if (!ids) idx.byKey.set(k, (ids = new Set()));
            ids.add(r.recordId);
          }
        }
        return;
      }
      case 'idx.del': {
        const idx = this.index.get(op.workspaceId);
        if (idx) for (const id of op.recordIds) this.#unindex(idx, id);
        return;
      }
      case 'idx.clear':
        this.index.delete(op.workspaceId);
        return;
      case 'sent.put':
        this.sent.set(keys.message(op.sent.workspaceId, op.sent.messageId), deepFreeze(op.sent));
        return;
    }
  }

  /** Remembers an unresolved failure (entries added, and those read from an image). */
  noteFailure(entry: SyncLogEntry): void {
    // An attachment that could not be downloaded is never retried: its failure stays a failure.
    if (entry.outcome !== 'failed' || entry.resolved || !entry.messageId || entry.kind === 'attachment')
      return;
    let open = this.#openFailures.get(entry.workspaceId);
    if (!open) this.#openFailures.set(entry.workspaceId, (open = new Set()));
    open.add(entry.messageId);
  }

  putWorkspace(ws: Workspace): void {
    const old = this.workspaces.get(ws.id);
    if (old) this.byDigest.delete(old.webhookTokenDigest);
    this.workspaces.set(ws.id, deepFreeze(ws));
    this.byDigest.set(ws.webhookTokenDigest, ws.id);
    this.byOrg.set(ws.orgId, ws.id);
  }

  putSeen(key: string, at: number): void {
    this.seen.set(key, at);
    const ws = workspaceOf(key);
    if ((this.lastEvent.get(ws) ?? 0) < at) this.lastEvent.set(ws, at);
  }

  putEvent(q: QueuedEvent): void {
    let events = this.queue.get(q.workspaceId);
    if (!events) this.queue.set(q.workspaceId, (events = new Map()));
    events.set(q.key, deepFreeze(q));
  }

  #intake(item: IntakeItem, at: number): void {
    if (item.messageId !== undefined) this.putSeen(keys.message(item.workspaceId, item.messageId), at);
    if (item.event) this.putEvent(item.event);
    if (item.log) this.#addLog(item.log);
    if (item.skippedInactive) this.apply({ t: 'ws.countSkipped', id: item.workspaceId, by: 1 });
  }

  #replaceEvent(key: string, change: (q: QueuedEvent) => QueuedEvent): void {
    const events = this.queue.get(workspaceOf(key));
    const q = events?.get(key);
    if (q) events!.set(key, deepFreeze(change(q)));
  }

  #addLog(entry: SyncLogEntry): void {
    let entries = this.log.get(entry.workspaceId);
    if (!entries) this.log.set(entry.workspaceId, (entries = []));
    this.logSeq += 1;
    entries.push(deepFreeze({ ...entry, id: String(this.logSeq) }));
    this.noteFailure(entry);
    // Trimmed in steps (amortised): a quarter over the cap, down to the cap.
    if (entries.length > RETENTION.logEntries * 1.25)
      entries.splice(0, entries.length - RETENTION.logEntries);
  }

  #unindex(idx: WorkspaceIndex, recordId: string): void {
    const old = idx.records.get(recordId);
    if (!old) return;
    idx.records.delete(recordId);
    for (const k of old.keys) {
      const ids = idx.byKey.get(k);
      ids?.delete(recordId);
      if (ids?.size === 0) idx.byKey.delete(k);
    }
  }

  /** Retention: old message ids, the lines of old days, expired nonces, the log over its cap. */
  sweep(now: number): { seen: number; days: number; log: number } {
    let seen = 0;
    for (const [key, at] of this.seen) {
      if (now - at > RETENTION.seenMs) {
        this.seen.delete(key);
        seen += 1;
      }
    }
    let days = 0;
    const cutoff = new Date(now - RETENTION.dayLinesMs).toISOString().slice(0, 10);
    for (const [key, day] of this.days) {
      if (day.day < cutoff && !day.dirty && day.noteId && day.lines.length > 0) {
        this.days.set(
          key,
          deepFreeze({ ...day, prunedLines: day.prunedLines + day.lines.length, lines: [] }),
        );
        days += 1;
      }
    }
    for (const [nonce, exp] of this.nonces) if (exp < now) this.nonces.delete(nonce);
    for (const [key, sent] of this.sent) if (now - sent.at > RETENTION.seenMs) this.sent.delete(key);
    let log = 0;
    for (const entries of this.log.values()) {
      const over = entries.length - RETENTION.logEntries;
      if (over > 0) {
        entries.splice(0, over);
        log += over;
      }
    }
    return { seen, days, log };
  }
}

export function workspaceOf(key: string): string {
  const i = key.indexOf(':');
  return i < 0 ? key : key.slice(0, i);
}
