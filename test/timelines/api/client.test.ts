// TimelinesClient against the TimelinesAI emulator over real HTTP: every method, what it sends and
// what it returns.
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimelinesClient, TimelinesError } from '../../../server/src/timelines/api/index.js';
import { startReceiver, startTimelines, type TimelinesSetup } from '../../helpers/timelines.js';

let t: TimelinesSetup;
beforeEach(async () => {
  t = await startTimelines();
});
afterEach(async () => {
  await t.close();
});

describe('TimelinesClient', () => {
  it('verifies a token with a harmless call that lists the WhatsApp accounts', async () => {
    t.emu.addAccount(t.ws.id, { phone: '+34600000002', connected: false });
    const { accounts } = await t.client.verifyToken();
    expect(accounts.map((a) => [a.phone, a.connected, a.status])).toEqual([
      ['+34600000001', true, 'active'],
      ['+34600000002', false, 'disconnected'],
    ]);
    expect(accounts[0]).toMatchObject({ id: '34600000001@s.whatsapp.net', ownerEmail: 'agent@example.com' });
    expect(t.emu.workspace(t.ws.id).quota.used).toBe(0);
  });

  it('reads the quotas', async () => {
    t.emu.setQuota(t.ws.id, { total: 500, used: 12 });
    const q = await t.client.getQuotas();
    expect(q.messaging).toMatchObject({ total: 500, used: 12 });
    expect(q.messaging?.periodEnd).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(q.apiCalls?.used).toBe(1);
  });

  it('creates, lists and deletes webhooks', async () => {
    const created = await t.client.createWebhook({
      eventType: 'message:sent:new',
      url: 'https://example.com/h/1',
    });
    expect(created).toMatchObject({
      eventType: 'message:sent:new',
      url: 'https://example.com/h/1',
      enabled: true,
      errorsCounter: 0,
    });
    const off = await t.client.createWebhook({
      eventType: 'message:received:new',
      url: 'https://example.com/h/2',
      enabled: false,
    });
    expect(off.enabled).toBe(false);
    expect((await t.client.listWebhooks()).map((w) => w.id)).toEqual([created.id, off.id]);
    await t.client.deleteWebhook(created.id);
    expect((await t.client.listWebhooks()).map((w) => w.id)).toEqual([off.id]);
    const again = await t.client.deleteWebhook(created.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(TimelinesError);
    expect((again as TimelinesError).code).toBe('not_found');
  });

  it('uploads a file, reads its details and its download link serves the bytes', async () => {
    const bytes = Buffer.from('%PDF-1.4 tiny');
    const file = await t.client.uploadFile({
      data: bytes,
      filename: '../../Quote "final".pdf',
      contentType: 'application/pdf',
    });
    expect(file).toMatchObject({
      filename: 'Quote final.pdf',
      size: bytes.length,
      mimeType: 'application/pdf',
    });
    const details = await t.client.getFile(file.uid);
    expect(details.uid).toBe(file.uid);
    const res = await fetch(details.temporaryDownloadUrl!);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });

  it('sends into a chat: the answer is the message_uid, the emulator queues then sends it', async () => {
    const chat = t.emu.addChat(t.ws.id, { phone: '+34611111111', name: 'Kate' });
    const { messageUid } = await t.client.sendToChat(chat.id, { text: 'Hola\nKate' });
    await t.emu.idle();
    const [m] = t.emu.messages(t.ws.id, chat.id);
    expect(m).toMatchObject({
      uid: messageUid,
      text: 'Hola\nKate',
      status: 'Sent',
      fromMe: true,
      origin: 'Public API',
    });
    expect(t.emu.workspace(t.ws.id).quota.used).toBe(1);
  });

  it('sends a file with text (2 credits) and as a reply', async () => {
    const chat = t.emu.addChat(t.ws.id, { phone: '+34611111111' });
    const first = await t.client.sendToChat(String(chat.id), { text: 'first' });
    const file = await t.client.uploadFile({ data: new Uint8Array([1, 2, 3]), filename: 'a.bin' });
    const second = await t.client.sendToChat(chat.id, {
      text: 'see file',
      fileUid: file.uid,
      replyTo: first.messageUid,
    });
    await t.emu.idle();
    const sent = t.emu.messages(t.ws.id, chat.id).find((m) => m.uid === second.messageUid);
    expect(sent).toMatchObject({ fileUid: file.uid, replyTo: first.messageUid });
    expect(t.emu.workspace(t.ws.id).quota.used).toBe(3);
  });

  it('sends to a phone number: creates the chat once, then reuses it; can pick the account', async () => {
    const a = await t.client.sendToPhone({ phone: '+34 622 33 44 55', text: 'one' });
    const b = await t.client.sendToPhone({ phone: '+34622334455', text: 'two' });
    await t.emu.idle();
    const chats = t.emu.chats(t.ws.id);
    expect(chats).toHaveLength(1);
    expect(t.emu.messages(t.ws.id, chats[0]!.id).map((m) => m.uid)).toEqual([a.messageUid, b.messageUid]);

    const other = t.emu.addAccount(t.ws.id, { phone: '+34600000009' });
    await t.client.sendToPhone({
      phone: '+34622334455',
      text: 'three',
      whatsappAccountPhone: '+34600000009',
    });
    const viaOther = t.emu.chats(t.ws.id).filter((c) => c.accountId === other.id);
    expect(viaOther).toHaveLength(1);
  });

  it('lists chats with filters', async () => {
    const old = t.emu.addChat(t.ws.id, {
      phone: '+34611111111',
      name: 'Kate Smith',
      labels: ['vip'],
      createdAt: Date.parse('2024-01-01T00:00:00Z'),
    });
    const group = t.emu.addChat(t.ws.id, { isGroup: true, name: 'Sales team' });
    const page = await t.client.listChats();
    expect(page).toMatchObject({ page: 1, hasMorePages: false, invalid: [] });
    expect(page.items.map((c) => c.id).sort()).toEqual([String(old.id), String(group.id)].sort());
    const kate = page.items.find((c) => c.id === String(old.id))!;
    expect(kate).toMatchObject({
      name: 'Kate Smith',
      phone: '+34611111111',
      isGroup: false,
      labels: ['vip'],
    });
    expect(kate.chatUrl).toBe(`https://app.timelines.ai/chat/${old.id}/messages/`);
    expect(kate.createdAt).toBe('2024-01-01T00:00:00.000Z');

    const only = async (f: Parameters<TimelinesClient['listChats']>[0]) =>
      (await t.client.listChats(f)).items.map((c) => c.id);
    expect(await only({ group: true })).toEqual([String(group.id)]);
    expect(await only({ group: false })).toEqual([String(old.id)]);
    expect(await only({ labels: ['vip', 'other'] })).toEqual([String(old.id)]);
    expect(await only({ name: 'sales' })).toEqual([String(group.id)]);
    expect(await only({ createdAfter: new Date('2025-01-01T00:00:00Z') })).toEqual([String(group.id)]);
    expect(await only({ createdBefore: '2024-01-01' })).toEqual([String(old.id)]);
    expect(await only({ whatsappAccountIds: [t.account.id] })).toHaveLength(2);
  });

  it("lists a chat's messages with filters", async () => {
    const chat = t.emu.addChat(t.ws.id, { phone: '+34611111111', name: 'Kate' });
    const at = (iso: string) => Date.parse(iso);
    const { messageUid: inUid } = await t.emu.deliverIncoming(t.ws.id, {
      chatId: chat.id,
      text: 'in',
      at: at('2024-03-01T10:00:00Z'),
    });
    const out = await t.client.sendToChat(chat.id, { text: 'out' });
    await t.emu.idle();

    const all = await t.client.listChatMessages(chat.id);
    expect(all.items.map((m) => m.uid).sort()).toEqual([inUid, out.messageUid].sort());
    const received = all.items.find((m) => m.uid === inUid)!;
    expect(received).toMatchObject({
      chatId: String(chat.id),
      fromMe: false,
      text: 'in',
      sentAt: '2024-03-01T10:00:00.000Z',
    });
    expect(received.timestamp).toBe('2024-03-01 12:00:00 +0200');

    const uids = async (f: Parameters<TimelinesClient['listChatMessages']>[1]) =>
      (await t.client.listChatMessages(chat.id, f)).items.map((m) => m.uid);
    expect(await uids({ fromMe: true })).toEqual([out.messageUid]);
    expect(await uids({ fromMe: false })).toEqual([inUid]);
    expect(await uids({ before: '2024-03-01' })).toEqual([inUid]);
    expect(await uids({ after: new Date('2024-03-02T00:00:00Z') })).toEqual([out.messageUid]);
    expect(await uids({ afterMessage: inUid })).toEqual([out.messageUid]);
  });

  it('checks inputs before calling TimelinesAI', async () => {
    const calls = () => t.emu.workspace(t.ws.id).apiCalls;
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => t.client.sendToPhone({ phone: '600 11 22 33', text: 'x' }), /international format/],
      [() => t.client.sendToChat('1000001', { text: '   ' }), /empty/],
      [() => t.client.sendToChat('abc', { text: 'x' }), /chat id/],
      [() => t.client.sendToChat(1, { text: 'x'.repeat(70_000) }), /longer than WhatsApp allows/],
      [() => t.client.createWebhook({ eventType: 'message:sent:new', url: 'ftp://x' }), /http/],
      [() => t.client.createWebhook({ eventType: 'Message Sent', url: 'https://x.example' }), /event name/],
      [() => t.client.uploadFile({ data: new Uint8Array(0), filename: 'x' }), /empty/],
      [() => t.client.listChats({}, 0), /page/],
      [() => t.client.listChatMessages(1, { after: 'yesterday' }), /ISO 8601/],
      [() => t.client.deleteWebhook('../x'), /webhookId/],
    ];
    for (const [call, message] of cases) {
      const e = await call().catch((err: unknown) => err);
      expect(e, String(message)).toBeInstanceOf(TimelinesError);
      expect((e as TimelinesError).code).toBe('validation');
      expect((e as TimelinesError).message).toMatch(message);
    }
    expect(calls()).toBe(0);
    expect(() => new TimelinesClient({ token: 'has a space' })).toThrow(/token looks wrong/);
  });

  it('never exposes the token: not in errors, not when the client is inspected', async () => {
    t.emu.revokeToken(t.token);
    const e = (await t.client.listWebhooks().catch((err: unknown) => err)) as TimelinesError;
    expect(e.code).toBe('auth');
    for (const text of [
      e.message,
      e.stack ?? '',
      JSON.stringify(e),
      inspect(e),
      inspect(t.client, { depth: 5 }),
    ]) {
      expect(text).not.toContain(t.token);
    }
  });

  it('sends the bearer token and JSON bodies as TimelinesAI expects', async () => {
    const receiver = await startReceiver(); // stands in for the API: records what the client sends
    try {
      const client = new TimelinesClient({
        token: 'tok-12345678',
        baseUrl: receiver.url.replace('/hook', ''),
        pacing: t.pacing,
      });
      await client
        .createWebhook({ eventType: 'message:new', url: 'https://example.com/x' })
        .catch(() => undefined);
      const got = receiver.received[0]!;
      expect(got.headers.authorization).toBe('Bearer tok-12345678');
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.body).toEqual({ event_type: 'message:new', url: 'https://example.com/x', enabled: true });
    } finally {
      await receiver.close();
    }
  });
});
