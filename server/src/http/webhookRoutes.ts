/**
 * `POST /webhooks/timelines/:token`. TimelinesAI cannot sign requests, so the unguessable token in
 * the URL is the credential. The body is parsed here with a 1 MB limit (413 beyond).
 *
 * This is the one hot endpoint (every WhatsApp message), so it is served straight from node:http,
 * in front of Express: on a 2-core machine Express's router and body parser cost about 6 times a
 * plain handler (≈ 400 µs against 70 µs of CPU a request), the difference between 1,500 webhooks a
 * second and far fewer. It answers exactly as the Express stack did: JSON `{"status":"ok",…}` or
 * `{"error":{"code","message"}}`, 400 INVALID_JSON, 413 PAYLOAD_TOO_LARGE, 500 INTERNAL (logged).
 * Anything else (another method, a malformed path) goes on to Express.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Intake } from '../jobs/intake.js';
import type { Logger } from '../log.js';
import { requestIdOf } from './requestLog.js';

/** What the composition root learns of each answered delivery (metrics, the request log). */
export type WebhookObserver = (answered: {
  req: IncomingMessage;
  /** the intake's outcome (queued, duplicate, skipped) or the error code, lower-case */
  outcome: string;
  seconds: number;
  workspaceId: string | undefined;
}) => void;

const PATH = /^\/webhooks\/timelines\/([^/?#]+)\/?(?:\?.*)?$/i;
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/** Returns a handler that answers webhook deliveries and returns false for every other request. */
export function webhookEndpoint(
  intake: Intake,
  log: Logger,
  observe?: WebhookObserver,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const answered = (outcome: string, workspaceId?: string) =>
      observe?.({ req, outcome, seconds: Number(process.hrtime.bigint() - started) / 1e9, workspaceId });
    if (req.method !== 'POST') return false;
    const m = PATH.exec(req.url ?? '');
    if (!m) return false;
    let token: string;
    try {
      token = decodeURIComponent(m[1]!);
    } catch {
      return false;
    }
    if (Number(req.headers['content-length']) > WEBHOOK_BODY_LIMIT) {
      tooLarge(req, res);
      answered('payload_too_large');
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > WEBHOOK_BODY_LIMIT) {
        over = true;
        tooLarge(req, res);
        answered('payload_too_large');
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) void answer(Buffer.concat(chunks, size));
    });
    const answer = async (raw: Buffer): Promise<void> => {
      let body: unknown;
      const text = raw.toString('utf8');
      if (text.trim() === '')
        body = {}; // as express.json() read an empty body
      else {
        try {
          body = JSON.parse(text);
        } catch {
          send(res, 400, {
            error: {
              code: 'INVALID_JSON',
              message: 'The request body is not valid JSON: send a JSON object.',
            },
          });
          answered('invalid_json');
          return;
        }
      }
      try {
        const result = await intake.receive(token, body);
        if (result.status === 200) {
          send(res, 200, {
            status: 'ok',
            outcome: result.outcome,
            ...(result.reason ? { reason: result.reason } : {}),
          });
          answered(result.outcome, result.workspaceId);
        } else {
          send(res, result.status, { error: { code: result.code, message: result.message } });
          answered(result.code.toLowerCase(), result.workspaceId);
        }
      } catch (err) {
        log.error(
          { err, requestId: requestIdOf(req), path: '/webhooks/timelines/:token', method: 'POST' },
          'unhandled error',
        );
        send(res, 500, { error: { code: 'INTERNAL', message: 'Internal error; it has been logged.' } });
        answered('internal');
      }
    };
    return true;
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** 413, then the connection is closed (the rest of the body is not read). */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('connection', 'close');
  send(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is over 1 MB.' } });
  req.resume();
}
