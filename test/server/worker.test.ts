/**
 * The worker against a fake gateway whose writes can lose their answer after taking effect (a crash
 * or a timeout between Zoho and our store): the next run must find what exists, never create twice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttachmentFetcher, fileStateOf } from '../../server/src/jobs/attachments.js';
import { SyncWorker } from '../../server/src/jobs/worker.js';
import { createLogger } from '../../server/src/log.js';
import { Secrets } from '../../server/src/store/crypto.js';
import type { QueuedEvent, Workspace } from '../../server/src/store/schema.js';
import { Store } from '../../server/src/store/store.js';
import { parseTimelinesWebhook } from '../../server/src/timelines/schema.js';
import type { MessageEvent } from '../../server/src/timelines/events.js';
import { MetadataCache } from '../../server/src/workspace/metadataCache.js';
import { FakeGateway } from '../helpers/fakeGateway.js';
import { message, type Msg } from '../helpers/messages.js';

describe('worker crash recovery (answers lost after the write)', () => {
  let dir: string;
  let store: Store;
  let zoho: FakeGateway;
  let worker: SyncWorker;
  let ws: Workspace;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-worker-'));
    store = await Store.open(path.join(dir, 'db.json'));
    const secrets = new Secrets('w'.repeat(40));
    ws = {
      id: 'ws1',
      orgId: 'org1',
      orgName: 'Fake',
      timeZone: 'UTC',
      countryCode: 'US',
      edition: undefined,
      owner: { userId: 'u1', email: 'admin@fake.test', name: 'Admin' },
      webhookTokenDigest: 'x',
      webhookToken: secrets.seal('token'),
      connection: {
        status: 'connected',
        accountsUrl: 'http://a',
        apiUrl: 'http://a',
        tokens: null,
        connectedAt: '',
      },
      sessionEpoch: 1,
      settings: {
        module: 'Contacts',
        phoneField: 'Mobile',
        nameField: 'Last_Name',
        chatLinkField: 'WhatsApp_Chat',
        leadSourceField: 'Lead_Source',
      },
      active: true,
      activatedAt: undefined,
      testRecordId: undefined,
      createdAt: '',
    };
    store.data.workspaces.push(ws);
    zoho = new FakeGateway();
    const log = createLogger('silent');
    const files = new AttachmentFetcher(
      fileStateOf(store),
      log,
      { dir: path.join(dir, 'attachments'), allowedHosts: [] },
      () => undefined,
    );
    worker = new SyncWorker(store, { for: () => zoho }, new MetadataCache(), files, log, {
      flushWindowMs: 0,
      searchLagSafetyMs: 30,
      retryBaseMs: 5,
    });
  });
  afterEach(async () => {
    await worker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function enqueue(m: Msg, files: QueuedEvent['files'] = []): QueuedEvent {
    const parsed = parseTimelinesWebhook(message(m));
    if (!parsed.ok) throw new Error(parsed.error);
    const event = parsed.event as MessageEvent;
    const q: QueuedEvent = {
      key: `${ws.id}:${event.messageId}`,
      workspaceId: ws.id,
      receivedAt: new Date().toISOString(),
      event,
      attempts: 0,
      notBefore: 0,
      state: 'pending',
      files: files.length ? files : event.attachments.map(() => ({})),
    };
    store.data.queue.push(q);
    return q;
  }

  async function drain(): Promise<void> {
    worker.schedule(ws.id, 0);
    await worker.idle();
  }

  it('finds the record whose create answer was lost (after the search lag) instead of creating a second one', async () => {
    zoho.loseNextAnswer('createRecords');
    enqueue({ text: 'first try' });
    await drain();
    expect(zoho.records.size).toBe(1);
    expect(zoho.calls.record_create).toBe(1);
    expect(zoho.notes.size).toBe(1);
    expect([...zoho.notes.values()][0]!.content).toContain('first try');
    expect(store.data.queue).toHaveLength(0);
    const link = Object.values(store.data.chats)[0]!;
    expect(link.createdByUs).toBe(true); // still treated as ours: renames keep working
  });

  it('adopts the Note whose create answer was lost instead of creating a second one', async () => {
    zoho.loseNextAnswer('createNotes');
    enqueue({ text: 'note once' });
    await drain();
    expect(zoho.notes.size).toBe(1);
    expect(zoho.calls.note_create).toBe(1);
    expect([...zoho.notes.values()][0]!.content).toContain('note once');
    expect(store.data.log.at(-1)).toMatchObject({ outcome: 'synced' });
  });

  it('finds the attachment whose upload answer was lost instead of uploading it again', async () => {
    zoho.loseNextAnswer('uploadNoteAttachment');
    writeFileSync(path.join(dir, 'attachments', 'f1'), 'file body'); // as downloaded
    enqueue(
      { text: 'with a file', attachments: [{ url: 'https://files.timelines.ai/x', filename: 'offer.pdf' }] },
      [{ localPath: 'f1', size: 9 }],
    );
    await drain();
    const note = [...zoho.notes.values()][0]!;
    expect(zoho.attachments.get(note.id)?.map((a) => a.fileName)).toEqual(['offer.pdf']);
    expect(zoho.calls.attachment).toBe(1);
    expect(store.data.queue).toHaveLength(0);
    expect(store.data.log.at(-1)).toMatchObject({ outcome: 'synced' });
  });

  it('batches: 30 new chats cost one COQL lookup, one record create and one Note create', async () => {
    for (let i = 0; i < 30; i++)
      enqueue({ chatId: 100 + i, phone: `+1415555${String(1000 + i)}`, name: `C${i}`, text: `hi ${i}` });
    await drain();
    expect(zoho.records.size).toBe(30);
    expect(zoho.notes.size).toBe(30);
    expect(zoho.calls).toMatchObject({ record_create: 1, note_create: 1 });
    // 30 chats × their lookup spellings fit in ceil(values / 50) COQL queries
    expect(zoho.calls.coql).toBeLessThanOrEqual(Math.ceil((30 * 18) / 50));
  });
  it('puts a run off while the org is out of API credits, without counting an attempt, then syncs', async () => {
    let delay = 60_000;
    await worker.stop();
    const log = createLogger('silent');
    const files = new AttachmentFetcher(
      fileStateOf(store),
      log,
      { dir: path.join(dir, 'attachments'), allowedHosts: [] },
      () => undefined,
    );
    worker = new SyncWorker(
      store,
      { for: () => zoho, runDelay: () => delay },
      new MetadataCache(),
      files,
      log,
      {
        flushWindowMs: 0,
        searchLagSafetyMs: 30,
        retryBaseMs: 5,
      },
    );
    const q = enqueue({ text: 'waits for credits' });
    worker.schedule(ws.id, 0);
    await new Promise((r) => setTimeout(r, 20));
    expect(Object.values(zoho.calls).reduce((a, b) => a + b, 0)).toBe(0);
    expect(q).toMatchObject({ state: 'pending', attempts: 0 });
    delay = 0;
    worker.schedule(ws.id, 0); // a new message arrives: the run is tried again
    await worker.idle();
    expect(store.data.queue).toHaveLength(0);
    expect([...zoho.notes.values()][0]!.content).toContain('waits for credits');
  });
});
