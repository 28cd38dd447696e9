/**
 * `npm run bench`: how many Zoho API credits the connector spends, how fast it syncs, and how fast
 * its webhook intake is, against the built-in emulator set up like a real org (150 ms a call, 10
 * concurrent calls, 429 beyond).
 *
 *   npm run bench                    # 20,000 messages, 2,000 chats, 14 days (a few minutes)
 *   npm run bench -- --quick         # 2,000 messages, 200 chats: under a minute
 *   npm run bench -- --store-scale   # intake and memory with 10k, 100k and 1M stored messages
 *   npm run bench -- --messages 50000 --chats 5000 --days 30 --latency 300 --cap 5
 *
 * Phases (each in a fresh sandbox: emulator in this process, connector on a random port):
 *  1. sync: the generated workload (attachments, group chats, renames, redeliveries) goes through the
 *     real webhook endpoint over HTTP from a child process; once everything is synced the CRM content
 *     is verified against the workload; Zoho calls are counted by the connector (every HTTP request the
 *     SDK makes, its silent metadata reads included) and by the emulator;
 *  2. intake: autocannon (child process) at a fixed number of connections, each request a new message,
 *     while the worker syncs them; every 200 is then checked on disk;
 *  3. --store-scale: the store is filled with N synced messages, then intake is measured again.
 * Exit code 1 when the verification fails. Results are printed and written to bench-results/.
 */
import { spawn } from 'node:child_process';
import type { Server as HttpServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../server/src/config.js';
import { createLogger } from '../server/src/log.js';
import { startServer, type RunningServer } from '../server/src/server.js';
import { Store } from '../server/src/store/store.js';
import type { QueuedEvent } from '../server/src/store/schema.js';
import { sweep } from '../server/src/jobs/housekeeping.js';
import { formatDayForTitle, localDay } from '../server/src/sync/dayGrouping.js';
import { toE164 } from '../server/src/sync/phone.js';
import { createZohoEmulator, SANDBOX_ORG_ID } from '../emulator/zoho/index.js';
import { sampleAttachment } from '../server/src/sandbox/messages.js';
import express from 'express';
import net from 'node:net';
import { connectAndActivate } from '../test/helpers/harness.js';
import { generateConversation, type ConversationOptions } from './conversations.js';

type Payload = ReturnType<typeof generateConversation>['payloads'][number];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'store-scale': { type: 'boolean', default: false },
    scales: { type: 'string' },
    messages: { type: 'string' },
    chats: { type: 'string' },
    days: { type: 'string' },
    attachments: { type: 'string', default: '0.05' },
    groups: { type: 'string', default: '0.1' },
    renames: { type: 'string', default: '0.2' },
    redeliveries: { type: 'string', default: '0.05' },
    latency: { type: 'string', default: '150' },
    cap: { type: 'string', default: '10' },
    'flush-window': { type: 'string' },
    senders: { type: 'string', default: '16' },
    connections: { type: 'string', default: '16' },
    'intake-seconds': { type: 'string' },
    'no-intake': { type: 'boolean', default: false },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: 'bench-results' },
    // internal: the load generators run as child processes of the benchmark
    child: { type: 'string' },
    spec: { type: 'string' },
  },
});

const SELF = fileURLToPath(import.meta.url);
const MB = 1024 * 1024;

// ------------------------------------------------------------------------------------ children

interface SendSpec {
  webhookUrl: string;
  conversation: ConversationOptions;
  textPrefix: string;
  concurrency: number;
  resultFile: string;
}

interface SendResult {
  sent: number;
  statuses: Record<string, number>;
  outcomes: Record<string, number>;
  startedAt: number;
  endedAt: number;
  latencyMs: { p50: number; p99: number; max: number };
}

interface IntakeSpec {
  webhookUrl: string;
  conversation: ConversationOptions;
  textPrefix: string;
  connections: number;
  seconds: number;
  resultFile: string;
}

interface IntakeResult {
  requests: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  /** message ids answered 200 */
  acked: string[];
  /** requests started (the last ones may have reached the connector without their answer being counted) */
  started: number;
  startedAt: number;
  endedAt: number;
}

/**
 * The workload: payloads in delivery order, texts tagged so each message can be found in a Note. A
 * prefix makes new messages (ids and tags) in the same chats as the unprefixed workload of that seed.
 */
function workload(o: ConversationOptions, prefix: string) {
  const conv = generateConversation(o);
  for (const p of conv.payloads) {
    p.message.text = p.message.text.replace('(#', `(#${prefix}`);
    if (prefix) p.message.message_uid = `${prefix}-${p.message.message_uid}`;
  }
  return conv;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function childSend(spec: SendSpec): Promise<void> {
  const { payloads } = workload(spec.conversation, spec.textPrefix);
  const bodies = payloads.map((p) => JSON.stringify(p));
  const statuses: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const lat: number[] = [];
  let next = 0;
  const startedAt = Date.now();
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= bodies.length) return;
        const t = performance.now();
        const res = await fetch(spec.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: bodies[i]!,
        });
        const body = (await res.json().catch(() => ({}))) as { outcome?: string };
        lat.push(performance.now() - t);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const o = body.outcome ?? 'error';
        outcomes[o] = (outcomes[o] ?? 0) + 1;
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const result: SendResult = {
    sent: bodies.length,
    statuses,
    outcomes,
    startedAt,
    endedAt: Date.now(),
    latencyMs: { p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? 0 },
  };
  writeFileSync(spec.resultFile, JSON.stringify(result));
}

