/**
 * The composition root: builds the store, the Zoho gateways, the services, the scheduler and the
 * HTTP app, and binds them to a port. In sandbox mode (no ZOHO_CLIENT_ID) the Zoho CRM emulator runs
 * in the same process under /zoho and the sandbox pages under /sandbox.
 */
import type http from 'node:http';
import type { RequestListener } from 'node:http';
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
import { createHttpServer, DEFAULT_HTTP_TIMEOUTS, listen, notYet, type HttpTimeouts } from './http/listen.js';
import { checkSecretKey, sandboxSecret } from './startup.js';

import { TrustedOrigins } from './workspace/trustedOrigins.js';
import { AttachmentFetcher } from './jobs/attachments.js';
import { Housekeeping } from './jobs/housekeeping.js';
import { Intake } from './jobs/intake.js';
import { Scheduler } from './jobs/scheduler.js';
import { workspaceTurn, type RunnerDeps } from './jobs/workspaceRun.js';
import { Secrets } from './store/crypto.js';
import type { DocumentStoreOptions } from './store/document/documentStore.js';
import { openStore } from './store/open.js';
import type { Workspace } from './store/schema.js';
import type { Frozen, Store } from './store/store.js';
import { ActivationService } from './workspace/activation.js';
import { ConnectionService } from './workspace/connection.js';
import { GatewayRegistry, type ZohoApp } from './workspace/gateways.js';
import { MetadataCache } from './workspace/metadataCache.js';
import { SettingsService } from './workspace/settings.js';
// Type only: the emulator (and the sandbox routes) are loaded in sandbox mode alone, so that a
// production process never loads the test double.
import type { ZohoEmulator } from '../../emulator/zoho/index.js';
import type * as SandboxModule from './sandbox/sandboxRoutes.js';
import type { ZohoCallKind } from './zoho/gateway.js';
import { metricsEndpoint } from './metrics/endpoint.js';
import { Metrics, WEBHOOK_OUTCOMES, type WebhookOutcome } from './metrics/metrics.js';
import { queueStats } from './metrics/queueStats.js';
import { packageVersion } from './packageRoot.js';
import { panelRoutes } from './http/panelRoutes.js';
import { HistoryImporter, type ImporterOptions } from './history/importer.js';
import { PendingWrites } from './jobs/run/pendingWrites.js';
import { PanelSender } from './panel/send.js';
import { PanelTickets } from './panel/tickets.js';
import { TimelinesPacing } from './timelines/api/index.js';
import { TimelinesLinkService } from './workspace/timelinesLink.js';
import type { TimelinesEmulator } from '../../emulator/timelines/index.js';

export { DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from './http/listen.js';
export { StartupError } from './startup.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface RunningServer {
  url: string;
  /** the address and port actually listened on */
  listening: AddressInfo;
  config: Config;
  store: Store;
  scheduler: Scheduler;
  emulator: ZohoEmulator | undefined;
  /** the sandbox's TimelinesAI emulator (mounted under /timelines), undefined with real Zoho */
  timelinesEmulator: TimelinesEmulator | undefined;
  history: HistoryImporter;
  /** Zoho calls made by the connector, by kind (benchmarks and tests) */
  zohoCalls: Map<ZohoCallKind, number>;
  metrics: Metrics;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  maxConcurrency?: number;
  /** first retry delay after a temporary Zoho failure (tests use a short one) */
  retryBaseMs?: number;
  /** a workspace lease's lifetime (a killed process's work is taken over after it); default WORKSPACE_LEASE_MS */
  leaseTtlMs?: number;
  /** how often the queue is polled for work of other processes (PostgreSQL); default 1 s */
  pollMs?: number;
  /** messages per sync run (default 2,000) */
  batchSize?: number;
  /** HTTP server timeouts (tests use short ones) */
  httpTimeouts?: Partial<HttpTimeouts>;
  /** the embedded store's options (tests inject a full disk through its file-system seam) */
  store?: DocumentStoreOptions;
  /** replaces the readiness of /readyz (tests) */
  readiness?: Readiness;
  metrics?: Metrics;
  /** TimelinesAI pacing (tests: no 2 s between sends) */
  timelinesPacing?: TimelinesPacing;
  /** the history import's waves and polling (tests) */
  history?: Partial<ImporterOptions>;
  /**
   * URL prefixes whose attachments are downloaded without the host policy, as the sandbox's own
   * sample files are (benchmarks serve theirs from a local file server). A code seam, never a
   * setting: no environment variable reaches it.
   */
  trustedAttachmentPrefixes?: string[];
  /** the clock by which the intake reuses a workspace for a second (tests move it) */
  intakeNow?: () => number;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const dataDir = path.dirname(path.resolve(config.dataFile));
  const store = await openStore(config, options.store);
  let server: http.Server | undefined;
  try {
    // Bind first: with PORT=0 the public URL is only known once listening.
    const t = { ...DEFAULT_HTTP_TIMEOUTS, ...options.httpTimeouts };
    server = createHttpServer(t);
    // Probes and metrics answer from the moment the port is bound; everything else gets 503 until
    // the connector runs. Ready = running, and the store takes writes (PostgreSQL answers, its
    // migrations applied); /healthz says so too, with the reason when the store cannot write.
    const lifecycle = new Lifecycle();
    const storeReady: Readiness = async () => {
      const h = await store.health();
      return h.ok ? { ready: true } : { ready: false, reason: h.reason ?? 'the store is unavailable' };
    };
    const probes = probeEndpoint(options.readiness ?? allReady(lifecycle.readiness, storeReady), () =>
      store.health(),
    );
    const metrics = options.metrics ?? new Metrics({ version: packageVersion(here) });
    const scrape = metricsEndpoint(metrics, config.metricsToken, log);
    let handle: RequestListener = notYet;
    const logRequest = requestLogger(log);
    server.on('request', (req, res) =>
      logRequest(req, res, () => {
        if (!probes(req, res) && !scrape(req, res)) handle(req, res);
      }),
    );
    await listen(server, config.port, config.host);
    const port = (server.address() as AddressInfo).port;
    const publicUrl = config.publicUrl ?? `http://localhost:${port}`;
    const secrets = new Secrets(config.secretKey ?? sandboxSecret(dataDir));
    await checkSecretKey(store, secrets);
    const parts = { log, store, server, publicUrl, secrets, dataDir, lifecycle, metrics };
    return await compose(config, options, parts, (h) => (handle = h));
  } catch (e) {
    server?.close();
    await store.close({ flush: false }).catch(() => undefined);
    throw e;
  }
}

interface Parts {
  log: Logger;
  store: Store;
  server: http.Server;
  publicUrl: string;
  secrets: Secrets;
  dataDir: string;
  lifecycle: Lifecycle;
  metrics: Metrics;
}

