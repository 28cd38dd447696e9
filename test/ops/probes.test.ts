/**
 * /healthz and /readyz: the connector's probes, and the readiness rules behind them (starting,
 * running, shutting down, a failing or hanging check).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { allReady, Lifecycle, probeEndpoint, type Readiness } from '../../server/src/http/probes.js';
import { startSandbox, type Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
const servers: http.Server[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function probeServer(readiness: Readiness): Promise<string> {
  const probes = probeEndpoint(readiness);
  const server = http.createServer((req, res) => {
    if (!probes(req, res)) {
      res.writeHead(418);
      res.end();
    }
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('probes of the running connector', () => {
  it('answers /healthz ok and /readyz ready once started, without caching', async () => {
    harness = await startSandbox();
    const health = await fetch(`${harness.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${harness.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('takes its readiness from the composition root', async () => {
    harness = await startSandbox(
      {},
      { readiness: async () => ({ ready: false, reason: 'migrations pending' }) },
    );
    const res = await fetch(`${harness.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not_ready', reason: 'migrations pending' });
    // liveness does not depend on readiness: a restart would not help
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
  });
});

describe('readiness rules', () => {
  it('is not ready while starting, ready when running, not ready again when stopping', async () => {
    const lifecycle = new Lifecycle();
    const url = await probeServer(allReady(lifecycle.readiness));
    const readyz = async () => {
      const res = await fetch(`${url}/readyz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await readyz()).toEqual({ status: 503, body: { status: 'not_ready', reason: 'starting' } });
    lifecycle.running();
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
    lifecycle.stopping();
    expect(await readyz()).toEqual({ status: 503, body: { status: 'not_ready', reason: 'shutting down' } });
    lifecycle.running(); // a stopping connector never becomes ready again
    expect((await readyz()).status).toBe(503);
  });

  it('gives the first failing check its reason and turns a thrown error into not ready', async () => {
    const lifecycle = new Lifecycle();
    lifecycle.running();
    let storeUp = false;
    const url = await probeServer(
      allReady(lifecycle.readiness, async () => {
        if (!storeUp) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return { ready: true };
      }),
    );
    let res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reason: string }).reason).toBe(
      'the readiness check failed: connect ECONNREFUSED 127.0.0.1:5432',
    );
    storeUp = true;
    res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
  });

  it('answers HEAD without a body and leaves other paths and methods alone', async () => {
    const url = await probeServer(async () => ({ ready: true }));
    const head = await fetch(`${url}/readyz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${url}/readyz`, { method: 'POST' })).status).toBe(418);
    expect((await fetch(`${url}/healthz/x`)).status).toBe(418);
    expect((await fetch(`${url}/healthz?verbose=1`)).status).toBe(200);
  });
});
