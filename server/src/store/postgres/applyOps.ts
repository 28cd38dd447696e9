/**
 * A unit of work's operations as SQL, run inside the caller's transaction. Adjacent operations of
 * one kind that can share a statement do (a run finishing 2,000 events is a handful of statements,
 * not 4,000 round trips); order is otherwise kept, except between kinds that commute (below).
 */
import type { PoolClient } from 'pg';
import type { Op } from '../unitOfWork.js';

type Of<T extends Op['t']> = Extract<Op, { t: T }>;

/** Queue columns a patch may set, by field name. */
const QUEUE_COLUMNS: Record<string, string> = {
  attempts: 'attempts',
  notBefore: 'not_before',
  state: 'state',
  lastError: 'last_error',
};

/**
 * Kinds whose operations never touch what the others of the group read or write, whatever their
 * keys: in a stretch made only of them, each kind's operations are applied together (in their own
 * order), and the result is the one of applying them one by one. A sync run alternates them per
 * message (finish, log; a day's lines, its Note id): one statement each was 2 to 4 round trips a
 * message (measured: 15,000 statements for the 2,000 messages of `npm run bench -- --quick`).
 * - the queue row that leaves and the log entry added (two tables);
 * - a chat-day's lines and its other fields (two columns of `chat_days`, each statement reading
 *   only the column it writes).
 */
const COMMUTING: readonly (readonly Op['t'][])[] = [
  ['q.finish', 'log.add'],
  ['day.patch', 'day.lines'],
];

export async function applyOps(client: PoolClient, ops: readonly Op[]): Promise<void> {
  for (let i = 0; i < ops.length;) {
    const t = ops[i]!.t;
    const group = COMMUTING.find((g) => g.includes(t));
    let j = i + 1;
    if (group) {
      while (j < ops.length && group.includes(ops[j]!.t)) j++;
      const stretch = ops.slice(i, j);
      for (const kind of group) {
        const run = stretch.filter((o) => o.t === kind);
        if (run.length) await applyRun(client, run);
      }
    } else {
      while (j < ops.length && ops[j]!.t === t) j++;
      await applyRun(client, ops.slice(i, j));
    }
    i = j;
  }
}

/**
 * Operations on rows by key, in waves whose keys are distinct (one statement may not change a row
 * twice): a key's operations stay in their order, each in a later wave than the one before.
 */
function waves<T extends { key: string }>(run: readonly T[]): T[][] {
  const out: T[][] = [];
  let wave: T[] = [];
  let keys = new Set<string>();
  for (const op of run) {
    if (keys.has(op.key)) {
      out.push(wave);
      wave = [];
      keys = new Set();
    }
    wave.push(op);
    keys.add(op.key);
  }
  if (wave.length) out.push(wave);
  return out;
}

