import { describe, expect, it } from 'vitest';
import { timelinesFixture } from '../helpers/fixtures.js';
import type { MessageEvent, TimelinesEvent } from '../../server/src/timelines/events.js';
import {
  formatPath,
  MAX_MESSAGE_TEXT_LENGTH,
  parseTimelinesWebhook,
} from '../../server/src/timelines/schema.js';

const fixture = (name: string): Record<string, unknown> => timelinesFixture(name);

/** The doc example of message:new, deep-cloned so each test may change it. */
const messageNew = () => fixture('webhook-message-new.doc-example.json') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function expectEvent(body: unknown): TimelinesEvent {
  const result = parseTimelinesWebhook(body);
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.event;
}
function expectMessage(body: unknown): MessageEvent {
  const event = expectEvent(body);
  if (event.kind !== 'message') throw new Error(`expected a message event, got ${JSON.stringify(event)}`);
  return event;
}
function expectError(body: unknown): string {
  const result = parseTimelinesWebhook(body);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.event)}`);
  return result.error;
}

/** A minimal valid message payload. */
const minimal = (overrides: Record<string, unknown> = {}, message: Record<string, unknown> = {}) => ({
  event_type: 'message:received:new',
  chat: { chat_id: 42, phone: '+14155550123' },
  message: { message_uid: 'm-1', timestamp: '2024-01-08 10:35:18 +0200', text: 'hi', ...message },
  ...overrides,
});

describe('parseTimelinesWebhook: the fixtures', () => {
  it('turns the documented message:new example into a complete MessageEvent', () => {
    expect(expectEvent(messageNew())).toEqual({
      kind: 'message',
      eventType: 'message:new',
      messageId: 'c7ec509d-0171-1ead-a84b-c6943a644768',
      chat: {
        id: '123456',
        name: 'Agent Smith',
        phone: '+123456789',
        isGroup: false,
        url: 'https://app.timelines.ai/chat/123456/messages/',
      },
      account: { email: 'agent-brown@example.com', fullName: 'Agent Brown', phone: '+123456789' },
      direction: 'sent',
      sentAt: '2024-01-08T08:35:18.000Z',
      text: 'Sending some example document to you',
      senderName: 'John Smith',
      attachments: [
        {
          url: 'https://example.s3.amazonaws.com/att/...',
          fileName: 'example.doc',
          mimeType: 'application/msword',
          size: 1234567,
        },
      ],
    });
  });

  it('acknowledges the chat:new sample as unsupported, keeping its chat id for the sync log', () => {
    expect(expectEvent(fixture('webhook-chat-new.sample.json'))).toEqual({
      kind: 'unsupported',
      eventType: 'chat:new',
      messageId: undefined,
      chatId: '123456',
      reason: 'unsupported event type "chat:new"',
    });
  });

  it('reads a REST API message shape (uid, from_me, attachment_url) when relayed as a message event', () => {
    const apiMessage = (fixture('api-chat-messages.doc-example.json') as { data: { messages: unknown[] } })
      .data.messages[0];
    const event = expectMessage({
      event_type: 'message:new',
      chat: { chat_id: '1000001' },
      message: apiMessage,
    });
    expect(event.messageId).toBe('de919486-0c93-409d-ae66-c2bbb544faca');
    expect(event.direction).toBe('sent');
    expect(event.sentAt).toBe('2023-06-18T12:19:23.000Z');
    expect(event.senderName).toBe('John Doe');
    expect(event.attachments).toEqual([
      { url: 'https://acme.com/logo.png', fileName: 'logo.png', mimeType: undefined, size: undefined },
    ]);
  });
});

describe('parseTimelinesWebhook: event names', () => {
  it.each([
    ['message:new', 'received'],
    ['message:received:new', 'received'],
    ['message:sent:new', 'sent'],
    ['message:created', 'received'],
    ['message.received', 'received'],
    ['message_received', 'received'],
    ['message:received', 'received'],
    ['message:sent', 'sent'],
    ['message_sent', 'sent'],
  ])(
    'accepts %j as a message event (direction %s when the payload does not say otherwise)',
    (name, direction) => {
      // from_me: false only decides when neither the direction field nor the name does.
      const event = expectMessage(minimal({ event_type: name }, { from_me: false }));
      expect(event.eventType).toBe(name);
      expect(event.direction).toBe(direction);
    },
  );

  it('keeps the event name exactly as received', () => {
    expect(expectMessage(minimal({ event_type: 'Message.Received' })).eventType).toBe('Message.Received');
  });

  it('accepts the name under "event" when "event_type" is absent', () => {
    expect(expectMessage(minimal({ event_type: undefined, event: 'message:sent:new' })).direction).toBe(
      'sent',
    );
  });

  it.each(['chat:new', 'message:updated', 'message:deleted', 'whatsapp_account:disconnected'])(
    'acknowledges %j as unsupported, with the reason naming the type',
    (name) => {
      const event = expectEvent(minimal({ event_type: name }));
      expect(event).toEqual({
        kind: 'unsupported',
        eventType: name,
        messageId: 'm-1',
        chatId: '42',
        reason: `unsupported event type "${name}"`,
      });
    },
  );

  it('acknowledges an unsupported event even when its other fields are malformed', () => {
    const event = expectEvent({ event_type: 'chat:updated', chat: { id: { nested: true } }, message: 'x' });
    expect(event).toMatchObject({ kind: 'unsupported', chatId: undefined, messageId: undefined });
  });

  it('answers an error when the event name is missing or not a string', () => {
    expect(expectError({ chat: {} })).toBe(
      'Invalid TimelinesAI webhook payload: event_type: required (the event name, e.g. "message:new")',
    );
    expect(expectError({ event_type: 7 })).toBe(
      'Invalid TimelinesAI webhook payload: event_type: expected a string',
    );
    expect(expectError({ event_type: '   ' })).toMatch(/event_type: required/);
  });
});

describe('parseTimelinesWebhook: direction', () => {
  it('takes message.direction first, even against the event name', () => {
    expect(
      expectMessage(minimal({ event_type: 'message:sent:new' }, { direction: 'received' })).direction,
    ).toBe('received');
    expect(expectMessage(minimal({ event_type: 'message:new' }, { direction: 'SENT' })).direction).toBe(
      'sent',
    );
  });

  it('falls back to the event name, then to from_me', () => {
    expect(expectMessage(minimal({ event_type: 'message:sent' }, { from_me: false })).direction).toBe('sent');
    expect(expectMessage(minimal({ event_type: 'message:new' }, { from_me: true })).direction).toBe('sent');
    expect(expectMessage(minimal({ event_type: 'message:new' }, { from_me: false })).direction).toBe(
      'received',
    );
  });

  it('ignores an unknown direction word when another source decides', () => {
    expect(expectMessage(minimal({ event_type: 'message:sent' }, { direction: 'sideways' })).direction).toBe(
      'sent',
    );
  });

  it('answers an error when nothing tells the direction', () => {
    expect(expectError(minimal({ event_type: 'message:new' }))).toMatch(
      /message\.direction: missing, and neither the event name "message:new" nor message\.from_me tells/,
    );
    expect(expectError(minimal({ event_type: 'message:new' }, { direction: 'sideways' }))).toMatch(
      /message\.direction: "sideways" is neither "sent" nor "received"/,
    );
  });
});

describe('parseTimelinesWebhook: required message fields', () => {
  it('refuses a message without message_uid, because it cannot be de-duplicated', () => {
    const body = messageNew();
    delete body.message.message_uid;
    expect(expectError(body)).toBe(
      'Invalid TimelinesAI webhook payload: message.message_uid: required: a message without an id cannot be de-duplicated',
    );
  });

  it('accepts the REST API name "uid" and numeric ids, as strings', () => {
    expect(expectMessage(minimal({}, { message_uid: undefined, uid: 'api-uid' })).messageId).toBe('api-uid');
    expect(expectMessage(minimal({}, { message_uid: 987 })).messageId).toBe('987');
  });

  it('refuses a message without a timestamp, or with an unreadable one', () => {
    expect(expectError(minimal({}, { timestamp: undefined }))).toMatch(/message\.timestamp: required/);
    expect(expectError(minimal({}, { timestamp: '08/01/2024 10:35' }))).toMatch(
      /message\.timestamp: not a date-time in the form/,
    );
    expect(expectError(minimal({}, { timestamp: '2024-01-08 10:35:18' }))).toMatch(/no UTC offset/);
  });

  it('accepts ISO 8601 and epoch-second timestamps defensively', () => {
    expect(expectMessage(minimal({}, { timestamp: '2024-01-08T08:35:18Z' })).sentAt).toBe(
      '2024-01-08T08:35:18.000Z',
    );
    expect(expectMessage(minimal({}, { timestamp: 1704702918 })).sentAt).toBe('2024-01-08T08:35:18.000Z');
  });

  it('refuses a message event without a message or chat object', () => {
    expect(expectError({ event_type: 'message:new', chat: { chat_id: 1 } })).toMatch(
      /message: required for a "message:new" event/,
    );
    expect(expectError({ event_type: 'message:new', message: { message_uid: 'x' } })).toMatch(
      /chat: required for a "message:new" event/,
    );
  });

  it('lists every problem of a payload at once', () => {
    const error = expectError({ event_type: 'message:new', chat: { phone: '+1' }, message: { text: 'x' } });
    expect(error).toContain('message.message_uid: required');
    expect(error).toContain('message.timestamp: required');
    expect(error).toContain('message.direction: missing');
    expect(error).toContain('chat.chat_id: required');
  });

  it('caps the listed problems at five and says how many more there are', () => {
    const error = expectError({
      event_type: 'message:new',
      chat: { chat_id: true, phone: false, is_group: 'yes', full_name: 1, chat_url: 2 },
      message: { text: 3, attachments: 'none' },
    });
    expect(error.split('; ')).toHaveLength(5);
    expect(error).toMatch(/\(and 2 more\)$/);
  });
});

describe('parseTimelinesWebhook: types of the fields used', () => {
  it.each([[null], [[]], ['message:new'], [42], [undefined]])(
    'refuses a body that is not a JSON object (%j)',
    (body) => {
      expect(expectError(body)).toBe('Invalid TimelinesAI webhook payload: body: expected a JSON object');
    },
  );

  it.each([
    [{ chat: { chat_id: 1, phone: true } }, 'chat.phone: expected a string or a number'],
    [{ chat: { chat_id: 1, is_group: 'yes' } }, 'chat.is_group: expected true or false'],
    [{ chat: { chat_id: -3 } }, 'chat.chat_id: expected a string or a non-negative integer'],
    [{ chat: 'abc' }, 'chat: Invalid input: expected object, received string'],
    [{ message: { message_uid: 'x', timestamp: 1704702918, text: 5 } }, 'message.text: expected a string'],
    [
      { message: { message_uid: 'x', timestamp: 1704702918, attachments: {} } },
      'message.attachments: expected an array',
    ],
    [
      {
        message: {
          message_uid: 'x',
          timestamp: 1704702918,
          attachments: [{ url: 'https://a/b', size: 'big' }],
        },
      },
      'message.attachments[0].size: expected a number of bytes',
    ],
    [{ whatsapp_account: { email: ['a@b.c'] } }, 'whatsapp_account.email: expected a string'],
    [
      { message: { message_uid: 'x', timestamp: true } },
      'message.timestamp: expected a date-time string or epoch seconds',
    ],
  ])('names the path and the problem of a wrongly typed field (%#)', (patch, expected) => {
    const base = minimal();
    const body = {
      ...base,
      ...patch,
      chat: 'chat' in patch ? patch.chat : base.chat,
    };
    expect(expectError(body)).toBe(`Invalid TimelinesAI webhook payload: ${expected}`);
  });

  it('refuses over-long names rather than storing them', () => {
    expect(expectError(minimal({ chat: { chat_id: 1, full_name: 'x'.repeat(1001) } }))).toMatch(
      /chat\.full_name: longer than 1000 characters/,
    );
  });

  it('passes unknown extra fields through without complaint', () => {
    const body = messageNew();
    body.brand_new_field = { anything: [1, 2, 3] };
    body.chat.labels = ['vip'];
    body.message.reactions = { '👍': 2 };
    expect(parseTimelinesWebhook(body).ok).toBe(true);
  });

  it('treats null and blank optional strings as absent', () => {
    const event = expectMessage(
      minimal(
        {
          chat: { chat_id: 1, phone: '+14155550123', full_name: '   ', chat_url: null },
          whatsapp_account: { email: '', full_name: null },
        },
        { text: null, sender: null },
      ),
    );
    expect(event.chat.name).toBeUndefined();
    expect(event.account).toEqual({ email: undefined, fullName: undefined, phone: undefined });
    expect(event.text).toBe('');
    expect(event.senderName).toBeUndefined();
  });
});

describe('parseTimelinesWebhook: the chat', () => {
  it('takes the chat id from chat.chat_id, else chat.id, as a string', () => {
    expect(expectMessage(minimal({ chat: { chat_id: 7004887 } })).chat.id).toBe('7004887');
    expect(expectMessage(minimal({ chat: { id: '7004887' } })).chat.id).toBe('7004887');
    expect(expectMessage(minimal({ chat: { chat_id: 1, id: 2 } })).chat.id).toBe('1');
  });

  it('falls back to the chat id inside chat_url when no id field is present', () => {
    const event = expectMessage(
      minimal({ chat: { chat_url: 'https://app.timelines.ai/chat/7004887/messages/' } }),
    );
    expect(event.chat.id).toBe('7004887');
  });

  it('refuses a message whose chat cannot be identified', () => {
    expect(expectError(minimal({ chat: { phone: '+14155550123' } }))).toMatch(/chat\.chat_id: required/);
  });

  it('rebuilds the TimelinesAI chat URL from the id when the payload has none (or not an http URL)', () => {
    expect(expectMessage(minimal({ chat: { chat_id: 7004887 } })).chat.url).toBe(
      'https://app.timelines.ai/chat/7004887/messages/',
    );
    expect(expectMessage(minimal({ chat: { chat_id: 5, chat_url: 'javascript:alert(1)' } })).chat.url).toBe(
      'https://app.timelines.ai/chat/5/messages/',
    );
  });

  it('takes the chat name from chat.full_name (message events) or chat.name (chat events)', () => {
    expect(expectMessage(minimal({ chat: { chat_id: 1, full_name: 'Ana' } })).chat.name).toBe('Ana');
    expect(expectMessage(minimal({ chat: { chat_id: 1, name: ' Ana Lima ' } })).chat.name).toBe('Ana Lima');
  });

  it('keeps a message without a phone as a message event with phone undefined (the worker skips it)', () => {
    const body = messageNew();
    delete body.chat.phone;
    expect(expectMessage(body).chat.phone).toBeUndefined();
  });

  it('uses a personal JID as the phone when chat.phone is missing', () => {
    const event = expectMessage(minimal({ chat: { chat_id: 1, jid: '14155550123@s.whatsapp.net' } }));
    expect(event.chat.phone).toBe('14155550123@s.whatsapp.net');
  });

  it('accepts a numeric phone, as a string', () => {
    expect(expectMessage(minimal({ chat: { chat_id: 1, phone: 14155550123 } })).chat.phone).toBe(
      '14155550123',
    );
  });

  it('marks group chats from is_group, and from a group JID (@g.us)', () => {
    expect(expectMessage(minimal({ chat: { chat_id: 1, is_group: true } })).chat.isGroup).toBe(true);
    expect(
      expectMessage(minimal({ chat: { chat_id: 1, jid: '120363041234567890@g.us' } })).chat.isGroup,
    ).toBe(true);
    expect(
      expectMessage(minimal({ chat: { chat_id: 1, phone: '120363041234567890@g.us' } })).chat.isGroup,
    ).toBe(true);
    expect(expectMessage(minimal()).chat.isGroup).toBe(false);
  });

  it('reads the account owner from owner_email / owner_name when email / full_name are absent', () => {
    const event = expectMessage(
      minimal({
        whatsapp_account: { owner_email: 'agent@example.com', owner_name: 'Agent', phone: '+15550001' },
      }),
    );
    expect(event.account).toEqual({ email: 'agent@example.com', fullName: 'Agent', phone: '+15550001' });
  });
});

describe('parseTimelinesWebhook: text and attachments', () => {
  it('cuts text longer than MAX_MESSAGE_TEXT_LENGTH and says so in the text', () => {
    const text = 'a'.repeat(MAX_MESSAGE_TEXT_LENGTH + 500);
    const event = expectMessage(minimal({}, { text }));
    expect(event.text.length).toBeLessThanOrEqual(MAX_MESSAGE_TEXT_LENGTH);
    expect(event.text).toMatch(/… \[message truncated: it had 16500 characters\]$/);
  });

  it('never cuts an emoji in half when cutting text', () => {
    const text = '😀'.repeat(MAX_MESSAGE_TEXT_LENGTH);
    const event = expectMessage(minimal({}, { text }));
    const kept = event.text.replace(/… \[message truncated.*$/, '');
    expect(kept).toMatch(/^(😀)+$/u);
  });

  it('keeps text exactly, including line breaks and surrounding spaces', () => {
    expect(expectMessage(minimal({}, { text: ' line 1\nline 2 ' })).text).toBe(' line 1\nline 2 ');
  });

  it('reads attachment URLs from temporary_download_url, url or download_url', () => {
    const event = expectMessage(
      minimal(
        {},
        {
          attachments: [
            {
              temporary_download_url: 'https://s3.example/a.pdf',
              filename: 'a.pdf',
              size: '10',
              mimetype: 'application/pdf',
            },
            { url: 'https://s3.example/b.png', file_name: 'b.png', mime_type: 'image/png' },
            { download_url: 'https://s3.example/c.txt', name: 'c.txt', content_type: 'text/plain' },
          ],
        },
      ),
    );
    expect(event.attachments).toEqual([
      { url: 'https://s3.example/a.pdf', fileName: 'a.pdf', mimeType: 'application/pdf', size: 10 },
      { url: 'https://s3.example/b.png', fileName: 'b.png', mimeType: 'image/png', size: undefined },
      { url: 'https://s3.example/c.txt', fileName: 'c.txt', mimeType: 'text/plain', size: undefined },
    ]);
  });

  it('names an attachment after its URL when the payload gives no file name', () => {
    const event = expectMessage(
      minimal(
        {},
        {
          attachments: [
            { url: 'https://s3.example/att/voice%20note.ogg?sig=1' },
            { url: 'https://s3.example/' },
          ],
        },
      ),
    );
    expect(event.attachments.map((a) => a.fileName)).toEqual(['voice note.ogg', 'attachment']);
  });

  it('makes file names safe for an upload (no path separators or control characters)', () => {
    const event = expectMessage(
      minimal({}, { attachments: [{ url: 'https://s3.example/x', filename: '../../etc/pa\nss' }] }),
    );
    expect(event.attachments[0]?.fileName).toBe('.._.._etc_pa_ss');
  });

  it('drops attachments that have no URL at all (nothing to download)', () => {
    const event = expectMessage(
      minimal({}, { attachments: [{ filename: 'ghost.pdf' }, { url: 'https://s3.example/x.pdf' }] }),
    );
    expect(event.attachments.map((a) => a.url)).toEqual(['https://s3.example/x.pdf']);
  });

  it('refuses an attachment URL that is not http(s)', () => {
    expect(expectError(minimal({}, { attachments: [{ url: 'file:///etc/passwd' }] }))).toMatch(
      /message\.attachments\[0\]\.temporary_download_url: not an http\(s\) URL/,
    );
  });

  it('treats null attachments as none', () => {
    expect(expectMessage(minimal({}, { attachments: null })).attachments).toEqual([]);
  });
});

describe('formatPath', () => {
  it('writes paths the way a developer reads them', () => {
    expect(formatPath([])).toBe('body');
    expect(formatPath(['message', 'attachments', 0, 'filename'])).toBe('message.attachments[0].filename');
  });
});
