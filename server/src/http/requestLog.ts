/**
 * One log line per HTTP request, with its request id and workspace id:
 *   {"level":30,"time":…,"requestId":"…","workspaceId":"…"|null,"method":"POST",
 *    "route":"/webhooks/timelines/:token","status":200,"ms":1.9,"msg":"request"}
 *
 * The request id is the caller's `X-Request-Id` when it is sane (1–128 of A–Z a–z 0–9 . _ : -; the
 * proxy sets one), else a new UUID; it is echoed in the answer's `X-Request-Id`. The route never
 * carries a token or a query string: the webhook's secret path segment is replaced by `:token`, and
 * the OAuth callback's code and state are in its query. Probes and scrapes log at debug level.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';

export interface RequestContext {
  requestId: string;
  workspaceId: string | undefined;
}

const contexts = new WeakMap<IncomingMessage, RequestContext>();
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

/** The request's id ('-' outside the request logger, e.g. in unit tests of a route). */
export function requestIdOf(req: IncomingMessage): string {
  return contexts.get(req)?.requestId ?? '-';
}

/** Names the workspace a request is for, once it is known (webhook token, session). */
export function setRequestWorkspace(req: IncomingMessage, workspaceId: string | undefined): void {
  const ctx = contexts.get(req);
  if (ctx && workspaceId) ctx.workspaceId = workspaceId;
}

/** The route as logged: no query, no webhook token, bounded length. */
export function routeOf(url: string | undefined): string {
  const path = (url ?? '')
    .split('?')[0]!
    .replace(/^\/webhooks\/timelines\/[^/]+/i, '/webhooks/timelines/:token');
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** Wraps the server's handler: assigns the request id, and logs the request when it ends. */
export function requestLogger(
  log: Logger,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
    const ctx: RequestContext = { requestId, workspaceId: undefined };
    contexts.set(req, ctx);
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    // Read now: routers mounted under a prefix (the sandbox's /zoho) rewrite req.url on the way.
    const route = routeOf(req.url);
    let logged = false;
    const done = (aborted: boolean) => {
      if (logged) return;
      logged = true;
      // Admin API requests carry their workspace in the session (http/sessions.ts).
      const session = (req as IncomingMessage & { session?: { wid?: string } }).session;
      const line = {
        requestId,
        workspaceId: ctx.workspaceId ?? session?.wid ?? null,
        method: req.method,
        route,
        status: aborted ? null : res.statusCode,
        ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
      };
      const level = QUIET.has(route) && !aborted && res.statusCode < 500 ? 'debug' : 'info';
      log[level](line, aborted ? 'request aborted' : 'request');
    };
    res.once('finish', () => done(false));
    res.once('close', () => done(!res.writableFinished));
    next();
  };
}
