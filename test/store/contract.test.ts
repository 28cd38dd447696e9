/**
 * The store contract, run against both engines: what the intake, the worker and the admin API rely
 * on, whichever engine holds the data.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../server/src/store/store.js';
import { describeWithPostgres } from '../helpers/postgres.js';
import {
  chatDay,
  chatLink,
  documentEngine,
  postgresEngine,
  queued,
  workspace,
  type EngineUnderTest,
} from '../helpers/storeFixtures.js';

/** A Note line of a message (the contract tests' chat-days). */
const line = (id: string) => ({ messageId: id, sentAt: 'x', author: 'A', text: id, attachmentNames: [] });

function contract(makeEngine: () => Promise<EngineUnderTest>): void {
  let engine: EngineUnderTest;
  let store: Store;
  const ws = workspace();

  beforeEach(async () => {
    engine = await makeEngine();
    store = await engine.open();
    const uow = store.begin();
    uow.workspaces.create(ws);
    await uow.commit();
  });
  afterEach(async () => {
    await store.close();
    await engine.cleanup();
  });

  const reopen = async () => {
    await store.close();
    store = await engine.open();
  };

  describe('workspaces', () => {
    it('finds a workspace by id, org and webhook digest, and keeps patches across a restart', async () => {
      expect((await store.workspaces.get(ws.id))?.orgName).toBe('Fake Org');
      expect((await store.workspaces.byOrg(ws.orgId))?.id).toBe(ws.id);
      const uow = store.begin();
      uow.workspaces.patch(ws.id, { active: false, webhookTokenDigest: 'rotated', activatedAt: undefined });
      uow.workspaces.patch(ws.id, {
        timelines: { token: { v: 1, iv: 'i', tag: 't', data: 'd' }, connectedAt: '2026-01-01', accounts: 1 },
      });
      await uow.commit();
      await reopen();
      expect(await store.workspaces.byWebhookDigest(ws.webhookTokenDigest)).toBeUndefined();
      const got = await store.workspaces.byWebhookDigest('rotated');
      expect(got?.active).toBe(false);
      expect(got && 'activatedAt' in got).toBe(false);
      expect(got?.timelines?.accounts).toBe(1);
      expect((await store.workspaces.all()).map((w) => w.id)).toEqual([ws.id]);
    });

    it('removes a field a patch sets to undefined, and counts skipped messages', async () => {
      let uow = store.begin();
      uow.workspaces.patch(ws.id, { testRecordId: 'r1', deactivatedAt: '2026-01-02T00:00:00.000Z' });
      await uow.commit();
      uow = store.begin();
      uow.workspaces.patch(ws.id, { testRecordId: undefined });
      uow.workspaces.countSkipped(ws.id);
      uow.workspaces.countSkipped(ws.id, 2);
      await uow.commit();
      const got = await store.workspaces.get(ws.id);
      expect(got?.testRecordId).toBeUndefined();
      expect(got?.deactivatedAt).toBe('2026-01-02T00:00:00.000Z');
      expect(got?.skippedWhileInactive).toBe(3);
    });
  });

  describe('intake', () => {
    it('accepts a message id once, however many times and however concurrently it is delivered', async () => {
      const item = { workspaceId: ws.id, messageId: 'm1', event: queued(ws.id, 1) };
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.queue.enqueue([item])));
      expect(outcomes.flat().filter((o) => o === 'new')).toHaveLength(1);
      expect(await store.queue.enqueue([item])).toEqual(['duplicate']);
      await reopen();
      expect(await store.queue.enqueue([item])).toEqual(['duplicate']);
      expect((await store.queue.claim(ws.id, Date.now(), 10)).map((q) => q.key)).toEqual([`${ws.id}:m1`]);
      expect(await store.workspaces.lastEventAt(ws.id)).toBeDefined();
    });

    it('remembers skipped messages (logged once) and logs events without a message id every time', async () => {
      const log = (reason: string) => ({
        at: new Date().toISOString(),
        workspaceId: ws.id,
        chatId: 'c1',
        messageId: null,
        outcome: 'skipped' as const,
        reason,
        recordId: null,
        noteId: null,
      });
      const skip = { workspaceId: ws.id, messageId: 'g1', log: log('group chat'), skippedInactive: true };
      expect(await store.queue.enqueue([skip, skip])).toEqual(['new', 'duplicate']);
      const unknown = { workspaceId: ws.id, messageId: undefined, log: log('unknown event type') };
      expect(await store.queue.enqueue([unknown, unknown])).toEqual(['new', 'new']);
      const { entries } = await store.syncLog.list(ws.id, { limit: 10 });
      expect(entries.map((e) => e.reason)).toEqual([
        'unknown event type',
        'unknown event type',
        'group chat',
      ]);
      expect(await store.queue.claim(ws.id, Date.now(), 10)).toEqual([]);
      expect((await store.workspaces.get(ws.id))?.skippedWhileInactive).toBe(1);
    });

    it('stores a guarded item only while the workspace is as the guard saw it', async () => {
      const guard = { digest: ws.webhookTokenDigest, active: ws.active, countryCode: ws.countryCode };
      const item = (id: string, g = guard) => ({
        workspaceId: ws.id,
        messageId: id,
        event: queued(ws.id, Number(id.slice(1))),
        guard: g,
      });
      const skip = (id: string, g = guard) => ({
        workspaceId: ws.id,
        messageId: id,
        log: {
          at: new Date().toISOString(),
          workspaceId: ws.id,
          chatId: 'c1',
          messageId: id,
          outcome: 'skipped' as const,
          reason: 'integration inactive',
          recordId: null,
          noteId: null,
        },
        skippedInactive: true,
        guard: g,
      });
      expect(await store.queue.enqueue([item('m1')])).toEqual(['new']);
      // Each field the intake's decision rests on, changed: nothing of the item is stored.
      for (const g of [
        { ...guard, digest: 'another' },
        { ...guard, active: !guard.active },
        { ...guard, countryCode: 'BR' },
        { ...guard, countryCode: undefined },
      ])
        expect(await store.queue.enqueue([item('m2', g), skip('m3', g), item('m1', g)])).toEqual([
          'stale',
          'stale',
          'stale',
        ]);
      expect((await store.queue.claim(ws.id, Date.now(), 10)).map((q) => q.key)).toEqual([`${ws.id}:m1`]);
      expect((await store.syncLog.list(ws.id, { limit: 10 })).entries).toEqual([]);
      expect((await store.workspaces.get(ws.id))?.skippedWhileInactive).toBeUndefined();
      // Not remembered as accepted: decided again, they are new; a rotated token's guard is stale.
      expect(await store.queue.enqueue([item('m2'), skip('m3')])).toEqual(['new', 'new']);
      // A second delivery of a message whose first one in the batch was stale is never answered as a
      // duplicate: it is stored (the document engine) or decided again (PostgreSQL decides by batch).
      const [first, second] = await store.queue.enqueue([
        item('m4', { ...guard, active: false }),
        item('m4'),
      ]);
      expect(first).toBe('stale');
      expect(['new', 'stale']).toContain(second);
      expect(await store.queue.enqueue([item('m4')])).toEqual([second === 'new' ? 'duplicate' : 'new']);
      expect((await store.queue.claim(ws.id, Date.now(), 10)).map((q) => q.key)).toEqual([
        `${ws.id}:m1`,
        `${ws.id}:m2`,
        `${ws.id}:m4`,
      ]);
      const uow = store.begin();
      uow.workspaces.patch(ws.id, { webhookTokenDigest: 'rotated' });
      await uow.commit();
      expect(await store.queue.enqueue([item('m5')])).toEqual(['stale']);
      expect(await store.queue.enqueue([item('m5', { ...guard, digest: 'rotated' })])).toEqual(['new']);
    });
  });

  describe('queue', () => {
    beforeEach(async () => {
      await store.queue.enqueue(
        [1, 2, 3, 4].map((i) => ({ workspaceId: ws.id, messageId: `m${i}`, event: queued(ws.id, i) })),
      );
    });

    it('claims due pending events oldest first, up to the limit', async () => {
      const uow = store.begin();
      uow.queue.patch(`${ws.id}:m2`, { notBefore: Date.now() + 60_000, attempts: 1, lastError: 'busy' });
      uow.queue.patch(`${ws.id}:m3`, { state: 'waiting' });
      await uow.commit();
      expect((await store.queue.claim(ws.id, Date.now(), 10)).map((q) => q.key)).toEqual([
        `${ws.id}:m1`,
        `${ws.id}:m4`,
      ]);
      expect((await store.queue.claim(ws.id, Date.now(), 1)).map((q) => q.key)).toEqual([`${ws.id}:m1`]);
      const m2 = await store.queue.get(`${ws.id}:m2`);
      expect({ attempts: m2?.attempts, lastError: m2?.lastError }).toEqual({
        attempts: 1,
        lastError: 'busy',
      });
      const due = await store.queue.due();
      expect(due).toEqual([{ workspaceId: ws.id, dueAt: 0 }]);
    });

    it('finishes events, requeues waiting ones, and clears a field', async () => {
      let uow = store.begin();
      uow.queue.finish(`${ws.id}:m1`);
      uow.queue.patch(`${ws.id}:m2`, { state: 'waiting', attempts: 3, lastError: 'reconnect' });
      await uow.commit();
      uow = store.begin();
      uow.queue.requeueWaiting(ws.id);
      uow.queue.patch(`${ws.id}:m2`, { lastError: undefined });
      await uow.commit();
      await reopen();
      const claimed = await store.queue.claim(ws.id, Date.now(), 10);
      expect(claimed.map((q) => q.key)).toEqual([`${ws.id}:m2`, `${ws.id}:m3`, `${ws.id}:m4`]);
      expect(claimed[0]).toMatchObject({ state: 'pending', attempts: 0, notBefore: 0 });
      expect(claimed[0]!.lastError).toBeUndefined();
      expect((await store.queue.depths())[0]).toMatchObject({ workspaceId: ws.id, depth: 3 });
    });

    it('changes one attachment without losing another one changed meanwhile', async () => {
      await store.queue.enqueue([
        {
          workspaceId: ws.id,
          messageId: 'f1',
          event: queued(ws.id, 9, { key: `${ws.id}:f1`, files: [{}, {}] }),
        },
      ]);
      const a = store.begin();
      const b = store.begin();
      a.queue.file(`${ws.id}:f1`, 0, { localPath: 'abc', size: 3 });
      b.queue.file(`${ws.id}:f1`, 1, { error: 'expired' });
      await Promise.all([a.commit(), b.commit()]);
      expect((await store.queue.withPendingFiles()).map((q) => q.key)).toEqual([]);
      const c = store.begin();
      c.queue.file(`${ws.id}:f1`, 0, { uploadedId: 'z1', localPath: undefined });
      await c.commit();
      const q = await store.queue.get(`${ws.id}:f1`);
      expect(q?.files).toEqual([{ size: 3, uploadedId: 'z1' }, { error: 'expired' }]);
    });
  });

  describe('chats and days', () => {
    it('puts and finds chat links, also by record', async () => {
      const uow = store.begin();
      uow.chats.put(chatLink(ws.id, 'c1', { recordId: 'r1', module: 'Contacts' }));
      uow.chats.put(chatLink(ws.id, 'c2'));
      await uow.commit();
      await reopen();
      const got = await store.chats.getMany(ws.id, ['c1', 'c2', 'c3']);
      expect([...got.keys()].sort()).toEqual(['c1', 'c2']);
      expect(got.get('c1')?.recordId).toBe('r1');
      expect((await store.chats.byRecords(ws.id, ['r1'])).map((l) => l.chatId)).toEqual(['c1']);
    });

    it('appends lines at a position (a second append there replaces the first) and patches a day', async () => {
      const key = `${ws.id}:c1:2026-01-01`;
      let uow = store.begin();
      uow.days.put(chatDay(ws.id, 'c1', '2026-01-01', { lines: [line('a')] }));
      uow.days.appendLines(key, 1, [line('b')]);
      await uow.commit();
      uow = store.begin();
      uow.days.appendLines(key, 1, [line('c'), line('d')]);
      uow.days.patch(key, { noteId: 'n1', dirty: true, createIntentAt: undefined });
      await uow.commit();
      await reopen();
      const day = (await store.days.getMany([key])).get(key);
      expect(day?.lines.map((l) => l.messageId)).toEqual(['a', 'c', 'd']);
      expect(day).toMatchObject({ noteId: 'n1', dirty: true, prunedLines: 0 });
    });
  });

  describe('a unit of work', () => {
    it('applies interleaved finishes, log entries, lines and day patches as a sync run leaves them', async () => {
      const day = (chat: string) => `${ws.id}:${chat}:2026-01-01`;
      await store.queue.enqueue(
        [1, 2, 3, 4, 5].map((i) => ({ workspaceId: ws.id, messageId: `m${i}`, event: queued(ws.id, i) })),
      );
      let uow = store.begin();
      for (const chat of ['c1', 'c2'])
        uow.days.put(chatDay(ws.id, chat, '2026-01-01', { lines: [line('a')] }));
      await uow.commit();
      uow = store.begin();
      for (let i = 1; i <= 4; i++) {
        uow.queue.finish(`${ws.id}:m${i}`);
        uow.syncLog.add({
          workspaceId: ws.id,
          chatId: 'c1',
          messageId: `m${i}`,
          outcome: 'synced',
          reason: null,
          recordId: 'r1',
          noteId: 'n1',
          kind: 'message',
        });
      }
      // Two days, one of them changed twice: each change of a day in its order.
      uow.days.appendLines(day('c1'), 1, [line('b')]);
      uow.days.patch(day('c1'), { noteId: 'n1', dirty: true });
      uow.days.appendLines(day('c2'), 1, [line('x')]);
      uow.days.appendLines(day('c1'), 2, [line('c')]);
      uow.days.patch(day('c1'), { dirty: false, title: 't' });
      uow.days.patch(day('c2'), { noteId: 'n2' });
      uow.days.appendLines(day('c1'), 1, [line('d')]);
      await uow.commit();
      await reopen();
      expect((await store.queue.claim(ws.id, Date.now(), 10)).map((q) => q.key)).toEqual([`${ws.id}:m5`]);
      const log = await store.syncLog.list(ws.id, { limit: 10 });
      expect(log.entries.map((e) => e.messageId)).toEqual(['m4', 'm3', 'm2', 'm1']);
      const days = await store.days.getMany([day('c1'), day('c2')]);
      expect(days.get(day('c1'))?.lines.map((l) => l.messageId)).toEqual(['a', 'd']);
      expect(days.get(day('c1'))).toMatchObject({ noteId: 'n1', dirty: false, title: 't' });
      expect(days.get(day('c2'))?.lines.map((l) => l.messageId)).toEqual(['a', 'x']);
      expect(days.get(day('c2'))).toMatchObject({ noteId: 'n2', dirty: false });
    });

    it('commits all of its changes or none', async () => {
      const uow = store.begin();
      uow.chats.put(chatLink(ws.id, 'c9'));
      uow.workspaces.create(workspace({ id: ws.id })); // the same id again: refused
      await expect(uow.commit()).rejects.toThrow();
      expect((await store.chats.getMany(ws.id, ['c9'])).size).toBe(0);
    });
  });

  describe('sync log', () => {
    it('pages newest first, filters by outcome, and marks failures resolved', async () => {
      const uow = store.begin();
      for (let i = 0; i < 7; i++)
        uow.syncLog.add({
          workspaceId: ws.id,
          chatId: 'c1',
          messageId: `m${i % 3}`,
          outcome: i % 2 ? 'failed' : 'synced',
          reason: `r${i}`,
          recordId: null,
          noteId: null,
        });
      uow.syncLog.resolve(ws.id, ['m1']);
      await uow.commit();
      const first = await store.syncLog.list(ws.id, { limit: 3 });
      expect(first.entries.map((e) => e.reason)).toEqual(['r6', 'r5', 'r4']);
      const second = await store.syncLog.list(ws.id, { limit: 3, before: first.next });
      expect(second.entries.map((e) => e.reason)).toEqual(['r3', 'r2', 'r1']);
      const last = await store.syncLog.list(ws.id, { limit: 3, before: second.next });
      expect(last.entries.map((e) => e.reason)).toEqual(['r0']);
      expect(last.next).toBeUndefined();
      const failed = await store.syncLog.list(ws.id, { limit: 10, outcome: 'failed' });
      expect(failed.entries.map((e) => [e.reason, e.resolved ?? false])).toEqual([
        ['r5', false],
        ['r3', false],
        ['r1', true],
      ]);
      expect(failed.next).toBeUndefined();
    });
  });

  describe('phone index', () => {
    it('indexes records by key, replaces their keys, deletes and clears them', async () => {
      let uow = store.begin();
      uow.phoneIndex.start(ws.id, {
        module: 'Contacts',
        status: 'building',
        done: 0,
        total: 3,
        scanAfterId: undefined,
        modifiedCursor: undefined,
        deletedCursor: undefined,
        deletedCheckedAt: undefined,
        phoneFields: ['Phone', 'Mobile'],
        startedAt: 'x',
        readyAt: undefined,
      });
      uow.phoneIndex.put(ws.id, [
        { recordId: 'r1', keys: ['+1', '+2'], modifiedTime: '2026-01-01T00:00:00Z' },
        { recordId: 'r2', keys: ['+2'], modifiedTime: '2026-01-02T00:00:00Z' },
      ]);
      await uow.commit();
      uow = store.begin();
      uow.phoneIndex.put(ws.id, [{ recordId: 'r1', keys: ['+3'], modifiedTime: '2026-01-03T00:00:00Z' }]);
      uow.phoneIndex.patch(ws.id, { status: 'ready', done: 3, scanAfterId: undefined });
      await uow.commit();
      await reopen();
      const found = await store.phoneIndex.lookup(ws.id, ['+1', '+2', '+3']);
      expect(found.has('+1')).toBe(false);
      expect(found.get('+2')?.map((r) => r.recordId)).toEqual(['r2']);
      expect(found.get('+3')?.[0]).toEqual({
        recordId: 'r1',
        keys: ['+3'],
        modifiedTime: '2026-01-03T00:00:00Z',
      });
      expect(await store.phoneIndex.state(ws.id)).toMatchObject({ status: 'ready', done: 3 });
      expect(await store.phoneIndex.size(ws.id)).toBe(2);
      uow = store.begin();
      uow.phoneIndex.delete(ws.id, ['r2']);
      await uow.commit();
      expect((await store.phoneIndex.lookup(ws.id, ['+2'])).size).toBe(0);
      uow = store.begin();
      uow.phoneIndex.clear(ws.id);
      await uow.commit();
      expect(await store.phoneIndex.state(ws.id)).toBeUndefined();
      expect(await store.phoneIndex.size(ws.id)).toBe(0);
    });
  });

  describe('nonces, leases and files', () => {
    it('uses a nonce once, also concurrently', async () => {
      const exp = Date.now() + 60_000;
      const results = await Promise.all(Array.from({ length: 5 }, () => store.nonces.use('n1', exp)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.nonces.use('n1', exp)).toBe(false);
    });

    it('leases a workspace to one holder at a time, and to another once released or expired', async () => {
      const a = await store.leases.acquire(ws.id, 'A', 60_000);
      expect(a).toBeDefined();
      expect(await store.leases.acquire(ws.id, 'B', 60_000)).toBeUndefined();
      expect(await store.leases.renew(a!, 60_000)).toBe(true);
      await store.leases.release(a!);
      const b = await store.leases.acquire(ws.id, 'B', 1);
      expect(b).toBeDefined();
      await new Promise((r) => setTimeout(r, 20));
      expect(await store.leases.acquire(ws.id, 'C', 60_000)).toBeDefined();
      expect(await store.leases.renew(b!, 60_000)).toBe(false);
    });

    it('keeps attachment bytes until deleted', async () => {
      await store.files.put('abc123', Buffer.from('hello'));
      expect((await store.files.get('abc123'))?.toString()).toBe('hello');
      await store.files.delete('abc123');
      expect(await store.files.get('abc123')).toBeUndefined();
    });
  });

  describe('messages sent from the chat panel', () => {
    const sent = (messageId: string, at = Date.now()) => ({
      workspaceId: ws.id,
      messageId,
      author: 'Rafa Rep',
      authorEmail: 'rep@example.com',
      userId: 'u2',
      module: 'Contacts',
      recordId: 'r1',
      at,
    });

    it('remembers who sent a message across a restart, and forgets it with the message ids', async () => {
      const uow = store.begin();
      uow.sent.put(sent('s1'));
      uow.sent.put(sent('s2', Date.now() - 8 * 24 * 60 * 60 * 1000));
      await uow.commit();
      await reopen();
      const got = await store.sent.getMany(ws.id, ['s1', 's2', 'nope']);
      expect([...got.keys()].sort()).toEqual(['s1', 's2']);
      expect(got.get('s1')).toEqual(sent('s1', got.get('s1')!.at));
      expect((await store.sent.getMany('other-workspace', ['s1'])).size).toBe(0);
      await store.sweep(Date.now());
      expect([...(await store.sent.getMany(ws.id, ['s1', 's2'])).keys()]).toEqual(['s1']);
    });
  });

  it('sweeps message ids past the redelivery window', async () => {
    await store.queue.enqueue([{ workspaceId: ws.id, messageId: 'old', log: undefined }]);
    const swept = await store.sweep(Date.now() + 8 * 24 * 60 * 60 * 1000);
    expect(swept.seen).toBe(1);
    expect(await store.queue.enqueue([{ workspaceId: ws.id, messageId: 'old' }])).toEqual(['new']);
  });

  it('answers healthy while it can write', async () => {
    expect(await store.health()).toEqual({ ok: true });
  });
}

describe('store contract: document engine', () => contract(documentEngine));
describeWithPostgres('store contract: postgres engine', () => contract(postgresEngine));
