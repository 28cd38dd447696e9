/**
 * Writes the whole store as one JSON document without blocking the event loop: the big collections
 * are serialised entry by entry, in slices of a few milliseconds, and streamed to a temp file that is
 * fsync'ed and renamed over the data file (and the directory fsync'ed). A crash leaves the old file
 * or the new one, never a torn one.
 *
 * The parts are captured at a commit boundary and their items are never changed in place (the store's
 * values are frozen and replaced), so the snapshot is exactly the state at that boundary however long
 * it takes to write. Files are created 0600: they hold phone numbers and message texts.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToLoop, setTimeout as pause } from 'node:timers/promises';

export type SnapshotPart =
  /** a small value, serialised at once */
  | { key: string; json: string }
  /** an array, its items serialised one by one as the snapshot proceeds */
  | { key: string; items: readonly unknown[] };

const SLICE_MS = 4;
const CHUNK_BYTES = 256 * 1024;
/** Flushed to disk as it goes: one big fsync at the end would stall the journal's writes behind it. */
const SYNC_EVERY_BYTES = 4 << 20;

/**
 * Writes `parts` as one JSON object to `file`; resolves with its size once durable. `background`:
 * after each slice, pause twice as long (a compaction then takes a third of a core at most, and
 * webhook deliveries keep their latency while a big store is rewritten).
 */
export async function writeSnapshot(
  file: string,
  parts: SnapshotPart[],
  opts: { background?: boolean } = {},
): Promise<number> {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.tmp`);
  const fh = await open(tmp, 'w', 0o600);
  let bytes = 0;
  let synced = 0;
  let buf: string[] = [];
  let bufLen = 0;
  let sliceStart = performance.now();
  /** true when the buffer should be drained */
  const push = (s: string): boolean => {
    buf.push(s);
    bufLen += s.length;
    return bufLen >= CHUNK_BYTES;
  };
  const drain = async () => {
    if (bufLen === 0) return;
    const data = Buffer.from(buf.join(''), 'utf8');
    buf = [];
    bufLen = 0;
    bytes += data.length;
    await writeAll(fh, data);
    if (bytes - synced >= SYNC_EVERY_BYTES) {
      await fh.datasync();
      synced = bytes;
    }
  };
  const maybeYield = async () => {
    if (performance.now() - sliceStart < SLICE_MS) return;
    if (opts.background) await pause(2 * SLICE_MS);
    else await yieldToLoop();
    sliceStart = performance.now();
  };
  try {
    push('{');
    let first = true;
    for (const part of parts) {
      push(`${first ? '' : ','}${JSON.stringify(part.key)}:`);
      first = false;
      if ('json' in part) {
        if (push(part.json)) await drain();
      } else {
        push('[');
        let n = 0;
        for (const item of part.items) {
          if (push(`${n === 0 ? '' : ','}${JSON.stringify(item) ?? 'null'}`)) await drain();
          if (++n % 64 === 0) await maybeYield();
        }
        push(']');
      }
    }
    push('}');
    await drain();
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, target);
  await syncDir(dir);
  return bytes;
}

/**
 * Writes all of `data`. One write() may write less than asked without an error: the kernel does so
 * when the disk fills up in the middle of a buffer (the error comes with the next write). Taking a
 * short write for a whole one would acknowledge a commit that is only partly on disk, and the next
 * line would follow it: so write until everything is written, or until the write that fails.
 */
export async function writeAll(fh: Pick<FileHandle, 'write'>, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await fh.write(data, offset, data.length - offset, null);
    if (bytesWritten <= 0) throw Object.assign(new Error('EIO: a write wrote nothing'), { code: 'EIO' });
    offset += bytesWritten;
  }
}

export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
