/**
 * The sync against a fake gateway whose writes can lose their answer after taking effect (a crash or
 * a timeout between Zoho and our store): the next run must find what exists, never create twice. And
 * the phone index's rules that need a CRM changing under the sync: records created, deleted, several
 * records with one number, a module change. Run on both store engines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../helpers/postgres.js';
import { documentEngine, postgresEngine, type EngineUnderTest } from '../helpers/storeFixtures.js';
import { startWorker, type WorkerHarness } from '../helpers/workerHarness.js';

function workerSuite(makeEngine: () => Promise<EngineUnderTest>): void {
  let h: WorkerHarness;
  afterEach(async () => h?.close());
  const start = async (opts?: Parameters<typeof startWorker>[1]) => {
    h = await startWorker(await makeEngine(), opts);
    return h;
  };
  const queueEmpty = async () =>
    (await h.store.queue.claim(h.ws.id, Number.MAX_SAFE_INTEGER, 10)).length === 0;
  const newestLog = async () => (await h.store.syncLog.list(h.ws.id, { limit: 1 })).entries[0];

  it('finds the record whose create answer was lost instead of creating a second one', async () => {
    await start();
    h.zoho.loseNextAnswer('createRecords');
    await h.enqueue({ text: 'first try' });
    await h.drain();
    expect(h.zoho.records.size).toBe(1);
    expect(h.zoho.calls.record_create).toBe(1);
    expect(h.zoho.notes.size).toBe(1);
    expect([...h.zoho.notes.values()][0]!.content).toContain('first try');
    expect(await queueEmpty()).toBe(true);
    const link = (await h.store.chats.getMany(h.ws.id, ['7004887'])).get('7004887')!;
    expect(link.createdByUs).toBe(true); // still treated as ours: renames keep working
  });

  it('adopts the Note whose create answer was lost instead of creating a second one', async () => {
    await start();
    h.zoho.loseNextAnswer('createNotes');
    await h.enqueue({ text: 'note once' });
    await h.drain();
    expect(h.zoho.notes.size).toBe(1);
    expect(h.zoho.calls.note_create).toBe(1);
    expect([...h.zoho.notes.values()][0]!.content).toContain('note once');
    expect(await newestLog()).toMatchObject({ outcome: 'synced' });
  });

  // Zoho carries out a request it received even after its client gave up: a look taken before the
  // write lands finds nothing, and a second create would make a duplicate.
  it('waits for a Note create that timed out to land, then adopts it: one Note', async () => {
    await start({ settleMs: 400 });
    h.zoho.landLate('createNotes', 150);
    await h.enqueue({ text: 'slow zoho' });
    await h.drain();
    expect(h.zoho.notes.size).toBe(1);
    expect(h.zoho.calls.note_create).toBe(1);
    expect([...h.zoho.notes.values()][0]!.content).toContain('slow zoho');
    expect(await newestLog()).toMatchObject({ outcome: 'synced' });
  });

  it('waits for a record create that timed out to land, then links the chat to it: one record', async () => {
    await start({ settleMs: 400 });
    h.zoho.landLate('createRecords', 150);
    await h.enqueue({ text: 'slow record' });
    await h.drain();
    expect(h.zoho.records.size).toBe(1);
    expect(h.zoho.calls.record_create).toBe(1);
    expect(h.zoho.notes.size).toBe(1);
    expect(await queueEmpty()).toBe(true);
  });

  it('waits for an upload that timed out to land, then adopts it: one attachment', async () => {
    await start({ settleMs: 400 });
    h.zoho.landLate('uploadNoteAttachment', 150);
    await h.store.files.put('f1', Buffer.from('file body'));
    await h.enqueue(
      { text: 'slow file', attachments: [{ url: 'https://files.timelines.ai/x', filename: 'offer.pdf' }] },
      [{ localPath: 'f1', size: 9 }],
    );
    await h.drain();
    const note = [...h.zoho.notes.values()][0]!;
    expect(h.zoho.attachments.get(note.id)?.map((a) => a.fileName)).toEqual(['offer.pdf']);
    expect(h.zoho.calls.attachment).toBe(1);
    expect(await queueEmpty()).toBe(true);
  });

  it('finds a Note whose create answer was lost though the chat was renamed since (its title as sent)', async () => {
    await start({ settleMs: 300 });
    h.zoho.loseNextAnswer('createNotes');
    await h.enqueue({
      uid: 'r1',
      name: 'Ann',
      text: 'before the rename',
      timestamp: '2026-11-20 10:00:00 +0000',
    });
    h.scheduler.schedule(h.ws.id, 0);
    for (let i = 0; i < 500 && !h.zoho.calls.note_create; i++) await new Promise((r) => setTimeout(r, 5));
    expect(h.zoho.calls.note_create).toBe(1);
    await h.enqueue({
      uid: 'r2',
      name: 'Ann Lee',
      text: 'after the rename',
      timestamp: '2026-11-20 10:05:00 +0000',
    });
    await h.drain();
    expect(h.zoho.notes.size).toBe(1);
    const note = [...h.zoho.notes.values()][0]!;
    expect(note.content).toContain('before the rename');
    expect(note.content).toContain('after the rename');
    expect(note.title).toMatch(/^WhatsApp chat with Ann Lee \(/);
    expect(await queueEmpty()).toBe(true);
  });

  it("does not take another chat's Note of the same title for the one whose create answer was lost", async () => {
    await start();
    await h.enqueue({ uid: 'd1', text: 'day one', timestamp: '2026-11-20 10:00:00 +0000' });
    await h.drain();
    const [first] = [...h.zoho.notes.values()];
    // Another chat on this record (the contact's second number, the same name) has a Note that day.
    const other = {
      ...first!,
      id: 'other-chat-note',
      title: 'WhatsApp chat with Jane Roe (21/11/2026)',
      content:
        '09:00 Jane Roe: from the other number\n\nChat in TimelinesAI: https://app.timelines.ai/chat/1/messages/',
    };
    h.zoho.notes.set(other.id, other);
    h.zoho.loseNextAnswer('createNotes');
    await h.enqueue({ uid: 'd2', text: 'day two', timestamp: '2026-11-21 10:00:00 +0000' });
    await h.drain();
    expect(h.zoho.notes.get(other.id)!.content).toContain('from the other number');
    expect(h.zoho.notes.get(other.id)!.content).not.toContain('day two');
    const ours = [...h.zoho.notes.values()].filter((n) => n.content.includes('day two'));
    expect(ours).toHaveLength(1);
    expect(h.zoho.notes.size).toBe(3);
    expect(await queueEmpty()).toBe(true);
  });

  it('finds the attachment whose upload answer was lost instead of uploading it again', async () => {
    await start();
    h.zoho.loseNextAnswer('uploadNoteAttachment');
    await h.store.files.put('f1', Buffer.from('file body')); // as downloaded
    await h.enqueue(
      { text: 'with a file', attachments: [{ url: 'https://files.timelines.ai/x', filename: 'offer.pdf' }] },
      [{ localPath: 'f1', size: 9 }],
    );
    await h.drain();
    const note = [...h.zoho.notes.values()][0]!;
    expect(h.zoho.attachments.get(note.id)?.map((a) => a.fileName)).toEqual(['offer.pdf']);
    expect(h.zoho.calls.attachment).toBe(1);
    expect(await queueEmpty()).toBe(true);
    expect(await newestLog()).toMatchObject({ outcome: 'synced' });
    expect(await h.store.files.get('f1')).toBeUndefined(); // the bytes left once uploaded
  });

  it('uploads again an attachment whose upload never reached Zoho, though the Note holds the same file of another message', async () => {
    await start();
    const offer = { url: 'https://files.timelines.ai/x', filename: 'offer.pdf' };
    await h.store.files.put('f1', Buffer.from('file body'));
    await h.enqueue({ uid: 'a', text: 'first copy', attachments: [offer] }, [{ localPath: 'f1', size: 9 }]);
    await h.drain();
    // The same file again in the same chat-day; its upload intent is stored, the upload never arrives.
    h.zoho.refuseNext('uploadNoteAttachment');
    await h.store.files.put('f2', Buffer.from('file body'));
    await h.enqueue({ uid: 'b', text: 'second copy', attachments: [offer] }, [{ localPath: 'f2', size: 9 }]);
    await h.drain();
    const note = [...h.zoho.notes.values()][0]!;
    expect(h.zoho.notes.size).toBe(1);
    expect(h.zoho.attachments.get(note.id)?.map((a) => a.fileName)).toEqual(['offer.pdf', 'offer.pdf']);
    expect(await queueEmpty()).toBe(true);
  });

  it('batches: 30 new chats cost no lookup call, one record create and one Note create', async () => {
    await start();
    for (let i = 0; i < 30; i++)
      await h.enqueue({
        chatId: 100 + i,
        phone: `+1415555${String(1000 + i)}`,
        name: `C${i}`,
        text: `hi ${i}`,
      });
    await h.drain();
    expect(h.zoho.records.size).toBe(30);
    expect(h.zoho.notes.size).toBe(30);
    expect(h.zoho.calls).toMatchObject({ record_create: 1, note_create: 1 });
    // the empty module's index: one count and one page; then one incremental read for the run
    expect(h.zoho.calls).toMatchObject({ record_count: 1, coql: 1, record_list: 1 });
  });

  it('puts a run off while the org is out of API credits, without counting an attempt, then syncs', async () => {
    let delay = 60_000;
    await start({ gateways: (zoho) => ({ for: () => zoho, runDelay: () => delay }) });
    const q = await h.enqueue({ text: 'waits for credits' });
    h.scheduler.schedule(h.ws.id, 0);
    await new Promise((r) => setTimeout(r, 20));
    expect(Object.values(h.zoho.calls).reduce((a, b) => a + b, 0)).toBe(0);
    expect(await h.store.queue.get(q.key)).toMatchObject({ state: 'pending', attempts: 0 });
    delay = 0;
    await h.drain(); // a new message arrives: the run is tried again
    expect(await queueEmpty()).toBe(true);
    expect([...h.zoho.notes.values()][0]!.content).toContain('waits for credits');
  });

  it('matches a record a person created a moment before the message, and never one deleted since', async () => {
    await start();
    await h.enqueue({ chatId: 1, phone: '+14155550100', text: 'builds the index' });
    await h.drain();
    const person = h.zoho.addRecord({ Last_Name: 'Made by hand', Mobile: '(415) 555-0123' });
    await h.enqueue({ chatId: 2, phone: '+14155550123', text: 'to the hand-made record' });
    await h.drain();
    expect(h.zoho.records.size).toBe(2); // matched, nothing created
    const note = [...h.zoho.notes.values()].find((n) => n.content.includes('to the hand-made record'))!;
    expect(note.recordId).toBe(person.id);

    h.zoho.deleteRecord(person.id);
    await h.enqueue({ chatId: 2, phone: '+14155550123', text: 'after the delete' });
    await h.drain();
    const again = [...h.zoho.notes.values()].find((n) => n.content.includes('after the delete'))!;
    expect(again.recordId).not.toBe(person.id);
    expect(h.zoho.records.get(again.recordId)).toMatchObject({ Mobile: '+14155550123' });
    expect(await queueEmpty()).toBe(true);
  });

  it('links a chat whose number two records hold to the most recently modified one, and logs it', async () => {
    await start();
    const older = h.zoho.addRecord({ Last_Name: 'Old', Phone: '+44 (0)20 7946 0958' });
    const newer = h.zoho.addRecord({ Last_Name: 'New', Mobile: '0044 20 7946 0958' });
    await h.enqueue({ phone: '+442079460958', text: 'which one?' });
    await h.drain();
    expect([...h.zoho.notes.values()][0]!.recordId).toBe(newer.id);
    const entries = (await h.store.syncLog.list(h.ws.id, { limit: 10 })).entries;
    expect(entries.find((e) => e.kind === 'chat')?.reason).toMatch(
      new RegExp(`2 records hold \\+442079460958: linked to the most recently modified \\(${newer.id}\\)`),
    );
    void older;
  });
}

describe('sync against a fake gateway: document engine', () => workerSuite(documentEngine));
describeWithPostgres('sync against a fake gateway: postgres engine', () => workerSuite(postgresEngine));
