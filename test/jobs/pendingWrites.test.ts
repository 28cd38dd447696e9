/** When a write whose answer was lost may be looked for (jobs/run/pendingWrites.ts, zoho/errors.ts). */
import { describe, expect, it } from 'vitest';
import { intentKey, PendingWrites } from '../../server/src/jobs/run/pendingWrites.js';
import { mayStillLand, ZohoError } from '../../server/src/zoho/errors.js';

describe('mayStillLand', () => {
  it('says a write Zoho answered is over, and one whose answer was lost may still land', () => {
    const answered = [
      new ZohoError('429', { code: 'rate_limited', zohoCode: 'TOO_MANY_REQUESTS', httpStatus: 429 }),
      new ZohoError('400', { code: 'validation', zohoCode: 'INVALID_DATA', httpStatus: 400 }),
      new ZohoError('500 JSON', { code: 'temporary', zohoCode: 'INTERNAL_ERROR', httpStatus: 500 }),
      new ZohoError('refused by the SDK', { code: 'validation', zohoCode: 'TYPE_ERROR' }),
    ];
    const lost = [
      new ZohoError('503 page', { code: 'temporary', httpStatus: 503 }),
      new ZohoError('timeout', { code: 'temporary', zohoCode: 'ETIMEDOUT' }),
      new ZohoError('reset', { code: 'temporary', zohoCode: 'ECONNRESET' }),
      new Error('anything else'),
    ];
    for (const e of answered) expect(mayStillLand(e), e.message).toBe(false);
    for (const e of lost) expect(mayStillLand(e), e.message).toBe(true);
  });
});

describe('PendingWrites', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('gives a write whose answer was lost the request timeout to land, from its failure', () => {
    const w = new PendingWrites(30_000, clock);
    const key = intentKey.note('ws|chat|day', 5);
    w.failed(key, new ZohoError('timeout', { code: 'temporary', zohoCode: 'ETIMEDOUT' }));
    now += 10_000;
    expect(w.settledAt(key)).toBe(now - 10_000 + 30_000);
  });

  it('lets a write Zoho answered be looked for at once', () => {
    const w = new PendingWrites(30_000, clock);
    const key = intentKey.record('ws', 'chat', 5);
    w.failed(key, new ZohoError('500', { code: 'temporary', zohoCode: 'INTERNAL_ERROR', httpStatus: 500 }));
    expect(w.settledAt(key)).toBeLessThanOrEqual(now);
  });

  it('waits the request timeout from the first sight of an intent it never saw fail (a crash, another process)', () => {
    const w = new PendingWrites(30_000, clock);
    const key = intentKey.upload('ev', 0, 5);
    const first = w.settledAt(key);
    expect(first).toBe(now + 30_000);
    now += 20_000;
    expect(w.settledAt(key)).toBe(first); // the wait does not start again at each look
    w.resolved(key);
    expect(w.size).toBe(0);
  });

  it('tells two intents of the same thing apart by their time', () => {
    expect(intentKey.note('d', 1)).not.toBe(intentKey.note('d', 2));
  });

  it('forgets intents nobody came back to after a day', () => {
    const w = new PendingWrites(30_000, clock);
    w.settledAt(intentKey.note('a', 1));
    now += 25 * 60 * 60 * 1000;
    w.settledAt(intentKey.note('b', 1));
    expect(w.size).toBe(1);
  });
});
