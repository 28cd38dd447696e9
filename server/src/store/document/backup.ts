/**
 * Backups of the embedded store while the connector runs (`npm run backup`), and their restore
 * (`npm run restore`, with the connector stopped).
 *
 * Why a read is consistent without stopping anything: every acknowledged change is in the data file
 * or in a journal on disk before it is acknowledged, and a journal only grows (a torn last line was
 * never acknowledged). Reading the data file and replaying the journals gives the state at some
 * instant during the read, every change acknowledged before the read began included. The one race,
 * a compaction replacing the data file and deleting a journal meanwhile, is noticed (the files'
 * identities changed) and the read is done again.
 *
 * A backup is a folder: `db.json` (a version-2 image, nothing to replay) and `attachments/` (the
 * downloaded files queued messages still need), all 0600 in a 0700 folder.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DocumentStore } from './documentStore.js';
import { captureImage, StoreFileError } from './image.js';
import { FileLock } from './lock.js';
import { writeSnapshot, type SnapshotPart } from './snapshot.js';

export interface BackupSummary {
  folder: string;
  workspaces: number;
  queued: number;
  messageIds: number;
  attachments: number;
}

export async function backupDocumentStore(dataFile: string, folder: string): Promise<BackupSummary> {
  const file = path.resolve(dataFile);
  if (!existsSync(file) && !existsSync(`${file}.journal`))
    throw new StoreFileError(`There is no store at ${file} (DATA_FILE) to back up.`);
  if (existsSync(folder) && readdirSync(folder).length > 0)
    throw new StoreFileError(`The backup folder ${folder} is not empty: choose a new one.`);
  const state = await DocumentStore.read(file); // consistent also while the connector writes
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  chmodSync(folder, 0o700);
  const image = captureImage(state, 0);
  const parts: SnapshotPart[] = Object.entries(image).map(([key, value]) =>
    Array.isArray(value) ? { key, items: value } : { key, json: JSON.stringify(value) },
  );
  await writeSnapshot(path.join(folder, 'db.json'), parts);
  // The downloaded attachments queued messages still refer to (the rest are uploaded already).
  const from = path.join(path.dirname(file), 'attachments');
  const to = path.join(folder, 'attachments');
  mkdirSync(to, { recursive: true, mode: 0o700 });
  let attachments = 0;
  for (const q of image.queue)
    for (const f of q.files) {
      if (!f.localPath || !existsSync(path.join(from, f.localPath))) continue;
      copyFileSync(path.join(from, f.localPath), path.join(to, f.localPath));
      chmodSync(path.join(to, f.localPath), 0o600);
      attachments += 1;
    }
  return {
    folder,
    workspaces: image.workspaces.length,
    queued: image.queue.length,
    messageIds: image.seen.length,
    attachments,
  };
}

/** Restores a backup folder as the store at `dataFile` (the connector must be stopped). */
export function restoreDocumentStore(folder: string, dataFile: string, opts: { force?: boolean } = {}): void {
  const file = path.resolve(dataFile);
  const source = path.join(folder, 'db.json');
  if (!existsSync(source)) throw new StoreFileError(`${folder} is not a backup: it has no db.json.`);
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const lock = new FileLock(`${file}.lock`);
  lock.acquire(); // refuses while a connector uses DATA_FILE
  try {
    if ((existsSync(file) || existsSync(`${file}.journal`)) && !opts.force)
      throw new StoreFileError(
        `${file} exists: restoring would replace it. Move it away first, or pass --force to replace it.`,
      );
    for (const f of [`${file}.journal`, `${file}.journal.old`]) rmSync(f, { force: true });
    copyFileSync(source, file);
    chmodSync(file, 0o600);
    const from = path.join(folder, 'attachments');
    const to = path.join(dir, 'attachments');
    mkdirSync(to, { recursive: true, mode: 0o700 });
    if (existsSync(from))
      for (const name of readdirSync(from)) {
        copyFileSync(path.join(from, name), path.join(to, name));
        chmodSync(path.join(to, name), 0o600);
      }
  } finally {
    lock.release();
  }
}
