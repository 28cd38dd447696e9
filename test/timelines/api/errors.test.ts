// Every way a TimelinesAI call can fail, as the client reports it: code, wording a rep can act on,
// retry hints, and what jobs/retryPolicy decides for it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../../server/src/jobs/retryPolicy.js';
import { TimelinesClient, TimelinesError } from '../../../server/src/timelines/api/index.js';
import { startFixedServer, startTimelines, type TimelinesSetup } from '../../helpers/timelines.js';

let t: TimelinesSetup;
let chatId: number;
beforeEach(async () => {
  t = await startTimelines();
  chatId = t.emu.addChat(t.ws.id, { phone: '+34611111111', name: 'Kate' }).id;
});
afterEach(async () => {
  await t.close();
});

async function failure(call: () => Promise<unknown>): Promise<TimelinesError> {
  const e = await call().then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof TimelinesError)) throw new Error(`expected a TimelinesError, got ${String(e)}`);
  return e;
}

const send = () => t.client.sendToChat(chatId, { text: 'hello' });

describe('TimelinesAI failures', () => {
  it('a revoked or regenerated token is auth: an admin pastes a new one', async () => {
    const fresh = t.emu.rotateToken(t.ws.id);
    const e = await failure(send);
    expect(e).toMatchObject({ code: 'auth', httpStatus: 401, upstreamMessage: 'Invalid or expired token' });
    expect(e.message).toMatch(/paste a new token/);
    expect(decide(e, 1)).toMatchObject({ action: 'wait', until: 'timelines_token' });
    await expect(t.clientWith({ token: fresh }).listWebhooks()).resolves.toEqual([]);
  });

  it('an exhausted message quota is quota_exhausted (402), and nothing is queued', async () => {
    t.emu.setQuota(t.ws.id, { total: 5, used: 5 });
    const e = await failure(send);
    expect(e).toMatchObject({ code: 'quota_exhausted', httpStatus: 402, outcomeUnknown: false });
    expect(e.message).toMatch(/used up its quota.*works again when the quota renews or an admin tops it up/);
    expect(decide(e, 1)).toMatchObject({ action: 'wait', until: 'timelines_quota' });
    expect(t.emu.sends()).toHaveLength(0);
  });

  it('a text with a file needs 2 credits: with 1 left it is refused', async () => {
    t.emu.setQuota(t.ws.id, { total: 5, used: 4 });
    const file = await t.client.uploadFile({ data: Buffer.from('x'), filename: 'x.txt' });
    expect((await failure(() => t.client.sendToChat(chatId, { text: 'a', fileUid: file.uid }))).code).toBe(
      'quota_exhausted',
    );
    await expect(t.client.sendToChat(chatId, { fileUid: file.uid })).resolves.toHaveProperty('messageUid');
  });

  it('a disconnected WhatsApp account is account_disconnected, for chats and for phones', async () => {
    t.emu.setAccountConnected(t.ws.id, t.account.id, false);
    const e = await failure(send);
    expect(e).toMatchObject({ code: 'account_disconnected', httpStatus: 400 });
    expect(e.message).toMatch(/Reconnect it in TimelinesAI/);
    expect(decide(e, 1)).toMatchObject({ action: 'wait', until: 'timelines_account' });
    expect((await failure(() => t.client.sendToPhone({ phone: '+34699999999', text: 'x' }))).code).toBe(
      'account_disconnected',
    );
    expect(t.emu.chats(t.ws.id)).toHaveLength(1); // the refused send to a new number left no chat behind
  });

  it('quota and account problems are recognised by their words whatever the status', async () => {
    t.emu.controls.failNext({ status: 400, message: 'Not enough credits to send the message' });
    expect((await failure(send)).code).toBe('quota_exhausted');
    t.emu.controls.failNext({ status: 403, message: 'WhatsApp account is not connected' });
    expect((await failure(send)).code).toBe('account_disconnected');
    t.emu.controls.failNext({ status: 429, message: 'Monthly API calls limit exceeded' });
    expect((await failure(() => t.client.listWebhooks())).code).toBe('quota_exhausted');
  });

  it('429 from the proxy (HTML, no Retry-After) is rate_limited for 1 s and pauses every request', async () => {
    t.emu.controls.failNext({ status: 429, html: true });
    const before = Date.now();
    const e = await failure(() => t.client.listChats());
    expect(e).toMatchObject({ code: 'rate_limited', httpStatus: 429, retryAfterMs: 1000 });
    expect(t.pacing.pausedUntil()).toBeGreaterThanOrEqual(before + 1000);
    expect(decide(e, 1, () => 0.5, 10)).toMatchObject({ action: 'retry', delayMs: 1000 });
  });

  it('429 with Retry-After is honoured', async () => {
    t.emu.controls.failNext({ status: 429, retryAfterSec: 7 });
    const e = await failure(send);
    expect(e).toMatchObject({ code: 'rate_limited', retryAfterMs: 7000, outcomeUnknown: false });
    expect(e.message).toMatch(/try again in 7 s/);
    expect(decide(e, 1, () => 0.5, 10)).toMatchObject({ action: 'retry', delayMs: 7000 });
  });

  it('403 is permission, 404 not_found, other 4xx validation', async () => {
    t.emu.controls.failNext({ status: 403 });
    expect(await failure(() => t.client.listChats())).toMatchObject({
      code: 'permission',
      upstreamMessage: 'Access denied',
    });
    expect(await failure(() => t.client.sendToChat(999, { text: 'x' }))).toMatchObject({
      code: 'not_found',
      httpStatus: 404,
    });
    expect((await failure(() => t.client.getFile('no-such-file'))).message).toMatch(/does not know the file/);
    const e = await failure(() => t.client.sendToChat(chatId, { fileUid: 'no-such-file' }));
    expect(e).toMatchObject({ code: 'validation', httpStatus: 400 });
    expect(e.message).toMatch(/TimelinesAI refused the request.*file_uid/);
    expect(decide(e, 1)).toMatchObject({ action: 'wait', until: 'reactivate' });
    expect((await failure(() => t.client.sendToChat(chatId, { text: 'x', replyTo: 'nope' }))).code).toBe(
      'validation',
    );
  });

  it('masks phone numbers in what TimelinesAI says (the messages may be logged)', async () => {
    t.emu.controls.failNext({ status: 400, message: 'Phone +34 600 123 456 is not on WhatsApp' });
    const e = await failure(send);
    expect(e.upstreamMessage).toBe('Phone [number] is not on WhatsApp');
    expect(e.message).not.toMatch(/600/);
  });

  it('5xx is temporary; a send that got one may have been sent and is not repeated', async () => {
    t.emu.controls.failNext({ status: 500 });
    const list = await failure(() => t.client.listChats());
    expect(list).toMatchObject({ code: 'temporary', outcomeUnknown: false });
    expect(decide(list, 1, () => 0.5, 10)).toMatchObject({ action: 'retry', delayMs: 10 });
    expect(decide(list, 15)).toMatchObject({ action: 'wait', until: 'reactivate' });

    t.emu.controls.failNext({ status: 502, html: true });
    const sent = await failure(send);
    expect(sent).toMatchObject({ code: 'temporary', httpStatus: 502, outcomeUnknown: true });
    expect(sent.message).toMatch(/may have been sent/);
    expect(decide(sent, 1)).toMatchObject({ action: 'wait', until: 'reactivate' });
  });

  it('a timeout is temporary; for a send the outcome is unknown', async () => {
    t.emu.controls.setLatency(1_000);
    const slow = t.clientWith({ timeoutMs: 100 });
    expect(await failure(() => slow.listWebhooks())).toMatchObject({
      code: 'temporary',
      outcomeUnknown: false,
    });
    const e = await failure(() => slow.sendToChat(chatId, { text: 'x' }));
    expect(e).toMatchObject({ code: 'temporary', outcomeUnknown: true });
    expect(e.message).toMatch(/did not answer in time/);
  });

  it('an unreachable server is temporary, and a send that never left is safe to retry', async () => {
    const dead = await startFixedServer(() => ({ status: 200, body: '{}' }));
    await dead.close();
    const client = new TimelinesClient({ token: 'tok-12345678', baseUrl: dead.url, pacing: t.pacing });
    const e = await failure(() => client.sendToPhone({ phone: '+34611111111', text: 'x' }));
    expect(e).toMatchObject({ code: 'temporary', outcomeUnknown: false });
    expect(e.message).toMatch(/could not be reached/);
  });

  it('answers that are not the documented envelope are temporary', async () => {
    const answers = [
      { status: 200, body: '<html>maintenance</html>', type: 'text/html' },
      { status: 200, body: '{"ok":true}' },
      { status: 200, body: '{"status":"ok","data":{}}' }, // a send answer without message_uid
      { status: 200, body: '{"status":"error","message":"Message sending quota exceeded"}' },
    ];
    let i = 0;
    const odd = await startFixedServer(() => answers[i++]!);
    try {
      const client = new TimelinesClient({ token: 'tok-12345678', baseUrl: odd.url, pacing: t.pacing });
      expect((await failure(() => client.listWebhooks())).message).toMatch(/unexpected form \(not JSON\)/);
      expect((await failure(() => client.listWebhooks())).message).toMatch(/"status":"ok" envelope/);
      const noUid = await failure(() => client.sendToChat(1, { text: 'x' }));
      expect(noUid).toMatchObject({ code: 'temporary', outcomeUnknown: true });
      expect(noUid.message).toMatch(/data.message_uid/);
      expect((await failure(() => client.sendToChat(1, { text: 'x' }))).code).toBe('quota_exhausted');
    } finally {
      await odd.close();
    }
  });

  it('refuses answers over the size cap', async () => {
    const big = await startFixedServer(() => ({
      status: 200,
      body: JSON.stringify({ status: 'ok', data: 'x'.repeat(5000) }),
    }));
    try {
      const client = new TimelinesClient({
        token: 'tok-12345678',
        baseUrl: big.url,
        pacing: t.pacing,
        maxAnswerBytes: 1000,
      });
      expect((await failure(() => client.listWebhooks())).message).toMatch(/over the 1000 bytes/);
    } finally {
      await big.close();
    }
  });
});
