/**
 * `npm run chaos`: the fault run. The benchmark's workload goes to a connector child process while
 * Zoho (the emulator) answers 20 % of the calls 429/5xx with latency spikes, access tokens expire,
 * the connector is SIGKILLed twice at seeded moments and the data disk is full for a few seconds
 * (a tmpfs mount with a ballast file; skipped, and said so, where mounting is not permitted).
 * Prints acknowledged / synced / lost / duplicated and exits 1 unless lost and duplicated are 0 (and
 * nothing landed on a wrong record or day).
 *
 *   npm run chaos                      # 3,000 messages over 300 chats, 3,000 records in the CRM
 *   npm run chaos -- --quick           # 600 messages over 60 chats (the CI smoke: test/jobs/chaos.test.ts)
 *   npm run chaos -- --seed 7 --store postgres --json out.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, loadText } from './bench/measure.js';
import { pgServer, type PgServer } from './bench/pgServer.js';
import { chaosRun, type ChaosOptions, type ChaosResult } from './chaos/run.js';

const { values: a } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    store: { type: 'string', default: 'document' },
    seed: { type: 'string', default: '1' },
    messages: { type: 'string' },
    chats: { type: 'string' },
    records: { type: 'string' },
    rate: { type: 'string' },
    'failure-rate': { type: 'string', default: '0.2' },
    json: { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
  },
});

function number(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return n;
}

function table(r: ChaosResult): string {
  const v = r.verdict;
  const f = r.faults;
  const disk =
    'skipped' in f.diskFull
      ? `skipped: ${f.diskFull.skipped}`
      : `${fmt(f.diskFull.bytes / 1024 / 1024, 1)} MB ballast at ${fmt(f.diskFull.at / 1000, 1)} s, held ${fmt(f.diskFull.heldMs / 1000, 1)} s`;
  const rows: [string, string][] = [
    [
      'acknowledged',
      `${fmt(v.acknowledged)} messages (and ${fmt(v.groupAcknowledged)} group messages, never synced)`,
    ],
    ['synced', `${fmt(v.synced)} (in exactly one Note, once)`],
    ['lost', `${fmt(v.lost)}`],
    [
      'duplicated',
      `${fmt(v.duplicated)} (${v.duplicatedMessages} messages twice, ${v.duplicateRecords} second records)`,
    ],
    ['other problems', Object.keys(v.otherProblems).length ? JSON.stringify(v.otherProblems) : 'none'],
    ['never acknowledged', `${fmt(v.unacknowledged)} (the sender gave up)`],
    [
      'deliveries',
      `${fmt(r.send.attempts)} attempts for ${fmt(r.send.sent)} deliveries (${Object.entries(r.send.statuses)
        .map(([k, n]) => `${k} ${fmt(n)}`)
        .join(', ')})`,
    ],
    [
      'Zoho faults',
      `${fmt(r.zoho.injected)} of the ${fmt(r.zoho.faultyCalls)} calls made while sending answered 429/5xx (rate ${r.options.failureRate}), 5% delayed 2 s; ${fmt(r.zoho.calls)} calls in all, ${fmt(r.zoho.throttled)} over the cap`,
    ],
    ['tokens', `every access token expired ${f.tokenExpiries} times, ${r.zoho.tokenRefreshes} refreshes`],
    [
      'SIGKILL',
      f.kills.map((k) => `at ${fmt(k.at / 1000, 1)} s (down ${fmt(k.downMs / 1000, 1)} s)`).join(', '),
    ],
    ['disk full', disk],
    ['drained in', `${fmt(r.drainSeconds, 1)} s after the last delivery and the faults ended`],
    ['machine', `${loadText(r.loadBefore)} → ${loadText(r.loadAfter)}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, val]) => `  ${k.padEnd(w)}  ${val}`).join('\n');
}

async function main(): Promise<number> {
  const quick = a.quick!;
  if (a.store !== 'document' && a.store !== 'postgres')
    throw new Error('--store must be document or postgres');
  const pg: PgServer | undefined = a.store === 'postgres' ? await pgServer() : undefined;
  let result: ChaosResult;
  try {
    const options: ChaosOptions = {
      engine: a.store,
      pgServerUrl: pg?.url,
      messages: number('messages', a.messages ?? (quick ? '600' : '3000')),
      chats: number('chats', a.chats ?? (quick ? '60' : '300')),
      records: number('records', a.records ?? (quick ? '1000' : '3000')),
      ratePerSec: number('rate', a.rate ?? (quick ? '30' : '50')),
      failureRate: number('failure-rate', a['failure-rate']),
      seed: number('seed', a.seed),
      drainTimeoutMs: 15 * 60_000,
    };
    console.log(
      `Chaos (${options.engine}, seed ${options.seed}): ${options.messages} messages over ${options.chats} chats at ${options.ratePerSec}/s …`,
    );
    result = await chaosRun(options);
  } finally {
    pg?.stop();
  }
  console.log(`\n${table(result)}\n`);
  const file =
    a.json ??
    path.join(
      a.out!,
      `chaos-${a.store}${quick ? '-quick' : ''}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`Results: ${file}`);
  if (!result.verdict.ok) console.error(`FAILED:\n  ${result.verdict.examples.join('\n  ')}`);
  return result.verdict.ok ? 0 : 1;
}

process.exit(await main());
