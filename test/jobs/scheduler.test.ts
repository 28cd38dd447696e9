/**
 * The scheduler's poll (several processes on PostgreSQL): work another process queued is picked up,
 * but a message never tried waits the flush window like one this process received, so a burst of
 * webhooks spread over a few seconds is one run, not one run per poll. A retry keeps its due time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../server/src/jobs/scheduler.js';
import { createLogger } from '../../server/src/log.js';
import type { Lease, Store } from '../../server/src/store/store.js';

/** The part of the store the scheduler reads: what is due, and the leases. */
function fakeStore(due: { workspaceId: string; dueAt: number }[]): Store {
  const store = {
    queue: { due: async () => due },
    leases: {
      acquire: async (name: string, holder: string): Promise<Lease> =>
        ({ name, holder, token: 1 }) as unknown as Lease,
      renew: async () => true,
      release: async () => undefined,
    },
  };
  return store as unknown as Store;
}

describe('scheduler poll', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const start = async (due: { workspaceId: string; dueAt: number }[]) => {
    const turns: number[] = [];
    const store = fakeStore(due);
    const scheduler = new Scheduler(
      store,
      async () => {
        turns.push(Date.now());
        due.splice(0, due.length); // the run took everything
        return {};
      },
      createLogger('silent'),
      { flushWindowMs: 2000, pollMs: 1000, leaseTtlMs: 15_000 },
    );
    await scheduler.start();
    return { scheduler, turns };
  };

  it('waits the flush window for messages never tried, found by the poll', async () => {
    const { scheduler, turns } = await start([{ workspaceId: 'ws-1', dueAt: 0 }]);
    await vi.advanceTimersByTimeAsync(1900);
    expect(turns).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(turns).toEqual([1_000_000 + 2000]);
    // Later polls find nothing due: no second run.
    await vi.advanceTimersByTimeAsync(5000);
    expect(turns).toHaveLength(1);
    await scheduler.stop();
  });

  it('keeps a retry at its due time', async () => {
    const { scheduler, turns } = await start([{ workspaceId: 'ws-1', dueAt: 1_000_000 + 700 }]);
    await vi.advanceTimersByTimeAsync(600);
    expect(turns).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(turns).toEqual([1_000_000 + 700]);
    await scheduler.stop();
  });

  it('does not put a run off when later polls see the same burst', async () => {
    const due = [{ workspaceId: 'ws-1', dueAt: 0 }];
    const { scheduler, turns } = await start(due);
    // Polls at +1 s and +2 s see the burst still queued: the first timer (+2 s) stands.
    await vi.advanceTimersByTimeAsync(2100);
    expect(turns).toEqual([1_000_000 + 2000]);
    await scheduler.stop();
  });
});
