/**
 * Every metric of the connector, in one registry per connector (several run side by side in tests),
 * exposed at /metrics in Prometheus' text format (endpoint.ts).
 *
 * Labels are bounded: the workspace id at most (one per connected org), never a phone number, a
 * name, a chat or a message id. Values that come from outside (an HTTP status, an error code) are
 * mapped onto fixed sets before they become labels.
 *
 * Most metrics are counted where things happen (the webhook endpoint, the Zoho gateways, the credit
 * budget's pacing, attachment downloads, the API's error handler). The queue and the credit gauges
 * are read at scrape time through functions the composition root provides. The sync worker reports
 * through `syncRunFinished`, `eventsFinished` and `syncFailed` (bound methods: pass them around as
 * plain functions).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ZohoErrorCode } from '../zoho/errors.js';
import type { ZohoCallKind } from '../zoho/gateway.js';
import type { DownloadResult } from '../jobs/attachments.js';

/** One workspace's queue, as the store reports it. */
export interface QueueStat {
  workspaceId: string;
  /** messages received and not yet synced or skipped */
  depth: number;
  /** of those, how many wait for the admin (reconnect, reactivate) rather than for a retry */
  waiting: number;
  /** when the oldest of them was received (epoch ms); undefined when depth is 0 */
  oldestReceivedAt: number | undefined;
}

export interface CreditStat {
  workspaceId: string;
  used: number;
  dailyLimit: number;
}

export interface MetricsSources {
  queue: () => QueueStat[] | Promise<QueueStat[]>;
  credits: () => CreditStat[];
  now?: () => number;
}

