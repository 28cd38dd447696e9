/**
 * Zoho's failures while an admin reads or changes something, as problems the admin can act on (the
 * sync's failures go to the retry policy instead).
 */
import { Problem, type ProblemKind } from '../errors.js';
import { isZohoError, type ZohoErrorCode } from '../zoho/errors.js';

const KIND_OF: Record<ZohoErrorCode, ProblemKind> = {
  auth: 'unauthenticated',
  permission: 'forbidden',
  not_found: 'not_found',
  validation: 'unprocessable',
  rate_limited: 'unavailable',
  temporary: 'unavailable',
};

/** Runs `fn`; a Zoho failure becomes a Problem naming Zoho's code and what to do. */
export async function asAdminProblem<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isZohoError(e)) throw e;
    const hint =
      e.code === 'auth'
        ? 'Reconnect Zoho CRM.'
        : e.code === 'rate_limited' || e.code === 'temporary'
          ? 'Try again in a minute.'
          : '';
    throw new Problem(
      KIND_OF[e.code],
      `ZOHO_${e.code.toUpperCase()}`,
      `Zoho answered ${e.zohoCode ?? e.code}: ${e.message}. ${hint}`.trim(),
      e.field,
    );
  }
}
