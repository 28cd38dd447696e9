/**
 * `npm run bench -- --index-memory [--records 100000]`: what the document engine's phone index costs
 * per indexed record, in heap and on disk. The records are those the benchmark seeds (numbers typed
 * every way over a dozen countries, one in Phone or Mobile each), read into index entries with the
 * connector's own key function and stored the way the index build stores them: pages of 2,000 through
 * units of work. Heap is measured after full garbage collections in a child process started with
 * --expose-gc (only the index changes between the two readings).
 *
 * PostgreSQL holds the same entries in two tables (phone_index_records, phone_index_keys): its
 * per-record bytes on disk are measured too when --store postgres is given.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { newIndexState } from '../../server/src/store/phoneIndexState.js';
import { openStore } from '../../server/src/store/open.js';
import type { IndexedRecord } from '../../server/src/store/schema.js';
import { phoneKeysOfRecord } from '../../server/src/sync/phoneKey.js';
import { freshDatabase } from '../../test/helpers/postgres.js';
import { planRecords } from './workload.js';

export interface IndexMemory {
  records: number;
  keys: number;
  heapBytesPerRecord: number;
  /** the data file after a flush, per record */
  diskBytesPerRecord: number;
  /** PostgreSQL: both tables with their indexes, per record */
  pgBytesPerRecord?: number | undefined;
}

const SELF = fileURLToPath(import.meta.url);
const WS = 'ws-index-memory';

function entries(n: number): IndexedRecord[] {
  const plan = planRecords([], {
    records: n,
    matchRate: 0,
    seed: 5,
    orgCountry: 'ES',
    phoneFields: ['Phone', 'Mobile'],
    nameField: 'Last_Name',
  });
  const at = new Date().toISOString();
  return plan.rows.map((row, i) => ({
    recordId: String(6000000000000000000n + BigInt(i)), // Zoho ids: 19 digits
    keys: phoneKeysOfRecord(row, ['Phone', 'Mobile'], 'ES'),
    modifiedTime: at,
  }));
}

async function store(dataFile: string, databaseUrl: string | undefined, records: IndexedRecord[]) {
  const s = await openStore({ dataFile, databaseUrl });
  const start = s.begin();
  start.phoneIndex.start(WS, newIndexState('Contacts', ['Mobile', 'Phone']));
  await start.commit();
  for (let i = 0; i < records.length; i += 2000) {
    const uow = s.begin();
    uow.phoneIndex.put(WS, records.slice(i, i + 2000));
    await uow.commit();
  }
  return s;
}

/** In the child (--expose-gc): heap before and after the index is in the store. */
async function child(n: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const records = entries(n);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-zoho-index-'));
  try {
    const empty = await store(path.join(dir, 'db.json'), undefined, []);
    for (let i = 0; i < 3; i++) gc();
    const before = process.memoryUsage().heapUsed;
    await empty.close();
    const full = await store(path.join(dir, 'db.json'), undefined, records);
    records.length = 0; // only the store's copy stays
    for (let i = 0; i < 3; i++) gc();
    const after = process.memoryUsage().heapUsed;
    await full.close(); // flushed: the data file alone holds the store
    const disk = statSync(path.join(dir, 'db.json')).size;
    process.stdout.write(JSON.stringify({ heap: after - before, disk }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function indexMemory(n: number, pgServerUrl: string | undefined): Promise<IndexMemory> {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', SELF, String(n)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`index memory child failed: ${r.stderr}`);
  const { heap, disk } = JSON.parse(r.stdout) as { heap: number; disk: number };
  const records = entries(n);
  const keys = records.reduce((a, e) => a + e.keys.length, 0);
  let pgBytesPerRecord: number | undefined;
  if (pgServerUrl) {
    const db = await freshDatabase(pgServerUrl);
    try {
      const s = await store('unused', db.url, records);
      await s.close();
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query('VACUUM ANALYZE phone_index_records, phone_index_keys');
      const size = await c.query<{ n: string }>(
        `SELECT pg_total_relation_size('phone_index_records') + pg_total_relation_size('phone_index_keys') AS n`,
      );
      await c.end();
      pgBytesPerRecord = Number(size.rows[0]?.n ?? 0) / n;
    } finally {
      await db.drop();
    }
  }
  return { records: n, keys, heapBytesPerRecord: heap / n, diskBytesPerRecord: disk / n, pgBytesPerRecord };
}

if (process.argv[1] === SELF && process.argv[2]) await child(Number(process.argv[2]));
