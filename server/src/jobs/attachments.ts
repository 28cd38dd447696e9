/**
 * Attachment downloads. TimelinesAI's download links expire after ~15 minutes, so every attachment
 * is fetched as soon as its message is queued, into a local folder, and uploaded to the day's Note
 * later by the worker. At most 10 attachments of a message are downloaded; the URL and network
 * checks are in safeFetch.ts, the fair queueing across workspaces and hosts in fairScheduler.ts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { QueuedEvent } from '../store/schema.js';
import type { Resolve } from './addressGuard.js';
import { FairScheduler, type FairSchedulerOptions } from './fairScheduler.js';
import { SafeFetch, type FetchResult } from './safeFetch.js';

export { checkAttachmentUrl } from './safeFetch.js';

/** More would let one message hold the download slots for long (each may take the 30 s timeout). */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;
export const TOO_MANY_ATTACHMENTS = `more than ${MAX_ATTACHMENTS_PER_MESSAGE} attachments in one message: only the first ${MAX_ATTACHMENTS_PER_MESSAGE} are synced`;

/** What the fetcher needs of the store: make an event's file states durable. */
export interface AttachmentStateStore {
  saveFiles(q: QueuedEvent): Promise<void>;
}

/** The adapter for today's store (one group-committed write of the changed event). */
export function fileStateOf(store: Store): AttachmentStateStore {
  return { saveFiles: (q) => store.commit({ newEntriesOnly: true, changed: [q] }) };
}

// ---- QueuedEvent.files: the only code in this module that reads or writes it.

/** Marks the attachments past the cap as not downloaded; true when something changed. */
function capAttachments(q: QueuedEvent): boolean {
  let changed = false;
  q.files.forEach((f, i) => {
    if (i >= MAX_ATTACHMENTS_PER_MESSAGE && !f.error && !f.localPath && !f.uploadedId) {
      f.error = TOO_MANY_ATTACHMENTS;
      changed = true;
    }
  });
  return changed;
}

/** The attachments still to download: neither downloaded, failed nor uploaded. */
function downloadsToStart(q: QueuedEvent): { index: number; url: string }[] {
  return q.files.flatMap((f, index) => {
    const url = q.event.attachments[index]?.url;
    return url !== undefined && !f.localPath && !f.error && !f.uploadedId ? [{ index, url }] : [];
  });
}

function recordDownload(
  q: QueuedEvent,
  index: number,
  outcome: { localPath: string; size: number } | { error: string },
): void {
  const file = q.files[index];
  if (!file) return;
  if ('error' in outcome) file.error = outcome.error;
  else Object.assign(file, outcome);
}

// ----

export interface AttachmentOptions {
  dir: string;
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
}

export class AttachmentFetcher {
  readonly #dir: string;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #inFlight = new Set<string>();
  readonly #scheduler: FairScheduler;
  readonly #http: SafeFetch;
  readonly #download: (url: string) => Promise<FetchResult>;

  constructor(
    private readonly state: AttachmentStateStore,
    private readonly log: Logger,
    options: AttachmentOptions,
    /** called after a download ends (either way) so the worker can pick the event up */
    private readonly onDone: (workspaceId: string) => void,
  ) {
    this.#dir = path.resolve(options.dir);
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    this.#retries = options.retries ?? 3;
    this.#retryDelayMs = options.retryDelayMs ?? 2000;
    this.#scheduler = new FairScheduler(options.scheduler);
    this.#http = new SafeFetch({
      policy: { hosts: options.allowedHosts, trustedPrefixes: options.trustedPrefixes },
      maxBytes: options.maxBytes ?? 20 * 1024 * 1024,
      timeoutMs: options.timeoutMs ?? 30_000,
      resolve: options.resolve,
    });
    this.#download = options.download ?? ((url) => this.#http.get(url));
  }

  /** Starts downloads of the event's attachments not yet downloaded or failed (the first 10). */
  ensure(q: QueuedEvent): void {
    if (capAttachments(q)) {
      this.log.warn({ workspaceId: q.workspaceId, messageKey: q.key }, TOO_MANY_ATTACHMENTS);
      void this.state
        .saveFiles(q)
        .catch((e: unknown) => this.log.error({ err: e }, 'attachment state not saved'));
    }
    for (const { index, url } of downloadsToStart(q)) {
      const id = `${q.key}#${index}`;
      if (this.#inFlight.has(id)) continue;
      this.#inFlight.add(id);
      void this.#fetchAndStore(q, index, url)
        .catch((e: unknown) => this.log.error({ err: e }, 'attachment download crashed'))
        .finally(() => {
          this.#inFlight.delete(id);
          this.onDone(q.workspaceId);
        });
    }
  }

  isDownloading(q: QueuedEvent): boolean {
    return q.event.attachments.some((_, i) => this.#inFlight.has(`${q.key}#${i}`));
  }

  /** Downloads waiting and running (tests, metrics). */
  stats(): ReturnType<FairScheduler['stats']> {
    return this.#scheduler.stats();
  }

  read(localPath: string): Promise<Buffer> {
    return readFile(path.join(this.#dir, localPath));
  }

  async remove(localPath: string): Promise<void> {
    await rm(path.join(this.#dir, localPath), { force: true });
  }

  /** One download through the URL and network checks (no queueing, no retries). */
  fetchFile(raw: string): Promise<FetchResult> {
    return this.#download(raw);
  }

  async #fetchAndStore(q: QueuedEvent, index: number, url: string): Promise<void> {
    const key = { workspaceId: q.workspaceId, host: hostOf(url) };
    // Network errors and 5xx answers are retried a few times (the link stays valid ~15 minutes);
    // each try waits for its own turn, and the pause between tries holds no download slot.
    let result = await this.#scheduler.run(key, () => this.#download(url));
    for (let attempt = 1; !result.ok && result.transient && attempt < this.#retries; attempt++) {
      await new Promise((r) => setTimeout(r, this.#retryDelayMs * attempt));
      result = await this.#scheduler.run(key, () => this.#download(url));
    }
    if (result.ok) {
      const name = createHash('sha256').update(`${q.key}#${index}`).digest('hex').slice(0, 32);
      await writeFile(path.join(this.#dir, name), result.data, { mode: 0o600 });
      recordDownload(q, index, { localPath: name, size: result.data.length });
    } else {
      recordDownload(q, index, { error: result.error });
      this.log.warn(
        { workspaceId: q.workspaceId, messageKey: q.key, reason: result.error },
        'attachment not downloaded',
      );
    }
    await this.state.saveFiles(q);
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
