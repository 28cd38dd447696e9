/**
 * History import: the 1:1 chats and messages of TimelinesAI from a start day up to the moment the
 * import starts (webhooks deliver what follows), through the same intake rules and sync steps as the
 * webhooks. Progress and the cursor live in the workspace (`historyImport`), so an import resumes
 * where it stopped after a restart or a crash (its reads since the last saved cursor are repeated;
 * the message ids make that harmless).
 *
 * Pacing:
 * - TimelinesAI: every call goes through the process's TimelinesPacing (25 requests/s for all
 *   workspaces, under TimelinesAI's 30/s per IP); the import costs about one API call per 50 chats
 *   plus one per 50 messages of each chat.
 * - Zoho: messages are handed to the sync in waves of whole chats (about `waveSize` messages, never
 *   more than a sync run takes), and the next wave waits until the previous one left the queue. So
 *   the sync writes each chat-day's Note once, records and Notes go 100 a call, and the org's credit
 *   budget paces the runs (workspace/gateways.ts) as for live traffic.
 *
 * One process imports a workspace at a time: it holds the lease `history:<workspace id>`.
 */
import type { HistoryImportAnswer } from '../../../contract/adminApi.js';
import { Problem } from '../errors.js';
import type { Logger } from '../log.js';
import type { Intake } from '../jobs/intake.js';
import type { HistoryImport, Workspace } from '../store/schema.js';
import { patchWorkspace, type Frozen, type Lease, type Store } from '../store/store.js';
import { localDay } from '../sync/dayGrouping.js';
import type { MessageEvent } from '../timelines/events.js';
import type { TimelinesAccount, TimelinesChat, TimelinesClient } from '../timelines/api/index.js';
import { isTimelinesError } from '../timelines/api/index.js';
import type { TimelinesLinkService } from '../workspace/timelinesLink.js';
import { historyEvent, isWhatsAppMessage } from './events.js';
import { finalReport, toAnswer } from './report.js';

export interface ImporterOptions {
  /** a wave is closed once it holds this many messages (whole chats) */
  waveSize: number;
  /** and never holds more than this (a sync run's batch): a bigger chat is cut by message pages */
  maxWave: number;
  /** the next wave waits until the workspace's queue holds at most this many messages */
  drainBelow: number;
  pollMs: number;
  leaseTtlMs: number;
  /** how far back the start day may be */
  maxDays: number;
}

export const DEFAULT_IMPORTER_OPTIONS: ImporterOptions = {
  waveSize: 1800,
  maxWave: 2000,
  drainBelow: 50,
  pollMs: 500,
  leaseTtlMs: 30_000,
  maxDays: 366,
};

export interface ImporterDeps {
  store: Store;
  intake: Intake;
  timelines: TimelinesLinkService;
  log: Logger;
  /** this process, as a lease holder */
  holder: string;
  now?: () => number;
  options?: Partial<ImporterOptions>;
}

/** The import stops (failed) with this message; anything else is retried after a pause. */
class Stop extends Error {}
/** This process stops (shutdown, the lease lost): the import goes on from its cursor later. */
class Interrupted extends Error {}

