/** HTTP helpers shared by the accounts and CRM halves of the emulator. */
import type { Request, Response } from 'express';
import multer from 'multer';

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

async function readRaw(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer | string>) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    size += b.length;
    if (size > limit) throw new ApiError(413, 'REQUEST_ENTITY_TOO_LARGE', 'request entity too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * JSON body, whatever the Content-Type (the SDK sends none). Uses a body already parsed by the host
 * app when there is one. Undefined when empty.
 */
export async function jsonBody(req: Request): Promise<unknown> {
  const pre = (req as { body?: unknown }).body;
  if (
    pre !== undefined &&
    pre !== null &&
    !Buffer.isBuffer(pre) &&
    typeof pre === 'object' &&
    Object.keys(pre).length > 0
  )
    return pre;
  if (typeof pre === 'string' && pre.length > 0) return parseJson(pre);
  if (Buffer.isBuffer(pre)) return pre.length ? parseJson(pre.toString('utf8')) : undefined;
  if (req.readableEnded) return undefined;
  const raw = await readRaw(req, 50 * 1024 * 1024);
  if (raw.length === 0) return undefined;
  return parseJson(raw.toString('utf8'));
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new ApiError(400, 'INVALID_DATA', 'body', { expected_data_type: 'json' });
  }
}

export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 5, fields: 50 },
});

export interface UploadedFile {
  fieldname: string;
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

/** Parses a multipart body (files and fields). */
export function multipart(
  req: Request,
  res: Response,
): Promise<{ files: UploadedFile[]; fields: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    upload.any()(req, res, (err: unknown) => {
      if (err) {
        const code = (err as { code?: string }).code;
        if (code === 'LIMIT_FILE_SIZE') {
          reject(
            new ApiError(
              400,
              'FILE_SIZE_MORE_THAN_ALLOWED_SIZE',
              'The file size exceeds the permitted limit',
              { maximum_size: '100MB' },
            ),
          );
        } else
          reject(
            new ApiError(400, 'INVALID_DATA', 'invalid data', {
              reason: String((err as Error).message ?? err),
            }),
          );
        return;
      }
      const files = ((req as unknown as { files?: UploadedFile[] }).files ?? []).slice();
      const body = (req as { body?: Record<string, unknown> }).body ?? {};
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(body)) if (typeof v === 'string') fields[k] = v;
      resolve({ files, fields });
    });
  });
}

/** Form fields of an accounts request: query, urlencoded or multipart, merged (body wins). */
export async function formFields(req: Request, res: Response): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>))
    if (typeof v === 'string') out[k] = v;
  const ct = String(req.headers['content-type'] ?? '');
  if (ct.startsWith('multipart/form-data')) {
    const { fields } = await multipart(req, res);
    Object.assign(out, fields);
  } else {
    const pre = (req as { body?: unknown }).body;
    if (pre && typeof pre === 'object' && !Buffer.isBuffer(pre)) {
      for (const [k, v] of Object.entries(pre as Record<string, unknown>))
        if (typeof v === 'string') out[k] = v;
    } else if (!req.readableEnded) {
      const raw = (await readRaw(req, 1024 * 1024)).toString('utf8');
      if (ct.includes('json')) {
        try {
          for (const [k, v] of Object.entries(JSON.parse(raw) as Record<string, unknown>))
            if (typeof v === 'string') out[k] = v;
        } catch {
          /* ignore: Zoho answers with its own errors for missing fields */
        }
      } else {
        for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
      }
    }
  }
  return out;
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
