/**
 * The store: everything the connector remembers, behind narrow repositories. Reads are methods of the
 * repositories; every change goes through a unit of work (`store.begin()`, unitOfWork.ts), except
 * the few that must be decided by the store itself (a message id accepted once, an OAuth state used
 * once, a workspace leased to one process).
 *
 * Two engines implement it:
 * - `document` (document/): the embedded default. One process; the state in memory, made durable by
 *   a journal with group commit, folded into the lowdb data file by compaction.
 * - `postgres` (postgres/), chosen by DATABASE_URL: any number of connector processes share one
 *   database; a workspace's sync runs in one process at a time under a lease.
 *
 * Values read are frozen snapshots (`Readonly`): a change is a new value put through a unit of work,
 * never an in-place mutation.
 */
import type {
  ChatLink,
  DayNote,
  IndexedRecord,
  PhoneIndexState,
  QueuedEvent,
  SentMessage,
  SyncLogEntry,
  SyncOutcome,
  Workspace,
} from './schema.js';
import type { CommitOptions, Lease, UnitOfWork } from './unitOfWork.js';

export type { Lease, CommitOptions } from './unitOfWork.js';

export type Frozen<T> = T extends (infer U)[]
  ? readonly Frozen<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

/** One webhook delivery as the intake hands it to the store. */
export interface IntakeItem {
  workspaceId: string;
  /** absent for events that name no message (an unknown type): logged, never deduplicated */
  messageId: string | undefined;
  /** the message to sync; absent when it is only acknowledged (skipped) */
  event?: QueuedEvent | undefined;
  /** what the sync log says about it (skips) */
  log?: Omit<SyncLogEntry, 'id'> | undefined;
  /** a message skipped because the integration is inactive (the settings page counts them) */
  skippedInactive?: boolean | undefined;
  /**
   * Store the item only if the workspace still is as the intake saw it (a workspace it remembered
   * instead of reading it for this delivery): same webhook token digest, same active state, same
   * country code. Otherwise nothing is stored and the outcome is `stale`.
   */
  guard?: WorkspaceGuard | undefined;
}

export interface WorkspaceGuard {
  digest: string;
  active: boolean;
  countryCode: string | undefined;
}

/** Whether a workspace still matches a guard (the document engine's check; PostgreSQL's is in SQL). */
export function guardHolds(ws: Frozen<Workspace> | undefined, g: WorkspaceGuard): boolean {
  return (
    ws !== undefined &&
    ws.webhookTokenDigest === g.digest &&
    ws.active === g.active &&
    (ws.countryCode ?? undefined) === g.countryCode
  );
}

/**
 * `new`: stored now; `duplicate`: the message id was accepted before (nothing changed); `stale`: the
 * item's guard no longer holds (nothing stored; read the workspace again and decide again).
 */
export type IntakeOutcome = 'new' | 'duplicate' | 'stale';

export interface WorkspaceRepo {
  get(id: string): Promise<Frozen<Workspace> | undefined>;
  byOrg(orgId: string): Promise<Frozen<Workspace> | undefined>;
  byWebhookDigest(digest: string): Promise<Frozen<Workspace> | undefined>;
  all(): Promise<Frozen<Workspace>[]>;
  /** when the newest webhook delivery with a message id was accepted (ISO), if any is remembered */
  lastEventAt(id: string): Promise<string | undefined>;
}

export interface QueueDepth {
  workspaceId: string;
  depth: number;
  /** of which waiting for the admin (a reconnection, a reactivation) */
  waiting: number;
  oldestReceivedAt: string | undefined;
}

export interface EventQueueRepo {
  /**
   * Accepts deliveries durably: each message id once per workspace (a redelivery is `duplicate` and
   * changes nothing). Resolves once what it stored is on disk / committed.
   */
  enqueue(items: IntakeItem[]): Promise<IntakeOutcome[]>;
  /** Due pending events of a workspace, oldest first (the caller holds the workspace's lease). */
  claim(workspaceId: string, now: number, limit: number): Promise<Frozen<QueuedEvent>[]>;
  get(key: string): Promise<Frozen<QueuedEvent> | undefined>;
  /** Workspaces with pending events, and when the earliest of them is due (epoch ms). */
  due(): Promise<{ workspaceId: string; dueAt: number }[]>;
  /** Events with an attachment neither downloaded, refused nor uploaded (downloads to resume). */
  withPendingFiles(): Promise<Frozen<QueuedEvent>[]>;
  depths(): Promise<QueueDepth[]>;
}

