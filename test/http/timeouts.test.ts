/**
 * Finding: with Node's default timeouts 2,000 slow connections were held open for minutes. The
 * server closes connections that trickle their headers or body, or say nothing at all, and idle
 * kept-alive ones. Short timeouts here; each test waits for the server to close the sockets.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_TIMEOUTS } from '../../server/src/server.js';
import { connectAndActivate, postWebhook, startSandbox, type Harness } from '../helpers/harness.js';
import { message } from '../helpers/messages.js';

interface Slow {
  closed: Promise<string>;
  stop(): void;
}

/** Opens a connection that writes `first`, then one more chunk every 50 ms until closed. */
function slowClient(port: number, first: string, trickle: string | undefined): Slow {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    if (first) socket.write(first);
    if (trickle) timer = setInterval(() => socket.writable && socket.write(trickle), 50);
  });
  socket.on('data', (d) => (received += d.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(received);
    }),
  );
  return {
    closed,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

describe('HTTP server timeouts', () => {
  let h: Harness;
  let port: number;

  beforeAll(async () => {
    h = await startSandbox(
      {},
      { httpTimeouts: { headersMs: 400, requestMs: 1500, keepAliveMs: 300, checkIntervalMs: 50 } },
    );
    port = Number(new URL(h.url).port);
  });
  afterAll(async () => {
    await h.close();
  });

  it('has defaults far below Node’s minutes', () => {
    expect(DEFAULT_HTTP_TIMEOUTS.headersMs).toBeLessThanOrEqual(10_000);
    expect(DEFAULT_HTTP_TIMEOUTS.requestMs).toBeLessThanOrEqual(30_000);
  });

  it('closes connections that trickle their headers, or send nothing', async () => {
    const clients = Array.from({ length: 50 }, (_, i) =>
      i % 5 === 0
        ? slowClient(port, '', undefined)
        : slowClient(
            port,
            'POST /webhooks/timelines/abcdefghijklmnop1234 HTTP/1.1\r\nHost: x\r\n',
            'X-Slow: 1\r\n',
          ),
    );
    const answers = await Promise.all(clients.map((c) => c.closed));
    // Closed by the server (the clients never stop on their own), with 408 Request Timeout.
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 408'))).toHaveLength(50);
  });

  it('closes a connection that trickles its body', async () => {
    const head =
      'POST /webhooks/timelines/abcdefghijklmnop1234 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{';
    const client = slowClient(port, head, ' ');
    const answer = await client.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408|^$/);
  });

  it('closes an idle kept-alive connection after answering', async () => {
    const client = slowClient(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', undefined);
    const answer = await client.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toMatch(/keep-alive/i);
  });

  it('still answers webhooks as before', async () => {
    const s = await connectAndActivate(h.url);
    const res = await postWebhook(s.webhookUrl!, message({ uid: 'timeouts-ok' }));
    expect(res).toMatchObject({ status: 200, body: { status: 'ok', outcome: 'queued' } });
  });
});
