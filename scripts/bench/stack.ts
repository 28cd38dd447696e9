/**
 * What a benchmark phase runs against: the Zoho CRM emulator in its own process (as Zoho is
 * elsewhere), the connector as a real child process in live mode (its CPU and memory are then its
 * own), on the embedded document store in a temp folder or on a fresh PostgreSQL database.
 * The connector's Zoho calls by kind come from its /metrics, the emulator's from its own counters.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  freePort,
  startConnector,
  until,
  type ConnectorProcess,
} from '../../test/helpers/connectorProcess.js';
import { startEmulatorProcess, type EmulatorProcess } from '../../test/helpers/emulatorProcess.js';
import { api, connectAs, CONTACT_SETTINGS, type Session } from '../../test/helpers/harness.js';
import { freshDatabase, type TestDatabase } from '../../test/helpers/postgres.js';
import type { BenchOptions } from './options.js';

export type Engine = 'document' | 'postgres';

/** A stack as the bench's options describe it. */
export function benchStack(o: BenchOptions, pgServerUrl: string | undefined): Promise<Stack> {
  return Stack.start({
    engine: o.store,
    pgServerUrl,
    latencyMs: o.latencyMs,
    cap: o.cap,
    flushWindowMs: o.flushWindowMs,
    profileDir: o.profile ? o.out : undefined,
    compiledDir: o.compiledDir,
  });
}

export interface StackOptions {
  engine: Engine;
  /** the PostgreSQL server a fresh database is made on (engine postgres) */
  pgServerUrl?: string | undefined;
  /** Zoho latency per call (ms) and concurrent calls per org (the 11th gets 429) */
  latencyMs: number;
  cap: number;
  flushWindowMs?: string | undefined;
  /** the data folder (a tmpfs mount in fault runs); default a new temp folder */
  dataDir?: string | undefined;
  /** --cpu-prof of the connector into this folder */
  profileDir?: string | undefined;
  /** run the compiled bundle in this folder (as the Docker image does); default the sources under tsx */
  compiledDir?: string | undefined;
  env?: Record<string, string>;
}

const METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef0123';

export class Stack {
  connector: ConnectorProcess | undefined;
  session: Session | undefined;
  readonly dataFile: string;

  private constructor(
    readonly options: StackOptions,
    readonly emulator: EmulatorProcess,
    readonly dir: string,
    readonly port: number,
    readonly db: TestDatabase | undefined,
  ) {
    this.dataFile = path.join(options.dataDir ?? dir, 'db.json');
  }

  static async start(options: StackOptions): Promise<Stack> {
    const emulator = await startEmulatorProcess();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-zoho-bench-'));
    const db = options.engine === 'postgres' ? await freshDatabase(options.pgServerUrl) : undefined;
    const stack = new Stack(options, emulator, dir, await freePort(), db);
    await stack.startConnector();
    return stack;
  }

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  get pid(): number {
    return this.connector!.proc.pid!;
  }

  get webhookUrl(): string {
    return this.session!.webhookUrl!;
  }

  async startConnector(): Promise<void> {
    const o = this.options;
    this.connector = await startConnector({
      port: this.port,
      emulatorUrl: this.emulator.url,
      dataFile: this.dataFile,
      databaseUrl: this.db?.url,
      trustedFilesPrefix: this.emulator.filesUrl,
      compiledDir: o.compiledDir,
      readyTimeoutMs: 10 * 60_000,
      nodeArgs: o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [],
      extra: {
        LOG_LEVEL: 'warn',
        METRICS_TOKEN,
        ZOHO_MAX_CONCURRENCY: String(o.cap),
        ...(o.flushWindowMs !== undefined ? { FLUSH_WINDOW_MS: o.flushWindowMs } : {}),
        ...o.env,
      },
    });
  }

  /** SIGTERM: the connector finishes what it runs and closes its store. */
  async stopConnector(): Promise<void> {
    const code = await this.connector?.stop();
    if (code !== 0 && code !== null) throw new Error(`the connector stopped with exit code ${code}`);
    this.connector = undefined;
  }

  async killConnector(): Promise<void> {
    await this.connector?.kill();
    this.connector = undefined;
  }

  /** Connects as the sandbox admin, creates the chat link field and saves the settings (not active yet). */
  async configure(settings: Record<string, unknown> = CONTACT_SETTINGS): Promise<void> {
    this.session = await connectAs(this.url, 'admin@sandbox.test');
    const s = this.session.token;
    const field = await api(
      this.url,
      s,
      'POST',
      `/api/zoho/modules/${String(settings.module)}/chat-link-field`,
    );
    if (field.status !== 201) throw new Error(`chat-link-field: ${JSON.stringify(field.body)}`);
    const saved = await api(this.url, s, 'PUT', '/api/settings', settings);
    if (saved.status !== 200) throw new Error(`settings: ${JSON.stringify(saved.body)}`);
  }

  /** Activates, and resolves once the phone index is built (its progress read like the settings page). */
  async activate(): Promise<{ indexMs: number; indexed: number }> {
    const t0 = Date.now();
    const res = await api(this.url, this.session!.token, 'POST', '/api/activate');
    if (res.status !== 200) throw new Error(`activate: ${JSON.stringify(res.body)}`);
    const index = await until(
      'the phone index',
      async () => {
        const ws = await api<{ workspace: { phoneIndex: { status: string; done: number } | null } }>(
          this.url,
          this.session!.token,
          'GET',
          '/api/workspace',
        );
        const i = ws.body.workspace.phoneIndex;
        return i?.status === 'ready' ? i : undefined;
      },
      10 * 60_000,
    );
    return { indexMs: Date.now() - t0, indexed: index.done };
  }

  async metricsText(): Promise<string> {
    const res = await fetch(`${this.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return res.text();
  }

  /** Zoho requests the connector made since it started, by kind (all answers: 2xx, 4xx, 5xx, errors). */
  async connectorCalls(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const m of (await this.metricsText()).matchAll(/^connector_zoho_calls_total\{([^}]*)\} (\S+)$/gm)) {
      const kind = /kind="([^"]+)"/.exec(m[1]!)?.[1] ?? 'other';
      out[kind] = (out[kind] ?? 0) + Number(m[2]);
    }
    return out;
  }

  async queueDepth(): Promise<number> {
    let depth = 0;
    for (const m of (await this.metricsText()).matchAll(/^connector_queue_depth\{[^}]*\} (\S+)$/gm))
      depth += Number(m[1]);
    return depth;
  }

  /** Resolves (with the time it was seen) once the queue is empty; polls every 250 ms. */
  async waitSynced(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.queueDepth()) === 0) return Date.now();
      if (Date.now() > deadline) throw new Error(`not synced after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Bytes of the store: the data file, its journal and attachments in transit; or the database. */
  async storeBytes(): Promise<number> {
    if (this.db) {
      const c = new pg.Client({ connectionString: this.db.url });
      await c.connect();
      try {
        const r = await c.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n');
        return Number(r.rows[0]?.n ?? 0);
      } finally {
        await c.end();
      }
    }
    return folderBytes(path.dirname(this.dataFile));
  }

  async close(): Promise<void> {
    await this.connector?.kill();
    this.emulator.close();
    await this.db?.drop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}
