/**
 * The document store is one process's: a second connector on the same DATA_FILE would overwrite the
 * first one's journal. A lock file beside the data file names the process that holds it; a lock left
 * by a process that no longer exists (a crash, SIGKILL) is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { StoreFileError } from './image.js';

export class FileLock {
  constructor(readonly file: string) {}

  acquire(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.file, String(process.pid), { flag: 'wx', mode: 0o600 });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = Number(readFileSync(this.file, 'utf8').trim());
      if (holder && holder !== process.pid && alive(holder)) {
        throw new StoreFileError(
          `Another connector process (pid ${holder}) uses ${this.file.replace(/\.lock$/, '')}: stop it first. ` +
            'Several processes need PostgreSQL (set DATABASE_URL).',
        );
      }
      rmSync(this.file, { force: true }); // stale: its process is gone
    }
    throw new StoreFileError(`Could not take the lock ${this.file}: remove it if no connector is running.`);
  }

  release(): void {
    try {
      if (Number(readFileSync(this.file, 'utf8').trim()) === process.pid) rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
