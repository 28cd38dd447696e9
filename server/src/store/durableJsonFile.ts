/**
 * A lowdb adapter that makes each write durable before it resolves: the JSON goes to a temp file,
 * is fsync'ed, then atomically renamed over the data file (and the directory fsync'ed). A crash at
 * any moment leaves either the old or the new file, never a torn one. lowdb's own JSONFile renames
 * without fsync, which is not enough for "acknowledged only once stored durably".
 */
import { mkdirSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';

export class DurableJsonFile<T> implements Adapter<T> {
  readonly #file: string;
  readonly #tmp: string;
  readonly #dir: string;

  constructor(file: string) {
    this.#file = path.resolve(file);
    this.#dir = path.dirname(this.#file);
    this.#tmp = path.join(this.#dir, `.${path.basename(this.#file)}.tmp`);
    mkdirSync(this.#dir, { recursive: true });
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new Error(
        `The data file ${this.#file} is not valid JSON (${(e as Error).message}). ` +
          'Restore it from a backup, or move it away to start with an empty store.',
        { cause: e },
      );
    }
  }

  async write(data: T): Promise<void> {
    const text = JSON.stringify(data);
    const fh = await open(this.#tmp, 'w');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(this.#tmp, this.#file);
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
