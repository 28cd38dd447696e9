/**
 * The emulator's HTTP plumbing: TimelinesAI's envelopes (`{"status":"ok","data":…}` and
 * `{"status":"error","message":…}`), the per-IP rate limit of its proxy, scripted failures and
 * latency for tests, and bearer-token authentication.
 */
import type { NextFunction, Request, Response } from 'express';
import type { TimelinesState } from './state.js';
import type { Injection, WorkspaceRec } from './types.js';

export function sendOk(res: Response, data: unknown, status = 200): void {
  res.status(status).json({ status: 'ok', data });
}

export function sendError(res: Response, status: number, message: string): void {
  res.status(status).json({ status: 'error', message });
}

/** Thrown by handlers; rendered as TimelinesAI's error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What nginx answers when its `limit_req` rejects a request: HTML, no Retry-After. */
const NGINX_429 =
  '<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

function proxyPage(status: number): string {
  return `<html><head><title>${status}</title></head><body><center><h1>${status}</h1></center><hr><center>nginx</center></body></html>`;
}

/**
 * TimelinesAI: 30 requests/s per IP; up to 10 more wait for capacity; beyond that, 429.
 * A token bucket whose balance may go negative by the number of waiting requests.
 */
export function rateLimiter(limit: () => { perSecond: number; burst: number } | null, now: () => number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (req: Request, res: Response, next: NextFunction): void => {
    const cfg = limit();
    if (!cfg) return next();
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const t = now();
    const b = buckets.get(ip) ?? { tokens: cfg.perSecond, at: t };
    b.tokens = Math.min(cfg.perSecond, b.tokens + ((t - b.at) * cfg.perSecond) / 1000);
    b.at = t;
    buckets.set(ip, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return next();
    }
    if (b.tokens - 1 < -cfg.burst) {
      res.status(429).type('text/html').send(NGINX_429);
      return;
    }
    b.tokens -= 1;
    setTimeout(next, Math.ceil((-b.tokens * 1000) / cfg.perSecond));
  };
}

export function latency(ms: () => number) {
  return (_req: Request, _res: Response, next: NextFunction): void => {
    const delay = ms();
    if (delay > 0) setTimeout(next, delay);
    else next();
  };
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Bad request',
  401: 'Invalid or expired token',
  402: 'Message sending quota exceeded',
  403: 'Access denied',
  404: 'Not found',
  429: 'Too many requests',
  500: 'Internal server error',
};

/** Answers the next matching requests with the scripted failure. */
export function injections(list: Injection[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const i = list.findIndex(
      (inj) =>
        inj.remaining > 0 &&
        (inj.pathIncludes === undefined || req.originalUrl.includes(inj.pathIncludes)) &&
        (inj.method === undefined || inj.method.toUpperCase() === req.method),
    );
    const inj = list[i];
    if (!inj) return next();
    inj.remaining -= 1;
    if (inj.remaining === 0) list.splice(i, 1);
    if (inj.retryAfterSec !== undefined) res.setHeader('Retry-After', String(inj.retryAfterSec));
    if (inj.html) {
      res
        .status(inj.status)
        .type('text/html')
        .send(inj.status === 429 ? NGINX_429 : proxyPage(inj.status));
      return;
    }
    sendError(res, inj.status, inj.message ?? DEFAULT_MESSAGES[inj.status] ?? `HTTP ${inj.status}`);
  };
}

/** `Authorization: Bearer <token>` → the token's workspace in `res.locals.ws`, else 401. */
export function authenticate(state: TimelinesState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    const ws = m ? state.workspaceOfToken(m[1]!) : undefined;
    if (!ws) return sendError(res, 401, 'Invalid or expired token');
    ws.apiCalls += 1;
    res.locals.ws = ws;
    next();
  };
}

export function workspaceOf(res: Response): WorkspaceRec {
  return res.locals.ws as WorkspaceRec;
}
