/**
 * The intake phase: autocannon (a child process) posts new messages in the same chats at a fixed
 * number of connections for a fixed time, each request a different message, while the connector
 * syncs them. Then every message answered 200 is looked for in the store as a restart would read it,
 * the queue drains, and the CRM is verified again with these messages in it.
 */
import type { ConversationOptions } from '../conversations.js';
import { apiCalls, total } from './crm.js';
import { missingFromStore } from './durability.js';
import { runIntake, type IntakeResult } from './load.js';
import { probeCpuSplit, probeProcess, type CpuSplit, type ProcessStats } from './measure.js';
import type { Stack } from './stack.js';
import { TIME_ZONE } from './syncPhase.js';
import { verifyCrm, type CrmTruth, type Verification } from './verify.js';
import { expectedOf, payloadsOf, type Expected } from './workload.js';

export interface IntakePhase {
  connections: number;
  seconds: number;
  result: Omit<IntakeResult, 'acked'> & { acked: number };
  process: ProcessStats;
  /** connector CPU per request (µs), worker and downloads included */
  cpuUsPerRequest: number;
  /** the machine's CPU during the load, by process (connector, PostgreSQL, load generator, emulator) */
  cpu: CpuSplit;
  /** the connector's event-loop delay p99 over the load (prom-client's sampler, ms) */
  eventLoopP99Ms: number | undefined;
  durableChecked: number;
  durableMissing: number;
  syncedAfterSeconds: number;
  calls: number;
  storeBytes: number;
  verification: Verification | undefined;
}

export interface IntakeInput {
  conversation: ConversationOptions;
  connections: number;
  seconds: number;
  /** what the CRM must hold besides this phase's messages (undefined: no CRM check) */
  earlier?: { expected: Expected[]; truth: CrmTruth } | undefined;
  prefix?: string;
}

export async function intakePhase(stack: Stack, input: IntakeInput): Promise<IntakePhase> {
  const prefix = input.prefix ?? 'i';
  let probe: ReturnType<typeof probeProcess> | undefined;
  let split: ReturnType<typeof probeCpuSplit> | undefined;
  let processStats: ProcessStats | undefined;
  let cpu: CpuSplit | undefined;
  const before = apiCalls(await stack.emulator.call({ cmd: 'stats' }));
  const result = await runIntake(
    {
      webhookUrl: stack.webhookUrl,
      conversation: input.conversation,
      prefix,
      connections: input.connections,
      seconds: input.seconds,
    },
    stack.dir,
    async (loadPid) => {
      await eventLoopP99(stack); // resets the sampler: the next reading covers the load only
      probe = probeProcess(stack.pid);
      split = probeCpuSplit({
        connector: (pid) => pid === stack.pid,
        postgres: (_pid, comm) => comm === 'postgres',
        'load generator': (pid) => pid === loadPid,
        'Zoho emulator': (pid) => pid === stack.emulator.pid,
        benchmark: (pid) => pid === process.pid,
      });
    },
    () => {
      processStats = probe!.stop();
      cpu = split!.stop();
    },
  );
  const loopP99 = await eventLoopP99(stack);
  const missing = await missingFromStore(stack, stack.session!.workspaceId, result.acked);
  const syncedAt = await stack.waitSynced(20 * 60_000);
  const calls = total(apiCalls(await stack.emulator.call({ cmd: 'stats' }))) - total(before);
  let verification: Verification | undefined;
  if (input.earlier) {
    const acked = new Set(result.acked);
    const { payloads } = payloadsOf(input.conversation, prefix);
    const sent = payloads.slice(0, Math.min(result.started, payloads.length));
    const mine = expectedOf(sent, TIME_ZONE).map((e) =>
      acked.has(e.messageId) ? e : { ...e, optional: true },
    );
    const dump = await stack.emulator.call({ cmd: 'dump', module: 'Contacts' });
    verification = verifyCrm(dump, [...input.earlier.expected, ...mine], input.earlier.truth);
  }
  const { acked, ...summary } = result;
  if (!processStats || !cpu) throw new Error('the load generator ended without saying so');
  return {
    connections: input.connections,
    seconds: input.seconds,
    result: { ...summary, acked: acked.length },
    process: processStats,
    cpuUsPerRequest: (processStats.cpuMs * 1000) / Math.max(1, result.requests),
    cpu,
    eventLoopP99Ms: loopP99,
    durableChecked: acked.length,
    durableMissing: missing,
    syncedAfterSeconds: (syncedAt - result.endedAt) / 1000,
    calls,
    storeBytes: await stack.storeBytes(),
    verification,
  };
}

/** prom-client's event-loop delay p99 since the previous scrape (it resets its sampler on each). */
async function eventLoopP99(stack: Stack): Promise<number | undefined> {
  const m = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(await stack.metricsText());
  return m ? Number(m[1]) * 1000 : undefined;
}
