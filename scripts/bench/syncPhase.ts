/**
 * The sync phase: the generated workload (attachments, group chats, renames, redeliveries) goes
 * through the real webhook endpoint over HTTP from a child process while the connector syncs; once
 * the queue is empty the CRM is verified against the workload. Zoho calls are counted by the emulator
 * (by kind) and cross-checked with the connector's own count; the index build's calls join the total.
 */
import type { ConversationOptions } from '../conversations.js';
import { apiCalls, diff, total, type PreparedCrm } from './crm.js';
import { runSend, type SendResult } from './load.js';
import { percentile, probeProcess, type ProcessStats } from './measure.js';
import type { Stack } from './stack.js';
import { verifyCrm, type Verification } from './verify.js';
import { boundsOf, expectedOf, payloadsOf, type Bounds, type Expected } from './workload.js';

export interface SyncPhase {
  workload: ConversationOptions & { deliveries: number };
  bounds: Bounds;
  /** the workload's calls by kind (emulator count), without the index build */
  calls: Record<string, number>;
  /** the index build's calls (COQL pages, the count), counted in `totalCalls` and in the bound */
  buildCalls: Record<string, number>;
  totalCalls: number;
  /** what the connector counted (every request it sent, those answered 429 included) */
  connectorCalls: Record<string, number>;
  throttled: number;
  ratioToLowerBound: number;
  baselineOverCalls: number;
  seconds: number;
  messagesPerSec: number;
  /** webhook answered 200 → its message first in a Note written to the CRM */
  latencyMs: { p50: number; p99: number; max: number; count: number };
  send: Omit<SendResult, 'acks'>;
  process: ProcessStats;
  storeBytes: number;
  verification: Verification;
}

export const TIME_ZONE = 'Europe/Madrid'; // the sandbox org's

export async function syncPhase(
  stack: Stack,
  crm: PreparedCrm,
  o: ConversationOptions,
  senders: number,
): Promise<{ phase: SyncPhase; expected: Expected[] }> {
  const conv = payloadsOf(o, '');
  const expected = expectedOf(conv.payloads, TIME_ZONE);
  const bounds = boundsOf(expected, new Set(crm.truth.matched.keys()), crm.indexed);
  const emu = stack.emulator;
  await emu.call({ cmd: 'resetStats' });
  const connectorBefore = await stack.connectorCalls();
  const probe = probeProcess(stack.pid);
  const send = await runSend(
    { webhookUrls: [stack.webhookUrl], conversation: o, prefix: '', concurrency: senders },
    stack.dir,
  );
  const syncedAt = await stack.waitSynced(20 * 60_000);
  const processStats = probe.stop();
  const stats = await emu.call({ cmd: 'stats' });
  const calls = apiCalls(stats);
  const connectorCalls = diff(await stack.connectorCalls(), connectorBefore);
  const latencyMs = noteLatency(expected, send.acks, await emu.call({ cmd: 'tagsSeen' }));
  const verification = verifyCrm(await emu.call({ cmd: 'dump', module: 'Contacts' }), expected, crm.truth);
  const totalCalls = total(calls) + total(crm.buildCalls);
  const seconds = (syncedAt - send.startedAt) / 1000;
  const { acks: _acks, ...sendSummary } = send;
  return {
    expected,
    phase: {
      workload: { ...o, deliveries: conv.payloads.length },
      bounds,
      calls,
      buildCalls: crm.buildCalls,
      totalCalls,
      connectorCalls,
      throttled: stats.throttled ?? 0,
      ratioToLowerBound: totalCalls / bounds.lowerBound,
      baselineOverCalls: bounds.baseline / totalCalls,
      seconds,
      messagesPerSec: bounds.messages / seconds,
      latencyMs,
      send: sendSummary,
      process: processStats,
      storeBytes: await stack.storeBytes(),
      verification,
    },
  };
}

/** For each synced message: from the 200 of its first delivery to the first Note write holding it. */
export function noteLatency(
  expected: Expected[],
  acks: Record<string, number>,
  seen: Record<string, number>,
): SyncPhase['latencyMs'] {
  const lat: number[] = [];
  for (const e of expected) {
    if (e.isGroup) continue;
    const ack = acks[e.messageId];
    const at = seen[e.tag];
    if (ack !== undefined && at !== undefined) lat.push(Math.max(0, at - ack));
  }
  lat.sort((a, b) => a - b);
  return {
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat[lat.length - 1] ?? 0,
    count: lat.length,
  };
}
