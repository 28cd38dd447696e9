/**
 * The journal: one line per commit (the operations of every unit of work in that group commit),
 * appended with O_DSYNC, so a write returns once it is on disk (one round trip instead of write +
 * fdatasync). A header line names its generation: a compaction starts generation g+1 and writes an
 * image holding everything before it; on open, the image is read and the journals of its generation
 * and later are replayed.
 *
 * A write that fails half way (a full disk) may leave a partial line: the journal is cut back to the
 * last whole line before anything else is appended, so a later success never follows garbage. A
 * write the kernel answers short (the disk filled up mid-line, no error yet) is continued until it
 * is whole or fails (`writeAll`): a line is acknowledged only once all of it is on disk.
 */
import { constants, existsSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { StoreFileError } from './image.js';
import { syncDir, writeAll } from './snapshot.js';
import type { DocOp } from './state.js';

const HEADER = 'wa-zoho-sync journal v2';

/** The file system calls the journal makes: a seam for fault injection (a full disk in tests). */
export interface JournalIo {
  open(file: string): Promise<FileHandle>;
  write(fh: FileHandle, data: Buffer): Promise<void>;
}

export const realIo: JournalIo = {
  // O_TRUNC: a journal always starts empty (a stale file of an older generation must not be appended to).
  open: (file) =>
    open(
      file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_TRUNC | constants.O_DSYNC,
      0o600,
    ),
  // A short write (the disk filled up mid-line) is not a whole one: the rest is written, or fails.
  write: (fh, data) => writeAll(fh, data),
};

export class Journal {
  #fh: FileHandle | undefined;
  /** bytes of whole lines written (the header included) */
  #bytes = 0;
  /** a write failed: the file may end with a partial line */
  #torn = false;

  constructor(
    readonly file: string,
    readonly generation: number,
    readonly io: JournalIo = realIo,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  /** bytes of the header line (a journal of this size holds no operation) */
  headerBytes = 0;

  /** Creates the file with its header (durable, directory entry included). */
  async start(): Promise<void> {
    const fh = await this.io.open(this.file);
    this.#fh = fh;
    await this.#write(Buffer.from(`${JSON.stringify({ journal: HEADER, generation: this.generation })}\n`));
    this.headerBytes = this.#bytes;
    await syncDir(path.dirname(this.file));
  }

  /** Appends one line (a JSON array of operations); resolves once it is on disk. */
  async append(line: string): Promise<void> {
    await this.#write(Buffer.from(`${line}\n`, 'utf8'));
  }

  async #write(data: Buffer): Promise<void> {
    const fh = this.#fh;
    if (!fh) throw new Error('journal not started');
    if (this.#torn) {
      await fh.truncate(this.#bytes);
      this.#torn = false;
    }
    try {
      await this.io.write(fh, data);
    } catch (e) {
      this.#torn = true;
      throw e;
    }
    this.#bytes += data.length;
  }

  async close(): Promise<void> {
    await this.#fh?.close();
    this.#fh = undefined;
  }
}

/**
 * Applies a journal file's operations when its generation is at least `from`. Returns its generation,
 * or undefined when there is no such file, it is older, or its header was torn (never acknowledged).
 */
export function replayJournal(file: string, from: number, apply: (op: DocOp) => void): number | undefined {
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  let header: { journal?: string; generation?: number };
  try {
    header = JSON.parse(lines[0] ?? '') as typeof header;
  } catch {
    return undefined;
  }
  if (header.journal !== HEADER) {
    throw new StoreFileError(
      `${file} is not a journal of this store: move it away or restore the data folder from a backup.`,
    );
  }
  const generation = header.generation ?? 0;
  if (generation < from) return undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    let ops: DocOp[];
    try {
      ops = JSON.parse(line) as DocOp[];
    } catch {
      // Only the last line can be torn: a write that never finished was never acknowledged.
      if (lines.slice(i + 1).every((l) => l === '')) break;
      throw new StoreFileError(
        `The journal ${file} is damaged at line ${i + 1}: restore the data folder from a backup.`,
      );
    }
    for (const op of ops) apply(op);
  }
  return generation;
}
