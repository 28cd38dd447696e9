/**
 * The embedded store (the default, and the sandbox's): the state in memory (state.ts), every commit
 * appended to a journal before it is applied, the journal folded into the lowdb data file by
 * compaction. One process only (a lock file says so).
 *
 * Group commit: commits that arrive while a journal write is in flight share the next write, so N
 * concurrent webhook deliveries cost about two writes (measured: 2,000+ deliveries a second). A commit
 * is applied to memory only after its write succeeded: a reader never sees a change that could still
 * be lost, and a failed write (a full disk) leaves the state as it was — the caller's answer is an
 * error and nothing took effect.
 *
 * Compaction: once the journal is past twice the data file's size (and 64 MB), the state is captured
 * at a commit boundary (references to frozen values: consistent, no copy), a new journal starts, and
 * the image is written in the background; the old journal is deleted once the image is durable. Open
 * reads the image and replays the journals after it; a torn last line (never acknowledged) is ignored.
 */
import { existsSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import type { IntakeItem, IntakeOutcome, Store, StoreHealth, SweepResult } from '../store.js';
import { guardHolds, keys } from '../store.js';
import { UnitOfWork, type CommitOptions } from '../unitOfWork.js';
import { FolderFiles } from './files.js';
import { captureImage, DataFileAdapter, emptyImage, type DocumentImage } from './image.js';
import { Journal, realIo, type JournalIo } from './journal.js';
import { filesStamp, load, prepareFolder } from './load.js';
import { FileLock } from './lock.js';
import * as repos from './repositories.js';
import type { DocOp, DocState } from './state.js';

export interface DocumentStoreOptions {
  /** file system seam for the journal (tests inject a full disk) */
  io?: JournalIo;
  /** journal size from which a compaction may start (default 64 MB) */
  minCompactBytes?: number;
  now?: () => number;
}

interface Batch {
  lines: string[];
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** How long a healthy answer stands before /healthz probes the disk again. */
const HEALTH_PROBE_AFTER_MS = 5000;

export class DocumentStore implements Store {
  readonly engine = 'document' as const;
  #state: DocState;
  readonly #db: Low<DocumentImage>;
  readonly #adapter: DataFileAdapter;
  readonly #file: string;
  readonly #io: JournalIo;
  readonly #lock: FileLock;
  readonly #now: () => number;
  readonly #minCompact: number;
  #journal!: Journal;
  #imageBytes = 0;
  #next: Batch | undefined;
  #writing: Promise<void> | undefined;
  #compacting: Promise<void> | undefined;
  readonly #pending = new Map<string, Promise<void>>();
  /** unique keys (workspace id, org, webhook digest) of commits not yet applied */
  readonly #reserved = new Set<string>();
  #health: StoreHealth & { at: number } = { ok: true, at: 0 };
  #closed = false;
  #writes = 0;

  readonly workspaces;
  readonly queue;
  readonly chats;
  readonly days;
  readonly syncLog;
  readonly phoneIndex;
  readonly leases;
  readonly files;
  readonly nonces;
  readonly sent;

  private constructor(
    file: string,
    state: DocState,
    db: Low<DocumentImage>,
    adapter: DataFileAdapter,
    opts: DocumentStoreOptions,
  ) {
    this.#file = file;
    this.#state = state;
    this.#db = db;
    this.#adapter = adapter;
    this.#io = opts.io ?? realIo;
    this.#now = opts.now ?? Date.now;
    this.#minCompact = opts.minCompactBytes ?? 64 * 1024 * 1024;
    this.#lock = new FileLock(`${file}.lock`);
    const s = () => this.#state;
    this.workspaces = repos.workspaceRepo(s);
    this.queue = { ...repos.queueReads(s), enqueue: (items: IntakeItem[]) => this.#enqueue(items) };
    this.chats = repos.chatRepo(s);
    this.days = repos.dayRepo(s);
    this.syncLog = repos.syncLogRepo(s);
    this.phoneIndex = repos.phoneIndexRepo(s);
    this.leases = repos.memoryLeases(this.#now);
    this.files = new FolderFiles(path.join(path.dirname(file), 'attachments'));
    this.nonces = { use: (nonce: string, expiresAt: number) => this.#useNonce(nonce, expiresAt) };
    this.sent = repos.sentRepo(s);
  }

  /**
   * Opens the store at `file`: the data folder is made private (0700), the lock taken, the image read
   * and the journals replayed. Errors a person must fix (a folder that cannot be written, a damaged
   * file) are `StoreFileError`s with one clear sentence; nothing is overwritten then.
   */
  static async open(file: string, opts: DocumentStoreOptions = {}): Promise<DocumentStore> {
    const resolved = path.resolve(file);
    prepareFolder(path.dirname(resolved));
    const adapter = new DataFileAdapter(resolved);
    const db = new Low<DocumentImage>(adapter, emptyImage());
    const { state, generation, clean } = await load(db, resolved);
    const store = new DocumentStore(resolved, state, db, adapter, opts);
    store.#lock.acquire();
    try {
      if (clean) {
        store.#imageBytes = statSync(resolved).size;
        store.#journal = new Journal(`${resolved}.journal`, generation, store.#io);
        await store.#journal.start();
      } else {
        await store.#rewriteAll(generation);
      }
    } catch (e) {
      store.#lock.release();
      throw e;
    }
    return store;
  }

  /**
   * The state a restart would see, read without taking the lock or writing anything, also while a
   * connector writes the files (backups, tests). Every change acknowledged before the read began is in
   * it. A compaction that replaced the data file and deleted a journal during the read is noticed
   * (the files' identities changed) and the read done again.
   */
  static async read(file: string): Promise<DocState> {
    const resolved = path.resolve(file);
    for (let attempt = 0; ; attempt++) {
      const before = filesStamp(resolved);
      const db = new Low<DocumentImage>(new DataFileAdapter(resolved), emptyImage());
      const { state } = await load(db, resolved);
      if (filesStamp(resolved) === before || attempt >= 20) return state;
    }
  }

  /** The in-memory state (tests and the benchmark look inside; the connector uses the repositories). */
  get state(): DocState {
    return this.#state;
  }

  /** Durable writes so far (a group commit is one). */
  get writes(): number {
    return this.#writes;
  }

  begin(opts: CommitOptions = {}): UnitOfWork {
    return new UnitOfWork((ops) => this.#submit(ops), opts);
  }

  async health(): Promise<StoreHealth> {
    if (this.#closed) return { ok: false, reason: 'the store is closed (shutting down)' };
    if (this.#health.ok && this.#now() - this.#health.at < HEALTH_PROBE_AFTER_MS) return { ok: true };
    // A probe: an empty line in the journal proves the disk takes writes (and clears a past failure).
    await this.#submit([]).catch(() => undefined);
    return this.#health.ok ? { ok: true } : { ok: false, reason: this.#health.reason };
  }

  async sweep(now: number): Promise<SweepResult> {
    // Counted on a throwaway copy of the decision (the same rules apply once the op is durable).
    const before = { seen: this.#state.seen.size, log: this.#logSize() };
    await this.#submit([{ t: 'sweep', now }]);
    return { seen: before.seen - this.#state.seen.size, days: 0, log: before.log - this.#logSize() };
  }

  /** Writes everything to the data file now (backups, shutdown): afterwards the data file alone is the store. */
  async flush(): Promise<void> {
    await this.#idle();
    await this.#compacting;
    await this.#rewriteAll(this.#journal.generation + 1);
  }

  async close(opts: { flush?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    if (opts.flush !== false) await this.flush().catch(() => undefined);
    else await this.#idle();
    this.#closed = true;
    await this.#journal.close();
    // Empty (a header only): the data file alone is the store.
    if (this.#health.ok && this.#journal.bytes <= this.#journal.headerBytes)
      await rm(this.#journal.file, { force: true });
    this.#lock.release();
  }

  // ------------------------------------------------------------------------------------- writes

  #submit(ops: readonly DocOp[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    // What PostgreSQL's unique constraints refuse, refused here before anything is written.
    let reserved: string[];
    try {
      reserved = this.#reserveUnique(ops);
    } catch (e) {
      return Promise.reject(e);
    }
    let batch = this.#next;
    if (!batch) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = this.#next = { lines: [], promise, resolve, reject };
    }
    // Serialised now: a caller may change its objects once commit() has returned.
    for (const op of ops) batch.lines.push(JSON.stringify(op));
    this.#writing ??= this.#writeLoop();
    if (reserved.length)
      void batch.promise.then(
        () => reserved.forEach((k) => this.#reserved.delete(k)),
        () => reserved.forEach((k) => this.#reserved.delete(k)),
      );
    return batch.promise;
  }

  /** Unique keys of the workspaces a commit creates or re-keys; throws when one is taken. */
  #reserveUnique(ops: readonly DocOp[]): string[] {
    const wanted: string[] = [];
    for (const op of ops) {
      if (op.t === 'ws.create')
        wanted.push(`id:${op.ws.id}`, `org:${op.ws.orgId}`, `digest:${op.ws.webhookTokenDigest}`);
      else if (op.t === 'ws.patch' && op.patch.webhookTokenDigest)
        wanted.push(`digest:${op.patch.webhookTokenDigest}`);
    }
    const s = this.#state;
    const taken = (k: string) => {
      const [kind, value] = [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)];
      const inState =
        kind === 'id' ? s.workspaces.has(value) : kind === 'org' ? s.byOrg.has(value) : s.byDigest.has(value);
      return inState || this.#reserved.has(k);
    };
    const clash = wanted.find(taken);
    if (clash) throw new Error(`unique constraint: a workspace with ${clash} exists already`);
    for (const k of wanted) this.#reserved.add(k);
    return wanted;
  }

  async #writeLoop(): Promise<void> {
    await Promise.resolve(); // let the commits of this tick join the batch
    try {
      while (this.#next) {
        const batch = this.#next;
        this.#next = undefined;
        const text = `[${batch.lines.join(',')}]`;
        try {
          await this.#journal.append(text);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
          this.#health = {
            ok: false,
            reason: `the data folder cannot be written (${code})`,
            at: this.#now(),
          };
          batch.reject(e);
          continue;
        }
        this.#writes += 1;
        this.#health = { ok: true, at: this.#now() };
        for (const op of JSON.parse(text) as DocOp[]) this.#state.apply(op);
        batch.resolve();
        if (!this.#compacting && this.#journal.bytes > Math.max(this.#minCompact, 2 * this.#imageBytes))
          await this.#rotate();
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #idle(): Promise<void> {
    while (this.#writing || this.#next) await (this.#writing ?? this.#next?.promise)?.catch(() => undefined);
  }

  async #enqueue(items: IntakeItem[]): Promise<IntakeOutcome[]> {
    const at = this.#now();
    const outcomes: IntakeOutcome[] = [];
    const ops: DocOp[] = [];
    const waits: Promise<unknown>[] = [];
    const mine: string[] = [];
    const inThisCall = new Set<string>();
    for (const item of items) {
      const key = item.messageId === undefined ? undefined : keys.message(item.workspaceId, item.messageId);
      if (item.guard && !guardHolds(this.#state.workspaces.get(item.workspaceId), item.guard)) {
        outcomes.push('stale');
      } else if (key !== undefined && (this.#state.seen.has(key) || inThisCall.has(key))) {
        outcomes.push('duplicate');
      } else if (key !== undefined && this.#pending.has(key)) {
        // Accepted by a delivery whose write is in flight: answer once it is durable (or take over if it fails).
        const i = outcomes.push('duplicate') - 1;
        waits.push(
          this.#pending.get(key)!.catch(async () => {
            outcomes[i] = (await this.#enqueue([item]))[0]!;
          }),
        );
      } else {
        outcomes.push('new');
        ops.push({ t: 'in', item, at });
        if (key !== undefined) {
          mine.push(key);
          inThisCall.add(key);
        }
      }
    }
    if (ops.length > 0) {
      const written = this.#submit(ops);
      for (const k of mine) this.#pending.set(k, written);
      try {
        await written;
      } finally {
        for (const k of mine) if (this.#pending.get(k) === written) this.#pending.delete(k);
      }
    }
    await Promise.all(waits);
    return outcomes;
  }

  async #useNonce(nonce: string, expiresAt: number): Promise<boolean> {
    const key = `nonce:${nonce}`;
    if (this.#state.nonces.has(nonce) || this.#pending.has(key)) return false;
    const written = this.#submit([{ t: 'nonce', nonce, expiresAt }]);
    this.#pending.set(key, written);
    try {
      await written;
      return true;
    } finally {
      this.#pending.delete(key);
    }
  }

  #logSize(): number {
    let n = 0;
    for (const e of this.#state.log.values()) n += e.length;
    return n;
  }

  // ------------------------------------------------------------------------------------ compaction

  /** A new journal starts here; the image of everything before it is written in the background. */
  async #rotate(): Promise<void> {
    const old = `${this.#file}.journal.old`;
    if (existsSync(old)) {
      // The last compaction did not finish: its journal is still needed. Write everything now.
      await this.#rewriteAll(this.#journal.generation + 1);
      return;
    }
    const generation = this.#journal.generation + 1;
    const image = captureImage(this.#state, generation);
    await this.#journal.close();
    await rename(this.#journal.file, old);
    this.#journal = new Journal(`${this.#file}.journal`, generation, this.#io);
    await this.#journal.start();
    this.#compacting = (async () => {
      try {
        await this.#writeImage(image, true);
        await rm(old, { force: true });
      } catch {
        // The old journal stays (replayed on open); the next compaction writes everything.
      } finally {
        this.#compacting = undefined;
      }
    })();
  }

  /** Image of everything now as generation `generation`, the journals deleted, a new one started. */
  async #rewriteAll(generation: number): Promise<void> {
    await this.#journal?.close();
    await this.#writeImage(captureImage(this.#state, generation), false);
    await rm(`${this.#file}.journal.old`, { force: true });
    await rm(`${this.#file}.journal`, { force: true });
    this.#journal = new Journal(`${this.#file}.journal`, generation, this.#io);
    await this.#journal.start();
  }

  async #writeImage(image: DocumentImage, background: boolean): Promise<void> {
    this.#adapter.background = background;
    this.#db.data = image;
    await this.#db.write();
    this.#imageBytes = statSync(this.#file).size;
  }
}
