import { describe, expect, it } from 'vitest';
import { SdkLane } from '../../server/src/zoho/sdkLane.js';

/** A task that runs until released, recording start order. */
function harness(lane: SdkLane) {
  const started: string[] = [];
  const releases = new Map<string, () => void>();
  const running = new Set<string>();
  let overlap = false;
  const submit = (org: string, name: string, cap = 10) =>
    lane.run(org, cap, () => {
      started.push(name);
      running.add(name);
      const orgs = new Set([...running].map((n) => n.split(':')[0]));
      if (orgs.size > 1) overlap = true;
      return new Promise<string>((resolve) => {
        releases.set(name, () => {
          running.delete(name);
          resolve(name);
        });
      });
    });
  const release = async (name: string) => {
    const r = releases.get(name);
    if (!r) throw new Error(`${name} not started`);
    r();
    // let the lane admit the next tasks
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { started, submit, release, overlap: () => overlap };
}

const tick = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('SdkLane', () => {
  it('runs calls of one org concurrently up to its cap', async () => {
    const lane = new SdkLane();
    const h = harness(lane);
    for (let i = 0; i < 5; i++) void h.submit('A', `A:${i}`, 3);
    await tick();
    expect(h.started).toEqual(['A:0', 'A:1', 'A:2']);
    await h.release('A:0');
    expect(h.started).toEqual(['A:0', 'A:1', 'A:2', 'A:3']);
  });

  it('makes another org wait until the current org has drained, never overlapping', async () => {
    const lane = new SdkLane();
    const h = harness(lane);
    void h.submit('A', 'A:1');
    void h.submit('A', 'A:2');
    await tick();
    void h.submit('B', 'B:1');
    await tick();
    expect(h.started).toEqual(['A:1', 'A:2']);
    await h.release('A:1');
    expect(h.started).toEqual(['A:1', 'A:2']);
    await h.release('A:2');
    expect(h.started).toEqual(['A:1', 'A:2', 'B:1']);
    expect(h.overlap()).toBe(false);
    expect(lane.stats.overlaps).toBe(0);
  });

  it('stops admitting later calls of the current org once another org waits (no starvation)', async () => {
    const lane = new SdkLane();
    const h = harness(lane);
    void h.submit('A', 'A:1');
    await tick();
    void h.submit('B', 'B:1');
    void h.submit('A', 'A:late');
    await tick();
    // A:late arrived after B started waiting: it must not join A's turn.
    expect(h.started).toEqual(['A:1']);
    await h.release('A:1');
    expect(h.started).toEqual(['A:1', 'B:1']);
    await h.release('B:1');
    expect(h.started).toEqual(['A:1', 'B:1', 'A:late']);
  });

  it('lets queued calls of the current org that arrived before the other org finish in the same turn', async () => {
    const lane = new SdkLane();
    const h = harness(lane);
    void h.submit('A', 'A:1', 1);
    void h.submit('A', 'A:2', 1); // waits for capacity, eligible for this turn
    await tick();
    void h.submit('B', 'B:1', 1);
    await tick();
    await h.release('A:1');
    expect(h.started).toEqual(['A:1', 'A:2']);
    await h.release('A:2');
    expect(h.started).toEqual(['A:1', 'A:2', 'B:1']);
  });

  it("serves orgs in the order their first call waited, batching each org's waiting calls", async () => {
    const lane = new SdkLane();
    const h = harness(lane);
    void h.submit('A', 'A:1');
    await tick();
    void h.submit('B', 'B:1');
    void h.submit('C', 'C:1');
    void h.submit('B', 'B:2');
    void h.submit('A', 'A:2');
    await tick();
    await h.release('A:1');
    // B's turn takes both B calls that were waiting.
    expect(h.started).toEqual(['A:1', 'B:1', 'B:2']);
    await h.release('B:1');
    await h.release('B:2');
    expect(h.started).toEqual(['A:1', 'B:1', 'B:2', 'C:1']);
    await h.release('C:1');
    expect(h.started).toEqual(['A:1', 'B:1', 'B:2', 'C:1', 'A:2']);
    await h.release('A:2');
    expect(lane.currentOrg).toBeUndefined();
    expect(lane.inFlightCount).toBe(0);
    expect(lane.waitingCount).toBe(0);
  });

  it('passes results and errors through and frees the slot on failure', async () => {
    const lane = new SdkLane();
    await expect(lane.run('A', 1, async () => 42)).resolves.toBe(42);
    await expect(
      lane.run('A', 1, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(lane.run('B', 1, async () => 'next')).resolves.toBe('next');
    expect(lane.inFlightCount).toBe(0);
  });

  it('never has two orgs in flight under a random interleaving of 200 calls', async () => {
    const lane = new SdkLane();
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const inFlight = new Map<string, number>();
    let overlap = 0;
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const org = ['A', 'B', 'C'][Math.floor(rnd() * 3)]!;
      const delay = Math.floor(rnd() * 3);
      calls.push(
        lane.run(org, 4, async () => {
          inFlight.set(org, (inFlight.get(org) ?? 0) + 1);
          if ([...inFlight.values()].filter((n) => n > 0).length > 1) overlap++;
          for (let k = 0; k < delay; k++) await new Promise((r) => setImmediate(r));
          inFlight.set(org, (inFlight.get(org) ?? 1) - 1);
        }),
      );
      if (rnd() < 0.3) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(calls);
    expect(overlap).toBe(0);
    expect(lane.stats.overlaps).toBe(0);
    expect(Math.max(...lane.stats.maxInFlight.values())).toBeLessThanOrEqual(4);
  });
});