async function applyRun(c: PoolClient, run: readonly Op[]): Promise<void> {
  switch (run[0]!.t) {
    case 'q.finish':
      await c.query('DELETE FROM queue WHERE key = ANY($1)', [(run as Of<'q.finish'>[]).map((o) => o.key)]);
      return;
    case 'log.add': {
      const entries = (run as Of<'log.add'>[]).map((o) => o.entry);
      await c.query(
        `INSERT INTO sync_log (workspace_id, outcome, message_id, entry)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])`,
        [
          entries.map((e) => e.workspaceId),
          entries.map((e) => e.outcome),
          entries.map((e) => e.messageId),
          entries.map((e) => JSON.stringify(e)),
        ],
      );
      return;
    }
    case 'chat.put': {
      const links = (run as Of<'chat.put'>[]).map((o) => o.link);
      await c.query(
        `INSERT INTO chat_links (key, workspace_id, record_id, data)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
         ON CONFLICT (key) DO UPDATE SET record_id = EXCLUDED.record_id, data = EXCLUDED.data`,
        [
          links.map((l) => `${l.workspaceId}:${l.chatId}`),
          links.map((l) => l.workspaceId),
          links.map((l) => l.recordId ?? null),
          links.map((l) => JSON.stringify(l)),
        ],
      );
      return;
    }
    case 'day.put': {
      const days = (run as Of<'day.put'>[]).map((o) => o.day);
      await c.query(
        `INSERT INTO chat_days (key, workspace_id, day, data, lines)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[])
         ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, lines = EXCLUDED.lines`,
        [
          days.map((d) => d.key),
          days.map((d) => d.workspaceId),
          days.map((d) => d.day),
          days.map(({ lines: _lines, ...meta }) => JSON.stringify(meta)),
          days.map((d) => JSON.stringify(d.lines)),
        ],
      );
      return;
    }
    case 'day.patch':
      for (const wave of waves(run as Of<'day.patch'>[]))
        await c.query(
          `UPDATE chat_days d SET data = (d.data - ARRAY(SELECT jsonb_array_elements_text(u.unset))) || u.patch
           FROM unnest($1::text[], $2::jsonb[], $3::jsonb[]) AS u(key, unset, patch)
           WHERE d.key = u.key`,
          [
            wave.map((o) => o.key),
            wave.map((o) => JSON.stringify(o.unset ?? [])),
            wave.map((o) => JSON.stringify(o.patch)),
          ],
        );
      return;
    case 'day.lines':
      for (const wave of waves(run as Of<'day.lines'>[]))
        await c.query(
          `UPDATE chat_days d SET lines = (
             SELECT coalesce(jsonb_agg(e ORDER BY n), '[]'::jsonb)
             FROM jsonb_array_elements(d.lines) WITH ORDINALITY AS t(e, n) WHERE n <= u.upto
           ) || u.lines
           FROM unnest($1::text[], $2::int[], $3::jsonb[]) AS u(key, upto, lines)
           WHERE d.key = u.key`,
          [wave.map((o) => o.key), wave.map((o) => o.from), wave.map((o) => JSON.stringify(o.lines))],
        );
      return;
  }
  for (const op of run) await applyOne(c, op);
}

