/**
 * What a bad day must not break (issue 11's findings that live in the store): an admin change that
 * could not be stored has no effect and answers an error, /healthz says the store cannot write and
 * recovers by itself, a rotated webhook URL stops the old one at once, and start-up problems are one
 * clear line and exit code 1, with nothing overwritten.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { realIo, type JournalIo } from '../../server/src/store/document/journal.js';
import {
  api,
  connectAndActivate,
  postWebhook,
  startSandbox,
  TEST_STORE,
  type Harness,
} from '../helpers/harness.js';
import { message } from '../helpers/messages.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The journal's writes fail with ENOSPC while `full` (a full disk). */
function diskThatFills(): JournalIo & { full: boolean } {
  const io = {
    full: false,
    open: realIo.open,
    async write(fh: Parameters<JournalIo['write']>[0], data: Buffer) {
      if (io.full)
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      await realIo.write(fh, data);
    },
  };
  return io;
}

describe('faults', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it.skipIf(TEST_STORE !== 'document')(
    'a deactivation that could not be stored has no effect, and /healthz says why until the disk has room again',
    async () => {
      const disk = diskThatFills();
      h = await startSandbox({}, { store: { io: disk } });
      const s = await connectAndActivate(h.url);
      disk.full = true;
      const refused = await api(h.url, s.token, 'POST', '/api/deactivate');
      expect(refused.status).toBe(500);
      const health = await fetch(`${h.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({
        status: 'unavailable',
        reason: 'the data folder cannot be written (ENOSPC)',
      });
      disk.full = false;
      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
      const ws = await api<{ workspace: { active: boolean } }>(h.url, s.token, 'GET', '/api/workspace');
      expect(ws.body.workspace.active).toBe(true); // still active: a later message is not skipped
      const res = await postWebhook(s.webhookUrl!, message({ text: 'after the disk was freed' }));
      expect(res.body).toMatchObject({ outcome: 'queued' });
    },
  );

  it('regenerates the webhook URL: the old one stops at once, the new one works', async () => {
    h = await startSandbox();
    const s = await connectAndActivate(h.url);
    const rotated = await api<{ webhookUrl: string }>(h.url, s.token, 'POST', '/api/webhook/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhookUrl).not.toBe(s.webhookUrl);
    expect((await postWebhook(s.webhookUrl!, message({ uid: 'old-url' }))).status).toBe(404);
    expect((await postWebhook(rotated.body.webhookUrl, message({ uid: 'new-url' }))).status).toBe(200);
    const ws = await api<{ workspace: { webhookUrl: string } }>(h.url, s.token, 'GET', '/api/workspace');
    expect(ws.body.workspace.webhookUrl).toBe(rotated.body.webhookUrl);
    // A forged session (its last character changed; `x` → `y` when it already ends in `x`) is refused.
    const forged = s.token.slice(0, -1) + (s.token.endsWith('x') ? 'y' : 'x');
    const refused = await api(h.url, forged, 'POST', '/api/webhook/rotate');
    expect(refused.status).toBe(401);
  });
});

describe('start-up errors: one line, exit code 1, nothing overwritten', () => {
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'silent', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const lines = (text: string) => text.trim().split('\n').filter(Boolean);

  it.skipIf(process.getuid?.() === 0)('a data folder that cannot be written', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-ro-'));
    chmodSync(dir, 0o500);
    const r = start({ DATA_FILE: path.join(dir, 'db.json') });
    expect(r.status).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^Cannot start: The data folder .* is not writable \(EACCES\)/);
  });

  it('a data file that is not valid JSON', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-corrupt-'));
    const file = path.join(dir, 'db.json');
    writeFileSync(file, '{"version":2,');
    const r = start({ DATA_FILE: file });
    expect(r.status).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/is not valid JSON.*restore it from a backup/);
    expect(readFileSync(file, 'utf8')).toBe('{"version":2,');
  });

  it('a SECRET_KEY that cannot open the stored secrets', async () => {
    const h = await startSandbox({ SECRET_KEY: 'the-first-secret-key-of-32-characters!!' });
    await connectAndActivate(h.url);
    const dataDir = h.dataDir;
    const databaseUrl = h.server.config.databaseUrl;
    await h.server.close();
    const before = databaseUrl ? '' : readFileSync(path.join(dataDir, 'db.json'), 'utf8');
    const r = start({
      DATA_FILE: path.join(dataDir, 'db.json'),
      SECRET_KEY: 'another-secret-key-of-32-characters!!!',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
    const after = databaseUrl ? '' : readFileSync(path.join(dataDir, 'db.json'), 'utf8');
    await h.close();
    expect(r.status).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(
      /SECRET_KEY does not open the stored secrets of workspace .*Nothing was changed/,
    );
    expect(after).toBe(before);
  });
});
