/**
 * API errors: every failure answers `{"error":{"code","message"}}` (plus `field` when one setting
 * is to blame) with a fitting status. Messages are written for the person who has to act. The one
 * place where a domain problem's kind becomes an HTTP status.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { Problem, type ProblemKind } from '../errors.js';
import type { Logger } from '../log.js';
import { requestIdOf } from './requestLog.js';

export const STATUS_OF: Record<ProblemKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  upstream: 502,
  unavailable: 503,
};

export const notFound: RequestHandler = (req, _res, next) => {
  next(new Problem('not_found', 'NOT_FOUND', `No such endpoint: ${req.method} ${req.path}`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

type Answer = { status: number; error: { code: string; message: string; field?: string } };

/** `onError` hears the code of every error answered (metrics). */
export function errorHandler(log: Logger, onError?: (code: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) return;
    const answer = answerFor(err);
    if (answer.status >= 500 && !(err instanceof Problem))
      log.error({ err, requestId: requestIdOf(req), path: req.path, method: req.method }, 'unhandled error');
    onError?.(answer.error.code);
    res.status(answer.status).json({ error: answer.error });
  };
}

function answerFor(err: unknown): Answer {
  if (err instanceof Problem) {
    return {
      status: STATUS_OF[err.kind],
      error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) },
    };
  }
  // body-parser errors carry a `type`; answer them as the client's fault, with what to do.
  const bp = err as BodyParserError;
  if (bp?.type === 'entity.too.large')
    return { status: 413, error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is over 1 MB.' } };
  if (bp?.type === 'entity.parse.failed') {
    return {
      status: 400,
      error: { code: 'INVALID_JSON', message: 'The request body is not valid JSON: send a JSON object.' },
    };
  }
  if (typeof bp?.status === 'number' && bp.status >= 400 && bp.status < 500)
    return { status: bp.status, error: { code: 'BAD_REQUEST', message: bp.message ?? 'Bad request' } };
  return { status: 500, error: { code: 'INTERNAL', message: 'Internal error; it has been logged.' } };
}
