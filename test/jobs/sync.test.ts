import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ZohoEmulator } from '../../emulator/zoho/index.js';
import {
  api,
  connectAndActivate,
  CONTACT_SETTINGS,
  postWebhook,
  startSandbox,
  type Harness,
  type Session,
} from '../helpers/harness.js';
import { message } from '../helpers/messages.js';

type LogEntry = {
  outcome: string;
  reason: string | null;
  chatId: string | null;
  messageId: string | null;
  recordId: string | null;
  noteId: string | null;
};

describe('sync rules, through the webhook and the emulator', () => {
  let h: Harness;
  let s: Session;
  let emu: ZohoEmulator;
  let orgId: string;

  beforeEach(async () => {
    h = await startSandbox();
    emu = h.server.emulator!;
    orgId = emu.state.orgs()[0]!.orgId;
    s = await connectAndActivate(h.url);
    await h.server.scheduler.idle(); // the phone index of the module is built after activation
  });
  afterEach(async () => {
    await h.close();
  });

  const send = async (body: unknown) => {
    const res = await postWebhook(s.webhookUrl!, body);
    expect(res.status).toBe(200);
    return res.body;
  };
  const settle = async () => {
    await h.server.scheduler.idle();
  };
  /** Records other than the activation's test record. */
  const contacts = () =>
    emu.state.records(orgId, 'Contacts').filter((r) => r.Mobile !== '+447700900123') as ({
      id: string;
    } & Record<string, unknown>)[];
  const notesOf = (recordId: string) =>
    emu.state.notes(orgId, recordId) as { id: string; Note_Title: string; Note_Content: string }[];
  const log = async () =>
    (await api<{ entries: LogEntry[] }>(h.url, s.token, 'GET', '/api/sync-log')).body.entries;

  it('creates one record for a new chat with name, E.164 phone, lead source, chat link, Description and owner', async () => {
    await send(message({ phone: '+1 (415) 555-0123', name: 'Jane Roe', accountEmail: 'rep@sandbox.test' }));
    await settle();
    const [record, ...more] = contacts();
    expect(more).toHaveLength(0);
    expect(record).toMatchObject({
      Last_Name: 'Jane Roe',
      Mobile: '+14155550123',
      Lead_Source: 'TimelinesAI',
      WhatsApp_Chat: 'https://app.timelines.ai/chat/7004887/messages/',
      Description: 'https://app.timelines.ai/chat/7004887/messages/',
    });
    expect((record!.Owner as { email: string }).email).toBe('rep@sandbox.test');
    const entries = await log();
    expect(entries[0]).toMatchObject({ outcome: 'synced', recordId: record!.id, chatId: '7004887' });
  });

  it('names a record without a WhatsApp name "New WhatsApp contact: +E.164" and owns it by the connecting user when no email matches', async () => {
    await send(message({ phone: '+14155550199', name: '', accountEmail: 'nobody@elsewhere.test' }));
    await settle();
    const [record] = contacts();
    expect(record!.Last_Name).toBe('New WhatsApp contact: +14155550199');
    expect((record!.Owner as { email: string }).email).toBe('admin@sandbox.test');
  });

  it('remembers the chat→record link: later messages of the chat cost no lookup', async () => {
    await send(message({ text: 'one', timestamp: '2026-11-20 10:00:00 +0000' }));
    await settle();
    const coql = emu.stats.calls(orgId).coql ?? 0;
    await send(message({ text: 'two', timestamp: '2026-11-20 10:05:00 +0000' }));
    await send(message({ text: 'three', timestamp: '2026-11-22 10:05:00 +0000' }));
    await settle();
    expect(emu.stats.calls(orgId).coql ?? 0).toBe(coql);
    expect(contacts()).toHaveLength(1);
  });

  it('writes one line in one Note when the same message is delivered 5 times', async () => {
    const body = message({ uid: 'dup-1', text: 'only once please' });
    const answers = await Promise.all(Array.from({ length: 5 }, () => postWebhook(s.webhookUrl!, body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await settle();
    await send(body); // and once more after the sync
    await settle();
    const [record] = contacts();
    const notes = notesOf(record!.id);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.Note_Content.split('only once please')).toHaveLength(2);
  });

  it('creates one record for 20 concurrent first messages of a new chat', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(
          message({
            phone: '+4915112345678',
            chatId: 555,
            name: 'Max',
            text: `m${i}`,
            timestamp: `2026-11-20 10:${String(10 + i)}:00 +0000`,
          }),
        ),
      ),
    );
    await settle();
    const matching = contacts().filter((r) => r.Mobile === '+4915112345678');
    expect(matching).toHaveLength(1);
    const notes = notesOf(matching[0]!.id);
    expect(notes).toHaveLength(1);
    for (let i = 0; i < 20; i++) expect(notes[0]!.Note_Content).toContain(`: m${i}`);
  });

  it('splits messages over midnight in the org time zone into two Notes with the right dates, in time order', async () => {
    // The sandbox org is in Europe/Madrid (UTC+1 in November): 22:30Z is 23:30 on the 20th, 23:30Z is 00:30 on the 21st.
    await send(message({ text: 'late evening', timestamp: '2026-11-20 22:30:00 +0000' }));
    await send(message({ text: 'after midnight', timestamp: '2026-11-20 23:30:00 +0000' }));
    await send(message({ text: 'earlier that evening', timestamp: '2026-11-20 21:00:00 +0000' }));
    await settle();
    const [record] = contacts();
    const notes = notesOf(record!.id).sort((a, b) => a.Note_Title.localeCompare(b.Note_Title));
    expect(notes.map((n) => n.Note_Title)).toEqual([
      'WhatsApp chat with Jane Roe (20/11/2026)',
      'WhatsApp chat with Jane Roe (21/11/2026)',
    ]);
    const first = notes[0]!.Note_Content;
    expect(first.indexOf('22:00 Jane Roe: earlier that evening')).toBeGreaterThanOrEqual(0);
    expect(first.indexOf('earlier that evening')).toBeLessThan(first.indexOf('late evening'));
    expect(notes[1]!.Note_Content).toContain('00:30 Jane Roe: after midnight');
    expect(first).toContain('https://app.timelines.ai/chat/7004887/messages/');
  });

  it('places a late message in its own day, in order, in the existing Note', async () => {
    await send(message({ text: 'second', timestamp: '2026-11-20 12:00:00 +0000' }));
    await settle();
    await send(message({ text: 'first', timestamp: '2026-11-20 09:00:00 +0000' }));
    await settle();
    const [record] = contacts();
    const notes = notesOf(record!.id);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.Note_Content.indexOf('first')).toBeLessThan(notes[0]!.Note_Content.indexOf('second'));
  });

  it('writes sent messages under the WhatsApp account name', async () => {
    await send(message({ text: 'from us', direction: 'sent' }));
    await settle();
    const [record] = contacts();
    expect(notesOf(record!.id)[0]!.Note_Content).toContain('Agent Brown: from us');
  });

  it('matches "(415) 555-0123" stored in a US org to +14155550123 without creating a record', async () => {
    const us = emu.seedOrg({
      companyName: 'US Corp',
      countryCode: 'US',
      country: 'United States',
      timeZone: 'America/Los_Angeles',
    });
    const admin = us.users.find((u) => u.isAdmin)!;
    const { connectAs } = await import('../helpers/harness.js');
    const session = await connectAs(h.url, admin.email);
    await api(h.url, session.token, 'POST', '/api/zoho/modules/Contacts/chat-link-field');
    await api(h.url, session.token, 'PUT', '/api/settings', CONTACT_SETTINGS);
    expect((await api(h.url, session.token, 'POST', '/api/activate')).status).toBe(200);
    const existing = emu.state.createRecord(us.orgId, 'Contacts', {
      Last_Name: 'Pre Existing',
      Phone: '(415) 555-0123',
    });
    emu.controls.searchLagSec = 0;
    const res = await postWebhook(
      session.webhookUrl!,
      message({ phone: '+14155550123', name: 'WhatsApp Name' }),
    );
    expect(res.status).toBe(200);
    await settle();
    const records = emu.state.records(us.orgId, 'Contacts').filter((r) => r.Mobile !== '+447700900123') as ({
      id: string;
    } & Record<string, unknown>)[];
    expect(records.map((r) => r.id)).toEqual([existing]);
    const record = records[0]!;
    expect(record.Last_Name).toBe('Pre Existing'); // matched records are never renamed
    expect(record.WhatsApp_Chat).toBe('https://app.timelines.ai/chat/7004887/messages/');
    expect(emu.state.notes(us.orgId, existing)).toHaveLength(1);
  });

  it("matches WhatsApp's Mexican +521 rewrite to a record stored without the 1", async () => {
    const existing = emu.state.createRecord(orgId, 'Contacts', {
      Last_Name: 'Lupita',
      Phone: '+52 55 1234 5678',
    });
    await send(message({ phone: '+5215512345678', name: 'Lupita WA' }));
    await settle();
    expect(contacts().map((r) => r.id)).toEqual([existing]);
  });

  it('matches a number stored in any phone field of the module, even a third one', async () => {
    emu.state.addField(orgId, 'Contacts', { apiName: 'Home_Phone', label: 'Home Phone', dataType: 'phone' });
    // Activation reads the module's fields afresh (the metadata cache otherwise keeps them 10 minutes).
    await api(h.url, s.token, 'POST', '/api/deactivate');
    expect((await api(h.url, s.token, 'POST', '/api/activate')).status).toBe(200);
    const existing = emu.state.createRecord(orgId, 'Contacts', {
      Last_Name: 'Three Phones',
      Home_Phone: '612 34 56 78',
    });
    await send(message({ phone: '+34612345678', name: 'Tres' }));
    await settle();
    expect(contacts().map((r) => r.id)).toEqual([existing]);
  });

  it('renames a record it created when the WhatsApp name changes, but never one a rep renamed', async () => {
    await send(message({ chatId: 1, phone: '+14155550101', name: 'Old Name' }));
    await send(message({ chatId: 2, phone: '+14155550102', name: 'Other Old' }));
    await settle();
    const byPhone = (p: string) => contacts().find((r) => r.Mobile === p)!;
    emu.state.updateRecord(orgId, 'Contacts', byPhone('+14155550102').id, { Last_Name: 'Edited By Rep' });
    await send(
      message({ chatId: 1, phone: '+14155550101', name: 'New Name', timestamp: '2026-11-20 11:00:00 +0000' }),
    );
    await send(
      message({
        chatId: 2,
        phone: '+14155550102',
        name: 'Other New',
        timestamp: '2026-11-20 11:00:00 +0000',
      }),
    );
    await settle();
    expect(byPhone('+14155550101').Last_Name).toBe('New Name');
    expect(byPhone('+14155550102').Last_Name).toBe('Edited By Rep');
  });

  it('produces nothing in the CRM for a group chat and logs it as skipped', async () => {
    const before = emu.stats.calls(orgId);
    await send(message({ isGroup: true, uid: 'group-1' }));
    await settle();
    expect(contacts()).toHaveLength(0);
    expect(emu.stats.calls(orgId)).toEqual(before);
    const entries = await log();
    expect(entries[0]).toMatchObject({ outcome: 'skipped', messageId: 'group-1' });
    expect(entries[0]!.reason).toMatch(/group/);
  });

  it('skips events while inactive and does not sync them later', async () => {
    await api(h.url, s.token, 'POST', '/api/deactivate');
    await send(message({ uid: 'while-off' }));
    await api(h.url, s.token, 'POST', '/api/activate');
    await settle();
    expect(contacts()).toHaveLength(0);
    expect((await log()).find((e) => e.messageId === 'while-off')).toMatchObject({ outcome: 'skipped' });
  });

  it('acknowledges and skips unknown event types', async () => {
    const res = await postWebhook(s.webhookUrl!, { event_type: 'chat:new', chat: { id: 1 } });
    expect(res.status).toBe(200);
    expect((await log())[0]).toMatchObject({ outcome: 'skipped' });
  });

  it('uploads an attachment to the Note of its day', async () => {
    await send(message({ text: 'see attached', timestamp: '2026-11-20 10:00:00 +0000' }));
    await send(
      message({
        text: 'the brochure',
        timestamp: '2026-11-21 10:00:00 +0000',
        attachments: [{ url: `${h.url}/sandbox/files/brochure.txt`, filename: 'brochure.txt' }],
      }),
    );
    await settle();
    const [record] = contacts();
    const notes = notesOf(record!.id);
    const day21 = notes.find((n) => n.Note_Title.endsWith('(21/11/2026)'))!;
    const day20 = notes.find((n) => n.Note_Title.endsWith('(20/11/2026)'))!;
    const files = emu.state.attachments(orgId, day21.id);
    expect(files.map((f) => f.fileName)).toEqual(['brochure.txt']);
    expect(files[0]!.data.toString('utf8')).toContain('Sandbox brochure');
    expect(emu.state.attachments(orgId, day20.id)).toHaveLength(0);
    expect(day21.Note_Content).toContain('brochure.txt');
  });

  it('refuses to download an attachment from a host that is not allowed, and says so in the log', async () => {
    await send(
      message({
        attachments: [
          { url: 'http://169.254.169.254/latest/meta-data', filename: 'x.txt' },
          { url: 'https://files.evil.example/y.txt', filename: 'y.txt' },
        ],
      }),
    );
    await settle();
    // Each attachment that could not be synced is a failed entry of its own.
    const failed = (await log()).filter((e) => e.outcome === 'failed');
    const reasons = failed.map((e) => e.reason).join('\n');
    expect(reasons).toMatch(/x\.txt.*: an IP address \(169\.254\.169\.254\) is not allowed/);
    expect(reasons).toMatch(/y\.txt.*: host files\.evil\.example is not in ATTACHMENT_HOSTS/);
    expect(contacts()).toHaveLength(1); // the message itself is synced
  });

  it('retries after Zoho rate limits and server errors, and syncs once', async () => {
    emu.controls.failNext(3, 429);
    emu.controls.failNext(2, 503);
    await send(message({ uid: 'retry-1', text: 'eventually' }));
    await settle();
    const [record] = contacts();
    expect(notesOf(record!.id)).toHaveLength(1);
    const entries = await log();
    expect(entries[0]).toMatchObject({ outcome: 'synced', messageId: 'retry-1' });
    expect(entries.some((e) => e.outcome === 'failed' && e.messageId === 'retry-1')).toBe(true);
  });

  it('keeps events while disconnected and syncs them after reconnection', async () => {
    await api(h.url, s.token, 'POST', '/api/disconnect');
    await send(message({ uid: 'while-disconnected', text: 'are you there?' }));
    await settle();
    expect(contacts()).toHaveLength(0);
    const { connectAs } = await import('../helpers/harness.js');
    await connectAs(h.url, 'admin@sandbox.test');
    await settle();
    const [record] = contacts();
    expect(notesOf(record!.id)[0]!.Note_Content).toContain('are you there?');
  });
});

