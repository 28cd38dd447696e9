/**
 * The HTTP server's socket side: its deadlines against slow clients, binding the port, and the answer
 * given to everything but the probes while the connector starts.
 */
import http, { type RequestListener } from 'node:http';

export interface HttpTimeouts {
  /** to receive a request's headers, from the connection or the previous request */
  headersMs: number;
  /** to receive a whole request, body included */
  requestMs: number;
  /** an idle kept-alive connection stays open this long */
  keepAliveMs: number;
  /** how often the deadlines above are checked */
  checkIntervalMs: number;
}

/**
 * Slow clients must not hold connections: Node's defaults (headers 60 s, request 5 min, checked
 * every 30 s) let 2,000 trickling connections stay open for minutes. A webhook (at most 1 MB) or
 * an admin call is received in far less than these, so they cost the genuine traffic nothing.
 */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
  checkIntervalMs: 1_000,
};

/** An HTTP server with the deadlines above. */
export function createHttpServer(t: HttpTimeouts): http.Server {
  return http.createServer({
    headersTimeout: t.headersMs,
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    connectionsCheckingInterval: t.checkIntervalMs,
  });
}

/** Requests other than the probes while the connector starts. */
export const notYet: RequestListener = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
  res.end(
    JSON.stringify({ error: { code: 'STARTING', message: 'The connector is starting: try again shortly.' } }),
  );
};

export function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
