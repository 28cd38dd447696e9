/**
 * The webhook's fast path (wireFastPath.ts) answers exactly as the zod schemas do: every payload here,
 * valid or not, gets the same result (the same event, or the same 400 wording) from
 * `parseTimelinesWebhook` as from `parseWithSchemas`, and the well-formed ones do take the fast path.
 */
import { describe, expect, it } from 'vitest';
import { timelinesFixture } from '../helpers/fixtures.js';
import { parseTimelinesWebhook, parseWithSchemas } from '../../server/src/timelines/schema.js';
import { fastMessageEventWire } from '../../server/src/timelines/wireFastPath.js';

type Json = Record<string, unknown>;

const base = (): Json => ({
  event_type: 'message:new',
  whatsapp_account: { full_name: ' Agent ', email: 'a@b.test', phone: '+34600000000' },
  chat: {
    chat_id: 123456,
    full_name: 'Jane',
    phone: '+14155550123',
    jid: '14155550123@s.whatsapp.net',
    is_group: false,
    chat_url: 'https://app.timelines.ai/chat/123456/messages/',
  },
  message: {
    message_uid: 'u-1',
    timestamp: '2024-01-08 10:35:18 +0200',
    text: 'hello',
    direction: 'received',
    from_me: false,
    sender: { full_name: 'Jane', phone: '+14155550123' },
    attachments: [
      {
        temporary_download_url: 'https://files.test/a.pdf',
        filename: 'a.pdf',
        size: 12,
        mimetype: 'application/pdf',
      },
    ],
  },
});

/** Values of every kind, each tried in every field the fast path reads. */
const VALUES: unknown[] = [
  undefined,
  null,
  '',
  '   ',
  ' x ',
  'received',
  'sent',
  'message:sent:new',
  'https://files.test/x.png',
  'ftp://files.test/x.png',
  '12345',
  '1.5',
  'x'.repeat(99),
  'x'.repeat(100),
  'x'.repeat(101),
  'x'.repeat(200),
  'x'.repeat(201),
  'x'.repeat(1000),
  'x'.repeat(1001),
  '14155550123@g.us',
  '2024-01-08 10:35:18 +0200',
  0,
  -0,
  7,
  -1,
  1.5,
  1e300,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  1700000000,
  Infinity,
  NaN,
  true,
  false,
  {},
  { full_name: 'x' },
  { full_name: 5 },
  [],
  [{}],
  [{ url: 'https://files.test/b' }],
  [{ url: 5 }],
  ['x'],
  new Date(0),
];

const PATHS: string[][] = [
  ['event_type'],
  ['event'],
  ['chat'],
  ['whatsapp_account'],
  ['message'],
  ...['chat_id', 'id', 'full_name', 'name', 'phone', 'jid', 'is_group', 'chat_url'].map((k) => ['chat', k]),
  ...['full_name', 'owner_name', 'email', 'owner_email', 'phone'].map((k) => ['whatsapp_account', k]),
  ...[
    'message_uid',
    'uid',
    'timestamp',
    'text',
    'direction',
    'from_me',
    'sender',
    'sender_name',
    'attachments',
    'attachment_url',
    'attachment_filename',
  ].map((k) => ['message', k]),
  ...['full_name', 'phone'].map((k) => ['message', 'sender', k]),
  ...[
    'temporary_download_url',
    'url',
    'download_url',
    'filename',
    'file_name',
    'name',
    'size',
    'mimetype',
    'mime_type',
    'content_type',
  ].map((k) => ['message', 'attachments', '0', k]),
];

function withValue(path: string[], value: unknown): Json {
  const body = base();
  let at = body as Record<string, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return body;
}

describe('the webhook fast path', () => {
  it('reads well-formed payloads itself (the documented example among them)', () => {
    expect(fastMessageEventWire(base())).toBeDefined();
    const doc = timelinesFixture('webhook-message-new.doc-example.json') as Json;
    expect(fastMessageEventWire(doc)).toBeDefined();
    expect(parseTimelinesWebhook(doc)).toEqual(parseWithSchemas(doc));
  });

  it('answers as the schemas do for every value in every field it reads', () => {
    let compared = 0;
    for (const path of PATHS) {
      for (const value of VALUES) {
        const body = withValue(path, value);
        const label = `${path.join('.')} = ${typeof value === 'string' && value.length > 20 ? `${value.length} chars` : String(value)}`;
        expect(parseTimelinesWebhook(body), label).toEqual(parseWithSchemas(body));
        compared += 1;
      }
    }
    expect(compared).toBe(PATHS.length * VALUES.length);
  });

  it('answers as the schemas do for pairs of faults (the order and count of the problems reported)', () => {
    const bad: [string[], unknown][] = [
      [['message', 'message_uid'], undefined],
      [['message', 'timestamp'], 'not a date'],
      [['chat', 'chat_id'], -1],
      [['chat', 'phone'], {}],
      [['message', 'attachments'], [{ url: 'ftp://x' }]],
      [['message', 'direction'], 'sideways'],
      [['event_type'], 'chat:new'],
      [['whatsapp_account', 'email'], 7],
    ];
    for (const [p1, v1] of bad)
      for (const [p2, v2] of bad) {
        const body = withValue(p1, v1);
        let at = body as Record<string, unknown>;
        for (const key of p2.slice(0, -1)) at = (at[key] ?? {}) as Record<string, unknown>;
        if (v2 === undefined) delete at[p2[p2.length - 1]!];
        else at[p2[p2.length - 1]!] = v2;
        expect(parseTimelinesWebhook(body), `${p1.join('.')} + ${p2.join('.')}`).toEqual(
          parseWithSchemas(body),
        );
      }
  });

  it('leaves objects that are not plain JSON objects to the schemas', () => {
    const body = base();
    (body.message as Json).sender = new Date(0);
    expect(fastMessageEventWire(body)).toBeUndefined();
    expect(parseTimelinesWebhook(body)).toEqual(parseWithSchemas(body));
  });
});