async function compose(
  config: Config,
  options: StartOptions,
  parts: Parts,
  serve: (handler: RequestListener) => void,
): Promise<RunningServer> {
  const { log, store, server, publicUrl, secrets, dataDir, lifecycle, metrics } = parts;
  let emulator: ZohoEmulator | undefined;
  let sandbox: typeof SandboxModule | undefined;
  let app: ZohoApp;
  let overrides: { accountsUrl?: string | undefined; apiUrl?: string | undefined };
  /** the sandbox's sample files, downloaded from its own origin and port only */
  const trustedPrefixes: string[] = [...(options.trustedAttachmentPrefixes ?? [])];
  let timelinesEmulator: TimelinesEmulator | undefined;
  let timelinesApiUrl = config.timelinesApiUrl;
  if (config.zoho.mode === 'sandbox') {
    // TimelinesAI too is emulated in the sandbox (unless TIMELINES_API_URL names another one).
    const { createTimelinesEmulator } = await import('../../emulator/timelines/index.js');
    timelinesEmulator = createTimelinesEmulator({
      publicUrl: `${publicUrl}/timelines`,
      // Chat ids keep growing across restarts, so a fresh emulator never reuses a stored chat's id.
      firstChatId: Math.floor(Date.now() / 1000),
    });
    timelinesApiUrl ??= `${publicUrl}/timelines/integrations/api`;
    trustedPrefixes.push(`${publicUrl}/timelines/attachments/`);
  }
  if (config.zoho.mode === 'sandbox') {
    const { createZohoEmulator } = await import('../../emulator/zoho/index.js');
    sandbox = await import('./sandbox/sandboxRoutes.js');
    emulator = createZohoEmulator({ persistFile: path.join(dataDir, 'zoho-emulator.json') });
    emulator.setBaseUrl(`${publicUrl}/zoho`);
    emulator.registerClient(sandbox.SANDBOX_CLIENT);
    emulator.seedDefaultSandbox();
    app = sandbox.SANDBOX_CLIENT;
    overrides = { accountsUrl: `${publicUrl}/zoho`, apiUrl: `${publicUrl}/zoho` };
    trustedPrefixes.push(`${publicUrl}/sandbox/files/`);
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
    timeoutMs: config.zohoTimeoutMs,
  });
  const metadata = new MetadataCache();
  // `scheduler` is defined just below; downloads only finish after start-up.
  const files = new AttachmentFetcher(
    store,
    log,
    { allowedHosts: config.attachmentHosts, trustedPrefixes, onResult: metrics.attachmentDownloaded },
    (wsId) => scheduler.schedule(wsId, 0),
  );
  const runner: RunnerDeps = {
    store,
    // The sync's calls are paced by each org's credit budget; its runs wait when the budget is spent.
    gateways: {
      for: (ws: Frozen<Workspace>) => gateways.background(ws),
      runDelay: (ws: Frozen<Workspace>) => gateways.runDelay(ws),
    },
    metadata,
    files,
    log,
    now: Date.now,
    batchSize: options.batchSize ?? 2000,
    retryBaseMs: options.retryBaseMs,
    pendingWrites: new PendingWrites(config.zohoTimeoutMs),
    metrics,
  };
  const scheduler: Scheduler = new Scheduler(
    store,
    (wsId, lease, stopping) => workspaceTurn(runner, wsId, lease, stopping),
    log,
    {
      flushWindowMs: config.flushWindowMs,
      pollMs: options.pollMs ?? (store.engine === 'postgres' ? 1000 : 0),
      leaseTtlMs: options.leaseTtlMs ?? config.workspaceLeaseMs,
    },
  );
  const resume = (wsId: string) =>
    scheduler.requeueWaiting(wsId).catch((e: unknown) => log.error({ err: e }, 'requeue failed'));
  const webhookUrlOf = (ws: Frozen<Workspace>) =>
    `${publicUrl}/webhooks/timelines/${secrets.open<string>(ws.webhookToken)}`;
  const timelines = new TimelinesLinkService({
    store,
    secrets,
    publicUrl,
    apiUrl: timelinesApiUrl,
    pacing: options.timelinesPacing ?? new TimelinesPacing(),
    log,
    webhookUrl: webhookUrlOf,
  });
  /** After a reconnection TimelinesAI delivers again (a disconnect removed the subscriptions). */
  const rewire = async (wsId: string) => {
    const ws = await store.workspaces.get(wsId);
    if (ws?.active && ws.timelines) await timelines.syncWebhooks(ws, 'ensure');
  };
  const sandboxRouter =
    emulator && sandbox
      ? sandbox.sandboxRoutes({
          emulator,
          timelines: timelinesEmulator,
          store,
          secrets,
          publicUrl,
          dataDir,
          log,
        })
      : undefined;
  // `npm run replay` reads the sandbox's webhook URL from a 0600 file (the state endpoint shows it to the owner only).
  const publishWebhookUrl = () =>
    void sandboxRouter
      ?.publishWebhookUrl()
      .catch((e: unknown) => log.warn({ err: e }, 'sandbox webhook URL file not written'));
  const connection = new ConnectionService({
    store,
    secrets,
    gateways,
    app,
    publicUrl,
    overrides,
    origins: new TrustedOrigins(publicUrl, config.widgetOrigins),
    onConnected: async (wsId) => {
      publishWebhookUrl();
      await resume(wsId);
      await rewire(wsId);
    },
    onWebhookRotated: publishWebhookUrl,
  });
  const settings = new SettingsService(store, metadata);
  const activation = new ActivationService(store, metadata, resume);
  const intake = new Intake(
    store,
    secrets,
    {
      onQueued: (ws, q) => {
        if (q.files.length) files.ensure(q);
        scheduler.schedule(ws.id);
      },
    },
    options.intakeNow,
  );
  const history = new HistoryImporter({
    store,
    intake,
    timelines,
    log,
    holder: scheduler.holder,
    options: {
      maxWave: runner.batchSize,
      waveSize: Math.ceil((runner.batchSize * 3) / 4),
      ...options.history,
    },
  });
  const panel = {
    tickets: new PanelTickets({ store, secrets, metadata, zohoFor: (ws) => gateways.for(ws) }),
    sender: new PanelSender({ store, timelines, log }),
  };
  const housekeeping = new Housekeeping(store, log);
  // The queue gauges read the store at scrape time; credits come from this process's budgets.
  metrics.setSources({ queue: () => queueStats(store), credits: () => gateways.creditUsage() });

  const web = express();
  web.disable('x-powered-by');
  web.set('trust proxy', false);
  web.use(oauthRoutes(connection));
  web.use(panelRoutes(panel));
  web.use(
    adminRoutes({
      timelines,
      history,
      store,
      secrets,
      gateways,
      connection,
      settings,
      activation,
      ...(sandbox ? { crmUrl: sandbox.sandboxCrmUrl(publicUrl) } : {}),
    }),
  );
  if (emulator && sandboxRouter) {
    web.use('/zoho', emulator.router);
    if (timelinesEmulator) web.use('/timelines', timelinesEmulator.router);
    web.use(sandboxRouter.router);
    publishWebhookUrl();
  }
  web.use(notFound);
  web.use(errorHandler(log, (code) => metrics.error('http', code)));
  // Webhook deliveries are answered without Express (see webhookRoutes.ts); everything else by it.
  const webhook = webhookEndpoint(intake, log, ({ req, outcome, seconds, workspaceId }) => {
    setRequestWorkspace(req, workspaceId);
    metrics.webhookAnswered(webhookOutcome(outcome), seconds);
  });
  serve((req, res) => {
    if (!webhook(req, res)) web(req, res);
  });

  await scheduler.start();
  for (const q of await store.queue.withPendingFiles()) files.ensure(q);
  await history.start();
  // The sandbox's TimelinesAI starts empty: it is told again where to deliver.
  if (sandboxRouter) for (const ws of await store.workspaces.all()) await rewire(ws.id);
  housekeeping.start();
  lifecycle.running();

  let closing: Promise<void> | undefined;
  return {
    url: publicUrl,
    listening: server.address() as AddressInfo,
    config,
    store,
    scheduler,
    emulator,
    timelinesEmulator,
    history,
    zohoCalls,
    metrics,
    close() {
      // Graceful: stop taking connections and answer those in flight, stop starting runs and let
      // the running ones end their batch (leases released), then close the store.
      closing ??= (async () => {
        lifecycle.stopping();
        housekeeping.stop();
        const httpDone = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.all([scheduler.stop(), history.stop()]);
        const forced = setTimeout(() => server.closeAllConnections(), 10_000);
        await httpDone;
        clearTimeout(forced);
        await store.close();
        await emulator?.flush();
        log.flush?.();
      })();
      return closing;
    },
  };
}

function webhookOutcome(outcome: string): WebhookOutcome {
  return (WEBHOOK_OUTCOMES as readonly string[]).includes(outcome) ? (outcome as WebhookOutcome) : 'other';
}
