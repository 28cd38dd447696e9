/**
 * Step 3: every message into its chat-day, and each chat-day into one Note on the chat's record
 * (created or rewritten, 100 Notes a call). The day is the message's date in the org's time zone (or
 * the settings' override); late and out-of-order messages land in their day, in time order; a
 * message already in the day (a redelivery) is not added twice.
 *
 * Crash safety: a Note create is preceded by a committed intent (with the title it is created with);
 * a create whose answer was lost is looked for on the record's Note list (which has no index lag)
 * before a second one is made, once it can no longer land (pendingWrites.ts).
 */
import type { DayNote } from '../../store/schema.js';
import { contactName } from '../../sync/recordRules.js';
import { authorOf, noteTitle, renderNoteContent } from '../../sync/noteText.js';
import { localDay } from '../../sync/dayGrouping.js';
import { breathe, chunk, copyOf, rowFailure, type Event, type RunContext } from './context.js';
import { intentKey } from './pendingWrites.js';
import { isRecordGone, reResolve } from './recordGone.js';

const WRITE_ROWS = 100;

/** The run's chat-days, and how far each is stored (lines appended since are written as an append). */
class Days {
  readonly #storedLines = new Map<string, number>();
  readonly #isNew = new Set<string>();

  constructor(readonly ctx: RunContext) {}

  async load(keys: string[]): Promise<void> {
    const missing = keys.filter((k) => !this.ctx.days.has(k));
    for (const [k, d] of await this.ctx.store.days.getMany(missing)) {
      this.ctx.days.set(k, copyOf<DayNote>(d));
      this.#storedLines.set(k, d.lines.length);
    }
  }

  /** A day written whole at the next stage (new, or started afresh on another record). */
  create(day: DayNote): void {
    this.ctx.days.set(day.key, day);
    this.#isNew.add(day.key);
  }

  /** Stages each changed day in the run's unit of work. */
  stage(days: Iterable<DayNote>): void {
    for (const d of days) {
      if (this.#isNew.has(d.key)) {
        this.ctx.uow.days.put(d);
        this.#isNew.delete(d.key);
      } else {
        const from = this.#storedLines.get(d.key) ?? 0;
        if (d.lines.length !== from || d.prunedLines > 0)
          this.ctx.uow.days.appendLines(d.key, from, d.lines.slice(from));
        const { noteId, recordId, createIntentAt, title, dirty, updatedAt } = d;
        this.ctx.uow.days.patch(d.key, { noteId, recordId, createIntentAt, title, dirty, updatedAt });
      }
      this.#storedLines.set(d.key, d.lines.length);
    }
  }
}

export async function notes(ctx: RunContext): Promise<void> {
  const ready = ctx.open().filter((q) => ctx.links.get(q.event.chat.id)?.recordId);
  const days = new Days(ctx);
  await days.load([...new Set(ready.map((q) => ctx.dayKey(q.event)))]);
  // Messages a CRM user sent from the chat panel are written with that user as their author.
  const sent = ready.filter((q) => q.event.direction === 'sent').map((q) => q.event.messageId);
  const authors = new Map<string, string>();
  if (sent.length)
    for (const [id, s] of await ctx.store.sent.getMany(ctx.ws.id, sent)) authors.set(id, s.author);
  const touched = await addLines(ctx, days, ready, authors);
  days.stage(touched);
  await ctx.commit();
  await writeNotes(ctx, days, touched);
}

