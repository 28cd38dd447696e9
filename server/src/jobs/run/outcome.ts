/**
 * Step 5: a message is done once its day's Note shows it and its attachments are settled (uploaded,
 * or refused for a reason the log gives): it leaves the queue and the sync log says synced, or failed
 * when an attachment could not be synced (the text is in the Note either way).
 */
import { breathe, type RunContext } from './context.js';

export async function outcome(ctx: RunContext): Promise<void> {
  const touched = new Set<string>();
  for (const q of ctx.open()) {
    await breathe();
    const link = ctx.links.get(q.event.chat.id);
    const day = ctx.days.get(ctx.dayKey(q.event));
    if (!link?.recordId || !day?.noteId || day.dirty) continue;
    const files = ctx.filesOf(q);
    if (files.some((f) => !f.uploadedId && !f.error)) continue;
    ctx.finish(q, 'synced', null, { recordId: link.recordId, noteId: day.noteId });
    // Each attachment that could not be synced is an entry of its own (the text is in the Note).
    files.forEach((f, i) => {
      if (!f.error) return;
      ctx.log(
        q,
        'failed',
        `attachment "${q.event.attachments[i]?.fileName ?? i + 1}" not synced: ${f.error}`,
        {
          kind: 'attachment',
          recordId: link.recordId ?? null,
          noteId: day.noteId ?? null,
          willRetry: false,
        },
      );
    });
    if (!link.lastMessageAt || q.event.sentAt > link.lastMessageAt) link.lastMessageAt = q.event.sentAt;
    link.lastSyncedAt = new Date(ctx.now()).toISOString();
    touched.add(link.chatId);
  }
  for (const chatId of touched) ctx.putLink(ctx.links.get(chatId)!);
  await ctx.commit();
}
