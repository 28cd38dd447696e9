import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachmentFetcher, checkAttachmentUrl } from '../../server/src/jobs/attachments.js';
import { createLogger } from '../../server/src/log.js';
import type { QueuedEvent } from '../../server/src/store/schema.js';
import { Store } from '../../server/src/store/store.js';

describe('attachment URL checks', () => {
  const hosts = ['files.timelines.ai', 'localhost'];
  it('accepts http(s) URLs on allowed hosts and their subdomains', () => {
    expect(checkAttachmentUrl('https://files.timelines.ai/a.pdf', hosts).ok).toBe(true);
    expect(checkAttachmentUrl('https://eu.files.timelines.ai/a.pdf', hosts).ok).toBe(true);
  });
  it.each([
    ['file:///etc/passwd', /scheme/],
    ['https://evil.example/a', /not in ATTACHMENT_HOSTS/],
    ['https://files.timelines.ai.evil.example/a', /not in ATTACHMENT_HOSTS/],
    ['https://user:pw@files.timelines.ai/a', /credentials/],
    ['not a url', /not a valid URL/],
  ])('refuses %s', (url, why) => {
    const r = checkAttachmentUrl(url, hosts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(why);
  });
});

describe('attachment downloads', () => {
  let server: http.Server;
  let base: string;
  let flaky = 0;
  let fetcher: AttachmentFetcher;
  let store: Store;
  let filesDir: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/ok') res.end('hello');
      else if (req.url === '/big') res.end(Buffer.alloc(2048));
      else if (req.url === '/redirect-out')
        res.writeHead(302, { location: 'http://169.254.169.254/latest' }).end();
      else if (req.url === '/flaky') {
        flaky += 1;
        if (flaky < 3) res.writeHead(503).end();
        else res.end('finally');
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-att-'));
    store = await Store.open(path.join(dir, 'db.json'));
    filesDir = path.join(dir, 'files');
    fetcher = new AttachmentFetcher(
      store,
      createLogger('silent'),
      { dir: path.join(dir, 'files'), allowedHosts: ['127.0.0.1'], maxBytes: 1024, retryDelayMs: 1 },
      () => undefined,
    );
  });
  afterAll(() => {
    server.close();
  });

  it('downloads a file from an allowed host', async () => {
    const r = await fetcher.fetchFile(`${base}/ok`);
    expect(r.ok && r.data.toString()).toBe('hello');
  });

  it('refuses a file over the size cap', async () => {
    const r = await fetcher.fetchFile(`${base}/big`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/over the 1024-byte limit/);
  });

  it('re-checks every redirect against the allowed hosts', async () => {
    const r = await fetcher.fetchFile(`${base}/redirect-out`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/169\.254\.169\.254 is not in ATTACHMENT_HOSTS/);
  });

  it('says an expired link may be the reason for a 404, and does not retry it', async () => {
    const r = await fetcher.fetchFile(`${base}/gone`);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(/404 \(the link may have expired\)/);
      expect(r.transient).toBe(false);
    }
  });

  it('marks 5xx answers as transient and retries them until the file comes', async () => {
    flaky = 0;
    const r = await fetcher.fetchFile(`${base}/flaky`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.transient).toBe(true);

    flaky = 0;
    const q = {
      key: 'ws:m1',
      workspaceId: 'ws',
      event: {
        attachments: [{ url: `${base}/flaky`, fileName: 'f.txt', mimeType: undefined, size: undefined }],
      },
      files: [{}],
    } as unknown as QueuedEvent;
    await new Promise<void>((resolve) => {
      const f = new AttachmentFetcher(
        store,
        createLogger('silent'),
        { dir: filesDir, allowedHosts: ['127.0.0.1'], retryDelayMs: 1 },
        () => resolve(),
      );
      f.ensure(q);
    });
    expect(q.files[0]!.localPath).toBeDefined();
    expect(q.files[0]!.error).toBeUndefined();
    expect(readFileSync(path.join(filesDir, q.files[0]!.localPath!), 'utf8')).toBe('finally');
  });
});
