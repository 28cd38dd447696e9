/** Request bodies: JSON whatever the Content-Type, multipart uploads, accounts form fields. */
import type { Request, Response } from 'express';
import { Readable } from 'node:stream';
import multer from 'multer';
import { ApiError } from './errors.js';

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

/** A multipart body received whole before the call was worked on (parsed later by `multipart`). */
const receivedMultipart = new WeakMap<Request, Buffer>();

/**
 * Reads a request's whole body before the call is worked on: as on Zoho, a write whose request
 * arrived lands even when the client goes away while it waits (latency, a spike, a hold); its answer
 * is what is lost. False when the client went away before the body was whole (nothing to work on).
 */
export async function receiveBody(req: Request): Promise<boolean> {
  if (req.readableEnded) return true;
  try {
    if (req.is('multipart/form-data'))
      receivedMultipart.set(req, await readRaw(req, MAX_ATTACHMENT_BYTES + 1024 * 1024));
    else (req as { body?: unknown }).body = await readRaw(req, 50 * 1024 * 1024);
    return true;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    return false;
  }
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
  // A body already received (receiveBody) is parsed from its bytes: the connection may be gone.
  const raw = receivedMultipart.get(req);
  const source: Request = raw
    ? (Object.assign(Readable.from([raw]), { headers: req.headers }) as unknown as Request)
    : req;
  return new Promise((resolve, reject) => {
    upload.any()(source, res, (err: unknown) => {
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
      const files = ((source as unknown as { files?: UploadedFile[] }).files ?? []).slice();
      const body = (source as { body?: Record<string, unknown> }).body ?? {};
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
