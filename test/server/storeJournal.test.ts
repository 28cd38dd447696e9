/**
 * The store's journal: every committed change survives a restart (however it was made: by key, pushed,
 * in place through a reference held across commits), a write costs what changed and not what the
 * store holds, compaction folds the journal into the data file, and a torn last line is ignored.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../scripts/conversations.js';
import type { ChatLink, DayNote, QueuedEvent, SyncLogEntry } from '../../server/src/store/schema.js';
import { Store } from '../../server/src/store/store.js';
import { appendLog, trimLog } from '../../server/src/store/syncLog.js';

const tmp = () => path.join(mkdtempSync(path.join(tmpdir(), 'wa-zoho-journal-')), 'db.json');
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function event(i: number, ws = 'w1'): QueuedEvent {
  return {
    key: `${ws}:m${i}`,
    workspaceId: ws,
    receivedAt: new Date(1_700_000_000_000 + i).toISOString(),
    event: {
      kind: 'message',
      eventType: 'message:received:new',
      messageId: `m${i}`,
      chat: { id: `c${i % 7}`, name: 'Ana', phone: '+34612000001', isGroup: false, url: undefined },
      account: { email: 'a@b.c', fullName: 'Agent', phone: undefined },
      direction: 'received',
      sentAt: new Date(1_700_000_000_000 + i).toISOString(),
      text: `message ${i}`,
      senderName: 'Ana',
      attachments: [],
    },
    attempts: 0,
    notBefore: 0,
    state: 'pending',
    files: i % 3 === 0 ? [{}] : [],
  };
}

function day(key: string): DayNote {
  return {
    key,
    workspaceId: 'w1',
    chatId: 'c',
    day: '2026-01-01',
    noteId: undefined,
    createIntentAt: undefined,
    title: undefined,
    lines: [],
    prunedLines: 0,
    dirty: false,
    updatedAt: 'x',
  };
}

function chat(id: string): ChatLink {
  return {
    workspaceId: 'w1',
    chatId: id,
    e164: '+34612000001',
    recordId: undefined,
    module: undefined,
    createdByUs: false,
    lastWrittenName: undefined,
    chatName: undefined,
    chatUrl: undefined,
    createIntentAt: undefined,
    humanEditedName: false,
    lastSyncedAt: undefined,
  };
}

const log = (i: number, ws = 'w1'): Omit<SyncLogEntry, 'at'> => ({
  workspaceId: ws,
  chatId: 'c',
  messageId: `m${i}`,
  outcome: 'synced',
  reason: null,
  recordId: null,
  noteId: null,
});

describe('store journal', () => {
  it('keeps in-place changes made through references held across commits', async () => {
    const file = tmp();
    const store = await Store.open(file);
    const q = event(1);
    store.data.queue.push(q, event(2));
    const d = day('w1:c:2026-01-01');
    store.data.days[d.key] = d;
    const c = chat('c');
    store.data.chats['w1:c'] = c;
    await store.commit();
    // The worker's way: the same objects, changed later, then committed.
    q.attempts = 3;
    q.files = [{ localPath: 'abc', size: 10 }];
    d.lines.push({ messageId: 'm1', sentAt: 'x', author: 'Ana', text: 'hi', attachmentNames: [] });
    d.noteId = '123';
    c.recordId = '456';
    await store.commit();
    q.files[0]!.uploadedId = 'att-1'; // a row changed in place
    store.data.queue.splice(1, 1); // event 2 synced
    await store.commit();

    const back = await Store.read(file);
    expect(back.queue).toEqual(plain([q]));
    expect(back.days[d.key]).toEqual(plain(d));
    expect(back.chats['w1:c']).toEqual(plain(c));
  });

  it('writes new entries only with newEntriesOnly, and in-place changes at the next full commit', async () => {
    const file = tmp();
    const store = await Store.open(file);
    const q = event(1);
    store.data.queue.push(q);
    await store.commit();
    q.attempts = 5; // somebody else's change, not yet committed
    store.data.seen['w1:m2'] = 2;
    store.data.queue.push(event(2));
    appendLog(store.data, log(2));
    await store.commit({ newEntriesOnly: true });
    let back = await Store.read(file);
    expect(back.seen).toEqual({ 'w1:m2': 2 });
    expect(back.queue.map((e) => e.key)).toEqual(['w1:m1', 'w1:m2']);
    expect(back.log.map((e) => e.messageId)).toEqual(['m2']);
    expect(back.queue[0]!.attempts).toBe(0);
    await store.commit();
    back = await Store.read(file);
    expect(back.queue[0]!.attempts).toBe(5);
  });

  it('writes queued events named as changed without a scan; a removal waits for a full commit', async () => {
    const file = tmp();
    const store = await Store.open(file);
    const a = event(1);
    const b = event(2);
    store.data.queue.push(a, b);
    await store.commit();
    a.files = [{ localPath: 'x', size: 3 }];
    b.attempts = 9;
    store.data.queue.splice(1, 1); // b leaves the queue (the worker commits that in full)
    await store.commit({ newEntriesOnly: true, changed: [a] });
    let back = await Store.read(file);
    expect(back.queue[0]).toEqual(plain(a));
    expect(back.queue[1]!.attempts).toBe(0); // not named, not scanned
    await store.commit();
    back = await Store.read(file);
    expect(back.queue).toEqual(plain([a]));
  });

  it('costs a write what changed, not what the store holds', async () => {
    const file = tmp();
    const store = await Store.open(file);
    for (let i = 0; i < 20_000; i++) store.data.seen[`w1:old${i}`] = i;
    for (let i = 0; i < 2000; i++) store.data.days[`w1:c${i}:d`] = day(`w1:c${i}:d`);
    await store.commit();
    const journal = `${file}.journal`;
    const before = statSync(journal).size;
    store.data.seen['w1:new'] = 1;
    store.data.queue.push(event(1));
    await store.commit({ newEntriesOnly: true });
    const grown = statSync(journal).size - before;
    expect(grown).toBeGreaterThan(0);
    expect(grown).toBeLessThan(2000); // one event and one id, not the 22,000 entries
  });

  it('writes webhook commits in the middle of a big write, and reads everything back in order', async () => {
    const file = tmp();
    const store = await Store.open(file);
    store.data.workspaces.push({ id: 'w1' } as never);
    const days: DayNote[] = [];
    for (let i = 0; i < 3000; i++) {
      const d = day(`w1:c${i}:d`);
      store.data.days[d.key] = d;
      days.push(d);
    }
    await store.commit();
    // The worker's way: thousands of in-place changes, one full commit (several journal lines) …
    for (const d of days) {
      d.noteId = `n-${d.key}`;
      d.lines.push({ messageId: d.key, sentAt: 's', author: 'a', text: 'x'.repeat(40), attachmentNames: [] });
    }
    const big = store.commit();
    // … while webhook deliveries keep committing new entries.
    const small: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setImmediate(r));
      const q = event(i);
      store.data.queue.push(q);
      store.data.seen[q.key] = i;
      appendLog(store.data, log(i));
      small.push(store.commit({ newEntriesOnly: true }));
    }
    await Promise.all([big, ...small]);
    expect(store.stats.interleaved).toBeGreaterThan(0);
    expect(plain(await Store.read(file))).toEqual(plain(store.data));
  });

  it('keeps a trimmed sync log as trimmed, for one workspace and for several', async () => {
    const file = tmp();
    const store = await Store.open(file);
    store.data.workspaces.push({ id: 'w1' } as never);
    for (let i = 0; i < 1300; i++) appendLog(store.data, log(i));
    await store.commit();
    for (let i = 1300; i < 1600; i++) appendLog(store.data, log(i));
    trimLog(store.data);
    await store.commit();
    expect((await Store.read(file)).log).toEqual(plain(store.data.log));
    store.data.workspaces.push({ id: 'w2' } as never);
    for (let i = 0; i < 2000; i++) appendLog(store.data, log(i, i % 2 ? 'w1' : 'w2'));
    trimLog(store.data);
    await store.commit();
    expect((await Store.read(file)).log).toEqual(plain(store.data.log));
  });

  it('folds the journal into the data file on flush, and starts from one file when reopened', async () => {
    const file = tmp();
    const store = await Store.open(file);
    store.data.seen.a = 1;
    store.data.queue.push(event(1));
    await store.commit();
    await store.flush();
    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(onDisk.seen).toEqual({ a: 1 });
    expect(onDisk.queue).toEqual(plain(store.data.queue));
    store.data.seen.b = 2;
    await store.commit();
    const again = await Store.open(file);
    expect(again.data.seen).toEqual({ a: 1, b: 2 });
    expect(existsSync(`${file}.journal.old`)).toBe(false);
  });

  it('reads everything committed while another store compacts the files at the same time', async () => {
    const file = tmp();
    const store = await Store.open(file);
    for (let i = 0; i < 60_000; i++) store.data.seen[`w1:old${i}`] = i;
    await store.commit();
    let committed = 0;
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        store.data.seen[`w1:n${i}`] = i;
        await store.commit({ newEntriesOnly: true });
        committed = i + 1;
        if (i % 5 === 0) void store.compact();
      }
    })();
    for (let r = 0; r < 15; r++) {
      const sure = committed;
      const back = await Store.read(file);
      for (let i = 0; i < sure; i++) expect(back.seen[`w1:n${i}`], `read ${r}, id ${i}`).toBe(i);
    }
    stop = true;
    await writer;
    await store.close();
  });

  it('ignores a torn last line (a write that never finished was never acknowledged)', async () => {
    const file = tmp();
    const store = await Store.open(file);
    store.data.seen.a = 1;
    await store.commit();
    appendFileSync(`${file}.journal`, '[["s","b",2]');
    const back = await Store.read(file);
    expect(back.seen).toEqual({ a: 1 });
  });

  it('refuses a journal damaged in the middle', async () => {
    const file = tmp();
    const store = await Store.open(file);
    store.data.seen.a = 1;
    await store.commit();
    appendFileSync(`${file}.journal`, 'garbage\n[["s","b",2]]\n');
    await expect(Store.read(file)).rejects.toThrow(/damaged/);
  });

  it('recovers from a crash in the middle of a compaction (old journal still there)', async () => {
    const file = tmp();
    const store = await Store.open(file);
    store.data.workspaces.push({ id: 'w1' } as never);
    for (let i = 0; i < 10; i++) appendLog(store.data, log(i));
    store.data.seen.a = 1;
    await store.commit();
    const journal = readFileSync(`${file}.journal`, 'utf8');
    // Crash after the snapshot was renamed, before the old journal was deleted: the old journal is
    // older than the snapshot and must not be replayed again (the log would get duplicates).
    await store.flush();
    writeFileSync(`${file}.journal.old`, journal);
    const back = await Store.read(file);
    expect(back.log).toHaveLength(10);
    expect(back.seen).toEqual({ a: 1 });
  });

  it('reads back exactly what was committed after a random mix of changes (model check)', async () => {
    const rnd = mulberry32(7);
    const file = tmp();
    let store = await Store.open(file);
    store.data.workspaces.push({ id: 'w1', name: 'one' } as never);
    let n = 0;
    const held: { q: QueuedEvent[]; d: DayNote[]; c: ChatLink[] } = { q: [], d: [], c: [] };
    for (let round = 0; round < 300; round++) {
      const data = store.data;
      const steps = 1 + Math.floor(rnd() * 6);
      let onlyNew = true;
      for (let s = 0; s < steps; s++) {
        const r = rnd();
        if (r < 0.25) {
          const q = event(n++);
          data.queue.push(q);
          data.seen[q.key] = n;
          appendLog(data, log(n));
          if (rnd() < 0.5) held.q.push(q);
        } else if (r < 0.35 && data.queue.length) {
          data.queue.splice(Math.floor(rnd() * data.queue.length), 1);
          onlyNew = false;
        } else if (r < 0.45 && held.q.length) {
          const q = held.q[Math.floor(rnd() * held.q.length)]!;
          q.attempts += 1;
          q.notBefore = n;
          if (q.files[0]) q.files[0].uploadedId = `u${n}`;
          onlyNew = false;
        } else if (r < 0.55) {
          const key = `w1:c${Math.floor(rnd() * 20)}:d`;
          const d = day(key);
          data.days[key] = d;
          held.d.push(d);
        } else if (r < 0.65 && held.d.length) {
          const d = held.d[Math.floor(rnd() * held.d.length)]!;
          d.lines.push({ messageId: `m${n}`, sentAt: 'x', author: 'a', text: `t${n}`, attachmentNames: [] });
          d.dirty = !d.dirty;
          if (rnd() < 0.2) d.lines = [];
          onlyNew = false;
        } else if (r < 0.72) {
          const id = `c${Math.floor(rnd() * 10)}`;
          const c = chat(id);
          data.chats[`w1:${id}`] = c;
          held.c.push(c);
        } else if (r < 0.8 && held.c.length) {
          held.c[Math.floor(rnd() * held.c.length)]!.recordId = `r${n}`;
          onlyNew = false;
        } else if (r < 0.85) {
          const keys = Object.keys(data.seen);
          if (keys.length) delete data.seen[keys[Math.floor(rnd() * keys.length)]!];
        } else if (r < 0.88) {
          trimLog(data);
          if (data.log.length > 30) data.log = data.log.slice(-30);
        } else if (r < 0.9) {
          (data.workspaces[0] as unknown as { name: string }).name = `n${n}`;
          onlyNew = false;
        } else if (r < 0.92) {
          delete data.days[`w1:c${Math.floor(rnd() * 20)}:d`];
        }
      }
      await store.commit(onlyNew && rnd() < 0.5 ? { newEntriesOnly: true } : {});
      if (round % 37 === 0) await store.compact();
      expect(plain(await Store.read(file)), `round ${round}`).toEqual(plain(store.data));
      if (round % 97 === 0) {
        store = await Store.open(file); // a restart: references held before it are gone
        held.q = [];
        held.d = [];
        held.c = [];
      }
    }
  });
});
