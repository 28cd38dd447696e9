/**
 * The store notices every in-place change: for each changeable field of the entry types (the lists in
 * changes.ts, complete by compilation), changing it alone makes the entry's fingerprint differ.
 */
import { describe, expect, it } from 'vitest';
import {
  CHAT_FIELDS,
  DAY_FIELDS,
  QUEUE_FIELDS,
  applyPatch,
  chatChanges,
  dayChanges,
  patchOf,
  queueChanges,
  type FieldRule,
  type Fingerprinter,
} from '../../server/src/store/changes.js';
import type { ChatLink, DayNote, QueuedEvent } from '../../server/src/store/schema.js';

const day = (): DayNote => ({
  key: 'w:c:2026-01-01',
  workspaceId: 'w',
  chatId: 'c',
  day: '2026-01-01',
  noteId: '1',
  createIntentAt: undefined,
  title: 't',
  lines: [{ messageId: 'm', sentAt: 's', author: 'a', text: 'x', attachmentNames: [] }],
  prunedLines: 0,
  dirty: false,
  updatedAt: 'u',
});

const chat = (): ChatLink => ({
  workspaceId: 'w',
  chatId: 'c',
  e164: '+14155550123',
  recordId: '1',
  module: 'Contacts',
  createdByUs: true,
  lastWrittenName: 'n',
  chatName: 'n',
  chatUrl: 'u',
  createIntentAt: undefined,
  humanEditedName: false,
  lastSyncedAt: undefined,
});

const queued = (): QueuedEvent => ({
  key: 'w:m',
  workspaceId: 'w',
  receivedAt: 'r',
  event: {} as QueuedEvent['event'],
  attempts: 0,
  notBefore: 0,
  state: 'pending',
  lastError: undefined,
  files: [{ localPath: 'p', size: 1 }],
});

/** Every way a field of the given rule can change. */
function mutations(rule: FieldRule, value: unknown): ((e: Record<string, unknown>, f: string) => void)[] {
  const set = (v: unknown) => (e: Record<string, unknown>, f: string) => {
    e[f] = v;
  };
  switch (rule) {
    case 'value':
      return [
        set(
          typeof value === 'number'
            ? value + 1
            : typeof value === 'boolean'
              ? !value
              : value === undefined
                ? 'now set'
                : undefined,
        ),
      ];
    case 'append':
      return [(e, f) => (e[f] as unknown[]).push({}), set([])];
    case 'rows':
      return [
        (e, f) => (e[f] as unknown[]).push({}),
        set([]),
        (e, f) => ((e[f] as Record<string, unknown>[])[0]!.uploadedId = 'att-1'),
        (e, f) => ((e[f] as Record<string, unknown>[])[0]!.size = 2),
      ];
    case 'fixed':
      return [];
  }
}

function check<T extends object>(
  name: string,
  rules: Record<string, FieldRule>,
  make: () => T,
  fp: Fingerprinter<T>,
): void {
  describe(name, () => {
    it('says unchanged when nothing changed', () => {
      const e = make();
      expect(fp.same(e, fp.print(e))).toBe(true);
    });
    for (const [field, rule] of Object.entries(rules)) {
      if (rule === 'fixed') continue;
      it(`notices a change of ${field} (${rule})`, () => {
        for (const mutate of mutations(rule, (make() as Record<string, unknown>)[field])) {
          const e = make();
          const before = fp.print(e);
          mutate(e as Record<string, unknown>, field);
          expect(fp.same(e, before)).toBe(false);
        }
      });
    }
  });
}

function patches<T extends object>(
  name: string,
  rules: Record<string, FieldRule>,
  make: () => T,
  fp: Fingerprinter<T>,
): void {
  it(`${name}: a patch brings the entry as last written to what it is now, also when applied twice`, () => {
    for (const [field, rule] of Object.entries(rules)) {
      for (const mutate of mutations(rule, (make() as Record<string, unknown>)[field])) {
        const e = make();
        const before = fp.print(e);
        const written = JSON.parse(JSON.stringify(e)) as T;
        mutate(e as Record<string, unknown>, field);
        const patch = JSON.parse(JSON.stringify(patchOf(rules, e, before))) as Record<string, unknown>;
        applyPatch(written, patch);
        applyPatch(written, patch);
        expect(JSON.parse(JSON.stringify(written)), field).toEqual(JSON.parse(JSON.stringify(e)));
      }
    }
  });
}

describe('store change detection', () => {
  patches('chat-days', DAY_FIELDS, day, dayChanges);
  patches('chat links', CHAT_FIELDS, chat, chatChanges);
  check('chat-days', DAY_FIELDS, day, dayChanges);
  check('chat links', CHAT_FIELDS, chat, chatChanges);
  check('queued events', QUEUE_FIELDS, queued, queueChanges);
});
