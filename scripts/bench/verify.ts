/**
 * The CRM after the benchmark, checked against the workload (the emulator's data, read once the
 * queue is empty): every 1:1 message in exactly one Note, on its chat's record, in the Note of its day;
 * group messages nowhere; a chat whose number a record held before lands on that record (no second
 * record: "duplicate records created" counts them); one record per chat otherwise; one Note per
 * chat-day; each Note with as many attachments as its messages had.
 */
import type { EmulatorDump } from '../../test/helpers/emulatorProcess.js';
import { formatDayForTitle } from '../../server/src/sync/dayGrouping.js';
import { canonicalNumber, type Expected } from './workload.js';

export interface CrmTruth {
  /** chat id → the id of the record that held its number before activation */
  matched: Map<string, string>;
  /** ids of the records in the module before the workload (seeded, the activation's test record) */
  preExisting: Set<string>;
  /** the field the connector writes a new record's number into */
  phoneField: string;
}

export interface Verification {
  ok: boolean;
  messages: number;
  groupMessages: number;
  /** records the connector created */
  recordsCreated: number;
  /** records created for a number a record held already, or a second record for a chat */
  duplicateRecords: number;
  matchedOnTheirRecord: number;
  notes: number;
  attachments: number;
  problems: Record<string, number>;
  examples: string[];
}

const TAGS = /\(#([^)]+)\)/g;

export function verifyCrm(dump: EmulatorDump, expected: Expected[], truth: CrmTruth): Verification {
  const problems: Record<string, number> = {};
  const examples: string[] = [];
  const problem = (kind: string, detail: string) => {
    problems[kind] = (problems[kind] ?? 0) + 1;
    if (examples.length < 12) examples.push(`${kind}: ${detail}`);
  };
  const created = dump.records.filter((r) => !truth.preExisting.has(String(r.id)));
  const createdByNumber = new Map<string, string[]>();
  for (const r of created) {
    const n = canonicalNumber(String(r[truth.phoneField] ?? ''));
    if (n) createdByNumber.set(n, [...(createdByNumber.get(n) ?? []), String(r.id)]);
    else problem('created record without a readable number', String(r.id));
  }

  // Where each chat's messages belong.
  const chats = new Map<string, { phone: string; isGroup: boolean }>();
  for (const e of expected) chats.set(e.chatId, { phone: e.phone, isGroup: e.isGroup });
  const recordOfChat = new Map<string, string>();
  let duplicateRecords = 0;
  for (const [chatId, c] of chats) {
    const number = canonicalNumber(c.phone);
    const mine = number ? (createdByNumber.get(number) ?? []) : [];
    if (c.isGroup) {
      if (mine.length) problem('record for a group chat', chatId);
      continue;
    }
    const before = truth.matched.get(chatId);
    if (before) {
      duplicateRecords += mine.length;
      if (mine.length) problem('record created for a number a record held', `chat ${chatId}`);
      recordOfChat.set(chatId, before);
    } else if (mine.length === 0) problem('no record for a chat', chatId);
    else {
      duplicateRecords += mine.length - 1;
      if (mine.length > 1) problem('second record for a chat', `chat ${chatId} ×${mine.length}`);
      recordOfChat.set(chatId, mine[0]!);
    }
  }

  const tagNotes = new Map<string, string[]>();
  const noteById = new Map(dump.notes.map((n) => [n.id, n]));
  const perChatDay = new Map<string, number>();
  for (const n of dump.notes) {
    for (const m of n.content.matchAll(TAGS)) tagNotes.set(m[1]!, [...(tagNotes.get(m[1]!) ?? []), n.id]);
    const k = `${n.parentId}|${n.title.slice(-12)}`;
    perChatDay.set(k, (perChatDay.get(k) ?? 0) + 1);
  }
  for (const [k, n] of perChatDay) if (n > 1) problem('duplicate Note for a chat-day', `${k} ×${n}`);

  const attachmentsWanted = new Map<string, number>();
  let messages = 0;
  let groupMessages = 0;
  const matchedSeen = new Set<string>();
  for (const e of expected) {
    const where = tagNotes.get(e.tag) ?? [];
    if (e.isGroup) {
      groupMessages += 1;
      if (where.length) problem('group message synced', e.messageId);
      continue;
    }
    if (where.length === 0) {
      if (!e.optional) problem('message in no Note', e.messageId);
      continue;
    }
    messages += 1;
    if (where.length > 1) problem('message in more than one Note (or twice in one)', `${e.messageId}`);
    const note = noteById.get(where[0]!)!;
    const record = recordOfChat.get(e.chatId);
    if (note.parentId !== record) problem('Note on the wrong record', e.messageId);
    else if (truth.matched.has(e.chatId)) matchedSeen.add(e.chatId);
    if (!note.title.endsWith(`(${formatDayForTitle(e.day)})`))
      problem('message on the wrong day', `${e.messageId}: ${e.day} in "${note.title}"`);
    if (e.attachment) attachmentsWanted.set(note.id, (attachmentsWanted.get(note.id) ?? 0) + 1);
  }
  const matchedOnTheirRecord = matchedSeen.size;
  let attachments = 0;
  for (const n of dump.notes) {
    const have = dump.attachments[n.id] ?? 0;
    attachments += have;
    const want = attachmentsWanted.get(n.id) ?? 0;
    if (have !== want)
      problem('attachments on a Note ≠ its messages with one', `${n.id}: ${have} for ${want}`);
  }
  return {
    ok: Object.keys(problems).length === 0,
    messages,
    groupMessages,
    recordsCreated: created.length,
    duplicateRecords,
    matchedOnTheirRecord,
    notes: dump.notes.length,
    attachments,
    problems,
    examples,
  };
}
