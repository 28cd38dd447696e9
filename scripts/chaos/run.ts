/**
 * One chaos run: the benchmark's workload (pre-existing records typed every way, an encrypted Phone,
 * attachments, group chats, renames, redeliveries) delivered at a steady pace to a connector child
 * process, each delivery retried until answered 200 (as TimelinesAI retries), while Zoho answers 20 %
 * of the calls 429/5xx with latency spikes, access tokens expire, the connector is SIGKILLed twice and
 * the data disk is full for a few seconds. Then the faults stop, the queue drains, and the CRM is
 * judged (verdict.ts).
 */
import { generateConversation, type ConversationOptions } from '../conversations.js';
import { prepareCrm } from '../bench/crm.js';
import { runSend, type SendResult } from '../bench/load.js';
import { machineLoad, type MachineLoad } from '../bench/measure.js';
import { Stack, type Engine } from '../bench/stack.js';
import { TIME_ZONE } from '../bench/syncPhase.js';
import { expectedOf, payloadsOf } from '../bench/workload.js';
import { mountDataDisk, unfillableDisk } from './disk.js';
import { planFaults, runFaults, type FaultLog, type FaultPlan } from './faults.js';
import { verdictOf, type Verdict } from './verdict.js';

export interface ChaosOptions {
  engine: Engine;
  pgServerUrl: string | undefined;
  messages: number;
  chats: number;
  records: number;
  ratePerSec: number;
  failureRate: number;
  seed: number;
  /** how long the queue may take to drain once the faults stop */
  drainTimeoutMs: number;
}

export interface ChaosResult {
  options: ChaosOptions;
  plan: FaultPlan;
  faults: FaultLog;
  /** Zoho calls while the faults were on (sending) and in all (the drain included) */
  zoho: {
    faultyCalls: number;
    injected: number;
    calls: number;
    throttled: number;
    tokenRefreshes: number;
  };
  send: Omit<SendResult, 'acks'>;
  drainSeconds: number;
  verdict: Verdict;
  loadBefore: MachineLoad;
  loadAfter: MachineLoad;
}

export async function chaosRun(o: ChaosOptions): Promise<ChaosResult> {
  const loadBefore = machineLoad();
  // The PostgreSQL engine keeps its data in the database: its folder holds nothing to fill.
  const disk =
    o.engine === 'document'
      ? mountDataDisk(64)
      : unfillableDisk(
          "the postgres engine keeps its data in the database, not in the data folder (PostgreSQL's own disk is not filled)",
        );
  const stack = await Stack.start({
    engine: o.engine,
    pgServerUrl: o.pgServerUrl,
    latencyMs: 50,
    cap: 10,
    flushWindowMs: '500',
    dataDir: disk.dir,
    // A killed process's lease (PostgreSQL) blocks its workspace until it expires.
    env: { WORKSPACE_LEASE_MS: '3000', LOG_LEVEL: 'error' },
  });
  try {
    const conv: ConversationOptions = {
      chats: o.chats,
      messages: o.messages,
      days: 3,
      attachmentRate: 0.05,
      groupRate: 0.1,
      renameRate: 0.2,
      redeliveryRate: 0.05,
      filesBaseUrl: stack.emulator.filesUrl,
      seed: o.seed,
    };
    const crm = await prepareCrm(stack, generateConversation(conv).chats, {
      records: o.records,
      matchRate: 0.3,
      seed: o.seed,
      encryptPhone: true,
    });
    const emu = stack.emulator;
    await emu.call({
      cmd: 'controls',
      latencyMs: 50,
      concurrencyCap: 10,
      randomFaults: {
        failureRate: o.failureRate,
        statuses: [429, 500, 502, 503],
        spikeRate: 0.05,
        spikeMs: 2000,
        seed: o.seed,
      },
    });
    await emu.call({ cmd: 'resetStats' });
    const windowMs = (o.messages / o.ratePerSec) * 1000;
    const plan = planFaults(o.seed, windowMs);
    const startedAt = Date.now();
    const sending = runSend(
      {
        webhookUrls: [stack.webhookUrl],
        conversation: conv,
        prefix: '',
        concurrency: 8,
        ratePerSec: o.ratePerSec,
        retryUntilAcked: true,
        deadlineMs: windowMs + 10 * 60_000,
      },
      stack.dir,
    );
    const faults = await runFaults(stack, disk, plan, startedAt, sending);
    const send = await sending;
    await emu.call({ cmd: 'controls', randomFaults: null });
    const faulty = await emu.call({ cmd: 'stats' });
    const t = Date.now();
    await stack.waitSynced(o.drainTimeoutMs);
    const drainSeconds = (Date.now() - t) / 1000;
    const stats = await emu.call({ cmd: 'stats' });
    const { payloads } = payloadsOf(conv, '');
    const dump = await emu.call({ cmd: 'dump', module: 'Contacts' });
    const verdict = verdictOf(
      dump,
      expectedOf(payloads, TIME_ZONE),
      send.acks,
      crm.truth,
      send.unacknowledged,
    );
    const { acks: _a, ...sendSummary } = send;
    const answered = (s: Record<string, number>) =>
      Object.entries(s)
        .filter(([k]) => !['throttled', 'token', 'tokenRefreshes'].includes(k))
        .reduce((a, [, v]) => a + v, 0);
    return {
      options: o,
      plan,
      faults,
      zoho: {
        faultyCalls: answered(faulty),
        calls: answered(stats),
        injected: stats.injected ?? 0,
        throttled: stats.throttled ?? 0,
        tokenRefreshes: stats.tokenRefreshes ?? 0,
      },
      send: sendSummary,
      drainSeconds,
      verdict,
      loadBefore,
      loadAfter: machineLoad(),
    };
  } finally {
    await stack.close();
    disk.unmount();
  }
}
