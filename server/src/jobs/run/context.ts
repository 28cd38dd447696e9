/**
 * What one sync run of one workspace works with, handed to each step: the workspace and its settings,
 * the Zoho gateway, the store (through units of work fenced by the run's lease), the batch of queued
 * messages, and the run's working copies of the chat links and chat-days it touches.
 *
 * Steps change only the working copies and say what is done with each message (`finish`, `park`,
 * `fail`); `commit()` writes the staged changes as one unit. Each step commits its progress before the
 * next reaches Zoho, so a crash at any point resumes from there.
 */
import type { Logger } from '../../log.js';
import type {
  ChatLink,
  DayNote,
  EventFile,
  QueuedEvent,
  Settings,
  SyncLogEntry,
  SyncOutcome,
  Workspace,
} from '../../store/schema.js';
import { keys, type Frozen, type Lease, type Store } from '../../store/store.js';
import type { UnitOfWork } from '../../store/unitOfWork.js';
import { localDay } from '../../sync/dayGrouping.js';
import type { ZohoErrorCode } from '../../zoho/errors.js';
import type { ZohoGateway } from '../../zoho/gateway.js';
import type { MetadataCache } from '../../workspace/metadataCache.js';
import type { AttachmentFetcher } from '../attachments.js';
import { decide } from '../retryPolicy.js';
import type { PendingWrites } from './pendingWrites.js';

export { chunk } from '../../lib/chunk.js';

export interface Failure {
  code: ZohoErrorCode;
  message: string;
  retryAfterMs?: number | undefined;
}

export interface RunServices {
  store: Store;
  metadata: MetadataCache;
  files: AttachmentFetcher;
  log: Logger;
  now: () => number;
  /** first retry delay after a temporary failure (doubles each attempt) */
  retryBaseMs?: number | undefined;
  /** writes whose answer was lost, and when they can no longer land (one per process) */
  pendingWrites: PendingWrites;
}

export type Event = Frozen<QueuedEvent>;

/** A mutable copy of a stored value (a run changes its copies, then puts them). */
export const copyOf = <T>(value: Frozen<T> | T): T => structuredClone(value) as T;

export class RunContext {
  readonly tz: string;
  /** the run's copies of the chat links of its chats (by chat id) */
  readonly links = new Map<string, ChatLink>();
  /** the run's copies of the chat-days it touched (by day key) */
  readonly days = new Map<string, DayNote>();
  /** the run's copies of the attachment states of its events (by event key) */
  readonly #files = new Map<string, EventFile[]>();
  readonly #done = new Set<string>();
  readonly #parked = new Set<string>();
  /** messages finished by outcome, and failures (metrics) */
  readonly outcomes = { synced: 0, skipped: 0, failed: 0 };
  /** messages synced since the last commit (their earlier failures become resolved) */
  #synced: string[] = [];
  #uow: UnitOfWork;

  constructor(
    readonly services: RunServices,
    readonly ws: Frozen<Workspace>,
    readonly settings: Settings,
    readonly zoho: ZohoGateway,
    readonly events: Event[],
    readonly lease: Lease | undefined,
  ) {
    this.tz = settings.timeZone ?? ws.timeZone;
    this.#uow = services.store.begin({ lease });
  }

  get store(): Store {
    return this.services.store;
  }

  get uow(): UnitOfWork {
    return this.#uow;
  }

  now(): number {
    return this.services.now();
  }

  /** Writes what the steps staged so far as one unit. */
  async commit(): Promise<void> {
    this.#uow.syncLog.resolve(this.ws.id, this.#synced.splice(0));
    await this.#uow.commit();
  }

  dayKey(e: Event['event']): string {
    return keys.day(this.ws.id, e.chat.id, localDay(e.sentAt, this.tz));
  }

