/**
 * The composition root: builds the store, the Zoho gateways, the services, the worker and the HTTP
 * app, and binds them to a port. In sandbox mode (no ZOHO_CLIENT_ID) the Zoho CRM emulator runs in
 * the same process under /zoho and the sandbox pages under /sandbox.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http, { type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { adminRoutes } from './http/adminRoutes.js';
import { errorHandler, notFound } from './http/errors.js';
import { oauthRoutes } from './http/oauthRoutes.js';
import { allReady, Lifecycle, probeEndpoint, type Readiness } from './http/probes.js';
import { requestLogger, setRequestWorkspace } from './http/requestLog.js';
import { webhookEndpoint } from './http/webhookRoutes.js';
import { AttachmentFetcher } from './jobs/attachments.js';
import { Housekeeping } from './jobs/housekeeping.js';
import { Intake } from './jobs/intake.js';
import { SyncWorker } from './jobs/worker.js';
import { Secrets } from './store/crypto.js';
import type { Workspace } from './store/schema.js';
import { Store } from './store/store.js';
import { ActivationService } from './workspace/activation.js';
import { ConnectionService } from './workspace/connection.js';
import { GatewayRegistry, type ZohoApp } from './workspace/gateways.js';
import { MetadataCache } from './workspace/metadataCache.js';
import { SettingsService } from './workspace/settings.js';
import { createZohoEmulator, type ZohoEmulator } from './emulator/index.js';
import { documentQueueStats } from './metrics/documentQueue.js';
import { metricsEndpoint } from './metrics/endpoint.js';
import { Metrics, WEBHOOK_OUTCOMES, type WebhookOutcome } from './metrics/metrics.js';
import { packageVersion } from './packageRoot.js';
import { sandboxRoutes, SANDBOX_CLIENT } from './sandbox/sandboxRoutes.js';
import type { ZohoCallKind } from './zoho/gateway.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface RunningServer {
  url: string;
  config: Config;
  store: Store;
  worker: SyncWorker;
  emulator: ZohoEmulator | undefined;
  /** Zoho calls made by the connector, by kind (benchmarks and tests) */
  zohoCalls: Map<ZohoCallKind, number>;
  metrics: Metrics;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** a different search-lag safety window (tests with a small emulator lag) */
  searchLagSafetyMs?: number;
  maxConcurrency?: number;
  /** first retry delay after a temporary Zoho failure (tests use a short one) */
  retryBaseMs?: number;
  /** replaces the readiness of /readyz (tests) */
  readiness?: Readiness;
  metrics?: Metrics;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const dataDir = path.dirname(path.resolve(config.dataFile));
  mkdirSync(dataDir, { recursive: true });

  // Bind first: with PORT=0 the public URL is only known once listening.
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const publicUrl = config.publicUrl ?? `http://localhost:${port}`;

  // Probes answer from now on; everything else gets 503 until the connector is running.
  // The store's own check joins here: the PostgreSQL engine's `SELECT 1` and migration version, as
  // allReady(lifecycle.readiness, () => store.readiness()). Today's document store lives in this
  // process and is ready once open, which the lifecycle already says.
  const lifecycle = new Lifecycle();
  const probes = probeEndpoint(options.readiness ?? allReady(lifecycle.readiness));
  const metrics = options.metrics ?? new Metrics({ version: packageVersion(here) });
  const scrape = metricsEndpoint(metrics, config.metricsToken, log);
  let handle: RequestListener = notYet;
  const logRequest = requestLogger(log);
  server.on('request', (req, res) =>
    logRequest(req, res, () => {
      if (!probes(req, res) && !scrape(req, res)) handle(req, res);
    }),
  );

  const secretKey = config.secretKey ?? sandboxSecret(dataDir);
  const secrets = new Secrets(secretKey);
  const store = await Store.open(config.dataFile);

  let emulator: ZohoEmulator | undefined;
  let app: ZohoApp;
  let overrides: { accountsUrl?: string | undefined; apiUrl?: string | undefined };
  const attachmentHosts = [...config.attachmentHosts];
  if (config.zoho.mode === 'sandbox') {
    emulator = createZohoEmulator({ persistFile: path.join(dataDir, 'zoho-emulator.json') });
    emulator.setBaseUrl(`${publicUrl}/zoho`);
    emulator.registerClient(SANDBOX_CLIENT);
    emulator.seedDefaultSandbox();
    app = SANDBOX_CLIENT;
    overrides = { accountsUrl: `${publicUrl}/zoho`, apiUrl: `${publicUrl}/zoho` };
    attachmentHosts.push('localhost', '127.0.0.1', new URL(publicUrl).hostname);
  } else {
    app = { clientId: config.zoho.clientId, clientSecret: config.zoho.clientSecret };
    overrides = { accountsUrl: config.zoho.accountsUrl, apiUrl: config.zoho.apiUrl };
  }

  const zohoCalls = new Map<ZohoCallKind, number>();
  const gateways = new GatewayRegistry(store, secrets, app, {
    onCall: (_ws, kind) => zohoCalls.set(kind, (zohoCalls.get(kind) ?? 0) + 1),
    onAnswer: metrics.zohoAnswered,
    onCreditWait: metrics.creditWaited,
    maxConcurrency: options.maxConcurrency ?? config.zohoMaxConcurrency,
    dailyCredits: config.zohoDailyCredits,
  });
  const metadata = new MetadataCache();
  const files = new AttachmentFetcher(
    store,
    log,
    {
      dir: path.join(dataDir, 'attachments'),
      allowedHosts: attachmentHosts,
      onResult: metrics.attachmentDownloaded,
    },
    // `worker` is defined just below; downloads only finish after start-up.
    (wsId) => worker.schedule(wsId, 0),
  );
  // The sync's calls are paced by each org's credit budget; its runs wait when the budget is spent.
  const syncGateways = {
    for: (ws: Workspace) => gateways.background(ws),
    runDelay: (ws: Workspace) => gateways.runDelay(ws),
  };
  const worker: SyncWorker = new SyncWorker(store, syncGateways, metadata, files, log, {
    flushWindowMs: config.flushWindowMs,
    searchLagSafetyMs: options.searchLagSafetyMs ?? config.searchLagMs,
    ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
  });
  const connection = new ConnectionService({
    store,
    secrets,
    gateways,
    app,
    publicUrl,
    overrides,
    onConnected: (wsId) => worker.requeueWaiting(wsId),
  });
  const settings = new SettingsService(store, metadata);
  const activation = new ActivationService(store, metadata, (wsId) => worker.requeueWaiting(wsId));
  const intake = new Intake(store, secrets, {
    onQueued: (ws, q) => {
      if (q.files.length) files.ensure(q);
      worker.schedule(ws.id);
    },
  });
  const housekeeping = new Housekeeping(store);
  // The queue gauges read the store at scrape time: the PostgreSQL engine passes its grouped query.
  metrics.setSources({ queue: () => documentQueueStats(store), credits: () => gateways.creditUsage() });

  const web = express();
  web.disable('x-powered-by');
  web.set('trust proxy', false);
  web.use(oauthRoutes(connection));
  web.use(adminRoutes({ store, secrets, gateways, connection, settings, activation }));
  if (emulator) {
    web.use('/zoho', emulator.router);
    web.use(sandboxRoutes({ emulator, store, secrets, publicUrl, log }));
  }
  web.use(notFound);
  web.use(errorHandler(log, (code) => metrics.error('http', code)));
  // Webhook deliveries are answered without Express (see webhookRoutes.ts); everything else by it.
  const webhook = webhookEndpoint(intake, log, ({ req, outcome, seconds, workspaceId }) => {
    setRequestWorkspace(req, workspaceId);
    metrics.webhookAnswered(webhookOutcome(outcome), seconds);
  });
  handle = (req, res) => {
    if (!webhook(req, res)) web(req, res);
  };

  worker.start();
  housekeeping.start();
  lifecycle.running();

  let closed = false;
  return {
    url: publicUrl,
    config,
    store,
    worker,
    emulator,
    zohoCalls,
    metrics,
    async close() {
      if (closed) return;
      closed = true;
      lifecycle.stopping();
      housekeeping.stop();
      await worker.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
      await emulator?.flush();
      log.flush?.();
    },
  };
}

function webhookOutcome(outcome: string): WebhookOutcome {
  return (WEBHOOK_OUTCOMES as readonly string[]).includes(outcome) ? (outcome as WebhookOutcome) : 'other';
}

/** Requests other than the probes while the connector starts. */
const notYet: RequestListener = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
  res.end(
    JSON.stringify({ error: { code: 'STARTING', message: 'The connector is starting: try again shortly.' } }),
  );
};

/** The sandbox keeps its own SECRET_KEY beside the data file, so tokens survive restarts. */
function sandboxSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}
