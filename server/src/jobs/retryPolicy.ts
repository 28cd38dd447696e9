/**
 * The one place that decides what a failure means for the events it touched (twenty's model):
 * retry later with backoff (rate limits honour Zoho's wait), wait for the admin (reconnect, fix
 * settings and reactivate), never drop.
 */
import type { ZohoErrorCode } from '../zoho/errors.js';

export type Decision =
  | { action: 'retry'; delayMs: number; reason: string }
  | { action: 'wait'; reason: string; until: 'reconnect' | 'reactivate' };

/** After this many consecutive temporary failures an event waits for the admin instead. */
export const MAX_ATTEMPTS = 15;

export function backoffMs(attempts: number, random: () => number = Math.random, baseMs = 1000): number {
  const base = Math.min(5 * 60_000, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.75 + random() * 0.5)); // jitter so retries of many events spread out
}

export function decide(
  failure: { code: ZohoErrorCode; message: string; retryAfterMs?: number | undefined },
  attempts: number,
  random?: () => number,
  baseMs?: number,
): Decision {
  switch (failure.code) {
    case 'auth':
      return {
        action: 'wait',
        until: 'reconnect',
        reason: `Zoho CRM no longer accepts the connection (${failure.message}): reconnect Zoho CRM; queued messages sync then`,
      };
    case 'rate_limited':
    case 'temporary': {
      if (attempts >= MAX_ATTEMPTS) {
        return {
          action: 'wait',
          until: 'reactivate',
          reason: `Zoho kept failing after ${attempts} attempts (${failure.message}); retried when the integration is activated again`,
        };
      }
      const delayMs = Math.max(failure.retryAfterMs ?? 0, backoffMs(attempts, random, baseMs));
      return {
        action: 'retry',
        delayMs,
        reason: `${failure.message}; retrying in ${Math.ceil(delayMs / 1000)} s`,
      };
    }
    case 'validation':
    case 'not_found':
    case 'permission':
      return {
        action: 'wait',
        until: 'reactivate',
        reason: `Zoho refused the write (${failure.message}): fix the settings or the CRM, then deactivate and activate again to retry`,
      };
  }
}
