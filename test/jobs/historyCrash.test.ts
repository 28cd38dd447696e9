/**
 * The history import at size, killed halfway: the connector runs as a real child process (live mode,
 * pointed at a Zoho CRM emulator and a TimelinesAI emulator in this process) and gets a SIGKILL while
 * it reads the second half. 3,000 messages over 300 chats and 30 days, of which the last day was
 * delivered by webhook before the import. After the restart the import goes on from its saved cursor:
 * every message is on exactly one Note, progress was reported, and the Zoho calls stay within 1.3×
 * the lower bound of the workload:
 *
 *   phone index build (the record count and one COQL page per 2,000 records)
 *   + 1 read of the users (record owners by email) + 1 read of the module's fields
 *   + ⌈300 new chats / 100⌉ record creates + ⌈chat-days / 100⌉ Note creates
 *   + 1 read of what changed in the CRM before new chats are matched
 *
 * The restart after the kill reads the users and fields again, and each wave pays its own partly
 * filled calls: the margin of 1.3× covers that.
 *
 * (no attachments here: the live-mode process downloads over https from public hosts only; the
 * in-process import test, test/http/historyImport.test.ts, covers them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryImportAnswer, WorkspaceAnswer } from '../../contract/adminApi.js';
import { createTimelinesEmulator, type TimelinesEmulator } from '../../emulator/timelines/index.js';
import { createZohoEmulator, type ZohoEmulator } from '../../emulator/zoho/index.js';
import {
  freePort,
  startConnector,
  TEST_CLIENT,
  until,
  type ConnectorProcess,
} from '../helpers/connectorProcess.js';
import { api, connectAndActivate, connectAs, TEST_STORE, type Session } from '../helpers/harness.js';
import { checkNotes } from '../helpers/historyCheck.js';
import { freshDatabase, type TestDatabase } from '../helpers/postgres.js';

const DAY = 86_400_000;
const madridDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Madrid' }).format(ms);
/** The first minute of the org's calendar day holding `ms`. */
function startOfDay(ms: number): number {
  const day = madridDay(ms);
  let t = Math.floor(ms / 60_000) * 60_000;
  while (madridDay(t - 60_000) === day) t -= 60_000;
  return t;
}

