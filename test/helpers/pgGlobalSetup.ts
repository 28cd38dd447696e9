/**
 * Vitest global setup: a throw-away PostgreSQL cluster for the run (pgCluster.ts), handed to the test
 * workers as TEST_DATABASE_URL, unless one is configured already.
 */
import { startCluster } from './pgCluster.js';

export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env.TEST_DATABASE_URL || process.env.DATABASE_URL) return undefined;
  const cluster = await startCluster();
  if ('unavailable' in cluster) {
    process.env.TEST_PG_UNAVAILABLE = cluster.unavailable;
    return undefined;
  }
  process.env.TEST_DATABASE_URL = cluster.url;
  return () => cluster.stop();
}
