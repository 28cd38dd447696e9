/**
 * Opens the configured store engine: PostgreSQL when DATABASE_URL is set, else the embedded document
 * store in DATA_FILE.
 */
import { DocumentStore, type DocumentStoreOptions } from './document/documentStore.js';
import { PgStore } from './postgres/pgStore.js';
import type { Store } from './store.js';

export interface StoreConfig {
  dataFile: string;
  databaseUrl?: string | undefined;
}

export async function openStore(config: StoreConfig, options: DocumentStoreOptions = {}): Promise<Store> {
  if (config.databaseUrl) return PgStore.open(config.databaseUrl, options.now ? { now: options.now } : {});
  return DocumentStore.open(config.dataFile, options);
}
