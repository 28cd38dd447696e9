/**
 * How the store (store.ts) finds what changed inside an entry since it was last written: every field
 * of the entry types that change in place says how it may change. The lists are checked by the
 * compiler (a field added to `QueuedEvent`, `DayNote` or `ChatLink` without a rule here does not
 * compile), and the fingerprints below are checked against the lists by a test: no change can go
 * unwritten.
 */
import type { ChatLink, DayNote, QueuedEvent } from './schema.js';

export type FieldRule =
  /** set when the entry is created, never changed afterwards */
  | 'fixed'
  /** a primitive (string, number, boolean, null, undefined) that may be reassigned */
  | 'value'
  /** an array whose items never change once added: it only grows (push) or is replaced */
  | 'append'
  /** a small array of flat objects whose fields may change in place */
  | 'rows';

export const QUEUE_FIELDS = {
  key: 'fixed',
  workspaceId: 'fixed',
  receivedAt: 'fixed',
  event: 'fixed',
  attempts: 'value',
  notBefore: 'value',
  state: 'value',
  lastError: 'value',
  files: 'rows',
} as const satisfies Record<keyof QueuedEvent, FieldRule>;

export const DAY_FIELDS = {
  key: 'fixed',
  workspaceId: 'fixed',
  chatId: 'fixed',
  day: 'fixed',
  noteId: 'value',
  createIntentAt: 'value',
  title: 'value',
  lines: 'append',
  prunedLines: 'value',
  dirty: 'value',
  updatedAt: 'value',
} as const satisfies Record<keyof DayNote, FieldRule>;

export const CHAT_FIELDS = {
  workspaceId: 'fixed',
  chatId: 'fixed',
  e164: 'value',
  recordId: 'value',
  module: 'value',
  createdByUs: 'value',
  lastWrittenName: 'value',
  chatName: 'value',
  chatUrl: 'value',
  createIntentAt: 'value',
  humanEditedName: 'value',
  lastSyncedAt: 'value',
} as const satisfies Record<keyof ChatLink, FieldRule>;

/** What an entry looked like when last written, as far as its changeable fields go. */
export type Fingerprint = unknown[];

export interface Fingerprinter<T> {
  /** the values of the entry's changeable fields (arrays by identity and length, rows field by field) */
  print(entry: T): Fingerprint;
  /** true when `entry` still matches `print`; runs over every entry at each full commit, so: fast, no allocation */
  same(entry: T, print: Fingerprint): boolean;
}

// Written out field by field (monomorphic property reads: a scan costs tens of nanoseconds an entry).
// test/server/storeChanges.test.ts changes each non-fixed field of the lists above in turn and checks
// that it is noticed, so a field added to a list but not here fails that test.

export const dayChanges: Fingerprinter<DayNote> = {
  print: (d) => [
    d.noteId,
    d.createIntentAt,
    d.title,
    d.lines,
    d.lines?.length,
    d.prunedLines,
    d.dirty,
    d.updatedAt,
  ],
  same: (d, p) =>
    d.noteId === p[0] &&
    d.createIntentAt === p[1] &&
    d.title === p[2] &&
    d.lines === p[3] &&
    d.lines?.length === p[4] &&
    d.prunedLines === p[5] &&
    d.dirty === p[6] &&
    d.updatedAt === p[7],
};

export const chatChanges: Fingerprinter<ChatLink> = {
  print: (c) => [
    c.e164,
    c.recordId,
    c.module,
    c.createdByUs,
    c.lastWrittenName,
    c.chatName,
    c.chatUrl,
    c.createIntentAt,
    c.humanEditedName,
    c.lastSyncedAt,
  ],
  same: (c, p) =>
    c.e164 === p[0] &&
    c.recordId === p[1] &&
    c.module === p[2] &&
    c.createdByUs === p[3] &&
    c.lastWrittenName === p[4] &&
    c.chatName === p[5] &&
    c.chatUrl === p[6] &&
    c.createIntentAt === p[7] &&
    c.humanEditedName === p[8] &&
    c.lastSyncedAt === p[9],
};

export const queueChanges: Fingerprinter<QueuedEvent> = {
  print: (q) => {
    const out: unknown[] = [q.attempts, q.notBefore, q.state, q.lastError, q.files, q.files?.length];
    for (const row of q.files ?? []) {
      out.push(row);
      for (const k in row) out.push(k, (row as Record<string, unknown>)[k]);
      out.push(undefined);
    }
    return out;
  },
  same: (q, p) => {
    if (
      q.attempts !== p[0] ||
      q.notBefore !== p[1] ||
      q.state !== p[2] ||
      q.lastError !== p[3] ||
      q.files !== p[4] ||
      q.files?.length !== p[5]
    ) {
      return false;
    }
    if (!q.files || q.files.length === 0) return p.length === 6;
    let i = 6;
    for (const row of q.files) {
      if (p[i++] !== row) return false;
      for (const k in row) if (p[i++] !== k || p[i++] !== (row as Record<string, unknown>)[k]) return false;
      if (p[i++] !== undefined) return false;
    }
    return i === p.length;
  },
};

/**
 * What changed in an entry since `print` (days and chats, whose prints list the non-fixed fields in
 * the order of their rules: a value each, an `append` array as itself and its length): the changed
 * values, and for an array that only grew, its new items as `+field: [from, items]` (replayed by
 * cutting the array at `from` and appending: the same result however often it is applied).
 */
export function patchOf(
  rules: Record<string, FieldRule>,
  entry: object,
  print: Fingerprint,
): Record<string, unknown> {
  const e = entry as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  let i = 0;
  for (const [f, rule] of Object.entries(rules)) {
    if (rule === 'fixed') continue;
    const v = e[f];
    if (rule === 'append') {
      const before = print[i++];
      const length = print[i++] as number;
      if (v === before && Array.isArray(v) && v.length >= length) {
        if (v.length > length) patch[`+${f}`] = [length, v.slice(length)];
      } else patch[f] = v ?? null;
      continue;
    }
    if (rule === 'rows') throw new Error(`patchOf: rows field ${f} is not supported`);
    if (v !== print[i++]) patch[f] = v ?? null;
  }
  return patch;
}

/** Applies a patch made by `patchOf` (null stands for undefined, which JSON cannot carry). */
export function applyPatch(entry: object, patch: Record<string, unknown>): void {
  const e = entry as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('+')) {
      const f = k.slice(1);
      const [from, items] = v as [number, unknown[]];
      const arr = Array.isArray(e[f]) ? (e[f] as unknown[]) : (e[f] = []);
      arr.length = Math.min(arr.length, from);
      arr.push(...items);
    } else e[k] = v === null ? undefined : v;
  }
}
