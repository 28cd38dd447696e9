/**
 * The admin API's answers the settings page builds on: the sync log (filters, paging, names and
 * numbers, resolved failures, attachment problems), the workspace view (CRM address, last webhook
 * event, messages skipped while inactive) and session renewal.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiErrorBody, SessionAnswer, SyncLogAnswer, WorkspaceAnswer } from '../../contract/adminApi.js';
import { renewSession, SESSION_MAX_AGE_MS, SESSION_TTL_MS } from '../../server/src/workspace/sessions.js';
import { Secrets } from '../../server/src/store/crypto.js';
import { zohoCrmUrl } from '../../server/src/workspace/crmUrl.js';
import {
  api,
  connectAndActivate,
  connectAs,
  postWebhook,
  startSandbox,
  type Harness,
  type Session,
} from '../helpers/harness.js';
import { message } from '../helpers/messages.js';

describe('admin API: sync log, workspace view, session', () => {
  let h: Harness;
  let s: Session;
  let orgId: string;

  beforeEach(async () => {
    h = await startSandbox();
    orgId = h.server.emulator!.state.orgs()[0]!.orgId;
    s = await connectAndActivate(h.url);
  });
  afterEach(async () => {
    await h.close();
  });

  const send = async (body: unknown) => {
    const res = await postWebhook(s.webhookUrl!, body);
    expect(res.status).toBe(200);
  };
  const settle = () => h.server.scheduler.idle();
  const syncLog = async (query = '') => {
    const res = await api<SyncLogAnswer>(h.url, s.token, 'GET', `/api/sync-log${query}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const view = async () =>
    (await api<WorkspaceAnswer>(h.url, s.token, 'GET', '/api/workspace')).body.workspace;

  it('answers the older form (no parameters): entries newest first, with the fields it always had', async () => {
    await send(message({ uid: 'm-1', text: 'first' }));
    await settle();
    await send(message({ uid: 'm-2', text: 'second' }));
    await settle();
    const { entries, next } = await syncLog();
    expect(entries.map((e) => e.messageId)).toEqual(['m-2', 'm-1']);
    expect(next).toBeNull();
    for (const e of entries) {
      expect(Object.keys(e)).toEqual(
        expect.arrayContaining(['at', 'chatId', 'messageId', 'outcome', 'reason', 'recordId', 'noteId']),
      );
    }
  });

  it('names the contact and its number on every entry, and links the record by module', async () => {
    await send(message({ uid: 'named', phone: '+1 415 555 0123', name: 'Jane Roe' }));
    await settle();
    const [entry] = (await syncLog()).entries;
    expect(entry).toMatchObject({
      messageId: 'named',
      outcome: 'synced',
      contactName: 'Jane Roe',
      phone: '+14155550123',
      kind: 'message',
      module: 'Contacts',
      resolved: false,
    });
    expect(entry!.recordId).toMatch(/\d+/);
    expect(entry!.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('filters by outcome and pages past the newest entries with the `next` cursor', async () => {
    await api(h.url, s.token, 'POST', '/api/deactivate');
    for (let i = 1; i <= 5; i++) await send(message({ uid: `skip-${i}`, chatId: 100 + i }));
    await api(h.url, s.token, 'POST', '/api/activate');
    await send(message({ uid: 'synced-1' }));
    await settle();

    const skipped = await syncLog('?outcome=skipped&limit=2');
    expect(skipped.entries.map((e) => e.messageId)).toEqual(['skip-5', 'skip-4']);
    expect(skipped.next).toBe(skipped.entries[1]!.id);
    const page2 = await syncLog(`?outcome=skipped&limit=2&before=${skipped.next}`);
    expect(page2.entries.map((e) => e.messageId)).toEqual(['skip-3', 'skip-2']);
    const page3 = await syncLog(`?outcome=skipped&limit=2&before=${page2.next}`);
    expect(page3.entries.map((e) => e.messageId)).toEqual(['skip-1']);
    expect(page3.next).toBeNull();

    const synced = await syncLog('?outcome=synced');
    expect(synced.entries.map((e) => e.messageId)).toEqual(['synced-1']);
    // Ids are stable: the same entry has the same id in every answer.
    const all = await syncLog();
    expect(all.entries.find((e) => e.messageId === 'skip-4')!.id).toBe(skipped.entries[1]!.id);
  });

  it('refuses malformed query parameters with what to send instead', async () => {
    const bad = async (query: string) => {
      const res = await api<ApiErrorBody>(h.url, s.token, 'GET', `/api/sync-log${query}`);
      expect(res.status).toBe(400);
      return res.body.error;
    };
    expect(await bad('?outcome=lost')).toMatchObject({ code: 'INVALID_QUERY', field: 'outcome' });
    expect((await bad('?outcome=lost')).message).toMatch(/synced, skipped, failed/);
    expect(await bad('?before=../../etc')).toMatchObject({ field: 'before' });
    expect(await bad('?limit=ten')).toMatchObject({ field: 'limit' });
    expect(await bad('?outcome=failed&outcome=synced')).toMatchObject({ field: 'outcome' });
    // Out-of-range limits take the nearest allowed value (as before).
    expect((await api(h.url, s.token, 'GET', '/api/sync-log?limit=5000')).status).toBe(200);
  });

  it('marks a failure resolved once a retry of the same message synced', async () => {
    h.server.emulator!.controls.failNext(3, 429);
    await send(message({ uid: 'retried' }));
    await settle();
    const { entries } = await syncLog();
    const failures = entries.filter((e) => e.outcome === 'failed' && e.messageId === 'retried');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((e) => e.resolved && e.willRetry === true)).toBe(true);
    expect(entries[0]).toMatchObject({ messageId: 'retried', outcome: 'synced', resolved: false });
    // The failures alone, with their resolution.
    const failedOnly = await syncLog('?outcome=failed');
    expect(failedOnly.entries.map((e) => e.resolved)).toEqual(failures.map(() => true));
  });

  it('logs an attachment that could not be downloaded as its own failed entry; the message is synced', async () => {
    await send(
      message({
        uid: 'with-file',
        attachments: [{ url: 'http://169.254.169.254/latest/meta-data', filename: 'secret.txt' }],
      }),
    );
    await settle();
    const { entries } = await syncLog();
    const mine = entries.filter((e) => e.messageId === 'with-file');
    expect(mine.map((e) => [e.kind, e.outcome])).toEqual([
      ['attachment', 'failed'],
      ['message', 'synced'],
    ]);
    expect(mine[0]).toMatchObject({ resolved: false, willRetry: false, contactName: 'Jane Roe' });
    expect(mine[0]!.reason).toMatch(
      /secret\.txt" not synced: an IP address \(169\.254\.169\.254\) is not allowed/,
    );
    expect(mine[0]!.noteId).toBe(mine[1]!.noteId);
  });

  it('gives the workspace view the CRM address, the last webhook event and the messages skipped while inactive', async () => {
    const before = await view();
    expect(before.crmUrl).toBe(`${h.url}/sandbox/crm/org${orgId}`);
    expect(before.webhook.lastEventAt).toBeNull();
    expect(before.skippedWhileInactive).toBe(0);

    await api(h.url, s.token, 'POST', '/api/deactivate');
    const sentAt = Date.now();
    await send(message({ uid: 'while-off-1' }));
    await send(message({ uid: 'while-off-2' }));
    await send(message({ uid: 'group', isGroup: true })); // skipped for another reason
    const paused = await view();
    expect(paused.skippedWhileInactive).toBe(2);
    expect(Date.parse(paused.webhook.lastEventAt!)).toBeGreaterThanOrEqual(sentAt - 1000);

    await api(h.url, s.token, 'POST', '/api/activate');
    expect((await view()).skippedWhileInactive).toBe(0);
    await api(h.url, s.token, 'POST', '/api/deactivate');
    expect((await view()).skippedWhileInactive).toBe(0); // counted from the last deactivation
  });

  it('renews a session: a fresh token for the same user with a later expiry; the old one keeps working until it expires', async () => {
    const res = await api<SessionAnswer>(h.url, s.token, 'POST', '/api/session');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      workspaceId: s.workspaceId,
      email: 'admin@sandbox.test',
      role: 'owner',
    });
    expect(res.body.sessionToken).not.toBe(s.token);
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now() + SESSION_TTL_MS - 60_000);
    const again = await api<WorkspaceAnswer>(h.url, res.body.sessionToken, 'GET', '/api/workspace');
    expect(again.body.you).toEqual({ email: 'admin@sandbox.test', isOwner: true, name: 'Sandra Admin' });

    // A rep's session renews as a rep's.
    const rep = await connectAs(h.url, 'rep@sandbox.test');
    const repRenewed = await api<SessionAnswer>(h.url, rep.token, 'POST', '/api/session');
    expect(repRenewed.body).toMatchObject({ email: 'rep@sandbox.test', role: 'viewer' });

    // Disconnecting ends every session: renewal is refused too.
    await api(h.url, s.token, 'POST', '/api/disconnect');
    const refused = await api<ApiErrorBody>(h.url, res.body.sessionToken, 'POST', '/api/session');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('SESSION_EXPIRED');
  });

  it('stops renewing 30 days after the sign-in', async () => {
    const ws = (await h.server.store.workspaces.all())[0]!;
    const signedIn = Date.now() - SESSION_MAX_AGE_MS - 1;
    const session = {
      wid: ws.id,
      uid: ws.owner.userId,
      email: ws.owner.email,
      role: 'owner' as const,
      epoch: ws.sessionEpoch,
      exp: Date.now() + 1000,
      since: signedIn,
    };
    const secrets = new Secrets('a-test-key-of-at-least-32-characters!');
    expect(() => renewSession(secrets, ws, session)).toThrow(/more than 30 days ago/);
    const recent = Date.now() - 1000;
    const fresh = renewSession(secrets, ws, { ...session, since: recent });
    expect(fresh.expiresAt).toBeGreaterThan(Date.now());
    // The sign-in time is carried over, so renewing cannot extend a session for ever.
    expect(secrets.verify<{ since: number }>(fresh.token)?.since).toBe(recent);
  });
});

describe("the org's CRM address", () => {
  const ws = (apiUrl: string) => ({
    orgId: '20012345',
    connection: { apiUrl } as Parameters<typeof zohoCrmUrl>[0]['connection'],
  });
  it.each([
    ['https://www.zohoapis.com', 'https://crm.zoho.com'],
    ['https://www.zohoapis.eu', 'https://crm.zoho.eu'],
    ['https://www.zohoapis.in', 'https://crm.zoho.in'],
    ['https://www.zohoapis.com.au', 'https://crm.zoho.com.au'],
    ['https://www.zohoapis.jp', 'https://crm.zoho.jp'],
    ['https://www.zohoapis.com.cn', 'https://crm.zoho.com.cn'],
    ['https://www.zohoapis.ca', 'https://crm.zohocloud.ca'],
    ['https://www.zohoapis.sa', 'https://crm.zoho.sa'],
    ['https://www.zohoapis.uk', 'https://crm.zoho.uk'],
    ['https://www.zohoapis.ae', 'https://crm.zoho.ae'],
  ])('%s → %s', (apiUrl, crm) => {
    expect(zohoCrmUrl(ws(apiUrl))).toBe(`${crm}/crm/org20012345`);
  });
  it('is unknown for anything but Zoho over https', () => {
    expect(zohoCrmUrl(ws('http://www.zohoapis.com'))).toBeNull();
    expect(zohoCrmUrl(ws('http://localhost:3000/zoho'))).toBeNull();
    expect(zohoCrmUrl(ws('https://www.zohoapis.com.evil.test'))).toBeNull();
  });
});
