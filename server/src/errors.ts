/**
 * The domain's error: a problem a person can act on, named by its kind. Services throw it; the HTTP
 * layer (http/errors.ts) is the one place that turns a kind into a status code.
 */
export type ProblemKind =
  /** the request itself is wrong (a bad value, a missing choice) */
  | 'invalid'
  /** no valid session */
  | 'unauthenticated'
  /** a valid session that may not do this (not the owner) */
  | 'forbidden'
  | 'not_found'
  /** not now: the state forbids it (active integration, a run in progress) */
  | 'conflict'
  /** understood, but refused by the rules or by Zoho's data rules (a mandatory field) */
  | 'unprocessable'
  | 'too_large'
  | 'rate_limited'
  /** a dependency (Zoho, TimelinesAI, the store) cannot answer now: try again later */
  | 'unavailable'
  /** a dependency answered something unusable */
  | 'upstream'
  | 'internal';

export class Problem extends Error {
  override readonly name = 'Problem';

  constructor(
    readonly kind: ProblemKind,
    readonly code: string,
    message: string,
    /** the setting or input field to blame, when one is */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const isProblem = (e: unknown): e is Problem => e instanceof Problem;
