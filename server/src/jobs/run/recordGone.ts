/**
 * A record deleted (or merged away) in the CRM since the chat was linked to it: Zoho refuses the
 * write. The chat is not failed for that: the record leaves the phone index, every chat linked to it
 * is unlinked, and their messages wait a moment for the next run, which matches them again (to
 * another record holding the number, or a new one).
 */
import { UNLINKED } from '../../store/schema.js';
import type { RowResult } from '../../zoho/gateway.js';
import { copyOf, type RunContext } from './context.js';

/** How a refused write says its record is gone (zoho/gateway.ts: RowResult). */
export function isRecordGone(row: Extract<RowResult<unknown>, { ok: false }>): boolean {
  return (
    row.code === 'not_found' ||
    (row.code === 'validation' && (row.field === 'id' || row.field === 'Parent_Id'))
  );
}

/** Re-match the chats of these records (staged in the run's unit of work; the caller commits). */
export async function reResolve(ctx: RunContext, recordIds: string[]): Promise<void> {
  if (recordIds.length === 0) return;
  const gone = new Set(recordIds);
  ctx.uow.phoneIndex.delete(ctx.ws.id, recordIds);
  const links = new Map(
    (await ctx.store.chats.byRecords(ctx.ws.id, recordIds)).map((l) => [l.chatId, copyOf(l)]),
  );
  for (const l of ctx.links.values()) if (l.recordId && gone.has(l.recordId)) links.set(l.chatId, l);
  for (const link of links.values()) {
    Object.assign(link, UNLINKED);
    if (ctx.links.has(link.chatId)) ctx.putLink(link);
    else ctx.uow.chats.put(link);
    ctx.logChat(link, 'skipped', 'its record was deleted or merged in Zoho CRM: the chat is matched again');
    for (const q of ctx.eventsOfChat(link.chatId)) ctx.park(q, ctx.now() + 1000);
  }
}
