/**
 * The store: one lowdb document (`store.data`), made durable with a journal and group commit.
 *
 * Callers mutate `store.data` synchronously and then `await store.commit()`: the promise resolves once
 * a write that includes their change is on disk (appended to the journal, opened with O_DSYNC). Concurrent
 * commits share writes: while one write runs, every commit that arrives joins the next one, so N
 * concurrent webhook deliveries cost about two writes, not N.
 *
 * A write costs what changed, not what the store holds: it appends to `<DATA_FILE>.journal` only the
 * entries that changed since the previous write (new seen ids, queued events added, changed or removed,
 * chat links and chat-days set or changed, log entries appended). Changes are found without help from
 * the callers: keys set or deleted in `seen`, `days` and `chats` are tracked (those three are proxies);
 * events pushed to the queue and log entries are found at the end of their arrays; in-place changes to
 * existing entries are found by comparing each entry's changeable fields with what was last written
 * (changes.ts lists them, checked by the compiler). That comparison is the only part whose cost grows
 * with the store (tens of nanoseconds per entry): `commit({ newEntriesOnly: true })` skips it, for
 * callers that only added entries (the webhook intake).
 *
 * When the journal has grown past twice the size of the data file (and 64 MB), the whole document
 * is written again to `DATA_FILE` in slices that do not block the event loop (snapshot.ts), the
 * journal starts afresh, and the old one is deleted. On open, the data file is read, the journal
 * replayed over it (a torn last line, never acknowledged, is ignored) and the whole document written
 * again. `flush()` does the same, so that the data file alone holds everything (shutdown, backups).
 */
import { constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import {
  CHAT_FIELDS,
  DAY_FIELDS,
  QUEUE_FIELDS,
  applyPatch,
  chatChanges,
  dayChanges,
  patchOf as entryPatch,
  queueChanges,
  type FieldRule,
  type Fingerprint,
  type Fingerprinter,
} from './changes.js';
import { DurableJsonFile } from './durableJsonFile.js';
import {
  emptyDb,
  type ChatLink,
  type DayNote,
  type DbData,
  type QueuedEvent,
  type SyncLogEntry,
  type Workspace,
} from './schema.js';
import { syncDir, writeSnapshot, type SnapshotPart } from './snapshot.js';

export interface CommitOptions {
  /**
   * The caller changed nothing in place: it only added entries (seen ids, events pushed at the end of
   * the queue, sync log entries, entries set or deleted by key in `days` or `chats`). The write then
   * skips the search for in-place changes, whose cost grows with the store. When unsure, leave it out.
   */
  newEntriesOnly?: boolean;
  /** With `newEntriesOnly`: queued events the caller changed in place (written without a scan). */
  changed?: QueuedEvent[];
}

export interface StoreStats {
  /** webhook deliveries written in the middle of a big write */
  interleaved: number;
  journalWrites: number;
  journalBytes: number;
  /** time spent finding what changed (the scan of full commits included) */
  collectMs: number;
  /** duration of each journal write (append + fdatasync), up to the first 100,000 */
  writeMs: number[];
  compactions: number;
  snapshotBytes: number;
}

/** One journal line: the operations of one write, applied in order. */
type Op =
  | ['s', string, number]
  | ['s-', string]
  | ['d' | 'c', string, unknown]
  | ['d-' | 'c-', string]
  /** a chat-day or chat link changed in place: only what changed (changes.ts patchOf) */
  | ['dp' | 'cp', string, Record<string, unknown>]
  | ['q+', QueuedEvent]
  | ['q-', string]
  | ['qp', string, Record<string, unknown>]
  | ['l+', SyncLogEntry[]]
  /** the oldest n log entries dropped (trimmed) */
  | ['l-', number]
  /** a whole top-level value replaced (seen, days, chats, queue, log, workspaces, version, …) */
  | ['=', string, unknown];

const JOURNAL_HEADER = 'wa-zoho-sync journal';
/** The journal is folded into the data file once it is this big and twice the data file's size. */
const MIN_COMPACT_BYTES = 64 * 1024 * 1024;
/** A journal line holds about this much: a big write is several lines (see #appendOps). */
const LINE_BYTES = 64 * 1024;
const KEYED = ['seen', 'days', 'chats'] as const;
type KeyedName = (typeof KEYED)[number];

const queuePrint = queueChanges.print;
const QUEUE_MUTABLE = Object.entries(QUEUE_FIELDS)
  .filter(([, r]) => r !== 'fixed')
  .map(([f]) => f);

/** An entry as last written; `stamp` marks the scan that last saw it (removals). */
interface Slot<T> {
  entry: T;
  print: Fingerprint;
  stamp: number;
}

/** A keyed collection behind a proxy that records the keys set or deleted. */
class Keyed<T> {
  raw!: Record<string, T>;
  proxy!: Record<string, T>;
  dirty = new Set<string>();
  /** what each entry looked like when last written (days and chats only) */
  /** days and chats: each entry with what it looked like when last written (scanned at full commits) */
  readonly slots = new Map<string, Slot<T>>();

  constructor(
    raw: Record<string, T>,
    readonly fp: Fingerprinter<T> | undefined,
    readonly rules: Record<string, FieldRule> | undefined,
  ) {
    this.wrap(raw);
  }

  wrap(raw: Record<string, T>): void {
    this.raw = raw;
    const dirty = this.dirty;
    this.proxy = new Proxy(raw, {
      set(target, key, value) {
        (target as Record<string | symbol, unknown>)[key] = value;
        if (typeof key === 'string') dirty.add(key);
        return true;
      },
      deleteProperty(target, key) {
        delete (target as Record<string | symbol, unknown>)[key];
        if (typeof key === 'string') dirty.add(key);
        return true;
      },
      defineProperty(target, key, descriptor) {
        if (typeof key === 'string') dirty.add(key);
        return Reflect.defineProperty(target, key, descriptor);
      },
    });
    if (this.fp) {
      this.slots.clear();
      for (const k in raw)
        this.slots.set(k, { entry: raw[k] as T, print: this.fp.print(raw[k] as T), stamp: 0 });
    }
  }
}

interface Batch {
  full: boolean;
  changed: Set<QueuedEvent>;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Store {
  readonly #db: Low<DbData>;
  readonly #file: string;
  readonly #journalFile: string;
  readonly #oldJournalFile: string;
  readonly #readOnly: boolean;
  readonly #keyed: { seen: Keyed<number>; days: Keyed<DayNote>; chats: Keyed<ChatLink> };
  /** queue: key → fingerprint of what was last written; and the queue array it belongs to */
  readonly #queueSlots = new Map<string, Slot<QueuedEvent>>();
  #scan = 0;
  #queueRef: QueuedEvent[];
  #logRef: SyncLogEntry[];
  #logLength: number;
  /** other top-level values (workspaces, version, …) as last written */
  readonly #json = new Map<string, string>();

  #journal: FileHandle | undefined;
  #journalBytes = 0;
  #headerBytes = 0;
  #generation = 0;
  #snapshotBytes = 0;
  #next: Batch | undefined;
  #writing: Promise<void> | undefined;
  #compactWanted = false;
  #compacting: Promise<void> | undefined;
  /** a journal write failed: the next write is a whole snapshot (what failed is still in memory) */
  #needsSnapshot = false;
  #writes = 0;
  readonly #stats: StoreStats = {
    interleaved: 0,
    journalWrites: 0,
    journalBytes: 0,
    collectMs: 0,
    writeMs: [],
    compactions: 0,
    snapshotBytes: 0,
  };

  private constructor(db: Low<DbData>, file: string, readOnly: boolean) {
    this.#db = db;
    this.#file = path.resolve(file);
    this.#journalFile = `${this.#file}.journal`;
    this.#oldJournalFile = `${this.#file}.journal.old`;
    this.#readOnly = readOnly;
    const data = db.data;
    this.#keyed = {
      seen: new Keyed(data.seen, undefined, undefined),
      days: new Keyed(data.days, dayChanges, DAY_FIELDS),
      chats: new Keyed(data.chats, chatChanges, CHAT_FIELDS),
    };
    for (const name of KEYED) (data as unknown as Record<string, unknown>)[name] = this.#keyed[name].proxy;
    this.#queueRef = data.queue;
    for (const q of data.queue) this.#queueSlots.set(q.key, { entry: q, print: queuePrint(q), stamp: 0 });
    this.#logRef = data.log;
    this.#logLength = data.log.length;
    for (const [k, v] of Object.entries(data)) if (!this.#isTracked(k)) this.#json.set(k, JSON.stringify(v));
  }

  /**
   * Opens the store: reads the data file, replays the journal over it, and (unless `readOnly`) writes
   * the whole document again and starts an empty journal. `readOnly` never touches the files (to
   * check what a restart would see while the store is open elsewhere).
   */
  static async open(file: string, opts: { readOnly?: boolean } = {}): Promise<Store> {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const resolved = path.resolve(file);
    // A read-only open may run while another store writes the files: if a compaction replaced the
    // data file while it was being read (and deleted the journal it had folded in), read again.
    for (let attempt = 0; ; attempt++) {
      const before = fileStamp(resolved);
      const db = new Low<DbData>(new DurableJsonFile<DbData>(file), emptyDb());
      await db.read();
      const raw = { ...emptyDb(), ...db.data } as DbData & { journalGeneration?: number };
      const snapshotGeneration = raw.journalGeneration ?? 0;
      delete raw.journalGeneration;
      db.data = raw;
      let generation = snapshotGeneration;
      let replayed = false;
      for (const journal of [`${resolved}.journal.old`, `${resolved}.journal`]) {
        const g = replayJournal(journal, raw, snapshotGeneration);
        if (g !== undefined) {
          generation = Math.max(generation, g);
          replayed = true;
        }
      }
      if (opts.readOnly && fileStamp(resolved) !== before && attempt < 20) continue;
      const store = new Store(db, file, opts.readOnly ?? false);
      store.#generation = generation;
      // Start from one file: the journal folded into the data file (also when it was only read).
      if (!store.#readOnly && (replayed || !existsSync(resolved) || snapshotGeneration === 0))
        await store.#rewriteAll();
      return store;
    }
  }

  /** The document as a restart would see it (the data file with the journal replayed). */
  static async read(file: string): Promise<DbData> {
    return (await Store.open(file, { readOnly: true })).data;
  }

  get data(): DbData {
    return this.#db.data;
  }

  /** Number of durable writes so far (benchmarks: commits per write). */
  get writes(): number {
    return this.#writes;
  }

  /** Journal writes and compactions so far, and their durations (benchmarks, diagnostics). */
  get stats(): StoreStats {
    return { ...this.#stats, writeMs: [...this.#stats.writeMs] };
  }

  /** Resolves once everything mutated before this call is on disk (see CommitOptions). */
  commit(opts: CommitOptions = {}): Promise<void> {
    if (this.#readOnly) return Promise.reject(new Error('store opened read-only'));
    if (!this.#next) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#next = { full: false, changed: new Set(), promise, resolve, reject };
    }
    if (!opts.newEntriesOnly) this.#next.full = true;
    for (const q of opts.changed ?? []) this.#next.changed.add(q);
    const p = this.#next.promise;
    if (!this.#writing) this.#writing = this.#writeLoop();
    return p;
  }

  /** Waits for the writes in flight, then writes the whole document to the data file (shutdown, backups). */
  async flush(): Promise<void> {
    if (this.#readOnly) return;
    await this.#idle();
    await this.compact();
  }

  /** flush(), then closes the journal (it is empty: the data file holds everything). */
  async close(): Promise<void> {
    if (this.#readOnly) return;
    await this.flush();
    await this.#idle();
    await this.#journal?.close();
    this.#journal = undefined;
    // Nothing was written since the snapshot: the data file alone is the store.
    if (this.#journalBytes === this.#headerBytes) await rm(this.#journalFile, { force: true });
  }

  /** Writes the whole document to the data file now and starts a new journal. */
  async compact(): Promise<void> {
    if (this.#readOnly) return;
    this.#compactWanted = true;
    // A compaction already under way may have captured the document before this call: then the
    // request is still wanted when it ends, and one more runs (never one later, uninvited).
    do {
      await this.#compacting;
      if (!this.#writing) this.#writing = this.#writeLoop();
      await this.#writing;
      await this.#compacting;
    } while (this.#compactWanted);
  }

  async #idle(): Promise<void> {
    while (this.#writing || this.#next) await (this.#writing ?? this.#next?.promise);
  }

  // ---------------------------------------------------------------------------------- writing

  async #writeLoop(): Promise<void> {
    // Never finish synchronously: callers assign the returned promise to #writing.
    await Promise.resolve();
    try {
      while (this.#next || (this.#compactWanted && !this.#compacting)) {
        const batch = this.#next;
        this.#next = undefined;
        if (this.#needsSnapshot) {
          try {
            await this.#rewriteAll();
            this.#needsSnapshot = false;
            this.#writes += 1;
            batch?.resolve();
          } catch (e) {
            batch?.reject(e);
          }
          continue;
        }
        const t0 = performance.now();
        const { ops, head } = this.#collect((batch?.full ?? true) ? 'full' : 'new', batch?.changed);
        this.#stats.collectMs += performance.now() - t0;
        const rotate = this.#compactWanted && !this.#compacting;
        const parts = rotate ? this.#capture() : undefined;
        try {
          await this.#appendOps(ops, parts ? ops.length : head);
          this.#writes += 1;
          batch?.resolve();
        } catch (e) {
          this.#needsSnapshot = true;
          batch?.reject(e);
          continue;
        }
        if (parts) {
          this.#compactWanted = false;
          await this.#rotate(parts);
        } else if (
          this.#journalBytes > Math.max(MIN_COMPACT_BYTES, 2 * this.#snapshotBytes) &&
          !this.#compacting
        ) {
          this.#compactWanted = true;
        }
      }
    } finally {
      this.#writing = undefined;
    }
  }

  /**
   * Appends `ops` in lines of about 64 KB, serialised line by line (a big write does not hold the
   * event loop). Once the first `head` operations are written, webhook deliveries waiting for their
   * commit are written between two lines: a delivery never waits for a whole big write of the worker.
   */
  async #appendOps(ops: Op[], head: number): Promise<void> {
    let i = 0;
    while (i < ops.length) {
      const parts: string[] = [];
      let size = 0;
      while (i < ops.length && (parts.length === 0 || size < LINE_BYTES)) {
        const json = JSON.stringify(ops[i++]);
        parts.push(json);
        size += json.length + 1;
      }
      await this.#appendLine(`[${parts.join(',')}]\n`);
      if (i >= head && i < ops.length) await this.#interleave();
    }
  }

  /**
   * Writes the waiting batch now, in the middle of a big write, when it is one that only added
   * entries (webhook deliveries): only its seen ids, queue additions and log entries, which the big
   * write does not contain (it was collected before them), so the order of the two does not matter.
   */
  async #interleave(): Promise<void> {
    const batch = this.#next;
    if (!batch || batch.full || batch.changed.size > 0) return;
    this.#next = undefined;
    try {
      const { ops } = this.#collect('lite');
      if (ops.length > 0) await this.#appendLine(`${JSON.stringify(ops)}\n`);
      this.#writes += 1;
      this.#stats.interleaved += 1;
      batch.resolve();
    } catch (e) {
      this.#needsSnapshot = true;
      batch.reject(e);
    }
  }

  async #appendLine(text: string): Promise<void> {
    const fh = this.#journal ?? (await this.#openJournal());
    const t0 = performance.now();
    const line = Buffer.from(text, 'utf8');
    // O_DSYNC: the write returns once the data is on disk (one round trip instead of write + fdatasync).
    await fh.write(line);
    this.#journalBytes += line.length;
    this.#stats.journalWrites += 1;
    this.#stats.journalBytes += line.length;
    if (this.#stats.writeMs.length < 100_000) this.#stats.writeMs.push(performance.now() - t0);
  }

  async #openJournal(): Promise<FileHandle> {
    const fh = await open(
      this.#journalFile,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_DSYNC,
      0o600,
    );
    const header = Buffer.from(
      `${JSON.stringify({ journal: JOURNAL_HEADER, generation: this.#generation })}\n`,
      'utf8',
    );
    await fh.write(header);
    await fh.datasync();
    await syncDir(path.dirname(this.#file));
    this.#journal = fh;
    this.#journalBytes = header.length;
    this.#headerBytes = header.length;
    return fh;
  }

  /**
   * The journal so far becomes the old one and a new one starts; the snapshot (whose captured parts
   * are exactly what the old journal ends with) is written in the background; once it is durable the
   * old journal is deleted.
   */
  async #rotate(parts: SnapshotPart[]): Promise<void> {
    if (existsSync(this.#oldJournalFile)) {
      // The last compaction failed and its old journal is still needed: write everything now.
      await this.#rewriteAll();
      return;
    }
    await this.#journal?.close();
    this.#journal = undefined;
    if (existsSync(this.#journalFile)) await rename(this.#journalFile, this.#oldJournalFile);
    this.#generation += 1;
    await this.#openJournal();
    const generation = this.#generation;
    this.#compacting = (async () => {
      try {
        this.#snapshotBytes = await writeSnapshot(
          this.#file,
          [...parts, { key: 'journalGeneration', json: String(generation) }],
          { background: true },
        );
        this.#stats.compactions += 1;
        this.#stats.snapshotBytes = this.#snapshotBytes;
        await rm(this.#oldJournalFile, { force: true });
      } catch {
        // The old journal stays; the next compaction tries again.
        this.#compactWanted = true;
      } finally {
        this.#compacting = undefined;
      }
    })();
  }

  /** Writes the whole document synchronously with respect to writers (open, and after a failed write). */
  async #rewriteAll(): Promise<void> {
    await this.#journal?.close();
    this.#journal = undefined;
    this.#collect('full'); // everything in memory is about to be written: forget pending changes
    const parts = this.#capture();
    this.#generation += 1;
    this.#snapshotBytes = await writeSnapshot(this.#file, [
      ...parts,
      { key: 'journalGeneration', json: String(this.#generation) },
    ]);
    await rm(this.#oldJournalFile, { force: true });
    await rm(this.#journalFile, { force: true });
    await this.#openJournal();
  }

  #isTracked(key: string): boolean {
    return key === 'seen' || key === 'days' || key === 'chats' || key === 'queue' || key === 'log';
  }

  /** The document's parts for a snapshot, at this instant (see snapshot.ts). */
  #capture(): SnapshotPart[] {
    const data = this.data as unknown as Record<string, unknown>;
    const parts: SnapshotPart[] = [];
    for (const key of Object.keys(data)) {
      if (key === 'seen' || key === 'days' || key === 'chats')
        parts.push({ key, entries: this.#keyed[key].raw as Record<string, unknown> });
      else if (key === 'queue' || key === 'log') parts.push({ key, items: (data[key] as unknown[]).slice() });
      else parts.push({ key, json: JSON.stringify(data[key]) ?? 'null' });
    }
    return parts;
  }

  // ---------------------------------------------------------------------------------- changes

  /**
   * The operations that bring the journal up to date with memory. 'full': in-place changes too (the
   * scan); 'new': entries added or set by key, and the queued events named as changed; 'lite': only
   * seen ids, events added to the queue and log entries (see #interleave). Log and seen operations
   * come first, so that the first line of a big write carries them.
   */
  #collect(mode: 'full' | 'new' | 'lite', changed?: Set<QueuedEvent>): { ops: Op[]; head: number } {
    const data = this.data as unknown as Record<string, unknown>;
    const full = mode === 'full';
    const ops: Op[] = [];
    this.#collectLog(ops);
    this.#collectKeyed('seen', data, ops, full);

    // queue
    const queue = this.data.queue;
    if (queue !== this.#queueRef) {
      this.#queueRef = queue;
      this.#queueSlots.clear();
      for (const q of queue) this.#queueSlots.set(q.key, { entry: q, print: queuePrint(q), stamp: 0 });
      ops.push(['=', 'queue', queue]);
    } else if (full) {
      const stamp = ++this.#scan;
      for (const q of queue) {
        const slot = this.#queueSlots.get(q.key);
        if (!slot) {
          ops.push(['q+', q]);
          this.#queueSlots.set(q.key, { entry: q, print: queuePrint(q), stamp });
          continue;
        }
        slot.stamp = stamp;
        if (slot.entry === q && queueChanges.same(q, slot.print)) continue;
        ops.push(['qp', q.key, patchOf(q)]);
        slot.entry = q;
        slot.print = queuePrint(q);
      }
      if (queue.length !== this.#queueSlots.size) {
        for (const [key, slot] of this.#queueSlots) {
          if (slot.stamp !== stamp) {
            ops.push(['q-', key]);
            this.#queueSlots.delete(key);
          }
        }
      }
    } else {
      for (const q of changed ?? []) {
        // Events changed in place (a removed one is left alone: it is not in the queue any more).
        const slot = this.#queueSlots.get(q.key);
        if (!slot || slot.entry !== q || queueChanges.same(q, slot.print)) continue;
        ops.push(['qp', q.key, patchOf(q)]);
        slot.print = queuePrint(q);
      }
      // New events are pushed at the end: walk back to the first one already written.
      const added: QueuedEvent[] = [];
      for (let i = queue.length - 1; i >= 0; i--) {
        const q = queue[i]!;
        if (this.#queueSlots.has(q.key)) break;
        added.push(q);
      }
      for (const q of added.reverse()) {
        ops.push(['q+', q]);
        this.#queueSlots.set(q.key, { entry: q, print: queuePrint(q), stamp: this.#scan });
      }
    }

    // Up to here, what an interleaved write may also contain: it must come after (see #appendOps).
    const head = ops.length;
    if (mode !== 'lite') {
      this.#collectKeyed('days', data, ops, full);
      this.#collectKeyed('chats', data, ops, full);
    }

    // everything else (workspaces, version, …) is small: compared as JSON
    if (full) {
      for (const key of Object.keys(data)) {
        if (this.#isTracked(key)) continue;
        const json = JSON.stringify(data[key]);
        if (json !== this.#json.get(key)) {
          this.#json.set(key, json);
          ops.push(['=', key, data[key]]);
        }
      }
    }
    return { ops, head };
  }

  /** The sync log: appended to, or trimmed (replaced by its newest entries). */
  #collectLog(ops: Op[]): void {
    const log = this.data.log;
    if (log === this.#logRef && log.length >= this.#logLength) {
      if (log.length > this.#logLength) ops.push(['l+', log.slice(this.#logLength)]);
    } else {
      // Trimmed: the new array starts with the newest entries of the old one, then what was appended.
      const old = this.#logRef;
      const s = log.length > 0 && log !== old ? old.indexOf(log[0]!) : -1;
      let suffix = s >= 0 && log.length >= old.length - s;
      for (let j = 0; suffix && s + j < old.length; j++) suffix = log[j] === old[s + j];
      if (suffix) {
        const drop = Math.min(s, this.#logLength);
        if (drop > 0) ops.push(['l-', drop]);
        const fresh = log.slice(Math.max(0, this.#logLength - s));
        if (fresh.length > 0) ops.push(['l+', fresh]);
      } else {
        ops.push(['=', 'log', log]);
      }
    }
    this.#logRef = log;
    this.#logLength = log.length;
  }

  #collectKeyed(name: KeyedName, data: Record<string, unknown>, ops: Op[], full: boolean): void {
    const k = this.#keyed[name] as unknown as Keyed<object>;
    if (data[name] !== k.proxy) {
      // Replaced wholesale: write it all and track the new object.
      k.wrap(data[name] as Record<string, object>);
      k.dirty.clear();
      data[name] = k.proxy;
      ops.push(['=', name, k.raw]);
      return;
    }
    const tag = name === 'seen' ? 's' : name === 'days' ? 'd' : 'c';
    for (const key of k.dirty) {
      const v = k.raw[key];
      if (v === undefined) {
        ops.push([`${tag}-` as 's-', key]);
        k.slots.delete(key);
      } else {
        ops.push([tag, key, v] as Op);
        if (k.fp) k.slots.set(key, { entry: v, print: k.fp.print(v), stamp: 0 });
      }
    }
    k.dirty.clear();
    if (full && k.fp) {
      // Membership is exact (the proxy saw every set and delete); only contents need looking at.
      // forEach: no [key, value] pair allocated per entry (a scan visits every chat-day).
      k.slots.forEach((slot, key) => {
        if (k.fp!.same(slot.entry, slot.print)) return;
        ops.push([`${tag}p` as 'dp', key, entryPatch(k.rules!, slot.entry, slot.print)]);
        slot.print = k.fp!.print(slot.entry);
      });
    }
  }
}

/**
 * Which files make up the store now: a compaction starts a new journal and renames a new data file
 * over the old one (new inodes); appends keep them.
 */
function fileStamp(file: string): string {
  return [file, `${file}.journal.old`, `${file}.journal`]
    .map((f) => {
      try {
        return String(statSync(f).ino);
      } catch {
        return '-';
      }
    })
    .join(':');
}

function patchOf(q: QueuedEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of QUEUE_MUTABLE) out[f] = (q as unknown as Record<string, unknown>)[f] ?? null;
  return out;
}

/**
 * Applies a journal file to `data` when its generation is at least `from` (older journals are already
 * in the data file). Returns its generation, or undefined when there is no such file or it is older.
 */
function replayJournal(file: string, data: DbData, from: number): number | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  let header: { journal?: string; generation?: number };
  try {
    header = JSON.parse(lines[0] ?? '') as typeof header;
  } catch {
    return undefined; // the header itself was torn: nothing was ever acknowledged from this file
  }
  if (header.journal !== JOURNAL_HEADER) throw new Error(`${file} is not a journal of this store`);
  const generation = header.generation ?? 0;
  if (generation < from) return undefined;
  // Queue entries by key; removals are applied in one pass at the end (or before a whole-queue op).
  const queueIndex = new Map<string, QueuedEvent>();
  const raw = data as unknown as Record<string, unknown>;
  let indexedQueue: unknown;
  let removed = 0;
  const settleQueue = () => {
    if (removed > 0) data.queue = data.queue.filter((q) => queueIndex.get(q.key) === q);
    removed = 0;
    indexedQueue = data.queue;
  };
  const entryOf = (key: string) => {
    if (indexedQueue !== data.queue) {
      queueIndex.clear();
      for (const q of data.queue) queueIndex.set(q.key, q);
      indexedQueue = data.queue;
      removed = 0;
    }
    return queueIndex.get(key);
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    let ops: Op[];
    try {
      ops = JSON.parse(line) as Op[];
    } catch (e) {
      // Only the last line can be torn (a write that never finished was never acknowledged).
      if (lines.slice(i + 1).every((l) => l === '')) break;
      throw new Error(
        `The journal ${file} is damaged at line ${i + 1}: restore the data folder from a backup.`,
        { cause: e },
      );
    }
    for (const op of ops) {
      switch (op[0]) {
        case 's':
          data.seen[op[1]] = op[2];
          break;
        case 's-':
          delete data.seen[op[1]];
          break;
        case 'd':
          data.days[op[1]] = op[2] as DayNote;
          break;
        case 'd-':
          delete data.days[op[1]];
          break;
        case 'c':
          data.chats[op[1]] = op[2] as ChatLink;
          break;
        case 'c-':
          delete data.chats[op[1]];
          break;
        case 'dp':
        case 'cp': {
          const entry = (op[0] === 'dp' ? data.days : data.chats)[op[1]];
          if (entry) applyPatch(entry, op[2]);
          break;
        }
        case 'q+':
          if (!entryOf(op[1].key)) {
            data.queue.push(op[1]);
            queueIndex.set(op[1].key, op[1]);
          }
          break;
        case 'q-':
          if (entryOf(op[1])) {
            queueIndex.delete(op[1]);
            removed += 1;
          }
          break;
        case 'qp': {
          const q = entryOf(op[1]) as unknown as Record<string, unknown> | undefined;
          if (q) for (const f of QUEUE_MUTABLE) q[f] = op[2][f] ?? undefined;
          break;
        }
        case 'l+':
          data.log.push(...op[1]);
          break;
        case 'l-':
          data.log.splice(0, op[1]);
          break;
        case '=':
          if (op[1] === 'queue') settleQueue();
          raw[op[1]] = op[2];
          break;
      }
    }
  }
  if (indexedQueue === data.queue) settleQueue();
  return generation;
}

export type { Workspace };
