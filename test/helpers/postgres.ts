/**
 * PostgreSQL for tests: each caller gets a fresh database on the test run's server (pgCluster.ts),
 * dropped afterwards, so test files never see each other's rows.
 *
 * `describeWithPostgres` runs its suite when a server is available; otherwise it is skipped with a
 * visible notice, or, under CI=true, fails (CI must test both engines).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';

export const TEST_PG_URL = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;

export function describeWithPostgres(name: string, fn: () => void): void {
  if (TEST_PG_URL) {
    describe(name, fn);
    return;
  }
  const why = process.env.TEST_PG_UNAVAILABLE ?? 'no TEST_DATABASE_URL';
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs PostgreSQL under CI', () => {
        throw new Error(`PostgreSQL runs cannot be skipped under CI: ${why}`);
      });
    });
    return;
  }
  console.warn(`[postgres] skipped "${name}": ${why}`);
  describe.skip(name, fn);
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test server (or on the server of `serverUrl`: benchmarks). */
export async function freshDatabase(serverUrl = TEST_PG_URL): Promise<TestDatabase> {
  if (!serverUrl) throw new Error('no PostgreSQL for tests');
  const name = `wa_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
