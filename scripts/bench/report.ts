/** The benchmark's printed report: one table per phase, then every check with its verdict. */
import type { PreparedCrm } from './crm.js';
import { total } from './crm.js';
import type { IntakePhase } from './intakePhase.js';
import { fmt, loadText, type MachineLoad } from './measure.js';
import type { SteadyPhase } from './steadyPhase.js';
import type { SyncPhase } from './syncPhase.js';
import { LOWER_BOUND_FORMULA } from './workload.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** correctness (and deterministic call counts) fail the run; goals on speed and memory are reported */
  kind: 'correctness' | 'goal';
}

export type Rows = [string, string][];

export function table(rows: Rows): string {
  const w = Math.max(...rows.filter(([, v]) => v !== '').map(([k]) => k.length));
  return rows.map(([k, v]) => (v === '' ? `\n${k}` : `  ${k.padEnd(w)}  ${v}`)).join('\n');
}

const kinds = (c: Record<string, number>) =>
  Object.entries(c)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');

export function crmRows(crm: PreparedCrm, encrypted: boolean): Rows {
  const p = crm.plan;
  const n = (o: Record<string, number>) => Object.keys(o).length;
  return [
    ['CRM before activation', ''],
    [
      'records in Contacts',
      `${fmt(crm.indexed)} (${fmt(p.matchedChat.size)} hold a chat's number${encrypted ? '; Phone encrypted' : ''})`,
    ],
    [
      'spellings',
      `${n(p.formats)} formats over ${n(p.countries)} countries; of the matched: ${n(p.matchedFormats)} formats over ${n(p.matchedCountries)} countries (${Object.keys(p.matchedCountries).join(', ')})`,
    ],
    [
      'index build',
      `${fmt(total(crm.buildCalls))} calls (${kinds(crm.buildCalls)}; bound ⌈${fmt(crm.indexed)}/2,000⌉ + 2 = ${Math.ceil(crm.indexed / 2000) + 2}), ready ${fmt(crm.indexSeconds, 1)} s after activation`,
    ],
    ['other activation calls', kinds(crm.activationCalls)],
  ];
}

export function syncRows(s: SyncPhase): Rows {
  const b = s.bounds;
  const v = s.verification;
  return [
    [
      `Sync: ${fmt(s.workload.messages)} messages (${fmt(s.workload.deliveries)} deliveries), ${fmt(s.workload.chats)} chats, ${s.workload.days} days`,
      '',
    ],
    ['Zoho calls', `${fmt(s.totalCalls)} with the index build (${kinds(s.calls)})`],
    [
      'connector count',
      `${fmt(total(s.connectorCalls))} requests (${fmt(s.throttled)} answered 429 by the cap)`,
    ],
    [
      'lower bound',
      `${fmt(b.lowerBound)} = ${LOWER_BOUND_FORMULA} = ${b.indexBuild} + 1 + ⌈${b.created}/100⌉ + ⌈${b.matched}/100⌉ + ⌈${fmt(b.chatDays)}/100⌉ + ${fmt(b.attachments)}`,
    ],
    [
      'per-message baseline',
      `${fmt(b.baseline)} = 2 × ${fmt(b.messages)} messages (lookup + Note) + ${fmt(b.created)} creates`,
    ],
    ['calls / lower bound', `${fmt(s.ratioToLowerBound, 3)} (goal ≤ 1.3)`],
    ['baseline / calls', `${fmt(s.baselineOverCalls, 1)}× fewer (goal ≥ 10×)`],
    [
      'messages synced per second',
      `${fmt(s.messagesPerSec)} (${fmt(b.messages)} in ${fmt(s.seconds, 1)} s, first webhook to empty queue)`,
    ],
    [
      'webhook → Note',
      `p50 ${fmt(s.latencyMs.p50 / 1000, 2)} s, p99 ${fmt(s.latencyMs.p99 / 1000, 2)} s, max ${fmt(s.latencyMs.max / 1000, 2)} s (${fmt(s.latencyMs.count)} messages)`,
    ],
    [
      'webhook answers while syncing',
      `p50 ${fmt(s.send.latencyMs.p50, 1)} ms, p99 ${fmt(s.send.latencyMs.p99, 1)} ms (${kinds(s.send.outcomes)})`,
    ],
    ['connector RSS', `peak ${fmt(s.process.peakRssMb)} MB, mean ${fmt(s.process.meanRssMb)} MB`],
    ['store', `${fmt(s.storeBytes / 1024)} KiB after the sync`],
    ['machine', `${loadText(s.process.loadBefore)} → ${loadText(s.process.loadAfter)}`],
    [
      'verification',
      v.ok
        ? `OK: ${fmt(v.messages)} messages each in one Note of the right record and day, ${fmt(v.groupMessages)} group messages nowhere, ${fmt(v.matchedOnTheirRecord)} chats on the record holding their number, ${fmt(v.recordsCreated)} records created, ${v.duplicateRecords} duplicates, ${fmt(v.notes)} Notes, ${fmt(v.attachments)} attachments`
        : `FAILED: ${JSON.stringify(v.problems)}`,
    ],
  ];
}

