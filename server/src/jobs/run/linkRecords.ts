/**
 * Step 1: each chat of the run to its CRM record.
 *
 * A chat linked before keeps its record (no lookup). An unlinked chat is matched through the phone
 * index (one store lookup for all of them) after one incremental read of what changed in the CRM; no
 * match → one record is created (batched, 100 a call). A create is preceded by a committed intent:
 * after a crash the incremental read finds the record the lost answer created (it reads the database,
 * not the lagging search index), so the chat is linked to it instead of creating a second one; until
 * the lost create can no longer land (pendingWrites.ts) the chat waits.
 * Matched records get the chat link written into the chat link field; nothing else on them changes.
 */
import { UNLINKED, type ChatLink } from '../../store/schema.js';
import { phoneKey } from '../../sync/phoneKey.js';
import { toE164 } from '../../sync/phone.js';
import { chooseOwner, contactName, newRecordFields } from '../../sync/recordRules.js';
import { matchNumbers, type ChatMatch } from '../phoneIndex/match.js';
import { refreshIndex } from '../phoneIndex/refresh.js';
import type { IndexJob } from '../phoneIndex/build.js';
import { breathe, chunk, copyOf, rowFailure, type Event, type RunContext } from './context.js';
import { intentKey } from './pendingWrites.js';
import { isRecordGone, reResolve } from './recordGone.js';

const WRITE_ROWS = 100;

export async function linkRecords(ctx: RunContext, index: IndexJob): Promise<void> {
  const byChat = new Map<string, Event[]>();
  for (const q of ctx.open()) byChat.set(q.event.chat.id, [...(byChat.get(q.event.chat.id) ?? []), q]);
  let stored = await ctx.store.chats.getMany(ctx.ws.id, [...byChat.keys()]);
  const needsLookup = [...byChat.keys()].some((id) => !currentRecord(stored.get(id), ctx.settings.module));
  if (needsLookup) {
    const state = await ctx.store.phoneIndex.state(ctx.ws.id);
    if (state?.status !== 'ready') {
      // Never matched against a half-built index: these wait for the build (it runs first in a run).
      for (const [chatId, events] of byChat)
        if (!currentRecord(stored.get(chatId), ctx.settings.module))
          for (const q of events) ctx.park(q, ctx.now() + 5000);
    } else {
      await refreshIndex(index, state);
      stored = await ctx.store.chats.getMany(ctx.ws.id, [...byChat.keys()]); // deletions may have unlinked some
    }
  }
  for (const [chatId, events] of byChat) {
    await breathe();
    const before = stored.get(chatId);
    const link = refreshed(ctx, before, chatId, events);
    // Written only when it changed (a new name or URL, a new chat): most runs change no link here.
    if (!before || JSON.stringify(before) !== JSON.stringify(link)) ctx.putLink(link);
    else ctx.links.set(chatId, link);
    if (!link.e164) {
      for (const q of events)
        ctx.finish(
          q,
          'skipped',
          `the chat's phone number "${q.event.chat.phone ?? ''}" is not a valid international number`,
        );
    }
  }
  await ctx.commit();
  const unresolved = [...ctx.links.values()].filter(
    (l) => l.e164 && !l.recordId && ctx.eventsOfChat(l.chatId).length > 0,
  );
  if (unresolved.length === 0) return;

  const matches = await matchNumbers(
    ctx.store,
    ctx.ws.id,
    unresolved.map((l) => l.e164!),
    ctx.ws.countryCode,
  );
  const toCreate: ChatLink[] = [];
  const linkUpdates: ChatLink[] = [];
  for (const link of unresolved) {
    const match = matches.get(link.e164!);
    const intent =
      link.createIntentAt === undefined
        ? undefined
        : intentKey.record(ctx.ws.id, link.chatId, link.createIntentAt);
    // A create whose answer was lost and that may still land: the chat waits until it cannot.
    if (!match && intent && ctx.mayStillLand(intent, ctx.eventsOfChat(link.chatId))) continue;
    if (intent) ctx.services.pendingWrites.resolved(intent);
    if (!match) toCreate.push(link);
    else if (adopt(ctx, link, match)) linkUpdates.push(link);
  }
  await ctx.commit();
  await createRecords(ctx, toCreate);
  await writeChatLinks(ctx, linkUpdates);
}

/** The link's record when it belongs to the destination module (a module change starts afresh). */
function currentRecord(link: ChatLink | undefined | Readonly<ChatLink>, module: string): string | undefined {
  return link?.recordId && link.module === module ? link.recordId : undefined;
}

