/**
 * Do the two store engines make the same Zoho calls for the same workload? A live run cannot say
 * exactly: which messages share a sync run (and so whether a chat-day's Note is created once or
 * created then updated) depends on when each delivery arrived. So both engines get one identical
 * queue: the CRM prepared the same way (same seed), the connector stopped, the workload enqueued in
 * one order through the store's own intake path, the connector started; it syncs the queue in runs
 * of 2,000 in that order. Without attachments (a download finishing earlier or later would park a
 * message into another run). The calls by kind must be equal, and both CRMs verified, except the
 * reads of what changed in the CRM (`record_list`): each run pages through the records modified since
 * its cursor, our own creates and chat-link writes of the previous run included, and the cursor keeps
 * one second of overlap (If-Modified-Since has a one-second granularity), so how many of them fall in
 * the overlap depends on where the seconds fell. Those are reported, and each engine's must stay within
 * one page of 200 per record it wrote plus one per run.
 */
import { generateConversation, type ConversationOptions } from '../conversations.js';
import { queuedEvent } from '../../server/src/jobs/intake.js';
import { openStore } from '../../server/src/store/open.js';
import type { IntakeItem } from '../../server/src/store/store.js';
import { parseTimelinesWebhook } from '../../server/src/timelines/schema.js';
import { apiCalls, prepareCrm, total } from './crm.js';
import { fmt, machineLoad, type MachineLoad } from './measure.js';
import type { BenchOptions } from './options.js';
import type { Check, Rows } from './report.js';
import { Stack, type Engine } from './stack.js';
import { TIME_ZONE } from './syncPhase.js';
import { verifyCrm, type Verification } from './verify.js';
import { expectedOf, payloadsOf } from './workload.js';

export interface EngineCalls {
  engine: Engine;
  calls: Record<string, number>;
  total: number;
  syncSeconds: number;
  verification: Verification;
  load: MachineLoad;
}

export interface Comparison {
  messages: number;
  runs: EngineCalls[];
  equal: boolean;
  /** kinds whose counts differ: kind → [document, postgres] */
  differences: Record<string, [number, number]>;
}

/** Reads of what changed since the cursor: their pages depend on where the seconds fell (above). */
const TIMING_DEPENDENT = 'record_list';

/**
 * One read a run (runs of 2,000 messages), a page per 200 records written (at most 100 a write call),
 * and a partly filled last page a run.
 */
function changeReadsBound(r: EngineCalls, messages: number): number {
  const runs = Math.ceil(messages / 2000);
  const written = (r.calls.record_create ?? 0) * 100 + (r.calls.record_update ?? 0) * 100;
  return runs + Math.ceil(written / 200) + runs;
}

export async function compareEngines(o: BenchOptions, pgUrl: string): Promise<Comparison> {
  const runs: EngineCalls[] = [];
  for (const engine of ['document', 'postgres'] as const) {
    console.log(`Calls on one identical queue: ${engine} …`);
    runs.push(await settledRun(o, engine, pgUrl));
  }
  const [a, b] = runs as [EngineCalls, EngineCalls];
  const differences: Record<string, [number, number]> = {};
  for (const k of new Set([...Object.keys(a.calls), ...Object.keys(b.calls)]))
    if (k !== TIMING_DEPENDENT && (a.calls[k] ?? 0) !== (b.calls[k] ?? 0))
      differences[k] = [a.calls[k] ?? 0, b.calls[k] ?? 0];
  return {
    messages: o.conversation.messages,
    runs,
    equal: Object.keys(differences).length === 0,
    differences,
  };
}

