/**
 * Every delivery answered 200 must be in the store as a restart would read it: the document engine's
 * data file and journal read back from disk (without the lock, nothing written), or PostgreSQL's
 * `received` rows (committed before the answer).
 */
import pg from 'pg';
import { DocumentStore } from '../../server/src/store/document/documentStore.js';
import { keys } from '../../server/src/store/store.js';
import type { Stack } from './stack.js';

/** How many of `messageIds` the store does not hold. */
export async function missingFromStore(
  stack: Stack,
  workspaceId: string,
  messageIds: string[],
): Promise<number> {
  if (stack.db) {
    const c = new pg.Client({ connectionString: stack.db.url });
    await c.connect();
    try {
      let found = 0;
      for (let i = 0; i < messageIds.length; i += 10_000) {
        const r = await c.query<{ n: string }>(
          'SELECT count(*) AS n FROM received WHERE workspace_id = $1 AND message_id = ANY($2)',
          [workspaceId, messageIds.slice(i, i + 10_000)],
        );
        found += Number(r.rows[0]?.n ?? 0);
      }
      return messageIds.length - found;
    } finally {
      await c.end();
    }
  }
  const state = await DocumentStore.read(stack.dataFile);
  return messageIds.filter((id) => !state.seen.has(keys.message(workspaceId, id))).length;
}
