/**
 * The sync worker: drains queued messages per workspace in batches. One run per workspace at a time,
 * so no two runs ever touch the same chat. A run:
 *  1. links each chat to a CRM record (local link → COQL lookups of up to 50 values → batched creates),
 *  2. propagates WhatsApp renames to records we created and nobody renamed since,
 *  3. adds the messages to their day's Note (batched creates/updates of up to 100 Notes),
 *  4. uploads downloaded attachments to that Note,
 *  5. removes the events from the queue and writes the sync log.
 * Every step is idempotent and its progress is committed, so a failed or crashed run is simply
 * run again. Before a record or Note is created an intent is committed; after a crash the intent
 * makes the next run look for what may already exist instead of creating a duplicate.
 */
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import {
  completeSettings,
  type ChatLink,
  type DayNote,
  type EventFile,
  type QueuedEvent,
  type Settings,
  type Workspace,
} from '../store/schema.js';
import { appendLog } from '../store/syncLog.js';
import { localDay } from '../sync/dayGrouping.js';
import { authorOf, noteTitle, renderNoteContent } from '../sync/noteText.js';
import { storedFormatCandidates, toE164, whatsappEquivalents } from '../sync/phone.js';
import {
  chatLinkUpdate,
  chooseOwner,
  contactName,
  matchRecords,
  newRecordFields,
  renameDecision,
} from '../sync/recordRules.js';
import type { MessageEvent } from '../timelines/events.js';
import { isZohoError, type ZohoErrorCode } from '../zoho/errors.js';
import type { RowResult, ZohoAttachment, ZohoGateway, ZohoRecord } from '../zoho/gateway.js';
import type { MetadataCache } from '../workspace/metadataCache.js';
import type { AttachmentFetcher } from './attachments.js';
import { decide } from './retryPolicy.js';

/** Where the worker gets a workspace's Zoho gateway (workspace/gateways.ts; a fake in tests). */
export interface GatewayProvider {
  for(ws: Workspace): ZohoGateway | undefined;
  /** How long the workspace's next run should wait for API credits (the org's daily limit); 0: go. */
  runDelay?(ws: Workspace): number;
}

export interface WorkerOptions {
  /** how long new messages are gathered before a run (coalesces Note writes) */
  flushWindowMs: number;
  /** how long Zoho's search index may lag a create: an unconfirmed create is looked up only after this */
  searchLagSafetyMs?: number;
  /** most events handled in one run */
  batchSize?: number;
  /** first retry delay after a temporary failure (doubles each attempt) */
  retryBaseMs?: number;
  now?: () => number;
}

interface Failure {
  code: ZohoErrorCode;
  message: string;
  retryAfterMs?: number | undefined;
}

const COQL_VALUES = 50;
const WRITE_ROWS = 100;

export class SyncWorker {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #rerun = new Set<string>();
  /** workspaces whose run was put off for API credits, and until when */
  readonly #deferred = new Map<string, number>();
  readonly #idleWaiters: (() => void)[] = [];
  readonly #now: () => number;
  readonly #lagMs: number;
  readonly #batchSize: number;
  #stopped = false;

  constructor(
    private readonly store: Store,
    private readonly gateways: GatewayProvider,
    private readonly metadata: MetadataCache,
    private readonly files: AttachmentFetcher,
    private readonly log: Logger,
    private readonly options: WorkerOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#lagMs = options.searchLagSafetyMs ?? 120_000;
    this.#batchSize = options.batchSize ?? 2000;
  }

