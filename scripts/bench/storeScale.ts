/**
 * `--store-scale`: intake and memory with N synced messages already stored (10k, 100k, 1M). For each
 * N, on a fresh stack: connect and activate, stop the connector, fill the store (fill.ts), start the
 * connector on it, then the intake run (autocannon, 2,000 chats, new messages) while it syncs. The
 * connector's RSS is sampled all along; PostgreSQL keeps the history in the database, so its RSS
 * should not grow with N, while the document engine holds its state in memory.
 */
import { fillStore, type Filled } from './fill.js';
import { intakePhase, type IntakePhase } from './intakePhase.js';
import { fmt, loadText, MB, rssOf } from './measure.js';
import type { BenchOptions } from './options.js';
import type { Check, Rows } from './report.js';
import { benchStack, type Engine } from './stack.js';

export interface ScaleRow {
  stored: number;
  filled: Filled;
  storeBytes: number;
  /** the connector's start on the filled store: seconds to ready, RSS once started and idle */
  startSeconds: number;
  idleRssMb: number;
  intake: IntakePhase;
}

export interface ScaleRun {
  engine: Engine;
  rows: ScaleRow[];
}

export async function storeScale(o: BenchOptions, pgUrl: string | undefined): Promise<ScaleRun> {
  const rows: ScaleRow[] = [];
  for (const n of o.scales) {
    console.log(`Store scale (${o.store}): ${fmt(n)} stored messages …`);
    const stack = await benchStack(o, pgUrl);
    try {
      await stack.configure();
      await stack.activate();
      await stack.emulator.call({ cmd: 'controls', latencyMs: o.latencyMs, concurrencyCap: o.cap });
      await stack.stopConnector();
      const filled = await fillStore(stack, stack.session!.workspaceId, n);
      const storeBytes = await stack.storeBytes();
      const t0 = Date.now();
      await stack.startConnector();
      const startSeconds = (Date.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 3000)); // settled: start-up garbage collected or not
      const idleRssMb = (rssOf(stack.pid) ?? 0) / MB;
      const intake = await intakePhase(stack, {
        conversation: {
          chats: 2000,
          messages: Math.max(20_000, o.intakeSeconds * 4000),
          days: 2,
          attachmentRate: 0,
          groupRate: 0.1,
          renameRate: 0,
          redeliveryRate: 0,
          filesBaseUrl: stack.emulator.filesUrl,
          seed: 7,
        },
        connections: o.connections,
        seconds: o.intakeSeconds,
        prefix: 's',
      });
      if (o.profile) await stack.stopConnector();
      rows.push({ stored: n, filled, storeBytes, startSeconds, idleRssMb, intake });
      console.log(
        `  ${fmt(n)} stored (${fmt(filled.chatDays)} chat-days, filled in ${fmt(filled.seconds, 1)} s): store ${fmt(storeBytes / MB, 1)} MB, start ${fmt(startSeconds, 1)} s, idle RSS ${fmt(idleRssMb)} MB; intake ${fmt(intake.result.requestsPerSec)}/s p99 ${fmt(intake.result.latencyMs.p99)} ms, RSS peak ${fmt(intake.process.peakRssMb)} MB; ${loadText(intake.process.loadBefore)}`,
      );
    } finally {
      await stack.close();
    }
  }
  return { engine: o.store, rows };
}

export function scaleRows(s: ScaleRun): Rows {
  const rows: Rows = [[`Store scale (${s.engine}): intake while syncing with N messages stored`, '']];
  for (const r of s.rows) {
    const i = r.intake;
    rows.push([
      `${fmt(r.stored)} stored`,
      `${fmt(r.filled.chats)} chats, ${fmt(r.filled.chatDays)} chat-days, ${fmt(r.filled.receivedIds)} ids; store ${fmt(r.storeBytes / MB, 1)} MB; start ${fmt(r.startSeconds, 1)} s; RSS idle ${fmt(r.idleRssMb)} MB, during intake peak ${fmt(i.process.peakRssMb)} / mean ${fmt(i.process.meanRssMb)} MB; ${fmt(i.result.requestsPerSec)} req/s, p99 ${fmt(i.result.latencyMs.p99)} ms; ${i.durableMissing} of ${fmt(i.durableChecked)} acks missing; ${loadText(i.process.loadBefore)}`,
    ]);
  }
  const first = s.rows[0];
  const last = s.rows[s.rows.length - 1];
  if (first && last && last !== first)
    rows.push([
      'RSS growth',
      `peak during intake ×${fmt(last.intake.process.peakRssMb / first.intake.process.peakRssMb, 2)} from ${fmt(first.stored)} to ${fmt(last.stored)} stored`,
    ]);
  return rows;
}

export function scaleChecks(s: ScaleRun): Check[] {
  const checks: Check[] = s.rows.map((r) => ({
    name: `every acknowledged message durable (${fmt(r.stored)} stored)`,
    ok: r.intake.durableMissing === 0,
    detail: `${r.intake.durableMissing} missing of ${r.intake.durableChecked}`,
    kind: 'correctness',
  }));
  const first = s.rows[0];
  const last = s.rows[s.rows.length - 1];
  if (s.engine === 'postgres' && first && last && last.stored >= 100 * first.stored) {
    const ratio = last.intake.process.peakRssMb / first.intake.process.peakRssMb;
    checks.push({
      name: `RSS at ${fmt(last.stored)} stored ≤ 1.2× RSS at ${fmt(first.stored)}`,
      ok: ratio <= 1.2,
      detail: `×${ratio.toFixed(2)} (${fmt(first.intake.process.peakRssMb)} → ${fmt(last.intake.process.peakRssMb)} MB peak during intake)`,
      kind: 'goal',
    });
  }
  for (const r of s.rows)
    checks.push({
      name: `intake ≥ 1,500 webhooks/s (${fmt(r.stored)} stored)`,
      ok: r.intake.result.requestsPerSec >= 1500,
      detail: `${Math.round(r.intake.result.requestsPerSec)}/s, p99 ${r.intake.result.latencyMs.p99} ms; ${loadText(r.intake.process.loadBefore)}`,
      kind: 'goal',
    });
  return checks;
}
