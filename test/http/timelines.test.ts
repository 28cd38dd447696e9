/**
 * The TimelinesAI connection through the admin API, against the sandbox's emulated TimelinesAI: the
 * token verified and stored sealed, webhook subscriptions kept at exactly one per message event for
 * the current URL (activation, rotation, disconnection, reconnection), and TimelinesAI's view of
 * them on the settings page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  ActivateAnswer,
  ApiErrorBody,
  TimelinesStatusAnswer,
  WebhookRotateAnswer,
  WorkspaceAnswer,
} from '../../contract/adminApi.js';
import {
  api,
  connectAndActivate,
  connectAs,
  startSandbox,
  storedText,
  type Harness,
  type Session,
} from '../helpers/harness.js';
import { until } from '../helpers/connectorProcess.js';
import { connectTimelines, sandboxTimelines, type SandboxTimelines } from '../helpers/sandboxTimelines.js';

describe('TimelinesAI connection', () => {
  let h: Harness;
  let s: Session;
  let tl: SandboxTimelines;

  beforeEach(async () => {
    h = await startSandbox();
    s = await connectAs(h.url, 'admin@sandbox.test');
    tl = await sandboxTimelines(h);
  });
  afterEach(async () => {
    await h.close();
  });

  const call = <T>(method: string, route: string, body?: unknown) =>
    api<T>(h.url, s.token, method, route, body);
  const eventTypes = () =>
    tl
      .ours()
      .map((w) => w.eventType)
      .sort();

  it('refuses a wrong token with TimelinesAI’s reason, and lets only the owner set one', async () => {
    const wrong = await call<ApiErrorBody>('PUT', '/api/timelines', { apiToken: 'not-the-token-1234' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('TIMELINES_TOKEN_REFUSED');
    expect(wrong.body.error.message).toContain('Invalid or expired token');
    expect(wrong.body.error.field).toBe('apiToken');
    const empty = await call<ApiErrorBody>('PUT', '/api/timelines', {});
    expect(empty.status).toBe(400);

    const rep = await connectAs(h.url, 'rep@sandbox.test');
    const byRep = await api<ApiErrorBody>(h.url, rep.token, 'PUT', '/api/timelines', { apiToken: tl.token });
    expect(byRep.status).toBe(403);
    expect((await call<WorkspaceAnswer>('GET', '/api/workspace')).body.workspace.timelines.connected).toBe(
      false,
    );
  });

  it('stores the token sealed, says that one is set (never the token), and shows TimelinesAI’s view', async () => {
    const status = await connectTimelines(h, s, tl);
    expect(status.connection.connected).toBe(true);
    expect(status.accounts).toEqual([{ phone: '+34910000000', name: 'Sandbox sales line', connected: true }]);
    expect(status.quota).toMatchObject({ total: 100, used: 0 });
    expect(status.webhooks).toEqual([]); // not active yet: nothing registered
    const view = (await call<WorkspaceAnswer>('GET', '/api/workspace')).body;
    expect(view.workspace.timelines).toMatchObject({ connected: true, problem: null });
    expect(JSON.stringify(view)).not.toContain(tl.token);
    expect(await storedText(h)).not.toContain(tl.token);
  });

  it('registers one subscription per message event on activation, none twice, and removes stale ones of ours', async () => {
    await connectTimelines(h, s, tl);
    // Left from earlier: a subscription to an old URL of ours, and a hand-made duplicate.
    tl.emu.workspace(tl.wsId).webhooks.push(
      {
        id: 1,
        eventType: 'message:received:new',
        url: `${h.url}/webhooks/timelines/old-token-0123456789`,
        enabled: true,
        errorsCounter: 7,
      },
      {
        id: 2,
        eventType: 'message:new',
        url: 'https://elsewhere.example.com/hook',
        enabled: true,
        errorsCounter: 0,
      },
    );
    await connectAndActivate(h.url); // reconnects as the owner and activates
    s = await connectAs(h.url, 'admin@sandbox.test');
    expect(eventTypes()).toEqual(['message:received:new', 'message:sent:new']);
    expect(tl.ours().every((w) => w.url === s.webhookUrl && w.enabled)).toBe(true);
    // Someone else's subscription is left alone.
    expect(tl.emu.webhooks(tl.wsId).some((w) => w.url === 'https://elsewhere.example.com/hook')).toBe(true);

    expect((await call('POST', '/api/deactivate')).status).toBe(200);
    const again = await call<ActivateAnswer>('POST', '/api/activate');
    expect(again.status).toBe(200);
    expect(again.body.webhooks).toEqual({
      mode: 'automatic',
      eventTypes: ['message:received:new', 'message:sent:new'],
      problem: null,
    });
    expect(eventTypes()).toEqual(['message:received:new', 'message:sent:new']);

    // TimelinesAI delivers a WhatsApp message to the registered URL: it reaches the CRM.
    const status = (await call<TimelinesStatusAnswer>('GET', '/api/timelines')).body;
    expect(status.webhooks?.map((w) => [w.eventType, w.current, w.errorsCounter]).sort()).toEqual([
      ['message:received:new', true, 0],
      ['message:sent:new', true, 0],
    ]);
    await tl.emu.deliverIncoming(tl.wsId, { phone: '+34611222333', chatName: 'Lola Flores', text: 'hola' });
    await until(
      'the event',
      async () =>
        (await call<WorkspaceAnswer>('GET', '/api/workspace')).body.workspace.webhook.lastEventAt ??
        undefined,
    );
  });

  it('follows a regenerated webhook URL, removes the subscriptions on disconnect and brings them back on reconnect', async () => {
    await connectTimelines(h, s, tl);
    await connectAndActivate(h.url);
    s = await connectAs(h.url, 'admin@sandbox.test');
    const rotated = await call<WebhookRotateAnswer>('POST', '/api/webhook/rotate');
    expect(rotated.status).toBe(200);
    expect(tl.ours().map((w) => w.url)).toEqual([rotated.body.webhookUrl, rotated.body.webhookUrl]);
    expect(eventTypes()).toEqual(['message:received:new', 'message:sent:new']);

    expect((await call('POST', '/api/disconnect')).status).toBe(200);
    expect(tl.ours()).toEqual([]);
    s = await connectAs(h.url, 'admin@sandbox.test'); // the OAuth reconnection
    expect(eventTypes()).toEqual(['message:received:new', 'message:sent:new']);
  });

  it('replaces a revoked token, and DELETE forgets it and removes the subscriptions', async () => {
    await connectTimelines(h, s, tl);
    await connectAndActivate(h.url);
    s = await connectAs(h.url, 'admin@sandbox.test');
    const fresh = tl.emu.rotateToken(tl.wsId); // "Generate new token" in TimelinesAI: the old one stops
    const status = (await call<TimelinesStatusAnswer>('GET', '/api/timelines')).body;
    expect(status.error).toContain('no longer accepts the API token');
    expect((await call<WorkspaceAnswer>('GET', '/api/workspace')).body.workspace.timelines.problem).toContain(
      'no longer accepts',
    );
    const replaced = await call<TimelinesStatusAnswer>('PUT', '/api/timelines', { apiToken: fresh });
    expect(replaced.status).toBe(200);
    expect(replaced.body.connection.problem).toBeNull();
    expect(eventTypes()).toEqual(['message:received:new', 'message:sent:new']);

    const removed = await call<TimelinesStatusAnswer>('DELETE', '/api/timelines');
    expect(removed.status).toBe(200);
    expect(removed.body.connection.connected).toBe(false);
    expect(tl.ours()).toEqual([]);
    // Without a token, activation leaves the webhook to the admin (manual copy-paste).
    expect((await call('POST', '/api/deactivate')).status).toBe(200);
    const manual = await call<ActivateAnswer>('POST', '/api/activate');
    expect(manual.body.webhooks).toEqual({ mode: 'manual', eventTypes: [], problem: null });
  });
});
