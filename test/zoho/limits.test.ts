/**
 * Zoho's limits: concurrency and daily credits by edition, the complex-call sub-limit in the lane,
 * and the credit budget that slows the sync down near the daily limit instead of letting it fail.
 * Behaviour only: a fake clock, no timing.
 */
import { describe, expect, it } from 'vitest';
import { CreditBudget, concurrencyFor, dailyCreditsFor } from '../../server/src/zoho/limits.js';
import { SdkLane } from '../../server/src/zoho/sdkLane.js';

const DAY = 24 * 60 * 60 * 1000;

describe('limits by edition', () => {
  it('allows each edition its concurrency, Standard when unknown', () => {
    expect(concurrencyFor('Free')).toBe(5);
    expect(concurrencyFor('Standard')).toBe(10);
    expect(concurrencyFor('Starter')).toBe(10);
    expect(concurrencyFor('Professional')).toBe(15);
    expect(concurrencyFor('Enterprise')).toBe(20);
    expect(concurrencyFor('Zoho One')).toBe(20);
    expect(concurrencyFor('Ultimate')).toBe(25);
    expect(concurrencyFor('CRM Plus')).toBe(25);
    expect(concurrencyFor(undefined)).toBe(10);
    expect(concurrencyFor('something new')).toBe(10);
  });

  it('counts on 5,000 daily credits for Free and the 50,000 base for paid editions', () => {
    expect(dailyCreditsFor('Free')).toBe(5_000);
    expect(dailyCreditsFor('Enterprise')).toBe(50_000);
    expect(dailyCreditsFor(undefined)).toBe(50_000);
  });
});

describe('credit budget', () => {
  function budget(limit = 1000) {
    let now = 1_800_000_000_000;
    const slept: number[] = [];
    const b = new CreditBudget({
      dailyLimit: limit,
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    return { b, slept, advance: (ms: number) => (now += ms), now: () => now };
  }

  it('lets background calls go at once while under 80% of the daily limit', async () => {
    const { b, slept } = budget();
    b.record(799);
    for (let i = 0; i < 5; i++) await b.acquire();
    expect(slept).toEqual([]);
    expect(b.runDelay()).toBe(0);
  });

  it('spaces background calls at the daily average rate past 80%, without failing any', async () => {
    const { b, slept } = budget(1000);
    b.record(850);
    const interval = DAY / 1000;
    const first = b.reserveSlot();
    const second = b.reserveSlot();
    const third = b.reserveSlot();
    expect(second - first).toBe(interval);
    expect(third - second).toBe(interval);
    await b.acquire();
    expect(slept.length).toBe(1);
    expect(slept[0]).toBeLessThanOrEqual(60_000); // a call never waits more than a minute
    expect(b.runDelay()).toBe(0); // runs still start
  });

  it('puts runs off at the limit less the reserve, until the oldest credits leave the 24 h window', () => {
    const { b, advance } = budget(1000);
    b.record(600);
    advance(60 * 60 * 1000);
    b.record(360); // 960 used: over 95%
    const wait = b.runDelay();
    expect(wait).toBeGreaterThan(22 * 60 * 60 * 1000);
    expect(wait).toBeLessThanOrEqual(23 * 60 * 60 * 1000 + 60_000);
    advance(wait);
    expect(b.used()).toBe(360);
    expect(b.runDelay()).toBe(0);
  });

  it('forgets credits older than 24 h', () => {
    const { b, advance } = budget(1000);
    b.record(500);
    advance(DAY - 120_000);
    b.record(10);
    expect(b.used()).toBe(510);
    advance(180_000);
    expect(b.used()).toBe(10);
  });
});

describe('complex calls in the lane', () => {
  it('holds complex calls to their sub-limit while simple calls of the same org pass them', async () => {
    const lane = new SdkLane();
    let complexNow = 0;
    let complexMax = 0;
    let total = 0;
    let totalMax = 0;
    const releases: (() => void)[] = [];
    const started: string[] = [];
    const submit = (name: string, complex: boolean) =>
      lane.run(
        'org',
        15,
        () => {
          started.push(name);
          total += 1;
          totalMax = Math.max(totalMax, total);
          if (complex) complexMax = Math.max(complexMax, ++complexNow);
          return new Promise<void>((resolve) =>
            releases.push(() => {
              total -= 1;
              if (complex) complexNow -= 1;
              resolve();
            }),
          );
        },
        { complex, complexCap: 10 },
      );
    const all = [
      ...Array.from({ length: 20 }, (_, i) => submit(`coql${i}`, true)),
      ...Array.from({ length: 8 }, (_, i) => submit(`upload${i}`, false)),
    ];
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(complexMax).toBe(10);
    expect(started.filter((n) => n.startsWith('upload'))).toHaveLength(5); // 10 complex + 5 simple = 15
    while (releases.length) {
      releases.shift()!();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
    await Promise.all(all);
    expect(started).toHaveLength(28);
    expect(complexMax).toBe(10);
    expect(totalMax).toBe(15);
    expect(lane.stats.maxComplexInFlight.get('org')).toBe(10);
  });
});
