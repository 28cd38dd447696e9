/**
 * A chaos run's verdict, from the CRM as the emulator holds it once everything is synced:
 * - acknowledged: 1:1 messages whose delivery was answered 200 (group messages are counted apart:
 *   acknowledged, never synced);
 * - synced: acknowledged messages found in exactly one Note, exactly once;
 * - lost: acknowledged messages in no Note;
 * - duplicated: messages found twice (in two Notes, or twice in one), plus every second record made
 *   for one chat (or a record made for a number a record held).
 * Misplaced messages (wrong record or day), duplicate Notes of a chat-day and attachment mismatches
 * come from the benchmark's full verification and are reported beside it.
 */
import type { EmulatorDump } from '../../test/helpers/emulatorProcess.js';
import { verifyCrm, type CrmTruth } from '../bench/verify.js';
import type { Expected } from '../bench/workload.js';

export interface Verdict {
  acknowledged: number;
  groupAcknowledged: number;
  synced: number;
  lost: number;
  duplicatedMessages: number;
  duplicateRecords: number;
  duplicated: number;
  /** deliveries the sender gave up on (never answered 200): not acknowledged, so not "lost" */
  unacknowledged: number;
  /** the full verification's other findings (wrong record or day, Notes, attachments) */
  otherProblems: Record<string, number>;
  examples: string[];
  ok: boolean;
}

const TAGS = /\(#([^)]+)\)/g;
const COUNTED_HERE = new Set([
  'message in no Note',
  'message in more than one Note (or twice in one)',
  'record created for a number a record held',
  'second record for a chat',
]);

export function verdictOf(
  dump: EmulatorDump,
  expected: Expected[],
  acks: Record<string, number>,
  truth: CrmTruth,
  unacknowledged: number,
): Verdict {
  const occurrences = new Map<string, number>();
  for (const n of dump.notes)
    for (const m of n.content.matchAll(TAGS)) occurrences.set(m[1]!, (occurrences.get(m[1]!) ?? 0) + 1);
  const acked = expected.filter((e) => acks[e.messageId] !== undefined);
  const oneToOne = acked.filter((e) => !e.isGroup);
  const count = (e: Expected) => occurrences.get(e.tag) ?? 0;
  const lost = oneToOne.filter((e) => count(e) === 0);
  const twice = expected.filter((e) => count(e) > 1);
  // Only acknowledged messages are owed; one sent but never acknowledged may be stored or not.
  const full = verifyCrm(
    dump,
    expected.map((e) => (acks[e.messageId] === undefined ? { ...e, optional: true } : e)),
    truth,
  );
  const otherProblems = Object.fromEntries(
    Object.entries(full.problems).filter(([k]) => !COUNTED_HERE.has(k)),
  );
  const duplicated = twice.length + full.duplicateRecords;
  return {
    acknowledged: oneToOne.length,
    groupAcknowledged: acked.length - oneToOne.length,
    synced: oneToOne.filter((e) => count(e) === 1).length,
    lost: lost.length,
    duplicatedMessages: twice.length,
    duplicateRecords: full.duplicateRecords,
    duplicated,
    unacknowledged,
    otherProblems,
    examples: [
      ...lost.slice(0, 5).map((e) => `lost: ${e.messageId}`),
      ...twice.slice(0, 5).map((e) => `twice: ${e.messageId} ×${count(e)}`),
      ...full.examples.filter((x) => !COUNTED_HERE.has(x.slice(0, x.indexOf(':')))).slice(0, 5),
    ],
    ok: lost.length === 0 && duplicated === 0 && Object.keys(otherProblems).length === 0,
  };
}
