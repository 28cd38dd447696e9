/**
 * Opening the embedded store's files: the data folder made private, the image read (or a store of the
 * first version converted), the journals after it replayed.
 */
import { accessSync, chmodSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import type { Low } from 'lowdb';
import { emptyImage, stateOf, StoreFileError, type DocumentImage } from './image.js';
import { replayJournal } from './journal.js';
import { fromLegacy, isLegacy } from './legacy.js';
import type { DocState } from './state.js';

/** Reads the image (or a first-version store) and replays the journals after it. */
export async function load(
  db: Low<DocumentImage>,
  file: string,
): Promise<{ state: DocState; generation: number; clean: boolean }> {
  await db.read();
  const exists = existsSync(file);
  const raw: unknown = exists ? db.data : emptyImage();
  if (isLegacy(raw)) return { state: stateOf(fromLegacy(raw, file)), generation: 1, clean: false };
  const image = raw as DocumentImage;
  const state = stateOf(image);
  let generation = image.journalGeneration;
  let replayed = false;
  for (const journal of [`${file}.journal.old`, `${file}.journal`]) {
    const g = replayJournal(journal, image.journalGeneration, (op) => state.apply(op));
    if (g === undefined) continue;
    generation = Math.max(generation, g);
    replayed = true;
  }
  const clean = exists && !replayed && !existsSync(`${file}.journal.old`);
  return { state, generation: clean ? generation : generation + 1, clean };
}

/**
 * The data file and journals' identities: a compaction changes them, an append does not (inode and
 * creation time: an inode number freed by a deleted journal may be given to the next file).
 */
export function filesStamp(file: string): string {
  return [file, `${file}.journal.old`, `${file}.journal`]
    .map((f) => {
      try {
        const st = statSync(f);
        return `${st.ino}/${st.birthtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join(':');
}

/** The data folder exists, is private (0700) and can be written; else one clear sentence. */
export function prepareFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new StoreFileError(
      `The data folder ${dir} cannot be created (${(e as NodeJS.ErrnoException).code}): create it, or set DATA_FILE to a writable place.`,
    );
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    chmodSync(dir, 0o700);
  } catch (e) {
    throw new StoreFileError(
      `The data folder ${dir} is not writable (${(e as NodeJS.ErrnoException).code}): give the connector's user write access, or set DATA_FILE to a writable place.`,
    );
  }
}
