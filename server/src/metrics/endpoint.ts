/**
 * `GET /metrics`: Prometheus' text format, for a scraper holding METRICS_TOKEN as a bearer token.
 * Without METRICS_TOKEN the endpoint does not exist (404 like any unknown path): the metrics name
 * workspaces and volumes, which are nobody else's business. Served on the main port, before
 * Express, so that every replica behind the proxy can be scraped directly on the private network;
 * the proxy itself does not publish /metrics (deploy/Caddyfile).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { Metrics } from './metrics.js';

export function metricsEndpoint(
  metrics: Metrics,
  token: string | undefined,
  log: Logger,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const expected = token === undefined ? undefined : digest(token);
  return (req, res) => {
    if (expected === undefined || req.method !== 'GET') return false;
    if ((req.url ?? '').split('?')[0] !== '/metrics') return false;
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    // Digests compared in constant time: the answer time says nothing about the token.
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      res.writeHead(401, {
        'content-type': 'application/json; charset=utf-8',
        'www-authenticate': 'Bearer realm="metrics"',
      });
      res.end(
        JSON.stringify({
          error: {
            code: 'UNAUTHENTICATED',
            message: 'Send METRICS_TOKEN as `Authorization: Bearer <token>`.',
          },
        }),
      );
      return true;
    }
    metrics.exposition().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      },
      (err: unknown) => {
        log.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(
          JSON.stringify({ error: { code: 'INTERNAL', message: 'Internal error; it has been logged.' } }),
        );
      },
    );
    return true;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