  /** Resumes whatever the queue holds (start-up after a crash or restart). */
  start(): void {
    const ids = new Set(this.store.data.queue.map((q) => q.workspaceId));
    for (const q of this.store.data.queue) if (q.files.length) this.files.ensure(q);
    for (const id of ids) this.schedule(id, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await Promise.allSettled([...this.#running.values()]);
  }

  /** Runs the workspace after `delayMs` (default: the flush window) unless a run is already due sooner. */
  schedule(workspaceId: string, delayMs = this.options.flushWindowMs): void {
    if (this.#stopped) return;
    if (this.#running.has(workspaceId)) {
      this.#rerun.add(workspaceId);
      return;
    }
    const existing = this.#timers.get(workspaceId) as (NodeJS.Timeout & { dueAt?: number }) | undefined;
    const dueAt = this.#now() + delayMs;
    if (existing && (existing.dueAt ?? Infinity) <= dueAt) return;
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.#timers.delete(workspaceId);
      this.#run(workspaceId);
    }, delayMs) as NodeJS.Timeout & { dueAt?: number };
    timer.dueAt = dueAt;
    this.#timers.set(workspaceId, timer);
  }

  /** Waiting events of the workspace go back to the queue (after reconnection or reactivation). */
  requeueWaiting(workspaceId: string): void {
    let any = false;
    for (const q of this.store.data.queue) {
      if (q.workspaceId === workspaceId && q.state === 'waiting') {
        q.state = 'pending';
        q.notBefore = 0;
        q.attempts = 0;
        any = true;
      }
    }
    if (any) {
      this.schedule(workspaceId, 0);
      void this.store.commit();
    }
  }

  /** Resolves when no run is due or running and no pending event is ready (tests, benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      const busy = this.#running.size > 0 || this.#timers.size > 0;
      if (!busy) return;
      await new Promise<void>((r) => this.#idleWaiters.push(r));
    }
  }

  #run(workspaceId: string): void {
    const run = this.#runWorkspace(workspaceId)
      .catch((e: unknown) => this.log.error({ err: e, workspaceId }, 'sync run crashed'))
      .finally(() => {
        this.#running.delete(workspaceId);
        const again = this.#rerun.delete(workspaceId);
        const next = this.#nextDue(workspaceId);
        const deferredUntil = this.#deferred.get(workspaceId);
        this.#deferred.delete(workspaceId);
        if (deferredUntil !== undefined) {
          this.schedule(workspaceId, Math.max(0, deferredUntil - this.#now()));
        } else if (again || next !== undefined) {
          this.schedule(
            workspaceId,
            again ? this.options.flushWindowMs : Math.max(0, (next ?? 0) - this.#now()),
          );
        }
        if (this.#running.size === 0 && this.#timers.size === 0)
          this.#idleWaiters.splice(0).forEach((r) => r());
      });
    this.#running.set(workspaceId, run);
  }

  #nextDue(workspaceId: string): number | undefined {
    let next: number | undefined;
    for (const q of this.store.data.queue) {
      if (q.workspaceId !== workspaceId || q.state !== 'pending') continue;
      if (next === undefined || q.notBefore < next) next = q.notBefore;
    }
    return next;
  }

  async #runWorkspace(workspaceId: string): Promise<void> {
    for (;;) {
      const ws = this.store.data.workspaces.find((w) => w.id === workspaceId);
      if (!ws) return;
      // Near the org's daily credit limit the run is put off (not failed): nothing is counted as an attempt.
      const wait = this.gateways.runDelay?.(ws) ?? 0;
      if (wait > 0) {
        this.#deferred.set(workspaceId, this.#now() + wait);
        return;
      }
      const now = this.#now();
      const batch = this.store.data.queue
        .filter((q) => q.workspaceId === workspaceId && q.state === 'pending' && q.notBefore <= now)
        .slice(0, this.#batchSize);
      if (batch.length === 0) return;
      await this.#runBatch(ws, batch);
      // Whatever the run left pending and due (it should not) waits a moment: never spin.
      const later = this.#now() + 1000;
      for (const q of batch) if (q.state === 'pending' && q.notBefore <= now) q.notBefore = later;
      if (this.#stopped) return;
    }
  }

  async #runBatch(ws: Workspace, batch: QueuedEvent[]): Promise<void> {
    const zoho = this.gateways.for(ws);
    if (!zoho) {
      return this.#wait(
        ws,
        batch,
        'Zoho CRM is disconnected: reconnect it and the queued messages will sync',
      );
    }
    const settings = completeSettings(ws.settings);
    if (!ws.active || !settings) {
      return this.#wait(
        ws,
        batch,
        'the integration was deactivated: these messages sync when it is activated again',
      );
    }
    const run = new BatchRun(this, ws, settings, zoho, batch);
    try {
      await run.execute();
    } catch (e) {
      if (!isZohoError(e)) throw e;
      this.#fail(ws, run.unfinished(), {
        code: e.code,
        message: describeZohoError(e),
        retryAfterMs: e.retryAfterMs,
      });
    } finally {
      run.removeFinished();
    }
    await this.store.commit();
  }

  #wait(ws: Workspace, events: QueuedEvent[], reason: string): void {
    for (const q of events) {
      q.state = 'waiting';
      q.lastError = reason;
    }
    appendLog(this.store.data, {
      workspaceId: ws.id,
      chatId: null,
      messageId: null,
      outcome: 'failed',
      reason: `${events.length} message(s) kept in the queue: ${reason}`,
      recordId: null,
      noteId: null,
      willRetry: true,
    });
    void this.store.commit();
  }

  /** Applies the retry policy to events hit by a failure, and logs each. */
  #fail(ws: Workspace, events: QueuedEvent[], failure: Failure): void {
    for (const q of events) {
      q.attempts += 1;
      const d = decide(failure, q.attempts, undefined, this.options.retryBaseMs);
      q.lastError = d.reason;
      if (d.action === 'retry') {
        q.notBefore = this.#now() + d.delayMs;
      } else {
        q.state = 'waiting';
      }
      appendLog(this.store.data, {
        workspaceId: ws.id,
        chatId: q.event.chat.id,
        messageId: q.event.messageId,
        outcome: 'failed',
        reason: d.reason,
        recordId: null,
        noteId: null,
        willRetry: true,
        contactName: q.event.chat.name,
        phone: q.event.chat.phone,
      });
    }
    this.log.warn(
      { workspaceId: ws.id, code: failure.code, events: events.length },
      'sync failed; policy applied',
    );
  }

  // Internals shared with BatchRun.
  get _store(): Store {
    return this.store;
  }
  get _metadata(): MetadataCache {
    return this.metadata;
  }
  get _files(): AttachmentFetcher {
    return this.files;
  }
  get _lagMs(): number {
    return this.#lagMs;
  }
  _now(): number {
    return this.#now();
  }
  _fail(ws: Workspace, events: QueuedEvent[], failure: Failure): void {
    this.#fail(ws, events, failure);
  }
}

/** One batch of one workspace's events. */
class BatchRun {
  readonly #done = new Set<QueuedEvent>();
  readonly #parked = new Set<QueuedEvent>();
  readonly #store: Store;
  readonly #tz: string;

