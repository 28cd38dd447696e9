/**
 * Reads a store written by the first version of the connector (data file version 1 and its journal,
 * whose lines were changes found by diffing the document), so an upgrade keeps every queued message,
 * link and Note id. The result is a version-2 image; the store then writes it and deletes the old
 * journals. Nothing here is used for new data.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ChatLink, DayNote, QueuedEvent, SyncLogEntry, Workspace } from '../schema.js';
import { emptyImage, StoreFileError, type DocumentImage } from './image.js';

const V1_JOURNAL_HEADER = 'wa-zoho-sync journal';

interface V1Document {
  version?: 1;
  journalGeneration?: number;
  workspaces?: Workspace[];
  queue?: QueuedEvent[];
  seen?: Record<string, number>;
  chats?: Record<string, ChatLink>;
  days?: Record<string, DayNote>;
  log?: SyncLogEntry[];
}

type V1Op = [string, ...unknown[]];

export function isLegacy(doc: unknown): doc is V1Document {
  return typeof doc === 'object' && doc !== null && (doc as { version?: unknown }).version !== 2;
}

/** The v1 document with its journals replayed, as a v2 image. */
export function fromLegacy(doc: V1Document, file: string): DocumentImage {
  const data = {
    workspaces: doc.workspaces ?? [],
    queue: doc.queue ?? [],
    seen: doc.seen ?? {},
    chats: doc.chats ?? {},
    days: doc.days ?? {},
    log: doc.log ?? [],
  };
  for (const journal of [`${file}.journal.old`, `${file}.journal`])
    replayV1(journal, data, doc.journalGeneration ?? 0);
  const image = emptyImage();
  image.workspaces = data.workspaces;
  image.queue = data.queue;
  image.seen = Object.entries(data.seen);
  image.chats = Object.values(data.chats);
  image.days = Object.values(data.days);
  image.log = data.log.map((e, i) => ({ ...e, id: String(i + 1) }));
  image.logSeq = data.log.length;
  return image;
}

function replayV1(
  file: string,
  data: Required<Omit<V1Document, 'version' | 'journalGeneration'>>,
  from: number,
) {
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8').split('\n');
  let header: { journal?: string; generation?: number };
  try {
    header = JSON.parse(lines[0] ?? '') as typeof header;
  } catch {
    return; // a torn header: nothing was ever acknowledged from this file
  }
  if (header.journal !== V1_JOURNAL_HEADER) return;
  if ((header.generation ?? 0) < from) return;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    let ops: V1Op[];
    try {
      ops = JSON.parse(lines[i]!) as V1Op[];
    } catch {
      if (lines.slice(i + 1).every((l) => l === '')) break; // torn last line: never acknowledged
      throw new StoreFileError(
        `The journal ${file} is damaged at line ${i + 1}: restore the data folder from a backup.`,
      );
    }
    for (const op of ops) applyV1(data, op);
  }
}

function applyV1(data: Required<Omit<V1Document, 'version' | 'journalGeneration'>>, op: V1Op): void {
  const [t, a, b] = op as [string, string, unknown];
  const keyed = { s: data.seen, d: data.days, c: data.chats } as Record<string, Record<string, unknown>>;
  switch (t) {
    case 's':
    case 'd':
    case 'c':
      keyed[t]![a] = b;
      return;
    case 's-':
    case 'd-':
    case 'c-':
      delete keyed[t[0]!]![a];
      return;
    case 'dp':
    case 'cp': {
      const entry = keyed[t[0]!]![a] as Record<string, unknown> | undefined;
      if (entry) patchV1(entry, b as Record<string, unknown>);
      return;
    }
    case 'q+':
      if (!data.queue.some((q) => q.key === (op[1] as QueuedEvent).key))
        data.queue.push(op[1] as QueuedEvent);
      return;
    case 'q-':
      data.queue = data.queue.filter((q) => q.key !== a);
      return;
    case 'qp': {
      const q = data.queue.find((x) => x.key === a) as unknown as Record<string, unknown> | undefined;
      if (q) for (const [k, v] of Object.entries(b as object)) q[k] = v === null ? undefined : v;
      return;
    }
    case 'l+':
      data.log.push(...(op[1] as SyncLogEntry[]));
      return;
    case 'l-':
      data.log.splice(0, op[1] as number);
      return;
    case '=':
      (data as Record<string, unknown>)[a] = b;
      return;
  }
}

/** A v1 entry patch: changed values (null for undefined), and `+field: [from, items]` for appended lines. */
function patchV1(entry: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('+')) {
      const f = k.slice(1);
      const [from, items] = v as [number, unknown[]];
      const arr = Array.isArray(entry[f]) ? (entry[f] as unknown[]) : (entry[f] = []);
      arr.length = Math.min(arr.length, from);
      arr.push(...items);
    } else entry[k] = v === null ? undefined : v;
  }
}
