import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedReason, guardedLookup } from '../../server/src/jobs/addressGuard.js';
import { AttachmentFetcher, checkAttachmentUrl } from '../../server/src/jobs/attachments.js';
import { MAX_ATTACHMENTS_PER_MESSAGE } from '../../server/src/jobs/intake.js';
import { SafeFetch, type UrlPolicy } from '../../server/src/jobs/safeFetch.js';
import { loadConfig } from '../../server/src/config.js';
import { createLogger } from '../../server/src/log.js';
import type { QueuedEvent } from '../../server/src/store/schema.js';
import { queuedEvent } from '../../server/src/jobs/intake.js';
import { DocumentStore } from '../../server/src/store/document/documentStore.js';
import type { Store } from '../../server/src/store/store.js';

const TOO_MANY_ATTACHMENTS = `more than ${MAX_ATTACHMENTS_PER_MESSAGE} attachments in one message: only the first ${MAX_ATTACHMENTS_PER_MESSAGE} are synced`;

/** A real (embedded) store in a temp folder, holding the given events as the intake would. */
async function storeWith(...events: QueuedEvent[]): Promise<Store & { folder: string }> {
  const folder = mkdtempSync(path.join(tmpdir(), 'wa-zoho-att-'));
  const store = await DocumentStore.open(path.join(folder, 'db.json'));
  await store.queue.enqueue(
    events.map((q) => ({ workspaceId: q.workspaceId, messageId: q.key.split(':')[1], event: q })),
  );
  return Object.assign(store, { folder });
}

const policy: UrlPolicy = {
  hosts: ['files.timelines.ai', '*.storage.example.com'],
  trustedPrefixes: ['http://localhost:3000/sandbox/files/'],
};

describe('attachment URL checks', () => {
  it.each([
    'https://files.timelines.ai/a.pdf',
    'https://eu.storage.example.com/a.pdf',
    'https://a.b.storage.example.com/a.pdf',
    'http://localhost:3000/sandbox/files/brochure.txt',
  ])('accepts %s', (url) => {
    expect(checkAttachmentUrl(url, policy).ok).toBe(true);
  });

  it.each([
    ['file:///etc/passwd', /scheme/],
    ['https://evil.example/a', /not in ATTACHMENT_HOSTS/],
    ['https://eu.files.timelines.ai/a', /not in ATTACHMENT_HOSTS/], // exact names are exact
    ['https://storage.example.com/a', /not in ATTACHMENT_HOSTS/], // *.x is x's subdomains only
    ['https://files.timelines.ai.evil.example/a', /not in ATTACHMENT_HOSTS/],
    ['https://evilstorage.example.com/a', /not in ATTACHMENT_HOSTS/],
    ['http://files.timelines.ai/a', /only https/],
    ['https://files.timelines.ai:8443/a', /port 8443/],
    ['https://user:pw@files.timelines.ai/a', /credentials/],
    ['not a url', /not a valid URL/],
    ['https://127.0.0.1/a', /IP address/],
    ['https://2130706433/a', /IP address \(127\.0\.0\.1\)/], // decimal
    ['https://0x7f000001/a', /IP address \(127\.0\.0\.1\)/], // hex
    ['https://0177.0.0.1/a', /IP address \(127\.0\.0\.1\)/], // octal
    ['https://0x7f.1/a', /IP address \(127\.0\.0\.1\)/], // mixed short form
    ['https://[::1]/a', /IP address/],
    ['https://[::ffff:169.254.169.254]/a', /IP address/],
    ['http://localhost:3000/sandbox/api/state', /only https/],
    ['http://localhost:3001/sandbox/files/brochure.txt', /only https/],
    ['http://127.0.0.1:3000/sandbox/files/brochure.txt', /IP address/],
    ['http://localhost:3000/sandbox/files/../api/state', /only https/],
    ['http://localhost:3000/sandbox/files/%2e%2e/api/state', /only https/],
  ])('refuses %s', (url, why) => {
    const r = checkAttachmentUrl(url, policy);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(why);
  });
});