export class HistoryImporter {
  readonly #deps: ImporterDeps;
  readonly #opts: ImporterOptions;
  readonly #now: () => number;
  readonly #running = new Map<string, Promise<void>>();
  /** per workspace: when this process took the import up, and how far it was (the ETA's pace) */
  readonly #pace = new Map<string, { at: number; done: number }>();
  #stopping = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: ImporterDeps) {
    this.#deps = deps;
    this.#opts = { ...DEFAULT_IMPORTER_OPTIONS, ...deps.options };
    this.#now = deps.now ?? Date.now;
  }

  /** Takes up running imports (after a restart), now and every `everyMs` (another process may die). */
  async start(everyMs = 30_000): Promise<void> {
    await this.resumeAll();
    this.#timer = setInterval(() => void this.resumeAll().catch(() => undefined), everyMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.allSettled([...this.#running.values()]);
  }

  async resumeAll(): Promise<void> {
    for (const ws of await this.#deps.store.workspaces.all())
      if (ws.historyImport?.status === 'running') this.#launch(ws.id);
  }

  /** Starts an import of the messages since `since` (YYYY-MM-DD); 409 while one runs. */
  async begin(ws: Frozen<Workspace>, since: unknown): Promise<HistoryImportAnswer> {
    const day = this.#checkDay(ws, since);
    if (ws.historyImport?.status === 'running')
      throw new Problem('conflict', 'IMPORT_RUNNING', 'A history import is running: wait for it to finish.');
    if (!ws.timelines)
      throw new Problem(
        'conflict',
        'TIMELINES_NOT_CONNECTED',
        'Connect TimelinesAI first: paste its API token (TimelinesAI → Integrations → Public API).',
      );
    if (!ws.active)
      throw new Problem(
        'conflict',
        'NOT_ACTIVE',
        'Activate the integration first: imported messages go through the same sync as new ones.',
      );
    const now = new Date(this.#now()).toISOString();
    const state: HistoryImport = {
      status: 'running',
      since: day,
      until: now,
      startedAt: now,
      chats: { done: 0, total: undefined },
      messages: { done: 0, total: undefined },
      duplicates: 0,
      skipped: 0,
      cursor: { chatPage: 1, chatIndex: 0, messagePage: 1 },
    };
    await patchWorkspace(this.#deps.store, ws.id, { historyImport: state });
    this.#launch(ws.id);
    return toAnswer(state, undefined, this.#now());
  }

  status(ws: Frozen<Workspace>): HistoryImportAnswer {
    return toAnswer(ws.historyImport, this.#pace.get(ws.id), this.#now());
  }

  /** Resolves when this process runs no import (tests). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  #checkDay(ws: Frozen<Workspace>, since: unknown): string {
    const tz = ws.settings?.timeZone ?? ws.timeZone;
    const today = localDay(new Date(this.#now()).toISOString(), tz);
    const ok =
      typeof since === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(since) && !Number.isNaN(Date.parse(since));
    if (!ok)
      throw new Problem(
        'invalid',
        'INVALID_DATE',
        'Give the start day as YYYY-MM-DD, e.g. 2024-01-31.',
        'since',
      );
    const oldest = localDay(new Date(this.#now() - this.#opts.maxDays * 86_400_000).toISOString(), tz);
    if (since > today || since < oldest)
      throw new Problem(
        'invalid',
        'INVALID_DATE',
        `The start day must be between ${oldest} and today (${today}).`,
        'since',
      );
    return since;
  }

  #launch(workspaceId: string): void {
    if (this.#stopping || this.#running.has(workspaceId)) return;
    const run = this.#leased(workspaceId)
      .catch((e: unknown) => this.#deps.log.error({ err: e, workspaceId }, 'history import crashed'))
      .finally(() => this.#running.delete(workspaceId));
    this.#running.set(workspaceId, run);
  }

  async #leased(workspaceId: string): Promise<void> {
    const { store, holder } = this.#deps;
    const lease = await store.leases.acquire(`history:${workspaceId}`, holder, this.#opts.leaseTtlMs);
    if (!lease) return; // another process imports it
    let lost = false;
    const renew = setInterval(() => {
      void store.leases.renew(lease, this.#opts.leaseTtlMs).then(
        (ok) => (lost ||= !ok),
        () => undefined,
      );
    }, this.#opts.leaseTtlMs / 3);
    try {
      await new ImportRun(
        this.#deps,
        this.#opts,
        workspaceId,
        () => this.#stopping || lost,
        this.#pace,
        this.#now,
      ).run();
    } finally {
      clearInterval(renew);
      await store.leases.release(lease as Lease).catch(() => undefined);
    }
  }
}

/** One process's turn at one workspace's import, from its saved cursor to the end (or a stop). */
class ImportRun {
  #accounts = new Map<string, TimelinesAccount>();
  #wave: MessageEvent[] = [];
  #state!: HistoryImport;

  constructor(
    readonly deps: ImporterDeps,
    readonly opts: ImporterOptions,
    readonly workspaceId: string,
    readonly stopping: () => boolean,
    readonly pace: Map<string, { at: number; done: number }>,
    readonly now: () => number,
  ) {}

  async run(): Promise<void> {
    for (;;) {
      const ws = await this.deps.store.workspaces.get(this.workspaceId);
      if (!ws?.historyImport || ws.historyImport.status !== 'running' || this.stopping()) return;
      this.#state = structuredClone(ws.historyImport) as HistoryImport;
      this.pace.set(this.workspaceId, { at: this.now(), done: this.#state.messages.done });
      try {
        await this.#import(ws);
        return;
      } catch (e) {
        if (e instanceof Interrupted) return;
        if (e instanceof Stop) return this.#finish('failed', e.message);
        if (!isTimelinesError(e)) throw e;
        if (e.code === 'auth' || e.code === 'permission') {
          await this.deps.timelines.noteRefusal(ws, e);
          return this.#finish('failed', e.message);
        }
        // TimelinesAI busy or down: the cursor is saved, try again a little later.
        await this.#note(`waiting for TimelinesAI: ${e.message}`);
        await this.#sleep(Math.max(e.retryAfterMs ?? 0, 5_000));
      }
    }
  }

  async #import(ws: Frozen<Workspace>): Promise<void> {
    const client = this.deps.timelines.clientFor(ws);
    if (!client)
      throw new Stop('the TimelinesAI API token was removed: connect TimelinesAI and import again');
    for (const a of await client.listWhatsAppAccounts()) this.#accounts.set(a.id, a);
    const tz = ws.settings?.timeZone ?? ws.timeZone;
    if (this.#state.chats.total === undefined) {
      let total = 0;
      for await (const page of client.chatPages(this.#chatFilters())) {
        total += page.items.filter((c) => this.#eligible(c)).length;
        if (this.stopping()) return;
      }
      this.#state.chats.total = total;
      await this.#save();
    }
    let { chatPage, chatIndex, messagePage } = this.#state.cursor;
    let chatsRead = 0;
    for (let more = true; more; chatPage += 1, chatIndex = 0) {
      const page = await client.listChats(this.#chatFilters(), chatPage);
      more = page.hasMorePages && page.items.length > 0;
      for (; chatIndex < page.items.length; chatIndex += 1, messagePage = 1) {
        if (this.stopping()) return;
        const chat = page.items[chatIndex]!;
        if (!this.#eligible(chat)) continue;
        await this.#readChat(client, chat, tz, messagePage, { chatPage, chatIndex });
        chatsRead += 1;
        if (this.#wave.length >= this.opts.waveSize) {
          await this.#flush({ chatPage, chatIndex: chatIndex + 1, messagePage: 1 }, chatsRead);
          chatsRead = 0;
        }
      }
    }
    await this.#flush({ chatPage, chatIndex: 0, messagePage: 1 }, chatsRead);
    if (this.stopping()) return;
    await this.#drained(true);
    if (this.stopping()) return;
    await this.#finish('done', undefined);
  }

  /** Reads a chat's messages from `fromPage`; a chat larger than a wave is flushed page by page. */
  async #readChat(
    client: TimelinesClient,
    chat: TimelinesChat,
    tz: string,
    fromPage: number,
    at: { chatPage: number; chatIndex: number },
  ): Promise<void> {
    const filters = { after: this.#afterInstant(), before: this.#state.until };
    let page = fromPage;
    for (let more = true; more; page += 1) {
      // A new wave is read only once the previous one has synced: its download links are fresh.
      if (this.#wave.length === 0) await this.#drained();
      if (this.stopping()) throw new Interrupted();
      const p = await client.listChatMessages(chat.id, filters, page);
      more = p.hasMorePages && p.items.length + p.invalid.length > 0;
      const account = chat.whatsappAccountId ? this.#accounts.get(chat.whatsappAccountId) : undefined;
      for (const m of p.items) {
        if (!isWhatsAppMessage(m) || m.sentAt > this.#state.until) continue;
        if (localDay(m.sentAt, tz) < this.#state.since) continue;
        this.#wave.push(historyEvent(chat, m, account));
      }
      this.#state.skipped += p.invalid.length;
      if (more && this.#wave.length + p.items.length > this.opts.maxWave) {
        await this.#flush({ ...at, messagePage: page + 1 }, 0);
      }
    }
  }

  /** Hands the wave to the sync; saves the cursor after it (a crash in between reads it again). */
  async #flush(next: HistoryImport['cursor'], chatsRead: number): Promise<void> {
    const events = this.#wave.splice(0);
    const ws = await this.deps.store.workspaces.get(this.workspaceId);
    if (!ws) throw new Stop('the workspace was deleted');
    // Read again: a message may be on two pages when a page boundary moved (order is undocumented).
    const unique = [...new Map(events.map((e) => [e.messageId, e])).values()];
    const counts = await this.deps.intake.enqueueEvents(ws, unique);
    const s = this.#state;
    s.messages.done += unique.length;
    s.duplicates += counts.duplicates;
    s.skipped += counts.skipped;
    s.chats.done += chatsRead;
    s.cursor = next;
    s.messages.total = estimateTotal(s);
    s.problem = undefined;
    await this.#save();
  }

  /**
   * Waits until the workspace's queue has (nearly) drained and the sync can run; the workspace now.
   * At the end (`last`) it waits for an empty queue, for 2 minutes at most: live traffic may never
   * leave it empty, and the final report says where to look then.
   */
  async #drained(last = false): Promise<Frozen<Workspace>> {
    const giveUpAt = this.now() + 120_000;
    for (;;) {
      const ws = await this.deps.store.workspaces.get(this.workspaceId);
      if (!ws) throw new Stop('the workspace was deleted');
      const waitFor = !ws.active
        ? 'the integration is inactive: activate it and the import goes on'
        : ws.connection.status !== 'connected'
          ? 'Zoho CRM is disconnected: reconnect it and the import goes on'
          : undefined;
      const depth = (await this.deps.store.queue.depths()).find((d) => d.workspaceId === this.workspaceId);
      const below = last && this.now() < giveUpAt ? 0 : this.opts.drainBelow;
      // Messages waiting for an admin's fix (the sync log says which) do not hold the import up.
      if (!waitFor && (depth?.depth ?? 0) - (depth?.waiting ?? 0) <= below) return ws;
      if (waitFor) await this.#note(`waiting: ${waitFor}`);
      if (this.stopping()) return ws;
      await this.#sleep(this.opts.pollMs);
    }
  }

  async #finish(status: 'done' | 'failed', problem: string | undefined): Promise<void> {
    const s = this.#state;
    const ended: HistoryImport = {
      ...s,
      status,
      finishedAt: new Date(this.now()).toISOString(),
      messages: { done: s.messages.done, total: status === 'done' ? s.messages.done : s.messages.total },
      problem,
    };
    const uow = this.deps.store.begin();
    uow.workspaces.patch(this.workspaceId, { historyImport: ended });
    uow.syncLog.add(finalReport(this.workspaceId, ended));
    await uow.commit();
    this.deps.log.info(
      { workspaceId: this.workspaceId, status, chats: s.chats.done, messages: s.messages.done },
      'history import ended',
    );
  }

  async #note(problem: string): Promise<void> {
    if (this.#state.problem === problem) return;
    this.#state.problem = problem;
    await this.#save();
  }

  async #save(): Promise<void> {
    await patchWorkspace(this.deps.store, this.workspaceId, { historyImport: structuredClone(this.#state) });
  }

  #chatFilters() {
    return { group: false, createdBefore: this.#state.until };
  }

  /** A 1:1 chat with a message since the start day (or one TimelinesAI does not date). */
  #eligible(chat: TimelinesChat): boolean {
    if (chat.isGroup) return false;
    return chat.lastMessageAt === undefined || chat.lastMessageAt >= this.#afterInstant();
  }

  /** The start day's first instant in any time zone (UTC+14); messages are then cut by their local day. */
  #afterInstant(): string {
    return new Date(Date.parse(`${this.#state.since}T00:00:00Z`) - 14 * 3_600_000).toISOString();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** Messages found so far, plus the average per chat read times the chats not read yet. */
function estimateTotal(s: HistoryImport): number | undefined {
  const total = s.chats.total;
  if (total === undefined) return undefined;
  if (s.chats.done >= total) return s.messages.done;
  if (s.chats.done === 0) return undefined;
  return Math.round(s.messages.done + (s.messages.done / s.chats.done) * (total - s.chats.done));
}