export function steadyRows(s: SteadyPhase): Rows {
  const rows: Rows = [[`Steady state: one message a run, ${s.runs.length} runs`, '']];
  for (const [kind, b] of Object.entries(s.byKind))
    rows.push([
      `${kind} chat`,
      `${b.runs} runs: extra calls ${fmt(b.extra / b.runs, 2)} a run (at most ${b.maxExtra}), ${b.incrementalReads} incremental reads`,
    ]);
  rows.push(
    ['extra calls per run', `at most ${s.maxExtraPerRun} besides the deletions read (goal ≤ 1)`],
    ['deletions read', `${s.deletedReads} in ${fmt(s.seconds)} s (at most one per 5 minutes)`],
  );
  return rows;
}

export function intakeRows(i: IntakePhase, title: string): Rows {
  const r = i.result;
  return [
    [title, ''],
    ['requests per second', `${fmt(r.requestsPerSec)} (goal ≥ 1,500)`],
    [
      'latency',
      `p50 ${fmt(r.latencyMs.p50, 1)} ms, p90 ${fmt(r.latencyMs.p90, 1)} ms, p99 ${fmt(r.latencyMs.p99, 1)} ms, max ${fmt(r.latencyMs.max)} ms`,
    ],
    [
      'answers',
      `${fmt(r.requests)} requests, ${fmt(r.non2xx)} non-2xx, ${fmt(r.errors)} errors, ${fmt(r.timeouts)} timeouts`,
    ],
    [
      'connector CPU',
      `${fmt(i.cpuUsPerRequest)} µs a request (${fmt((100 * i.process.cpuMs) / i.process.wallMs)}% of one core, worker and downloads included); event-loop delay p99 ${i.eventLoopP99Ms === undefined ? '?' : fmt(i.eventLoopP99Ms, 1)} ms`,
    ],
    ['the two cores', cpuSplitText(i)],
    [
      'durability',
      `${fmt(i.durableChecked - i.durableMissing)} of ${fmt(i.durableChecked)} acknowledged messages in the store read back`,
    ],
    ['then synced in', `${fmt(i.syncedAfterSeconds, 1)} s after the load ended (${fmt(i.calls)} Zoho calls)`],
    ['connector RSS', `peak ${fmt(i.process.peakRssMb)} MB, mean ${fmt(i.process.meanRssMb)} MB`],
    ['store', `${fmt(i.storeBytes / 1024 / 1024, 1)} MB`],
    ['machine', `${loadText(i.process.loadBefore)} → ${loadText(i.process.loadAfter)}`],
    [
      'verification',
      i.verification === undefined
        ? 'not checked'
        : i.verification.ok
          ? `OK (${fmt(i.verification.messages)} messages)`
          : `FAILED: ${JSON.stringify(i.verification.problems)}`,
    ],
  ];
}

export function checkRows(checks: Check[]): Rows {
  return [
    ['Checks', ''],
    ...checks.map((c): [string, string] => [
      c.name,
      `${c.ok ? 'OK' : c.kind === 'goal' ? 'MISSED' : 'FAILED'}: ${c.detail}`,
    ]),
  ];
}

export function headerRows(
  engine: string,
  latencyMs: number,
  cap: number,
  load: MachineLoad,
  pg?: string,
): Rows {
  return [
    [`npm run bench (${new Date().toISOString()}, Node ${process.version})`, ''],
    ['store', `${engine}${pg ? ` (${pg})` : ''}`],
    ['Zoho (emulator)', `${latencyMs} ms a call, ${cap} concurrent calls per org (429 beyond)`],
    ['machine at start', loadText(load)],
  ];
}

/** µs of CPU a request by process, and how busy the machine was: what a request costs end to end. */
function cpuSplitText(i: IntakePhase): string {
  const c = i.cpu;
  const perRequest = (ms: number) => fmt((ms * 1000) / Math.max(1, i.result.requests));
  const roles = Object.entries(c.byRole)
    .sort((a, b) => b[1] - a[1])
    .map(([role, ms]) => `${role} ${perRequest(ms)}`)
    .join(', ');
  const busy = (100 * c.machineBusyMs) / c.wallMs;
  return `${perRequest(c.machineBusyMs)} µs of CPU a request in all: ${roles}; machine ${fmt(busy)}% busy of ${fmt(100 * i.process.loadBefore.cpus)}%${c.stealMs > 0 ? `, ${fmt((100 * c.stealMs) / c.wallMs)}% stolen by the host` : ''}`;
}
