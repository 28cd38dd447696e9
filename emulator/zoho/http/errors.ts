/** Zoho's error answers and the response helpers shared by the accounts and CRM halves. */
import type { Request, Response } from 'express';

/** A whole-call Zoho error: `{"code","details","message","status":"error"}` with an HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
  body(): Record<string, unknown> {
    return { code: this.code, details: this.details, message: this.message, status: 'error' };
  }
}

export const Errors = {
  invalidToken: () => new ApiError(401, 'INVALID_TOKEN', 'invalid oauth token'),
  authFailure: () => new ApiError(401, 'AUTHENTICATION_FAILURE', 'Authentication failed'),
  scope: () => new ApiError(401, 'OAUTH_SCOPE_MISMATCH', 'invalid oauth scope to access this URL'),
  noPermission: (permissions: string[]) =>
    new ApiError(403, 'NO_PERMISSION', 'permission denied', { permissions }),
  invalidModule: (index = 0) =>
    new ApiError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', {
      resource_path_index: index,
    }),
  invalidUrl: () =>
    new ApiError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one'),
  invalidMethod: () =>
    new ApiError(405, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one'),
  paramMissing: (param: string) =>
    new ApiError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
      param_name: param,
    }),
  invalidParam: (param: string, message = 'invalid data') =>
    new ApiError(400, 'INVALID_DATA', message, { param_name: param }),
  tooMany: () =>
    new ApiError(
      429,
      'TOO_MANY_REQUESTS',
      'There are too many requests from this organization. Please try again later.',
    ),
  limit: (limit: number, extra: Record<string, unknown> = {}) =>
    new ApiError(400, 'LIMIT_EXCEEDED', 'the permitted limit exceeded', { limit, ...extra }),
  invalidBody: () =>
    new ApiError(400, 'INVALID_DATA', 'invalid data', {
      expected_data_type: 'jsonarray',
      api_name: 'data',
      json_path: '$.data',
    }),
  invalidId: (index: number) =>
    new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: index }),
};

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json;charset=UTF-8').send(JSON.stringify(body));
}

export function sendNoContent(res: Response): void {
  res.status(204).end();
}

export function sendError(res: Response, e: ApiError): void {
  sendJson(res, e.httpStatus, e.body());
}

/** Query parameter as a single string (first value). */
export function q(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : undefined;
}
