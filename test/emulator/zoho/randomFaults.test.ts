/**
 * The emulator's random faults (chaos runs): a seeded share of CRM calls answered 429/5xx as Zoho
 * answers them, latency spikes, the same faults for the same seed, and nothing once switched off.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, startHttpEnv, type HttpEnv } from './httpHarness.js';

describe('random faults', () => {
  let env: HttpEnv;
  beforeEach(async () => {
    env = await startHttpEnv();
  });
  afterEach(async () => {
    await env.close();
  });

  const statuses = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await call(env, 'GET', 'Contacts?fields=Last_Name')).status);
    return out;
  };

  it('fails about the configured share of calls with the configured statuses, counted as injected', async () => {
    env.emu.stats.reset();
    env.emu.controls.randomFaults = {
      failureRate: 0.2,
      statuses: [429, 500, 502, 503],
      spikeRate: 0,
      spikeMs: 0,
      seed: 7,
    };
    const got = await statuses(200);
    const failed = got.filter((s) => s !== 200 && s !== 204);
    // 200 draws at p = 0.2: 40 expected; a seeded draw, so the count is fixed, and plausibly near 40.
    expect(failed.length).toBeGreaterThan(20);
    expect(failed.length).toBeLessThan(60);
    expect(new Set(failed)).toEqual(new Set([429, 500, 502, 503]));
    expect(env.emu.stats.calls(env.org.orgId).injected).toBe(failed.length);
  });

  it('answers 429 with Zoho JSON and 503 with an HTML page', async () => {
    env.emu.controls.randomFaults = { failureRate: 1, statuses: [429], spikeRate: 0, spikeMs: 0, seed: 1 };
    const tooMany = await call(env, 'GET', 'Contacts?fields=Last_Name');
    expect(tooMany.status).toBe(429);
    expect(tooMany.json?.code).toBe('TOO_MANY_REQUESTS');
    env.emu.controls.randomFaults = { failureRate: 1, statuses: [503], spikeRate: 0, spikeMs: 0, seed: 1 };
    const down = await call(env, 'GET', 'Contacts?fields=Last_Name');
    expect(down.status).toBe(503);
    expect(down.text).toMatch(/<html>/);
  });

  it('draws the same faults for the same seed, and none once switched off', async () => {
    const spec = { failureRate: 0.3, statuses: [500 as const], spikeRate: 0, spikeMs: 0, seed: 42 };
    env.emu.controls.randomFaults = spec;
    const first = await statuses(40);
    env.emu.controls.randomFaults = spec;
    expect(await statuses(40)).toEqual(first);
    env.emu.controls.randomFaults = undefined;
    expect(new Set(await statuses(20))).toEqual(new Set([first.find((s) => s !== 500)]));
  });

  it('delays spiked calls by the spike on top of the latency', async () => {
    env.emu.controls.randomFaults = { failureRate: 0, statuses: [], spikeRate: 1, spikeMs: 300, seed: 3 };
    const started = Date.now();
    expect((await call(env, 'GET', 'Contacts?fields=Last_Name')).status).not.toBe(500);
    // A lower bound only (a slow machine makes it longer, never shorter).
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('refuses rates outside [0, 1] and failures without a status', () => {
    expect(() => {
      env.emu.controls.randomFaults = { failureRate: 2, statuses: [500], spikeRate: 0, spikeMs: 0, seed: 1 };
    }).toThrow(/failureRate/);
    expect(() => {
      env.emu.controls.randomFaults = { failureRate: 0.5, statuses: [], spikeRate: 0, spikeMs: 0, seed: 1 };
    }).toThrow(/statuses/);
  });
});
