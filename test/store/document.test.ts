/**
 * The document engine's own guarantees: group commit, what a restart sees (journal replay, a torn
 * last line ignored, a damaged one refused, a crash in the middle of a compaction), a failed write
 * that changes nothing (a full disk) and the health that says so until it recovers, private files,
 * the lock, clear start-up errors, the first version's data, and frozen values.
 */
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../scripts/conversations.js';
import { DocumentStore } from '../../server/src/store/document/documentStore.js';
import { captureImage } from '../../server/src/store/document/image.js';
import { realIo, type JournalIo } from '../../server/src/store/document/journal.js';
import type { DocState } from '../../server/src/store/document/state.js';
import { chatDay, chatLink, queued, workspace } from '../helpers/storeFixtures.js';

const tmpFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'wa-zoho-doc-')), 'db.json');
const image = (s: DocState) => ({ ...captureImage(s, 0), journalGeneration: 0 });

/** A journal whose writes fail with ENOSPC while `full` is set (the disk is full). */
function fullDisk(): JournalIo & { full: boolean } {
  const io = {
    full: false,
    open: realIo.open,
    async write(fh: Parameters<JournalIo['write']>[0], data: Buffer) {
      if (io.full) {
        await fh.write(data.subarray(0, Math.floor(data.length / 2))); // half a line reached the disk
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
      await realIo.write(fh, data);
    },
  };
  return io;
}

/**
 * A disk with `free` bytes left, written the way the kernel writes: a write that does not fit writes
 * what fits and answers that count without an error; only the next write fails with ENOSPC.
 */
function shortWriteDisk(): JournalIo & { free: number } {
  const io = {
    free: Number.POSITIVE_INFINITY,
    async open(file: string) {
      const fh = await realIo.open(file);
      const write = async (
        buf: Buffer,
        offset = 0,
        length = buf.length - offset,
        position?: number | null,
      ) => {
        if (io.free <= 0)
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        const r = await fh.write(buf, offset, Math.min(length, io.free), position);
        io.free -= r.bytesWritten;
        return r;
      };
      return new Proxy(fh, {
        get(target, prop) {
          if (prop === 'write') return write;
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
    write: realIo.write,
  };
  return io;
}

describe('document store', () => {
  it('shares one journal write among concurrent commits (group commit)', async () => {
    const store = await DocumentStore.open(tmpFile());
    const ws = workspace();
    const before = store.writes;
    await store.queue.enqueue([{ workspaceId: ws.id, messageId: 'x' }]);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.queue.enqueue([{ workspaceId: ws.id, messageId: `m${i}` }])),
    );
    expect(store.writes - before).toBeLessThanOrEqual(3);
    await store.close();
  });

  it('reads back exactly what was committed after a random mix of changes, compactions and restarts (model check)', async () => {
    const rnd = mulberry32(11);
    const file = tmpFile();
    let store = await DocumentStore.open(file, { minCompactBytes: 4096 });
    const ws = workspace({ id: 'w1' });
    let uow = store.begin();
    uow.workspaces.create(ws);
    await uow.commit();
    let n = 0;
    for (let round = 0; round < 250; round++) {
      uow = store.begin();
      const pending: Promise<unknown>[] = [];
      for (let s = 0; s < 1 + Math.floor(rnd() * 6); s++) {
        const r = rnd();
        const i = n++;
        if (r < 0.25)
          pending.push(
            store.queue.enqueue([
              { workspaceId: 'w1', messageId: `m${i}`, event: queued('w1', i, { files: [{}] }) },
            ]),
          );
        else if (r < 0.35) uow.queue.finish(`w1:m${Math.floor(rnd() * n)}`);
        else if (r < 0.45)
          uow.queue.patch(`w1:m${Math.floor(rnd() * n)}`, {
            attempts: i,
            notBefore: i,
            lastError: rnd() < 0.5 ? undefined : `e${i}`,
          });
        else if (r < 0.5)
          uow.queue.file(`w1:m${Math.floor(rnd() * n)}`, 0, { uploadedId: `u${i}`, localPath: undefined });
        else if (r < 0.6) uow.days.put(chatDay('w1', `c${i % 9}`, '2026-01-01', { lines: [] }));
        else if (r < 0.7)
          uow.days.appendLines(`w1:c${i % 9}:2026-01-01`, Math.floor(rnd() * 3), [
            { messageId: `m${i}`, sentAt: 'x', author: 'a', text: `t${i}`, attachmentNames: [] },
          ]);
        else if (r < 0.78) uow.chats.put(chatLink('w1', `c${i % 9}`, { recordId: `r${i}` }));
        else if (r < 0.86)
          uow.syncLog.add({
            workspaceId: 'w1',
            chatId: 'c',
            messageId: `m${i}`,
            outcome: rnd() < 0.5 ? 'failed' : 'synced',
            reason: null,
            recordId: null,
            noteId: null,
          });
        else if (r < 0.9) uow.syncLog.resolve('w1', [`m${Math.floor(rnd() * n)}`]);
        else if (r < 0.95)
          uow.workspaces.patch('w1', {
            orgName: `org ${i}`,
            testRecordId: rnd() < 0.5 ? undefined : `t${i}`,
          });
        else if (r < 0.97) pending.push(store.sweep(Date.now() + rnd() * 9 * 24 * 3600 * 1000));
        else uow.phoneIndex.put('w1', [{ recordId: `r${i % 5}`, keys: [`+${i}`], modifiedTime: 'x' }]);
      }
      await Promise.all([uow.commit(), ...pending]);
      if (round % 41 === 0) await store.flush();
      expect(image(await DocumentStore.read(file)), `round ${round}`).toEqual(image(store.state));
      if (round % 97 === 0) {
        await store.close();
        store = await DocumentStore.open(file, { minCompactBytes: 4096 });
      }
    }
    await store.close();
  });

  it('ignores a torn last line (a write that never finished was never acknowledged)', async () => {
    const file = tmpFile();
    const store = await DocumentStore.open(file);
    await store.queue.enqueue([{ workspaceId: 'w1', messageId: 'a' }]);
    appendFileSync(`${file}.journal`, '[{"t":"in","item":{"workspaceId":"w1","messageId":"b"}');
    const back = await DocumentStore.read(file);
    expect([...back.seen.keys()]).toEqual(['w1:a']);
    await store.close();
  });

  it('refuses a journal damaged in the middle, with what to do', async () => {
    const file = tmpFile();
    const store = await DocumentStore.open(file);
    await store.queue.enqueue([{ workspaceId: 'w1', messageId: 'a' }]);
    appendFileSync(`${file}.journal`, 'garbage\n[]\n');
    await expect(DocumentStore.read(file)).rejects.toThrow(
      /damaged at line .*restore the data folder from a backup/,
    );
    await store.close();
  });

  it('recovers from a crash in the middle of a compaction (old journal still there)', async () => {
    const file = tmpFile();
    const store = await DocumentStore.open(file);
    const uow = store.begin();
    for (let i = 0; i < 10; i++)
      uow.syncLog.add({
        workspaceId: 'w1',
        chatId: 'c',
        messageId: `m${i}`,
        outcome: 'synced',
        reason: null,
        recordId: null,
        noteId: null,
      });
    await uow.commit();
    const journal = readFileSync(`${file}.journal`, 'utf8');
    // Crash after the image was renamed, before the old journal was deleted: it is older than the
    // image and must not be replayed again (the log would get duplicates).
    await store.flush();
    writeFileSync(`${file}.journal.old`, journal);
    const back = await DocumentStore.read(file);
    expect(back.log.get('w1')).toHaveLength(10);
    await store.close();
  });

  it('answers a failed write with an error, keeps nothing of it, says so in its health, and recovers', async () => {
    const io = fullDisk();
    const file = tmpFile();
    const store = await DocumentStore.open(file, { io });
    const ws = workspace();
    let uow = store.begin();
    uow.workspaces.create(ws);
    await uow.commit();
    io.full = true;
    uow = store.begin();
    uow.workspaces.patch(ws.id, { active: false });
    await expect(uow.commit()).rejects.toThrow(/ENOSPC/);
    expect((await store.workspaces.get(ws.id))?.active).toBe(true); // the change took no effect
    expect(await store.health()).toEqual({ ok: false, reason: 'the data folder cannot be written (ENOSPC)' });
    io.full = false;
    expect(await store.health()).toEqual({ ok: true });
    uow = store.begin();
    uow.workspaces.patch(ws.id, { orgName: 'after the disk was freed' });
    await uow.commit();
    const back = await DocumentStore.read(file); // the half line left by the failure was cut away
    expect(back.workspaces.get(ws.id)).toMatchObject({ active: true, orgName: 'after the disk was freed' });
    await store.close();
  });

  it('never acknowledges a line the disk took only part of (a short write), and replays cleanly after', async () => {
    const io = shortWriteDisk();
    const file = tmpFile();
    const store = await DocumentStore.open(file, { io });
    const ws = workspace();
    let uow = store.begin();
    uow.workspaces.create(ws);
    await uow.commit();
    io.free = 10; // the disk fills up ten bytes into the next line
    uow = store.begin();
    uow.workspaces.patch(ws.id, { orgName: 'written only in part' });
    await expect(uow.commit()).rejects.toThrow(/ENOSPC/);
    expect((await store.workspaces.get(ws.id))?.orgName).toBe(ws.orgName);
    io.free = Number.POSITIVE_INFINITY; // space freed
    uow = store.begin();
    uow.workspaces.patch(ws.id, { active: false });
    await uow.commit();
    const back = await DocumentStore.read(file); // no damaged line in the middle of the journal
    expect(back.workspaces.get(ws.id)).toMatchObject({ orgName: ws.orgName, active: false });
    await store.close();
  });

  it('keeps its folder private (0700) and every file 0600, after compactions too', async () => {
    const file = tmpFile();
    chmodSync(path.dirname(file), 0o755);
    const store = await DocumentStore.open(file, { minCompactBytes: 1024 });
    for (let i = 0; i < 40; i++)
      await store.queue.enqueue([{ workspaceId: 'w1', messageId: `m${i}`, event: queued('w1', i) }]);
    await store.files.put('abc', Buffer.from('x'));
    await store.flush();
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(path.dirname(file))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}.journal`)).toBe(0o600);
    expect(mode(path.join(path.dirname(file), 'attachments'))).toBe(0o700);
    expect(mode(path.join(path.dirname(file), 'attachments', 'abc'))).toBe(0o600);
    await store.close();
  });

  it('is one process’s: a second open of the same data file is refused while the first runs', async () => {
    const file = tmpFile();
    const store = await DocumentStore.open(file);
    writeFileSync(`${file}.lock`, '1'); // pid 1 is alive: another connector
    await expect(DocumentStore.open(file)).rejects.toThrow(/Another connector process \(pid 1\)/);
    writeFileSync(`${file}.lock`, String(process.pid));
    await store.close();
  });

  it('says in one sentence what is wrong with a data folder it cannot write, or a damaged data file, and changes nothing', async () => {
    const file = tmpFile();
    writeFileSync(file, '{"version":2, not json');
    await expect(DocumentStore.open(file)).rejects.toThrow(/is not valid JSON.*Nothing was changed/);
    expect(readFileSync(file, 'utf8')).toBe('{"version":2, not json');
    if (process.getuid?.() !== 0) {
      const dir = path.dirname(tmpFile());
      chmodSync(dir, 0o500);
      await expect(DocumentStore.open(path.join(dir, 'db.json'))).rejects.toThrow(/is not writable/);
    }
  });

  it('reads a store written by the first version (data file and journal)', async () => {
    const file = tmpFile();
    const q = queued('w1', 1);
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        journalGeneration: 1,
        workspaces: [workspace({ id: 'w1' })],
        queue: [q],
        seen: { 'w1:m1': 5 },
        chats: {},
        days: {},
        log: [],
      }),
    );
    writeFileSync(
      `${file}.journal`,
      `${JSON.stringify({ journal: 'wa-zoho-sync journal', generation: 1 })}\n${JSON.stringify([
        ['c', 'w1:c1', chatLink('w1', 'c1', { recordId: 'r9' })],
        ['qp', q.key, { attempts: 2 }],
      ])}\n`,
    );
    const store = await DocumentStore.open(file);
    expect((await store.chats.getMany('w1', ['c1'])).get('c1')?.recordId).toBe('r9');
    expect((await store.queue.get(q.key))?.attempts).toBe(2);
    expect(await store.queue.enqueue([{ workspaceId: 'w1', messageId: 'm1' }])).toEqual(['duplicate']);
    await store.close();
  });

  it('hands out frozen values: a change goes through a unit of work, never in place', async () => {
    const store = await DocumentStore.open(tmpFile());
    const ws = workspace();
    const uow = store.begin();
    uow.workspaces.create(ws);
    await uow.commit();
    const got = (await store.workspaces.get(ws.id)) as unknown as {
      active: boolean;
      owner: { email: string };
    };
    expect(() => {
      got.active = false;
    }).toThrow(TypeError);
    expect(() => {
      got.owner.email = 'x';
    }).toThrow(TypeError);
    await store.close();
  });
});
