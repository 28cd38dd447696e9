/**
 * The PostgreSQL server a benchmark runs on: DATABASE_URL when set, else a throw-away cluster in a
 * temp folder (test/helpers/pgCluster.ts: Debian's postgresql package, fsync on), stopped at the end.
 * Each stack makes its own database on it.
 */
import { startCluster } from '../../test/helpers/pgCluster.js';

export interface PgServer {
  url: string;
  /** where it came from, for the report */
  origin: 'DATABASE_URL' | 'throw-away cluster';
  stop(): void;
}

export async function pgServer(): Promise<PgServer> {
  const configured = process.env.DATABASE_URL;
  if (configured) return { url: configured, origin: 'DATABASE_URL', stop: () => undefined };
  const cluster = await startCluster();
  if ('unavailable' in cluster)
    throw new Error(`--store postgres needs DATABASE_URL or PostgreSQL installed: ${cluster.unavailable}`);
  return { url: cluster.url, origin: 'throw-away cluster', stop: () => cluster.stop() };
}
