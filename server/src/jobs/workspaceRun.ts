/**
 * Everything a workspace's turn does while its process holds the workspace's lease: build the phone
 * index when one is due, then take batches of due messages through a sync run until none is left.
 *
 * Messages wait (not counted as attempts) while Zoho CRM is disconnected or the integration inactive,
 * and are taken up again on reconnection / reactivation. Near the org's daily API credit limit the
 * turn is put off. A Zoho failure goes to the retry policy, once with fresh metadata when the failure
 * may come from a field changed in the CRM since it was read.
 */
import type { Logger } from '../log.js';
import type { Workspace } from '../store/schema.js';
import { completeSettings } from '../store/schema.js';
import { newIndexState, sameFields } from '../store/phoneIndexState.js';
import type { Frozen, Lease, Store } from '../store/store.js';
import { isZohoError, type ZohoErrorCode } from '../zoho/errors.js';
import type { ZohoGateway } from '../zoho/gateway.js';
import type { MetadataCache } from '../workspace/metadataCache.js';
import type { AttachmentFetcher } from './attachments.js';
import { buildIndex, type IndexJob } from './phoneIndex/build.js';
import { RunContext, type Event, type RunServices } from './run/context.js';
import type { PendingWrites } from './run/pendingWrites.js';
import { isStaleMetadata, syncBatch } from './run/syncRun.js';

/** Where a run gets a workspace's Zoho gateway (workspace/gateways.ts; a fake in tests). */
export interface GatewayProvider {
  for(ws: Frozen<Workspace>): ZohoGateway | undefined;
  /** How long the workspace's next run should wait for API credits (the org's daily limit); 0: go. */
  runDelay?(ws: Frozen<Workspace>): number;
}

/** What a run reports to the metrics (metrics/metrics.ts; absent in tests that do not look). */
export interface RunMetrics {
  syncRunFinished(outcome: 'synced' | 'failed' | 'waiting' | 'deferred' | 'crashed', seconds?: number): void;
  eventsFinished(outcome: 'synced' | 'skipped' | 'failed', n: number): void;
  syncFailed(code: ZohoErrorCode): void;
}

export interface RunnerDeps {
  store: Store;
  metrics?: RunMetrics | undefined;
  gateways: GatewayProvider;
  metadata: MetadataCache;
  files: AttachmentFetcher;
  log: Logger;
  now: () => number;
  batchSize: number;
  retryBaseMs?: number | undefined;
  /** writes whose answer was lost (run/pendingWrites.ts): one per process, shared by its runs */
  pendingWrites: PendingWrites;
}

/** What the scheduler should do after a turn. */
export type TurnResult = { deferUntil?: number };

