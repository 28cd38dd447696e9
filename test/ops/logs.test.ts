/**
 * The log of a small sync, captured line by line: one JSON object per line, a request id and the
 * workspace id on every request line, and never a message text, an unmasked phone number, a name
 * or a token. Plus the masking and redaction rules themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, maskPhone, maskPhonesIn } from '../../server/src/log.js';
import { api, connectAndActivate, startSandbox, type Harness, type Session } from '../helpers/harness.js';
import { message } from '../helpers/messages.js';

type Line = Record<string, unknown> & { msg?: string };

function capture(level = 'trace') {
  const raw: string[] = [];
  const log = createLogger(level, { write: (chunk: string) => void raw.push(chunk) });
  return { log, raw, lines: () => raw.join('').split('\n').filter(Boolean) };
}

const PHONE = '+34 612 34 56 78';
const E164 = '+34612345678';
const NAME = 'Lucía Fernández';
const TEXTS = ['Nos vemos en la plaza a las siete', 'the door code is 4471'];

describe('the log of a sync', () => {
  let h: Harness;
  let s: Session;
  let out: ReturnType<typeof capture>;
  const echoed: Record<string, string | null> = {};

  beforeAll(async () => {
    out = capture();
    h = await startSandbox({}, { log: out.log });
    s = await connectAndActivate(h.url);
    h.server.emulator!.controls.failNext(1, 503, { pathIncludes: '/Notes' });
    const post = async (body: unknown, requestId?: string) => {
      const res = await fetch(s.webhookUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return res.headers.get('x-request-id');
    };
    echoed.sane = await post(
      message({ chatId: 71, phone: PHONE, name: NAME, text: TEXTS[0] }),
      'lb-7f3a.42:x_1',
    );
    echoed.insane = await post(
      message({
        chatId: 71,
        phone: PHONE,
        name: NAME,
        text: TEXTS[1],
        attachments: [{ url: `https://files.example.org/${E164}.txt`, filename: 'x.txt' }],
      }),
      'bad id\twith spaces',
    );
    echoed.none = await post(
      message({ chatId: 72, phone: '+14155550177', name: 'Walter Bishop', text: TEXTS[0] }),
    );
    await h.server.scheduler.idle();
    expect((await api(h.url, s.token, 'GET', '/api/sync-log')).status).toBe(200);
    expect((await fetch(`${h.url}/no/such/${E164}`)).status).toBe(404);
  });
  afterAll(async () => {
    await h.close();
  });

  it('writes one JSON object per line', () => {
    const lines = out.lines();
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(() => JSON.parse(l) as Line).not.toThrow();
  });

  it('holds no message text, no unmasked phone number, no name and no token', () => {
    const text = out.raw.join('');
    for (const t of TEXTS) expect(text).not.toContain(t);
    for (const p of [E164, PHONE, '612345678', '612 34 56 78', '+14155550177', '4155550177'])
      expect(text).not.toContain(p);
    for (const n of [NAME, 'Walter Bishop']) expect(text).not.toContain(n);
    const webhookToken = s.webhookUrl!.split('/').pop()!;
    expect(text).not.toContain(webhookToken);
    expect(text).not.toContain(s.token);
    // what a phone looks like when it does appear (the 404's path): masked
    expect(text).toContain(maskPhone(E164));
  });

  it('gives every request line its request id and workspace id', () => {
    const requests = out
      .lines()
      .map((l) => JSON.parse(l) as Line)
      .filter((l) => l.msg === 'request');
    const webhooks = requests.filter((l) => l.route === '/webhooks/timelines/:token');
    expect(webhooks).toHaveLength(3);
    for (const l of requests) {
      expect(typeof l.requestId).toBe('string');
      expect(l).toHaveProperty('workspaceId');
    }
    for (const l of webhooks) expect(l.workspaceId).toBe(s.workspaceId);
    const admin = requests.filter((l) => String(l.route).startsWith('/api/'));
    expect(admin.length).toBeGreaterThan(3);
    for (const l of admin) expect(l.workspaceId).toBe(s.workspaceId);
    // the caller's sane X-Request-Id is kept and echoed; others are replaced by a fresh UUID
    expect(echoed.sane).toBe('lb-7f3a.42:x_1');
    expect(webhooks.map((l) => l.requestId)).toContain('lb-7f3a.42:x_1');
    expect(echoed.insane).toMatch(/^[0-9a-f-]{36}$/);
    expect(echoed.none).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(requests.map((l) => l.requestId)).size).toBe(requests.length);
  });

  it('logs what went wrong in the sync with the workspace id', () => {
    const lines = out.lines().map((l) => JSON.parse(l) as Line);
    const attachment = lines.find((l) => l.msg === 'attachment not downloaded');
    expect(attachment).toMatchObject({ workspaceId: s.workspaceId, level: 40 });
    const failure = lines.find((l) => l.msg === 'sync failed; policy applied');
    expect(failure).toMatchObject({ workspaceId: s.workspaceId, code: 'temporary' });
  });
});

describe('masking and redaction', () => {
  it('masks a phone number to its country code and last 4 digits', () => {
    expect(maskPhone('+34612345678')).toBe('+34•••••5678');
    expect(maskPhone('+1 (415) 555-0123')).toBe('+14•••••0123');
    expect(maskPhone('612345678')).toBe('61•••5678');
    expect(maskPhone('+3412')).toBe('+•••');
    expect(maskPhonesIn('call +34 612 34 56 78 or +1-415-555-0123 at 10:30 on 2026-11-20')).toBe(
      'call +34•••••5678 or +14•••••0123 at 10:30 on 2026-11-20',
    );
  });

  it('redacts tokens, texts and names, masks phone fields, and masks numbers in errors and messages', () => {
    const out = capture();
    out.log.info(
      {
        workspaceId: 'ws-1',
        accessToken: 'tok-aaaaaaaa',
        event: {
          phone: '+34612345678',
          text: 'hello there',
          chat: { full_name: 'Jane Roe', phone: '+14155550123' },
        },
        note: 'from +34612345678',
      },
      'synced chat of +34612345678',
    );
    out.log.error({ err: new Error("COQL: Mobile in ('34612345678','+34612345678')") }, 'lookup failed');
    const [a, b] = out.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({
      workspaceId: 'ws-1',
      accessToken: '[redacted]',
      event: {
        phone: '+34•••••5678',
        text: '[redacted]',
        chat: { full_name: '[redacted]', phone: '+14•••••0123' },
      },
      note: 'from +34•••••5678',
      msg: 'synced chat of +34•••••5678',
    });
    const err = b!.err as { message: string; stack: string };
    expect(err.message).toBe("COQL: Mobile in ('34•••••5678','+34•••••5678')");
    expect(err.stack).not.toContain('612345678');
    expect(typeof b!.time).toBe('string'); // ISO time
  });
});
