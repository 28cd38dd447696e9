/**
 * The process-wide scheduler in front of the Zoho SDK.
 *
 * The SDK keeps its configuration (environment, token, resource path) in one static `Initializer`
 * that every request re-reads at several `await` points, so requests for two orgs must never be in
 * flight at the same time. The lane serves one org at a time ("turn"):
 *
 * - calls for the org of the current turn run concurrently, up to that org's cap (Zoho allows
 *   10–25 concurrent calls per org; default 10);
 * - a call for another org waits until the turn ends, i.e. until the current org's in-flight calls
 *   have drained;
 * - fairness: once another org waits, calls for the current org that arrive later are not admitted
 *   to the current turn. The turn finishes the calls that were already eligible, then the lane
 *   switches to the org of the oldest waiting call. Nobody starves: a waiting call is served after
 *   at most the calls that were eligible when it arrived.
 *
 * The lane knows nothing about the SDK; `sdk/client.ts` re-initialises the SDK at the start of a
 * turn (and when a call brings a new access token).
 */

interface Waiter {
  org: string;
  cap: number;
  /** a "complex" call (COQL, search, batched write): Zoho's sub-limit `complexCap` applies too */
  complex: boolean;
  complexCap: number;
  seq: number;
  /** Turn this waiter may run in; undefined = not yet eligible. */
  turn: number | undefined;
  start: () => void;
}

export interface LaneStats {
  /** Turns started (the SDK is re-initialised at most once per turn plus once per new token). */
  turns: number;
  /** Highest number of calls in flight at once, per org. */
  maxInFlight: Map<string, number>;
  /** Highest number of complex calls in flight at once, per org. */
  maxComplexInFlight: Map<string, number>;
  /** Times two different orgs had calls in flight together (must stay 0). */
  overlaps: number;
}

export class SdkLane {
  private org: string | undefined;
  private turnId = 0;
  private inFlight = 0;
  private complexInFlight = 0;
  private cap = 10;
  private seq = 0;
  private readonly queue: Waiter[] = [];
  private readonly running = new Map<string, number>();
  readonly stats: LaneStats = {
    turns: 0,
    maxInFlight: new Map(),
    maxComplexInFlight: new Map(),
    overlaps: 0,
  };

  /** The org whose turn it is (undefined when idle). */
  get currentOrg(): string | undefined {
    return this.org;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  get waitingCount(): number {
    return this.queue.length;
  }

  /**
   * Runs `task` in `org`'s turn, with at most `cap` tasks of that org at once, of which at most
   * `complexCap` complex ones (Zoho's sub-limit: a simple call may pass complex ones that wait for
   * it). Never nest: a task must not wait for another `run` (it could wait for its own turn to end).
   */
  run<T>(
    org: string,
    cap: number,
    task: () => Promise<T>,
    opts: { complex?: boolean; complexCap?: number } = {},
  ): Promise<T> {
    const c = Math.max(1, Math.floor(cap));
    const complex = opts.complex === true;
    return new Promise<T>((resolve, reject) => {
      const w: Waiter = {
        org,
        cap: c,
        complex,
        complexCap: Math.max(1, Math.floor(opts.complexCap ?? c)),
        seq: ++this.seq,
        turn: undefined,
        start: () => {
          let p: Promise<T>;
          try {
            p = task();
          } catch (e) {
            p = Promise.reject(e);
          }
          p.then(resolve, reject).finally(() => this.release(org, complex));
        },
      };
      // Eligible for the current turn only when it is this org's turn and no other org waits.
      if (this.org === org && !this.queue.some((q) => q.org !== org)) w.turn = this.turnId;
      this.queue.push(w);
      this.pump();
    });
  }

  private release(org: string, complex: boolean): void {
    this.inFlight -= 1;
    if (complex) this.complexInFlight -= 1;
    const n = (this.running.get(org) ?? 1) - 1;
    if (n === 0) this.running.delete(org);
    else this.running.set(org, n);
    this.pump();
  }

  private pump(): void {
    for (;;) {
      if (
        this.org === undefined ||
        (this.inFlight === 0 && !this.queue.some((w) => w.turn === this.turnId))
      ) {
        // Turn over (or idle): hand the lane to the org of the oldest waiter.
        const oldest = this.queue[0];
        if (!oldest) {
          if (this.inFlight === 0) this.org = undefined;
          return;
        }
        if (this.inFlight > 0) return; // cannot happen (turn ends only when drained); defensive
        this.org = oldest.org;
        this.turnId += 1;
        this.stats.turns += 1;
        for (const w of this.queue) if (w.org === this.org) w.turn = this.turnId;
      }
      const idx = this.queue.findIndex(
        (w) => w.turn === this.turnId && (!w.complex || this.complexInFlight < w.complexCap),
      );
      if (idx < 0) return;
      const w = this.queue[idx]!;
      this.cap = w.cap;
      if (this.inFlight >= this.cap) return;
      this.queue.splice(idx, 1);
      this.inFlight += 1;
      if (w.complex) {
        this.complexInFlight += 1;
        const mc = this.stats.maxComplexInFlight.get(w.org) ?? 0;
        if (this.complexInFlight > mc) this.stats.maxComplexInFlight.set(w.org, this.complexInFlight);
      }
      this.running.set(w.org, (this.running.get(w.org) ?? 0) + 1);
      if (this.running.size > 1) this.stats.overlaps += 1;
      const m = this.stats.maxInFlight.get(w.org) ?? 0;
      if (this.inFlight > m) this.stats.maxInFlight.set(w.org, this.inFlight);
      w.start();
    }
  }
}

/** The one lane of this process (all gateways share it, because the SDK state is process-wide). */
export const sdkLane = new SdkLane();
