/**
 * Durability across crashes: the connector runs as a real child process (live mode, pointed at an
 * emulator in this process through the ZOHO_*_URL overrides) and is killed with SIGKILL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZohoEmulator, type ZohoEmulator } from '../../emulator/zoho/index.js';
import {
  freePort,
  startConnector,
  TEST_CLIENT,
  until,
  type ConnectorProcess,
} from '../helpers/connectorProcess.js';
import { api, connectAndActivate, postWebhook, TEST_STORE, type Session } from '../helpers/harness.js';
import { message } from '../helpers/messages.js';
import { freshDatabase, type TestDatabase } from '../helpers/postgres.js';

describe('crash safety (SIGKILL)', () => {
  let emu: ZohoEmulator;
  let emuUrl: string;
  let closeEmu: () => Promise<void>;
  let orgId: string;
  let dir: string;
  let port: number;
  let db: TestDatabase | undefined;
  let child: ConnectorProcess | undefined;

  beforeAll(async () => {
    emu = createZohoEmulator();
    const server = await emu.listen(0);
    emuUrl = server.url;
    closeEmu = server.close;
    emu.registerClient(TEST_CLIENT);
    orgId = emu.seedDefaultSandbox().orgId;
    dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-crash-'));
    port = await freePort();
    if (TEST_STORE === 'postgres') db = await freshDatabase();
  });
  afterAll(async () => {
    await child?.kill();
    await closeEmu();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const url = () => `http://localhost:${port}`;

  async function start(env: Record<string, string>): Promise<void> {
    child = await startConnector({
      port,
      emulatorUrl: emuUrl,
      dataFile: path.join(dir, 'db.json'),
      databaseUrl: db?.url,
      // A killed process's lease blocks the workspace until it expires: short here, 15 s by default.
      extra: { WORKSPACE_LEASE_MS: '1500', ...env },
    });
  }

  async function kill(): Promise<void> {
    await child?.kill();
    child = undefined;
  }

  const contactsWith = (phone: string) =>
    emu.state.records(orgId, 'Contacts').filter((r) => r.Mobile === phone) as { id: string }[];

  let session: Session;

  /** Message ids the sync log says are synced. */
  async function syncedIds(): Promise<Set<string>> {
    const log = await api<{ entries: { messageId: string; outcome: string }[] }>(
      url(),
      session.token,
      'GET',
      '/api/sync-log?limit=1000',
    );
    return new Set(log.body.entries.filter((e) => e.outcome === 'synced').map((e) => e.messageId));
  }

  it(
    'syncs exactly once a message whose 200 was answered just before the process was killed',
    { timeout: 60_000 },
    async () => {
      await start({ FLUSH_WINDOW_MS: '25000' }); // long window: the kill comes before any sync
      session = await connectAndActivate(url());
      const res = await postWebhook(
        session.webhookUrl!,
        message({ uid: 'kill-1', phone: '+14155550150', text: 'survives the crash' }),
      );
      expect(res.status).toBe(200);
      await kill();
      expect(contactsWith('+14155550150')).toHaveLength(0);

      await start({ FLUSH_WINDOW_MS: '50' });
      const [record] = await until('the record', () => {
        const r = contactsWith('+14155550150');
        return r.length ? r : undefined;
      });
      const notes = await until('the note', () => {
        const n = emu.state.notes(orgId, record!.id) as { Note_Content: string }[];
        return n.length ? n : undefined;
      });
      await until('the sync log', async () => ((await syncedIds()).has('kill-1') ? true : undefined));
      expect(contactsWith('+14155550150')).toHaveLength(1);
      expect(notes).toHaveLength(1);
      expect(notes[0]!.Note_Content.split('survives the crash')).toHaveLength(2);
      await kill();
    },
  );

  // Zoho may carry out a write after the client that sent it died: the restarted process must not
  // look for the Note (and, not finding it yet, create a second one) while the first create may still land.
  it(
    'creates one Note when Zoho carries out the create after the process that sent it was killed',
    { timeout: 90_000 },
    async () => {
      const phone = '+14155550160';
      // A lost write is looked for a request timeout (6 s) after the restart: Zoho holds the create 5 s.
      const env = { FLUSH_WINDOW_MS: '20', ZOHO_TIMEOUT_MS: '6000' };
      await start(env);
      const held = () => emu.stats.calls(orgId).held ?? 0;
      const before = held();
      emu.controls.holdNext(1, 5000, { pathIncludes: '/Notes', method: 'POST' });
      await postWebhook(
        session.webhookUrl!,
        message({
          chatId: 950,
          phone,
          name: 'Slow Zoho',
          uid: 'held-1',
          text: 'created while the process died',
        }),
      );
      await until('the Note create reaching Zoho', () => (held() > before ? true : undefined), 20_000);
      const landsBy = Date.now() + 5000;
      await kill();
      await start(env); // back at once, while Zoho still holds the create
      await until(
        'the message synced',
        async () => ((await syncedIds()).has('held-1') ? true : undefined),
        60_000,
      );
      // Whatever the restarted process did, the held create has landed by now.
      await new Promise((r) => setTimeout(r, Math.max(0, landsBy - Date.now())));
      await until('Zoho idle', () => (emu.controls.inflight(orgId) === 0 ? true : undefined));
      const [record] = contactsWith(phone);
      const notes = emu.state.notes(orgId, record!.id) as { Note_Content: string }[];
      expect(notes).toHaveLength(1);
      expect(notes[0]!.Note_Content).toContain('created while the process died');
      await kill();
    },
  );

  // Five restarts of a real process: slow on a busy machine, so a longer timeout (nothing is timed).
  it(
    'leaves no duplicate record or Note when killed repeatedly in the middle of syncing',
    { timeout: 120_000 },
    async () => {
      // Slow Zoho answers widen the window between a write reaching Zoho and its id being stored.
      // The search index lags creates: the recovery must not depend on it (it reads the record list).
      emu.controls.latencyMs = 120;
      emu.controls.searchLagSec = 30;
      const phones = Array.from({ length: 6 }, (_, i) => `+1415555017${i}`);
      // Writes the kill left pending are looked for 2 s (the request timeout here) after each restart.
      const env = { FLUSH_WINDOW_MS: '20', ZOHO_TIMEOUT_MS: '2000' };
      let sent = 0;
      for (let round = 0; round < 5; round++) {
        await start(env);
        await Promise.all(
          phones.map((phone, i) =>
            postWebhook(
              session.webhookUrl!,
              message({
                chatId: 900 + i,
                phone,
                name: `Crash ${i}`,
                uid: `crash-${round}-${i}`,
                text: `round ${round} chat ${i}`,
              }),
            ),
          ),
        );
        sent += phones.length;
        // Kill at a different moment of the sync each round.
        await new Promise((r) => setTimeout(r, 60 + round * 110));
        await kill();
      }
      await start(env);
      await until(
        'every message synced',
        async () =>
          [...(await syncedIds())].filter((id) => id.startsWith('crash-')).length === sent ? true : undefined,
        60_000,
      );
      for (const [i, phone] of phones.entries()) {
        const records = contactsWith(phone);
        expect(records, phone).toHaveLength(1);
        const notes = emu.state.notes(orgId, records[0]!.id) as { Note_Content: string }[];
        expect(notes, phone).toHaveLength(1);
        for (let round = 0; round < 5; round++) {
          expect(
            notes[0]!.Note_Content.split(`round ${round} chat ${i}`),
            `round ${round} ${phone}`,
          ).toHaveLength(2);
        }
      }
      await kill();
    },
  );
});
