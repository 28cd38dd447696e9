/**
 * Keeps our calls within TimelinesAI's limits, for all workspaces of this process:
 *
 * - Sends of one workspace go one at a time, each starting at least `sendIntervalMs` (2 s) after the
 *   previous one finished. TimelinesAI itself sends "with random delay of about 2 seconds between each
 *   two messages" and queues faster sends against the quota; pacing on our side keeps a bulk of sends
 *   from one workspace from filling that queue, and keeps the order in which reps pressed "send".
 *   Spacing from the previous *answer* (not its start) means TimelinesAI sees the requests at least
 *   the interval apart, however long each took in transit.
 * - All requests share a token bucket of `requestsPerSecond` (25): TimelinesAI allows 30 requests/s
 *   per IP address (all tokens, all workspaces), queues 10 more and answers 429 beyond.
 * - After a 429 every request waits out the pause (`Retry-After`, else 1 s): the limit is per IP,
 *   so one workspace's 429 concerns them all.
 *
 * One instance per process (`sharedPacing`) unless tests give their own.
 */

export interface PacingOptions {
  /** Minimum gap between the end of one send of a workspace and the start of its next. Default 2000. */
  sendIntervalMs?: number;
  /** Requests per second for the whole process. Default 25 (TimelinesAI: 30 per IP). */
  requestsPerSecond?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_SEND_INTERVAL_MS = 2_000;
export const DEFAULT_REQUESTS_PER_SECOND = 25;

interface Lane {
  tail: Promise<void>;
  /** When the last send of this workspace got its answer (or failed). */
  lastSendEnd: number;
  queued: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TimelinesPacing {
  readonly sendIntervalMs: number;
  readonly requestsPerSecond: number;
  #now: () => number;
  #sleep: (ms: number) => Promise<void>;
  #lanes = new Map<string, Lane>();
  #pausedUntil = 0;
  #tokens: number;
  #refilledAt: number;
  #bucketTail: Promise<void> = Promise.resolve();

  constructor(opts: PacingOptions = {}) {
    this.sendIntervalMs = opts.sendIntervalMs ?? DEFAULT_SEND_INTERVAL_MS;
    this.requestsPerSecond = opts.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND;
    if (!(this.sendIntervalMs >= 0)) throw new RangeError('sendIntervalMs must be ≥ 0');
    if (!(this.requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be > 0');
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? realSleep;
    this.#tokens = this.requestsPerSecond;
    this.#refilledAt = this.#now();
  }

  /** Runs one send of `workspaceKey` in its turn (FIFO per workspace). */
  async send<T>(workspaceKey: string, fn: () => Promise<T>): Promise<T> {
    const lane = this.#lane(workspaceKey);
    const previous = lane.tail;
    let release!: () => void;
    lane.tail = new Promise<void>((resolve) => (release = resolve));
    lane.queued += 1;
    try {
      await previous;
      await this.#waitUntil(() => lane.lastSendEnd + this.sendIntervalMs);
      return await this.request(fn);
    } finally {
      lane.lastSendEnd = this.#now();
      lane.queued -= 1;
      release();
    }
  }

  /** Runs any request once the process-wide rate allows it and no 429 pause is running. */
  async request<T>(fn: () => Promise<T>): Promise<T> {
    await this.#takeToken();
    return fn();
  }

  /** After a 429: every request of the process waits `ms` from now. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + Math.max(0, ms));
  }

  /** Until when a 429 holds every request back (ms since epoch; in the past when none does). */
  pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Sends of a workspace waiting or running (for progress displays and tests). */
  queuedSends(workspaceKey: string): number {
    return this.#lanes.get(workspaceKey)?.queued ?? 0;
  }

  #lane(key: string): Lane {
    let lane = this.#lanes.get(key);
    if (!lane) {
      this.#pruneIdleLanes();
      lane = { tail: Promise.resolve(), lastSendEnd: Number.NEGATIVE_INFINITY, queued: 0 };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  /** Lanes whose interval is over and that hold nothing are forgotten (bounded memory). */
  #pruneIdleLanes(): void {
    const now = this.#now();
    for (const [key, lane] of this.#lanes) {
      if (lane.queued === 0 && lane.lastSendEnd + this.sendIntervalMs <= now) this.#lanes.delete(key);
    }
  }

  /** Sleeps until `target()` (re-read after each sleep: a 429 pause may move it), and past any pause. */
  async #waitUntil(target: () => number): Promise<void> {
    for (;;) {
      const wait = Math.max(target(), this.#pausedUntil) - this.#now();
      if (wait <= 0) return;
      await this.#sleep(wait);
    }
  }

  /** One token of the shared bucket, FIFO among waiters. */
  async #takeToken(): Promise<void> {
    const previous = this.#bucketTail;
    let release!: () => void;
    this.#bucketTail = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous;
      for (;;) {
        await this.#waitUntil(() => 0);
        const now = this.#now();
        const elapsed = Math.max(0, now - this.#refilledAt);
        this.#tokens = Math.min(
          this.requestsPerSecond,
          this.#tokens + (elapsed * this.requestsPerSecond) / 1000,
        );
        this.#refilledAt = now;
        if (this.#tokens >= 1) {
          this.#tokens -= 1;
          return;
        }
        await this.#sleep(Math.ceil(((1 - this.#tokens) * 1000) / this.requestsPerSecond));
      }
    } finally {
      release();
    }
  }
}

/** The process-wide pacing every client uses unless given another. */
export const sharedPacing = new TimelinesPacing();
