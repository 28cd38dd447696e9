/**
 * /metrics after a small sync through the sandbox: every metric is there, with values that match
 * what happened (deliveries by outcome, Zoho calls and credits, a 429, attachment downloads, the
 * queue), behind the bearer token, and no label holds a phone number or a name.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, select, sum, type Sample } from '../../scripts/dashboard/exposition.js';
import {
  api,
  connectAndActivate,
  postWebhook,
  startSandbox,
  type Harness,
  type Session,
} from '../helpers/harness.js';
import { message } from '../helpers/messages.js';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';
const PHONES = ['+34612345678', '+14155550177'];
const NAMES = ['Lucía Fernández', 'Walter Bishop'];

async function scrape(url: string, token = TOKEN): Promise<Response> {
  return fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
}

describe('/metrics after a small sync', () => {
  let h: Harness;
  let s: Session;
  let samples: Sample[];
  let text: string;
  let deliveries = 0;

  beforeAll(async () => {
    h = await startSandbox({ METRICS_TOKEN: TOKEN });
    s = await connectAndActivate(h.url);
    // Zoho answers the first lookup with 429: the worker retries it.
    h.server.emulator!.controls.failNext(1, 429, { pathIncludes: '/coql' });
    const post = async (body: unknown, status = 200) => {
      deliveries += 1;
      expect((await postWebhook(s.webhookUrl!, body)).status).toBe(status);
    };
    const first = message({ chatId: 501, phone: PHONES[0], name: NAMES[0], text: 'Hola, ¿qué tal?' });
    await post(first);
    await post(first); // a redelivery
    await post(
      message({
        chatId: 501,
        phone: PHONES[0],
        name: NAMES[0],
        text: 'the brochure',
        attachments: [{ url: `${h.url}/sandbox/files/brochure.txt`, filename: 'brochure.txt' }],
      }),
    );
    await post(
      message({
        chatId: 502,
        phone: PHONES[1],
        name: NAMES[1],
        attachments: [{ url: 'https://files.example.org/x.txt', filename: 'x.txt' }],
      }),
    );
    await post(message({ chatId: 503, isGroup: true, name: 'Team' }));
    await post({ event_type: 'message:received:new', chat: {} }, 400);
    expect((await fetch(`${h.url}/api/workspace`)).status).toBe(401);
    await h.server.scheduler.idle();
    const res = await scrape(h.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    text = await res.text();
    samples = parseExposition(text);
  });
  afterAll(async () => {
    await h.close();
  });

  it('counts webhook deliveries by outcome, and times every one', () => {
    const received = (outcome: string) => sum(samples, 'connector_webhooks_received_total', { outcome });
    expect(received('queued')).toBe(3);
    expect(received('duplicate')).toBe(1);
    expect(received('skipped')).toBe(1);
    expect(received('invalid_event')).toBe(1);
    expect(received('unknown_webhook')).toBe(0);
    expect(sum(samples, 'connector_webhook_duration_seconds_count')).toBe(deliveries);
    const total = sum(samples, 'connector_webhook_duration_seconds_sum');
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(deliveries * 30);
  });

  it('counts Zoho calls by kind and status, the 429, and the credits they used', () => {
    const calls = select(samples, 'connector_zoho_calls_total');
    expect(sum(samples, 'connector_zoho_calls_total', { kind: 'coql', status: '429' })).toBe(1);
    const answered2xx = (kind: string) =>
      calls
        .filter((c) => c.labels.kind === kind && /^2\d\d$/.test(c.labels.status!))
        .reduce((t, c) => t + c.value, 0);
    expect(answered2xx('coql')).toBeGreaterThanOrEqual(1); // 204 when nothing matched
    expect(answered2xx('record_create')).toBeGreaterThanOrEqual(2); // the test record and the new chats
    expect(answered2xx('note_create')).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'connector_zoho_rate_limited_total', { workspace_id: s.workspaceId })).toBe(1);
    // every API call sent through the workspace's gateways is one credit of its org
    const apiCalls = calls.filter((c) => c.labels.kind !== 'token').reduce((t, c) => t + c.value, 0);
    const used = sum(samples, 'connector_zoho_credits_used', { workspace_id: s.workspaceId });
    expect(used).toBe(apiCalls);
    const limit = sum(samples, 'connector_zoho_credits_daily_limit', { workspace_id: s.workspaceId });
    expect([5_000, 50_000]).toContain(limit);
    expect(select(samples, 'connector_zoho_credit_wait_seconds_total')).toEqual([]); // far below 80 %
  });

  it('counts attachment downloads by result, and their bytes', () => {
    expect(sum(samples, 'connector_attachment_downloads_total', { result: 'downloaded' })).toBe(1);
    expect(sum(samples, 'connector_attachment_downloads_total', { result: 'blocked' })).toBe(1);
    expect(sum(samples, 'connector_attachment_downloads_total', { result: 'http_error' })).toBe(0);
    const brochure = 'Sandbox brochure: prices, terms and a friendly hello from TimelinesAI.\n';
    expect(sum(samples, 'connector_attachment_download_bytes_total')).toBe(Buffer.byteLength(brochure));
  });

  it('counts errors by source and code', () => {
    expect(sum(samples, 'connector_errors_total', { source: 'webhook', code: 'invalid_event' })).toBe(1);
    expect(sum(samples, 'connector_errors_total', { source: 'http', code: 'UNAUTHENTICATED' })).toBe(1);
  });

  it('counts sync runs and the messages they finished, by outcome (every series exported from zero)', () => {
    for (const outcome of ['synced', 'failed', 'waiting', 'deferred', 'crashed'])
      expect(select(samples, 'connector_sync_runs_total', { outcome })).toHaveLength(1);
    for (const outcome of ['synced', 'skipped', 'failed'])
      expect(select(samples, 'connector_sync_events_total', { outcome })).toHaveLength(1);
    expect(sum(samples, 'connector_sync_runs_total', { outcome: 'synced' })).toBeGreaterThanOrEqual(1);
    // three messages queued (the redelivery and the group chat never reach a run): each synced once
    expect(sum(samples, 'connector_sync_events_total', { outcome: 'synced' })).toBe(3);
    expect(sum(samples, 'connector_sync_run_duration_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it('shows an empty queue after the sync, and the process and version', () => {
    expect(select(samples, 'connector_queue_depth', { workspace_id: s.workspaceId })[0]?.value).toBe(0);
    expect(
      select(samples, 'connector_queue_oldest_age_seconds', { workspace_id: s.workspaceId })[0]?.value,
    ).toBe(0);
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(select(samples, 'connector_build_info', { version: pkg.version })[0]?.value).toBe(1);
    expect(sum(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('shows what waits in the queue, and for how long', async () => {
    expect((await api(h.url, s.token, 'POST', '/api/disconnect')).status).toBe(200);
    await postWebhook(s.webhookUrl!, message({ chatId: 502, phone: PHONES[1], name: NAMES[1] }));
    await h.server.scheduler.idle();
    const now = parseExposition(await (await scrape(h.url)).text());
    expect(sum(now, 'connector_queue_depth', { workspace_id: s.workspaceId })).toBe(1);
    expect(sum(now, 'connector_queue_waiting', { workspace_id: s.workspaceId })).toBe(1);
    const age = sum(now, 'connector_queue_oldest_age_seconds', { workspace_id: s.workspaceId });
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(120);
  });

  it('never puts a phone number or a name in a label', () => {
    for (const p of PHONES) {
      expect(text).not.toContain(p);
      expect(text).not.toContain(p.slice(-8));
    }
    for (const n of NAMES) expect(text).not.toContain(n);
    const labelKeys = new Set(samples.flatMap((x) => Object.keys(x.labels)));
    for (const k of labelKeys) expect(k).not.toMatch(/phone|name|chat|message/i);
  });

  it('answers only the bearer of METRICS_TOKEN', async () => {
    const none = await fetch(`${h.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await scrape(h.url, `${TOKEN}x`)).status).toBe(401);
    expect((await scrape(h.url, TOKEN.slice(1))).status).toBe(401);
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  it('does not exist', async () => {
    const h = await startSandbox();
    try {
      const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(404);
    } finally {
      await h.close();
    }
  });
});
