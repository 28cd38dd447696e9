/**
 * Webhook deliveries into PostgreSQL with group commit: deliveries that arrive while a transaction is
 * in flight share the next one, so the database sees a few multi-row transactions a second instead of
 * one per delivery (each commit is a WAL flush). A delivery is answered only after the transaction
 * holding its row has committed.
 *
 * Idempotency is the database's: `received`'s primary key (workspace, message id) drops a redelivery
 * whichever process it reaches, and only the rows that were new get their queue and log rows.
 */
import type { Pool } from 'pg';
import type { Workspace } from '../schema.js';
import type { Frozen, IntakeItem, IntakeOutcome } from '../store.js';
import { keys } from '../store.js';

interface Pending {
  items: IntakeItem[];
  at: number;
  resolve: (outcomes: IntakeOutcome[]) => void;
  reject: (e: unknown) => void;
}

export class PgIntake {
  #next: Pending[] = [];
  #flushing: Promise<void> | undefined;

  constructor(
    readonly pool: Pool,
    readonly now: () => number = Date.now,
  ) {}

  enqueue(items: IntakeItem[]): Promise<IntakeOutcome[]> {
    return new Promise((resolve, reject) => {
      this.#next.push({ items, at: this.now(), resolve, reject });
      if (!this.#flushing) this.#flushing = this.#loop();
    });
  }

  async #loop(): Promise<void> {
    try {
      while (this.#next.length) {
        const batch = this.#next;
        this.#next = [];
        try {
          const results = await this.#write(batch);
          batch.forEach((p, i) => p.resolve(results[i]!));
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #write(batch: Pending[]): Promise<IntakeOutcome[][]> {
    const flat: { item: IntakeItem; at: number; idx: number }[] = [];
    for (const p of batch) for (const item of p.items) flat.push({ item, at: p.at, idx: flat.length });
    // Within the batch the first delivery of a message id is the one that may be new.
    const firstOf = new Map<string, number>();
    for (const f of flat) {
      if (f.item.messageId === undefined) continue;
      const key = keys.message(f.item.workspaceId, f.item.messageId);
      if (!firstOf.has(key)) firstOf.set(key, f.idx);
    }
    const candidates = flat.filter(
      (f) =>
        f.item.messageId !== undefined &&
        firstOf.get(keys.message(f.item.workspaceId, f.item.messageId)) === f.idx,
    );
    const fresh = new Set<number>();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (candidates.length) {
        const res = await client.query<{ idx: number }>(
          `WITH input AS (
             SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[]) AS t(idx, ws, mid, at)
           ), ins AS (
             INSERT INTO received (workspace_id, message_id, received_at)
             SELECT ws, mid, at FROM input ON CONFLICT DO NOTHING
             RETURNING workspace_id, message_id
           )
           SELECT i.idx FROM input i JOIN ins ON ins.workspace_id = i.ws AND ins.message_id = i.mid`,
          [
            candidates.map((f) => f.idx),
            candidates.map((f) => f.item.workspaceId),
            candidates.map((f) => f.item.messageId),
            candidates.map((f) => f.at),
          ],
        );
        for (const r of res.rows) fresh.add(r.idx);
      }
      const stored = flat.filter((f) => f.item.messageId === undefined || fresh.has(f.idx));
      const events = stored.flatMap((f) => (f.item.event ? [f.item.event] : []));
      if (events.length)
        await client.query(
          `INSERT INTO queue (key, workspace_id, received_at, event, attempts, not_before, state, files)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::int[], $6::bigint[], $7::text[], $8::jsonb[])
           ON CONFLICT (key) DO NOTHING`,
          [
            events.map((q) => q.key),
            events.map((q) => q.workspaceId),
            events.map((q) => q.receivedAt),
            events.map((q) => JSON.stringify(q.event)),
            events.map((q) => q.attempts),
            events.map((q) => q.notBefore),
            events.map((q) => q.state),
            events.map((q) => JSON.stringify(q.files)),
          ],
        );
      const logs = stored.flatMap((f) => (f.item.log ? [f.item.log] : []));
      if (logs.length)
        await client.query(
          `INSERT INTO sync_log (workspace_id, outcome, message_id, entry)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])`,
          [
            logs.map((e) => e.workspaceId),
            logs.map((e) => e.outcome),
            logs.map((e) => e.messageId),
            logs.map((e) => JSON.stringify(e)),
          ],
        );
      const skipped = new Map<string, number>();
      for (const f of stored)
        if (f.item.skippedInactive)
          skipped.set(f.item.workspaceId, (skipped.get(f.item.workspaceId) ?? 0) + 1);
      for (const [id, by] of skipped)
        await client.query(
          `UPDATE workspaces SET data = jsonb_set(data, '{skippedWhileInactive}',
             to_jsonb(coalesce((data ->> 'skippedWhileInactive')::int, 0) + $2)) WHERE id = $1`,
          [id, by],
        );
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
    const storedIdx = new Set(
      flat.filter((f) => f.item.messageId === undefined || fresh.has(f.idx)).map((f) => f.idx),
    );
    let k = 0;
    return batch.map((p) => p.items.map(() => (storedIdx.has(k++) ? 'new' : 'duplicate')));
  }
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (e: unknown) => void;
}

/**
 * Every webhook delivery looks its workspace up by the token's digest (read every time: a rotated
 * token stops at once). The lookups that arrive while one query is in flight share the next one, as
 * deliveries share a commit, so each answer still comes from a query sent after its lookup arrived.
 * One query a delivery had been a third of the intake's round trips.
 */
export class WorkspaceByDigest {
  readonly #waiting = new Map<string, Waiter<Frozen<Workspace> | undefined>[]>();
  #running: Promise<void> | undefined;

  constructor(readonly pool: Pool) {}

  get(digest: string): Promise<Frozen<Workspace> | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.#waiting.get(digest);
      if (waiting) waiting.push({ resolve, reject });
      else this.#waiting.set(digest, [{ resolve, reject }]);
      if (this.#running === undefined) this.#running = this.#loop();
    });
  }

  async #loop(): Promise<void> {
    try {
      while (this.#waiting.size) {
        const batch = new Map(this.#waiting);
        this.#waiting.clear();
        try {
          const { rows } = await this.pool.query<{ webhook_digest: string; data: Workspace }>(
            'SELECT webhook_digest, data FROM workspaces WHERE webhook_digest = ANY($1::text[])',
            [[...batch.keys()]],
          );
          const found = new Map(rows.map((r) => [r.webhook_digest, r.data]));
          for (const [digest, waiters] of batch) for (const w of waiters) w.resolve(found.get(digest));
        } catch (e) {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(e);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }
}
