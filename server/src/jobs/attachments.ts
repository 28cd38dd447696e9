/**
 * Attachment downloads. TimelinesAI's download links expire after ~15 minutes, so every attachment
 * is fetched as soon as its message is queued, into the store's file area (shared by every process
 * on PostgreSQL), and uploaded to the day's Note later by the sync run. At most 10 attachments of a
 * message are downloaded (the intake marks the rest); the URL and network checks are in
 * safeFetch.ts, the fair queueing across workspaces and hosts in fairScheduler.ts.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import type { QueuedEvent } from '../store/schema.js';
import type { Frozen, Store } from '../store/store.js';
import type { Resolve } from './addressGuard.js';
import { FairScheduler, type FairSchedulerOptions } from './fairScheduler.js';
import { MAX_ATTACHMENTS_PER_MESSAGE } from './intake.js';
import { SafeFetch, type DownloadFailure, type FetchResult } from './safeFetch.js';

/** How a download ended (bounded: these values only). */
export type DownloadResult = 'downloaded' | DownloadFailure;

export { checkAttachmentUrl } from './safeFetch.js';

export interface AttachmentOptions {
  /** ATTACHMENT_HOSTS: exact host names or `*.suffix` */
  allowedHosts: string[];
  /** URL prefixes downloaded as they are (the sandbox's own sample files) */
  trustedPrefixes?: string[];
  maxBytes?: number;
  timeoutMs?: number;
  /** tries for network errors and 5xx answers, and the delay before the second (grows linearly) */
  retries?: number;
  retryDelayMs?: number;
  scheduler?: FairSchedulerOptions;
  /** DNS resolution (tests) */
  resolve?: Resolve;
  /** replaces the network entirely (tests with fake hosts) */
  download?: (url: string) => Promise<FetchResult>;
  /** every download's end: its result and size (metrics); 'retry' for each transient failure retried */
  onResult?: (result: DownloadResult | 'retry', bytes: number) => void;
}

/** The attachments still to download: neither downloaded, refused nor uploaded (the first 10). */
function downloadsToStart(q: Frozen<QueuedEvent>): { index: number; url: string }[] {
  return q.files.flatMap((f, index) => {
    const url = q.event.attachments[index]?.url;
    const wanted = index < MAX_ATTACHMENTS_PER_MESSAGE && !f.localPath && !f.error && !f.uploadedId;
    return url !== undefined && wanted ? [{ index, url }] : [];
  });
}

export class AttachmentFetcher {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #onDone: (workspaceId: string) => void;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #inFlight = new Set<string>();
  readonly #scheduler: FairScheduler;
  readonly #download: (url: string) => Promise<FetchResult>;
  readonly #onResult: AttachmentOptions['onResult'];

  constructor(
    store: Store,
    log: Logger,
    options: AttachmentOptions,
    /** called after a download ends (either way) so the scheduler can pick the event up */
    onDone: (workspaceId: string) => void,
  ) {
    this.#store = store;
    this.#log = log;
    this.#onDone = onDone;
    this.#retries = options.retries ?? 3;
    this.#retryDelayMs = options.retryDelayMs ?? 2000;
    this.#scheduler = new FairScheduler(options.scheduler);
    const http = new SafeFetch({
      policy: { hosts: options.allowedHosts, trustedPrefixes: options.trustedPrefixes },
      maxBytes: options.maxBytes ?? 20 * 1024 * 1024,
      timeoutMs: options.timeoutMs ?? 30_000,
      resolve: options.resolve,
    });
    this.#download = options.download ?? ((url) => http.get(url));
    this.#onResult = options.onResult;
  }

  /** Starts downloads of the event's attachments not yet downloaded or refused (the first 10). */
  ensure(q: Frozen<QueuedEvent>): void {
    for (const { index, url } of downloadsToStart(q)) {
      const id = `${q.key}#${index}`;
      if (this.#inFlight.has(id)) continue;
      this.#inFlight.add(id);
      void this.#fetchAndStore(q, index, url)
        .catch((e: unknown) => this.#log.error({ err: e }, 'attachment download crashed'))
        .finally(() => {
          this.#inFlight.delete(id);
          this.#onDone(q.workspaceId);
        });
    }
  }

  isDownloading(q: Frozen<QueuedEvent>): boolean {
    return q.event.attachments.some((_, i) => this.#inFlight.has(`${q.key}#${i}`));
  }

  /** Downloads waiting and running (tests, metrics). */
  stats(): ReturnType<FairScheduler['stats']> {
    return this.#scheduler.stats();
  }

  async read(localPath: string): Promise<Buffer> {
    const data = await this.#store.files.get(localPath);
    if (!data) throw new Error(`the downloaded attachment ${localPath} is missing`);
    return data;
  }

  async remove(localPath: string): Promise<void> {
    await this.#store.files.delete(localPath);
  }

  /** One download through the URL and network checks (no queueing, no retries). */
  fetchFile(raw: string): Promise<FetchResult> {
    return this.#download(raw);
  }

  async #fetchAndStore(q: Frozen<QueuedEvent>, index: number, url: string): Promise<void> {
    // The caller's view may be older than the store's (a run that read the event before this
    // download ended): what is already downloaded, refused or uploaded is not fetched again.
    const stored = (await this.#store.queue.get(q.key))?.files[index];
    if (!stored || stored.localPath || stored.error || stored.uploadedId) return;
    const key = { workspaceId: q.workspaceId, host: hostOf(url) };
    // Network errors and 5xx answers are retried a few times (the link stays valid ~15 minutes);
    // each try waits for its own turn, and the pause between tries holds no download slot.
    let result = await this.#scheduler.run(key, () => this.#download(url));
    for (let attempt = 1; !result.ok && result.transient && attempt < this.#retries; attempt++) {
      this.#onResult?.('retry', 0);
      await new Promise((r) => setTimeout(r, this.#retryDelayMs * attempt));
      result = await this.#scheduler.run(key, () => this.#download(url));
    }
    this.#onResult?.(
      result.ok ? 'downloaded' : (result.result ?? 'network_error'),
      result.ok ? result.data.length : 0,
    );
    const uow = this.#store.begin();
    if (result.ok) {
      const name = createHash('sha256').update(`${q.key}#${index}`).digest('hex').slice(0, 32);
      await this.#store.files.put(name, result.data);
      uow.queue.file(q.key, index, { localPath: name, size: result.data.length });
    } else {
      uow.queue.file(q.key, index, { error: result.error });
      this.#log.warn({ workspaceId: q.workspaceId, reason: result.error }, 'attachment not downloaded');
    }
    await uow.commit();
  }
}

/** The scheduling key's host; an unparsable URL fails its checks at once, under one key. */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '(invalid)';
  }
}
