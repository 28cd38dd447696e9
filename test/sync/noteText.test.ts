import { describe, expect, it } from 'vitest';
import { timelinesFixture } from '../helpers/fixtures.js';
import {
  authorOf,
  NOTE_CONTENT_MAX_LENGTH,
  NOTE_TITLE_MAX_LENGTH,
  noteTitle,
  renderNoteContent,
  type NoteLine,
} from '../../server/src/sync/noteText.js';
import type { MessageEvent } from '../../server/src/timelines/events.js';
import { parseTimelinesWebhook } from '../../server/src/timelines/schema.js';

const CHAT_URL = 'https://app.timelines.ai/chat/7004887/messages/';
const TZ = 'Europe/Madrid';

const line = (
  messageId: string,
  sentAt: string,
  author: string,
  text: string,
  attachmentNames: string[] = [],
): NoteLine => ({
  messageId,
  sentAt,
  author,
  text,
  attachmentNames,
});

describe('noteTitle', () => {
  it('names the contact and the day as DD/MM/YYYY', () => {
    expect(noteTitle('Ana Lima', '2024-01-08')).toBe('WhatsApp chat with Ana Lima (08/01/2024)');
  });

  it('keeps titles within Zoho’s 120 characters by cutting the name, never the date', () => {
    const title = noteTitle('A very long name '.repeat(20), '2024-01-08');
    expect(title.length).toBeLessThanOrEqual(NOTE_TITLE_MAX_LENGTH);
    expect(title).toMatch(/^WhatsApp chat with A very long name .*…\s?\(08\/01\/2024\)$/);
    expect(title.endsWith('… (08/01/2024)')).toBe(true);
  });

  it('keeps a name that exactly fits', () => {
    const name = 'x'.repeat(NOTE_TITLE_MAX_LENGTH - 'WhatsApp chat with  (08/01/2024)'.length);
    expect(noteTitle(name, '2024-01-08')).toHaveLength(NOTE_TITLE_MAX_LENGTH);
    expect(noteTitle(name, '2024-01-08')).not.toContain('…');
  });

  it('puts a multi-line name on one line, and names a blank contact generically', () => {
    expect(noteTitle(' Ana\n  Lima ', '2024-01-08')).toBe('WhatsApp chat with Ana Lima (08/01/2024)');
    expect(noteTitle('  ', '2024-01-08')).toBe('WhatsApp chat with WhatsApp contact (08/01/2024)');
  });

  it('rejects a day that is not YYYY-MM-DD', () => {
    expect(() => noteTitle('Ana', '8/1/2024')).toThrow(RangeError);
  });
});

