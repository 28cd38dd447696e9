/**
 * Attachment downloads. TimelinesAI's download links expire after ~15 minutes, so every attachment
 * is fetched as soon as its message is queued, into a local folder, and uploaded to the day's Note
 * later by the worker. Only http(s) URLs on allowed hosts, with a size cap and a timeout: the URL
 * comes from an unauthenticated webhook and must not turn the connector into a proxy.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { QueuedEvent } from '../store/schema.js';

export interface AttachmentOptions {
  dir: string;
  allowedHosts: string[];
  maxBytes?: number;
  timeoutMs?: number;
  concurrency?: number;
  /** tries for network errors and 5xx answers, and the delay before the second (grows linearly) */
  retries?: number;
  retryDelayMs?: number;
  /** every download's end: its result and size (metrics); 'retry' for each transient failure retried */
  onResult?: (result: DownloadResult | 'retry', bytes: number) => void;
}

/** How a download ended: the file, or why not (bounded: these values only). */
export type DownloadResult = 'downloaded' | 'blocked' | 'http_error' | 'too_large' | 'network_error';
type Failed = {
  ok: false;
  error: string;
  transient?: boolean;
  result: Exclude<DownloadResult, 'downloaded'>;
};

export type DownloadCheck = { ok: true; url: URL } | { ok: false; error: string };

export function checkAttachmentUrl(raw: string, allowedHosts: string[]): DownloadCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, error: 'not a valid URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { ok: false, error: `the ${url.protocol} scheme is not allowed` };
  if (url.username || url.password) return { ok: false, error: 'URLs with credentials are not allowed' };
  const host = url.hostname.toLowerCase();
  const allowed = allowedHosts.some((h) => host === h || host.endsWith(`.${h}`));
  if (!allowed) return { ok: false, error: `host ${host} is not in ATTACHMENT_HOSTS` };
  return { ok: true, url };
}

export class AttachmentFetcher {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #timeoutMs: number;
  readonly #concurrency: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #inFlight = new Set<string>();
  readonly #waiting: (() => void)[] = [];
  #running = 0;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: AttachmentOptions,
    /** called after a download ends (either way) so the worker can pick the event up */
    private readonly onDone: (workspaceId: string) => void,
  ) {
    this.#dir = path.resolve(options.dir);
    mkdirSync(this.#dir, { recursive: true });
    this.#maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#concurrency = options.concurrency ?? 4;
    this.#retries = options.retries ?? 3;
    this.#retryDelayMs = options.retryDelayMs ?? 2000;
  }

  /** Starts downloads of every attachment of the event not yet downloaded or failed. */
  ensure(q: QueuedEvent): void {
    q.event.attachments.forEach((att, i) => {
      const file = q.files[i];
      if (!file || file.localPath || file.error || file.uploadedId) return;
      const id = `${q.key}#${i}`;
      if (this.#inFlight.has(id)) return;
      this.#inFlight.add(id);
      void this.#limited(() => this.#download(q, i, att.url))
        .catch((e: unknown) => this.log.error({ err: e }, 'attachment download crashed'))
        .finally(() => {
          this.#inFlight.delete(id);
          this.onDone(q.workspaceId);
        });
    });
  }

  isDownloading(q: QueuedEvent): boolean {
    return q.event.attachments.some((_, i) => this.#inFlight.has(`${q.key}#${i}`));
  }

  read(localPath: string): Promise<Buffer> {
    return readFile(path.join(this.#dir, localPath));
  }

  async remove(localPath: string): Promise<void> {
    await rm(path.join(this.#dir, localPath), { force: true });
  }

  async #download(q: QueuedEvent, index: number, raw: string): Promise<void> {
    const file = q.files[index];
    if (!file) return;
    // Network errors and 5xx answers are retried a few times: the link stays valid ~15 minutes.
    let result = await this.fetchFile(raw);
    for (let attempt = 1; !result.ok && result.transient && attempt < this.#retries; attempt++) {
      this.options.onResult?.('retry', 0);
      await new Promise((r) => setTimeout(r, this.#retryDelayMs * attempt));
      result = await this.fetchFile(raw);
    }
    this.options.onResult?.(result.ok ? 'downloaded' : result.result, result.ok ? result.data.length : 0);
    if (result.ok) {
      const name = createHash('sha256').update(`${q.key}#${index}`).digest('hex').slice(0, 32);
      await writeFile(path.join(this.#dir, name), result.data);
      file.localPath = name;
      file.size = result.data.length;
    } else {
      file.error = result.error;
      this.log.warn(
        { workspaceId: q.workspaceId, messageKey: q.key, reason: result.error },
        'attachment not downloaded',
      );
    }
    await this.store.commit({ newEntriesOnly: true, changed: [q] });
  }

  /** Downloads with the checks above; follows at most 3 redirects, each re-checked. */
  async fetchFile(raw: string): Promise<{ ok: true; data: Buffer } | Failed> {
    let target = raw;
    for (let hop = 0; hop < 4; hop++) {
      const check = checkAttachmentUrl(target, this.options.allowedHosts);
      if (!check.ok) return { ...check, result: 'blocked' };
      let res: Response;
      try {
        res = await fetch(check.url, { redirect: 'manual', signal: AbortSignal.timeout(this.#timeoutMs) });
      } catch (e) {
        return {
          ok: false,
          error: `download failed (${(e as Error).name === 'TimeoutError' ? 'timed out' : (e as Error).message})`,
          transient: true,
          result: 'network_error',
        };
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        target = new URL(res.headers.get('location')!, check.url).toString();
        await res.body?.cancel();
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        return {
          ok: false,
          error: `download answered HTTP ${res.status}${res.status === 403 || res.status === 404 ? ' (the link may have expired)' : ''}`,
          transient: res.status >= 500 || res.status === 429,
          result: 'http_error',
        };
      }
      const declared = Number(res.headers.get('content-length') ?? '0');
      if (declared > this.#maxBytes) {
        await res.body?.cancel();
        return {
          ok: false,
          error: `the file is ${declared} bytes, over the ${this.#maxBytes}-byte limit`,
          result: 'too_large',
        };
      }
      const chunks: Buffer[] = [];
      let total = 0;
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          total += chunk.length;
          if (total > this.#maxBytes)
            return {
              ok: false,
              error: `the file is over the ${this.#maxBytes}-byte limit`,
              result: 'too_large',
            };
          chunks.push(Buffer.from(chunk));
        }
      } catch (e) {
        return { ok: false, error: `download failed (${(e as Error).message})`, result: 'network_error' };
      }
      return { ok: true, data: Buffer.concat(chunks) };
    }
    return { ok: false, error: 'too many redirects', result: 'blocked' };
  }

  async #limited<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#running >= this.#concurrency) await new Promise<void>((r) => this.#waiting.push(r));
    this.#running += 1;
    try {
      return await fn();
    } finally {
      this.#running -= 1;
      this.#waiting.shift()?.();
    }
  }
}
