/**
 * Finding: the sandbox downloaded "attachments" from any local port (its own state with the
 * webhook URL among them), listened on every interface and gave the webhook URL to anyone.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { SANDBOX_WEBHOOK_FILE } from '../../server/src/sandbox/sandboxRoutes.js';
import {
  api,
  connectAndActivate,
  connectAs,
  postWebhook,
  startSandbox,
  type Harness,
  type Session,
} from '../helpers/harness.js';
import { message } from '../helpers/messages.js';

const run = promisify(execFile);

describe('listen address (HOST)', () => {
  it('is 127.0.0.1 for the sandbox and every interface with real Zoho, unless HOST says otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    const live = {
      ZOHO_CLIENT_ID: '1000.X',
      ZOHO_CLIENT_SECRET: 's',
      SECRET_KEY: 'k'.repeat(32),
      PUBLIC_URL: 'https://sync.example.com',
    };
    expect(loadConfig(live).host).toBe('0.0.0.0');
    expect(loadConfig({ ...live, HOST: '::1' }).host).toBe('::1');
    expect(() => loadConfig({ HOST: 'http://0.0.0.0' })).toThrow(/HOST must be an IP address or host name/);
  });

  it('binds the sandbox to 127.0.0.1 by default', async () => {
    const h = await startSandbox();
    try {
      expect(h.server.listening.address).toBe('127.0.0.1');
    } finally {
      await h.close();
    }
  });
});

describe('sandbox', () => {
  let h: Harness;
  let owner: Session;
  let other: http.Server;
  let otherHits: string[];
  let otherUrl: string;

  beforeAll(async () => {
    otherHits = [];
    other = http.createServer((req, res) => {
      otherHits.push(req.url ?? '');
      res.end('secret of another local service');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    otherUrl = `http://localhost:${(other.address() as AddressInfo).port}`;
    h = await startSandbox();
    owner = await connectAndActivate(h.url);
  });
  afterAll(async () => {
    await h.close();
    other.close();
  });

  it('shows the webhook URL in /sandbox/api/state to the owner session only', async () => {
    const anonymous = (await (await fetch(`${h.url}/sandbox/api/state`)).json()) as Record<string, unknown>;
    expect(anonymous).toMatchObject({ connected: true, webhookUrl: null });
    expect(JSON.stringify(anonymous)).not.toContain('/webhooks/timelines/');

    const rep = await connectAs(h.url, 'rep@sandbox.test');
    const asRep = await api<{ webhookUrl: string | null }>(h.url, rep.token, 'GET', '/sandbox/api/state');
    expect(asRep.body.webhookUrl).toBeNull();
    const forged = await api<{ webhookUrl: string | null }>(h.url, 'x.y', 'GET', '/sandbox/api/state');
    expect(forged.body.webhookUrl).toBeNull();

    const asOwner = await api<{ webhookUrl: string | null }>(h.url, owner.token, 'GET', '/sandbox/api/state');
    expect(asOwner.body.webhookUrl).toBe(owner.webhookUrl);
  });

  it('writes the webhook URL for npm run replay to a file only its owner can read', () => {
    const file = path.join(h.dataDir, SANDBOX_WEBHOOK_FILE);
    expect(readFileSync(file, 'utf8').trim()).toBe(owner.webhookUrl);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('downloads attachments from its own origin and port only', async () => {
    const port = new URL(h.url).port;
    const urls = {
      sample: `${h.url}/sandbox/files/brochure.txt`,
      otherPort: `${otherUrl}/internal`,
      ownState: `${h.url}/sandbox/api/state`,
      decimal: `http://2130706433:${port}/sandbox/files/brochure.txt`,
      hex: `http://0x7f.0.0.1:${port}/sandbox/files/brochure.txt`,
      octal: `http://0177.0.0.1:${port}/sandbox/files/brochure.txt`,
    };
    const res = await postWebhook(
      owner.webhookUrl!,
      message({
        uid: 'sandbox-attachments',
        attachments: Object.entries(urls).map(([name, url]) => ({ url, filename: `${name}.txt` })),
      }),
    );
    expect(res.status).toBe(200);
    await h.server.scheduler.idle();
    const log = await api<{ entries: { messageId: string; reason: string | null }[] }>(
      h.url,
      owner.token,
      'GET',
      '/api/sync-log',
    );
    // Each attachment that could not be synced is an entry of its own.
    const reason = log.body.entries
      .filter((e) => e.messageId === 'sandbox-attachments')
      .map((e) => e.reason ?? '')
      .join('\n');
    expect(reason).not.toContain('sample.txt');
    for (const name of ['otherPort', 'ownState', 'decimal', 'hex', 'octal'])
      expect(reason).toContain(`"${name}.txt" not synced: `);
    expect(reason).toMatch(/octal\.txt" not synced: an IP address \(127\.0\.0\.1\) is not allowed/);
    expect(otherHits).toEqual([]);
  });

  it('npm run replay sends into the running sandbox without a browser', async () => {
    const args = ['tsx', 'scripts/replay.ts', '--url', h.url, '--data', h.dataDir];
    const { stdout } = await run('npx', [
      ...args,
      '--chats',
      '1',
      '--messages',
      '3',
      '--days',
      '1',
      '--no-fixtures',
    ]);
    expect(stdout).toMatch(/Sent \d+ webhook deliveries/);
    expect(stdout).not.toMatch(/HTTP 4\d\d/);

    const elsewhere = mkdtempSync(path.join(tmpdir(), 'wa-zoho-nodata-'));
    const missing = await run('npx', ['tsx', 'scripts/replay.ts', '--url', h.url, '--data', elsewhere]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('No webhook URL in') });
  });
});
