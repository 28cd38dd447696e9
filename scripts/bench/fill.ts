/**
 * A store holding N synced messages as a real history leaves them, written while the connector is
 * stopped: message i of chat i mod C, received over the last 30 days (C = N / 50 chats, 100 to 20,000);
 * after the retention rules (README "State and its bounds"), that is
 * - a chat link per chat,
 * - each chat-day with its lines (all within the 35 days lines are kept) and its Note id,
 * - the message ids received in the last 7 days (redelivery check),
 * - the newest 1,000 sync-log entries (what the sweep keeps per workspace).
 * PostgreSQL is filled with `generate_series` in the database (a million rows in seconds); the document
 * engine through its own units of work (the data file and journal a restart reads).
 */
import pg from 'pg';
import { DocumentStore } from '../../server/src/store/document/documentStore.js';
import type { ChatLink, DayNote, SyncLogEntry } from '../../server/src/store/schema.js';
import { RETENTION } from '../../server/src/store/store.js';
import type { Stack } from './stack.js';

const DAY_MS = 86_400_000;
const SPAN_MS = 30 * DAY_MS;
const LOG_KEPT = RETENTION.logEntries;

export interface Filled {
  messages: number;
  chats: number;
  chatDays: number;
  receivedIds: number;
  logEntries: number;
  seconds: number;
}

export const chatsFor = (n: number) => Math.max(100, Math.min(20_000, Math.round(n / 50)));

export async function fillStore(stack: Stack, workspaceId: string, n: number): Promise<Filled> {
  const t0 = Date.now();
  const chats = chatsFor(n);
  const counts = stack.db
    ? await fillPostgres(stack.db.url, workspaceId, n, chats)
    : await fillDocument(stack.dataFile, workspaceId, n, chats);
  return { messages: n, chats, ...counts, seconds: (Date.now() - t0) / 1000 };
}

type Counts = Pick<Filled, 'chatDays' | 'receivedIds' | 'logEntries'>;

/** Message i's receipt time: evenly over the 30 days before `now`. */
const atOf = (i: number, n: number, now: number) => now - Math.floor(((n - i) / n) * SPAN_MS);

function link(ws: string, c: number, now: number): ChatLink {
  const chatId = String(500000 + c);
  return {
    workspaceId: ws,
    chatId,
    e164: `+3461${String(1000000 + c).padStart(7, '0')}`,
    recordId: String(9000000000000000000n + BigInt(c)),
    module: 'Contacts',
    createdByUs: true,
    lastWrittenName: `Contact ${c}`,
    chatName: `Contact ${c}`,
    chatUrl: `https://app.timelines.ai/chat/${chatId}/messages/`,
    createIntentAt: undefined,
    humanEditedName: false,
    lastSyncedAt: new Date(now).toISOString(),
  };
}

function logEntry(ws: string, i: number, chats: number, at: number): SyncLogEntry {
  const c = i % chats;
  return {
    at: new Date(at).toISOString(),
    workspaceId: ws,
    chatId: String(500000 + c),
    messageId: `stored-${i}`,
    outcome: 'synced',
    reason: null,
    recordId: String(9000000000000000000n + BigInt(c)),
    noteId: String(8000000000000000000n + BigInt(i)),
    kind: 'message',
    contactName: `Contact ${c}`,
    phone: `+3461${String(1000000 + c).padStart(7, '0')}`,
    module: 'Contacts',
  };
}

async function fillDocument(file: string, ws: string, n: number, chats: number): Promise<Counts> {
  const now = Date.now();
  let clock = now;
  const store = await DocumentStore.open(file, { now: () => clock });
  try {
    for (let c = 0; c < chats; c += 5000) {
      const uow = store.begin();
      for (let k = c; k < Math.min(chats, c + 5000); k++) uow.chats.put(link(ws, k, now));
      await uow.commit();
    }
    const days = new Map<string, DayNote>();
    for (let i = 0; i < n; i++) {
      const c = i % chats;
      const sentAt = new Date(atOf(i, n, now)).toISOString();
      const day = sentAt.slice(0, 10);
      const key = `${ws}:${500000 + c}:${day}`;
      let d = days.get(key);
      if (!d) {
        d = {
          key,
          workspaceId: ws,
          chatId: String(500000 + c),
          day,
          noteId: String(8000000000000000000n + BigInt(i)),
          recordId: String(9000000000000000000n + BigInt(c)),
          createIntentAt: undefined,
          title: `WhatsApp chat with Contact ${c} (${day})`,
          lines: [],
          prunedLines: 0,
          dirty: false,
          updatedAt: sentAt,
        };
        days.set(key, d);
      }
      d.lines.push({
        messageId: `stored-${i}`,
        sentAt,
        author: i % 2 ? 'Sandbox Admin' : 'Contact',
        text: `Stored message number ${i}: thanks, see you on Tuesday.`,
        attachmentNames: [],
      });
    }
    const all = [...days.values()];
    for (let k = 0; k < all.length; k += 5000) {
      const uow = store.begin();
      for (const d of all.slice(k, k + 5000)) uow.days.put(d);
      await uow.commit();
    }
    let received = 0;
    const firstRecent = Math.max(0, Math.ceil(n - (RETENTION.seenMs / SPAN_MS) * n));
    for (let i = firstRecent; i < n; i += 1000) {
      clock = atOf(i, n, now); // the store stamps each id with its receipt time
      const ids = Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
        workspaceId: ws,
        messageId: `stored-${i + k}`,
      }));
      await store.queue.enqueue(ids);
      received += ids.length;
    }
    clock = now;
    const uow = store.begin();
    for (let i = Math.max(0, n - LOG_KEPT); i < n; i++)
      uow.syncLog.add(logEntry(ws, i, chats, atOf(i, n, now)));
    await uow.commit();
    return { chatDays: all.length, receivedIds: received, logEntries: Math.min(n, LOG_KEPT) };
  } finally {
    await store.close();
  }
}