describe('history import: 3,000 messages, killed halfway', () => {
  let zoho: ZohoEmulator;
  let tl: TimelinesEmulator;
  let closers: (() => Promise<void>)[] = [];
  let orgId: string;
  let dir: string;
  let port: number;
  let db: TestDatabase | undefined;
  let child: ConnectorProcess | undefined;
  let zohoUrl: string;
  let tlApiUrl: string;

  beforeAll(async () => {
    zoho = createZohoEmulator();
    const z = await zoho.listen(0);
    zohoUrl = z.url;
    zoho.registerClient(TEST_CLIENT);
    orgId = zoho.seedDefaultSandbox().orgId;
    tl = createTimelinesEmulator({ sendIntervalMs: 0 });
    const t = await tl.listen(0);
    tlApiUrl = t.apiUrl;
    closers = [z.close, t.close];
    dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-history-'));
    port = await freePort();
    if (TEST_STORE === 'postgres') db = await freshDatabase();
  });
  afterAll(async () => {
    await child?.kill();
    for (const close of closers) await close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    child = await startConnector({
      port,
      emulatorUrl: zohoUrl,
      dataFile: path.join(dir, 'db.json'),
      databaseUrl: db?.url,
      extra: { WORKSPACE_LEASE_MS: '1500', FLUSH_WINDOW_MS: '2000', TIMELINES_API_URL: tlApiUrl },
    });
  };
  const url = () => `http://localhost:${port}`;
  const calls = () => zoho.stats.calls(orgId);
  const delta = (from: Record<string, number>, to: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(to)
        .map(([k, v]) => [k, v - (from[k] ?? 0)] as const)
        .filter(([k, v]) => v > 0 && k !== 'throttled' && k !== 'injected'),
    );
  const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

  it('imports every message once, resumes after SIGKILL, reports progress, within 1.3× the Zoho calls', async () => {
    const wsTl = tl.createWorkspace({ ownerName: 'Sandra Admin', ownerEmail: 'admin@sandbox.test' });
    tl.addAccount(wsTl.id, {
      phone: '+34910000000',
      ownerName: 'Sandra Admin',
      ownerEmail: 'admin@sandbox.test',
    });
    const token = tl.issueToken(wsTl.id);
    // History up to the end of yesterday (org time), so that its last day is a whole calendar day.
    const end = startOfDay(Date.now()) - 60_000;
    const seeded = tl.seedHistory(wsTl.id, {
      chats: 300,
      messages: 3000,
      days: 30,
      attachmentEvery: 0,
      numbered: true,
      endAt: end,
      seed: 42,
    });
    expect(seeded.messages).toBe(3000);

    await start();
    let s: Session = await connectAs(url(), 'admin@sandbox.test');
    expect((await api(url(), s.token, 'PUT', '/api/timelines', { apiToken: token })).status).toBe(200);
    const beforeActivation = calls();
    s = await connectAndActivate(url());
    expect(
      tl
        .webhooks(wsTl.id)
        .map((w) => w.eventType)
        .sort(),
    ).toEqual(['message:received:new', 'message:sent:new']);
    await until('the phone index', async () => {
      const ws = (await api<WorkspaceAnswer>(url(), s.token, 'GET', '/api/workspace')).body.workspace;
      return ws.phoneIndex?.status === 'ready' ? true : undefined;
    });
    const ready = calls();
    const build = delta(beforeActivation, ready);
    const buildCalls = (build.record_count ?? 0) + (build.coql ?? 0);

    // The last day (a calendar day in the org's zone) came live, by webhook.
    const midnight = startOfDay(end);
    const live = await tl.replayWebhooks(wsTl.id, { after: midnight });
    const liveChats = tl
      .chats(wsTl.id)
      .filter((c) => tl.messages(wsTl.id, c.id).some((m) => m.at >= midnight));
    expect(live).toBeGreaterThan(50);
    await until('the live day in the CRM', () =>
      zoho.state.notes(orgId).filter((n) => String(n.Note_Title).startsWith('WhatsApp')).length >=
      liveChats.length
        ? true
        : undefined,
    );

    const since = madridDay(end - 30 * DAY);
    const started = await api<HistoryImportAnswer>(url(), s.token, 'POST', '/api/history-import', { since });
    expect(started.status).toBe(202);
    const progress: HistoryImportAnswer[] = [];
    const poll = async () => {
      const p = (await api<HistoryImportAnswer>(url(), s.token, 'GET', '/api/history-import')).body;
      progress.push(p);
      return p;
    };
    const first = await until('the first half handed over', async () => {
      const p = await poll();
      return p.messages.done > 0 ? p : undefined;
    });
    expect(first.status).toBe('running');
    expect(first.chats.total).toBe(300);
    expect(first.messages.done).toBeLessThan(2500);
    // Kill it while it reads the second half from TimelinesAI.
    const readBefore = wsTl.apiCalls;
    await until(
      'reading the second half',
      () => (wsTl.apiCalls >= readBefore + 20 ? true : undefined),
      60_000,
    );
    const atKill = await poll();
    await child!.kill();

    expect(atKill.status).toBe('running');
    expect(atKill.messages.done).toBeLessThan(3000);

    await start();
    const done = await until(
      'the import done',
      async () => {
        const p = await poll();
        return p.status === 'running' ? undefined : p;
      },
      120_000,
    );
    expect(done).toMatchObject({ status: 'done', problem: null, chats: { done: 300, total: 300 } });
    expect(done.messages.done).toBe(3000);
    expect(done.messages.total).toBe(3000);
    expect(done.duplicates).toBe(live);
    expect(done.messages.done).toBeGreaterThan(atKill.messages.done);
    // Progress went up, with an ETA while it ran.
    expect(progress.some((p) => p.status === 'running' && p.etaSeconds !== null)).toBe(true);

    const check = checkNotes({
      zoho: zoho.state,
      orgId,
      tl,
      wsId: wsTl.id,
      since: 0,
      timeZone: 'Europe/Madrid',
    });
    expect(check.messages).toBe(3000);
    expect(check.missing).toEqual([]);
    expect(check.repeated).toEqual([]);
    expect(check.records).toBe(300);
    const notes = zoho.state
      .notes(orgId)
      .filter((n) => String(n.Note_Title).startsWith('WhatsApp chat with'));
    expect(notes).toHaveLength(check.chatDays);

    const used = delta(ready, calls());
    const lowerBound = buildCalls + 1 + 1 + Math.ceil(300 / 100) + Math.ceil(check.chatDays / 100) + 1;
    const measured = buildCalls + sum(used);
    console.info(
      `history import: ${measured} Zoho calls (${JSON.stringify(used)} + build ${buildCalls}), lower bound ${lowerBound}, ${check.chatDays} chat-days`,
    );
    expect(measured).toBeLessThanOrEqual(1.3 * lowerBound);
  }, 300_000);
});
