/**
 * The history import through the admin API, in one process against the sandbox's emulators: checks
 * of the request, progress while it runs, every message once on its day's Note (also those a webhook
 * delivered first), group chats skipped, attachments uploaded, chats bigger than a wave, and the
 * final report in the sync log. (The 3,000-message import killed halfway: test/jobs/historyCrash.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiErrorBody, HistoryImportAnswer, SyncLogAnswer } from '../../contract/adminApi.js';
import { TimelinesPacing } from '../../server/src/timelines/api/index.js';
import { until } from '../helpers/connectorProcess.js';
import {
  api,
  connectAndActivate,
  connectAs,
  startSandbox,
  type Harness,
  type Session,
} from '../helpers/harness.js';
import { checkNotes } from '../helpers/historyCheck.js';
import { connectTimelines, sandboxTimelines, type SandboxTimelines } from '../helpers/sandboxTimelines.js';

const DAY = 86_400_000;
const madridDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Madrid' }).format(ms);

describe('history import', () => {
  let h: Harness;
  let tl: SandboxTimelines;
  let s: Session;

  beforeEach(async () => {
    h = await startSandbox(
      {},
      {
        timelinesPacing: new TimelinesPacing({ sendIntervalMs: 0, requestsPerSecond: 1000 }),
        history: { waveSize: 60, maxWave: 90, pollMs: 20 },
      },
    );
    tl = await sandboxTimelines(h);
    tl.emu.controls.setRateLimit(null);
    await connectTimelines(h, await connectAs(h.url, 'admin@sandbox.test'), tl);
  });
  afterEach(async () => {
    await h.close();
  });

  const call = <T>(method: string, route: string, body?: unknown) =>
    api<T>(h.url, s.token, method, route, body);

  it('refuses a bad start day, and starts only with TimelinesAI connected and the integration active', async () => {
    s = await connectAs(h.url, 'admin@sandbox.test');
    const inactive = await call<ApiErrorBody>('POST', '/api/history-import', {
      since: madridDay(Date.now()),
    });
    expect(inactive.status).toBe(409);
    expect(inactive.body.error.code).toBe('NOT_ACTIVE');
    s = await connectAndActivate(h.url);
    for (const since of ['2024-13-01', 'yesterday', madridDay(Date.now() + 3 * DAY), '1999-01-01']) {
      const bad = await call<ApiErrorBody>('POST', '/api/history-import', { since });
      expect(bad.status, since).toBe(400);
      expect(bad.body.error.field).toBe('since');
    }
    const idle = await call<HistoryImportAnswer>('GET', '/api/history-import');
    expect(idle.body).toMatchObject({ status: 'idle', chats: { done: 0, total: null } });
    const rep = await connectAs(h.url, 'rep@sandbox.test');
    const byRep = await api(h.url, rep.token, 'POST', '/api/history-import', {
      since: madridDay(Date.now()),
    });
    expect(byRep.status).toBe(403);
  });

  it('imports every message once into its day’s Note, merges with what webhooks delivered, and reports', async () => {
    const end = Date.now() - 60_000;
    tl.emu.seedHistory(tl.wsId, {
      chats: 24,
      messages: 300,
      days: 10,
      groupShare: 0.15,
      attachmentEvery: 25,
      numbered: true,
      endAt: end,
      seed: 7,
    });
    // One chat far bigger than a wave: it is handed over page by page (no subscription yet: history).
    const big = tl.emu.addChat(tl.wsId, {
      phone: '+34699000111',
      name: 'Gran Cliente',
      createdAt: end - 9 * DAY,
    });
    for (let i = 1; i <= 130; i++)
      await tl.emu.deliverIncoming(tl.wsId, {
        chatId: big.id,
        text: `pedido ${i}.`,
        at: end - 8 * DAY + i * 60_000,
      });
    s = await connectAndActivate(h.url);
    // The last day arrived live, by webhook, before the import.
    const live = await tl.emu.replayWebhooks(tl.wsId, { after: end - DAY });
    expect(live).toBeGreaterThan(0);
    await until('the live day synced', async () => {
      await h.server.scheduler.idle();
      return h.server.emulator!.state.notes(h.server.emulator!.seedDefaultSandbox().orgId).length > 0
        ? true
        : undefined;
    });

    const since = madridDay(end - 10 * DAY);
    const started = await call<HistoryImportAnswer>('POST', '/api/history-import', { since });
    expect(started.status).toBe(202);
    expect(started.body.status).toBe('running');
    const twice = await call<ApiErrorBody>('POST', '/api/history-import', { since });
    expect(twice.status).toBe(409);

    const seen: HistoryImportAnswer[] = [];
    const done = await until(
      'the import done',
      async () => {
        const p = (await call<HistoryImportAnswer>('GET', '/api/history-import')).body;
        seen.push(p);
        return p.status === 'running' ? undefined : p;
      },
      90_000,
    );
    await h.server.scheduler.idle();
    expect(done.status).toBe('done');
    expect(done.problem).toBeNull();
    expect(done.chats.total).toBe(done.chats.done);
    expect(done.messages.total).toBe(done.messages.done);
    expect(done.duplicates).toBeGreaterThan(0); // the live day
    // Progress was reported on the way (counts only grow).
    const running = seen.filter((p) => p.status === 'running' && p.chats.total !== null);
    expect(running.length).toBeGreaterThan(0);
    for (let i = 1; i < running.length; i++)
      expect(running[i]!.messages.done).toBeGreaterThanOrEqual(running[i - 1]!.messages.done);

    const orgId = h.server.emulator!.seedDefaultSandbox().orgId;
    const check = checkNotes({
      zoho: h.server.emulator!.state,
      orgId,
      tl: tl.emu,
      wsId: tl.wsId,
      since: 0,
      timeZone: 'Europe/Madrid',
    });
    expect(check.missing).toEqual([]);
    expect(check.repeated).toEqual([]);
    expect(check.missingFiles).toEqual([]);
    expect(check.attachments).toBeGreaterThan(0);
    // One Note per chat-day, and no record for a group.
    expect(
      h.server
        .emulator!.state.notes(orgId)
        .filter((n) => String(n.Note_Title).startsWith('WhatsApp chat with')),
    ).toHaveLength(check.chatDays);
    expect(done.messages.done).toBe(check.messages); // group chats are not even listed
    const log = (await call<SyncLogAnswer>('GET', '/api/sync-log?limit=1000')).body.entries;
    const report = log.find((e) => e.kind === 'import');
    expect(report?.outcome).toBe('synced');
    expect(report?.reason).toMatch(
      /^History import from \d\d\/\d\d\/\d{4} finished: \d+ chats, \d+ messages/,
    );
  });
});