/** Adds each ready message to its day (once per message id); returns the days that need a write. */
async function addLines(
  ctx: RunContext,
  days: Days,
  ready: Event[],
  authors: Map<string, string>,
): Promise<DayNote[]> {
  const touched = new Map<string, DayNote>();
  for (const q of ready) {
    await breathe();
    const e = q.event;
    const key = ctx.dayKey(e);
    let day = ctx.days.get(key);
    const recordId = ctx.links.get(e.chat.id)?.recordId;
    if (day?.noteId && day.recordId && day.recordId !== recordId) {
      // The chat is on another record now (a module change, a record deleted or merged): the day's
      // Note stays on the old record with what it holds, and a new one starts on this record.
      day = undefined;
    }
    if (!day) {
      day = {
        key,
        workspaceId: ctx.ws.id,
        chatId: e.chat.id,
        day: localDay(e.sentAt, ctx.tz),
        noteId: undefined,
        recordId,
        createIntentAt: undefined,
        title: undefined,
        lines: [],
        prunedLines: 0,
        dirty: false,
        updatedAt: new Date(ctx.now()).toISOString(),
      };
      days.create(day);
    }
    if (!day.lines.some((l) => l.messageId === e.messageId)) {
      day.lines.push({
        messageId: e.messageId,
        sentAt: e.sentAt,
        author: authors.get(e.messageId) ?? authorOf(e),
        text: e.text,
        attachmentNames: e.attachments.map((a) => a.fileName),
      });
      day.dirty = true;
      day.updatedAt = new Date(ctx.now()).toISOString();
    }
    if (day.dirty || !day.noteId) touched.set(key, day);
  }
  return [...touched.values()];
}

function render(ctx: RunContext, day: DayNote): { title: string; content: string } {
  const link = ctx.links.get(day.chatId)!;
  return {
    title: noteTitle(contactName({ name: link.chatName, phone: link.e164 }), day.day),
    content: renderNoteContent({ chatUrl: link.chatUrl, messages: day.lines, timeZone: ctx.tz }),
  };
}

async function writeNotes(ctx: RunContext, days: Days, touched: DayNote[]): Promise<void> {
  const recordOf = (d: DayNote) => ctx.links.get(d.chatId)?.recordId;
  const writable = touched.filter((d) => recordOf(d));
  // A Note create whose answer was lost: look for it on the record (no index lag there) once it can
  // no longer land; meanwhile the day waits. Its title is the one the create sent (a rename since
  // does not hide it), and it links this chat: another chat on the record (a second number of the
  // contact, the same name) may have a Note of the same title that day.
  const waiting = new Set<DayNote>();
  const notesOf = new Map<string, ReturnType<RunContext['zoho']['notesOf']>>(); // one read a record
  for (const d of writable.filter((x) => !x.noteId && x.createIntentAt !== undefined)) {
    const intent = intentKey.note(d.key, d.createIntentAt!);
    if (
      ctx.mayStillLand(
        intent,
        ctx.open().filter((q) => ctx.dayKey(q.event) === d.key),
      )
    ) {
      waiting.add(d);
      continue;
    }
    const title = d.title ?? render(ctx, d).title;
    const url = ctx.links.get(d.chatId)?.chatUrl;
    const recordId = recordOf(d)!;
    if (!notesOf.has(recordId)) notesOf.set(recordId, ctx.zoho.notesOf(ctx.settings.module, recordId));
    const existing = (await notesOf.get(recordId)!).find(
      (n) => n.title === title && (url === undefined || n.content.includes(url)),
    );
    if (existing) Object.assign(d, { noteId: existing.id, recordId, title: existing.title, dirty: true });
    d.createIntentAt = undefined;
    ctx.services.pendingWrites.resolved(intent);
  }
  await createNotes(
    ctx,
    days,
    writable.filter((d) => !d.noteId && !waiting.has(d)),
  );
  await updateNotes(
    ctx,
    days,
    writable.filter((d) => d.noteId && d.dirty),
  );
}