async function childIntake(spec: IntakeSpec): Promise<void> {
  const specifier = 'autocannon'; // untyped package
  const { default: autocannon } = (await import(specifier)) as {
    default: (opts: Record<string, unknown>) => Promise<Record<string, unknown>>;
  };
  const { payloads } = workload(spec.conversation, spec.textPrefix);
  const bodies = payloads.map((p) => JSON.stringify(p));
  const ids = payloads.map((p) => p.message.message_uid);
  const acked = new Set<string>();
  let next = 0;
  // Ready: the parent starts its probes, then says go.
  if (process.send) {
    await new Promise<void>((resolve) => {
      process.once('message', () => resolve());
      process.send?.('ready');
    });
  }
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
  const latency = r.latency as Record<string, number>;
  const requests = r.requests as Record<string, number>;
  const result: IntakeResult = {
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
    endedAt: Date.now(),
  };
  writeFileSync(spec.resultFile, JSON.stringify(result));
}

/** Runs a load generator; `onReady` (intake) runs once it has its payloads ready, before it starts. */
// The Zoho CRM emulator runs in its own process (as Zoho would be elsewhere): the connector's
// figures are then its own. It also serves the sample attachment files (as TimelinesAI would).

const BENCH_CLIENT = { clientId: '1000.BENCHCLIENT', clientSecret: 'bench-client-secret' };

interface EmulatorDump {
  records: Record<string, unknown>[];
  notes: { id: string; Note_Title: string; Note_Content: string; Parent_Id: { id: string } }[];
  /** note id → number of attachments */
  attachments: Record<string, number>;
}

type EmulatorCommand =
  | { cmd: 'controls'; latencyMs: number; concurrencyCap: number | undefined }
  | { cmd: 'resetStats' }
  | { cmd: 'stats' }
  | { cmd: 'dump'; module: string };

