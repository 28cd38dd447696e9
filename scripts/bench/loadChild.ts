/**
 * The load generators, each a child process of the benchmark (so the connector's figures are its
 * own): `send` posts the whole workload over HTTP, N at a time (optionally paced, retrying each
 * message until it is acknowledged, as TimelinesAI retries); `intake` is autocannon at a fixed number
 * of connections for a fixed time, each request a new message. Both write their result as JSON.
 *
 *   node --import tsx scripts/bench/loadChild.ts <spec.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { IntakeResult, IntakeSpec, SendResult, SendSpec } from './load.js';
import { percentile } from './measure.js';
import { payloadsOf } from './workload.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function send(spec: SendSpec): Promise<SendResult> {
  const { payloads } = payloadsOf(spec.conversation, spec.prefix);
  const bodies = payloads.map((p) => JSON.stringify(p));
  const ids = payloads.map((p) => p.message.message_uid);
  const statuses: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const acks: Record<string, number> = {};
  const lat: number[] = [];
  let next = 0;
  let attempts = 0;
  let unacknowledged = 0;
  const startedAt = Date.now();
  const deadline = startedAt + (spec.deadlineMs ?? 30 * 60_000);
  /** One delivery; false when it should be tried again. */
  const post = async (i: number): Promise<boolean> => {
    attempts += 1;
    const t = performance.now();
    try {
      const res = await fetch(spec.webhookUrls[i % spec.webhookUrls.length]!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bodies[i]!,
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json().catch(() => ({}))) as { outcome?: string };
      lat.push(performance.now() - t);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status !== 200) return false;
      const o = body.outcome ?? 'unknown';
      outcomes[o] = (outcomes[o] ?? 0) + 1;
      acks[ids[i]!] ??= Date.now();
      return true;
    } catch {
      statuses.error = (statuses.error ?? 0) + 1;
      return false;
    }
  };
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= bodies.length) return;
        if (spec.ratePerSec) {
          const due = startedAt + (i / spec.ratePerSec) * 1000;
          if (due > Date.now()) await sleep(due - Date.now());
        }
        let delay = 100;
        while (!(await post(i))) {
          if (!spec.retryUntilAcked || Date.now() > deadline) {
            unacknowledged += 1;
            break;
          }
          await sleep(delay);
          delay = Math.min(2000, delay * 2);
        }
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return {
    sent: bodies.length,
    attempts,
    unacknowledged,
    statuses,
    outcomes,
    acks,
    startedAt,
    endedAt: Date.now(),
    latencyMs: { p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? 0 },
  };
}

async function intake(spec: IntakeSpec): Promise<IntakeResult> {
  const specifier = 'autocannon'; // untyped package
  const { default: autocannon } = (await import(specifier)) as {
    default: (opts: Record<string, unknown>) => Promise<Record<string, unknown>>;
  };
  const { payloads } = payloadsOf(spec.conversation, spec.prefix);
  const bodies = payloads.map((p) => JSON.stringify(p));
  const ids = payloads.map((p) => p.message.message_uid);
  const acked = new Set<string>();
  let next = 0;
  // Ready: the parent starts its probes, then says go.
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.('ready');
  });
  const startedAt = Date.now();
  const r = await autocannon({
    url: spec.webhookUrl,
    connections: spec.connections,
    pipelining: 1,
    duration: spec.seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
          const i = next++ % bodies.length;
          context.i = i;
          return { ...req, body: bodies[i] };
        },
        onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
          if (status === 200) acked.add(ids[context.i as number]!);
        },
      },
    ],
  });
  const endedAt = Date.now();
  // Done: the parent reads this process's CPU while it still exists, then says go.
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.('done');
  });
  const latency = r.latency as Record<string, number>;
  const requests = r.requests as Record<string, number>;
  return {
    requests: requests.total ?? 0,
    requestsPerSec: requests.average ?? 0,
    latencyMs: {
      p50: latency.p50 ?? 0,
      p90: latency.p90 ?? 0,
      p99: latency.p99 ?? 0,
      max: latency.max ?? 0,
      mean: latency.average ?? 0,
    },
    non2xx: Number(r.non2xx ?? 0),
    errors: Number(r.errors ?? 0),
    timeouts: Number(r.timeouts ?? 0),
    acked: [...acked],
    started: next,
    startedAt,
    endedAt,
  };
}

const file = process.argv[2];
if (file) {
  const spec = JSON.parse(readFileSync(file, 'utf8')) as
    (SendSpec & { role: 'send' }) | (IntakeSpec & { role: 'intake' });
  const result = spec.role === 'send' ? await send(spec) : await intake(spec);
  writeFileSync(spec.resultFile, JSON.stringify(result));
  process.exit(0);
}
