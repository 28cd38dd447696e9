// Paging through a whole workspace's history (3,000 messages over 300 chats and 30 days), in both
// message orders, resuming from a page, and skipping malformed items instead of failing a page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimelinesClient, type TimelinesMessage } from '../../../server/src/timelines/api/index.js';
import { startFixedServer, startTimelines, type TimelinesSetup } from '../../helpers/timelines.js';

const END = Date.parse('2024-06-30T12:00:00Z');
const DAY = 86_400_000;
let t: TimelinesSetup;

beforeAll(async () => {
  t = await startTimelines({ pageSize: 50, now: () => END });
  const seeded = t.emu.seedHistory(t.ws.id, { chats: 300, messages: 3000, days: 30, endAt: END, seed: 7 });
  expect(seeded).toMatchObject({ messages: 3000, attachments: 300 });
});
afterAll(async () => {
  await t.close();
});

async function everything(client: TimelinesClient, pageSizeForMessages: number) {
  t.emu.controls.setPageSize(pageSizeForMessages);
  const chats: string[] = [];
  const messages: TimelinesMessage[] = [];
  for await (const page of client.chatPages({ group: false })) {
    expect(page.invalid).toEqual([]);
    chats.push(...page.items.map((c) => c.id));
  }
  for (const chatId of chats) {
    for await (const page of client.messagePages(chatId)) messages.push(...page.items);
  }
  return { chats, messages };
}

describe('paging', () => {
  it('reads every chat and every message exactly once, newest first', async () => {
    const { chats, messages } = await everything(t.client, 4);
    expect(chats).toHaveLength(300);
    expect(new Set(chats).size).toBe(300);
    expect(messages).toHaveLength(3000);
    expect(new Set(messages.map((m) => m.uid)).size).toBe(3000);
    for (const m of messages) {
      const at = Date.parse(m.sentAt);
      expect(at).toBeGreaterThanOrEqual(END - 30 * DAY);
      expect(at).toBeLessThan(END);
    }
    expect(messages.filter((m) => m.fromMe).length).toBeGreaterThan(1000);
    expect(messages.filter((m) => !m.fromMe).length).toBeGreaterThan(1000);
  });

  it('reads the same set oldest first', async () => {
    t.emu.controls.setMessageOrder('oldest_first');
    try {
      const oldestFirst = await everything(t.client, 7);
      expect(oldestFirst.messages).toHaveLength(3000);
      t.emu.controls.setMessageOrder('newest_first');
      const newestFirst = await everything(t.client, 50);
      expect(new Set(oldestFirst.messages.map((m) => m.uid))).toEqual(
        new Set(newestFirst.messages.map((m) => m.uid)),
      );
    } finally {
      t.emu.controls.setMessageOrder('newest_first');
    }
  });

  it('attachments come with a link that downloads the file', async () => {
    t.emu.controls.setPageSize(50);
    const chat = t.emu.chats(t.ws.id).find((c) => t.emu.messages(t.ws.id, c.id).some((m) => m.fileUid))!;
    const page = await t.client.listChatMessages(chat.id);
    const withFile = page.items.find((m) => m.attachment)!;
    expect(withFile.attachment!.fileName).toMatch(/^documento-\d+\.txt$/);
    const res = await fetch(withFile.attachment!.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`del chat ${chat.id}`);
  });

  it('resumes from a page: the pages after it, then the end', async () => {
    t.emu.controls.setPageSize(50);
    const pages: number[] = [];
    let last = true;
    for await (const page of t.client.chatPages({}, 4)) {
      pages.push(page.page);
      last = page.hasMorePages;
    }
    expect(pages).toEqual([4, 5, 6]);
    expect(last).toBe(false);
  });

  it('stops at an empty page that claims more, and when a server never stops', async () => {
    const endless = await startFixedServer(() => ({
      status: 200,
      body: JSON.stringify({ status: 'ok', data: { has_more_pages: true, chats: [{ id: 1 }] } }),
    }));
    const empty = await startFixedServer(() => ({
      status: 200,
      body: JSON.stringify({ status: 'ok', data: { has_more_pages: true, chats: [] } }),
    }));
    try {
      const pages = async (url: string, maxPages = 10) => {
        const client = new TimelinesClient({
          token: 'tok-12345678',
          baseUrl: url,
          pacing: t.pacing,
          maxPages,
        });
        const seen: number[] = [];
        for await (const page of client.chatPages()) seen.push(page.page);
        return seen;
      };
      expect(await pages(empty.url)).toEqual([1]);
      await expect(pages(endless.url, 3)).rejects.toMatchObject({ code: 'temporary' });
    } finally {
      await endless.close();
      await empty.close();
    }
  });

  it('reports malformed items and keeps the rest of the page', async () => {
    const good = { uid: 'm1', timestamp: '2024-01-08 10:35:18 +0200', from_me: true, text: 'ok' };
    const server = await startFixedServer(() => ({
      status: 200,
      body: JSON.stringify({
        status: 'ok',
        data: {
          has_more_pages: false,
          messages: [good, { ...good, uid: 'm2', timestamp: 'yesterday' }, { timestamp: good.timestamp }],
        },
      }),
    }));
    try {
      const client = new TimelinesClient({ token: 'tok-12345678', baseUrl: server.url, pacing: t.pacing });
      const page = await client.listChatMessages(5);
      expect(page.items.map((m) => [m.uid, m.chatId, m.sentAt])).toEqual([
        ['m1', '5', '2024-01-08T08:35:18.000Z'],
      ]);
      expect(page.invalid.map((i) => i.index)).toEqual([1, 2]);
      expect(page.invalid[0]!.problem).toMatch(/^timestamp: /);
      expect(page.invalid[1]!.problem).toMatch(/^uid: /);
    } finally {
      await server.close();
    }
  });

  it('reads the documented example answers', async () => {
    const { timelinesFixture } = await import('../../helpers/fixtures.js');
    let body = '';
    const server = await startFixedServer(() => ({ status: 200, body }));
    try {
      const client = new TimelinesClient({ token: 'tok-12345678', baseUrl: server.url, pacing: t.pacing });
      body = JSON.stringify(timelinesFixture('api-chats.doc-example.json'));
      const chats = await client.listChats();
      expect(chats).toMatchObject({ hasMorePages: true, invalid: [] });
      expect(chats.items[0]).toMatchObject({
        id: '123456',
        phone: '+14155551234',
        responsibleEmail: 'agent@company.com',
      });
      body = JSON.stringify(timelinesFixture('api-chat-messages.doc-example.json'));
      const messages = await client.listChatMessages(1000001);
      expect(messages.items[0]).toMatchObject({
        uid: 'de919486-0c93-409d-ae66-c2bbb544faca',
        chatId: '1000001',
        sentAt: '2023-06-18T12:19:23.000Z',
        messageType: 'Note',
        attachment: { url: 'https://acme.com/logo.png', fileName: 'logo.png' },
      });
    } finally {
      await server.close();
    }
  });
});