describe('webhook input errors', () => {
  let h: Harness;
  let s: Session;
  beforeEach(async () => {
    h = await startSandbox();
    s = await connectAndActivate(h.url);
  });
  afterEach(async () => {
    await h.close();
  });

  it('answers 404 for an unknown token, well-formed or not, without telling which exist', async () => {
    const a = await fetch(`${h.url}/webhooks/timelines/${'x'.repeat(32)}`, { method: 'POST', body: '{}' });
    const b = await fetch(`${h.url}/webhooks/timelines/short`, { method: 'POST', body: '{}' });
    expect(a.status).toBe(404);
    expect(b.status).toBe(404);
    expect(await a.text()).toBe(await b.text());
  });

  it('answers 400 with a message for a body that is not a JSON object, or a malformed event', async () => {
    for (const body of ['[1,2]', '"text"', 'not json']) {
      const res = await fetch(s.webhookUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message.length).toBeGreaterThan(10);
    }
    const bad = message();
    (bad.message as Record<string, unknown>).message_uid = undefined;
    const res = await postWebhook(s.webhookUrl!, bad);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/message_uid/);
  });

  it('answers 413 for a body over 1 MB', async () => {
    const res = await postWebhook(s.webhookUrl!, message({ text: 'x'.repeat(1_100_000) }));
    expect(res.status).toBe(413);
  });
});
