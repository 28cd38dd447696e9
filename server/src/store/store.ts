/**
 * lowdb-backed store with group commit. Callers mutate `store.data` synchronously and then
 * `await store.commit()`: the promise resolves once a write that includes their change is durable.
 * Concurrent commits share writes: while one write runs, every commit that arrives joins the next
 * one, so N concurrent webhook deliveries cost about two file writes, not N.
 */
import { Low } from 'lowdb';
import { DurableJsonFile } from './durableJsonFile.js';
import { emptyDb, type DbData } from './schema.js';

export class Store {
  readonly #db: Low<DbData>;
  #writing: Promise<void> | undefined;
  #next: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  #writes = 0;

  private constructor(db: Low<DbData>) {
    this.#db = db;
  }

  static async open(file: string): Promise<Store> {
    const db = new Low<DbData>(new DurableJsonFile<DbData>(file), emptyDb());
    await db.read();
    db.data = { ...emptyDb(), ...db.data };
    return new Store(db);
  }

  get data(): DbData {
    return this.#db.data;
  }

  /** Number of file writes so far (benchmarks: commits per write). */
  get writes(): number {
    return this.#writes;
  }

  /** Resolves once everything mutated before this call is on disk. */
  commit(): Promise<void> {
    if (this.#next) return this.#next.promise;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#next = { promise, resolve, reject };
    if (!this.#writing) this.#startWrite();
    return promise;
  }

  #startWrite(): void {
    const batch = this.#next;
    if (!batch) return;
    this.#next = undefined;
    this.#writes += 1;
    this.#writing = this.#db.write().then(batch.resolve, batch.reject);
    void this.#writing.finally(() => {
      this.#writing = undefined;
      if (this.#next) this.#startWrite();
    });
  }

  /** Waits for writes in flight (shutdown). */
  async flush(): Promise<void> {
    while (this.#writing || this.#next) {
      await (this.#next?.promise ?? this.#writing);
    }
  }
}
