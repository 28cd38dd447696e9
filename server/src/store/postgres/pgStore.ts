/**
 * The PostgreSQL store (DATABASE_URL): any number of identical connector processes share one
 * database. What makes that safe:
 * - a message id is accepted once by the database (`received`'s primary key), whichever process the
 *   delivery reached, and the webhook is answered after its transaction committed (intake.ts);
 * - a workspace's sync runs under a lease row with an expiry (`leases`): one process at a time; a
 *   killed process's lease expires and another takes over; a run's commits are fenced by the lease
 *   (a process that lost it cannot write);
 * - the queue is claimed with `FOR UPDATE SKIP LOCKED`;
 * - OAuth states are used once (`oauth_nonces`), sessions are signed tokens checked against the
 *   workspace row, and attachment bytes live in the database (any process may upload them).
 * Nothing of the stored history is held in memory: memory stays flat however much is stored.
 *
 * node-postgres (`pg`) rather than postgres.js: the better-known driver, plain parameterised queries,
 * explicit transactions on a pooled client (fencing needs the lease check inside the transaction),
 * and typed with @types/pg.
 */
import pg from 'pg';
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
import {
  RETENTION,
  type Frozen,
  type IntakeItem,
  type LeaseRepo,
  type QueueDepth,
  type Store,
  type StoreHealth,
  type SweepResult,
  type SyncLogQuery,
} from '../store.js';
import { UnitOfWork, type CommitOptions, type Op } from '../unitOfWork.js';
import { applyOps } from './applyOps.js';
import { PgIntake, WorkspaceByDigest } from './intake.js';
import { pgLeases } from './leases.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

interface QueueRow {
  key: string;
  workspace_id: string;
  seq: string;
  received_at: string;
  event: QueuedEvent['event'];
  attempts: number;
  not_before: string;
  state: QueuedEvent['state'];
  last_error: string | null;
  files: QueuedEvent['files'];
}

const toEvent = (r: QueueRow): QueuedEvent => ({
  key: r.key,
  workspaceId: r.workspace_id,
  receivedAt: r.received_at,
  event: r.event,
  attempts: r.attempts,
  notBefore: Number(r.not_before),
  state: r.state,
  ...(r.last_error !== null ? { lastError: r.last_error } : {}),
  files: r.files,
});

export interface PgStoreOptions {
  /** connections in the pool (default 10) */
  poolSize?: number;
  now?: () => number;
}

export class PgStore implements Store {
  readonly engine = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #intake: PgIntake;
  readonly #byDigest: WorkspaceByDigest;
  readonly #now: () => number;
  #closed = false;

  private constructor(pool: pg.Pool, opts: PgStoreOptions) {
    this.#pool = pool;
    this.#now = opts.now ?? Date.now;
    this.#intake = new PgIntake(pool, this.#now);
    this.#byDigest = new WorkspaceByDigest(pool);
    this.leases = pgLeases((fn) => this.#tx(fn), pool);
  }

  /** Connects, applies the migrations this version needs, and answers the store. */
  static async open(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
    // An idle client's error (the server restarted) must not crash the process: the pool replaces it.
    pool.on('error', () => undefined);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new Error(`Cannot connect to PostgreSQL at DATABASE_URL (${(e as Error).message}).`, {
        cause: e,
      });
    }
    try {
      await migrate(client);
    } finally {
      client.release();
    }
    return new PgStore(pool, opts);
  }

