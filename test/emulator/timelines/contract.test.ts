// The TimelinesAI emulator's API contract, with plain fetch: envelopes, errors and shapes as
// TimelinesAI documents them (test/fixtures/timelines/api-*.json), files and their expiring links.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import express from 'express';
import { createTimelinesEmulator, type TimelinesEmulator } from '../../../emulator/timelines/index.js';
import { timelinesFixture } from '../../helpers/fixtures.js';

let emu: TimelinesEmulator;
let api: string;
let token: string;
let wsId: string;
let close: () => Promise<void>;

beforeEach(async () => {
  emu = createTimelinesEmulator({ sendIntervalMs: 0, rateLimit: null });
  const ws = emu.createWorkspace({ quota: 10 });
  wsId = ws.id;
  emu.addAccount(wsId, { phone: '+34600000001' });
  token = emu.issueToken(wsId);
  const server = await emu.listen(0);
  api = server.apiUrl;
  close = server.close;
});
afterEach(async () => {
  await emu.idle();
  await close();
});

async function call(method: string, path: string, body?: unknown, auth = `Bearer ${token}`) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json: json as Record<string, unknown>, headers: res.headers };
}

describe('TimelinesAI emulator: envelopes and errors', () => {
  it('answers 401 with the documented message without a valid token', async () => {
    for (const auth of ['', 'Bearer nope', `Basic ${token}`]) {
      expect(await call('GET', '/chats', undefined, auth)).toMatchObject({
        status: 401,
        json: { status: 'error', message: 'Invalid or expired token' },
      });
    }
    emu.revokeToken(token);
    expect((await call('GET', '/chats')).status).toBe(401);
  });

  it('wraps answers in {"status":"ok","data":…} and errors in {"status":"error","message":…}', async () => {
    expect(await call('GET', '/webhooks')).toMatchObject({ status: 200, json: { status: 'ok', data: [] } });
    expect(await call('GET', '/nothing/here')).toMatchObject({
      status: 404,
      json: { status: 'error', message: 'Not found' },
    });
    expect(await call('POST', '/webhooks', '{not json')).toMatchObject({
      status: 400,
      json: { status: 'error' },
    });
    expect(await call('GET', '/chats/123/messages')).toMatchObject({
      status: 404,
      json: { message: 'Chat not found' },
    });
    expect(await call('GET', '/chats?page=0')).toMatchObject({ status: 400 });
    expect(await call('GET', '/chats?group=maybe')).toMatchObject({ status: 400 });
  });

  it('manages webhooks: create, read, update, delete, limits and checks', async () => {
    const created = await call('POST', '/webhooks', {
      event_type: 'message:sent:new',
      url: 'https://example.com/h',
    });
    expect(created.json).toEqual({
      status: 'ok',
      data: {
        id: expect.any(Number),
        event_type: 'message:sent:new',
        enabled: true,
        url: 'https://example.com/h',
        errors_counter: 0,
      },
    });
    const id = (created.json.data as { id: number }).id;
    expect((await call('GET', `/webhooks/${id}`)).json.data).toMatchObject({ id });
    expect((await call('PUT', `/webhooks/${id}`, { enabled: false })).json.data).toMatchObject({
      enabled: false,
    });
    expect(
      (await call('POST', '/webhooks', { event_type: 'message:whatever', url: 'https://x.example' })).status,
    ).toBe(400);
    expect((await call('POST', '/webhooks', { event_type: 'message:new', url: 'not a url' })).status).toBe(
      400,
    );
    expect((await call('POST', '/webhooks', [1])).status).toBe(400);
    for (let i = 1; i < 10; i += 1)
      await call('POST', '/webhooks', { event_type: 'message:new', url: `https://x.example/${i}` });
    expect(
      await call('POST', '/webhooks', { event_type: 'message:new', url: 'https://x.example/11' }),
    ).toMatchObject({
      status: 400,
      json: { message: expect.stringMatching(/limit/) },
    });
    expect((await call('DELETE', `/webhooks/${id}`)).json).toEqual({ status: 'ok', data: {} });
    expect((await call('DELETE', `/webhooks/${id}`)).status).toBe(404);
  });

  it('lists chats and messages with every field of the documented examples', async () => {
    emu.seedHistory(wsId, { chats: 3, messages: 12, attachmentEvery: 2 });
    const chats = await call('GET', '/chats');
    const data = chats.json.data as { has_more_pages: boolean; chats: Array<Record<string, unknown>> };
    expect(data.has_more_pages).toBe(false);
    const doc = timelinesFixture<{ data: { chats: unknown[] } }>('api-chats.doc-example.json').data.chats[0];
    for (const key of Object.keys(doc as object)) expect(data.chats[0]).toHaveProperty(key);
    expect(data.chats[0]!.chat_url).toBe(
      `https://app.timelines.ai/chat/${String(data.chats[0]!.id)}/messages/`,
    );

    const messages = await call('GET', `/chats/${String(data.chats[0]!.id)}/messages`);
    const list = (messages.json.data as { messages: Array<Record<string, unknown>> }).messages;
    const docMessage = timelinesFixture<{ data: { messages: unknown[] } }>(
      'api-chat-messages.doc-example.json',
    ).data.messages[0] as Record<string, unknown>;
    for (const key of Object.keys(docMessage)) expect(list[0]).toHaveProperty(key);
    expect(list[0]!.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0200$/);
    expect(list[0]!.reactions).toEqual({});
  });

  it('pages with page and has_more_pages', async () => {
    emu.controls.setPageSize(2);
    emu.seedHistory(wsId, { chats: 5, messages: 5 });
    const ids: unknown[] = [];
    for (let page = 1; ; page += 1) {
      const data = (await call('GET', `/chats?page=${page}`)).json.data as {
        has_more_pages: boolean;
        chats: Array<{ id: number }>;
      };
      ids.push(...data.chats.map((c) => c.id));
      if (!data.has_more_pages) break;
    }
    expect(new Set(ids).size).toBe(5);
    expect((await call('GET', '/chats?page=9')).json.data).toEqual({ has_more_pages: false, chats: [] });
  });

  it('checks sends: empty, unknown file, quota (402), disconnected account, bad phone', async () => {
    const chat = emu.addChat(wsId, { phone: '+34611111111' });
    const path = `/chats/${chat.id}/messages`;
    expect(await call('POST', path, {})).toMatchObject({
      status: 400,
      json: { message: 'Either text or file_uid is required' },
    });
    expect((await call('POST', path, { file_uid: 'nope' })).status).toBe(400);
    expect((await call('POST', '/messages', { phone: '12', text: 'x' })).status).toBe(400);
    const ok = await call('POST', path, { text: 'hi' });
    expect(ok.json).toEqual({ status: 'ok', data: { message_uid: expect.any(String) } });
    emu.setQuota(wsId, { used: 10 });
    expect(await call('POST', path, { text: 'hi' })).toMatchObject({
      status: 402,
      json: { status: 'error', message: 'Message sending quota exceeded' },
    });
    emu.setQuota(wsId, { used: 0 });
    emu.setAccountConnected(wsId, '+34600000001', false);
    expect(await call('POST', path, { text: 'hi' })).toMatchObject({
      status: 400,
      json: { message: expect.stringMatching(/disconnected/) },
    });
    expect(await call('POST', '/messages', { phone: '+34622222222', text: 'hi' })).toMatchObject({
      status: 400,
      json: { message: expect.stringMatching(/No connected WhatsApp account/) },
    });
  });

  it('uploads files (multipart) and serves them under links that expire', async () => {
    const form = new FormData();
    form.set('file', new Blob([Buffer.from('hello')], { type: 'text/plain' }), 'orig.txt');
    form.set('filename', 'hello.txt');
    const res = await fetch(`${api}/files_upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const { data } = (await res.json()) as { data: Record<string, unknown> };
    expect(data).toMatchObject({
      filename: 'hello.txt',
      size: 5,
      mimetype: 'text/plain',
      uid: expect.any(String),
    });
    const link = String(data.temporary_download_url);
    expect(await (await fetch(link)).text()).toBe('hello');
    emu.controls.advanceTime(15 * 60_000 + 1);
    expect((await fetch(link)).status).toBe(403);
    expect((await fetch(link.replace(/attachments\/[^/]+/, 'attachments/unknown'))).status).toBe(404);
    const fresh = (await call('GET', `/files/${String(data.uid)}`)).json.data as {
      temporary_download_url: string;
    };
    expect(await (await fetch(fresh.temporary_download_url)).text()).toBe('hello');
    const empty = await fetch(`${api}/files_upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new FormData(),
    });
    expect(empty.status).toBe(400);
  });

  it('refuses uploads over its size limit', async () => {
    const small = createTimelinesEmulator({ rateLimit: null, maxUploadBytes: 10 });
    const ws = small.createWorkspace();
    const t = small.issueToken(ws.id);
    const s = await small.listen(0);
    try {
      const form = new FormData();
      form.set('file', new Blob([Buffer.alloc(11)]), 'big.bin');
      const res = await fetch(`${s.apiUrl}/files_upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}` },
        body: form,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ status: 'error', message: 'File is too large' });
    } finally {
      await s.close();
    }
  });

  it('plays scripted failures, latency and the per-IP rate limit', async () => {
    emu.controls.failNext({ status: 503, html: true, pathIncludes: '/chats' });
    emu.controls.failNext({ status: 500, method: 'POST', count: 2 });
    const proxy = await call('GET', '/chats');
    expect(proxy.status).toBe(503);
    expect(String(proxy.json)).toMatch(/<html>/);
    expect(
      (await call('POST', '/webhooks', { event_type: 'message:new', url: 'https://x.example' })).status,
    ).toBe(500);
    expect(
      (await call('POST', '/webhooks', { event_type: 'message:new', url: 'https://x.example' })).status,
    ).toBe(500);
    expect(
      (await call('POST', '/webhooks', { event_type: 'message:new', url: 'https://x.example' })).status,
    ).toBe(200);
    emu.controls.failNext({ status: 429, retryAfterSec: 3 });
    expect((await call('GET', '/webhooks')).headers.get('retry-after')).toBe('3');

    emu.controls.setRateLimit({ perSecond: 2, burst: 1 });
    const burst = await Promise.all(Array.from({ length: 8 }, () => call('GET', '/webhooks')));
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(String(limited[0]!.json)).toMatch(/429 Too Many Requests/);
    expect(limited[0]!.headers.get('retry-after')).toBeNull();
  });

  it('mounts under a prefix in another app and builds its links there', async () => {
    const mounted = createTimelinesEmulator({ rateLimit: null });
    const ws = mounted.createWorkspace();
    mounted.addAccount(ws.id, { phone: '+34600000001' });
    const t = mounted.issueToken(ws.id);
    const app = express();
    app.use('/timelines', mounted.router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/timelines`;
    try {
      const form = new FormData();
      form.set('file', new Blob([Buffer.from('x')]), 'x.txt');
      const res = await fetch(`${base}/integrations/api/files_upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}` },
        body: form,
      });
      const link = ((await res.json()) as { data: { temporary_download_url: string } }).data
        .temporary_download_url;
      expect(link.startsWith(`${base}/attachments/`)).toBe(true);
      expect(await (await fetch(link)).text()).toBe('x');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
