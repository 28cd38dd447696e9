/**
 * Steady state: what one sync run costs beyond its own writes, one message at a time (each its own
 * run, after the flush window). Three kinds of run, in turn:
 * - `known`: a chat linked before: no lookup, so nothing but the Note write;
 * - `matched`: a new chat whose number a record in the CRM holds: one incremental read of what
 *   changed since the last run (the records list with If-Modified-Since), the chat link written;
 * - `new`: a new chat no record holds: the same read, then the record created.
 * "Extra" calls are those that write nothing the run had to write: the incremental read, the
 * deletions read (at most every 5 minutes), metadata reads. The goal: at most one per run.
 */
import { message } from '../../test/helpers/messages.js';
import { until } from '../../test/helpers/connectorProcess.js';
import { apiCalls, diff, total } from './crm.js';
import type { Stack } from './stack.js';
import type { Expected } from './workload.js';
import { TIME_ZONE } from './syncPhase.js';
import { localDay } from '../../server/src/sync/dayGrouping.js';

/** Calls a run makes because of its messages (the rest is extra). */
const WORK = new Set(['note_create', 'note_update', 'record_create', 'record_update', 'attachment']);

export type RunKind = 'known' | 'matched' | 'new';

export interface SteadyRun {
  kind: RunKind;
  calls: Record<string, number>;
  extra: Record<string, number>;
  extraCalls: number;
}

export interface SteadyPhase {
  runs: SteadyRun[];
  /** per kind: runs, extra calls at most and in total */
  byKind: Record<RunKind, { runs: number; maxExtra: number; extra: number; incrementalReads: number }>;
  /** extra calls of a run at most, the deletions read aside (it happens at most every 5 minutes) */
  maxExtraPerRun: number;
  deletedReads: number;
  seconds: number;
}

export interface SteadyInput {
  /** chats linked by the sync phase, with their current WhatsApp name (another name would be a rename) */
  knownChats: { chatId: string; phone: string; name: string }[];
  /** records holding a number no chat had yet */
  spares: { e164: string; recordId: string }[];
  /** numbers no record holds (unheldNumbers) */
  unheld: string[];
  perKind: number;
}

export async function steadyPhase(
  stack: Stack,
  input: SteadyInput,
): Promise<{ phase: SteadyPhase; expected: Expected[]; matched: Map<string, string> }> {
  const t0 = Date.now();
  const runs: SteadyRun[] = [];
  const expected: Expected[] = [];
  const matched = new Map<string, string>();
  const kinds: RunKind[] = ['known', 'matched', 'new'];
  for (let i = 0; i < input.perKind * kinds.length; i++) {
    const kind = kinds[i % kinds.length]!;
    const k = Math.floor(i / kinds.length);
    const chat = chatFor(kind, k, input);
    if (chat.recordId) matched.set(chat.chatId, chat.recordId);
    const tag = `steady-${i}`;
    const sentAt = new Date();
    const body = message({
      chatId: Number(chat.chatId),
      phone: chat.phone,
      name: chat.name ?? `Steady ${kind} ${k}`,
      uid: tag,
      text: `Steady-state message (#${tag})`,
      timestamp: timelinesTime(sentAt),
    });
    expected.push({
      messageId: tag,
      tag,
      chatId: chat.chatId,
      phone: chat.phone,
      isGroup: false,
      day: localDay(sentAt.toISOString(), TIME_ZONE),
      attachment: false,
    });
    const before = apiCalls(await stack.emulator.call({ cmd: 'stats' }));
    const res = await fetch(stack.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`steady-state webhook answered ${res.status}`);
    await until('the steady-state message in its Note', async () => {
      const seen = await stack.emulator.call({ cmd: 'tagsSeen' });
      if (seen[tag] === undefined || (await stack.queueDepth()) > 0) return undefined;
      return (await stack.emulator.call({ cmd: 'inflight' })) === 0 ? true : undefined;
    });
    const calls = diff(apiCalls(await stack.emulator.call({ cmd: 'stats' })), before);
    const extra = Object.fromEntries(Object.entries(calls).filter(([kind]) => !WORK.has(kind)));
    runs.push({ kind, calls, extra, extraCalls: total(extra) });
  }
  return { phase: summarise(runs, (Date.now() - t0) / 1000), expected, matched };
}

function chatFor(
  kind: RunKind,
  k: number,
  input: SteadyInput,
): { chatId: string; phone: string; name?: string; recordId?: string } {
  if (kind === 'known') return input.knownChats[k % input.knownChats.length]!;
  const spare = kind === 'matched' ? input.spares[k] : undefined;
  const phone = kind === 'matched' ? spare?.e164 : input.unheld[k];
  if (!phone) throw new Error(`not enough numbers for the steady-state phase's ${kind} chats`);
  return { chatId: String((kind === 'matched' ? 800000 : 900000) + k), phone, recordId: spare?.recordId };
}

function summarise(runs: SteadyRun[], seconds: number): SteadyPhase {
  const byKind = {} as SteadyPhase['byKind'];
  let deletedReads = 0;
  let maxExtraPerRun = 0;
  for (const r of runs) {
    const b = (byKind[r.kind] ??= { runs: 0, maxExtra: 0, extra: 0, incrementalReads: 0 });
    b.runs += 1;
    b.extra += r.extraCalls;
    b.maxExtra = Math.max(b.maxExtra, r.extraCalls);
    b.incrementalReads += r.extra.record_list ?? 0;
    deletedReads += r.extra.deleted_list ?? 0;
    maxExtraPerRun = Math.max(maxExtraPerRun, r.extraCalls - (r.extra.deleted_list ?? 0));
  }
  return { runs, byKind, maxExtraPerRun, deletedReads, seconds };
}

/** TimelinesAI's `YYYY-MM-DD HH:mm:ss +0000`. */
function timelinesTime(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000`;
}