  begin(opts: CommitOptions = {}): UnitOfWork {
    return new UnitOfWork((ops, o) => this.#commit(ops, o), opts);
  }

  async #commit(ops: Op[], opts: CommitOptions): Promise<void> {
    await this.#tx(async (c) => {
      if (opts.lease) {
        const held = await c.query(
          'SELECT 1 FROM leases WHERE workspace_id = $1 AND holder = $2 AND expires_at > now() FOR SHARE',
          [opts.lease.workspaceId, opts.lease.holder],
        );
        if (held.rowCount === 0)
          throw new LeaseLostError(`the lease on workspace ${opts.lease.workspaceId} was lost`);
      }
      await applyOps(c, ops);
    });
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  #rows<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    return this.#pool.query<R>(sql, values).then((r) => r.rows);
  }

  readonly workspaces = {
    get: async (id: string) => this.#workspace('id = $1', id),
    byOrg: async (orgId: string) => this.#workspace('org_id = $1', orgId),
    byWebhookDigest: (digest: string) => this.#byDigest.get(digest),
    all: async () =>
      (await this.#rows<{ data: Workspace }>('SELECT data FROM workspaces ORDER BY id')).map((r) => r.data),
    lastEventAt: async (id: string) => {
      const [row] = await this.#rows<{ at: string | null }>(
        'SELECT max(received_at) AS at FROM received WHERE workspace_id = $1',
        [id],
      );
      return row?.at ? new Date(Number(row.at)).toISOString() : undefined;
    },
  };

  async #workspace(where: string, value: string): Promise<Frozen<Workspace> | undefined> {
    const [row] = await this.#rows<{ data: Workspace }>(`SELECT data FROM workspaces WHERE ${where}`, [
      value,
    ]);
    return row?.data;
  }

  readonly queue = {
    enqueue: (items: IntakeItem[]) => this.#intake.enqueue(items),
    claim: async (workspaceId: string, now: number, limit: number) => {
      const rows = await this.#tx((c) =>
        c
          .query<QueueRow>(
            `WITH due AS (
               SELECT key FROM queue
               WHERE workspace_id = $1 AND state = 'pending' AND not_before <= $2
               ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED
             )
             UPDATE queue q SET claimed_at = $2 FROM due WHERE q.key = due.key RETURNING q.*`,
            [workspaceId, now, limit],
          )
          .then((r) => r.rows),
      );
      return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(toEvent);
    },
    get: async (key: string) => {
      const [row] = await this.#rows<QueueRow>('SELECT * FROM queue WHERE key = $1', [key]);
      return row ? toEvent(row) : undefined;
    },
    due: async () =>
      (
        await this.#rows<{ workspace_id: string; due: string }>(
          `SELECT workspace_id, min(not_before) AS due FROM queue WHERE state = 'pending' GROUP BY workspace_id`,
        )
      ).map((r) => ({ workspaceId: r.workspace_id, dueAt: Number(r.due) })),
    withPendingFiles: async () =>
      (await this.#rows<QueueRow>(`SELECT * FROM queue WHERE jsonb_array_length(files) > 0 ORDER BY seq`))
        .map(toEvent)
        .filter((q) => q.files.some((f) => !f.localPath && !f.error && !f.uploadedId)),
    depths: async (): Promise<QueueDepth[]> =>
      (
        await this.#rows<{ workspace_id: string; depth: string; waiting: string; oldest: string | null }>(
          `SELECT workspace_id, count(*) AS depth, count(*) FILTER (WHERE state = 'waiting') AS waiting,
             min(received_at) AS oldest FROM queue GROUP BY workspace_id`,
        )
      ).map((r) => ({
        workspaceId: r.workspace_id,
        depth: Number(r.depth),
        waiting: Number(r.waiting),
        oldestReceivedAt: r.oldest ?? undefined,
      })),
  };

  readonly chats = {
    getMany: async (workspaceId: string, chatIds: string[]) => {
      const rows = await this.#rows<{ data: ChatLink }>('SELECT data FROM chat_links WHERE key = ANY($1)', [
        chatIds.map((id) => `${workspaceId}:${id}`),
      ]);
      return new Map(rows.map((r) => [r.data.chatId, r.data as Frozen<ChatLink>]));
    },
    byRecords: async (workspaceId: string, recordIds: string[]) =>
      (
        await this.#rows<{ data: ChatLink }>(
          'SELECT data FROM chat_links WHERE workspace_id = $1 AND record_id = ANY($2)',
          [workspaceId, recordIds],
        )
      ).map((r) => r.data),
  };

  readonly days = {
    getMany: async (dayKeys: string[]) => {
      const rows = await this.#rows<{ data: Omit<DayNote, 'lines'>; lines: DayNote['lines'] }>(
        'SELECT data, lines FROM chat_days WHERE key = ANY($1)',
        [dayKeys],
      );
      return new Map(rows.map((r) => [r.data.key, { ...r.data, lines: r.lines } as Frozen<DayNote>]));
    },
  };

  readonly syncLog = {
    list: async (workspaceId: string, q: SyncLogQuery) => {
      const rows = await this.#rows<{ id: string; resolved: boolean; entry: SyncLogEntry }>(
        `SELECT id, resolved, entry FROM sync_log
         WHERE workspace_id = $1 AND ($2::bigint IS NULL OR id < $2) AND ($3::text IS NULL OR outcome = $3)
         ORDER BY id DESC LIMIT $4`,
        [workspaceId, q.before ?? null, q.outcome ?? null, q.limit + 1],
      );
      const entries = rows
        .slice(0, q.limit)
        .map((r) => ({ ...r.entry, id: r.id, ...(r.resolved ? { resolved: true } : {}) }));
      return { entries, next: rows.length > q.limit ? entries[entries.length - 1]?.id : undefined };
    },
  };

  readonly phoneIndex = {
    state: async (workspaceId: string) => {
      const [row] = await this.#rows<{ state: PhoneIndexState }>(
        'SELECT state FROM phone_index_state WHERE workspace_id = $1',
        [workspaceId],
      );
      return row?.state;
    },
    lookup: async (workspaceId: string, wanted: string[]) => {
      const rows = await this.#rows<{
        key: string;
        record_id: string;
        keys: string[];
        modified_time: string;
      }>(
        `SELECT k.key, r.record_id, r.keys, r.modified_time
         FROM phone_index_keys k JOIN phone_index_records r USING (workspace_id, record_id)
         WHERE k.workspace_id = $1 AND k.key = ANY($2)`,
        [workspaceId, wanted],
      );
      const out = new Map<string, Frozen<IndexedRecord>[]>();
      for (const r of rows) {
        const list = (out.get(r.key) ?? []) as IndexedRecord[];
        list.push({ recordId: r.record_id, keys: r.keys, modifiedTime: r.modified_time });
        out.set(r.key, list);
      }
      return out;
    },
    size: async (workspaceId: string) => {
      const [row] = await this.#rows<{ n: string }>(
        'SELECT count(*) AS n FROM phone_index_records WHERE workspace_id = $1',
        [workspaceId],
      );
      return Number(row?.n ?? 0);
    },
  };

  readonly sent = {
    getMany: async (workspaceId: string, messageIds: string[]) => {
      const out = new Map<string, Frozen<SentMessage>>();
      if (messageIds.length === 0) return out;
      const rows = await this.#rows<{ data: SentMessage }>(
        'SELECT data FROM sent_messages WHERE workspace_id = $1 AND message_id = ANY($2)',
        [workspaceId, messageIds],
      );
      for (const r of rows) out.set(r.data.messageId, r.data);
      return out;
    },
  };

  readonly nonces = {
    use: async (nonce: string, expiresAt: number) =>
      (
        await this.#pool.query(
          'INSERT INTO oauth_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [nonce, expiresAt],
        )
      ).rowCount === 1,
  };

  readonly leases: LeaseRepo;

  readonly files = {
    put: async (key: string, data: Buffer) => {
      await this.#pool.query(
        'INSERT INTO files (key, data) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data',
        [key, data],
      );
    },
    get: async (key: string) =>
      (await this.#rows<{ data: Buffer }>('SELECT data FROM files WHERE key = $1', [key]))[0]?.data,
    delete: async (key: string) => {
      await this.#pool.query('DELETE FROM files WHERE key = $1', [key]);
    },
  };

  async health(): Promise<StoreHealth> {
    if (this.#closed) return { ok: false, reason: 'the store is closed (shutting down)' };
    try {
      const [row] = await this.#rows<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
      if ((row?.v ?? 0) < SCHEMA_VERSION)
        return {
          ok: false,
          reason: `the database schema is at ${row?.v ?? 0}, this version needs ${SCHEMA_VERSION}`,
        };
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: `PostgreSQL does not answer (${(e as Error).message})` };
    }
  }

  async sweep(now: number): Promise<SweepResult> {
    const seen = await this.#pool.query('DELETE FROM received WHERE received_at < $1', [
      now - RETENTION.seenMs,
    ]);
    const cutoff = new Date(now - RETENTION.dayLinesMs).toISOString().slice(0, 10);
    const days = await this.#pool.query(
      `UPDATE chat_days SET lines = '[]'::jsonb,
         data = jsonb_set(data, '{prunedLines}', to_jsonb(coalesce((data ->> 'prunedLines')::int, 0) + jsonb_array_length(lines)))
       WHERE day < $1 AND jsonb_array_length(lines) > 0 AND data ->> 'noteId' IS NOT NULL
         AND coalesce((data ->> 'dirty')::boolean, false) = false`,
      [cutoff],
    );
    await this.#pool.query('DELETE FROM oauth_nonces WHERE expires_at < $1', [now]);
    await this.#pool.query('DELETE FROM sent_messages WHERE at < $1', [now - RETENTION.seenMs]);
    await this.#pool.query("DELETE FROM lease_history WHERE ended_at < now() - interval '7 days'");
    // Bytes no queued event refers to any more (an upload finished but the delete was lost).
    await this.#pool.query(
      `DELETE FROM files f WHERE created_at < now() - interval '1 day' AND NOT EXISTS (
         SELECT 1 FROM queue q WHERE q.files @> jsonb_build_array(jsonb_build_object('localPath', f.key)))`,
    );
    const log = await this.#pool.query(
      `DELETE FROM sync_log s USING (
         SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY workspace_id ORDER BY id DESC) AS n FROM sync_log) x
         WHERE x.n > $1
       ) old WHERE s.id = old.id`,
      [RETENTION.logEntries],
    );
    return { seen: seen.rowCount ?? 0, days: days.rowCount ?? 0, log: log.rowCount ?? 0 };
  }

  async close(_opts: { flush?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
