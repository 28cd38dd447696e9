/** `npm run bench` options (see main.ts for what each run does). */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ConversationOptions } from '../conversations.js';
import type { Engine } from './stack.js';

export interface BenchOptions {
  quick: boolean;
  store: Engine;
  storeScale: boolean;
  scales: number[];
  /** measure the phone index's bytes per record (document heap and disk; PostgreSQL tables with --store postgres) */
  indexMemory: boolean;
  indexRecords: number;
  /** compare the engines' Zoho calls on one identical queue (default: with --store postgres) */
  compare: boolean;
  conversation: Omit<ConversationOptions, 'filesBaseUrl'>;
  records: number;
  matchRate: number;
  encryptPhone: boolean;
  latencyMs: number;
  cap: number;
  flushWindowMs: string | undefined;
  senders: number;
  connections: number;
  intakeSeconds: number;
  intake: boolean;
  steadyPerKind: number;
  steady: boolean;
  profile: boolean;
  out: string;
  /** the compiled bundle the connector runs (main.ts builds it); undefined: the sources under tsx */
  compiledDir: string | undefined;
}

/** Where `npm run build:server` writes the bundle (the Docker image runs the same). */
export const COMPILED_DIR = fileURLToPath(new URL('../../dist', import.meta.url));

const HELP = `npm run bench [-- options]
  --quick                 2,000 messages over 200 chats (about a minute)
  --store document|postgres   the store engine (postgres: DATABASE_URL, else a throw-away cluster)
  --store-scale           intake and memory with 10k, 100k and 1M stored messages (--scales 10000,100000)
  --index-memory          the phone index's bytes per record (--records 100000)
  --compare / --no-compare    the engines' Zoho calls on one identical queue (default with --store postgres)
  --messages N --chats N --days N --attachments 0.05 --groups 0.1 --renames 0.2 --redeliveries 0.05
  --records N             records in Contacts before activation (default 10,000)
  --match-rate 0.3        share of the 1:1 chats whose number one of them holds
  --no-encrypt            leave the Phone field unencrypted
  --latency 150 --cap 10  Zoho latency (ms) and concurrent calls per org
  --flush-window MS --senders 16 --intake-seconds 10
  --connections 64        autocannon's connections in the intake phase (see docs/scaling.md, "Intake")
  --no-intake --no-steady --steady-runs 5 --seed 42 --out bench-results
  --sources               run the connector from its TypeScript sources under tsx (default: the
                          compiled bundle in dist/, built first, as the Docker image runs it)
  BENCH_PROFILE=1         CPU profiles of the connector into --out`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      store: { type: 'string', default: 'document' },
      'store-scale': { type: 'boolean', default: false },
      scales: { type: 'string' },
      'index-memory': { type: 'boolean', default: false },
      compare: { type: 'boolean' },
      'no-compare': { type: 'boolean', default: false },
      messages: { type: 'string' },
      chats: { type: 'string' },
      days: { type: 'string', default: '14' },
      attachments: { type: 'string', default: '0.05' },
      groups: { type: 'string', default: '0.1' },
      renames: { type: 'string', default: '0.2' },
      redeliveries: { type: 'string', default: '0.05' },
      records: { type: 'string' },
      'match-rate': { type: 'string', default: '0.3' },
      'no-encrypt': { type: 'boolean', default: false },
      latency: { type: 'string', default: '150' },
      cap: { type: 'string', default: '10' },
      'flush-window': { type: 'string' },
      senders: { type: 'string', default: '16' },
      // Capacity needs enough requests in flight: a sender delivering 1,500 a second at a 20–40 ms
      // answer keeps 30–60 in flight (Little's law); 16 connections cap the rate at 16 / latency
      // (1,100/s at 14 ms) with the machine a fifth idle. --connections 16 gives that figure.
      connections: { type: 'string', default: '64' },
      'intake-seconds': { type: 'string' },
      'no-intake': { type: 'boolean', default: false },
      'no-steady': { type: 'boolean', default: false },
      'steady-runs': { type: 'string' },
      seed: { type: 'string', default: '42' },
      out: { type: 'string', default: 'bench-results' },
      sources: { type: 'boolean', default: false },
    },
  });
  if (a.help) {
    console.log(HELP);
    process.exit(0);
  }
  if (a.store !== 'document' && a.store !== 'postgres')
    throw new Error(`--store must be document or postgres, not "${a.store}"`);
  const num = (name: string, v: string | undefined, min = 0): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min)
      throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const quick = a.quick!;
  const store = a.store;
  return {
    quick,
    store,
    storeScale: a['store-scale']!,
    scales: (a.scales ?? (quick ? '10000,100000' : '10000,100000,1000000'))
      .split(',')
      .map((s) => num('scales', s, 1)),
    indexMemory: a['index-memory']!,
    indexRecords: num('records', a.records ?? '100000', 1),
    compare: a['no-compare'] ? false : (a.compare ?? store === 'postgres'),
    conversation: {
      messages: num('messages', a.messages ?? (quick ? '2000' : '20000'), 1),
      chats: num('chats', a.chats ?? (quick ? '200' : '2000'), 1),
      days: num('days', a.days, 1),
      attachmentRate: num('attachments', a.attachments),
      groupRate: num('groups', a.groups),
      renameRate: num('renames', a.renames),
      redeliveryRate: num('redeliveries', a.redeliveries),
      seed: num('seed', a.seed),
    },
    records: num('records', a.records ?? '10000'),
    matchRate: num('match-rate', a['match-rate']),
    encryptPhone: !a['no-encrypt'],
    latencyMs: num('latency', a.latency),
    cap: num('cap', a.cap, 1),
    flushWindowMs: a['flush-window'],
    senders: num('senders', a.senders, 1),
    connections: num('connections', a.connections, 1),
    intakeSeconds: num('intake-seconds', a['intake-seconds'] ?? (quick ? '4' : '10'), 1),
    intake: !a['no-intake'],
    steadyPerKind: num('steady-runs', a['steady-runs'] ?? (quick ? '3' : '5'), 1),
    steady: !a['no-steady'],
    profile: Boolean(process.env.BENCH_PROFILE),
    out: a.out!,
    compiledDir: a.sources ? undefined : COMPILED_DIR,
  };
}
