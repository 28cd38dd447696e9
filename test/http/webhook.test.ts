/**
 * The webhook endpoint is served in front of Express (for speed): it must answer as the Express
 * stack did, and leave every other request to it.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  api,
  connectAndActivate,
  postWebhook,
  startSandbox,
  type Harness,
  type Session,
} from '../helpers/harness.js';
import { message } from '../helpers/messages.js';
import { WORKSPACE_REUSE_MS } from '../../server/src/jobs/intake.js';

describe('webhook endpoint', () => {
  let h: Harness;
  let s: Session;
  beforeAll(async () => {
    h = await startSandbox();
    s = await connectAndActivate(h.url);
  });
  afterAll(() => h.close());

  const post = async (url: string, body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  it('queues a message, and says duplicate for its redelivery', async () => {
    const body = JSON.stringify(message({ uid: 'wh-1' }));
    const first = await post(s.webhookUrl!, body);
    expect(first).toMatchObject({ status: 200, body: { status: 'ok', outcome: 'queued' } });
    expect(first.type).toMatch(/^application\/json/);
    expect((await post(s.webhookUrl!, body)).body).toEqual({ status: 'ok', outcome: 'duplicate' });
  });

  it('accepts a trailing slash and a query string, like the Express route did', async () => {
    expect((await post(`${s.webhookUrl!}/`, JSON.stringify(message({ uid: 'wh-2' })))).body.outcome).toBe(
      'queued',
    );
    expect(
      (await post(`${s.webhookUrl!}?source=test`, JSON.stringify(message({ uid: 'wh-3' })))).body.outcome,
    ).toBe('queued');
  });

  it('answers 400 INVALID_JSON for a body that is not JSON, and 400 for an empty one', async () => {
    const bad = await post(s.webhookUrl!, '{"chat": ');
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    const empty = await post(s.webhookUrl!, '');
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: 'INVALID_EVENT' });
  });

  it('answers 413 for a body over 1 MB, without reading it all', async () => {
    const res = await post(
      s.webhookUrl!,
      JSON.stringify(message({ uid: 'wh-big', text: 'x'.repeat(1_100_000) })),
    );
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
  });

  it('answers 404 UNKNOWN_WEBHOOK for an unknown token, and leaves other methods to the API (404 JSON)', async () => {
    const unknown = await post(`${h.url}/webhooks/timelines/${'x'.repeat(32)}`, '{}');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'UNKNOWN_WEBHOOK' } } });
    const get = await fetch(s.webhookUrl!);
    expect(get.status).toBe(404);
    expect(((await get.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});

/**
 * A delivery reuses the workspace an earlier delivery read for its token (for a second), and its
 * write is guarded: what the decision rests on (the token, the active state) is checked when it
 * commits, so a rotation or a deactivation still counts from the next delivery on.
 */
describe('the workspace a delivery reuses', () => {
  let h: Harness;
  let s: Session;
  let reads: number;
  let now: number;
  beforeEach(async () => {
    now = Date.now();
    h = await startSandbox({}, { intakeNow: () => now });
    s = await connectAndActivate(h.url);
    const repo = h.server.store.workspaces;
    const read = repo.byWebhookDigest.bind(repo);
    reads = 0;
    repo.byWebhookDigest = (digest) => {
      reads += 1;
      return read(digest);
    };
  });
  afterEach(() => h.close());

  const deliver = (url: string, uid: string) => postWebhook(url, message({ uid }));

  it('is read once for deliveries within a second, not once a delivery', async () => {
    for (let i = 0; i < 5; i++)
      expect((await deliver(s.webhookUrl!, `reuse-${i}`)).body.outcome).toBe('queued');
    expect(reads).toBe(1);
    now += WORKSPACE_REUSE_MS - 1;
    expect((await deliver(s.webhookUrl!, 'reuse-5')).body.outcome).toBe('queued');
    expect(reads).toBe(1);
    now += 1;
    expect((await deliver(s.webhookUrl!, 'reuse-6')).body.outcome).toBe('queued');
    expect(reads).toBe(2);
    // An unknown token is read every time (nothing about it is remembered).
    const unknown = `${h.url}/webhooks/timelines/${'u'.repeat(32)}`;
    for (let i = 0; i < 2; i++)
      expect((await postWebhook(unknown, message({ uid: `u-${i}` }))).status).toBe(404);
    expect(reads).toBe(4);
  });

  it('stops taking the old URL at once after a rotation, even right after a delivery through it', async () => {
    expect((await deliver(s.webhookUrl!, 'before')).body.outcome).toBe('queued');
    const rotated = await api<{ webhookUrl: string }>(h.url, s.token, 'POST', '/api/webhook/rotate');
    expect(rotated.status).toBe(200);
    const old = await deliver(s.webhookUrl!, 'after');
    expect(old).toMatchObject({ status: 404, body: { error: { code: 'UNKNOWN_WEBHOOK' } } });
    expect((await deliver(rotated.body.webhookUrl, 'after')).body.outcome).toBe('queued');
    // The refused delivery stored nothing: through the new URL it was new, not a duplicate.
    expect((await deliver(rotated.body.webhookUrl, 'after')).body.outcome).toBe('duplicate');
  });

  it('skips the next message after a deactivation, and queues again after the reactivation', async () => {
    expect((await deliver(s.webhookUrl!, 'active-1')).body.outcome).toBe('queued');
    expect((await api(h.url, s.token, 'POST', '/api/deactivate')).status).toBe(200);
    expect((await deliver(s.webhookUrl!, 'inactive-1')).body).toMatchObject({
      outcome: 'skipped',
      reason: 'integration inactive: activate it to sync new messages',
    });
    const ws = await api<{ workspace: { skippedWhileInactive: number } }>(
      h.url,
      s.token,
      'GET',
      '/api/workspace',
    );
    expect(ws.body.workspace.skippedWhileInactive).toBe(1);
    expect((await api(h.url, s.token, 'POST', '/api/activate')).status).toBe(200);
    expect((await deliver(s.webhookUrl!, 'active-2')).body.outcome).toBe('queued');
  });
});