async function fillPostgres(url: string, ws: string, n: number, chats: number): Promise<Counts> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const now = Date.now();
  try {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO chat_links (key, workspace_id, record_id, data)
       SELECT $1 || ':' || (500000 + k), $1, (9000000000000000000::numeric + k)::text,
         jsonb_build_object('workspaceId', $1, 'chatId', (500000 + k)::text,
           'e164', '+3461' || lpad((1000000 + k)::text, 7, '0'),
           'recordId', (9000000000000000000::numeric + k)::text, 'module', 'Contacts', 'createdByUs', true,
           'lastWrittenName', 'Contact ' || k, 'chatName', 'Contact ' || k,
           'chatUrl', 'https://app.timelines.ai/chat/' || (500000 + k) || '/messages/',
           'humanEditedName', false, 'lastSyncedAt', $2::text)
       FROM generate_series(0, $3 - 1) k`,
      [ws, new Date(now).toISOString(), chats],
    );
    // Messages: i, its chat, its receipt time (ms) and the ISO forms of it.
    const messages = `
      SELECT i, i % $3 AS k, at,
        to_char(to_timestamp(at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS iso
      FROM (SELECT i, $4::bigint - floor(((($2::bigint - i)::float8) / $2) * ${SPAN_MS})::bigint AS at
            FROM generate_series(0, $2 - 1) i) s`;
    const days = await c.query(
      `WITH m AS (${messages}), d AS (
         SELECT k, substr(iso, 1, 10) AS day, min(i) AS first, max(iso) AS last,
           jsonb_agg(jsonb_build_object('messageId', 'stored-' || i, 'sentAt', iso,
             'author', CASE WHEN i % 2 = 1 THEN 'Sandbox Admin' ELSE 'Contact' END,
             'text', 'Stored message number ' || i || ': thanks, see you on Tuesday.',
             'attachmentNames', '[]'::jsonb) ORDER BY i) AS lines
         FROM m GROUP BY k, substr(iso, 1, 10))
       INSERT INTO chat_days (key, workspace_id, day, data, lines)
       SELECT $1 || ':' || (500000 + k) || ':' || day, $1, day,
         jsonb_build_object('key', $1 || ':' || (500000 + k) || ':' || day, 'workspaceId', $1,
           'chatId', (500000 + k)::text, 'day', day,
           'noteId', (8000000000000000000::numeric + first)::text,
           'recordId', (9000000000000000000::numeric + k)::text,
           'title', 'WhatsApp chat with Contact ' || k || ' (' || day || ')',
           'prunedLines', 0, 'dirty', false, 'updatedAt', last), lines
       FROM d`,
      [ws, n, chats, now],
    );
    const received = await c.query(
      `WITH m AS (${messages})
       INSERT INTO received (workspace_id, message_id, received_at)
       SELECT $1, 'stored-' || i, at FROM m WHERE at >= $4::bigint - ${RETENTION.seenMs}`,
      [ws, n, chats, now],
    );
    const entries = Array.from({ length: Math.min(n, LOG_KEPT) }, (_, k) => {
      const i = n - Math.min(n, LOG_KEPT) + k;
      return logEntry(ws, i, chats, atOf(i, n, now));
    });
    await c.query(
      `INSERT INTO sync_log (workspace_id, outcome, message_id, entry)
       SELECT $1, 'synced', e ->> 'messageId', e FROM jsonb_array_elements($2::jsonb) e`,
      [ws, JSON.stringify(entries)],
    );
    await c.query('COMMIT');
    await c.query('ANALYZE');
    return { chatDays: days.rowCount ?? 0, receivedIds: received.rowCount ?? 0, logEntries: entries.length };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await c.end();
  }
}
