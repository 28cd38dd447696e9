import { describe, expect, it } from 'vitest';
import { FairScheduler } from '../../server/src/jobs/fairScheduler.js';

/** A task that runs until released, recording its start. */
function controllable(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { task: () => (log.push(name), done), release };
}

describe('fair scheduler', () => {
  it('5,000 jobs on a host that never answers do not delay another workspace, nor another host', async () => {
    const s = new FairScheduler({ global: 8, perWorkspace: 4, perHost: 2 });
    const started: string[] = [];
    const hung = Array.from({ length: 5000 }, (_, i) => controllable(started, `hang-${i}`));
    for (const h of hung) void s.run({ workspaceId: 'hostile', host: 'hang.example' }, h.task);
    expect(s.stats()).toMatchObject({ running: 2, waiting: 4998 });

    // Another workspace's download on a normal host runs to completion at once.
    const other = await s.run({ workspaceId: 'normal', host: 'files.example' }, async () => 'downloaded');
    expect(other).toBe('downloaded');
    // So does the hostile workspace's own download from another host.
    const sameWs = await s.run({ workspaceId: 'hostile', host: 'files.example' }, async () => 'also');
    expect(sameWs).toBe('also');
    expect(started.filter((n) => n.startsWith('hang-'))).toHaveLength(2);

    hung.forEach((h) => h.release());
  });

  it('serves workspaces in turn (round-robin), not in arrival order', async () => {
    const s = new FairScheduler({ global: 1, perWorkspace: 1, perHost: 1 });
    const started: string[] = [];
    const first = controllable(started, 'a0');
    void s.run({ workspaceId: 'a', host: 'h1' }, first.task); // holds the only slot
    const all: Promise<void>[] = [];
    const jobs: ReturnType<typeof controllable>[] = [];
    for (const name of ['a1', 'a2', 'a3', 'b1', 'b2', 'c1']) {
      const job = controllable(started, name);
      jobs.push(job);
      job.release(); // each finishes as soon as it starts
      all.push(s.run({ workspaceId: name[0]!, host: `h-${name[0]}` }, job.task));
    }
    first.release();
    await Promise.all(all);
    expect(started).toEqual(['a0', 'b1', 'c1', 'a1', 'b2', 'a2', 'a3']);
  });

  it('keeps a workspace within its share while others wait', async () => {
    const s = new FairScheduler({ global: 4, perWorkspace: 2, perHost: 4 });
    const started: string[] = [];
    const jobs = Array.from({ length: 6 }, (_, i) => controllable(started, `a${i}`));
    for (const [i, j] of jobs.entries()) void s.run({ workspaceId: 'a', host: `h${i}` }, j.task);
    expect(s.stats().running).toBe(2);
    const b = controllable(started, 'b0');
    const bDone = s.run({ workspaceId: 'b', host: 'h0' }, b.task);
    expect(started).toContain('b0');
    b.release();
    await bDone;
    jobs.forEach((j) => j.release());
  });

  it('passes a task failure to its caller and frees the slot', async () => {
    const s = new FairScheduler({ global: 1 });
    await expect(
      s.run({ workspaceId: 'a', host: 'h' }, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(await s.run({ workspaceId: 'a', host: 'h' }, async () => 1)).toBe(1);
    expect(s.stats()).toEqual({ running: 0, waiting: 0, runningByHost: {} });
  });
});
