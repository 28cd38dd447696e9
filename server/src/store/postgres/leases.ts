/**
 * Leases of workspaces on PostgreSQL: a row per workspace with its holder and expiry. A holder renews
 * while its run lasts; a killed process stops renewing and its workspaces are taken over once the
 * lease expires. Every hold ends in `lease_history` (a taken-over hold ends at its expiry), so the
 * tests can assert that no two holds of one workspace overlap, on the database's own clock.
 */
import type pg from 'pg';
import type { LeaseRepo } from '../store.js';
import type { Lease } from '../unitOfWork.js';

type Tx = <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>;

export function pgLeases(tx: Tx, pool: pg.Pool): LeaseRepo {
  return {
    acquire: (workspaceId: string, holder: string, ttlMs: number) =>
      tx(async (c): Promise<Lease | undefined> => {
        const cur = await c.query<{ holder: string; live: boolean; acquired_at: Date; expires_at: Date }>(
          'SELECT holder, expires_at > now() AS live, acquired_at, expires_at FROM leases WHERE workspace_id = $1 FOR UPDATE',
          [workspaceId],
        );
        const row = cur.rows[0];
        if (row && row.holder !== holder && row.live) return undefined;
        if (row && row.holder !== holder) {
          // Taken over from a holder that stopped renewing (it died): its hold ended at its expiry.
          await c.query(
            'INSERT INTO lease_history (workspace_id, holder, acquired_at, ended_at) VALUES ($1, $2, $3, $4)',
            [workspaceId, row.holder, row.acquired_at, row.expires_at],
          );
        }
        await c.query(
          `INSERT INTO leases (workspace_id, holder, acquired_at, expires_at)
           VALUES ($1, $2, clock_timestamp(), clock_timestamp() + $3 * interval '1 millisecond')
           ON CONFLICT (workspace_id) DO UPDATE SET holder = EXCLUDED.holder,
             acquired_at = CASE WHEN leases.holder = EXCLUDED.holder THEN leases.acquired_at ELSE EXCLUDED.acquired_at END,
             expires_at = EXCLUDED.expires_at`,
          [workspaceId, holder, ttlMs],
        );
        return { workspaceId, holder };
      }),
    renew: async (lease: Lease, ttlMs: number) =>
      (
        await pool.query(
          `UPDATE leases SET expires_at = clock_timestamp() + $3 * interval '1 millisecond'
           WHERE workspace_id = $1 AND holder = $2 AND expires_at > clock_timestamp()`,
          [lease.workspaceId, lease.holder, ttlMs],
        )
      ).rowCount === 1,
    release: async (lease: Lease) => {
      await pool.query(
        `WITH gone AS (DELETE FROM leases WHERE workspace_id = $1 AND holder = $2 RETURNING acquired_at)
         INSERT INTO lease_history (workspace_id, holder, acquired_at, ended_at)
         SELECT $1, $2, acquired_at, clock_timestamp() FROM gone`,
        [lease.workspaceId, lease.holder],
      );
    },
  };
}