describe('address guard (checked at connect time)', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1',
    'fd00:ec2::254',
    'fc00::1',
    'fe80::1',
  ])('refuses %s', (address) => {
    expect(blockedReason(address)).toBeDefined();
  });

  it.each(['93.184.216.34', '1.1.1.1', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(blockedReason(address)).toBeUndefined();
    },
  );

  const lookup = (answers: string[], options: { all?: boolean } = {}) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      guardedLookup(async () =>
        answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      )('files.test', options, (err, address) => resolve({ err, address })),
    );

  it('hands the socket a public address, and every one when asked for all', async () => {
    expect(await lookup(['93.184.216.34'])).toEqual({ err: null, address: '93.184.216.34' });
    expect((await lookup(['93.184.216.34', '2606:4700::1111'], { all: true })).address).toHaveLength(2);
  });

  it('refuses a name with any private address among its answers (rebinding)', async () => {
    const r = await lookup(['93.184.216.34', '127.0.0.1']);
    expect(r.err?.message).toBe('host files.test resolves to a loopback address');
  });

  it('refuses the connection before any byte is sent when DNS points inside', async () => {
    let asked = 0;
    const fetcher = new SafeFetch({
      policy: { hosts: ['files.timelines.ai'] },
      maxBytes: 1024,
      timeoutMs: 5000,
      resolve: async () => {
        asked += 1;
        return [{ address: '169.254.169.254', family: 4 }];
      },
    });
    const r = await fetcher.get('https://files.timelines.ai/latest/meta-data');
    expect(r).toEqual({
      ok: false,
      error: 'download refused: host files.timelines.ai resolves to a link-local (cloud metadata) address',
      result: 'blocked',
    });
    expect(asked).toBe(1); // one lookup, the one the socket used
  });
});

describe('attachment downloads', () => {
  let server: http.Server;
  let base: string;
  let flaky = 0;
  let fetcher: AttachmentFetcher;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/f/ok') res.end('hello');
      else if (req.url === '/f/big') res.end(Buffer.alloc(2048));
      else if (req.url === '/f/redirect-out')
        res.writeHead(302, { location: 'http://169.254.169.254/latest' }).end();
      else if (req.url === '/f/redirect-foreign')
        res.writeHead(302, { location: 'https://evil.example/x' }).end();
      else if (req.url === '/f/flaky') {
        flaky += 1;
        if (flaky < 3) res.writeHead(503).end();
        else res.end('finally');
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fetcher = new AttachmentFetcher(
      await storeWith(),
      createLogger('silent'),
      { allowedHosts: [], trustedPrefixes: [`${base}/f/`], maxBytes: 1024, retryDelayMs: 1 },
      () => undefined,
    );
  });
  afterAll(() => {
    server.close();
  });

  it('downloads a file from a trusted prefix', async () => {
    const r = await fetcher.fetchFile(`${base}/f/ok`);
    expect(r.ok && r.data.toString()).toBe('hello');
  });

  it('does not reach the same server outside the trusted prefix', async () => {
    const r = await fetcher.fetchFile(`${base}/other`);
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/IP address/) });
  });

  it('refuses a file over the size cap', async () => {
    const r = await fetcher.fetchFile(`${base}/f/big`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/over the 1024-byte limit/);
  });

  it('re-checks every redirect', async () => {
    const out = await fetcher.fetchFile(`${base}/f/redirect-out`);
    expect(out).toMatchObject({
      ok: false,
      error: expect.stringMatching(/IP address \(169\.254\.169\.254\)/),
    });
    const foreign = await fetcher.fetchFile(`${base}/f/redirect-foreign`);
    expect(foreign).toMatchObject({ ok: false, error: 'host evil.example is not in ATTACHMENT_HOSTS' });
  });

  it('says an expired link may be the reason for a 404, and does not retry it', async () => {
    const r = await fetcher.fetchFile(`${base}/f/gone`);
    expect(r).toEqual({
      ok: false,
      error: 'download answered HTTP 404 (the link may have expired)',
      transient: false,
      result: 'http_error',
    });
  });

  it('retries 5xx answers until the file comes, and keeps it private (0600)', async () => {
    flaky = 0;
    const q = queued('ws', 'm1', [`${base}/f/flaky`]);
    const store = await storeWith(q);
    await new Promise<void>((resolve) => {
      const f = new AttachmentFetcher(
        store,
        createLogger('silent'),
        { allowedHosts: [], trustedPrefixes: [`${base}/f/`], retryDelayMs: 1 },
        () => resolve(),
      );
      f.ensure(q);
    });
    const stored = (await store.queue.get(q.key))!.files[0]!;
    expect(stored.error).toBeUndefined();
    expect((await store.files.get(stored.localPath!))?.toString('utf8')).toBe('finally');
    expect(statSync(path.join(store.folder, 'attachments', stored.localPath!)).mode & 0o777).toBe(0o600);
    await store.close();
  });
});

function queued(workspaceId: string, messageId: string, urls: string[]): QueuedEvent {
  const event = {
    attachments: urls.map((url, i) => ({ url, fileName: `f${i}.txt`, mimeType: undefined, size: undefined })),
  } as unknown as QueuedEvent['event'];
  return {
    ...queuedEvent(workspaceId, { ...event, messageId } as QueuedEvent['event']),
    key: `${workspaceId}:${messageId}`,
  };
}

/** Fake hosts: `hang.example` never answers until released; the others answer at once. */
function fakeHosts() {
  const hanging: (() => void)[] = [];
  const started: string[] = [];
  return {
    started,
    hanging,
    releaseAll: () => hanging.splice(0).forEach((release) => release()),
    download: (url: string) => {
      started.push(url);
      if (new URL(url).hostname === 'hang.example')
        return new Promise<never>((_, reject) => hanging.push(() => reject(new Error('released'))));
      return Promise.resolve({ ok: true as const, data: Buffer.from(`from ${url}`) });
    },
  };
}