  constructor(
    private readonly worker: SyncWorker,
    private readonly ws: Workspace,
    private readonly s: Settings,
    private readonly zoho: ZohoGateway,
    private readonly batch: QueuedEvent[],
  ) {
    this.#store = worker._store;
    this.#tz = s.timeZone ?? ws.timeZone;
  }

  /**
   * Takes the finished events out of the queue, in one pass (removing them one by one as they finish
   * costs the length of the queue each: quadratic with a backlog). Called when the run ends.
   */
  removeFinished(): void {
    if (this.#done.size === 0) return;
    const queue = this.#store.data.queue;
    let kept = 0;
    for (const q of queue) if (!this.#done.has(q)) queue[kept++] = q;
    queue.length = kept;
  }

  unfinished(): QueuedEvent[] {
    return this.batch.filter((q) => !this.#done.has(q) && !this.#parked.has(q));
  }

  async execute(): Promise<void> {
    const data = this.#store.data;
    const fields = await this.worker._metadata.fields(this.ws.id, this.zoho, this.s.module);
    const phoneFields = fields.filter((f) => f.type === 'phone').map((f) => f.apiName);

    // 1. chats and their records
    const byChat = new Map<string, QueuedEvent[]>();
    for (const q of this.batch) {
      const list = byChat.get(q.event.chat.id) ?? [];
      list.push(q);
      byChat.set(q.event.chat.id, list);
    }
    const links: ChatLink[] = [];
    for (const [chatId, events] of byChat) {
      await breathe();
      const link = this.#link(chatId, events);
      if (!link.e164) {
        for (const q of events)
          this.#finish(
            q,
            'skipped',
            `the chat's phone number "${q.event.chat.phone ?? ''}" is not a valid international number`,
          );
        continue;
      }
      links.push(link);
    }
    await this.#resolveRecords(links, phoneFields);
    await this.#renames(links.filter((l) => l.recordId && l.createdByUs && !l.humanEditedName));

    // 2. notes
    const ready = this.unfinished().filter((q) => data.chats[this.#chatKey(q.event.chat.id)]?.recordId);
    const days = await this.#addLines(ready);
    await this.#writeNotes(days);

    // 3. attachments, then completion
    await this.#uploadAttachments(ready);
    for (const q of ready) {
      await breathe();
      if (this.#done.has(q) || this.#parked.has(q)) continue;
      const link = data.chats[this.#chatKey(q.event.chat.id)]!;
      const day = data.days[this.#dayKey(q.event)];
      if (!day?.noteId || day.dirty) continue;
      link.lastSyncedAt = new Date(this.worker._now()).toISOString();
      this.#finish(q, 'synced', null, link.recordId, day.noteId);
      // An attachment that could not be downloaded is its own entry: the message itself is synced.
      q.files.forEach((f, i) => {
        if (f.error)
          this.#logAttachmentProblem(q, `${q.event.attachments[i]?.fileName}: ${f.error}`, link, day);
      });
    }
  }

  #chatKey(chatId: string): string {
    return `${this.ws.id}:${chatId}`;
  }

  #dayKey(e: MessageEvent): string {
    return `${this.ws.id}:${e.chat.id}:${localDay(e.sentAt, this.#tz)}`;
  }

  /** The chat's local link, refreshed with the latest name and URL seen. */
  #link(chatId: string, events: QueuedEvent[]): ChatLink {
    const data = this.#store.data;
    const key = this.#chatKey(chatId);
    const latest = events.reduce((a, b) => (a.event.sentAt >= b.event.sentAt ? a : b)).event;
    let link = data.chats[key];
    if (!link) {
      link = {
        workspaceId: this.ws.id,
        chatId,
        e164: undefined,
        recordId: undefined,
        module: undefined,
        createdByUs: false,
        lastWrittenName: undefined,
        chatName: undefined,
        chatUrl: undefined,
        createIntentAt: undefined,
        humanEditedName: false,
        lastSyncedAt: undefined,
      };
      data.chats[key] = link;
    }
    if (link.module && link.module !== this.s.module) {
      // The destination changed: the chat is linked anew in the new module.
      Object.assign(link, {
        recordId: undefined,
        module: undefined,
        createdByUs: false,
        lastWrittenName: undefined,
        humanEditedName: false,
      });
    }
    if (latest.chat.phone) link.e164 = toE164(latest.chat.phone, this.ws.countryCode) ?? link.e164;
    if (latest.chat.name) link.chatName = latest.chat.name;
    if (latest.chat.url) link.chatUrl = latest.chat.url;
    return link;
  }

  async #resolveRecords(links: ChatLink[], phoneFields: string[]): Promise<void> {
    const now = this.worker._now();
    const unresolved = links.filter((l) => !l.recordId);
    if (unresolved.length === 0) return;
    // A create whose outcome is unknown (crash): wait until Zoho's search index would show it.
    const lookups: ChatLink[] = [];
    for (const l of unresolved) {
      if (l.createIntentAt && now - l.createIntentAt < this.worker._lagMs) {
        this.#park(l.chatId, l.createIntentAt + this.worker._lagMs);
      } else lookups.push(l);
    }
    const country = this.ws.countryCode;
    const valuesOf = new Map<ChatLink, string[]>();
    for (const l of lookups) {
      await breathe();
      const values = new Set<string>();
      for (const eq of whatsappEquivalents(l.e164!))
        for (const v of storedFormatCandidates(eq, country)) values.add(v);
      valuesOf.set(l, [...values].slice(0, COQL_VALUES));
    }
    // One lookup for all of them: the gateway packs the values into as few COQL calls as Zoho allows.
    const extra = [...new Set([this.s.nameField, this.s.chatLinkField, 'Created_Time'])];
    const allValues = new Set<string>();
    for (const vals of valuesOf.values()) for (const v of vals) allValues.add(v);
    const found =
      allValues.size > 0
        ? await this.zoho.findByFieldValues(this.s.module, phoneFields, [...allValues], extra)
        : [];
    // Each found record is read once, by the numbers in its phone fields, so matching stays linear.
    const byNumber = new Map<string, ZohoRecord[]>();
    for (const r of found) {
      for (const f of phoneFields) {
        const v = r[f];
        const e164 = typeof v === 'string' || typeof v === 'number' ? toE164(String(v), country) : undefined;
        if (e164) byNumber.set(e164, [...(byNumber.get(e164) ?? []), r]);
      }
    }
    const toCreate: ChatLink[] = [];
    const linkUpdates: { link: ChatLink; row: { id: string } & Record<string, unknown> }[] = [];
    for (const l of lookups) {
      await breathe();
      const equivalents = whatsappEquivalents(l.e164!);
      const candidates = [...new Set(equivalents.flatMap((eq) => byNumber.get(eq) ?? []))];
      const match = matchRecords(candidates, phoneFields, equivalents, country).chosen;
      if (!match) {
        toCreate.push(l);
        continue;
      }
      const ours = l.createIntentAt !== undefined; // our own create, confirmed after a crash
      l.recordId = match.id;
      l.module = this.s.module;
      l.createdByUs = ours;
      l.lastWrittenName = ours ? String(match[this.s.nameField] ?? '') : undefined;
      l.createIntentAt = undefined;
      if (!ours && l.chatUrl) {
        const update = chatLinkUpdate(match, this.s, l.chatUrl);
        if (update) linkUpdates.push({ link: l, row: update });
      }
    }
    await this.#store.commit();
    await this.#createRecords(toCreate);
    for (const part of chunk(linkUpdates, WRITE_ROWS)) {
      const results = await this.zoho.updateRecords(
        this.s.module,
        part.map((u) => u.row),
      );
      // A failed chat-link write does not stop the sync of the messages: it is logged.
      results.forEach((r, i) => {
        if (!r.ok)
          this.#logChatProblem(
            part[i]!.link,
            `the chat link could not be written: ${r.zohoCode} ${r.message}`,
          );
      });
    }
  }

  async #createRecords(links: ChatLink[]): Promise<void> {
    if (links.length === 0) return;
    const users = await this.worker._metadata.activeUsers(this.ws.id, this.zoho);
    const accountEmail = new Map(this.batch.map((q) => [q.event.chat.id, q.event.account.email]));
    const rows = links.map((l) => {
      const owner = chooseOwner(users, accountEmail.get(l.chatId), this.ws.owner.userId);
      return newRecordFields(this.s, { name: l.chatName, phone: l.e164, url: l.chatUrl }, l.e164!, owner);
    });
    const now = this.worker._now();
    for (const l of links) l.createIntentAt = now;
    await this.#store.commit(); // the intent is durable before Zoho sees the create
    const parts = chunk(
      links.map((l, i) => ({ l, row: rows[i]! })),
      WRITE_ROWS,
    );
    const results = await Promise.all(
      parts.map((p) =>
        this.zoho.createRecords(
          this.s.module,
          p.map((x) => x.row),
        ),
      ),
    );
    parts.forEach((p, pi) =>
      p.forEach(({ l, row }, i) => {
        const r = results[pi]?.[i];
        if (r?.ok) {
          l.recordId = r.value.id;
          l.module = this.s.module;
          l.createdByUs = true;
          l.lastWrittenName = String(row[this.s.nameField] ?? '');
          l.createIntentAt = undefined;
        } else if (r) {
          l.createIntentAt = undefined; // Zoho said no: nothing was created
          this.#failChat(l.chatId, r);
        }
      }),
    );
    await this.#store.commit();
  }

  async #renames(links: ChatLink[]): Promise<void> {
    const wanted = links.filter(
      (l) => l.chatName && contactName({ name: l.chatName, phone: l.e164 }) !== l.lastWrittenName,
    );
    if (wanted.length === 0) return;
    const current = new Map<string, ZohoRecord>();
    for (const part of chunk(wanted, WRITE_ROWS)) {
      const records = await this.zoho.getRecords(
        this.s.module,
        part.map((l) => l.recordId!),
        [this.s.nameField],
      );
      for (const r of records) current.set(r.id, r);
    }
    const updates: { link: ChatLink; name: string }[] = [];
    for (const l of wanted) {
      const record = current.get(l.recordId!);
      if (!record) continue; // deleted in the CRM; nothing to rename
      const newName = contactName({ name: l.chatName, phone: l.e164 });
      const decision = renameDecision({
        createdByUs: l.createdByUs,
        lastWrittenName: l.lastWrittenName,
        currentName: String(record[this.s.nameField] ?? ''),
        newChatName: l.chatName,
      });
      if (decision === 'rename') updates.push({ link: l, name: newName });
      else if (decision === 'keep-human-edit') l.humanEditedName = true;
    }
    for (const part of chunk(updates, WRITE_ROWS)) {
      const results = await this.zoho.updateRecords(
        this.s.module,
        part.map((u) => ({ id: u.link.recordId!, [this.s.nameField]: u.name })),
      );
      results.forEach((r, i) => {
        const u = part[i]!;
        if (r.ok) u.link.lastWrittenName = u.name;
        else this.#logChatProblem(u.link, `the rename could not be written: ${r.zohoCode} ${r.message}`);
      });
    }
    await this.#store.commit();
  }

