/**
 * A data folder whose disk can be filled: a small tmpfs mounted for the run (we run as root here),
 * and a ballast file that takes every free byte for a few seconds. When mounting is not permitted
 * the run says so and skips the disk-full fault; it never fakes one.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DataDisk {
  dir: string;
  /** why the disk cannot be filled (not mounted), when it cannot */
  unavailable: string | undefined;
  fill(): { bytes: number };
  free(): void;
  unmount(): void;
}

/** A plain temp folder whose disk is not filled, and why. */
export function unfillableDisk(why: string): DataDisk {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-zoho-chaos-data-'));
  return {
    dir,
    unavailable: why,
    fill: () => ({ bytes: 0 }),
    free: () => undefined,
    unmount: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function mountDataDisk(sizeMb: number): DataDisk {
  if (!(sizeMb > 0)) throw new Error('a data disk needs a size (tmpfs size=0 means no limit)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-zoho-chaos-data-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
  } catch (e) {
    const why = ((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim();
    rmSync(dir, { recursive: true, force: true });
    return unfillableDisk(`a tmpfs cannot be mounted here (${why}): the disk-full fault is skipped`);
  }
  const ballast = path.join(dir, 'ballast');
  return {
    dir,
    unavailable: undefined,
    fill() {
      // Zeros in 1 MB writes, then smaller ones, until the file system says ENOSPC: every byte taken.
      const fd = openSync(ballast, 'w', 0o600);
      let bytes = 0;
      try {
        for (let size = 1024 * 1024; size >= 512; size = size / 2) {
          const chunk = Buffer.alloc(size);
          for (;;) {
            try {
              bytes += writeSync(fd, chunk);
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw e;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return { bytes };
    },
    free() {
      rmSync(ballast, { force: true });
    },
    unmount() {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
        rmdirSync(dir);
      } catch {
        // Still busy (a process holds a file): lazily detached, removed by the system once free.
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
    },
  };
}

/** Free bytes of the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}