describe('attachments per message and fair downloads', () => {
  it('downloads at most 10 attachments of a message and marks the rest with the reason', async () => {
    const hosts = fakeHosts();
    const urls = Array.from({ length: 12 }, (_, i) => `https://ok.example/${i}`);
    const q = queued('ws', 'm', urls);
    const store = await storeWith(q);
    let done = 0;
    await new Promise<void>((resolve) => {
      const f = new AttachmentFetcher(
        store,
        createLogger('silent'),
        { allowedHosts: [], download: hosts.download },
        () => ++done === 10 && resolve(),
      );
      f.ensure(q);
    });
    expect(hosts.started).toEqual(urls.slice(0, 10));
    const files = (await store.queue.get(q.key))!.files;
    expect(files.slice(0, 10).every((f) => f.localPath && !f.error)).toBe(true);
    expect(files.slice(10).map((f) => f.error)).toEqual([TOO_MANY_ATTACHMENTS, TOO_MANY_ATTACHMENTS]);
    expect(TOO_MANY_ATTACHMENTS).toBe(
      'more than 10 attachments in one message: only the first 10 are synced',
    );
    await store.close();
  });

  it('5,000 links to a host that never answers do not delay another workspace', async () => {
    const hosts = fakeHosts();
    const doneIn = new Map<string, number>();
    let normalDone!: () => void;
    const normal = new Promise<void>((r) => (normalDone = r));
    const hostile = queued(
      'ws-hostile',
      'm1',
      Array.from({ length: 5000 }, (_, i) => `https://hang.example/${i}`),
    );
    const ok = queued('ws-normal', 'm2', ['https://ok.example/photo.jpg']);
    const store = await storeWith(hostile, ok);
    const f = new AttachmentFetcher(
      store,
      createLogger('silent'),
      { allowedHosts: [], download: hosts.download, retries: 1 },
      (ws) => {
        doneIn.set(ws, (doneIn.get(ws) ?? 0) + 1);
        if (ws === 'ws-normal') normalDone();
      },
    );
    f.ensure(hostile);
    f.ensure(ok);
    await normal;
    expect((await store.queue.get(ok.key))!.files[0]!.localPath).toBeDefined();
    expect(doneIn.get('ws-hostile')).toBeUndefined(); // still hanging, and it did not matter
    expect(hostile.files.filter((x) => x.error === TOO_MANY_ATTACHMENTS)).toHaveLength(4990);
    // Only the first 10 are ever queued, and a host gets 4 slots at most.
    expect(hosts.started.filter((u) => u.includes('hang.example')).length).toBeLessThanOrEqual(4);
    expect(f.stats()).toMatchObject({ waiting: MAX_ATTACHMENTS_PER_MESSAGE - 4 });
    expect(f.stats().runningByHost['hang.example']).toBeLessThanOrEqual(4);
    hosts.releaseAll();
  });
});

describe('ATTACHMENT_HOSTS', () => {
  it("allows only TimelinesAI's own domain by default, over https: no bucket of a shared storage domain", () => {
    const hosts = loadConfig({}).attachmentHosts;
    expect(hosts).toEqual(['timelines.ai', '*.timelines.ai']);
    const check = (url: string) => checkAttachmentUrl(url, { hosts }).ok;
    expect(check('https://app.timelines.ai/files/x.pdf')).toBe(true);
    expect(check('https://s3.amazonaws.com/any-bucket/x.pdf')).toBe(false);
    expect(check('https://any-bucket.s3.amazonaws.com/x.pdf')).toBe(false);
    expect(check('http://app.timelines.ai/files/x.pdf')).toBe(false);
  });

  it("accepts exact names and *.suffix rules, e.g. a bucket's own host", () => {
    expect(
      loadConfig({ ATTACHMENT_HOSTS: 'My-Bucket.s3.eu-west-1.amazonaws.com, *.files.example.com' })
        .attachmentHosts,
    ).toEqual(['my-bucket.s3.eu-west-1.amazonaws.com', '*.files.example.com']);
  });

  it.each([
    ['s3.amazonaws.com', /shared by every customer/],
    ['*.s3.amazonaws.com', /shared by every customer/],
    ['s3.eu-west-1.amazonaws.com', /shared by every customer/],
    ['*.amazonaws.com', /shared by every customer/],
    ['storage.googleapis.com', /shared by every customer/],
    ['*.com', /whole top-level domain/],
    ['https://files.example.com', /is not a host name/],
    ['files.example.com:8443', /is not a host name/],
    ['127.0.0.1', /is not a host name/],
    ['localhost', /is not a host name/],
  ])('refuses %s', (value, why) => {
    expect(() => loadConfig({ ATTACHMENT_HOSTS: value })).toThrow(why);
  });
});