export async function workspaceTurn(
  deps: RunnerDeps,
  workspaceId: string,
  lease: Lease | undefined,
  stopping: () => boolean,
): Promise<TurnResult> {
  const { store } = deps;
  let retriedMetadata = false;
  for (;;) {
    if (stopping()) return {};
    const ws = await store.workspaces.get(workspaceId);
    if (!ws) return {};
    const wait = deps.gateways.runDelay?.(ws) ?? 0;
    if (wait > 0) {
      deps.metrics?.syncRunFinished('deferred');
      return { deferUntil: deps.now() + wait }; // out of credits: put off, nothing counted
    }
    const zoho = deps.gateways.for(ws);
    const settings = completeSettings(ws.settings);
    const services: RunServices = { ...deps };
    const index: IndexJob = {
      store,
      zoho: zoho!,
      workspaceId,
      countryCode: ws.countryCode,
      lease,
      log: deps.log,
      now: deps.now,
      stopping,
    };
    const batch = await store.queue.claim(workspaceId, deps.now(), deps.batchSize);
    if (zoho && ws.active && settings) {
      try {
        if ((await ensureIndex(deps, index, ws, settings.module)) === 'stopped') return {};
      } catch (e) {
        if (!isZohoError(e)) throw e;
        // The build goes on where it stopped (its progress is stored); messages wait for it as
        // after any Zoho failure (retry policy), and without messages the turn comes back later.
        deps.log.warn({ workspaceId, code: e.code }, 'phone index build interrupted');
        if (batch.length === 0) return { deferUntil: deps.now() + Math.max(e.retryAfterMs ?? 0, 5000) };
        const ctx = new RunContext(services, ws, settings, zoho, batch, lease);
        ctx.fail(ctx.open(), {
          code: e.code,
          message: `${e.zohoCode ?? e.code}: ${e.message}`,
          retryAfterMs: e.retryAfterMs,
        });
        await ctx.commit();
        continue;
      }
    }
    if (batch.length === 0) return {};
    if (!zoho || !ws.active || !settings) {
      const why = !zoho
        ? 'Zoho CRM is disconnected: reconnect it and the queued messages will sync'
        : 'the integration was deactivated: these messages sync when it is activated again';
      await waitFor(deps, ws, batch, lease, why);
      deps.metrics?.syncRunFinished('waiting');
      continue;
    }
    const ctx = new RunContext(services, ws, settings, zoho, batch, lease);
    const started = performance.now();
    try {
      await syncBatch(ctx, index);
      report(deps, ctx, 'synced', started);
    } catch (e) {
      if (!isZohoError(e)) throw e;
      if (isStaleMetadata(e) && !retriedMetadata) {
        // A field may have changed in the CRM since it was read: once more with fresh metadata.
        retriedMetadata = true;
        deps.metadata.invalidate(ws.id);
        await ctx.commit();
        continue;
      }
      ctx.fail(ctx.open(), {
        code: e.code,
        message: `${e.zohoCode ?? e.code}: ${e.message}`,
        retryAfterMs: e.retryAfterMs,
      });
      await ctx.commit();
      deps.metrics?.syncFailed(e.code);
      report(deps, ctx, 'failed', started);
      deps.log.warn({ workspaceId, code: e.code, events: batch.length }, 'sync failed; policy applied');
    }
    // Whatever the run left pending and due (it should not) waits a moment: never spin.
    const later = deps.now() + 1000;
    const inBatch = new Set(batch.map((b) => b.key));
    const stuck = (await store.queue.claim(workspaceId, deps.now(), deps.batchSize)).filter((q) =>
      inBatch.has(q.key),
    );
    if (stuck.length) {
      const uow = store.begin({ lease });
      for (const q of stuck) uow.queue.patch(q.key, { notBefore: later });
      await uow.commit();
    }
  }
}

/** One batch's end in the metrics: the run's outcome and what became of its messages. */
function report(deps: RunnerDeps, ctx: RunContext, outcome: 'synced' | 'failed', started: number): void {
  if (!deps.metrics) return;
  deps.metrics.syncRunFinished(outcome, (performance.now() - started) / 1000);
  for (const [o, n] of Object.entries(ctx.outcomes)) if (n > 0) deps.metrics.eventsFinished(o as 'synced', n);
}

/**
 * The phone index matches the settings (module, phone fields) or is rebuilt; a build due is done
 * now, before messages are matched (they would wait for it anyway).
 */
async function ensureIndex(
  deps: RunnerDeps,
  index: IndexJob,
  ws: Frozen<Workspace>,
  module: string,
): Promise<'ready' | 'stopped'> {
  const fields = await deps.metadata.fields(ws.id, index.zoho, module);
  const phoneFields = fields.filter((f) => f.type === 'phone').map((f) => f.apiName);
  let state = await deps.store.phoneIndex.state(ws.id);
  if (!state || state.module !== module || !sameFields(state.phoneFields, phoneFields)) {
    const uow = deps.store.begin({ lease: index.lease });
    uow.phoneIndex.start(ws.id, newIndexState(module, phoneFields, new Date(deps.now())));
    await uow.commit();
    state = await deps.store.phoneIndex.state(ws.id);
  }
  if (state!.status === 'ready') return 'ready';
  return buildIndex(index, state!);
}

/** Messages that cannot sync now (disconnected, inactive) wait, each logged; nothing is counted. */
async function waitFor(
  deps: RunnerDeps,
  ws: Frozen<Workspace>,
  events: Event[],
  lease: Lease | undefined,
  reason: string,
): Promise<void> {
  const uow = deps.store.begin({ lease });
  for (const q of events) {
    uow.queue.patch(q.key, { state: 'waiting', lastError: reason });
    if (q.state === 'waiting' && q.lastError === reason) continue;
    uow.syncLog.add({
      workspaceId: ws.id,
      chatId: q.event.chat.id,
      messageId: q.event.messageId,
      outcome: 'failed',
      reason: `kept in the queue: ${reason}`,
      recordId: null,
      noteId: null,
      willRetry: true,
      kind: 'message',
      ...(q.event.chat.name ? { contactName: q.event.chat.name } : {}),
    });
  }
  await uow.commit();
}
