/**
 * `npm run bench`: what the connector costs in Zoho API calls, how fast it syncs and takes webhooks,
 * and what memory it needs, against the Zoho CRM emulator set up like a real org (150 ms a call, 10
 * concurrent calls, 429 beyond; thousands of Contacts typed every way, an encrypted Phone field).
 *
 *   npm run bench                         # 20,000 messages, 2,000 chats, 14 days, document store
 *   npm run bench -- --quick              # 2,000 messages, 200 chats
 *   npm run bench -- --store postgres     # on PostgreSQL, and the engines' calls compared
 *   npm run bench -- --store-scale [--store postgres]   # intake and memory with 10k…1M stored messages
 *
 * Every phase runs on its own stack: the emulator and the connector each in a process of their own
 * (scripts/bench/stack.ts), the load from a third. Results are printed and written as JSON to
 * bench-results/; the exit code is 1 when a correctness check fails (the CRM against the workload,
 * durability, duplicates, the call counts' bounds, the engines' calls); speed and memory goals are
 * reported as met or missed, with the machine's load beside them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareEngines, compareChecks, compareRows, type Comparison } from './compare.js';
import { machineLoad } from './measure.js';
import { parseOptions } from './options.js';
import { pgServer, type PgServer } from './pgServer.js';
import {
  checkRows,
  crmRows,
  headerRows,
  intakeRows,
  steadyRows,
  syncRows,
  table,
  type Check,
  type Rows,
} from './report.js';
import { indexMemory, type IndexMemory } from './indexMemory.js';
import { fmt } from './measure.js';
import { standardChecks, standardRun, type StandardRun } from './standard.js';
import { scaleChecks, scaleRows, storeScale, type ScaleRun } from './storeScale.js';

const BUILD_SCRIPT = fileURLToPath(new URL('../build-server.mjs', import.meta.url));

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  mkdirSync(o.out, { recursive: true });
  const startLoad = machineLoad();
  const needsPg = o.store === 'postgres' || (o.compare && !o.storeScale && !o.indexMemory);
  const pg: PgServer | undefined = needsPg ? await pgServer() : undefined;
  if (o.compiledDir) buildConnector(o.compiledDir);
  const rows: Rows = headerRows(o.store, o.latencyMs, o.cap, startLoad, pg?.origin);
  rows.push([
    'connector',
    o.compiledDir
      ? `the compiled bundle (${path.relative(process.cwd(), o.compiledDir) || '.'}/, node alone, as the Docker image runs it)`
      : 'the TypeScript sources under tsx (--sources)',
  ]);
  const checks: Check[] = [];
  let standard: StandardRun | undefined;
  let scale: ScaleRun | undefined;
  let comparison: Comparison | undefined;
  let index: IndexMemory | undefined;
  try {
    if (o.indexMemory) {
      index = await indexMemory(o.indexRecords, o.store === 'postgres' ? pg?.url : undefined);
      rows.push(
        [`Phone index: ${fmt(index.records)} records, ${fmt(index.keys)} keys`, ''],
        ['document engine, heap', `${fmt(index.heapBytesPerRecord)} bytes a record`],
        ['document engine, data file', `${fmt(index.diskBytesPerRecord)} bytes a record`],
        ...(index.pgBytesPerRecord !== undefined
          ? ([
              ['PostgreSQL, both tables and indexes', `${fmt(index.pgBytesPerRecord)} bytes a record`],
            ] as Rows)
          : []),
      );
    } else if (o.storeScale) {
      scale = await storeScale(o, pg?.url);
      rows.push(...scaleRows(scale));
      checks.push(...scaleChecks(scale));
    } else {
      standard = await standardRun(o, pg?.url);
      rows.push(...crmRows(standard.prepared, o.encryptPhone), ...syncRows(standard.sync));
      if (standard.steady) rows.push(...steadyRows(standard.steady));
      if (standard.intake)
        rows.push(
          ...intakeRows(
            standard.intake,
            `Intake: autocannon, ${o.connections} connections, ${o.intakeSeconds} s, each request a new message, while the connector syncs`,
          ),
        );
      checks.push(...standardChecks(standard, o));
      if (o.compare) {
        comparison = await compareEngines(o, pg!.url);
        rows.push(...compareRows(comparison));
        checks.push(...compareChecks(comparison));
      }
    }
  } finally {
    pg?.stop();
  }
  rows.push(...checkRows(checks));
  console.log(`\n${table(rows)}\n`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const name = `${o.indexMemory ? 'index-memory' : o.storeScale ? 'store-scale' : 'bench'}-${o.store}${o.quick ? '-quick' : ''}-${stamp}.json`;
  const file = path.join(o.out, name);
  const { prepared: _p, ...standardJson } = standard ?? { prepared: undefined };
  writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        options: o,
        loadAtStart: startLoad,
        loadAtEnd: machineLoad(),
        postgres: pg?.origin,
        standard: standard ? standardJson : undefined,
        storeScale: scale,
        indexMemory: index,
        comparison,
        checks,
      },
      null,
      2,
    ),
  );
  console.log(`Results: ${file}`);
  const failed = checks.filter((c) => !c.ok && c.kind === 'correctness');
  if (failed.length) console.error(`Failed: ${failed.map((c) => c.name).join(', ')}`);
  return failed.length ? 1 : 0;
}

/** `npm run build:server` into the folder the stacks run: the figures are those of the shipped code. */
function buildConnector(dir: string): void {
  console.log(`Building the connector into ${dir} …`);
  const r = spawnSync(process.execPath, [BUILD_SCRIPT, '--out', dir], { stdio: 'inherit' });
  if (r.status !== 0)
    throw new Error(`npm run build:server failed (exit ${r.status}); or run with --sources`);
}

process.exit(await main());
