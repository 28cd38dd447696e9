/**
 * The one place that decides what a failure means for the work it touched (twenty's model):
 * retry later with backoff (rate limits honour the service's wait), wait for the admin (reconnect,
 * fix settings and reactivate, a new TimelinesAI token, a reconnected WhatsApp account, quota), never drop.
 */
import type { ZohoErrorCode } from '../zoho/errors.js';
import type { TimelinesErrorCode } from '../timelines/api/errors.js';

export type WaitReason =
  | 'reconnect' // Zoho CRM must be connected again
  | 'reactivate' // the admin fixes settings or the CRM and activates again
  | 'timelines_token' // an admin pastes a new TimelinesAI API token
  | 'timelines_account' // the WhatsApp account is reconnected in TimelinesAI
  | 'timelines_quota'; // the TimelinesAI quota renews or is topped up

export type Decision =
  | { action: 'retry'; delayMs: number; reason: string }
  | { action: 'wait'; reason: string; until: WaitReason };

export interface ZohoFailure {
  service?: 'zoho';
  code: ZohoErrorCode;
  message: string;
  retryAfterMs?: number | undefined;
}

export interface TimelinesFailure {
  service: 'timelines';
  code: TimelinesErrorCode;
  message: string;
  retryAfterMs?: number | undefined;
  /** A send that may have gone out: never repeated automatically (it could reach the customer twice). */
  outcomeUnknown?: boolean | undefined;
}

export type Failure = ZohoFailure | TimelinesFailure;

/** After this many consecutive temporary failures an event waits for the admin instead. */
export const MAX_ATTEMPTS = 15;

export function backoffMs(attempts: number, random: () => number = Math.random, baseMs = 1000): number {
  const base = Math.min(5 * 60_000, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.75 + random() * 0.5)); // jitter so retries of many events spread out
}

export function decide(failure: Failure, attempts: number, random?: () => number, baseMs?: number): Decision {
  if (failure.service === 'timelines') return decideTimelines(failure, attempts, random, baseMs);
  switch (failure.code) {
    case 'auth':
      return {
        action: 'wait',
        until: 'reconnect',
        reason: `Zoho CRM no longer accepts the connection (${failure.message}): reconnect Zoho CRM; queued messages sync then`,
      };
    case 'rate_limited':
    case 'temporary':
      return retryOrGiveUp('Zoho', failure, attempts, random, baseMs);
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

function decideTimelines(
  failure: TimelinesFailure,
  attempts: number,
  random?: () => number,
  baseMs?: number,
): Decision {
  if (failure.outcomeUnknown) {
    return {
      action: 'wait',
      until: 'reactivate',
      reason: `${failure.message} Not sent again automatically, so the customer cannot get it twice.`,
    };
  }
  switch (failure.code) {
    case 'auth':
      return { action: 'wait', until: 'timelines_token', reason: failure.message };
    case 'account_disconnected':
      return { action: 'wait', until: 'timelines_account', reason: failure.message };
    case 'quota_exhausted':
      return { action: 'wait', until: 'timelines_quota', reason: failure.message };
    case 'rate_limited':
    case 'temporary':
      return retryOrGiveUp('TimelinesAI', failure, attempts, random, baseMs);
    case 'validation':
    case 'not_found':
    case 'permission':
      return { action: 'wait', until: 'reactivate', reason: failure.message };
  }
}

function retryOrGiveUp(
  service: string,
  failure: Failure,
  attempts: number,
  random?: () => number,
  baseMs?: number,
): Decision {
  if (attempts >= MAX_ATTEMPTS) {
    return {
      action: 'wait',
      until: 'reactivate',
      reason: `${service} kept failing after ${attempts} attempts (${failure.message}); retried when the integration is activated again`,
    };
  }
  const delayMs = Math.max(failure.retryAfterMs ?? 0, backoffMs(attempts, random, baseMs));
  return {
    action: 'retry',
    delayMs,
    reason: `${failure.message}; retrying in ${Math.ceil(delayMs / 1000)} s`,
  };
}
