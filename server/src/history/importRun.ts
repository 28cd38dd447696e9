/**
 * One process's turn at one workspace's history import (importer.ts starts it under the import's
 * lease): reads the chats from the saved cursor, hands their messages to the intake in waves, waits
 * for each wave to sync, and saves the cursor and the progress after every wave.
 */
import type { HistoryImport, Workspace } from '../store/schema.js';
import { patchWorkspace, type Frozen } from '../store/store.js';
import { localDay } from '../sync/dayGrouping.js';
import type { MessageEvent } from '../timelines/events.js';
import type { TimelinesAccount, TimelinesChat, TimelinesClient } from '../timelines/api/index.js';
import { isTimelinesError } from '../timelines/api/index.js';
import { historyEvent, isWhatsAppMessage } from './events.js';
import type { ImporterDeps, ImporterOptions } from './importer.js';
import { finalReport } from './report.js';

/** One process's turn at one workspace's import, from its saved cursor to the end (or a stop). */
/** The import stops (failed) with this message; anything else is retried after a pause. */
class Stop extends Error {}
/** This process stops (shutdown, the lease lost): the import goes on from its cursor later. */
class Interrupted extends Error {}

export class ImportRun {
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