/** The chat's link, refreshed with the newest name and URL seen, reset when it points into another module. */
function refreshed(
  ctx: RunContext,
  stored: Readonly<ChatLink> | undefined,
  chatId: string,
  events: Event[],
): ChatLink {
  const link: ChatLink = stored
    ? copyOf<ChatLink>(stored)
    : {
        workspaceId: ctx.ws.id,
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
  if (link.recordId && link.module !== ctx.settings.module) {
    Object.assign(link, UNLINKED, { createIntentAt: undefined });
  }
  const latest = events.reduce((a, b) => (a.event.sentAt >= b.event.sentAt ? a : b)).event;
  if (latest.chat.phone) link.e164 = toE164(latest.chat.phone, ctx.ws.countryCode) ?? link.e164;
  if (latest.chat.name) link.chatName = latest.chat.name;
  if (latest.chat.url) link.chatUrl = latest.chat.url;
  return link;
}

/**
 * Links the chat to the matched record. A match found while a create intent is pending is the record
 * our lost create made (crash recovery). Returns true when the chat link must be written on it.
 */
function adopt(ctx: RunContext, link: ChatLink, match: ChatMatch): boolean {
  const ours = link.createIntentAt !== undefined;
  link.recordId = match.chosen.recordId;
  link.module = ctx.settings.module;
  link.createdByUs = ours;
  link.lastWrittenName = ours ? contactName({ name: link.chatName, phone: link.e164 }) : undefined;
  link.createIntentAt = undefined;
  ctx.putLink(link);
  if (match.all.length > 1) {
    ctx.logChat(
      link,
      'synced',
      `${match.all.length} records hold ${link.e164}: linked to the most recently modified (${match.chosen.recordId}); merge them in Zoho CRM to keep one`,
    );
  }
  return !ours && link.chatUrl !== undefined;
}

async function createRecords(ctx: RunContext, links: ChatLink[]): Promise<void> {
  if (links.length === 0) return;
  const { settings: s, zoho } = ctx;
  const users = await ctx.services.metadata.activeUsers(ctx.ws.id, zoho);
  const emailOf = new Map(ctx.events.map((q) => [q.event.chat.id, q.event.account.email]));
  const rows = links.map((l) =>
    newRecordFields(
      s,
      { name: l.chatName, phone: l.e164, url: l.chatUrl },
      l.e164!,
      chooseOwner(users, emailOf.get(l.chatId), ctx.ws.owner.userId),
    ),
  );
  const now = ctx.now();
  for (const l of links) {
    l.createIntentAt = now;
    ctx.putLink(l);
  }
  await ctx.commit(); // the intent is durable before Zoho sees the create
  const parts = chunk(
    links.map((l, i) => ({ l, row: rows[i]! })),
    WRITE_ROWS,
  );
  const results = await Promise.all(
    parts.map((p) =>
      zoho.createRecords(
        s.module,
        p.map((x) => x.row),
      ),
    ),
  ).catch((e: unknown) => {
    for (const l of links) ctx.services.pendingWrites.failed(intentKey.record(ctx.ws.id, l.chatId, now), e);
    throw e;
  });
  const created: { recordId: string; keys: string[]; modifiedTime: string }[] = [];
  parts.forEach((p, pi) =>
    p.forEach(({ l, row }, i) => {
      const r = results[pi]?.[i];
      if (!r) return;
      l.createIntentAt = undefined;
      if (r.ok) {
        Object.assign(l, {
          recordId: r.value.id,
          module: s.module,
          createdByUs: true,
          lastWrittenName: String(row[s.nameField] ?? ''),
        });
        const key = phoneKey(l.e164!, ctx.ws.countryCode);
        created.push({
          recordId: r.value.id,
          keys: key ? [key] : [],
          modifiedTime: new Date(now).toISOString(),
        });
      } else ctx.fail(ctx.eventsOfChat(l.chatId), rowFailure(r)); // Zoho said no: nothing was created
      ctx.putLink(l);
    }),
  );
  // Our own creates are in the index at once (the next chat with this number finds them).
  ctx.uow.phoneIndex.put(ctx.ws.id, created);
  await ctx.commit();
}

/** The chat link on matched records; a record found gone is matched again. */
async function writeChatLinks(ctx: RunContext, links: ChatLink[]): Promise<void> {
  for (const part of chunk(links, WRITE_ROWS)) {
    const results = await ctx.zoho.updateRecords(
      ctx.settings.module,
      part.map((l) => ({ id: l.recordId!, [ctx.settings.chatLinkField]: l.chatUrl })),
    );
    const gone: ChatLink[] = [];
    results.forEach((r, i) => {
      const link = part[i]!;
      if (r.ok) return;
      if (isRecordGone(r)) gone.push(link);
      else ctx.logChat(link, 'failed', `the chat link could not be written: ${r.zohoCode} ${r.message}`);
    });
    await reResolve(
      ctx,
      gone.map((l) => l.recordId!),
    );
  }
  await ctx.commit();
}
