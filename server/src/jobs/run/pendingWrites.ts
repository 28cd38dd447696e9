/**
 * Writes whose answer was lost, and when what they made may be looked for.
 *
 * A create is preceded by a committed intent; when its answer is lost (a crash, a timeout, a load
 * balancer's error page) the next run looks for what it made before making it again. Zoho carries
 * out a request it received even when the client stopped waiting or died, so a look taken while the
 * request may still be in Zoho's hands finds nothing, and the second create makes a duplicate
 * (test/jobs/crash.test.ts holds a Note create 5 s across a kill: two Notes before this rule). An
 * intent found pending is therefore looked for only once the write cannot land any more:
 * `settleMs` (the Zoho request timeout, 30 s by default: as long as Zoho is given to answer) after
 * the failure this process saw, or, for an intent it did not see fail (left by a process that died
 * or lost its lease), after this process first came across it. A write Zoho answered in its own
 * words is over: looked for at once.
 *
 * Only the failure path waits: a run whose writes are answered never meets a pending intent.
 */
import { mayStillLand } from '../../zoho/errors.js';

/** Entries older than this are dropped (an intent nobody came back to: its workspace was removed). */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

export class PendingWrites {
  /** intent key → when what it made may be looked for, and when this process learnt of it (epoch ms) */
  readonly #entries = new Map<string, { settledAt: number; since: number }>();

  constructor(
    readonly settleMs: number,
    readonly now: () => number = Date.now,
  ) {}

  /** The write under this intent failed with `error`. */
  failed(key: string, error: unknown): void {
    const now = this.now();
    this.#entries.set(key, { settledAt: mayStillLand(error) ? now + this.settleMs : now, since: now });
  }

  /** When what the write under this intent made may be looked for (the first call starts the wait for an unknown one). */
  settledAt(key: string): number {
    let entry = this.#entries.get(key);
    if (!entry) {
      this.#forgetOld();
      const now = this.now();
      entry = { settledAt: now + this.settleMs, since: now };
      this.#entries.set(key, entry);
    }
    return entry.settledAt;
  }

  /** The intent was looked for (found, or made again): nothing more to wait for. */
  resolved(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #forgetOld(): void {
    const old = this.now() - FORGET_AFTER_MS;
    for (const [k, e] of this.#entries) if (e.since < old) this.#entries.delete(k);
  }
}

/** Intent keys: what was written, and the intent's time (a later intent of the same thing is another write). */
export const intentKey = {
  record: (workspaceId: string, chatId: string, at: number) => `record ${workspaceId} ${chatId} ${at}`,
  note: (dayKey: string, at: number) => `note ${dayKey} ${at}`,
  upload: (eventKey: string, index: number, at: number) => `upload ${eventKey} ${index} ${at}`,
};
