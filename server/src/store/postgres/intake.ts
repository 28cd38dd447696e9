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

/**
 * Calls that arrive while a flush is in flight share the next one: one query (one commit) for all of
 * them, and each answer still comes from a query sent after its call arrived. `flush` answers the
 * calls' inputs in their order; a failed flush fails each of its calls.
 */
class SharedFlush<I, O> {
  #next: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  #running = false;

  constructor(readonly flush: (inputs: I[]) => Promise<O[]>) {}

  run(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.#next.push({ input, resolve, reject });
      if (!this.#running) void this.#loop();
    });
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      while (this.#next.length) {
        const batch = this.#next;
        this.#next = [];
        try {
          const out = await this.flush(batch.map((c) => c.input));
          batch.forEach((c, i) => c.resolve(out[i]!));
        } catch (e) {
          for (const c of batch) c.reject(e);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}

interface Pending {
  items: IntakeItem[];
  at: number;
}

export class PgIntake {
  readonly #commits = new SharedFlush<Pending, IntakeOutcome[]>((batch) => this.#write(batch));

  constructor(
    readonly pool: Pool,
    readonly now: () => number = Date.now,
  ) {}

  enqueue(items: IntakeItem[]): Promise<IntakeOutcome[]> {
    return this.#commits.run({ items, at: this.now() });
  }

  async #write(batch: Pending[]): Promise<IntakeOutcome[][]> {
    const flat: { item: IntakeItem; at: number; idx: number }[] = [];
    for (const p of batch) for (const item of p.items) flat.push({ item, at: p.at, idx: flat.length });
    // Within the batch the first delivery of a message id is the one that may be new; a delivery
    // without a message id (an unknown event type) is always stored.
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
    const always = (f: { item: IntakeItem }) => f.item.messageId === undefined;
    const withEvent = flat.filter((f) => f.item.event);
    const withLog = flat.filter((f) => f.item.log);
    const inactive = flat.filter((f) => f.item.skippedInactive);
    const guarded = flat.filter((f) => f.item.guard);
    const res = await this.pool.query<{ idx: number; stale: boolean }>({
      name: 'wa-intake',
      text: INTAKE_SQL,
      values: [
        candidates.map((f) => f.idx),
        candidates.map((f) => f.item.workspaceId),
        candidates.map((f) => f.item.messageId),
        candidates.map((f) => f.at),
        flat.filter(always).map((f) => f.idx),
        guarded.map((f) => f.idx),
        guarded.map((f) => f.item.workspaceId),
        guarded.map((f) => f.item.guard!.digest),
        guarded.map((f) => f.item.guard!.active),
        guarded.map((f) => f.item.guard!.countryCode ?? null),
        withEvent.map((f) => f.idx),
        withEvent.map((f) => f.item.event!.key),
        withEvent.map((f) => f.item.event!.workspaceId),
        withEvent.map((f) => f.item.event!.receivedAt),
        withEvent.map((f) => JSON.stringify(f.item.event!.event)),
        withEvent.map((f) => f.item.event!.attempts),
        withEvent.map((f) => f.item.event!.notBefore),
        withEvent.map((f) => f.item.event!.state),
        withEvent.map((f) => JSON.stringify(f.item.event!.files)),
        withLog.map((f) => f.idx),
        withLog.map((f) => f.item.log!.workspaceId),
        withLog.map((f) => f.item.log!.outcome),
        withLog.map((f) => f.item.log!.messageId),
        withLog.map((f) => JSON.stringify(f.item.log)),
        inactive.map((f) => f.idx),
        inactive.map((f) => f.item.workspaceId),
      ],
    });
    const fresh = new Set(res.rows.filter((r) => !r.stale).map((r) => r.idx));
    const stale = new Set(res.rows.filter((r) => r.stale).map((r) => r.idx));
    let k = 0;
    return batch.map((p) =>
      p.items.map((): IntakeOutcome => {
        const f = flat[k++]!;
        if (stale.has(f.idx)) return 'stale';
        if (always(f) || fresh.has(f.idx)) return 'new';
        // A later delivery of a message whose first delivery in this batch was stale: nothing of
        // it was stored, so it is decided again too (not answered as a duplicate).
        const first = firstOf.get(keys.message(f.item.workspaceId, f.item.messageId!));
        return first !== undefined && stale.has(first) ? 'stale' : 'duplicate';
      }),
    );
  }
}

/**
 * A batch in one statement, so one round trip and one commit (a statement outside a transaction
 * block commits on its own, all of it or nothing): the guarded deliveries whose workspace changed
 * (stale: nothing of them is stored), the message ids that are new, then the queue rows, log entries
 * and skip counts of the deliveries that are stored (new, or without a message id), in the order
 * they arrived. Five statements (BEGIN, three INSERTs, COMMIT) cost a fifth more CPU a
 * delivery and took a fifth longer.
 */
const INTAKE_SQL = `
WITH stale AS (
  SELECT g.idx FROM unnest($6::int[], $7::text[], $8::text[], $9::bool[], $10::text[])
    AS g(idx, ws, digest, active, cc)
  WHERE NOT EXISTS (
    SELECT 1 FROM workspaces w
    WHERE w.id = g.ws AND w.webhook_digest = g.digest
      AND coalesce((w.data ->> 'active')::boolean, false) = g.active
      AND (w.data ->> 'countryCode') IS NOT DISTINCT FROM g.cc)
), input AS (
  SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[]) AS t(idx, ws, mid, at)
  WHERE t.idx NOT IN (SELECT idx FROM stale)
), ins AS (
  INSERT INTO received (workspace_id, message_id, received_at)
  SELECT ws, mid, at FROM input ON CONFLICT DO NOTHING
  RETURNING workspace_id, message_id
), fresh AS (
  SELECT i.idx FROM input i JOIN ins ON ins.workspace_id = i.ws AND ins.message_id = i.mid
), stored AS (
  SELECT idx FROM fresh
  UNION ALL
  SELECT a.idx FROM unnest($5::int[]) AS a(idx) WHERE a.idx NOT IN (SELECT idx FROM stale)
), q AS (
  INSERT INTO queue (key, workspace_id, received_at, event, attempts, not_before, state, files)
  SELECT e.key, e.ws, e.received_at, e.event, e.attempts, e.not_before, e.state, e.files
  FROM unnest($11::int[], $12::text[], $13::text[], $14::text[], $15::jsonb[], $16::int[],
              $17::bigint[], $18::text[], $19::jsonb[])
    AS e(idx, key, ws, received_at, event, attempts, not_before, state, files)
  WHERE e.idx IN (SELECT idx FROM stored)
  ORDER BY e.idx
  ON CONFLICT (key) DO NOTHING
), l AS (
  INSERT INTO sync_log (workspace_id, outcome, message_id, entry)
  SELECT g.ws, g.outcome, g.mid, g.entry
  FROM unnest($20::int[], $21::text[], $22::text[], $23::text[], $24::jsonb[])
    AS g(idx, ws, outcome, mid, entry)
  WHERE g.idx IN (SELECT idx FROM stored)
  ORDER BY g.idx
), s AS (
  UPDATE workspaces w SET data = jsonb_set(w.data, '{skippedWhileInactive}',
    to_jsonb(coalesce((w.data ->> 'skippedWhileInactive')::int, 0) + c.n))
  FROM (
    SELECT k.ws, count(*)::int AS n
    FROM unnest($25::int[], $26::text[]) AS k(idx, ws)
    WHERE k.idx IN (SELECT idx FROM stored)
    GROUP BY k.ws
  ) c
  WHERE w.id = c.ws
)
SELECT idx, false AS stale FROM fresh UNION ALL SELECT idx, true FROM stale`;

/**
 * Workspaces looked up by their webhook token's digest (the intake reads one when it has none from
 * the last second; its writes are guarded, jobs/intake.ts). The lookups that arrive while one query
 * is in flight share the next one, as deliveries share a commit.
 */
export class WorkspaceByDigest {
  readonly #lookups: SharedFlush<string, Frozen<Workspace> | undefined>;

  constructor(readonly pool: Pool) {
    this.#lookups = new SharedFlush(async (digests) => {
      const { rows } = await this.pool.query<{ webhook_digest: string; data: Workspace }>(
        'SELECT webhook_digest, data FROM workspaces WHERE webhook_digest = ANY($1::text[])',
        [[...new Set(digests)]],
      );
      const found = new Map(rows.map((r) => [r.webhook_digest, r.data]));
      return digests.map((d) => found.get(d));
    });
  }

  get(digest: string): Promise<Frozen<Workspace> | undefined> {
    return this.#lookups.run(digest);
  }
}
