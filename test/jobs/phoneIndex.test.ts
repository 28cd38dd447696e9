/**
 * Matching through the phone index against the emulator, as a real org would hold its data: numbers
 * typed every way, an encrypted Phone field (COQL and search refuse it in criteria), a record a person
 * created a second before the message while the search index lags, records deleted or merged in the
 * CRM, two records with one number, and a change of the destination module.
 */
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

describe('matching chats to records through the phone index', () => {
  let h: Harness;
  let emu: ZohoEmulator;
  let orgId: string;
  let s: Session;

  beforeEach(async () => {
    h = await startSandbox();
    emu = h.server.emulator!;
    orgId = emu.state.orgs()[0]!.orgId; // the sandbox org, in Spain
    s = await connectAndActivate(h.url);
    await h.server.scheduler.idle();
  });
  afterEach(async () => {
    await h.close();
  });

  const settle = () => h.server.scheduler.idle();
  const send = async (m: Parameters<typeof message>[0]) => {
    expect((await postWebhook(s.webhookUrl!, message(m))).status).toBe(200);
  };
  const records = (module = 'Contacts') =>
    (emu.state.records(orgId, module) as ({ id: string } & Record<string, unknown>)[]).filter(
      (r) => r.Mobile !== '+447700900123',
    );
  const notesOf = (id: string) => emu.state.notes(orgId, id) as { Note_Content: string }[];
  const log = async () =>
    (
      await api<{ entries: { kind: string; reason: string | null; outcome: string }[] }>(
        h.url,
        s.token,
        'GET',
        '/api/sync-log',
      )
    ).body.entries;
  /** A record re-indexed after activation: deactivate and activate (a rebuild) only where a test says so. */
  const rebuild = async () => {
    await api(h.url, s.token, 'POST', '/api/deactivate');
    expect((await api(h.url, s.token, 'POST', '/api/activate')).status).toBe(200);
    await settle();
  };

  it('matches records whose numbers are typed every way, with an encrypted Phone field', async () => {
    emu.state.encryptField(orgId, 'Contacts', 'Phone');
    const typed = {
      '+34 612 34 56 78': '+34612345678',
      '0034 612-345-679': '+34612345679',
      '(+34) 612 345 680': '+34612345680',
      '612\u00a0345\u00a0681': '+34612345681', // no-break spaces, a national number in a Spanish org
      '+44 (0)20 7946 0958': '+442079460958',
      '+49 (0) 30 1234567': '+49301234567',
      '+55 21 99876-5432': '+552198765432', // WhatsApp drops Brazil's mobile 9
      '+54 11 2345-6789': '+5491123456789', // and adds Argentina's
    };
    const ids = Object.keys(typed).map((phone, i) =>
      emu.state.createRecord(orgId, 'Contacts', {
        Last_Name: `Typed ${i}`,
        [i % 2 ? 'Mobile' : 'Phone']: phone,
      }),
    );
    await rebuild(); // built afresh: the encrypted field is read, never put in criteria
    const chats = Object.values(typed);
    for (const [i, phone] of chats.entries()) await send({ chatId: 400 + i, phone, text: `hello ${i}` });
    await send({ chatId: 499, phone: '+34699000111', text: 'a new customer' });
    await settle();
    for (const [i, id] of ids.entries()) {
      expect(
        notesOf(id)
          .map((n) => n.Note_Content)
          .join(),
        `record ${i}`,
      ).toContain(`hello ${i}`);
    }
    expect(records()).toHaveLength(ids.length + 1); // the new customer only
  });

  it('matches a record a person created a second before the message, although search lags a minute', async () => {
    emu.controls.searchLagSec = 60;
    await send({ chatId: 1, phone: '+34600000001', text: 'an earlier chat' });
    await settle();
    const made = emu.state.createRecord(orgId, 'Contacts', { Last_Name: 'Just Made', Phone: '600 000 002' });
    await send({ chatId: 2, phone: '+34600000002', text: 'right after' });
    await settle();
    expect(
      notesOf(made)
        .map((n) => n.Note_Content)
        .join(),
    ).toContain('right after');
    expect(records().filter((r) => r.Phone === '600 000 002' || r.Mobile === '+34600000002')).toHaveLength(1);
  });

  it('creates a new record for the next message of a chat whose record was deleted in the CRM', async () => {
    await send({ chatId: 3, phone: '+34600000003', text: 'first' });
    await settle();
    const [first] = records();
    emu.state.deleteRecord(orgId, 'Contacts', first!.id);
    await send({ chatId: 3, phone: '+34600000003', text: 'after the delete' });
    await settle();
    const now = records();
    expect(now).toHaveLength(1);
    expect(now[0]!.id).not.toBe(first!.id);
    expect(
      notesOf(now[0]!.id)
        .map((n) => n.Note_Content)
        .join(),
    ).toContain('after the delete');
  });

  it('links a chat to the most recently modified of two records with its number, and says so in the log', async () => {
    const older = emu.state.createRecord(orgId, 'Contacts', { Last_Name: 'Older', Phone: '+34 600 000 004' });
    const newer = emu.state.createRecord(orgId, 'Contacts', { Last_Name: 'Newer', Mobile: '600000004' });
    emu.state.updateRecord(orgId, 'Contacts', newer, { Last_Name: 'Newer, edited' });
    await send({ chatId: 4, phone: '+34600000004', text: 'which one' });
    await settle();
    expect(notesOf(newer)).toHaveLength(1);
    expect(notesOf(older)).toHaveLength(0);
    const entry = (await log()).find((e) => e.kind === 'chat' && /2 records hold/.test(e.reason ?? ''));
    expect(entry?.reason).toMatch(new RegExp(`most recently modified \\(${newer}\\); merge them`));
  });

  it('after a merge in the CRM, the chat of a merged-away record goes to the surviving one', async () => {
    const a = emu.state.createRecord(orgId, 'Contacts', { Last_Name: 'Keep', Phone: '+34 600 000 005' });
    const b = emu.state.createRecord(orgId, 'Contacts', { Last_Name: 'Merged', Mobile: '+34600000006' });
    await send({ chatId: 6, phone: '+34600000006', text: 'before the merge' });
    await settle();
    expect(notesOf(b)).toHaveLength(1);
    emu.state.mergeRecords(orgId, 'Contacts', a, [b], { take: { Mobile: b } });
    await send({ chatId: 6, phone: '+34600000006', text: 'after the merge' });
    await settle();
    expect(
      notesOf(a)
        .map((n) => n.Note_Content)
        .join(),
    ).toContain('after the merge');
    expect(records().filter((r) => r.Mobile === '+34600000006')).toHaveLength(1);
  });

  it('sends the next message of a chat to the new module after a module change', async () => {
    await send({ chatId: 7, phone: '+34600000007', text: 'to a contact' });
    await settle();
    const [contact] = records('Contacts');
    await api(h.url, s.token, 'POST', '/api/deactivate');
    await api(h.url, s.token, 'POST', '/api/zoho/modules/Leads/chat-link-field');
    const saved = await api(h.url, s.token, 'PUT', '/api/settings', { ...CONTACT_SETTINGS, module: 'Leads' });
    expect(saved.status).toBe(200);
    expect((await api(h.url, s.token, 'POST', '/api/activate')).status).toBe(200);
    await settle();
    await send({ chatId: 7, phone: '+34600000007', text: 'to a lead' });
    await settle();
    const leads = records('Leads');
    expect(leads).toHaveLength(1);
    expect(
      notesOf(leads[0]!.id)
        .map((n) => n.Note_Content)
        .join(),
    ).toContain('to a lead');
    expect(
      notesOf(contact!.id)
        .map((n) => n.Note_Content)
        .join(),
    ).not.toContain('to a lead');
  });
});
