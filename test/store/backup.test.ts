/**
 * A backup of the embedded store taken while a connector process takes a burst of webhooks restores
 * to a store holding every message acknowledged before the backup began, once; a connector started
 * on the restored store syncs them on, each into one Note.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZohoEmulator, type ZohoEmulator } from '../../emulator/zoho/index.js';
import { DocumentStore } from '../../server/src/store/document/documentStore.js';
import {
  freePort,
  startConnector,
  TEST_CLIENT,
  until,
  type ConnectorProcess,
} from '../helpers/connectorProcess.js';
import { connectAndActivate, postWebhook } from '../helpers/harness.js';
import { message } from '../helpers/messages.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('backup and restore of the embedded store (npm run backup / restore)', () => {
  let emu: ZohoEmulator;
  let emuUrl: string;
  let closeEmu: () => Promise<void>;
  let orgId: string;
  let dir: string;
  const procs: ConnectorProcess[] = [];

  beforeAll(async () => {
    emu = createZohoEmulator();
    const server = await emu.listen(0);
    emuUrl = server.url;
    closeEmu = server.close;
    emu.registerClient(TEST_CLIENT);
    orgId = emu.seedDefaultSandbox().orgId;
    dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-backup-'));
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await closeEmu();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up during a burst, restores into a fresh folder, and syncs on', async () => {
    const dataFile = path.join(dir, 'live', 'db.json');
    // A long flush window: nothing is synced before the backup, so what it holds is all to sync.
    const live = await startConnector({
      port: await freePort(),
      emulatorUrl: emuUrl,
      dataFile,
      extra: { FLUSH_WINDOW_MS: '25000' },
    });
    procs.push(live);
    const session = await connectAndActivate(live.url);
    const acked = new Map<string, number>();
    const send = async (i: number) => {
      const uid = `burst-${i}`;
      const res = await postWebhook(
        session.webhookUrl!,
        message({
          chatId: 700 + (i % 20),
          phone: `+1415555${String(3000 + (i % 20))}`,
          uid,
          text: `burst ${i}`,
        }),
      );
      if (res.status === 200) acked.set(uid, Date.now());
    };
    const burst = Promise.all(Array.from({ length: 400 }, (_, i) => send(i)));
    await until('a first part of the burst', () => (acked.size >= 150 ? true : undefined));
    const backupStarted = Date.now();
    const backupDir = path.join(dir, 'backup');
    const backup = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'server/src/cli/backup.ts', '--data', dataFile, '--out', backupDir],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    await burst;
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^Backed up /);
    expect(statSync(path.join(backupDir, 'db.json')).mode & 0o777).toBe(0o600);
    await live.kill();

    const restoredFile = path.join(dir, 'restored', 'db.json');
    const restore = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'server/src/cli/restore.ts', '--from', backupDir, '--data', restoredFile],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(restore.status, restore.stderr).toBe(0);
    const state = await DocumentStore.read(restoredFile);
    const wsId = [...state.workspaces.keys()][0]!;
    const queued = [...(state.queue.get(wsId)?.values() ?? [])].map((q) => q.event.messageId);
    expect(new Set(queued).size).toBe(queued.length); // none twice
    const before = [...acked].filter(([, at]) => at < backupStarted).map(([uid]) => uid);
    expect(before.length).toBeGreaterThanOrEqual(150);
    for (const uid of before) expect(queued, uid).toContain(uid);

    // Sync on from the restored store.
    const again = await startConnector({
      port: await freePort(),
      emulatorUrl: emuUrl,
      dataFile: restoredFile,
      extra: { FLUSH_WINDOW_MS: '50' },
    });
    procs.push(again);
    const notes = () =>
      emu.state.notes(orgId).filter((n) => String(n.Note_Content).includes('burst ')) as {
        Note_Content: string;
      }[];
    await until(
      'the restored messages synced',
      () => {
        const text = notes()
          .map((n) => n.Note_Content)
          .join('\n');
        return queued.every((uid) => text.includes(`burst ${uid.slice(6)}\n`)) ? true : undefined;
      },
      60_000,
    );
    const text = notes()
      .map((n) => n.Note_Content)
      .join('\n');
    for (const uid of queued) expect(text.split(`burst ${uid.slice(6)}\n`), uid).toHaveLength(2);
    await again.kill();
  }, 120_000);

  it('refuses to restore over an existing store, or while a connector uses it', () => {
    const target = path.join(dir, 'restored', 'db.json');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'server/src/cli/restore.ts', '--from', path.join(dir, 'backup'), '--data', target],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/exists: restoring would replace it/);
  });
});
