/**
 * Several connector processes on one PostgreSQL: 2,000 messages over 200 chats posted round-robin to
 * three processes, one of them SIGKILLed half way (its deliveries go to the others, as TimelinesAI
 * would retry them). Every message ends in exactly one Note, each chat has one record, and no two
 * processes ever held one workspace's sync at the same time (asserted from the lease history the
 * database keeps, on the database's own clock).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createZohoEmulator, type ZohoEmulator } from '../../emulator/zoho/index.js';
import {
  freePort,
  startConnector,
  TEST_CLIENT,
  until,
  type ConnectorProcess,
} from '../helpers/connectorProcess.js';
import { api, connectAndActivate } from '../helpers/harness.js';
import { message } from '../helpers/messages.js';
import { describeWithPostgres, freshDatabase, type TestDatabase } from '../helpers/postgres.js';

const CHATS = 200;
const MESSAGES = 2000;

describeWithPostgres('several connector processes on one PostgreSQL', () => {
  let emu: ZohoEmulator;
  let closeEmu: () => Promise<void>;
  let orgId: string;
  let db: TestDatabase;
  let dir: string;
  const procs: ConnectorProcess[] = [];

  beforeAll(async () => {
    emu = createZohoEmulator();
    const server = await emu.listen(0);
    closeEmu = server.close;
    emu.registerClient(TEST_CLIENT);
    orgId = emu.seedDefaultSandbox().orgId;
    emu.controls.latencyMs = 20;
    db = await freshDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-multi-'));
    for (let i = 0; i < 3; i++) {
      procs.push(
        await startConnector({
          port: await freePort(),
          emulatorUrl: server.url,
          dataFile: path.join(dir, `p${i}`, 'db.json'),
          databaseUrl: db.url,
          extra: { FLUSH_WINDOW_MS: '200', WORKSPACE_LEASE_MS: '3000' },
        }),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await closeEmu();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs every message into exactly one Note, one record per chat, one process per workspace at a time', async () => {
    const session = await connectAndActivate(procs[0]!.url);
    const token = new URL(session.webhookUrl!).pathname;
    const phone = (c: number) => `+1415555${String(2000 + c)}`;
    const alive = () => procs.filter((p) => p.proc.exitCode === null && p.proc.signalCode === null);
    let turn = 0;
    /** Delivers to the next process; a refused connection (a dead process) goes to another, like a retry. */
    const deliver = async (i: number): Promise<void> => {
      const c = i % CHATS;
      const body = message({
        chatId: 5000 + c,
        phone: phone(c),
        name: `Chat ${c}`,
        uid: `mp-${i}`,
        text: `message ${i} of chat ${c}`,
        timestamp: `2026-11-20 ${String(9 + (i % 8)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00 +0000`,
      });
      for (let attempt = 0; attempt < 10; attempt++) {
        const targets = alive();
        const target = targets[turn++ % targets.length]!;
        try {
          const res = await fetch(`${target.url}${token}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          if (res.status === 200) return;
        } catch {
          // the process is gone: deliver elsewhere
        }
      }
      throw new Error(`message ${i} was never acknowledged`);
    };
    for (let start = 0; start < MESSAGES; start += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => deliver(start + k)));
      if (start === MESSAGES / 2) {
        // Half way, in the middle of syncing: kill the process that held the workspace last, so that
        // the rest is necessarily synced by another one (which process wins a lease is up to timing).
        const holds = await until('a sync run', async () => {
          const h = await leaseHolds(db.url);
          return h.length > 0 ? h : undefined;
        });
        const last = holds[holds.length - 1]!.holder;
        const victim = procs.find((p) => last.startsWith(`${p.proc.pid}-`));
        expect(victim, `the process of lease holder ${last}`).toBeDefined();
        await victim!.kill();
      }
    }

    await until(
      'every message synced',
      async () => {
        const synced = await syncedCount(db.url);
        return synced === MESSAGES ? true : undefined;
      },
      120_000,
    );
    const contacts = emu.state.records(orgId, 'Contacts') as { id: string; Mobile?: string }[];
    for (let c = 0; c < CHATS; c++) {
      const records = contacts.filter((r) => r.Mobile === phone(c));
      expect(records, `chat ${c}`).toHaveLength(1);
      const notes = emu.state.notes(orgId, records[0]!.id) as { Note_Content: string }[];
      expect(notes, `chat ${c}`).toHaveLength(1);
      for (let i = c; i < MESSAGES; i += CHATS)
        expect(notes[0]!.Note_Content.split(`message ${i} of chat ${c}\n`), `message ${i}`).toHaveLength(2);
    }
    // Asked of a process still running (the killed one may be the first); sessions work on any.
    const log = await api<{ entries: { outcome: string }[] }>(
      alive()[0]!.url,
      session.token,
      'GET',
      '/api/sync-log?limit=5',
    );
    expect(log.status).toBe(200);

    // No two holds of the workspace overlap (the killed process's hold ends at its lease's expiry).
    const holds = await leaseHolds(db.url);
    expect(new Set(holds.map((h) => h.holder)).size).toBeGreaterThan(1);
    for (let k = 1; k < holds.length; k++)
      expect(holds[k]!.from.getTime(), `hold ${k} of ${holds[k]!.holder}`).toBeGreaterThanOrEqual(
        holds[k - 1]!.to.getTime(),
      );
  }, 300_000);
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

async function syncedCount(url: string): Promise<number> {
  const [row] = await query<{ n: string }>(
    url,
    `SELECT count(DISTINCT message_id) AS n FROM sync_log WHERE outcome = 'synced' AND message_id LIKE 'mp-%'`,
  );
  return Number(row?.n ?? 0);
}

async function leaseHolds(url: string): Promise<{ holder: string; from: Date; to: Date }[]> {
  return (
    await query<{ holder: string; acquired_at: Date; ended_at: Date }>(
      url,
      `SELECT holder, acquired_at, ended_at FROM lease_history
       UNION ALL SELECT holder, acquired_at, expires_at FROM leases ORDER BY acquired_at`,
    )
  ).map((r) => ({ holder: r.holder, from: r.acquired_at, to: r.ended_at }));
}
