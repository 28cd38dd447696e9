/**
 * Keeps the store bounded: forgets message ids past the redelivery window, drops the message lines
 * of old days (their Note in Zoho keeps them), and trims the sync log.
 */
import type { Store } from '../store/store.js';
import { trimLog } from '../store/syncLog.js';

/** TimelinesAI redelivers within minutes; a week is a wide margin. */
export const DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Days older than this lose their lines in the store: a late message then gets appended to the Note. */
export const DAY_RETENTION_MS = 35 * 24 * 60 * 60 * 1000;

export function sweep(store: Store, now = Date.now()): { seen: number; days: number } {
  const data = store.data;
  let seen = 0;
  for (const [key, at] of Object.entries(data.seen)) {
    if (now - at > DEDUPE_TTL_MS) {
      delete data.seen[key];
      seen += 1;
    }
  }
  let days = 0;
  const cutoff = new Date(now - DAY_RETENTION_MS).toISOString().slice(0, 10);
  for (const day of Object.values(data.days)) {
    if (day.day < cutoff && !day.dirty && day.noteId && day.lines.length > 0) {
      day.prunedLines += day.lines.length;
      day.lines = [];
      days += 1;
    }
  }
  trimLog(data);
  return { seen, days };
}

export class Housekeeping {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly everyMs = 10 * 60 * 1000,
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      const r = sweep(this.store);
      if (r.seen || r.days) void this.store.commit();
    }, this.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