  /** Adds each ready message to its day (idempotent by message id); returns the days touched. */
  async #addLines(ready: QueuedEvent[]): Promise<DayNote[]> {
    const data = this.#store.data;
    const touched = new Map<string, DayNote>();
    for (const q of ready) {
      await breathe();
      const e = q.event;
      const key = this.#dayKey(e);
      let day = data.days[key];
      if (!day) {
        day = {
          key,
          workspaceId: this.ws.id,
          chatId: e.chat.id,
          day: localDay(e.sentAt, this.#tz),
          noteId: undefined,
          createIntentAt: undefined,
          title: undefined,
          lines: [],
          prunedLines: 0,
          dirty: false,
          updatedAt: new Date().toISOString(),
        };
        data.days[key] = day;
      }
      if (!day.lines.some((l) => l.messageId === e.messageId)) {
        day.lines.push({
          messageId: e.messageId,
          sentAt: e.sentAt,
          author: authorOf(e),
          text: e.text,
          attachmentNames: e.attachments.map((a) => a.fileName),
        });
        day.dirty = true;
        day.updatedAt = new Date().toISOString();
      }
      if (day.dirty || !day.noteId) touched.set(key, day);
    }
    return [...touched.values()];
  }

  #render(day: DayNote): { title: string; content: string } {
    const link = this.#store.data.chats[this.#chatKey(day.chatId)]!;
    const name = contactName({ name: link.chatName, phone: link.e164 });
    return {
      title: noteTitle(name, day.day),
      content: renderNoteContent({ chatUrl: link.chatUrl, messages: day.lines, timeZone: this.#tz }),
    };
  }

  async #writeNotes(days: DayNote[]): Promise<void> {
    if (days.length === 0) return;
    const data = this.#store.data;
    const recordOf = (d: DayNote) => data.chats[this.#chatKey(d.chatId)]!.recordId!;

    // Crash recovery: a Note create with an unknown outcome is looked up on its record (no index lag there).
    const uncertain = days.filter((d) => !d.noteId && d.createIntentAt !== undefined);
    for (const d of uncertain) {
      const notes = await this.zoho.notesOf(this.s.module, recordOf(d));
      const title = this.#render(d).title;
      const existing = notes.find((n) => n.title === title);
      if (existing) {
        d.noteId = existing.id;
        d.title = existing.title;
        d.dirty = true;
      }
      d.createIntentAt = undefined;
    }

    const creates = days.filter((d) => !d.noteId);
    const updates = days.filter((d) => d.noteId && d.dirty);
    if (creates.length) {
      const now = this.worker._now();
      for (const d of creates) d.createIntentAt = now;
      await this.#store.commit();
      const parts = chunk(creates, WRITE_ROWS);
      const rendered = new Map<DayNote, { title: string; content: string }>();
      for (const d of creates) {
        await breathe();
        rendered.set(d, this.#render(d));
      }
      const results = await Promise.all(
        parts.map((p) =>
          this.zoho.createNotes(
            p.map((d) => ({ module: this.s.module, recordId: recordOf(d), ...rendered.get(d)! })),
          ),
        ),
      );
      parts.forEach((p, pi) =>
        p.forEach((d, i) => {
          const r = results[pi]?.[i];
          d.createIntentAt = undefined;
          if (r?.ok) {
            d.noteId = r.value.id;
            d.title = rendered.get(d)!.title;
            d.dirty = false;
          } else if (r) this.#failDay(d, r);
        }),
      );
      await this.#store.commit();
    }
    if (updates.length) {
      const parts = chunk(updates, WRITE_ROWS);
      const rendered = new Map<DayNote, { title: string; content: string }>();
      for (const d of updates) {
        await breathe();
        rendered.set(d, this.#render(d));
      }
      // Days whose older lines were pruned from the store (retention): the Note keeps them, so the
      // late lines are appended to its current content instead of replacing it.
      for (const d of updates.filter((x) => x.prunedLines > 0)) {
        const notes = await this.zoho.notesOf(this.s.module, recordOf(d));
        const current = notes.find((n) => n.id === d.noteId)?.content ?? '';
        const late = renderNoteContent({ chatUrl: undefined, messages: d.lines, timeZone: this.#tz });
        rendered.set(d, { title: rendered.get(d)!.title, content: `${current}\n\nAdded later:\n${late}` });
      }
      const results = await Promise.all(
        parts.map((p) => this.zoho.updateNotes(p.map((d) => ({ id: d.noteId!, ...rendered.get(d)! })))),
      );
      parts.forEach((p, pi) =>
        p.forEach((d, i) => {
          const r = results[pi]?.[i];
          if (r?.ok) {
            d.dirty = false;
            d.title = rendered.get(d)!.title;
            if (d.prunedLines > 0) {
              d.prunedLines += d.lines.length;
              d.lines = [];
            }
          } else if (r) this.#failDay(d, r);
        }),
      );
      await this.#store.commit();
    }
  }

  async #uploadAttachments(ready: QueuedEvent[]): Promise<void> {
    const data = this.#store.data;
    const pending: { q: QueuedEvent; f: EventFile; i: number; noteId: string }[] = [];
    for (const q of ready) {
      if (this.#done.has(q) || this.#parked.has(q) || q.files.length === 0) continue;
      const day = data.days[this.#dayKey(q.event)];
      if (!day?.noteId) continue;
      const waiting = q.files.some((f) => !f.localPath && !f.error && !f.uploadedId);
      if (waiting) {
        // Not downloaded yet (or the download was lost in a crash): make sure it runs, come back later.
        this.worker._files.ensure(q);
        this.#park(q.event.chat.id, this.worker._now() + 1000, q);
      }
      q.files.forEach((f, i) => {
        if (f.localPath && !f.uploadedId) pending.push({ q, f, i, noteId: day.noteId! });
      });
    }
    if (pending.length === 0) return;

    // An upload whose answer was lost (crash, timeout) may have reached Zoho: look on its Note first.
    const uncertain = pending.filter((p) => p.f.uploadIntentAt !== undefined);
    const onNote = new Map<string, ZohoAttachment[]>();
    for (const noteId of new Set(uncertain.map((p) => p.noteId))) {
      onNote.set(noteId, await this.zoho.noteAttachments(noteId));
    }
    for (const p of uncertain) {
      const claimed = new Set(p.q.files.map((f) => f.uploadedId).filter(Boolean));
      const name = p.q.event.attachments[p.i]!.fileName;
      const found = (onNote.get(p.noteId) ?? []).find(
        (a) =>
          a.fileName === name &&
          !claimed.has(a.id) &&
          (a.size === undefined || p.f.size === undefined || a.size === p.f.size),
      );
      if (found) p.f.uploadedId = found.id;
    }
    const toUpload = pending.filter((p) => !p.f.uploadedId);
    for (const p of toUpload) p.f.uploadIntentAt = this.worker._now();
    await this.#store.commit(); // the intents are durable before Zoho sees the uploads

    const results = await Promise.allSettled(
      toUpload.map(async ({ q, f, i, noteId }) => {
        const att = q.event.attachments[i]!;
        const bytes = await this.worker._files.read(f.localPath!);
        const res = await this.zoho.uploadNoteAttachment(noteId, {
          fileName: att.fileName,
          mimeType: att.mimeType ?? 'application/octet-stream',
          data: bytes,
        });
        f.uploadedId = res.id;
      }),
    );
    for (const p of pending) {
      if (p.f.uploadedId && p.f.localPath) {
        await this.worker._files.remove(p.f.localPath);
        p.f.localPath = undefined;
        p.f.uploadIntentAt = undefined;
      }
    }
    await this.#store.commit();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  #finish(
    q: QueuedEvent,
    outcome: 'synced' | 'skipped' | 'failed',
    reason: string | null,
    recordId?: string,
    noteId?: string,
  ): void {
    this.#done.add(q);
    const data = this.#store.data;
    appendLog(data, {
      workspaceId: this.ws.id,
      chatId: q.event.chat.id,
      messageId: q.event.messageId,
      outcome,
      reason,
      recordId: recordId ?? null,
      noteId: noteId ?? null,
      contactName: q.event.chat.name,
      phone: q.event.chat.phone,
    });
  }

  #logAttachmentProblem(q: QueuedEvent, reason: string, link: ChatLink, day: DayNote): void {
    appendLog(this.#store.data, {
      workspaceId: this.ws.id,
      chatId: q.event.chat.id,
      messageId: q.event.messageId,
      outcome: 'failed',
      reason: `attachment not synced: ${reason}`,
      recordId: link.recordId ?? null,
      noteId: day.noteId ?? null,
      willRetry: false,
      contactName: q.event.chat.name,
      phone: q.event.chat.phone,
      kind: 'attachment',
    });
  }

  /** Events of a chat wait (without counting an attempt) until `until`. */
  #park(chatId: string, until: number, only?: QueuedEvent): void {
    for (const q of this.batch) {
      if (only ? q !== only : q.event.chat.id !== chatId) continue;
      if (this.#done.has(q)) continue;
      q.notBefore = Math.max(q.notBefore, until);
      this.#parked.add(q);
    }
  }

  #failChat(chatId: string, row: Extract<RowResult<unknown>, { ok: false }>): void {
    const events = this.batch.filter(
      (q) => q.event.chat.id === chatId && !this.#done.has(q) && !this.#parked.has(q),
    );
    this.worker._fail(this.ws, events, {
      code: row.code,
      message: `${row.zohoCode}${row.field ? ` (${row.field})` : ''}: ${row.message}`,
    });
    for (const q of events) this.#parked.add(q);
  }

  #failDay(day: DayNote, row: Extract<RowResult<unknown>, { ok: false }>): void {
    const events = this.batch.filter(
      (q) => this.#dayKey(q.event) === day.key && !this.#done.has(q) && !this.#parked.has(q),
    );
    this.worker._fail(this.ws, events, {
      code: row.code,
      message: `${row.zohoCode}${row.field ? ` (${row.field})` : ''}: ${row.message}`,
    });
    for (const q of events) this.#parked.add(q);
  }

  #logChatProblem(link: ChatLink, reason: string): void {
    appendLog(this.#store.data, {
      workspaceId: this.ws.id,
      chatId: link.chatId,
      messageId: null,
      outcome: 'failed',
      reason,
      recordId: link.recordId ?? null,
      noteId: null,
      willRetry: false,
      contactName: link.chatName,
      phone: link.e164,
      kind: 'chat',
    });
  }
}

/**
 * Long loops of a run (thousands of events) give way to other work, webhook deliveries first, every
 * few milliseconds: a run never holds the event loop for long.
 */
let lastPause = performance.now();
async function breathe(): Promise<void> {
  if (performance.now() - lastPause < 4) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastPause = performance.now();
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function describeZohoError(e: { code: string; zohoCode?: string | undefined; message: string }): string {
  return `${e.zohoCode ?? e.code}: ${e.message}`;
}
