/**
 * A TimelinesAI emulator on a random port with one workspace, one connected WhatsApp account and a
 * token, a TimelinesClient pointed at it, and a local webhook receiver.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createTimelinesEmulator,
  type AccountRec,
  type TimelinesEmulator,
  type TimelinesEmulatorOptions,
  type WorkspaceRec,
} from '../../emulator/timelines/index.js';
import { TimelinesClient, type TimelinesClientOptions } from '../../server/src/timelines/api/index.js';
import { TimelinesPacing } from '../../server/src/timelines/api/pacing.js';

export interface TimelinesSetup {
  emu: TimelinesEmulator;
  ws: WorkspaceRec;
  account: AccountRec;
  token: string;
  apiUrl: string;
  pacing: TimelinesPacing;
  client: TimelinesClient;
  /** Another client of the same workspace (same pacing), with options of its own. */
  clientWith(opts: Partial<TimelinesClientOptions>): TimelinesClient;
  close(): Promise<void>;
}

export async function startTimelines(
  opts: TimelinesEmulatorOptions & { quota?: number; pacing?: TimelinesPacing } = {},
): Promise<TimelinesSetup> {
  const emu = createTimelinesEmulator({ sendIntervalMs: 0, rateLimit: null, ...opts });
  const ws = emu.createWorkspace({
    quota: opts.quota ?? 1000,
    ownerName: 'Agent Brown',
    ownerEmail: 'agent@example.com',
  });
  const account = emu.addAccount(ws.id, {
    phone: '+34600000001',
    ownerName: 'Agent Brown',
    ownerEmail: 'agent@example.com',
  });
  const token = emu.issueToken(ws.id);
  const server = await emu.listen(0);
  const pacing = opts.pacing ?? new TimelinesPacing({ sendIntervalMs: 0, requestsPerSecond: 10_000 });
  const clientWith = (o: Partial<TimelinesClientOptions>) =>
    new TimelinesClient({ token, baseUrl: server.apiUrl, pacing, timeoutMs: 5_000, ...o });
  return {
    emu,
    ws,
    account,
    token,
    apiUrl: server.apiUrl,
    pacing,
    client: clientWith({}),
    clientWith,
    async close() {
      await emu.idle();
      await server.close();
    },
  };
}

export interface Received {
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status (and optional delay) of the next answers; default 200 at once. */
  respondWith(status: number, delayMs?: number): void;
  close(): Promise<void>;
}

/** A local webhook endpoint recording every JSON body it gets. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let status = 200;
  let delayMs = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')), headers: req.headers });
      const answer = () => res.writeHead(status).end('ok');
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    respondWith(s, d = 0) {
      status = s;
      delayMs = d;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A server answering every request with a fixed status, content type and body (odd answers). */
export async function startFixedServer(
  answer: () => { status: number; body: string; type?: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answer();
      res.writeHead(a.status, { 'content-type': a.type ?? 'application/json' }).end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/integrations/api`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The set of key paths of a JSON value (`message.sender.full_name`, `message.attachments[].size` …). */
export function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length > 0 ? keyPaths(value[0], `${prefix}[]`) : [`${prefix}[]`];
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value as Record<string, unknown>)
    .flatMap(([k, v]) => [
      `${prefix}${prefix ? '.' : ''}${k}`,
      ...keyPaths(v, `${prefix}${prefix ? '.' : ''}${k}`),
    ])
    .filter((p, i, all) => all.indexOf(p) === i)
    .sort();
}
