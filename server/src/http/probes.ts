/**
 * Probes for orchestrators and load balancers, served straight from node:http (like the webhook), so
 * they answer from the moment the port is bound, while the rest of the connector is still starting:
 *  - `GET /healthz`: the process is alive and its event loop turns, and its store can take writes:
 *    `{"status":"ok"}`, or 503 `{"status":"unavailable","reason"}` (a full disk, PostgreSQL gone).
 *  - `GET /readyz`: it should get traffic: `{"status":"ready"}`, or 503 `{"status":"not_ready","reason"}`
 *    while starting, shutting down, or when the readiness function (the store reachable, its
 *    migrations applied) says no. A check that hangs counts as not ready after 5 s.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ReadinessResult {
  ready: boolean;
  reason?: string;
}
export type Readiness = () => Promise<ReadinessResult>;

const CHECK_TIMEOUT_MS = 5000;

/** The connector's own phase: only `running` is ready. */
export class Lifecycle {
  #phase: 'starting' | 'running' | 'stopping' = 'starting';

  get phase(): 'starting' | 'running' | 'stopping' {
    return this.#phase;
  }
  running(): void {
    if (this.#phase === 'starting') this.#phase = 'running';
  }
  stopping(): void {
    this.#phase = 'stopping';
  }
  readonly readiness: Readiness = async () => {
    if (this.#phase === 'running') return { ready: true };
    return { ready: false, reason: this.#phase === 'starting' ? 'starting' : 'shutting down' };
  };
}

/** Ready when every check is; the first that is not gives the reason. Checks run one after the other. */
export function allReady(...checks: Readiness[]): Readiness {
  return async () => {
    for (const check of checks) {
      const result = await check();
      if (!result.ready) return result;
    }
    return { ready: true };
  };
}

/**
 * Answers /healthz and /readyz (GET or HEAD); returns false for every other request. `health`: what
 * /healthz checks besides the event loop turning (the store can take writes: a full disk answers 503
 * with the reason, and /healthz recovers by itself once it has room again).
 */
export function probeEndpoint(
  readiness: Readiness,
  health?: () => Promise<{ ok: boolean; reason?: string | undefined }>,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') {
      if (!health) send(req, res, 200, { status: 'ok' });
      else
        void health().then(
          (h) =>
            h.ok
              ? send(req, res, 200, { status: 'ok' })
              : send(req, res, 503, { status: 'unavailable', reason: h.reason ?? 'unavailable' }),
          (e: unknown) => send(req, res, 503, { status: 'unavailable', reason: (e as Error).message }),
        );
      return true;
    }
    if (path !== '/readyz') return false;
    void withTimeout(readiness()).then((r) =>
      r.ready
        ? send(req, res, 200, { status: 'ready' })
        : send(req, res, 503, { status: 'not_ready', reason: r.reason ?? 'not ready' }),
    );
    return true;
  };
}

async function withTimeout(check: Promise<ReadinessResult>): Promise<ReadinessResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ready: false, reason: `the readiness check took over ${CHECK_TIMEOUT_MS} ms` }),
      CHECK_TIMEOUT_MS,
    );
  });
  const guarded = check.catch((e: unknown) => ({
    ready: false,
    reason: `the readiness check failed: ${e instanceof Error ? e.message : String(e)}`,
  }));
  try {
    return await Promise.race([guarded, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}
