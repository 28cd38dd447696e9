/**
 * Keeps the store bounded (README "State and its bounds"): message ids past the redelivery window,
 * the lines of old chat-days (their Note in Zoho keeps them), expired OAuth states, the sync log over
 * its cap. Every 10 minutes; with several processes each sweeps (the sweep is idempotent).
 */
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';

export class Housekeeping {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly store: Store,
    readonly log: Logger,
    readonly everyMs = 10 * 60 * 1000,
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      this.store.sweep(Date.now()).then(
        (r) => this.log.debug(r, 'store swept'),
        (e: unknown) => this.log.warn({ err: e }, 'store sweep failed; retried at the next one'),
      );
    }, this.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
