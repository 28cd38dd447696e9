// Webhook delivery by the TimelinesAI emulator to a local receiver: a message sent through the API
// comes back as `message:sent:new` shaped exactly like TimelinesAI's documented example, with the
// send's message_uid; incoming messages and new chats too; failures count in errors_counter.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTimelinesWebhook } from '../../../server/src/timelines/schema.js';
import { timelinesFixture } from '../../helpers/fixtures.js';
import {
  keyPaths,
  startReceiver,
  startTimelines,
  type Receiver,
  type TimelinesSetup,
} from '../../helpers/timelines.js';

let t: TimelinesSetup;
let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(async () => {
  await t.close();
  await rx.close();
});

const bodies = (type?: string) =>
  rx.received.map((r) => r.body).filter((b) => type === undefined || b.event_type === type);

describe('webhook delivery', () => {
  it('delivers a sent message as message:sent:new, shaped like the documented payload', async () => {
    t = await startTimelines();
    await t.client.createWebhook({ eventType: 'message:sent:new', url: rx.url });
    const chat = t.emu.addChat(t.ws.id, {
      phone: '+34611111111',
      name: 'Kate Smith',
      responsibleEmail: 'rep@example.com',
    });
    const file = await t.client.uploadFile({
      data: Buffer.from('doc'),
      filename: 'example.doc',
      contentType: 'application/msword',
    });
    const { messageUid } = await t.client.sendToChat(chat.id, {
      text: 'Sending some example document to you',
      fileUid: file.uid,
    });
    await t.emu.idle();

    expect(rx.received).toHaveLength(1);
    const { body, headers } = rx.received[0]!;
    expect(headers['content-type']).toBe('application/json');
    expect(keyPaths(body)).toEqual(keyPaths(timelinesFixture('webhook-message-new.doc-example.json')));
    expect(body).toMatchObject({
      event_type: 'message:sent:new',
      chat: {
        chat_id: chat.id,
        full_name: 'Kate Smith',
        phone: '+34611111111',
        is_group: false,
        responsible_email: 'rep@example.com',
      },
      whatsapp_account: { full_name: 'Agent Brown', email: 'agent@example.com', phone: '+34600000001' },
      message: {
        message_uid: messageUid,
        direction: 'sent',
        origin: 'Public API',
        text: 'Sending some example document to you',
      },
    });
    const attachment = (body.message as { attachments: Array<Record<string, unknown>> }).attachments[0]!;
    expect(attachment).toMatchObject({ filename: 'example.doc', size: 3, mimetype: 'application/msword' });
    expect(await (await fetch(String(attachment.temporary_download_url))).text()).toBe('doc');

    // The connector reads it as a sent message with that id.
    const parsed = parseTimelinesWebhook(body);
    expect(parsed).toMatchObject({
      ok: true,
      event: { kind: 'message', messageId: messageUid, direction: 'sent' },
    });
  });

  it('sends each event to every enabled subscription that covers it', async () => {
    t = await startTimelines();
    const other = await startReceiver();
    try {
      await t.client.createWebhook({ eventType: 'message:new', url: rx.url });
      await t.client.createWebhook({ eventType: 'message:received:new', url: other.url });
      await t.client.createWebhook({ eventType: 'message:sent:new', url: other.url, enabled: false });
      const chat = t.emu.addChat(t.ws.id, { phone: '+34611111111' });
      const sent = await t.client.sendToChat(chat.id, { text: 'out' });
      const got = await t.emu.deliverIncoming(t.ws.id, { chatId: chat.id, text: 'in' });
      await t.emu.idle();
      expect(
        bodies()
          .map((b) => [b.event_type, (b.message as { message_uid: string }).message_uid])
          .sort(),
      ).toEqual(
        [
          ['message:new', sent.messageUid],
          ['message:new', got.messageUid],
        ].sort(),
      );
      expect(
        other.received.map((r) => [r.body.event_type, (r.body.message as { direction: string }).direction]),
      ).toEqual([['message:received:new', 'received']]);
    } finally {
      await other.close();
    }
  });

  it('delivers incoming messages with attachments, and a new chat as chat:created', async () => {
    t = await startTimelines();
    await t.client.createWebhook({ eventType: 'message:received:new', url: rx.url });
    await t.client.createWebhook({ eventType: 'chat:received:created', url: rx.url });
    const { chatId, messageUid } = await t.emu.deliverIncoming(t.ws.id, {
      phone: '+34 699 00 11 22',
      text: '',
      attachment: { filename: 'photo.jpg', mimetype: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff]) },
    });
    const [chatEvent] = bodies('chat:received:created');
    expect(keyPaths(chatEvent)).toEqual(keyPaths(timelinesFixture('webhook-chat-new.sample.json')));
    expect(chatEvent).toMatchObject({ chat: { id: chatId, phone: '+34699001122' } });
    const [msg] = bodies('message:received:new');
    expect(msg).toMatchObject({ message: { message_uid: messageUid, direction: 'received', text: '' } });
    const url = (msg!.message as { attachments: Array<{ temporary_download_url: string }> }).attachments[0]!
      .temporary_download_url;
    expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(parseTimelinesWebhook(msg)).toMatchObject({
      ok: true,
      event: { direction: 'received', attachments: [{ fileName: 'photo.jpg' }] },
    });

    // A send to a new number announces its chat as chat:sent:created.
    await t.client.createWebhook({ eventType: 'chat:created', url: rx.url });
    await t.client.sendToPhone({ phone: '+34688776655', text: 'hello' });
    await t.emu.idle();
    expect(bodies('chat:created').map((b) => (b.chat as { phone: string }).phone)).toEqual(['+34688776655']);
  });

  it('counts failed deliveries in errors_counter (non-2xx and timeouts) and retries when configured', async () => {
    t = await startTimelines({ deliveryTimeoutMs: 200, deliveryRetryDelaysMs: [50] });
    const hook = await t.client.createWebhook({ eventType: 'message:received:new', url: rx.url });
    const chat = t.emu.addChat(t.ws.id, { phone: '+34611111111' });

    rx.respondWith(500);
    await t.emu.deliverIncoming(t.ws.id, { chatId: chat.id, text: 'a' });
    await t.emu.idle();
    expect(t.emu.deliveries(t.ws.id).map((d) => [d.attempt, d.ok, d.error])).toEqual([
      [1, false, 'HTTP 500'],
      [2, false, 'HTTP 500'],
    ]);
    expect((await t.client.listWebhooks()).find((w) => w.id === hook.id)!.errorsCounter).toBe(2);

    rx.respondWith(200, 1000); // slower than the receiver may be
    await t.emu.deliverIncoming(t.ws.id, { chatId: chat.id, text: 'b' });
    await t.emu.idle();
    expect(
      t.emu
        .deliveries(t.ws.id)
        .slice(2)
        .map((d) => d.error),
    ).toEqual(['timeout', 'timeout']);
    expect((await t.client.listWebhooks())[0]!.errorsCounter).toBe(4);

    rx.respondWith(200);
    await t.emu.deliverIncoming(t.ws.id, { chatId: chat.id, text: 'c' });
    expect(t.emu.deliveries(t.ws.id).at(-1)).toMatchObject({ ok: true, status: 200, attempt: 1 });
    expect((await t.client.listWebhooks())[0]!.errorsCounter).toBe(4);
  });

  it('a queued send whose account disconnects fails: no webhook, credits given back', async () => {
    t = await startTimelines({ sendIntervalMs: 60_000 });
    await t.client.createWebhook({ eventType: 'message:sent:new', url: rx.url });
    const chat = t.emu.addChat(t.ws.id, { phone: '+34611111111' });
    await t.client.sendToChat(chat.id, { text: 'first' }); // leaves at once
    const second = await t.client.sendToChat(chat.id, { text: 'second' }); // waits its turn
    expect(t.emu.workspace(t.ws.id).quota.used).toBe(2);
    t.emu.setAccountConnected(t.ws.id, t.account.id, false);
    t.emu.controls.advanceTime(60_000); // its turn comes
    await t.emu.idle();
    expect(t.emu.sends(t.ws.id).map((s) => s.status)).toEqual(['sent', 'failed']);
    expect(t.emu.messages(t.ws.id, chat.id).find((m) => m.uid === second.messageUid)!.status).toBe('Failed');
    expect(t.emu.workspace(t.ws.id).quota.used).toBe(1);
    expect(bodies().map((b) => (b.message as { text: string }).text)).toEqual(['first']);
  });
});
