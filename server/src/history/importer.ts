/**
 * History import: the 1:1 chats and messages of TimelinesAI from a start day up to the moment the
 * import starts (webhooks deliver what follows), through the same intake rules and sync steps as the
 * webhooks. Progress and the cursor live in the workspace (`historyImport`), so an import resumes
 * where it stopped after a restart or a crash (its reads since the last saved cursor are repeated;
 * the message ids make that harmless).
 *
 * Pacing:
 * - TimelinesAI: every call goes through the process's TimelinesPacing (25 requests/s for all
 *   workspaces, under TimelinesAI's 30/s per IP); the import costs about one API call per 50 chats
 *   plus one per 50 messages of each chat.
 * - Zoho: messages are handed to the sync in waves of whole chats (about `waveSize` messages, never
 *   more than a sync run takes), and the next wave waits until the previous one left the queue. So
 *   the sync writes each chat-day's Note once, records and Notes go 100 a call, and the org's credit
 *   budget paces the runs (workspace/gateways.ts) as for live traffic.
 *
 * One process imports a workspace at a time: it holds the lease `history:<workspace id>`.
 */
import type { HistoryImportAnswer } from '../../../contract/adminApi.js';
import { Problem } from '../errors.js';
import type { Logger } from '../log.js';
import type { Intake } from '../jobs/intake.js';
import type { HistoryImport, Workspace } from '../store/schema.js';
import { patchWorkspace, type Frozen, type Lease, type Store } from '../store/store.js';
import { localDay } from '../sync/dayGrouping.js';
import type { TimelinesLinkService } from '../workspace/timelinesLink.js';
import { toAnswer } from './report.js';
import { ImportRun } from './importRun.js';

export interface ImporterOptions {
  /** a wave is closed once it holds this many messages (whole chats) */
  waveSize: number;
  /** and never holds more than this (a sync run's batch): a bigger chat is cut by message pages */
  maxWave: number;
  /** the next wave waits until the workspace's queue holds at most this many messages */
  drainBelow: number;
  pollMs: number;
  leaseTtlMs: number;
  /** how far back the start day may be */
  maxDays: number;
}

export const DEFAULT_IMPORTER_OPTIONS: ImporterOptions = {
  waveSize: 1800,
  maxWave: 2000,
  drainBelow: 50,
  pollMs: 500,
  leaseTtlMs: 30_000,
  maxDays: 366,
};

export interface ImporterDeps {
  store: Store;
  intake: Intake;
  timelines: TimelinesLinkService;
  log: Logger;
  /** this process, as a lease holder */
  holder: string;
  now?: () => number;
  options?: Partial<ImporterOptions>;
}

export class HistoryImporter {
  readonly #deps: ImporterDeps;
  readonly #opts: ImporterOptions;
  readonly #now: () => number;
  readonly #running = new Map<string, Promise<void>>();
  /** per workspace: when this process took the import up, and how far it was (the ETA's pace) */
  readonly #pace = new Map<string, { at: number; done: number }>();
  #stopping = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: ImporterDeps) {
    this.#deps = deps;
    this.#opts = { ...DEFAULT_IMPORTER_OPTIONS, ...deps.options };
    this.#now = deps.now ?? Date.now;
  }

  /** Takes up running imports (after a restart), now and every `everyMs` (another process may die). */
  async start(everyMs = 30_000): Promise<void> {
    await this.resumeAll();
    this.#timer = setInterval(() => void this.resumeAll().catch(() => undefined), everyMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.allSettled([...this.#running.values()]);
  }

  async resumeAll(): Promise<void> {
    for (const ws of await this.#deps.store.workspaces.all())
      if (ws.historyImport?.status === 'running') this.#launch(ws.id);
  }

  /** Starts an import of the messages since `since` (YYYY-MM-DD); 409 while one runs. */
  async begin(ws: Frozen<Workspace>, since: unknown): Promise<HistoryImportAnswer> {
    const day = this.#checkDay(ws, since);
    if (ws.historyImport?.status === 'running')
      throw new Problem('conflict', 'IMPORT_RUNNING', 'A history import is running: wait for it to finish.');
    if (!ws.timelines)
      throw new Problem(
        'conflict',
        'TIMELINES_NOT_CONNECTED',
        'Connect TimelinesAI first: paste its API token (TimelinesAI → Integrations → Public API).',
      );
    if (!ws.active)
      throw new Problem(
        'conflict',
        'NOT_ACTIVE',
        'Activate the integration first: imported messages go through the same sync as new ones.',
      );
    const now = new Date(this.#now()).toISOString();
    const state: HistoryImport = {
      status: 'running',
      since: day,
      until: now,
      startedAt: now,
      chats: { done: 0, total: undefined },
      messages: { done: 0, total: undefined },
      duplicates: 0,
      skipped: 0,
      cursor: { chatPage: 1, chatIndex: 0, messagePage: 1 },
    };
    await patchWorkspace(this.#deps.store, ws.id, { historyImport: state });
    this.#launch(ws.id);
    return toAnswer(state, undefined, this.#now());
  }

  status(ws: Frozen<Workspace>): HistoryImportAnswer {
    return toAnswer(ws.historyImport, this.#pace.get(ws.id), this.#now());
  }

  /** Resolves when this process runs no import (tests). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  #checkDay(ws: Frozen<Workspace>, since: unknown): string {
    const tz = ws.settings?.timeZone ?? ws.timeZone;
    const today = localDay(new Date(this.#now()).toISOString(), tz);
    const ok =
      typeof since === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(since) && !Number.isNaN(Date.parse(since));
    if (!ok)
      throw new Problem(
        'invalid',
        'INVALID_DATE',
        'Give the start day as YYYY-MM-DD, e.g. 2024-01-31.',
        'since',
      );
    const oldest = localDay(new Date(this.#now() - this.#opts.maxDays * 86_400_000).toISOString(), tz);
    if (since > today || since < oldest)
      throw new Problem(
        'invalid',
        'INVALID_DATE',
        `The start day must be between ${oldest} and today (${today}).`,
        'since',
      );
    return since;
  }

  #launch(workspaceId: string): void {
    if (this.#stopping || this.#running.has(workspaceId)) return;
    const run = this.#leased(workspaceId)
      .catch((e: unknown) => this.#deps.log.error({ err: e, workspaceId }, 'history import crashed'))
      .finally(() => this.#running.delete(workspaceId));
    this.#running.set(workspaceId, run);
  }

  async #leased(workspaceId: string): Promise<void> {
    const { store, holder } = this.#deps;
    const lease = await store.leases.acquire(`history:${workspaceId}`, holder, this.#opts.leaseTtlMs);
    if (!lease) return; // another process imports it
    let lost = false;
    const renew = setInterval(() => {
      void store.leases.renew(lease, this.#opts.leaseTtlMs).then(
        (ok) => (lost ||= !ok),
        () => undefined,
      );
    }, this.#opts.leaseTtlMs / 3);
    try {
      await new ImportRun(
        this.#deps,
        this.#opts,
        workspaceId,
        () => this.#stopping || lost,
        this.#pace,
        this.#now,
      ).run();
    } finally {
      clearInterval(renew);
      await store.leases.release(lease as Lease).catch(() => undefined);
    }
  }
}
