/**
 * The PostgreSQL schema as numbered migrations, applied at start in order, each once, each in its own
 * transaction, recorded in `schema_migrations`. Processes starting together take an advisory lock, so
 * one applies and the others wait. A migration is never edited once released: a change is a new one.
 *
 * Why jsonb beside columns: the records are the same JSON shapes as the document engine's
 * (server/src/store/schema.ts); the columns are what queries filter, order or lock on.
 */
import type { PoolClient } from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE workspaces (
  id text PRIMARY KEY,
  org_id text NOT NULL UNIQUE,
  webhook_digest text NOT NULL UNIQUE,
  data jsonb NOT NULL
);

-- Every message id accepted, for 7 days: the primary key drops redeliveries.
CREATE TABLE received (
  workspace_id text NOT NULL,
  message_id text NOT NULL,
  received_at bigint NOT NULL,
  PRIMARY KEY (workspace_id, message_id)
);
CREATE INDEX received_latest ON received (workspace_id, received_at DESC);
CREATE INDEX received_age ON received (received_at);

CREATE TABLE queue (
  key text PRIMARY KEY,
  workspace_id text NOT NULL,
  seq bigserial NOT NULL,
  received_at text NOT NULL,
  event jsonb NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  not_before bigint NOT NULL DEFAULT 0,
  state text NOT NULL DEFAULT 'pending',
  last_error text,
  files jsonb NOT NULL DEFAULT '[]',
  claimed_by text,
  claimed_at bigint
);
CREATE INDEX queue_due ON queue (workspace_id, state, not_before, seq);

CREATE TABLE chat_links (
  key text PRIMARY KEY,
  workspace_id text NOT NULL,
  record_id text,
  data jsonb NOT NULL
);
CREATE INDEX chat_links_record ON chat_links (workspace_id, record_id);

CREATE TABLE chat_days (
  key text PRIMARY KEY,
  workspace_id text NOT NULL,
  day text NOT NULL,
  data jsonb NOT NULL,
  lines jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX chat_days_day ON chat_days (day);

CREATE TABLE sync_log (
  id bigserial PRIMARY KEY,
  workspace_id text NOT NULL,
  outcome text NOT NULL,
  message_id text,
  resolved boolean NOT NULL DEFAULT false,
  entry jsonb NOT NULL
);
CREATE INDEX sync_log_newest ON sync_log (workspace_id, id DESC);
CREATE INDEX sync_log_outcome ON sync_log (workspace_id, outcome, id DESC);
CREATE INDEX sync_log_failed ON sync_log (workspace_id, message_id) WHERE outcome = 'failed';

CREATE TABLE phone_index_state (
  workspace_id text PRIMARY KEY,
  state jsonb NOT NULL
);
CREATE TABLE phone_index_records (
  workspace_id text NOT NULL,
  record_id text NOT NULL,
  keys text[] NOT NULL,
  modified_time text NOT NULL,
  PRIMARY KEY (workspace_id, record_id)
);
CREATE TABLE phone_index_keys (
  workspace_id text NOT NULL,
  key text NOT NULL,
  record_id text NOT NULL,
  PRIMARY KEY (workspace_id, key, record_id)
);
CREATE INDEX phone_index_keys_record ON phone_index_keys (workspace_id, record_id);

-- A workspace's sync runs in the process holding its lease; history keeps who held it when.
CREATE TABLE leases (
  workspace_id text PRIMARY KEY,
  holder text NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE lease_history (
  workspace_id text NOT NULL,
  holder text NOT NULL,
  acquired_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL
);
CREATE INDEX lease_history_ws ON lease_history (workspace_id, acquired_at);

CREATE TABLE oauth_nonces (
  nonce text PRIMARY KEY,
  expires_at bigint NOT NULL
);

-- Attachment bytes between download and upload: any process may upload what another downloaded.
CREATE TABLE files (
  key text PRIMARY KEY,
  data bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 2,
    name: 'messages sent from the chat panel',
    sql: `
-- Who sent a message from the chat panel, kept as long as message ids (7 days).
CREATE TABLE sent_messages (
  workspace_id text NOT NULL,
  message_id text NOT NULL,
  at bigint NOT NULL,
  data jsonb NOT NULL,
  PRIMARY KEY (workspace_id, message_id)
);
CREATE INDEX sent_messages_age ON sent_messages (at);
`,
  },
];

/** Applies the migrations not applied yet; returns the versions applied now. */
export async function migrate(client: PoolClient): Promise<number[]> {
  // One process migrates at a time (a constant key: "wa-zoho" in ASCII).
  await client.query('SELECT pg_advisory_lock(2003789882)');
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`PostgreSQL migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, {
          cause: e,
        });
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(2003789882)');
  }
}

/** The newest migration this code knows (readiness: the database must be at least there). */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
