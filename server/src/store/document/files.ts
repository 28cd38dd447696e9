/**
 * Attachment bytes between download and upload, as files in a private folder beside the data file
 * (mode 0700, files 0600: they are the customers' documents). Written to a temp name, fsync'ed and
 * renamed, so a key that exists holds the whole file.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FileRepo } from '../store.js';

const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

export class FolderFiles implements FileRepo {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = path.resolve(dir);
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    chmodSync(this.#dir, 0o700);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const target = this.#path(key);
    const tmp = `${target}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.#path(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  #path(key: string): string {
    if (!SAFE_KEY.test(key)) throw new Error(`invalid file key ${JSON.stringify(key)}`);
    return path.join(this.#dir, key);
  }
}