describe('renderNoteContent', () => {
  it('lists messages as "HH:mm author: text" in the time zone, then the chat URL', () => {
    const content = renderNoteContent({
      chatUrl: CHAT_URL,
      timeZone: TZ,
      messages: [
        line('m1', '2024-01-08T08:35:18.000Z', 'Ana Lima', 'Hola!'),
        line('m2', '2024-01-08T08:36:02.000Z', 'Agent Brown', 'Hi Ana, how can I help?'),
      ],
    });
    expect(content).toBe(
      [
        '09:35 Ana Lima: Hola!',
        '09:36 Agent Brown: Hi Ana, how can I help?',
        '',
        `Chat in TimelinesAI: ${CHAT_URL}`,
      ].join('\n'),
    );
  });

  it('orders messages by time whatever the order they arrived in, and ties by message id', () => {
    const content = renderNoteContent({
      chatUrl: undefined,
      timeZone: 'UTC',
      messages: [
        line('m3', '2024-01-08T10:00:00Z', 'A', 'third'),
        line('b', '2024-01-08T09:00:00Z', 'A', 'tie b'),
        line('m1', '2024-01-08T08:00:00Z', 'A', 'first'),
        line('a', '2024-01-08T09:00:00Z', 'A', 'tie a'),
      ],
    });
    expect(content.split('\n')).toEqual([
      '08:00 A: first',
      '09:00 A: tie a',
      '09:00 A: tie b',
      '10:00 A: third',
    ]);
  });

  it('compares instants, not strings, when ordering', () => {
    const content = renderNoteContent({
      chatUrl: undefined,
      timeZone: 'UTC',
      messages: [
        line('x', '2024-01-08T09:30:00+02:00', 'A', 'later'), // 07:30Z
        line('y', '2024-01-08T07:00:00.000Z', 'A', 'earlier'),
      ],
    });
    expect(content.split('\n')).toEqual(['07:00 A: earlier', '07:30 A: later']);
  });

  it('shows a redelivered message once', () => {
    const m = line('m1', '2024-01-08T08:00:00Z', 'A', 'once');
    const content = renderNoteContent({ chatUrl: undefined, timeZone: 'UTC', messages: [m, { ...m }, m] });
    expect(content).toBe('08:00 A: once');
  });

  it('indents the continuation lines of multi-line text so each message stays one block', () => {
    const content = renderNoteContent({
      chatUrl: undefined,
      timeZone: 'UTC',
      messages: [line('m1', '2024-01-08T08:00:00Z', 'Ana', 'line one\r\n10:00 Bob: fake\n\nline four  \n\n')],
    });
    expect(content).toBe(['08:00 Ana: line one', '      10:00 Bob: fake', '', '      line four'].join('\n'));
  });

  it('lists attachments after the text, and on the first line when there is no text', () => {
    const content = renderNoteContent({
      chatUrl: undefined,
      timeZone: 'UTC',
      messages: [
        line('m1', '2024-01-08T08:00:00Z', 'Ana', 'See attached', ['quote.pdf', 'photo.jpg']),
        line('m2', '2024-01-08T08:01:00Z', 'Ana', '', ['voice.ogg']),
      ],
    });
    expect(content).toBe(
      [
        '08:00 Ana: See attached',
        '      [attachment: quote.pdf]',
        '      [attachment: photo.jpg]',
        '08:01 Ana: [attachment: voice.ogg]',
      ].join('\n'),
    );
  });

  it('says "(no text)" for a message with neither text nor attachments', () => {
    const content = renderNoteContent({
      chatUrl: undefined,
      timeZone: 'UTC',
      messages: [line('m1', '2024-01-08T08:00:00Z', 'Ana', '  \n ')],
    });
    expect(content).toBe('08:00 Ana: (no text)');
  });

  it('keeps authors and file names on one line', () => {
    const content = renderNoteContent({
      chatUrl: undefined,
      timeZone: 'UTC',
      messages: [line('m1', '2024-01-08T08:00:00Z', 'Ana\nLima', '', ['a\nb.pdf'])],
    });
    expect(content).toBe('08:00 Ana Lima: [attachment: a b.pdf]');
  });

  it('renders an empty day as just the chat link', () => {
    expect(renderNoteContent({ chatUrl: CHAT_URL, timeZone: 'UTC', messages: [] })).toBe(
      `Chat in TimelinesAI: ${CHAT_URL}`,
    );
    expect(renderNoteContent({ chatUrl: undefined, timeZone: 'UTC', messages: [] })).toBe('');
  });

  it('is deterministic: the same messages in any order give the same text', () => {
    const messages = Array.from({ length: 20 }, (_, i) =>
      line(`m${i}`, `2024-01-08T0${i % 10}:00:00Z`, i % 2 ? 'Ana' : 'Bob', `text ${i}`),
    );
    const a = renderNoteContent({ chatUrl: CHAT_URL, timeZone: TZ, messages });
    const b = renderNoteContent({ chatUrl: CHAT_URL, timeZone: TZ, messages: [...messages].reverse() });
    expect(a).toBe(b);
  });

  describe('over the Note_Content limit', () => {
    const many = Array.from({ length: 50 }, (_, i) =>
      line(
        `m${String(i).padStart(2, '0')}`,
        new Date(Date.UTC(2024, 0, 8, 8, i)).toISOString(),
        'Ana',
        `message number ${i}`,
      ),
    );

    it('stays within Zoho’s limit by default', () => {
      const huge = Array.from({ length: 400 }, (_, i) =>
        line(`m${i}`, new Date(Date.UTC(2024, 0, 8, 8, 0, i)).toISOString(), 'Ana', 'x'.repeat(200)),
      );
      const content = renderNoteContent({ chatUrl: CHAT_URL, timeZone: 'UTC', messages: huge });
      expect(content.length).toBeLessThanOrEqual(NOTE_CONTENT_MAX_LENGTH);
      expect(content).toMatch(/^\[\d+ earlier messages of this day are not shown in this note/);
    });

    it('leaves out the oldest messages, keeps the newest, and says how many are missing', () => {
      const content = renderNoteContent({
        chatUrl: CHAT_URL,
        timeZone: 'UTC',
        messages: many,
        maxLength: 500,
      });
      expect(content.length).toBeLessThanOrEqual(500);
      const lines = content.split('\n');
      const shown = lines.filter((l) => /^\d\d:\d\d Ana: /.test(l));
      expect(lines[0]).toBe(
        `[${50 - shown.length} earlier messages of this day are not shown in this note; the whole chat is in TimelinesAI (link below).]`,
      );
      expect(shown.at(-1)).toBe('08:49 Ana: message number 49');
      expect(lines.at(-1)).toBe(`Chat in TimelinesAI: ${CHAT_URL}`);
      // The shown messages are the newest ones, consecutive and in order.
      const numbers = shown.map((l) => Number(/number (\d+)$/.exec(l)?.[1]));
      expect(numbers).toEqual(Array.from({ length: shown.length }, (_, i) => 50 - shown.length + i));
    });

    it('uses the singular for one missing message', () => {
      const content = renderNoteContent({
        chatUrl: undefined,
        timeZone: 'UTC',
        messages: [
          line('a', '2024-01-08T08:00:00Z', 'A', 'x'.repeat(100)),
          line('b', '2024-01-08T08:01:00Z', 'A', 'short'),
        ],
        maxLength: 100,
      });
      expect(content).toBe('[1 earlier message of this day is not shown in this note.]\n08:01 A: short');
    });

    it('cuts a single message that is too long on its own, saying so', () => {
      const content = renderNoteContent({
        chatUrl: CHAT_URL,
        timeZone: 'UTC',
        messages: [line('a', '2024-01-08T08:00:00Z', 'A', 'y'.repeat(5000))],
        maxLength: 1000,
      });
      expect(content.length).toBeLessThanOrEqual(1000);
      expect(content).toMatch(
        /^08:00 A: y+ … \[message cut: too long for a Zoho note\]\n\nChat in TimelinesAI: /,
      );
    });

    it('mentions messages no longer stored locally even when the rest fits', () => {
      const content = renderNoteContent({
        chatUrl: CHAT_URL,
        timeZone: 'UTC',
        messages: [line('a', '2024-01-08T08:00:00Z', 'A', 'hello')],
        earlierMessagesNotShown: 3,
      });
      expect(content).toBe(
        [
          '[3 earlier messages of this day are not shown in this note; the whole chat is in TimelinesAI (link below).]',
          '08:00 A: hello',
          '',
          `Chat in TimelinesAI: ${CHAT_URL}`,
        ].join('\n'),
      );
    });

    it('adds the pruned messages to those left out for room', () => {
      const content = renderNoteContent({
        chatUrl: undefined,
        timeZone: 'UTC',
        messages: [
          line('a', '2024-01-08T08:00:00Z', 'A', 'x'.repeat(100)),
          line('b', '2024-01-08T08:01:00Z', 'A', 'short'),
        ],
        earlierMessagesNotShown: 2,
        maxLength: 100,
      });
      expect(content).toBe('[3 earlier messages of this day are not shown in this note.]\n08:01 A: short');
    });
  });
});

describe('authorOf', () => {
  const base: Pick<MessageEvent, 'direction' | 'chat' | 'account' | 'senderName'> = {
    direction: 'received',
    chat: { id: '1', name: 'Ana Lima', phone: '+14155550123', isGroup: false, url: CHAT_URL },
    account: { email: 'agent@example.com', fullName: 'Agent Brown', phone: '+15550000000' },
    senderName: 'Ana L.',
  };

  it("names received messages after the chat's name", () => {
    expect(authorOf(base)).toBe('Ana Lima');
  });

  it("falls back to the sender's name, then the phone in E.164, for received messages", () => {
    expect(authorOf({ ...base, chat: { ...base.chat, name: undefined } })).toBe('Ana L.');
    expect(
      authorOf({
        ...base,
        chat: { ...base.chat, name: undefined, phone: '1 415 555 0123' },
        senderName: ' ',
      }),
    ).toBe('+14155550123');
    expect(
      authorOf({ ...base, chat: { ...base.chat, name: undefined, phone: 'weird' }, senderName: undefined }),
    ).toBe('weird');
    expect(
      authorOf({ ...base, chat: { ...base.chat, name: undefined, phone: undefined }, senderName: undefined }),
    ).toBe('Contact');
  });

  it("names sent messages after the WhatsApp account's full name, then the sender, then You", () => {
    expect(authorOf({ ...base, direction: 'sent' })).toBe('Agent Brown');
    expect(authorOf({ ...base, direction: 'sent', account: { ...base.account, fullName: undefined } })).toBe(
      'Ana L.',
    );
    expect(
      authorOf({
        ...base,
        direction: 'sent',
        account: { ...base.account, fullName: undefined },
        senderName: undefined,
      }),
    ).toBe('You');
  });

  it('names the author of the documented message:new example (a sent message) after the account', () => {
    const body: unknown = timelinesFixture('webhook-message-new.doc-example.json');
    const parsed = parseTimelinesWebhook(body);
    if (!parsed.ok || parsed.event.kind !== 'message') throw new Error('fixture did not parse');
    expect(authorOf(parsed.event)).toBe('Agent Brown');
  });
});