  /** Events still to be handled in this run (neither finished nor parked). */
  open(): Event[] {
    return this.events.filter((q) => !this.#done.has(q.key) && !this.#parked.has(q.key));
  }

  isOpen(q: Event): boolean {
    return !this.#done.has(q.key) && !this.#parked.has(q.key);
  }

  get finished(): number {
    return this.#done.size;
  }

  putLink(link: ChatLink): void {
    this.links.set(link.chatId, link);
    this.#uow.chats.put(link);
  }

  /** The message is done: it leaves the queue, with its outcome in the sync log. */
  finish(
    q: Event,
    outcome: SyncOutcome,
    reason: string | null,
    extra: Partial<Pick<SyncLogEntry, 'recordId' | 'noteId' | 'kind'>> = {},
  ): void {
    this.#done.add(q.key);
    this.outcomes[outcome] += 1;
    this.#uow.queue.finish(q.key);
    this.log(q, outcome, reason, extra);
    // A failure logged for this message earlier is resolved by its success now.
    if (outcome === 'synced') this.#synced.push(q.event.messageId);
  }

  /** The message waits (no attempt counted) until `until` (epoch ms). */
  park(q: Event, until: number): void {
    if (!this.isOpen(q)) return;
    this.#parked.add(q.key);
    this.#uow.queue.patch(q.key, { notBefore: Math.max(q.notBefore, until) });
  }

  /**
   * Whether the write under this intent (pendingWrites.ts) may still land in Zoho: its events then
   * wait, parked without an attempt counted, until it cannot; what it made is looked for after.
   */
  mayStillLand(intent: string, events: Event[]): boolean {
    const at = this.services.pendingWrites.settledAt(intent);
    if (this.now() >= at) return false;
    for (const q of events) this.park(q, at);
    return true;
  }

  /** The retry policy decides for each message hit by a failure; each is logged. */
  fail(events: Event[], failure: Failure): void {
    for (const q of events) {
      if (!this.isOpen(q)) continue;
      const attempts = q.attempts + 1;
      const d = decide(failure, attempts, undefined, this.services.retryBaseMs);
      this.#parked.add(q.key);
      this.outcomes.failed += 1;
      this.#uow.queue.patch(q.key, {
        attempts,
        lastError: d.reason,
        ...(d.action === 'retry' ? { notBefore: this.now() + d.delayMs } : { state: 'waiting' as const }),
      });
      this.log(q, 'failed', d.reason, { willRetry: true });
    }
  }

  /** A sync log entry about a message, with the chat's contact for the admin. */
  log(q: Event, outcome: SyncOutcome, reason: string | null, extra: Partial<SyncLogEntry> = {}): void {
    const link = this.links.get(q.event.chat.id);
    this.#uow.syncLog.add({
      workspaceId: this.ws.id,
      chatId: q.event.chat.id,
      messageId: q.event.messageId,
      outcome,
      reason,
      recordId: extra.recordId ?? null,
      noteId: extra.noteId ?? null,
      kind: 'message',
      module: this.settings.module,
      ...contactOfLink(link, q),
      ...extra,
    });
  }

  /** A sync log entry about a chat (its record link, a rename, several records with one number). */
  logChat(link: ChatLink, outcome: SyncOutcome, reason: string, willRetry = false): void {
    this.#uow.syncLog.add({
      workspaceId: this.ws.id,
      chatId: link.chatId,
      messageId: null,
      outcome,
      reason,
      recordId: link.recordId ?? null,
      noteId: null,
      willRetry,
      kind: 'chat',
      module: this.settings.module,
      ...(link.chatName ? { contactName: link.chatName } : {}),
      ...(link.e164 ? { phone: link.e164 } : {}),
    });
  }

  /** The run's copy of an event's attachment states (steps change it and stage the change). */
  filesOf(q: Event): EventFile[] {
    let files = this.#files.get(q.key);
    if (!files) this.#files.set(q.key, (files = copyOf<EventFile[]>(q.files)));
    return files;
  }

  /** Events of one chat (still open). */
  eventsOfChat(chatId: string): Event[] {
    return this.open().filter((q) => q.event.chat.id === chatId);
  }
}

function contactOfLink(link: ChatLink | undefined, q: Event): Pick<SyncLogEntry, 'contactName' | 'phone'> {
  const name = link?.chatName ?? q.event.chat.name;
  const phone = link?.e164;
  return { ...(name ? { contactName: name } : {}), ...(phone ? { phone } : {}) };
}

/**
 * Long loops of a run (thousands of events) give way to other work, webhook deliveries first, every
 * few milliseconds: a run never holds the event loop for long.
 */
let lastPause = performance.now();
export async function breathe(): Promise<void> {
  if (performance.now() - lastPause < 4) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastPause = performance.now();
}

/** Zoho's per-row failure as the retry policy's failure. */
export function rowFailure(row: {
  code: ZohoErrorCode;
  zohoCode: string;
  message: string;
  field?: string | undefined;
}): Failure {
  return { code: row.code, message: `${row.zohoCode}${row.field ? ` (${row.field})` : ''}: ${row.message}` };
}
