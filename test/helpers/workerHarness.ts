/**
 * The sync (scheduler, workspace turns, run steps) against a fake Zoho gateway and a real store of
 * either engine: for tests that need Zoho to misbehave in ways the emulator cannot (an answer lost
 * after the write took effect).
 */
import { AttachmentFetcher } from '../../server/src/jobs/attachments.js';
import { Scheduler } from '../../server/src/jobs/scheduler.js';
import { workspaceTurn, type GatewayProvider, type RunnerDeps } from '../../server/src/jobs/workspaceRun.js';
import { createLogger } from '../../server/src/log.js';
import type { QueuedEvent, Workspace } from '../../server/src/store/schema.js';
import type { Store } from '../../server/src/store/store.js';
import { parseTimelinesWebhook } from '../../server/src/timelines/schema.js';
import type { MessageEvent } from '../../server/src/timelines/events.js';
import { queuedEvent } from '../../server/src/jobs/intake.js';
import { MetadataCache } from '../../server/src/workspace/metadataCache.js';
import { PendingWrites } from '../../server/src/jobs/run/pendingWrites.js';
import { FakeGateway } from './fakeGateway.js';
import { message, type Msg } from './messages.js';
import { workspace, type EngineUnderTest } from './storeFixtures.js';

export interface WorkerHarness {
  store: Store;
  zoho: FakeGateway;
  ws: Workspace;
  scheduler: Scheduler;
  /** queues a message as the intake would (files: the attachment states to start with) */
  enqueue(m: Msg, files?: QueuedEvent['files']): Promise<QueuedEvent>;
  /** runs the workspace until nothing is due */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function startWorker(
  engine: EngineUnderTest,
  opts: {
    gateways?: (zoho: FakeGateway) => GatewayProvider;
    ws?: Partial<Workspace>;
    /** how long a write whose answer was lost is given to land (ZOHO_TIMEOUT_MS; short here) */
    settleMs?: number;
  } = {},
): Promise<WorkerHarness> {
  const store = await engine.open();
  const zoho = new FakeGateway();
  const ws = workspace(opts.ws);
  const uow = store.begin();
  uow.workspaces.create(ws);
  await uow.commit();
  const log = createLogger(process.env.DBG ? 'debug' : 'silent');
  const files = new AttachmentFetcher(store, log, { allowedHosts: [] }, () => undefined);
  const runner: RunnerDeps = {
    store,
    gateways: opts.gateways?.(zoho) ?? { for: () => zoho },
    metadata: new MetadataCache(),
    files,
    log,
    now: Date.now,
    batchSize: 2000,
    retryBaseMs: 5,
    pendingWrites: new PendingWrites(opts.settleMs ?? 50),
  };
  const scheduler = new Scheduler(
    store,
    (id, lease, stopping) => workspaceTurn(runner, id, lease, stopping),
    log,
    {
      flushWindowMs: 0,
      pollMs: 0,
      leaseTtlMs: 30_000,
    },
  );
  return {
    store,
    zoho,
    ws,
    scheduler,
    async enqueue(m, initialFiles) {
      const parsed = parseTimelinesWebhook(message(m));
      if (!parsed.ok) throw new Error(parsed.error);
      const q = queuedEvent(ws.id, parsed.event as MessageEvent);
      if (initialFiles) q.files = initialFiles;
      await store.queue.enqueue([{ workspaceId: ws.id, messageId: q.event.messageId, event: q }]);
      return q;
    },
    async drain() {
      scheduler.schedule(ws.id, 0);
      await scheduler.idle();
    },
    async close() {
      await scheduler.stop();
      await store.close();
      await engine.cleanup();
    },
  };
}
