/**
 * When each workspace's sync runs. A message queued starts a timer for its workspace (the flush
 * window: messages arriving meanwhile join the same run, so a chat-day's Note is written once); a run
 * takes the workspace's lease first, so a workspace runs in one place at a time, in this process and
 * across processes (PostgreSQL). With several processes, each also polls the queue: work queued by a
 * process that died, or whose turn another process skipped because it held the lease, is picked up
 * within `pollMs`.
 *
 * Shutdown (SIGTERM): no new turn starts, turns in progress stop after their current batch, their
 * leases are released.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Lease, Store } from '../store/store.js';
import type { TurnResult } from './workspaceRun.js';

export interface SchedulerOptions {
  /** how long new messages are gathered before a run */
  flushWindowMs: number;
  /** how often the queue is polled for work this process was not told about (0: never) */
  pollMs: number;
  /** a lease lasts this long unless renewed (a killed process's workspaces are taken over after it) */
  leaseTtlMs: number;
  now?: () => number;
}

export type Turn = (
  workspaceId: string,
  lease: Lease | undefined,
  stopping: () => boolean,
) => Promise<TurnResult>;

export class Scheduler {
  /** this process, as a lease holder */
  readonly holder = `${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #timers = new Map<string, { timer: NodeJS.Timeout; dueAt: number }>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #rerun = new Set<string>();
  readonly #idleWaiters: (() => void)[] = [];
  readonly #now: () => number;
  #poll: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(
    readonly store: Store,
    readonly turn: Turn,
    readonly log: Logger,
    readonly options: SchedulerOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  /** Resumes whatever the queue holds (start-up after a crash or restart), and starts polling. */
  async start(): Promise<void> {
    await this.#scheduleDue();
    if (this.options.pollMs > 0) {
      this.#poll = setInterval(() => void this.#scheduleDue().catch(() => undefined), this.options.pollMs);
      this.#poll.unref();
    }
  }

  /** Stops taking work; resolves once the turns in progress have ended and released their leases. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#poll) clearInterval(this.#poll);
    for (const t of this.#timers.values()) clearTimeout(t.timer);
    this.#timers.clear();
    await Promise.allSettled([...this.#running.values()]);
  }

  /** Runs the workspace after `delayMs` (default: the flush window) unless a run is already due sooner. */
  schedule(workspaceId: string, delayMs = this.options.flushWindowMs): void {
    if (this.#stopping) return;
    if (this.#running.has(workspaceId)) {
      this.#rerun.add(workspaceId);
      return;
    }
    const dueAt = this.#now() + delayMs;
    const existing = this.#timers.get(workspaceId);
    if (existing && existing.dueAt <= dueAt) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(workspaceId);
      this.#start(workspaceId);
    }, delayMs);
    this.#timers.set(workspaceId, { timer, dueAt });
  }

  /** Waiting messages of the workspace go back to the queue (after reconnection or reactivation). */
  async requeueWaiting(workspaceId: string): Promise<void> {
    const uow = this.store.begin();
    uow.queue.requeueWaiting(workspaceId);
    await uow.commit();
    this.schedule(workspaceId, 0);
  }

  /** Resolves when no run is due or running (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#timers.size > 0) {
      await new Promise<void>((r) => this.#idleWaiters.push(r));
    }
  }

  get running(): number {
    return this.#running.size;
  }

  async #scheduleDue(): Promise<void> {
    const now = this.#now();
    for (const { workspaceId, dueAt } of await this.store.queue.due())
      this.schedule(workspaceId, this.#delayFor(dueAt, now));
  }

  #start(workspaceId: string): void {
    let ended!: () => void;
    this.#running.set(workspaceId, new Promise<void>((resolve) => (ended = resolve)));
    void this.#turn(workspaceId)
      .catch((e: unknown) => {
        this.log.error({ err: e, workspaceId }, 'sync run crashed');
        // Never spin on a crash: the workspace is looked at again a little later.
        return { deferUntil: this.#now() + Math.max(this.options.pollMs, 1000) };
      })
      .then((result) => {
        this.#running.delete(workspaceId); // before #after: its schedule() must set a timer
        return this.#after(workspaceId, result ?? {});
      })
      .catch((e: unknown) => this.log.error({ err: e, workspaceId }, 'scheduling after a run failed'))
      .finally(() => {
        this.#running.delete(workspaceId);
        ended();
        if (this.#running.size === 0 && this.#timers.size === 0)
          this.#idleWaiters.splice(0).forEach((r) => r());
      });
  }

  /** One turn under the workspace's lease, renewed while it lasts. */
  async #turn(workspaceId: string): Promise<TurnResult | undefined> {
    const ttl = this.options.leaseTtlMs;
    const lease = await this.store.leases.acquire(workspaceId, this.holder, ttl);
    // Another process runs it: look again a little later (it may leave work behind when it ends).
    if (!lease) return { deferUntil: this.#now() + Math.max(this.options.pollMs, 1000) };
    let lost = false;
    const renew = setInterval(
      () => {
        void this.store.leases.renew(lease, ttl).then(
          (ok) => (lost ||= !ok),
          () => undefined,
        );
      },
      Math.max(50, ttl / 3),
    );
    try {
      return await this.turn(workspaceId, lease, () => this.#stopping || lost);
    } finally {
      clearInterval(renew);
      await this.store.leases.release(lease).catch(() => undefined);
    }
  }

  /** The next run: sooner when asked for meanwhile, else when the earliest waiting message is due. */
  async #after(workspaceId: string, result: TurnResult): Promise<void> {
    if (this.#stopping) return;
    const again = this.#rerun.delete(workspaceId);
    // Asked for meanwhile (a new message): that turn looks again (it defers again if still out of credits).
    if (result.deferUntil !== undefined && !again) {
      this.schedule(workspaceId, Math.max(0, result.deferUntil - this.#now()));
      return;
    }
    const due = (await this.store.queue.due()).find((d) => d.workspaceId === workspaceId)?.dueAt;
    if (again) this.schedule(workspaceId, this.options.flushWindowMs);
    else if (due !== undefined) this.schedule(workspaceId, this.#delayFor(due, this.#now()));
  }

  /**
   * When a workspace whose earliest pending message is due at `dueAt` should run. A message never
   * tried (due 0: just received, possibly by another process) waits the flush window like one this
   * process received, so that the poll does not cut a burst into one run a second: measured on
   * PostgreSQL, a history import beside 100 live webhooks took 63 Zoho calls instead of 41 when the
   * poll started a run for every second of the burst. A retry's due time is kept as it is.
   */
  #delayFor(dueAt: number, now: number): number {
    return dueAt === 0 ? this.options.flushWindowMs : Math.max(0, dueAt - now);
  }
}
