/**
 * The webhook endpoint is served in front of Express (for speed): it must answer as the Express
 * stack did, and leave every other request to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAndActivate, startSandbox, type Harness, type Session } from '../helpers/harness.js';
import { message } from '../helpers/messages.js';

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
