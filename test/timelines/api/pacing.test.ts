// Pacing: sends of a workspace one at a time and ≥ the interval apart (FIFO), all requests within the
// per-IP rate, every request held back after a 429. Unit tests run on a fake clock; the end-to-end
// tests read the order and spacing from the emulator's own records of when requests arrived.
import { afterEach, describe, expect, it } from 'vitest';
import type { TimelinesError } from '../../../server/src/timelines/api/index.js';
import { TimelinesPacing } from '../../../server/src/timelines/api/pacing.js';
import { startTimelines, type TimelinesSetup } from '../../helpers/timelines.js';

/** Timers on a fake clock: `run()` fires them in time order until nothing is left to do. */
class FakeClock {
  now = 0;
  #timers: Array<{ at: number; fire: () => void }> = [];
  sleep = (ms: number) => new Promise<void>((fire) => this.#timers.push({ at: this.now + ms, fire }));
  async run(work: Promise<unknown>): Promise<void> {
    let done = false;
    void work.finally(() => (done = true));
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve)); // let every ready continuation run
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers.shift();
      if (!next) continue;
      this.now = Math.max(this.now, next.at);
      next.fire();
    }
  }
}

function pacingOn(clock: FakeClock, opts: { sendIntervalMs?: number; requestsPerSecond?: number }) {
  return new TimelinesPacing({ now: () => clock.now, sleep: clock.sleep, ...opts });
}

describe('TimelinesPacing (fake clock)', () => {
  it('runs the sends of a workspace in order, each ≥ the interval after the previous one ended', async () => {
    const clock = new FakeClock();
    const pacing = pacingOn(clock, { sendIntervalMs: 2000, requestsPerSecond: 100 });
    const spans: Array<[number, number, number]> = [];
    const sendOne = (i: number) =>
      pacing.send('ws-a', async () => {
        const start = clock.now;
        await clock.sleep(300); // the request takes 300 ms
        spans.push([i, start, clock.now]);
      });
    await clock.run(Promise.all([0, 1, 2, 3].map(sendOne)));
    expect(spans.map(([i]) => i)).toEqual([0, 1, 2, 3]);
    for (let i = 1; i < spans.length; i += 1)
      expect(spans[i]![1] - spans[i - 1]![2]).toBeGreaterThanOrEqual(2000);
    expect(spans[0]![1]).toBe(0);
  });

  it('does not make one workspace wait for another', async () => {
    const clock = new FakeClock();
    const pacing = pacingOn(clock, { sendIntervalMs: 2000, requestsPerSecond: 100 });
    const starts: Record<string, number[]> = { a: [], b: [] };
    const send = (ws: 'a' | 'b') => pacing.send(ws, async () => void starts[ws]!.push(clock.now));
    await clock.run(Promise.all([send('a'), send('a'), send('b')]));
    expect(starts.b).toEqual([0]);
    expect(starts.a).toEqual([0, 2000]);
  });

  it('keeps all requests within the rate: a full bucket, then one every 1/rate s', async () => {
    const clock = new FakeClock();
    const pacing = pacingOn(clock, { requestsPerSecond: 5 });
    const starts: number[] = [];
    await clock.run(
      Promise.all(Array.from({ length: 12 }, () => pacing.request(async () => void starts.push(clock.now)))),
    );
    expect(starts.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    for (let k = 5; k < starts.length; k += 1) expect(starts[k]).toBeGreaterThanOrEqual((k - 4) * 200);
    expect(starts[11]).toBe(1400); // never faster than the bucket allows, never slower either
  });

  it('holds every request back during a 429 pause, sends included', async () => {
    const clock = new FakeClock();
    const pacing = pacingOn(clock, { sendIntervalMs: 100, requestsPerSecond: 100 });
    pacing.pause(3000);
    const starts: number[] = [];
    await clock.run(
      Promise.all([
        pacing.request(async () => void starts.push(clock.now)),
        pacing.send('ws', async () => void starts.push(clock.now)),
      ]),
    );
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(3000);
  });

  it('refuses nonsense settings', () => {
    expect(() => new TimelinesPacing({ requestsPerSecond: 0 })).toThrow(RangeError);
    expect(() => new TimelinesPacing({ sendIntervalMs: -1 })).toThrow(RangeError);
  });
});

describe('pacing against the emulator', () => {
  let t: TimelinesSetup | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('sends arrive at TimelinesAI in call order and ≥ the interval apart; it sends them ≥ its own interval apart', async () => {
    const interval = 150;
    t = await startTimelines({
      sendIntervalMs: 100,
      pacing: new TimelinesPacing({ sendIntervalMs: interval, requestsPerSecond: 1000 }),
    });
    const chat = t.emu.addChat(t.ws.id, { phone: '+34611111111' });
    const answers = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => t!.client.sendToChat(chat.id, { text: `m${i}` })),
    );
    await t.emu.idle();
    const sends = t.emu.sends(t.ws.id);
    expect(sends.map((s) => s.messageUid)).toEqual(answers.map((a) => a.messageUid));
    expect(t.emu.messages(t.ws.id, chat.id).map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    for (let i = 1; i < sends.length; i += 1) {
      expect(sends[i]!.receivedAt - sends[i - 1]!.receivedAt).toBeGreaterThanOrEqual(interval);
      expect(sends[i]!.sentAt! - sends[i - 1]!.sentAt!).toBeGreaterThanOrEqual(100);
    }
    for (const s of sends) {
      expect(s.status).toBe('sent');
      expect(s.sentAt!).toBeGreaterThanOrEqual(s.receivedAt);
    }
  });

  it('the emulator queues sends itself (≈2 s apart in TimelinesAI) and answers at once', async () => {
    t = await startTimelines({ sendIntervalMs: 1000 });
    const chat = t.emu.addChat(t.ws.id, { phone: '+34611111111' });
    await Promise.all([1, 2, 3].map((i) => t!.client.sendToChat(chat.id, { text: `m${i}` })));
    expect(t.emu.sends(t.ws.id).filter((s) => s.status === 'queued').length).toBeGreaterThanOrEqual(1);
    await t.emu.idle();
    const sentAt = t.emu.sends(t.ws.id).map((s) => s.sentAt!);
    for (let i = 1; i < sentAt.length; i += 1)
      expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(1000);
  });

  it("stays within TimelinesAI's per-IP limit where unpaced calls get 429", async () => {
    t = await startTimelines({
      rateLimit: { perSecond: 5, burst: 3 },
      pacing: new TimelinesPacing({ sendIntervalMs: 0, requestsPerSecond: 4 }),
    });
    const paced = await Promise.allSettled(Array.from({ length: 12 }, () => t!.client.listWebhooks()));
    expect(paced.filter((r) => r.status === 'rejected')).toEqual([]);

    await t.close();
    t = await startTimelines({ rateLimit: { perSecond: 5, burst: 3 } }); // a fresh limit, a client without pacing
    const unpaced = t.client;
    const burst = await Promise.allSettled(Array.from({ length: 20 }, () => unpaced.listWebhooks()));
    const refused = burst.flatMap((r) => (r.status === 'rejected' ? [r.reason as TimelinesError] : []));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.code === 'rate_limited' && e.retryAfterMs === 1000)).toBe(true);
  });
});