/** How a webhook delivery ended: the intake's outcome for 200s, else its error code. */
export const WEBHOOK_OUTCOMES = [
  'queued',
  'duplicate',
  'skipped',
  'unknown_webhook',
  'invalid_body',
  'invalid_event',
  'invalid_json',
  'payload_too_large',
  'internal',
  'other',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/**
 * How a sync run ended. `synced`: every event of the batch reached an end (synced or skipped);
 * `failed`: a Zoho error stopped it and the retry policy took over; `waiting`: nothing could be
 * tried (disconnected or deactivated); `deferred`: put off for the org's credit budget; `crashed`:
 * an unexpected exception.
 */
export const SYNC_RUN_OUTCOMES = ['synced', 'failed', 'waiting', 'deferred', 'crashed'] as const;
export type SyncRunOutcome = (typeof SYNC_RUN_OUTCOMES)[number];
export const EVENT_OUTCOMES = ['synced', 'skipped', 'failed'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

export type ErrorSource = 'http' | 'webhook' | 'zoho' | 'sync';

const DOWNLOAD_RESULTS: readonly (DownloadResult | 'retry')[] = [
  'downloaded',
  'blocked',
  'http_error',
  'too_large',
  'network_error',
  'retry',
];

/** An error code as a label: upper-case API codes and Zoho's lower-case codes, nothing else. */
function codeLabel(code: string): string {
  return /^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(code) ? code : 'other';
}

function statusLabel(status: number | 'network_error'): string {
  if (status === 'network_error') return status;
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other';
}

export class Metrics {
  readonly registry = new Registry();
  readonly #now: () => number;
  #sources: MetricsSources | undefined;
  #queueSnapshot: Promise<QueueStat[]> | undefined;

  readonly #webhooks = new Counter({
    name: 'connector_webhooks_received_total',
    help: 'TimelinesAI webhook deliveries, by how they were answered',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly #webhookSeconds = new Histogram({
    name: 'connector_webhook_duration_seconds',
    help: 'Time from a webhook request to its answer (the answer follows the durable write)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly #syncRuns = new Counter({
    name: 'connector_sync_runs_total',
    help: 'Sync runs (one batch of one workspace), by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly #syncSeconds = new Histogram({
    name: 'connector_sync_run_duration_seconds',
    help: 'Duration of sync runs',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly #events = new Counter({
    name: 'connector_sync_events_total',
    help: 'Queued messages that reached an end in a sync run, by outcome (failed: a failure was logged for it)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly #zohoCalls = new Counter({
    name: 'connector_zoho_calls_total',
    help: 'HTTP requests to Zoho (API and token refreshes), by kind and answer status',
    labelNames: ['kind', 'status'],
    registers: [this.registry],
  });
  readonly #rateLimited = new Counter({
    name: 'connector_zoho_rate_limited_total',
    help: 'Zoho answers 429 (too many requests), by workspace',
    labelNames: ['workspace_id'],
    registers: [this.registry],
  });
  readonly #creditWait = new Counter({
    name: 'connector_zoho_credit_wait_seconds_total',
    help: "Time sync calls waited for the org's daily credit budget, by workspace",
    labelNames: ['workspace_id'],
    registers: [this.registry],
  });
  readonly #downloads = new Counter({
    name: 'connector_attachment_downloads_total',
    help: 'Attachment downloads, by result (retry: a transient failure tried again)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly #downloadBytes = new Counter({
    name: 'connector_attachment_download_bytes_total',
    help: 'Bytes of attachments downloaded',
    registers: [this.registry],
  });
  readonly #errors = new Counter({
    name: 'connector_errors_total',
    help: 'Errors by where they happened and their code',
    labelNames: ['source', 'code'],
    registers: [this.registry],
  });

  constructor(opts: { version?: string; defaultMetrics?: boolean; now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
    // Gauges call collect() with themselves as `this`; these arrows reach the Metrics instance.
    const queue = () => this.#queue();
    const now = () => this.#now();
    const creditStats = () => this.#sources?.credits() ?? [];
    const perWorkspace = (name: string, help: string, value: (s: QueueStat, now: number) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['workspace_id'],
        registers: [this.registry],
        async collect() {
          this.reset(); // workspaces that left the queue leave the metric too
          const at = now();
          for (const s of await queue()) this.set({ workspace_id: s.workspaceId }, value(s, at));
        },
      });
    perWorkspace('connector_queue_depth', 'Messages queued and not yet synced', (s) => s.depth);
    perWorkspace(
      'connector_queue_waiting',
      'Queued messages waiting for the admin (reconnect or reactivate)',
      (s) => s.waiting,
    );
    perWorkspace(
      'connector_queue_oldest_age_seconds',
      'Age of the oldest queued message (0 when the queue is empty)',
      (s, now) => (s.oldestReceivedAt === undefined ? 0 : Math.max(0, (now - s.oldestReceivedAt) / 1000)),
    );
    const credits = (name: string, help: string, value: (c: CreditStat) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['workspace_id'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const c of creditStats()) this.set({ workspace_id: c.workspaceId }, value(c));
        },
      });
    credits(
      'connector_zoho_credits_used',
      "Zoho API credits spent in the last 24 h (this process's count)",
      (c) => c.used,
    );
    credits('connector_zoho_credits_daily_limit', "The org's daily Zoho credit budget", (c) => c.dailyLimit);
    new Gauge({
      name: 'connector_build_info',
      help: 'The running version (always 1)',
      labelNames: ['version'],
      registers: [this.registry],
    }).set({ version: opts.version ?? 'unknown' }, 1);
    // Every outcome is exported from the start (at 0), so rates and alerts work before the first one.
    for (const o of WEBHOOK_OUTCOMES) this.#webhooks.inc({ outcome: o }, 0);
    for (const o of SYNC_RUN_OUTCOMES) this.#syncRuns.inc({ outcome: o }, 0);
    for (const o of EVENT_OUTCOMES) this.#events.inc({ outcome: o }, 0);
    for (const r of DOWNLOAD_RESULTS) this.#downloads.inc({ result: r }, 0);
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the scrape-time gauges read from (the composition root, once the store is open). */
  setSources(sources: MetricsSources): void {
    this.#sources = sources;
  }

  /** One queue read per scrape, shared by the three queue gauges (exposition() starts each scrape afresh). */
  #queue(): Promise<QueueStat[]> {
    this.#queueSnapshot ??= Promise.resolve(this.#sources?.queue() ?? []);
    return this.#queueSnapshot;
  }

  readonly webhookAnswered = (outcome: WebhookOutcome, seconds: number): void => {
    this.#webhooks.inc({ outcome });
    this.#webhookSeconds.observe(seconds);
    if (!['queued', 'duplicate', 'skipped'].includes(outcome)) this.error('webhook', outcome);
  };

  readonly zohoAnswered = (
    workspaceId: string,
    kind: ZohoCallKind,
    status: number | 'network_error',
  ): void => {
    const label = statusLabel(status);
    this.#zohoCalls.inc({ kind, status: label });
    if (label === '429') this.#rateLimited.inc({ workspace_id: workspaceId });
    if (label === 'network_error') this.error('zoho', 'network_error');
  };

  readonly creditWaited = (workspaceId: string, ms: number): void => {
    this.#creditWait.inc({ workspace_id: workspaceId }, ms / 1000);
  };

  readonly attachmentDownloaded = (result: DownloadResult | 'retry', bytes: number): void => {
    this.#downloads.inc({ result });
    if (bytes > 0) this.#downloadBytes.inc(bytes);
  };

  /** A sync run ended (the worker: once per batch run). */
  readonly syncRunFinished = (outcome: SyncRunOutcome, seconds?: number): void => {
    this.#syncRuns.inc({ outcome });
    if (seconds !== undefined) this.#syncSeconds.observe(seconds);
  };

  /** `n` queued messages reached an outcome in a run (the worker: after the run's commit). */
  readonly eventsFinished = (outcome: EventOutcome, n: number): void => {
    if (n > 0) this.#events.inc({ outcome }, n);
  };

  /** A Zoho error stopped (part of) a sync run; the retry policy decides what happens next. */
  readonly syncFailed = (code: ZohoErrorCode): void => {
    this.error('sync', code);
  };

  readonly error = (source: ErrorSource, code: string): void => {
    this.#errors.inc({ source, code: codeLabel(code) });
  };

  /** The text exposition of every metric. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    this.#queueSnapshot = undefined;
    try {
      return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    } finally {
      this.#queueSnapshot = undefined;
    }
  }
}
