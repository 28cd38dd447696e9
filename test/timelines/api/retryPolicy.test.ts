// jobs/retryPolicy decides TimelinesAI failures too: what waits for whom, what is retried, and that a
// send with an unknown outcome is never repeated automatically. Zoho's decisions are unchanged.
import { describe, expect, it } from 'vitest';
import { decide, MAX_ATTEMPTS, type Decision } from '../../../server/src/jobs/retryPolicy.js';
import { TimelinesError, type TimelinesErrorCode } from '../../../server/src/timelines/api/errors.js';

const half = () => 0.5;
const tl = (code: TimelinesErrorCode, extra: { retryAfterMs?: number; outcomeUnknown?: boolean } = {}) =>
  new TimelinesError(`problem ${code}`, { code, ...extra });

describe('retry policy for TimelinesAI failures', () => {
  it('waits for the admin or the rep where only they can help', () => {
    const waits: Array<[TimelinesErrorCode, Decision['action'], string]> = [
      ['auth', 'wait', 'timelines_token'],
      ['account_disconnected', 'wait', 'timelines_account'],
      ['quota_exhausted', 'wait', 'timelines_quota'],
      ['validation', 'wait', 'reactivate'],
      ['not_found', 'wait', 'reactivate'],
      ['permission', 'wait', 'reactivate'],
    ];
    for (const [code, action, until] of waits) {
      expect(decide(tl(code), 1), code).toEqual({ action, until, reason: `problem ${code}` });
    }
  });

  it('retries rate limits and temporary failures with backoff, honouring Retry-After', () => {
    expect(decide(tl('temporary'), 3, half, 1000)).toEqual({
      action: 'retry',
      delayMs: 4000,
      reason: 'problem temporary; retrying in 4 s',
    });
    expect(decide(tl('rate_limited', { retryAfterMs: 9000 }), 1, half, 1000)).toMatchObject({
      delayMs: 9000,
    });
    expect(decide(tl('temporary'), MAX_ATTEMPTS)).toMatchObject({ action: 'wait', until: 'reactivate' });
    expect(decide(tl('temporary'), MAX_ATTEMPTS).reason).toMatch(
      /^TimelinesAI kept failing after 15 attempts/,
    );
  });

  it('never repeats a send whose outcome is unknown', () => {
    const d = decide(tl('temporary', { outcomeUnknown: true }), 1);
    expect(d).toMatchObject({ action: 'wait', until: 'reactivate' });
    expect(d.reason).toMatch(/cannot get it twice/);
  });

  it("keeps Zoho's decisions", () => {
    expect(decide({ code: 'auth', message: 'INVALID_TOKEN' }, 1)).toMatchObject({
      action: 'wait',
      until: 'reconnect',
    });
    expect(decide({ code: 'temporary', message: 'x' }, MAX_ATTEMPTS).reason).toMatch(/^Zoho kept failing/);
    expect(decide({ service: 'zoho', code: 'permission', message: 'NO_PERMISSION' }, 1)).toMatchObject({
      action: 'wait',
      until: 'reactivate',
    });
  });
});
