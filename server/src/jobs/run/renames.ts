/**
 * Step 2: WhatsApp renames reach the records this product created, unless someone renamed the record
 * in the CRM since (its current name differs from the one we last wrote): a human's edit wins.
 * Matched pre-existing records are never renamed. One read and one write per 100 records.
 */
import type { ChatLink } from '../../store/schema.js';
import { contactName, renameDecision } from '../../sync/recordRules.js';
import type { ZohoRecord } from '../../zoho/gateway.js';
import { chunk, type RunContext } from './context.js';
import { isRecordGone, reResolve } from './recordGone.js';

const ROWS = 100;

export async function renames(ctx: RunContext): Promise<void> {
  const s = ctx.settings;
  const wanted = [...ctx.links.values()].filter(
    (l) =>
      l.recordId &&
      l.createdByUs &&
      !l.humanEditedName &&
      l.chatName &&
      contactName({ name: l.chatName, phone: l.e164 }) !== l.lastWrittenName,
  );
  if (wanted.length === 0) return;
  const current = new Map<string, ZohoRecord>();
  for (const part of chunk(wanted, ROWS)) {
    const records = await ctx.zoho.getRecords(
      s.module,
      part.map((l) => l.recordId!),
      [s.nameField],
    );
    for (const r of records) current.set(r.id, r);
  }
  const updates: { link: ChatLink; name: string }[] = [];
  const gone: string[] = [];
  for (const l of wanted) {
    const record = current.get(l.recordId!);
    if (!record) {
      gone.push(l.recordId!); // deleted in the CRM: the chat is matched again
      continue;
    }
    const decision = renameDecision({
      createdByUs: l.createdByUs,
      lastWrittenName: l.lastWrittenName,
      currentName: String(record[s.nameField] ?? ''),
      newChatName: l.chatName,
    });
    if (decision === 'rename')
      updates.push({ link: l, name: contactName({ name: l.chatName, phone: l.e164 }) });
    else if (decision === 'keep-human-edit') {
      l.humanEditedName = true;
      ctx.putLink(l);
    }
  }
  for (const part of chunk(updates, ROWS)) {
    const results = await ctx.zoho.updateRecords(
      s.module,
      part.map((u) => ({ id: u.link.recordId!, [s.nameField]: u.name })),
    );
    results.forEach((r, i) => {
      const u = part[i]!;
      if (r.ok) {
        u.link.lastWrittenName = u.name;
        ctx.putLink(u.link);
      } else if (isRecordGone(r)) gone.push(u.link.recordId!);
      else ctx.logChat(u.link, 'failed', `the rename could not be written: ${r.zohoCode} ${r.message}`);
    });
  }
  await reResolve(ctx, gone);
  await ctx.commit();
}
