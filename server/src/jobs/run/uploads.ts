/**
 * Step 4: downloaded attachments onto their day's Note (one call each: Zoho takes one file per call).
 * The message's text is already in the Note (step 3): attachments follow it, they never hold it back.
 * An attachment still downloading parks only its message for a second.
 *
 * Crash safety: an upload intent is committed first; an upload whose answer was lost is looked for on
 * the Note (same file name and size), once it can no longer land (pendingWrites.ts), before it is
 * sent again, among the attachments no message has
 * claimed: the day keeps the ids uploaded to its Note (`attachmentIds`), so when two messages sent
 * the same file and only one upload reached Zoho, the other is sent again instead of taking the
 * first one's attachment for its own.
 */
import type { EventFile } from '../../store/schema.js';
import type { ZohoAttachment } from '../../zoho/gateway.js';
import type { Event, RunContext } from './context.js';
import { intentKey } from './pendingWrites.js';

interface Pending {
  q: Event;
  f: EventFile;
  i: number;
  noteId: string;
  dayKey: string;
}

export async function uploads(ctx: RunContext): Promise<void> {
  const pending: Pending[] = [];
  for (const q of ctx.open()) {
    if (q.files.length === 0) continue;
    const dayKey = ctx.dayKey(q.event);
    const noteId = ctx.days.get(dayKey)?.noteId;
    if (!noteId) continue;
    if (ctx.filesOf(q).some((f) => !f.localPath && !f.error && !f.uploadedId)) {
      // Not downloaded yet (or the download was lost in a crash): make sure it runs, come back later.
      ctx.services.files.ensure(q);
      ctx.park(q, ctx.now() + 1000);
    }
    ctx.filesOf(q).forEach((f, i) => {
      if (f.localPath && !f.uploadedId) pending.push({ q, f, i, noteId, dayKey });
    });
  }
  if (pending.length === 0) return;
  const waiting = await adoptLostUploads(ctx, pending);
  const toUpload = pending.filter((p) => !p.f.uploadedId && !waiting.has(p));
  for (const p of toUpload) {
    p.f.uploadIntentAt = ctx.now();
    ctx.uow.queue.file(p.q.key, p.i, { uploadIntentAt: p.f.uploadIntentAt });
  }
  await ctx.commit(); // the intents are durable before Zoho sees the uploads

  const results = await Promise.allSettled(
    toUpload.map(async (p) => {
      const att = p.q.event.attachments[p.i]!;
      const data = await ctx.services.files.read(p.f.localPath!);
      const res = await ctx.zoho.uploadNoteAttachment(p.noteId, {
        fileName: att.fileName,
        mimeType: att.mimeType ?? 'application/octet-stream',
        data,
      });
      p.f.uploadedId = res.id;
    }),
  );
  results.forEach((r, k) => {
    const p = toUpload[k]!;
    if (r.status === 'rejected')
      ctx.services.pendingWrites.failed(intentKey.upload(p.q.key, p.i, p.f.uploadIntentAt!), r.reason);
  });
  for (const p of pending) {
    if (!p.f.uploadedId || !p.f.localPath) continue;
    claim(ctx, p.dayKey, p.f.uploadedId);
    await ctx.services.files.remove(p.f.localPath);
    p.f.localPath = undefined;
    p.f.uploadIntentAt = undefined;
    ctx.uow.queue.file(p.q.key, p.i, {
      uploadedId: p.f.uploadedId,
      localPath: undefined,
      uploadIntentAt: undefined,
    });
  }
  await ctx.commit();
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The day's Note holds this upload of one of its messages (staged with the run's next commit). */
function claim(ctx: RunContext, dayKey: string, attachmentId: string): void {
  const day = ctx.days.get(dayKey);
  if (!day || day.attachmentIds?.includes(attachmentId)) return;
  day.attachmentIds = [...(day.attachmentIds ?? []), attachmentId];
  ctx.uow.days.patch(dayKey, { attachmentIds: day.attachmentIds });
}

/** Attachment ids on the day's Note that belong to a message: the day's record, and the run's events. */
function claimedOn(ctx: RunContext, dayKey: string): Set<string> {
  const claimed = new Set(ctx.days.get(dayKey)?.attachmentIds ?? []);
  for (const q of ctx.events)
    if (q.files.length > 0 && ctx.dayKey(q.event) === dayKey)
      for (const f of ctx.filesOf(q)) if (f.uploadedId) claimed.add(f.uploadedId);
  return claimed;
}

/**
 * Uploads whose answer was lost may have reached Zoho: look on their Notes first, once they can no
 * longer land. Returns those that still may (their messages wait).
 */
async function adoptLostUploads(ctx: RunContext, pending: Pending[]): Promise<Set<Pending>> {
  const waiting = new Set<Pending>();
  const intents: string[] = [];
  const uncertain = pending.filter((p) => {
    if (p.f.uploadIntentAt === undefined) return false;
    const intent = intentKey.upload(p.q.key, p.i, p.f.uploadIntentAt);
    if (ctx.mayStillLand(intent, [p.q])) {
      waiting.add(p);
      return false;
    }
    intents.push(intent);
    return true;
  });
  const onNote = new Map<string, ZohoAttachment[]>();
  for (const noteId of new Set(uncertain.map((p) => p.noteId)))
    onNote.set(noteId, await ctx.zoho.noteAttachments(noteId));
  // Looked for (as the Notes step does, only once the look succeeded: a failed one waits no longer).
  for (const intent of intents) ctx.services.pendingWrites.resolved(intent);
  for (const p of uncertain) {
    // Recomputed for each: an attachment adopted for one message is claimed for the next.
    const claimed = claimedOn(ctx, p.dayKey);
    const name = p.q.event.attachments[p.i]!.fileName;
    const found = (onNote.get(p.noteId) ?? []).find(
      (a) =>
        a.fileName === name &&
        !claimed.has(a.id) &&
        (a.size === undefined || p.f.size === undefined || a.size === p.f.size),
    );
    if (found) p.f.uploadedId = found.id;
  }
  return waiting;
}