async function applyOne(c: PoolClient, op: Op): Promise<void> {
  switch (op.t) {
    case 'sent.put':
      await c.query(
        `INSERT INTO sent_messages (workspace_id, message_id, at, data) VALUES ($1, $2, $3, $4)
         ON CONFLICT (workspace_id, message_id) DO UPDATE SET at = EXCLUDED.at, data = EXCLUDED.data`,
        [op.sent.workspaceId, op.sent.messageId, op.sent.at, JSON.stringify(op.sent)],
      );
      return;
    case 'ws.create':
      await c.query('INSERT INTO workspaces (id, org_id, webhook_digest, data) VALUES ($1, $2, $3, $4)', [
        op.ws.id,
        op.ws.orgId,
        op.ws.webhookTokenDigest,
        JSON.stringify(op.ws),
      ]);
      return;
    case 'ws.patch':
      await c.query(
        `UPDATE workspaces SET data = (data - $2::text[]) || $3::jsonb,
           webhook_digest = coalesce($3::jsonb ->> 'webhookTokenDigest', webhook_digest)
         WHERE id = $1`,
        [op.id, op.unset ?? [], JSON.stringify(op.patch)],
      );
      return;
    case 'ws.countSkipped':
      await c.query(
        `UPDATE workspaces SET data = jsonb_set(data, '{skippedWhileInactive}',
           to_jsonb(coalesce((data ->> 'skippedWhileInactive')::int, 0) + $2)) WHERE id = $1`,
        [op.id, op.by],
      );
      return;
    case 'q.patch': {
      const sets: string[] = [];
      const values: unknown[] = [op.key];
      for (const [field, value] of Object.entries(op.patch)) {
        const column = QUEUE_COLUMNS[field];
        if (!column) continue;
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      }
      for (const field of op.unset ?? [])
        if (QUEUE_COLUMNS[field]) sets.push(`${QUEUE_COLUMNS[field]} = NULL`);
      if (sets.length) await c.query(`UPDATE queue SET ${sets.join(', ')} WHERE key = $1`, values);
      return;
    }
    case 'q.file':
      await c.query(
        `UPDATE queue SET files = jsonb_set(files, ARRAY[$2::text],
           (coalesce(files -> $2::int, '{}'::jsonb) - $3::text[]) || $4::jsonb, true)
         WHERE key = $1`,
        [op.key, op.index, op.unset ?? [], JSON.stringify(op.patch)],
      );
      return;
    case 'q.requeueWaiting':
      await c.query(
        `UPDATE queue SET state = 'pending', not_before = 0, attempts = 0
         WHERE workspace_id = $1 AND state = 'waiting'`,
        [op.workspaceId],
      );
      return;
    case 'day.patch':
      await c.query('UPDATE chat_days SET data = (data - $2::text[]) || $3::jsonb WHERE key = $1', [
        op.key,
        op.unset ?? [],
        JSON.stringify(op.patch),
      ]);
      return;
    case 'day.lines':
      await c.query(
        `UPDATE chat_days SET lines = (
           SELECT coalesce(jsonb_agg(e ORDER BY n), '[]'::jsonb)
           FROM jsonb_array_elements(lines) WITH ORDINALITY AS t(e, n) WHERE n <= $2
         ) || $3::jsonb WHERE key = $1`,
        [op.key, op.from, JSON.stringify(op.lines)],
      );
      return;
    case 'log.resolve':
      await c.query(
        `UPDATE sync_log SET resolved = true
         WHERE workspace_id = $1 AND message_id = ANY($2) AND outcome = 'failed' AND NOT resolved
           AND coalesce(entry ->> 'kind', 'message') <> 'attachment'`,
        [op.workspaceId, op.messageIds],
      );
      return;
    case 'idx.state':
      await c.query(
        `INSERT INTO phone_index_state (workspace_id, state) VALUES ($1, $2)
         ON CONFLICT (workspace_id) DO UPDATE SET state = EXCLUDED.state`,
        [op.workspaceId, JSON.stringify(op.state)],
      );
      return;
    case 'idx.patch':
      await c.query(
        'UPDATE phone_index_state SET state = (state - $2::text[]) || $3::jsonb WHERE workspace_id = $1',
        [op.workspaceId, op.unset ?? [], JSON.stringify(op.patch)],
      );
      return;
    case 'idx.put': {
      const ids = op.records.map((r) => r.recordId);
      await c.query('DELETE FROM phone_index_keys WHERE workspace_id = $1 AND record_id = ANY($2)', [
        op.workspaceId,
        ids,
      ]);
      await c.query(
        `INSERT INTO phone_index_records (workspace_id, record_id, keys, modified_time)
         SELECT $1, r.id, ARRAY(SELECT jsonb_array_elements_text(r.keys)), r.mt
         FROM unnest($2::text[], $3::jsonb[], $4::text[]) AS r(id, keys, mt)
         ON CONFLICT (workspace_id, record_id) DO UPDATE
           SET keys = EXCLUDED.keys, modified_time = EXCLUDED.modified_time`,
        [
          op.workspaceId,
          ids,
          op.records.map((r) => JSON.stringify(r.keys)),
          op.records.map((r) => r.modifiedTime),
        ],
      );
      const pairs = op.records.flatMap((r) => r.keys.map((k) => [k, r.recordId] as const));
      if (pairs.length)
        await c.query(
          `INSERT INTO phone_index_keys (workspace_id, key, record_id)
           SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
          [op.workspaceId, pairs.map((p) => p[0]), pairs.map((p) => p[1])],
        );
      return;
    }
    case 'idx.del':
      await c.query('DELETE FROM phone_index_keys WHERE workspace_id = $1 AND record_id = ANY($2)', [
        op.workspaceId,
        op.recordIds,
      ]);
      await c.query('DELETE FROM phone_index_records WHERE workspace_id = $1 AND record_id = ANY($2)', [
        op.workspaceId,
        op.recordIds,
      ]);
      return;
    case 'idx.clear':
      for (const table of ['phone_index_keys', 'phone_index_records', 'phone_index_state'])
        await c.query(`DELETE FROM ${table} WHERE workspace_id = $1`, [op.workspaceId]);
      return;
    default:
      // Batched kinds reach here only when called directly; route them through a run of one.
      await applyRun(c, [op]);
  }
}