async function settledRun(o: BenchOptions, engine: Engine, pgUrl: string): Promise<EngineCalls> {
  const stack = await Stack.start({
    engine,
    pgServerUrl: pgUrl,
    latencyMs: o.latencyMs,
    cap: o.cap,
    compiledDir: o.compiledDir,
  });
  try {
    const conv: ConversationOptions = {
      ...o.conversation,
      attachmentRate: 0,
      filesBaseUrl: stack.emulator.filesUrl,
    };
    const crm = await prepareCrm(stack, generateConversation(conv).chats, {
      records: o.records,
      matchRate: o.matchRate,
      seed: o.conversation.seed ?? 42,
      encryptPhone: o.encryptPhone,
    });
    await stack.stopConnector();
    const { payloads } = payloadsOf(conv, '');
    await enqueueInOrder(stack, payloads);
    await stack.emulator.call({ cmd: 'controls', latencyMs: o.latencyMs, concurrencyCap: o.cap });
    await stack.emulator.call({ cmd: 'resetStats' });
    const t0 = Date.now();
    await stack.startConnector();
    const syncedAt = await stack.waitSynced(20 * 60_000);
    const calls = apiCalls(await stack.emulator.call({ cmd: 'stats' }));
    const dump = await stack.emulator.call({ cmd: 'dump', module: 'Contacts' });
    return {
      engine,
      calls,
      total: total(calls),
      syncSeconds: (syncedAt - t0) / 1000,
      verification: verifyCrm(dump, expectedOf(payloads, TIME_ZONE), crm.truth),
      load: machineLoad(),
    };
  } finally {
    await stack.close();
  }
}

/** The workload into the stopped connector's store, in delivery order, as the intake stores it. */
async function enqueueInOrder(stack: Stack, payloads: ReturnType<typeof payloadsOf>['payloads']) {
  const store = await openStore({ dataFile: stack.dataFile, databaseUrl: stack.db?.url });
  try {
    const wsId = stack.session!.workspaceId;
    const items: IntakeItem[] = [];
    for (const p of payloads) {
      const parsed = parseTimelinesWebhook(p);
      if (!parsed.ok || parsed.event.kind !== 'message')
        throw new Error('the workload holds an invalid payload');
      if (parsed.event.chat.isGroup) continue; // skipped at intake: never queued, never synced
      items.push({
        workspaceId: wsId,
        messageId: parsed.event.messageId,
        event: queuedEvent(wsId, parsed.event),
      });
    }
    // One call per slice, in order: the queue's order is the delivery order on both engines.
    for (let i = 0; i < items.length; i += 500) await store.queue.enqueue(items.slice(i, i + 500));
  } finally {
    await store.close();
  }
}

export function compareRows(c: Comparison): Rows {
  const rows: Rows = [
    [
      `Zoho calls on one identical queue (${fmt(c.messages)} messages, no attachments, connector started on it)`,
      '',
    ],
  ];
  for (const r of c.runs)
    rows.push([
      r.engine,
      `${fmt(r.total)} calls (${Object.entries(r.calls)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}), synced in ${fmt(r.syncSeconds, 1)} s; ${r.verification.ok ? 'CRM verified' : 'CRM FAILED'}; load ${r.load.load1.toFixed(2)}`,
    ]);
  rows.push([
    'equal',
    c.equal
      ? `yes, kind by kind (reads of changes: ${c.runs.map((r) => `${r.engine} ${r.calls[TIMING_DEPENDENT] ?? 0}`).join(', ')}; timing-dependent, bounded)`
      : `NO: ${JSON.stringify(c.differences)}`,
  ]);
  return rows;
}

export function compareChecks(c: Comparison): Check[] {
  return [
    {
      name: 'Zoho calls equal on both engines',
      ok:
        c.equal &&
        c.runs.every(
          (r) => r.verification.ok && (r.calls[TIMING_DEPENDENT] ?? 0) <= changeReadsBound(r, c.messages),
        ),
      detail: c.equal
        ? `${c.runs.map((r) => `${r.engine} ${r.total}`).join(', ')}`
        : `differ: ${JSON.stringify(c.differences)}`,
      kind: 'correctness',
    },
  ];
}