async function createNotes(ctx: RunContext, days: Days, creates: DayNote[]): Promise<void> {
  if (creates.length === 0) return;
  const rendered = new Map<DayNote, { title: string; content: string }>();
  for (const d of creates) {
    await breathe();
    rendered.set(d, render(ctx, d));
  }
  const now = ctx.now();
  for (const d of creates) Object.assign(d, { createIntentAt: now, title: rendered.get(d)!.title });
  days.stage(creates);
  await ctx.commit(); // the intents are durable before Zoho sees the creates
  const parts = chunk(creates, WRITE_ROWS);
  const results = await Promise.all(
    parts.map((p) =>
      ctx.zoho.createNotes(
        p.map((d) => ({
          module: ctx.settings.module,
          recordId: ctx.links.get(d.chatId)!.recordId!,
          ...rendered.get(d)!,
        })),
      ),
    ),
  ).catch((e: unknown) => {
    for (const d of creates) ctx.services.pendingWrites.failed(intentKey.note(d.key, now), e);
    throw e;
  });
  const gone: string[] = [];
  applyResults(
    ctx,
    parts,
    results,
    (d, r) => {
      d.createIntentAt = undefined;
      if (r.ok)
        Object.assign(d, {
          noteId: r.value.id,
          recordId: ctx.links.get(d.chatId)?.recordId,
          title: rendered.get(d)!.title,
          dirty: false,
        });
    },
    // The parent record is gone (deleted or merged in the CRM): the chat is matched again.
    (d) => gone.push(ctx.links.get(d.chatId)!.recordId!),
  );
  await reResolve(ctx, [...new Set(gone)]);
  days.stage(creates);
  await ctx.commit();
}

async function updateNotes(ctx: RunContext, days: Days, updates: DayNote[]): Promise<void> {
  if (updates.length === 0) return;
  const rendered = new Map<DayNote, { title: string; content: string }>();
  for (const d of updates) {
    await breathe();
    rendered.set(d, render(ctx, d));
  }
  // Days whose older lines were dropped by retention: the Note keeps them, so the late lines are
  // appended to its current content instead of replacing it.
  for (const d of updates.filter((x) => x.prunedLines > 0)) {
    const recordId = ctx.links.get(d.chatId)!.recordId!;
    const current =
      (await ctx.zoho.notesOf(ctx.settings.module, recordId)).find((n) => n.id === d.noteId)?.content ?? '';
    const late = renderNoteContent({ chatUrl: undefined, messages: d.lines, timeZone: ctx.tz });
    rendered.set(d, { title: rendered.get(d)!.title, content: `${current}\n\nAdded later:\n${late}` });
  }
  const parts = chunk(updates, WRITE_ROWS);
  const results = await Promise.all(
    parts.map((p) => ctx.zoho.updateNotes(p.map((d) => ({ id: d.noteId!, ...rendered.get(d)! })))),
  );
  applyResults(
    ctx,
    parts,
    results,
    (d, r) => {
      if (!r.ok) return;
      Object.assign(d, { dirty: false, title: rendered.get(d)!.title });
      if (d.prunedLines > 0) {
        d.prunedLines += d.lines.length;
        d.lines = [];
      }
    },
    // The Note is gone (someone deleted it, or its record): it is created again on the chat's record.
    (d) => {
      Object.assign(d, { noteId: undefined, title: undefined, dirty: true });
      for (const q of ctx.open().filter((e) => ctx.dayKey(e.event) === d.key)) ctx.park(q, ctx.now() + 1000);
    },
  );
  days.stage(updates);
  await ctx.commit();
}

type Row = Awaited<ReturnType<RunContext['zoho']['createNotes']>>[number];

/** Per-row outcomes: `onRow` for each, `onGone` when Zoho says the target is gone, else the retry policy. */
function applyResults(
  ctx: RunContext,
  parts: DayNote[][],
  results: Row[][],
  onRow: (d: DayNote, r: Row) => void,
  onGone: (d: DayNote) => void,
): void {
  parts.forEach((p, pi) =>
    p.forEach((d, i) => {
      const r = results[pi]?.[i];
      if (!r) return;
      onRow(d, r);
      if (r.ok) return;
      if (isRecordGone(r)) onGone(d);
      else
        ctx.fail(
          ctx.open().filter((q) => ctx.dayKey(q.event) === d.key),
          rowFailure(r),
        );
    }),
  );
}
