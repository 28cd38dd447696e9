/**
 * The data file: the whole document state as one JSON object (version 2), read and written by lowdb
 * through `DataFileAdapter`. Writes stream the big arrays slice by slice (snapshot.ts), to a temp
 * file that is fsync'ed and renamed over the data file (mode 0600).
 */
import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import type {
  ChatLink,
  DayNote,
  IndexedRecord,
  PhoneIndexState,
  QueuedEvent,
  SentMessage,
  SyncLogEntry,
  Workspace,
} from '../schema.js';
import { writeSnapshot, type SnapshotPart } from './snapshot.js';
import { DocState, deepFreeze } from './state.js';

export interface DocumentImage {
  version: 2;
  /** the journals from this generation on are replayed over the image */
  journalGeneration: number;
  logSeq: number;
  workspaces: Workspace[];
  seen: [string, number][];
  queue: QueuedEvent[];
  chats: ChatLink[];
  days: DayNote[];
  log: SyncLogEntry[];
  indexStates: { workspaceId: string; state: PhoneIndexState }[];
  indexRecords: [string, IndexedRecord][];
  nonces: [string, number][];
  /** panel sends (absent from images written before they existed) */
  sent?: SentMessage[];
}

export class StoreFileError extends Error {
  override readonly name = 'StoreFileError';
}

/** lowdb's adapter for the data file: a plain JSON read, and the durable streaming write. */
export class DataFileAdapter implements Adapter<DocumentImage> {
  /** pause between slices while writing (a background compaction takes a third of a core at most) */
  background = false;

  constructor(readonly file: string) {}

  async read(): Promise<DocumentImage | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StoreFileError(
        `The data file ${this.file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): check its permissions.`,
      );
    }
    try {
      return JSON.parse(text) as DocumentImage;
    } catch (e) {
      throw new StoreFileError(
        `The data file ${this.file} is not valid JSON (${(e as Error).message}): restore it from a backup, or move it away to start with an empty store. Nothing was changed.`,
      );
    }
  }

  async write(image: DocumentImage): Promise<void> {
    const parts: SnapshotPart[] = Object.entries(image).map(([key, value]) =>
      Array.isArray(value) ? { key, items: value } : { key, json: JSON.stringify(value) },
    );
    await writeSnapshot(this.file, parts, { background: this.background });
  }
}

/** The state's values at this instant (references: they are frozen, so the image stays exact). */
export function captureImage(state: DocState, journalGeneration: number): DocumentImage {
  const indexStates: DocumentImage['indexStates'] = [];
  const indexRecords: DocumentImage['indexRecords'] = [];
  for (const [workspaceId, idx] of state.index) {
    indexStates.push({ workspaceId, state: idx.state });
    for (const r of idx.records.values()) indexRecords.push([workspaceId, r]);
  }
  const queue: QueuedEvent[] = [];
  for (const events of state.queue.values()) queue.push(...events.values());
  const log: SyncLogEntry[] = [];
  for (const entries of state.log.values()) log.push(...entries);
  return {
    version: 2,
    journalGeneration,
    logSeq: state.logSeq,
    workspaces: [...state.workspaces.values()],
    seen: [...state.seen],
    queue,
    chats: [...state.chats.values()],
    days: [...state.days.values()],
    log,
    indexStates,
    indexRecords,
    nonces: [...state.nonces],
    sent: [...state.sent.values()],
  };
}

/** The state an image describes. */
export function stateOf(image: DocumentImage): DocState {
  const state = new DocState();
  for (const ws of image.workspaces) state.putWorkspace(ws);
  for (const [key, at] of image.seen) state.putSeen(key, at);
  for (const q of image.queue) state.putEvent(q);
  for (const link of image.chats) state.apply({ t: 'chat.put', link });
  for (const day of image.days) state.apply({ t: 'day.put', day });
  for (const e of [...image.log].sort((a, b) => Number(a.id) - Number(b.id))) {
    let entries = state.log.get(e.workspaceId);
    if (!entries) state.log.set(e.workspaceId, (entries = []));
    entries.push(deepFreeze(e));
    state.noteFailure(e);
  }
  state.logSeq = image.logSeq;
  for (const { workspaceId, state: s } of image.indexStates)
    state.apply({ t: 'idx.state', workspaceId, state: s });
  const byWorkspace = new Map<string, IndexedRecord[]>();
  for (const [workspaceId, r] of image.indexRecords) {
    const list = byWorkspace.get(workspaceId) ?? [];
    list.push(r);
    byWorkspace.set(workspaceId, list);
  }
  for (const [workspaceId, records] of byWorkspace) state.apply({ t: 'idx.put', workspaceId, records });
  for (const [nonce, exp] of image.nonces) state.nonces.set(nonce, exp);
  for (const sent of image.sent ?? []) state.apply({ t: 'sent.put', sent });
  return state;
}

export function emptyImage(): DocumentImage {
  return {
    version: 2,
    journalGeneration: 0,
    logSeq: 0,
    workspaces: [],
    seen: [],
    queue: [],
    chats: [],
    days: [],
    log: [],
    indexStates: [],
    indexRecords: [],
    nonces: [],
    sent: [],
  };
}
