/**
 * Zoho's limits per org (docs/zoho.md, "Limits"), and the credit budget that keeps the sync
 * engine inside them.
 *
 * - Concurrency: calls in flight per org and OAuth app, by edition (Free 5, Standard 10,
 *   Professional 15, Enterprise 20, Ultimate 25; the call past it fails with 429). "Complex" calls
 *   (COQL, search, writes of more than 10 records) share a sub-limit of 10 on every edition.
 * - Credits: per rolling 24 h per org, by edition (Free 5,000; the paid editions 50,000 plus a part
 *   per user license, which the connector does not know: it counts on the base only unless told).
 *   A call is one credit.
 *
 * `ZOHO_MAX_CONCURRENCY` and `ZOHO_DAILY_CREDITS` override both for every org (e.g. add-on credits).
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;
/** A background call never waits longer than this (a run stays stoppable; runs are put off instead). */
const MAX_CALL_WAIT_MS = MINUTE_MS;

/** Zoho's sub-limit for complex calls (COQL, search, batched writes), on every edition. */
export const COMPLEX_CALLS_LIMIT = 10;

type Edition = 'free' | 'standard' | 'professional' | 'enterprise' | 'ultimate';

function editionOf(edition: string | undefined): Edition | undefined {
  const e = (edition ?? '').toLowerCase();
  if (e.includes('free')) return 'free';
  if (e.includes('standard') || e.includes('starter')) return 'standard';
  if (e.includes('professional')) return 'professional';
  if (e.includes('enterprise') || e.includes('zoho one') || e.includes('zohoone')) return 'enterprise';
  if (e.includes('ultimate') || e.includes('crm plus') || e.includes('crmplus')) return 'ultimate';
  return undefined;
}

const CONCURRENCY: Record<Edition, number> = {
  free: 5,
  standard: 10,
  professional: 15,
  enterprise: 20,
  ultimate: 25,
};

/** Concurrent calls allowed for an org of this edition (10, Standard's, when the edition is unknown). */
export function concurrencyFor(edition: string | undefined): number {
  const e = editionOf(edition);
  return e ? CONCURRENCY[e] : 10;
}

/** Daily credits of an org of this edition, without the per-user part (5,000 for Free, else 50,000). */
export function dailyCreditsFor(edition: string | undefined): number {
  return editionOf(edition) === 'free' ? 5_000 : 50_000;
}

export interface CreditBudgetOptions {
  /** credits per rolling 24 h */
  dailyLimit: number;
  /** from this share of the limit on, background calls are paced (default 0.8) */
  slowFrom?: number;
  /** this share of the limit is kept for the admin's own calls: background calls stop before it (default 0.05) */
  reserve?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** a background call is about to wait this long for credits (metrics) */
  onWait?: (ms: number) => void;
}

/**
 * Counts an org's credits over a rolling 24 h (per minute) and paces background calls (the sync)
 * near the daily limit instead of letting them fail:
 *  - below `slowFrom` of the limit: no waiting;
 *  - above it: background calls are spaced at the average rate the limit allows (limit / 24 h: with
 *    50,000 credits, one call every 1.7 s; a call carries up to 100 Notes, so the sync goes on, slower);
 *  - at the limit less the reserve: sync runs are put off until credits leave the 24 h window
 *    (`runDelay`), and a run that gets there midway waits at most a minute a call.
 * Interactive calls (settings, activation) are never held back; they are counted.
 */
export class CreditBudget {
  readonly dailyLimit: number;
  readonly #slowFrom: number;
  readonly #reserve: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onWait: ((ms: number) => void) | undefined;
  /** minute index → credits spent in that minute (the last 24 h) */
  readonly #minutes = new Map<number, number>();
  #used = 0;
  /** when the last background call was let through (pacing) */
  #lastSlot = 0;

  constructor(opts: CreditBudgetOptions) {
    this.dailyLimit = Math.max(1, opts.dailyLimit);
    this.#slowFrom = opts.slowFrom ?? 0.8;
    this.#reserve = opts.reserve ?? 0.05;
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref()));
    this.#onWait = opts.onWait;
  }

  /** Counts credits spent now (every call, background or not). */
  record(credits = 1): void {
    const minute = Math.floor(this.#now() / MINUTE_MS);
    this.#minutes.set(minute, (this.#minutes.get(minute) ?? 0) + credits);
    this.#used += credits;
  }

  /** Credits spent in the last 24 h. */
  used(): number {
    this.#expire();
    return this.#used;
  }

  /** How long a sync run should be put off (0: it may start): until the usage is below the reserve line. */
  runDelay(): number {
    const line = this.dailyLimit * (1 - this.#reserve);
    if (this.used() < line) return 0;
    return Math.max(0, this.#whenBelow(line) - this.#now());
  }

  /**
   * When the next background call may go (epoch ms; now or later), and takes that slot: calls asking
   * one after the other get slots one after the other.
   */
  reserveSlot(): number {
    const now = this.#now();
    const used = this.used();
    const limit = this.dailyLimit;
    let at = now;
    if (used >= limit * (1 - this.#reserve)) at = Math.max(at, this.#whenBelow(limit * (1 - this.#reserve)));
    if (used >= limit * this.#slowFrom) {
      at = Math.max(at, this.#lastSlot + DAY_MS / limit);
      this.#lastSlot = at;
    }
    return at;
  }

  /** Waits until a background call may go (see the class comment), a minute at most. */
  async acquire(): Promise<void> {
    const wait = Math.min(this.reserveSlot() - this.#now(), MAX_CALL_WAIT_MS);
    if (wait > 0) {
      this.#onWait?.(wait);
      await this.#sleep(wait);
    }
  }

  /** The moment enough of the oldest credits leave the 24 h window for `used` to drop below `target`. */
  #whenBelow(target: number): number {
    let used = this.#used;
    for (const [minute, credits] of [...this.#minutes].sort((a, b) => a[0] - b[0])) {
      used -= credits;
      if (used < target) return (minute + 1) * MINUTE_MS + DAY_MS;
    }
    return this.#now();
  }

  #expire(): void {
    const oldest = Math.floor((this.#now() - DAY_MS) / MINUTE_MS);
    for (const [minute, credits] of this.#minutes) {
      if (minute <= oldest) {
        this.#minutes.delete(minute);
        this.#used -= credits;
      }
    }
  }
}
