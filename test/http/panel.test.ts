/**
 * Sending from the chat panel through its API, against the sandbox's emulated Zoho CRM and
 * TimelinesAI: the ticket (who, which record, where to), sends into a chat and to a phone, the echo
 * webhook written once into the day's Note with the rep as its author, and the refusals a rep can act
 * on, in their words.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiErrorBody, PanelSendAnswer, PanelTicketAnswer } from '../../contract/adminApi.js';
import { TimelinesPacing } from '../../server/src/timelines/api/index.js';
import { until } from '../helpers/connectorProcess.js';
import { connectAndActivate, connectAs, startSandbox, type Harness } from '../helpers/harness.js';
import { connectTimelines, sandboxTimelines, type SandboxTimelines } from '../helpers/sandboxTimelines.js';

type Rec = Record<string, unknown> & { id: string };

describe('chat panel: sending WhatsApp from a record', () => {
  let h: Harness;
  let tl: SandboxTimelines;
  let orgId: string;
  let rep: { id: string; fullName: string };

  beforeEach(async () => {
    h = await startSandbox({}, { timelinesPacing: new TimelinesPacing({ sendIntervalMs: 0 }) });
    tl = await sandboxTimelines(h);
    tl.emu.controls.setSendInterval(0);
    const org = h.server.emulator!.seedDefaultSandbox();
    orgId = org.orgId;
    rep = org.rep!;
    await connectTimelines(h, await connectAs(h.url, 'admin@sandbox.test'), tl);
    await connectAndActivate(h.url); // activation registers the webhooks
    expect(tl.ours()).toHaveLength(2);
  });
  afterEach(async () => {
    await h.close();
  });

  const zoho = () => h.server.emulator!.state;
  const contacts = () => zoho().records(orgId, 'Contacts') as Rec[];
  const notesOf = (id: string) => zoho().notes(orgId, id) as { Note_Content: string; id: string }[];
  const settle = async () => {
    await tl.emu.idle();
    await h.server.scheduler.idle();
  };

  /** A contact whose chat came in through TimelinesAI (record created and linked by the sync). */
  async function chatContact(phone: string, name: string): Promise<Rec> {
    await tl.emu.deliverIncoming(tl.wsId, { phone, chatName: name, text: `Hola, soy ${name}` });
    return until('the contact', async () => {
      await settle();
      return contacts().find((r) => r.Mobile === phone);
    });
  }

  async function ticket(record: Rec, over: Record<string, unknown> = {}) {
    const res = await fetch(`${h.url}/api/panel/ticket`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        orgId,
        userId: rep.id,
        module: 'Contacts',
        recordId: record.id,
        createdTime: record.Created_Time,
        ...over,
      }),
    });
    return { status: res.status, body: (await res.json()) as PanelTicketAnswer & ApiErrorBody };
  }

  async function send(t: string, text: string, file?: { name: string; data: string; type: string }) {
    const form = new FormData();
    if (text) form.set('text', text);
    if (file) form.set('file', new Blob([file.data], { type: file.type }), file.name);
    const res = await fetch(`${h.url}/api/panel/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as PanelSendAnswer & ApiErrorBody };
  }

  it('sends a text and a file into the linked chat; each is in the day’s Note once, with the rep as author', async () => {
    const record = await chatContact('+34611222333', 'Lola Flores');
    const t = await ticket(record);
    expect(t.status).toBe(200);
    expect(t.body.user.name).toBe(rep.fullName);
    expect(t.body.destination?.kind).toBe('chat');
    expect(t.body.cannotSend).toBeNull();

    const text = await send(t.body.ticket, 'Buenos días, le envío el presupuesto');
    expect(text.status).toBe(200);
    expect(text.body).toMatchObject({ via: 'chat', credits: 1 });
    const file = await send(t.body.ticket, 'Aquí está', {
      name: 'presupuesto.txt',
      data: 'Total: 100 €',
      type: 'text/plain',
    });
    expect(file.body).toMatchObject({ via: 'chat', credits: 2 });
    expect(tl.emu.sends(tl.wsId).map((s) => s.messageUid)).toEqual([
      text.body.messageUid,
      file.body.messageUid,
    ]);

    const note = await until('both lines in the Note', async () => {
      await settle();
      const n = notesOf(record.id)[0];
      return n && n.Note_Content.includes('Aquí está') && n.Note_Content.includes('presupuesto')
        ? n
        : undefined;
    });
    // TimelinesAI redelivers the echo: still once.
    await tl.emu.replayWebhooks(tl.wsId, { after: Date.now() - 60_000 });
    await settle();
    const content = notesOf(record.id)[0]!.Note_Content;
    expect(notesOf(record.id)).toHaveLength(1);
    expect(content.split('Buenos días, le envío el presupuesto')).toHaveLength(2);
    expect(content.split('Aquí está')).toHaveLength(2);
    expect(content).toMatch(new RegExp(`${rep.fullName}: Buenos días`));
    await until('the attachment on the Note', async () => {
      await settle();
      return zoho()
        .attachments(orgId, note.id)
        .find((a) => a.fileName === 'presupuesto.txt');
    });
  });

  it('sends to the record’s number when it has no chat yet; the new chat is linked to that record', async () => {
    const id = zoho().createRecord(orgId, 'Contacts', { Last_Name: 'Pérez', Mobile: '+34 622 333 444' });
    const record = zoho().record(orgId, 'Contacts', id) as Rec;
    const t = await ticket(record);
    expect(t.body.destination).toEqual({ kind: 'phone', label: '+34622333444' });
    const sent = await send(t.body.ticket, 'Hola, le escribo desde el CRM');
    expect(sent.body.via).toBe('phone');
    await until('the Note on that record', async () => {
      await settle();
      return notesOf(id).find((n) => n.Note_Content.includes('le escribo desde el CRM'));
    });
    expect(contacts().filter((r) => String(r.Mobile).replace(/\s/g, '') === '+34622333444')).toHaveLength(1);
    // The next send goes into the chat that the first one opened.
    expect((await send(t.body.ticket, 'Segundo mensaje')).body.via).toBe('chat');
  });

  it('issues no ticket without proof that the browser read the record, nor for someone who is not a user', async () => {
    const record = await chatContact('+34611222334', 'Ana');
    expect((await ticket(record, { userId: '999999' })).status).toBe(403);
    const forged = await ticket(record, { createdTime: '2020-01-01T00:00:00+01:00' });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('RECORD_NOT_READABLE');
    for (let i = 0; i < 9; i++) await ticket(record, { createdTime: `2020-01-01T00:00:0${i}Z` });
    const locked = await ticket(record); // even the right proof, once the record is locked
    expect(locked.status).toBe(429);
    // Guessing across records is bounded too: every attempt costs the org Zoho credits.
    let refused = 0;
    for (let i = 0; i < 100 && refused === 0; i++) {
      const r = await ticket({ ...record, id: String(900000 + i) });
      if (r.status === 429) refused = i;
    }
    expect(refused).toBeGreaterThan(50);
    expect(refused).toBeLessThan(100);
    const none = await send('not-a-ticket', 'hola');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('TICKET_EXPIRED');
  });

  it('says why a message was not sent in words a rep understands', async () => {
    const record = await chatContact('+34611222335', 'Marta');
    const t = (await ticket(record)).body.ticket;

    tl.emu.setQuota(tl.wsId, { used: 100 });
    const quota = await send(t, 'hola');
    expect(quota.status).toBe(409);
    expect(quota.body.error.code).toBe('QUOTA_EXHAUSTED');
    expect(quota.body.error.message).toMatch(/allowance .* used up/);
    tl.emu.setQuota(tl.wsId, { used: 0 });

    tl.emu.setAccountConnected(tl.wsId, '+34910000000', false);
    const offline = await send(t, 'hola');
    expect(offline.body.error.code).toBe('WHATSAPP_DISCONNECTED');
    expect(offline.body.error.message).toContain('scan the QR code');
    tl.emu.setAccountConnected(tl.wsId, '+34910000000', true);

    tl.emu.controls.failNext({ status: 429, html: true, pathIncludes: '/messages' });
    const busy = await send(t, 'hola');
    expect(busy.status).toBe(429);
    expect(busy.body.error.message).toMatch(/Wait 1 second and press Send again/);

    tl.emu.rotateToken(tl.wsId);
    const revoked = await send(t, 'hola');
    expect(revoked.body.error.code).toBe('TIMELINES_TOKEN_REVOKED');
    // From then on, the panel says so before anyone types.
    expect((await ticket(record)).body.cannotSend).toContain('no longer accepts');
    expect(tl.emu.sends(tl.wsId)).toHaveLength(0);
  });
});