async function childEmulator(): Promise<void> {
  const emu = createZohoEmulator();
  const app = express();
  app.disable('x-powered-by');
  app.get('/files/:name', (req, res) => {
    const file = sampleAttachment(String(req.params.name));
    if (!file) return void res.status(404).end();
    res.type(file.mimeType).send(file.data);
  });
  app.use(emu.router);
  const server = await new Promise<HttpServer>((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  emu.setBaseUrl(url);
  emu.registerClient(BENCH_CLIENT);
  emu.seedDefaultSandbox();
  process.on('message', (m: { id: number } & EmulatorCommand) => {
    const reply = (value: unknown) => process.send?.({ id: m.id, value });
    if (m.cmd === 'controls') {
      emu.controls.latencyMs = m.latencyMs;
      emu.controls.concurrencyCap = m.concurrencyCap;
      reply(true);
    } else if (m.cmd === 'resetStats') {
      emu.stats.reset();
      reply(true);
    } else if (m.cmd === 'stats') {
      reply(emu.stats.calls(SANDBOX_ORG_ID));
    } else if (m.cmd === 'dump') {
      const notes = emu.state.notes(SANDBOX_ORG_ID) as EmulatorDump['notes'];
      const attachments: Record<string, number> = {};
      for (const n of notes) {
        const k = emu.state.attachments(SANDBOX_ORG_ID, n.id).length;
        if (k) attachments[n.id] = k;
      }
      const lean = notes.map((n) => ({
        id: n.id,
        Note_Title: n.Note_Title,
        Note_Content: n.Note_Content,
        Parent_Id: { id: n.Parent_Id.id },
      }));
      reply({ records: emu.state.records(SANDBOX_ORG_ID, m.module), notes: lean, attachments });
    }
  });
  process.send?.({ ready: url });
  process.once('disconnect', () => process.exit(0));
}

interface EmulatorClient {
  url: string;
  call<T>(c: EmulatorCommand): Promise<T>;
  close(): void;
}

function startEmulator(): Promise<EmulatorClient> {
  const execArgv = process.execArgv.some((a) => a.includes('tsx')) ? process.execArgv : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...execArgv, SELF, '--child', 'emulator'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let seq = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: { ready?: string; id?: number; value?: unknown }) => {
      if (m.ready) {
        resolve({
          url: m.ready,
          call<T>(c: EmulatorCommand) {
            const id = ++seq;
            child.send({ id, ...c });
            return new Promise<T>((r) => waiting.set(id, r as (v: unknown) => void));
          },
          close: () => child.kill(),
        });
      } else if (m.id !== undefined) {
        waiting.get(m.id)?.(m.value);
        waiting.delete(m.id);
      }
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function runChild<T>(
  role: 'send' | 'intake',
  spec: Omit<SendSpec, 'resultFile'> | Omit<IntakeSpec, 'resultFile'>,
  dir: string,
  onReady?: () => Promise<void>,
): Promise<T> {
  const resultFile = path.join(dir, `${role}-${Date.now()}.json`);
  const execArgv = process.execArgv.some((a) => a.includes('tsx')) ? process.execArgv : ['--import', 'tsx'];
  const child = spawn(
    process.execPath,
    [...execArgv, SELF, '--child', role, '--spec', JSON.stringify({ ...spec, resultFile })],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  child.on('message', () => {
    void (onReady?.() ?? Promise.resolve()).then(() => child.send('go'));
  });
  return new Promise<T>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${role} child exited with ${code}`));
      resolve(JSON.parse(readFileSync(resultFile, 'utf8')) as T);
    });
  });
}

// ------------------------------------------------------------------------------------ the sandbox

interface Sandbox {
  server: RunningServer;
  emulator: EmulatorClient;
  url: string;
  dir: string;
  dataFile: string;
  webhookUrl: string;
  /** base URL of the sample attachment files */
  filesUrl: string;
  close(): Promise<void>;
}

/** The connector (in this process, live mode) against the emulator (its own process). */
async function sandbox(latencyMs: number, cap: number, flushWindowMs: string | undefined): Promise<Sandbox> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-zoho-bench-'));
  const dataFile = path.join(dir, 'db.json');
  const emulator = await startEmulator();
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_FILE: dataFile,
    LOG_LEVEL: 'silent',
    SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
    ZOHO_CLIENT_ID: BENCH_CLIENT.clientId,
    ZOHO_CLIENT_SECRET: BENCH_CLIENT.clientSecret,
    ZOHO_ACCOUNTS_URL: emulator.url,
    ZOHO_API_URL: emulator.url,
    ATTACHMENT_HOSTS: '127.0.0.1',
    ...(flushWindowMs !== undefined ? { FLUSH_WINDOW_MS: flushWindowMs } : {}),
  });
  const server = await startServer(config, { log: createLogger('silent'), maxConcurrency: cap });
  const session = await connectAndActivate(server.url);
  // Set-up (connect, activate) runs without latency; the workload with it.
  await emulator.call({ cmd: 'controls', latencyMs, concurrencyCap: cap });
  return {
    server,
    emulator,
    url: server.url,
    dir,
    dataFile,
    webhookUrl: session.webhookUrl!,
    filesUrl: `${emulator.url}/files`,
    async close() {
      await server.close();
      emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bytes on disk of the store (the JSON document and its journal, when there is one). */
function storeBytes(dataFile: string): number {
  let total = 0;
  for (const f of [dataFile, `${dataFile}.journal`]) if (existsSync(f)) total += statSync(f).size;
  return total;
}

function callsSnapshot(server: RunningServer): Record<string, number> {
  return Object.fromEntries(server.zohoCalls);
}

function diffCalls(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

/** Event-loop delay (how long a request may wait behind other work) and store writes during a phase. */
function loadProbe(server: RunningServer) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const before = server.store.stats;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop() {
      h.disable();
      const cpu = process.cpuUsage(cpu0);
      const after = server.store.stats;
      const writes = after.writeMs.slice(before.writeMs.length).sort((a, b) => a - b);
      return {
        eventLoopDelayMs: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 },
        journalWrites: after.journalWrites - before.journalWrites,
        journalMb: (after.journalBytes - before.journalBytes) / MB,
        writeMs: {
          p50: percentile(writes, 50),
          p99: percentile(writes, 99),
          max: writes[writes.length - 1] ?? 0,
        },
        collectMs: after.collectMs - before.collectMs,
        compactions: after.compactions - before.compactions,
        interleaved: after.interleaved - before.interleaved,
        /** CPU time of this process (connector), and the wall time of the phase */
        cpuMs: (cpu.user + cpu.system) / 1000,
        wallMs: performance.now() - t0,
      };
    },
  };
}
type LoadStats = ReturnType<ReturnType<typeof loadProbe>['stop']>;

/** Samples RSS every 100 ms; `peak()` is the highest seen since start. */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  t.unref();
  return {
    peak: () => Math.max(peak, process.memoryUsage().rss),
    stop: () => clearInterval(t),
  };
}

/**
 * Webhook → Note latency: a message is queued by the intake (its `receivedAt`) and leaves the queue
 * once its Note (and attachment) is written. The queue is sampled every 50 ms.
 */
function latencyProbe(server: RunningServer) {
  const open = new Map<string, number>();
  const done: number[] = [];
  let lastDoneAt = 0;
  const sample = () => {
    const now = Date.now();
    const present = new Set<string>();
    for (const q of server.store.data.queue as QueuedEvent[]) {
      present.add(q.key);
      if (!open.has(q.key)) open.set(q.key, Date.parse(q.receivedAt));
    }
    for (const [key, at] of open) {
      if (!present.has(key)) {
        done.push(now - at);
        open.delete(key);
        lastDoneAt = now;
      }
    }
  };
  const t = setInterval(sample, 50);
  return {
    stop() {
      clearInterval(t);
      sample();
      const sorted = [...done].sort((a, b) => a - b);
      return {
        count: sorted.length,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted[sorted.length - 1] ?? 0,
        lastDoneAt,
      };
    },
  };
}

async function waitSynced(server: RunningServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await server.worker.idle();
    const queue = server.store.data.queue;
    if (queue.length === 0) return;
    if (Date.now() > deadline) {
      const waiting = queue.filter((q) => q.state === 'waiting');
      throw new Error(
        `not synced after ${timeoutMs / 1000} s: ${queue.length} queued (${waiting.length} waiting: ${waiting[0]?.lastError ?? ''})`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** BENCH_PROFILE=1: a CPU profile of this process (connector + emulator) during the intake run. */
async function startProfile(): Promise<{ stop(name: string): Promise<void> } | undefined> {
  if (!process.env.BENCH_PROFILE) return undefined;
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await session.post('Profiler.stop');
      const file = path.resolve(args.out!, `${name}-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`CPU profile: ${file}`);
    },
  };
}

// ------------------------------------------------------------------------------------ verification

interface Expected {
  /** sent, but whether it was accepted is not known (its answer was not counted): present or absent */
  optional?: boolean;
  messageId: string;
  tag: string;
  chatId: string;
  phone: string;
  isGroup: boolean;
  day: string;
  attachment: boolean;
}

function expectedOf(payloads: Payload[], prefix: string, timeZone: string): Expected[] {
  const byId = new Map<string, Expected>();
  payloads.forEach((p) => {
    const id = p.message.message_uid;
    if (byId.has(id)) return; // redelivery
    const m = /\(#([^)]+)\)/.exec(p.message.text);
    const [d, t, z] = p.message.timestamp.split(' ');
    const iso = new Date(`${d}T${t}${z!.slice(0, 3)}:${z!.slice(3)}`).toISOString();
    byId.set(id, {
      messageId: id,
      tag: m ? m[1]! : `${prefix}?`,
      chatId: String(p.chat.chat_id),
      phone: p.chat.phone,
      isGroup: p.chat.is_group,
      day: localDay(iso, timeZone),
      attachment: p.message.attachments.length > 0,
    });
  });
  return [...byId.values()];
}

interface Verification {
  ok: boolean;
  messages: number;
  groupMessages: number;
  records: number;
  notes: number;
  attachments: number;
  problems: Record<string, number>;
  examples: string[];
}

async function verify(sb: Sandbox, expected: Expected[]): Promise<Verification> {
  const ws = sb.server.store.data.workspaces[0]!;
  const module = ws.settings!.module ?? 'Contacts';
  const phoneField = ws.settings!.phoneField ?? 'Mobile';
  const problems: Record<string, number> = {};
  const examples: string[] = [];
  const problem = (kind: string, detail: string) => {
    problems[kind] = (problems[kind] ?? 0) + 1;
    if (examples.length < 12) examples.push(`${kind}: ${detail}`);
  };

  const dump = await sb.emulator.call<EmulatorDump>({ cmd: 'dump', module });
  const records = dump.records;
  const recordsByPhone = new Map<string, string[]>();
  for (const r of records) {
    const e164 = toE164(String(r[phoneField] ?? ''), ws.countryCode);
    if (!e164) continue;
    recordsByPhone.set(e164, [...(recordsByPhone.get(e164) ?? []), String(r.id)]);
  }
  const notes = dump.notes;
  const tagNotes = new Map<string, string[]>();
  const notesByParentTitle = new Map<string, number>();
  const noteById = new Map<string, (typeof notes)[number]>();
  for (const n of notes) {
    noteById.set(n.id, n);
    for (const m of n.Note_Content.matchAll(/\(#([^)]+)\)/g))
      tagNotes.set(m[1]!, [...(tagNotes.get(m[1]!) ?? []), n.id]);
    const k = `${n.Parent_Id.id}|${n.Note_Title.slice(-12)}`;
    notesByParentTitle.set(k, (notesByParentTitle.get(k) ?? 0) + 1);
  }
  for (const [k, count] of notesByParentTitle)
    if (count > 1) problem('duplicate Note for a chat-day', `${k} ×${count}`);

  const chatPhones = new Map<string, { phone: string; isGroup: boolean }>();
  for (const e of expected) chatPhones.set(e.chatId, { phone: e.phone, isGroup: e.isGroup });
  for (const [chatId, c] of chatPhones) {
    const e164 = toE164(c.phone, ws.countryCode)!;
    const found = recordsByPhone.get(e164) ?? [];
    if (c.isGroup && found.length > 0) problem('record for a group chat', chatId);
    if (!c.isGroup && found.length === 0) problem('no record for a chat', chatId);
    if (!c.isGroup && found.length > 1) problem('duplicate record for a phone', `${e164} ×${found.length}`);
  }

  const attachmentsWanted = new Map<string, number>();
  let groupMessages = 0;
  let messages = 0;
  for (const e of expected) {
    const where = tagNotes.get(e.tag) ?? [];
    if (e.isGroup) {
      groupMessages += 1;
      if (where.length > 0) problem('group message synced', e.messageId);
      continue;
    }
    if (where.length === 0) {
      if (!e.optional) problem('message in no Note', e.messageId);
      continue;
    }
    messages += 1;
    if (where.length > 1)
      problem('message in more than one Note (or twice in one)', `${e.messageId} ×${where.length}`);
    const note = noteById.get(where[0]!)!;
    const e164 = toE164(e.phone, ws.countryCode)!;
    if (!(recordsByPhone.get(e164) ?? []).includes(note.Parent_Id.id))
      problem('Note on the wrong record', e.messageId);
    if (!note.Note_Title.endsWith(`(${formatDayForTitle(e.day)})`))
      problem('message on the wrong day', `${e.messageId}: ${e.day} in "${note.Note_Title}"`);
    if (e.attachment) attachmentsWanted.set(note.id, (attachmentsWanted.get(note.id) ?? 0) + 1);
  }
  let attachments = 0;
  for (const n of notes) {
    const have = dump.attachments[n.id] ?? 0;
    attachments += have;
    const want = attachmentsWanted.get(n.id) ?? 0;
    if (have !== want)
      problem('attachments on a Note ≠ its messages with one', `${n.id}: ${have} for ${want}`);
  }
  return {
    ok: Object.keys(problems).length === 0,
    messages,
    groupMessages,
    records: records.length,
    notes: notes.length,
    attachments,
    problems,
    examples,
  };
}

// ------------------------------------------------------------------------------------ the bounds

interface Bounds {
  /** distinct 1:1 chats = records to create and numbers to look up */
  chats: number;
  /** distinct (1:1 chat, day in the org's zone) = Notes */
  chatDays: number;
  attachments: number;
  messages: number;
  lowerBound: number;
  baseline: number;
}

function boundsOf(expected: Expected[]): Bounds {
  const synced = expected.filter((e) => !e.isGroup);
  const chats = new Set(synced.map((e) => e.chatId)).size;
  const chatDays = new Set(synced.map((e) => `${e.chatId}|${e.day}`)).size;
  const attachments = synced.filter((e) => e.attachment).length;
  const lowerBound = Math.ceil(chats / 100) + Math.ceil(chatDays / 100) + attachments + Math.ceil(chats / 50);
  const baseline = 2 * synced.length + chats;
  return { chats, chatDays, attachments, messages: synced.length, lowerBound, baseline };
}

// ------------------------------------------------------------------------------------ phases

interface SyncPhase {
  workload: ConversationOptions & { deliveries: number };
  bounds: Bounds;
  calls: Record<string, number>;
  totalCalls: number;
  emulatorCalls: Record<string, number>;
  throttled: number;
  callsPer1000: number;
  ratioToLowerBound: number;
  baselineOverCalls: number;
  seconds: number;
  messagesPerSec: number;
  latencyMs: { p50: number; p99: number; max: number; count: number };
  send: SendResult;
  peakRssMb: number;
  storeBytes: number;
  storeWrites: number;
  verification: Verification;
  load: LoadStats;
}

interface IntakePhase {
  connections: number;
  seconds: number;
  result: Omit<IntakeResult, 'acked'> & { acked: number };
  durableChecked: number;
  durableMissing: number;
  syncedAfterSeconds: number;
  calls: Record<string, number>;
  peakRssMb: number;
  storeBytes: number;
  verification: Verification;
  load: LoadStats;
}

async function syncPhase(
  sb: Sandbox,
  o: ConversationOptions,
  senders: number,
): Promise<{ phase: SyncPhase; expected: Expected[] }> {
  const { server } = sb;
  const ws = server.store.data.workspaces[0]!;
  const tz = ws.settings?.timeZone ?? ws.timeZone;
  const conv = workload(o, '');
  const expected = expectedOf(conv.payloads, '', tz);
  const bounds = boundsOf(expected);

  const before = callsSnapshot(server);
  await sb.emulator.call({ cmd: 'resetStats' });
  const writesBefore = server.store.writes;
  const rss = rssSampler();
  const load = loadProbe(server);
  const probe = latencyProbe(server);
  const profile = await startProfile();
  const t0 = Date.now();
  const send = await runChild<SendResult>(
    'send',
    { webhookUrl: sb.webhookUrl, conversation: o, textPrefix: '', concurrency: senders },
    sb.dir,
  );
  await waitSynced(server, 15 * 60_000);
  const lat = probe.stop();
  const loadStats = load.stop();
  await profile?.stop('sync');
  const t1 = lat.lastDoneAt || Date.now();
  const calls = diffCalls(callsSnapshot(server), before);
  const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
  const emulatorCalls = await sb.emulator.call<Record<string, number>>({ cmd: 'stats' });
  const throttled = emulatorCalls.throttled ?? 0;
  const verification = await verify(sb, expected);
  const seconds = (t1 - send.startedAt) / 1000;
  rss.stop();
  void t0;
  return {
    expected,
    phase: {
      workload: { ...o, deliveries: conv.payloads.length },
      bounds,
      calls,
      totalCalls,
      emulatorCalls,
      throttled,
      callsPer1000: (totalCalls / o.messages) * 1000,
      ratioToLowerBound: totalCalls / bounds.lowerBound,
      baselineOverCalls: bounds.baseline / totalCalls,
      seconds,
      messagesPerSec: bounds.messages / seconds,
      latencyMs: lat,
      send,
      peakRssMb: rss.peak() / MB,
      storeBytes: storeBytes(sb.dataFile),
      storeWrites: server.store.writes - writesBefore,
      verification,
      load: loadStats,
    },
  };
}

async function intakePhase(
  sb: Sandbox,
  o: ConversationOptions,
  connections: number,
  seconds: number,
  earlier: Expected[],
): Promise<IntakePhase> {
  const { server } = sb;
  const ws = server.store.data.workspaces[0]!;
  const tz = ws.settings?.timeZone ?? ws.timeZone;
  const before = callsSnapshot(server);
  let rss: ReturnType<typeof rssSampler> | undefined;
  let profile: Awaited<ReturnType<typeof startProfile>>;
  let load: ReturnType<typeof loadProbe> | undefined;
  const result = await runChild<IntakeResult>(
    'intake',
    { webhookUrl: sb.webhookUrl, conversation: o, textPrefix: 'i', connections, seconds },
    sb.dir,
    async () => {
      rss = rssSampler();
      profile = await startProfile();
      load = loadProbe(server);
    },
  );
  const loadStats = load!.stop();
  await profile?.stop('intake');
  const acked = new Set(result.acked);

  // Every 200 is on disk: read the store back from its files (as a restart would) and look for each.
  const onDisk = await Store.open(sb.dataFile, { readOnly: true });
  let durableMissing = 0;
  for (const id of acked) if (onDisk.data.seen[`${ws.id}:${id}`] === undefined) durableMissing += 1;

  const t = Date.now();
  await waitSynced(server, 15 * 60_000);
  const syncedAfterSeconds = (Date.now() - t) / 1000;
  const calls = diffCalls(callsSnapshot(server), before);
  rss!.stop();
  // What was acknowledged must be in the CRM, and what was synced before must still be right.
  const conv = workload(o, 'i');
  const sent = conv.payloads.slice(0, result.started);
  const expected = expectedOf(sent, 'i', tz).map((e) =>
    acked.has(e.messageId) ? e : { ...e, optional: true },
  );
  const verification = await verify(sb, [...earlier, ...expected]);
  return {
    connections,
    seconds,
    result: { ...result, acked: acked.size },
    durableChecked: acked.size,
    durableMissing,
    syncedAfterSeconds,
    calls,
    peakRssMb: rss!.peak() / MB,
    storeBytes: storeBytes(sb.dataFile),
    verification,
    load: loadStats,
  };
}

// ------------------------------------------------------------------------------------ output

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(rows: [string, string][]): string {
  const w = Math.max(...rows.filter((r) => r[1] !== '').map((r) => r[0].length));
  return rows.map(([k, v]) => (v === '' ? `${k}` : `  ${k.padEnd(w)}  ${v}`)).join('\n');
}

function report(sync: SyncPhase, intake: IntakePhase | undefined, latency: number, cap: number): string {
  const b = sync.bounds;
  const kinds = Object.entries(sync.calls).sort((a, b2) => b2[1] - a[1]);
  const rows: [string, string][] = [
    [
      `Workload: ${fmt(sync.workload.messages)} messages (${fmt(sync.workload.deliveries)} deliveries with redeliveries), ${fmt(sync.workload.chats)} chats, ${sync.workload.days} days; emulator ${latency} ms/call, ${cap} concurrent (429 beyond)`,
      '',
    ],
    ['Zoho calls by kind', ''],
    ...kinds.map(([k, v]) => [k, fmt(v)] as [string, string]),
    ['total Zoho calls', fmt(sync.totalCalls)],
    ['429 answers (emulator)', fmt(sync.throttled)],
    ['calls per 1,000 messages', fmt(sync.callsPer1000, 1)],
    [
      'lower bound',
      `${fmt(b.lowerBound)} = ⌈${fmt(b.chats)} records/100⌉ + ⌈${fmt(b.chatDays)} chat-day Notes/100⌉ + ${fmt(b.attachments)} attachments + ⌈${fmt(b.chats)} numbers looked up/50⌉`,
    ],
    [
      'per-message baseline',
      `${fmt(b.baseline)} = 2 × ${fmt(b.messages)} synced messages (lookup + Note) + ${fmt(b.chats)} record creates`,
    ],
    ['calls / lower bound', `${fmt(sync.ratioToLowerBound, 3)} (target ≤ 1.3)`],
    ['baseline / calls', `${fmt(sync.baselineOverCalls, 1)}× fewer (target ≥ 10×)`],
    [
      'messages synced per second',
      `${fmt(sync.messagesPerSec, 0)} (${fmt(b.messages)} in ${fmt(sync.seconds, 1)} s, from the first webhook to the last Note)`,
    ],
    [
      'webhook → Note latency',
      `p50 ${fmt(sync.latencyMs.p50 / 1000, 2)} s, p99 ${fmt(sync.latencyMs.p99 / 1000, 2)} s, max ${fmt(sync.latencyMs.max / 1000, 2)} s`,
    ],
    [
      'webhook answers while syncing',
      `p50 ${fmt(sync.send.latencyMs.p50, 1)} ms, p99 ${fmt(sync.send.latencyMs.p99, 1)} ms (${Object.entries(
        sync.send.outcomes,
      )
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')})`,
    ],
    ['peak RSS', `${fmt(sync.peakRssMb)} MB (connector process, with the benchmark's copy of the workload)`],
    [
      'store on disk',
      `${fmt(sync.storeBytes / 1024)} KiB after the sync (${fmt(sync.storeWrites)} durable writes)`,
    ],
    [
      'verification',
      sync.verification.ok
        ? `OK: ${fmt(sync.verification.messages)} messages each in exactly one Note of the right record and day, ${fmt(sync.verification.groupMessages)} group messages nowhere, ${fmt(sync.verification.records - 0)} records (one per phone), ${fmt(sync.verification.notes)} Notes (one per chat-day), ${fmt(sync.verification.attachments)} attachments on their Notes`
        : `FAILED: ${JSON.stringify(sync.verification.problems)}`,
    ],
  ];
  if (intake) {
    const r = intake.result;
    rows.push(
      [
        `Intake: autocannon, ${intake.connections} connections, ${intake.seconds} s, each request a new message, while the worker syncs`,
        '',
      ],
      ['requests per second', `${fmt(r.requestsPerSec)} (target ≥ 1,500)`],
      [
        'latency',
        `p50 ${fmt(r.latencyMs.p50, 1)} ms, p90 ${fmt(r.latencyMs.p90, 1)} ms, p99 ${fmt(r.latencyMs.p99, 1)} ms (target < 50), max ${fmt(r.latencyMs.max)} ms`,
      ],
      [
        'answers',
        `${fmt(r.requests)} requests, ${fmt(r.non2xx)} non-2xx, ${fmt(r.errors)} errors, ${fmt(r.timeouts)} timeouts`,
      ],
      [
        'connector CPU',
        `${fmt((intake.load.cpuMs * 1000) / Math.max(1, r.requests))} µs a request (${fmt((100 * intake.load.cpuMs) / intake.load.wallMs)}% of one core, worker and downloads included)`,
      ],
      [
        'event-loop delay',
        `p50 ${fmt(intake.load.eventLoopDelayMs.p50, 1)} ms, p99 ${fmt(intake.load.eventLoopDelayMs.p99, 1)} ms, max ${fmt(intake.load.eventLoopDelayMs.max)} ms`,
      ],
      [
        'durable writes',
        `${fmt(intake.load.journalWrites)} journal writes with O_DSYNC (p50 ${fmt(intake.load.writeMs.p50, 1)} ms, p99 ${fmt(intake.load.writeMs.p99, 1)} ms), ${fmt(r.requests / Math.max(1, intake.load.journalWrites), 1)} requests a write, ${fmt(intake.load.interleaved)} written between two lines of a big write, ${fmt(intake.load.journalMb, 1)} MB, ${intake.load.compactions} compactions; ${fmt(intake.load.collectMs)} ms finding changes`,
      ],
      [
        'durability',
        `${fmt(intake.durableChecked - intake.durableMissing)} of ${fmt(intake.durableChecked)} acknowledged messages found in the store read back from disk`,
      ],
      [
        'then synced in',
        `${fmt(intake.syncedAfterSeconds, 1)} s after the load ended (${fmt(Object.values(intake.calls).reduce((a, c) => a + c, 0))} Zoho calls)`,
      ],
      ['peak RSS', `${fmt(intake.peakRssMb)} MB`],
      ['store on disk', `${fmt(intake.storeBytes / 1024)} KiB`],
      [
        'verification',
        intake.verification.ok
          ? `OK (${fmt(intake.verification.messages)} messages)`
          : `FAILED: ${JSON.stringify(intake.verification.problems)}`,
      ],
    );
  }
  return table(rows);
}

// ------------------------------------------------------------------------------------ store scale

/** Rewrites the store's files from memory (when the store has a journal to fold in). */
async function compact(store: Store): Promise<void> {
  await (store as unknown as { compact?: () => Promise<void> }).compact?.();
}

interface ScaleRow {
  stored: number;
  chats: number;
  storeBytesBefore: number;
  fillSeconds: number;
  heapMb: number;
  rssMb: number;
  intake: Omit<IntakeResult, 'acked'> & { acked: number };
  cpuUsPerRequest: number;
  eventLoopP99Ms: number;
  durableMissing: number;
  peakRssMb: number;
  storeBytesAfterSweep: number;
  before: StoreCounts;
  retained: StoreCounts;
}

interface StoreCounts {
  seen: number;
  dayLines: number;
  days: number;
  chats: number;
  queue: number;
  log: number;
}

/**
 * Fills the store with `n` messages as the worker leaves them once synced (chat links, chat-days with
 * their lines, seen ids, the sync log), received over the last 30 days; then housekeeping runs as it
 * does every 10 minutes.
 */
function fillSynced(server: RunningServer, n: number, chats: number): void {
  const data = server.store.data;
  const ws = data.workspaces[0]!;
  const now = Date.now();
  const DAY = 86_400_000;
  for (let c = 0; c < chats; c++) {
    const chatId = String(500000 + c);
    data.chats[`${ws.id}:${chatId}`] = {
      workspaceId: ws.id,
      chatId,
      e164: `+3461${String(1000000 + c).padStart(7, '0')}`,
      recordId: String(9000000000000000000n + BigInt(c)),
      module: 'Contacts',
      createdByUs: true,
      lastWrittenName: `Contact ${c}`,
      chatName: `Contact ${c}`,
      chatUrl: `https://app.timelines.ai/chat/${chatId}/messages/`,
      createIntentAt: undefined,
      humanEditedName: false,
      lastSyncedAt: new Date(now).toISOString(),
    };
  }
  for (let i = 0; i < n; i++) {
    const chatId = String(500000 + (i % chats));
    const at = now - Math.floor(((n - i) / n) * 30 * DAY);
    const sentAt = new Date(at).toISOString();
    const day = sentAt.slice(0, 10);
    const key = `${ws.id}:${chatId}:${day}`;
    let d = data.days[key];
    if (!d) {
      d = {
        key,
        workspaceId: ws.id,
        chatId,
        day,
        noteId: String(8000000000000000000n + BigInt(i)),
        createIntentAt: undefined,
        title: `WhatsApp chat with Contact (${day})`,
        lines: [],
        prunedLines: 0,
        dirty: false,
        updatedAt: sentAt,
      };
      data.days[key] = d;
    }
    d.lines.push({
      messageId: `stored-${i}`,
      sentAt,
      author: i % 2 ? 'Sandbox Admin' : 'Contact',
      text: `Stored message number ${i}: thanks, see you on Tuesday.`,
      attachmentNames: [],
    });
    data.seen[`${ws.id}:stored-${i}`] = at;
  }
}

async function storeScale(
  scales: number[],
  latency: number,
  cap: number,
  connections: number,
  seconds: number,
  flushWindow: string | undefined,
) {
  const rows: ScaleRow[] = [];
  const counts = (data: RunningServer['store']['data']) => {
    let dayLines = 0;
    for (const d of Object.values(data.days)) dayLines += d.lines.length;
    return {
      seen: Object.keys(data.seen).length,
      dayLines,
      days: Object.keys(data.days).length,
      chats: Object.keys(data.chats).length,
      queue: data.queue.length,
      log: data.log.length,
    };
  };
  for (const n of scales) {
    const sb = await sandbox(latency, cap, flushWindow);
    try {
      const chats = Math.max(100, Math.min(20_000, Math.round(n / 50)));
      const t = Date.now();
      fillSynced(sb.server, n, chats);
      sweep(sb.server.store); // what housekeeping does every 10 minutes
      await sb.server.store.commit();
      await compact(sb.server.store);
      const fillSeconds = (Date.now() - t) / 1000;
      const storeBytesBefore = storeBytes(sb.dataFile);
      const before = counts(sb.server.store.data);
      (globalThis as { gc?: () => void }).gc?.();
      const mem = process.memoryUsage();
      let rss: ReturnType<typeof rssSampler> | undefined;
      let load: ReturnType<typeof loadProbe> | undefined;
      let profile: Awaited<ReturnType<typeof startProfile>>;
      const o: ConversationOptions = {
        chats: 2000,
        messages: Math.max(20_000, seconds * 4000),
        days: 2,
        attachmentRate: 0,
        groupRate: 0.1,
        renameRate: 0,
        redeliveryRate: 0,
        filesBaseUrl: sb.filesUrl,
        seed: 7,
      };
      const result = await runChild<IntakeResult>(
        'intake',
        { webhookUrl: sb.webhookUrl, conversation: o, textPrefix: 's', connections, seconds },
        sb.dir,
        async () => {
          rss = rssSampler();
          profile = await startProfile();
          load = loadProbe(sb.server);
        },
      );
      const loadStats = load!.stop();
      await profile?.stop(`store-scale-${n}`);
      const ws = sb.server.store.data.workspaces[0]!;
      const onDisk = await Store.open(sb.dataFile, { readOnly: true });
      let durableMissing = 0;
      for (const id of result.acked)
        if (onDisk.data.seen[`${ws.id}:${id}`] === undefined) durableMissing += 1;
      rss!.stop();
      await waitSynced(sb.server, 15 * 60_000);
      // Once the retention windows have passed, synced messages leave nothing but chats and chat-days.
      const later = Date.now() + 40 * 86_400_000;
      sweep(sb.server.store, later);
      await sb.server.store.commit();
      await compact(sb.server.store);
      const row: ScaleRow = {
        stored: n,
        chats,
        storeBytesBefore,
        fillSeconds,
        heapMb: mem.heapUsed / MB,
        rssMb: mem.rss / MB,
        intake: { ...result, acked: result.acked.length },
        cpuUsPerRequest: (loadStats.cpuMs * 1000) / Math.max(1, result.requests),
        eventLoopP99Ms: loadStats.eventLoopDelayMs.p99,
        durableMissing,
        peakRssMb: rss!.peak() / MB,
        storeBytesAfterSweep: storeBytes(sb.dataFile),
        before,
        retained: counts(sb.server.store.data),
      };
      rows.push(row);
      console.log(
        `  ${fmt(n).padStart(9)} stored: store ${fmt(storeBytesBefore / MB, 1)} MB (${fmt(before.seen)} seen ids, ${fmt(before.dayLines)} lines, ${fmt(before.days)} chat-days, ${fmt(before.chats)} chats), heap ${fmt(mem.heapUsed / MB)} MB, RSS ${fmt(mem.rss / MB)} MB\n` +
          `             intake ${fmt(result.requestsPerSec)} req/s, p99 ${fmt(result.latencyMs.p99, 1)} ms, ${fmt(row.cpuUsPerRequest)} µs CPU a request, event-loop p99 ${fmt(row.eventLoopP99Ms, 1)} ms, ${loadStats.compactions} compactions, peak RSS ${fmt(row.peakRssMb)} MB, ${durableMissing} of ${fmt(result.acked.length)} acks missing on disk\n` +
          `             after the retention windows (40 days later): ${fmt(row.storeBytesAfterSweep / MB, 2)} MB (${fmt(row.retained.seen)} seen ids, ${fmt(row.retained.dayLines)} lines, ${fmt(row.retained.days)} chat-days, ${fmt(row.retained.chats)} chats)`,
      );
    } finally {
      await sb.close();
    }
  }
  return rows;
}

// ------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  if (args.child) {
    const spec = JSON.parse(args.spec ?? '{}') as SendSpec & IntakeSpec;
    if (args.child === 'send') await childSend(spec);
    else if (args.child === 'intake') await childIntake(spec);
    else if (args.child === 'emulator') await childEmulator();
    return;
  }
  const quick = args.quick;
  const latency = Number(args.latency);
  const cap = Number(args.cap);
  const connections = Number(args.connections);
  const intakeSeconds = Number(args['intake-seconds'] ?? (quick ? 4 : 10));
  const outDir = path.resolve(args.out!);
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  if (args['store-scale']) {
    const scales = (args.scales ?? (quick ? '10000,100000' : '10000,100000,1000000')).split(',').map(Number);
    console.log(
      `Store scale: intake (${connections} connections, ${intakeSeconds} s) with N synced messages in the store`,
    );
    const rows = await storeScale(scales, latency, cap, connections, intakeSeconds, args['flush-window']);
    const file = path.join(outDir, `store-scale-${stamp}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          at: new Date().toISOString(),
          node: process.version,
          cpus: os.cpus().length,
          latency,
          cap,
          connections,
          seconds: intakeSeconds,
          rows,
        },
        null,
        2,
      ),
    );
    console.log(`\nResults: ${path.relative(process.cwd(), file)}`);
    return;
  }

  const messages = Number(args.messages ?? (quick ? 2000 : 20_000));
  const chats = Number(args.chats ?? (quick ? 200 : 2000));
  const days = Number(args.days ?? 14);
  const sb = await sandbox(latency, cap, args['flush-window']);
  const run = async (): Promise<boolean> => {
    const o: ConversationOptions = {
      chats,
      messages,
      days,
      attachmentRate: Number(args.attachments),
      groupRate: Number(args.groups),
      renameRate: Number(args.renames),
      redeliveryRate: Number(args.redeliveries),
      filesBaseUrl: sb.filesUrl,
      seed: Number(args.seed),
    };
    console.log(`Sync: ${fmt(messages)} messages, ${fmt(chats)} chats, ${days} days …`);
    const { phase: sync, expected } = await syncPhase(sb, o, Number(args.senders));
    let intake: IntakePhase | undefined;
    if (!args['no-intake']) {
      console.log(`Intake: ${connections} connections for ${intakeSeconds} s …`);
      // New messages in the same chats (the same seed, other ids), as many as the load may send.
      const io: ConversationOptions = { ...o, messages: Math.max(10_000, intakeSeconds * 5000) };
      intake = await intakePhase(sb, io, connections, intakeSeconds, expected);
    }
    const text = report(sync, intake, latency, cap);
    console.log(`\n${text}\n`);
    const file = path.join(outDir, `bench-${quick ? 'quick-' : ''}${stamp}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          at: new Date().toISOString(),
          node: process.version,
          cpus: os.cpus().length,
          quick,
          latency,
          cap,
          sync,
          intake,
        },
        null,
        2,
      ),
    );
    console.log(`Results: ${path.relative(process.cwd(), file)}`);
    if (!sync.verification.ok)
      console.error('Verification failed:\n  ' + sync.verification.examples.join('\n  '));
    if (intake && !intake.verification.ok)
      console.error('Verification after intake failed:\n  ' + intake.verification.examples.join('\n  '));
    return (
      !sync.verification.ok ||
      (intake !== undefined && (!intake.verification.ok || intake.durableMissing > 0))
    );
  };
  let failed: boolean;
  try {
    failed = await run();
  } finally {
    await sb.close();
  }
  process.exit(failed ? 1 : 0);
}

await main();
