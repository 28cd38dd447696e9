/**
 * Starts the connector in sandbox mode (emulator in-process) on a random port with a fresh data
 * folder, and drives it like the widget and TimelinesAI would.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/src/config.js';
import pg from 'pg';
import { DocumentStore } from '../../server/src/store/document/documentStore.js';
import { freshDatabase, type TestDatabase } from './postgres.js';
import { createLogger } from '../../server/src/log.js';
import { startServer, type RunningServer, type StartOptions } from '../../server/src/server.js';

export interface Harness {
  server: RunningServer;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The store engine the integration tests run on: the embedded document store, or PostgreSQL when the
 * test run says so (`TEST_STORE=postgres`, the `postgres` project of vitest.config.ts): then every
 * sandbox gets a fresh database.
 */
export const TEST_STORE = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'document';

export async function startSandbox(
  env: Record<string, string> = {},
  options: StartOptions = {},
  dataDir?: string,
): Promise<Harness> {
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'wa-zoho-test-'));
  let db: TestDatabase | undefined;
  if (TEST_STORE === 'postgres' && env.DATABASE_URL === undefined) db = await freshDatabase();
  const config = loadConfig({
    PORT: '0',
    DATA_FILE: path.join(dir, 'db.json'),
    FLUSH_WINDOW_MS: '50',
    LOG_LEVEL: 'silent',
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...env,
  });
  const server = await startServer(config, {
    log: createLogger('silent'),
    retryBaseMs: 20,
    ...options,
  });
  return {
    server,
    url: server.url,
    dataDir: dir,
    async close() {
      await server.close();
      await db?.drop();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Session {
  token: string;
  workspaceId: string;
  webhookUrl: string | null;
  role: string;
}

/** Runs the OAuth popup flow: start → emulator approval as `email` → callback (JSON). */
export async function connectAs(url: string, email: string): Promise<Session> {
  const start = await fetch(`${url}/oauth/zoho/start`, { redirect: 'manual' });
  if (start.status !== 302) throw new Error(`start answered ${start.status}`);
  const auth = new URL(start.headers.get('location')!);
  auth.searchParams.set('login_as', email);
  const approve = await fetch(auth, { redirect: 'manual' });
  if (approve.status !== 302) throw new Error(`auth answered ${approve.status}: ${await approve.text()}`);
  const callback = approve.headers.get('location')!;
  const res = await fetch(callback, { headers: { accept: 'application/json' } });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200)
    throw Object.assign(new Error(`callback answered ${res.status}: ${JSON.stringify(body)}`), {
      status: res.status,
      body,
    });
  return {
    token: body.sessionToken as string,
    workspaceId: body.workspaceId as string,
    webhookUrl: (body.webhookUrl as string) ?? null,
    role: body.role as string,
  };
}

export async function api<T = Record<string, unknown>>(
  url: string,
  token: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

export const CONTACT_SETTINGS = {
  module: 'Contacts',
  phoneField: 'Mobile',
  nameField: 'Last_Name',
  chatLinkField: 'WhatsApp_Chat',
  leadSourceField: 'Lead_Source',
};

/** Connect as the sandbox admin, create the chat link field, save settings, activate. */
export async function connectAndActivate(
  url: string,
  settings: Record<string, unknown> = CONTACT_SETTINGS,
): Promise<Session> {
  const s = await connectAs(url, 'admin@sandbox.test');
  const field = await api(
    url,
    s.token,
    'POST',
    `/api/zoho/modules/${String(settings.module)}/chat-link-field`,
  );
  if (field.status !== 201) throw new Error(`chat-link-field: ${JSON.stringify(field.body)}`);
  const saved = await api(url, s.token, 'PUT', '/api/settings', settings);
  if (saved.status !== 200) throw new Error(`settings: ${JSON.stringify(saved.body)}`);
  const activated = await api(url, s.token, 'POST', '/api/activate');
  if (activated.status !== 200) throw new Error(`activate: ${JSON.stringify(activated.body)}`);
  return s;
}

export async function postWebhook(
  webhookUrl: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Everything the store holds at rest, as text (the data file, or the database's rows). */
export async function storedText(h: Harness): Promise<string> {
  const store = h.server.store;
  if (store instanceof DocumentStore) {
    await store.flush();
    return readFileSync(path.join(h.dataDir, 'db.json'), 'utf8');
  }
  const client = new pg.Client({ connectionString: h.server.config.databaseUrl });
  await client.connect();
  try {
    const rows: string[] = [];
    // One query at a time: a pg client queues concurrent ones, which pg 9 will refuse.
    for (const t of ['workspaces', 'queue', 'chat_links', 'chat_days', 'sync_log']) {
      const r = await client.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM ${t} x`);
      rows.push(...r.rows.map((row) => row.j));
    }
    return rows.join('\n');
  } finally {
    await client.end();
  }
}