export interface ChatLinkRepo {
  getMany(workspaceId: string, chatIds: string[]): Promise<Map<string, Frozen<ChatLink>>>;
  /** Links pointing at these records (a record deleted in the CRM loses its links). */
  byRecords(workspaceId: string, recordIds: string[]): Promise<Frozen<ChatLink>[]>;
}

export interface ChatDayRepo {
  getMany(keys: string[]): Promise<Map<string, Frozen<DayNote>>>;
}

export interface SyncLogQuery {
  outcome?: SyncOutcome | undefined;
  /** entries older than this id (the previous page's `next`) */
  before?: string | undefined;
  limit: number;
}

export interface SyncLogRepo {
  /** Newest first; `next` is the cursor of the following page, undefined at the end. */
  list(
    workspaceId: string,
    query: SyncLogQuery,
  ): Promise<{ entries: Frozen<SyncLogEntry>[]; next: string | undefined }>;
}

export interface PhoneIndexRepo {
  state(workspaceId: string): Promise<Frozen<PhoneIndexState> | undefined>;
  /** The indexed records holding each key (keys without a record are absent). */
  lookup(workspaceId: string, keys: string[]): Promise<Map<string, Frozen<IndexedRecord>[]>>;
  /** Records indexed so far. */
  size(workspaceId: string): Promise<number>;
}

export interface NonceRepo {
  /** true the first time a nonce is used, false ever after (until it expires: `expiresAt` epoch ms). */
  use(nonce: string, expiresAt: number): Promise<boolean>;
}

export interface LeaseRepo {
  /** The workspace for `ttlMs`, unless another holder has it (undefined then). */
  acquire(workspaceId: string, holder: string, ttlMs: number): Promise<Lease | undefined>;
  /** false when the lease was lost (expired and taken) */
  renew(lease: Lease, ttlMs: number): Promise<boolean>;
  release(lease: Lease): Promise<void>;
}

/** Messages sent from the chat panel (who sent them), for the Note lines of their echoes. */
export interface SentMessageRepo {
  getMany(workspaceId: string, messageIds: string[]): Promise<Map<string, Frozen<SentMessage>>>;
}

/** Attachment bytes between their download and their upload (shared by every process). */
export interface FileRepo {
  put(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
}

export interface StoreHealth {
  ok: boolean;
  /** why it is not ok, for /healthz and /readyz */
  reason?: string | undefined;
}

export interface SweepResult {
  seen: number;
  days: number;
  log: number;
}

export interface Store {
  readonly engine: 'document' | 'postgres';
  readonly workspaces: WorkspaceRepo;
  readonly queue: EventQueueRepo;
  readonly chats: ChatLinkRepo;
  readonly days: ChatDayRepo;
  readonly syncLog: SyncLogRepo;
  readonly phoneIndex: PhoneIndexRepo;
  readonly nonces: NonceRepo;
  readonly leases: LeaseRepo;
  readonly files: FileRepo;
  readonly sent: SentMessageRepo;
  /** A unit of work; with `lease`, its commits land only while the lease is held. */
  begin(opts?: CommitOptions): UnitOfWork;
  /** Whether the store can take writes now (a probe write when it has not written for a while). */
  health(): Promise<StoreHealth>;
  /**
   * Forgets what retention allows (message ids and panel sends after 7 days, lines of days after 35,
   * old log entries).
   */
  sweep(now: number): Promise<SweepResult>;
  /**
   * Waits for writes in flight and releases the files or connections. `flush: false` (a start that
   * failed): nothing more is written, the data stays byte for byte as it was.
   */
  close(opts?: { flush?: boolean }): Promise<void>;
}

/** A workspace change as one commit (admin changes: the settings, activation, the connection). */
export async function patchWorkspace(
  store: Store,
  id: string,
  patch: Parameters<UnitOfWork['workspaces']['patch']>[1],
): Promise<void> {
  const uow = store.begin();
  uow.workspaces.patch(id, patch);
  await uow.commit();
}

/** The key of a queued message, a chat link and a chat-day (shared by both engines). */
export const keys = {
  message: (workspaceId: string, messageId: string) => `${workspaceId}:${messageId}`,
  chat: (workspaceId: string, chatId: string) => `${workspaceId}:${chatId}`,
  day: (workspaceId: string, chatId: string, day: string) => `${workspaceId}:${chatId}:${day}`,
};

/** Retention (README "State and its bounds"). */
export const RETENTION = {
  /** TimelinesAI redelivers within minutes; a week is a wide margin. */
  seenMs: 7 * 24 * 60 * 60 * 1000,
  /** Days older than this lose their lines in the store: a late message then gets appended to the Note. */
  dayLinesMs: 35 * 24 * 60 * 60 * 1000,
  /** sync-log entries kept per workspace */
  logEntries: 1000,
};
