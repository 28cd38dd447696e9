/**
 * Records for store tests and test set-ups: a workspace, a queued message, a chat link, a chat-day,
 * and a store of either engine in a temp folder / fresh database.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Secrets } from '../../server/src/store/crypto.js';
import { DocumentStore } from '../../server/src/store/document/documentStore.js';
import { PgStore } from '../../server/src/store/postgres/pgStore.js';
import type { ChatLink, DayNote, QueuedEvent, Workspace } from '../../server/src/store/schema.js';
import type { Store } from '../../server/src/store/store.js';
import { freshDatabase } from './postgres.js';

export const testSecrets = new Secrets('t'.repeat(40));

export function workspace(overrides: Partial<Workspace> = {}): Workspace {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    orgId: `org-${id}`,
    orgName: 'Fake Org',
    timeZone: 'UTC',
    countryCode: 'US',
    edition: undefined,
    owner: { userId: 'u1', email: 'admin@fake.test', name: 'Admin' },
    webhookTokenDigest: `digest-${id}`,
    webhookToken: testSecrets.seal('token'),
    connection: {
      status: 'connected',
      accountsUrl: 'http://a',
      apiUrl: 'http://a',
      tokens: null,
      connectedAt: '',
    },
    sessionEpoch: 1,
    settings: {
      module: 'Contacts',
      phoneField: 'Mobile',
      nameField: 'Last_Name',
      chatLinkField: 'WhatsApp_Chat',
      leadSourceField: 'Lead_Source',
    },
    active: true,
    activatedAt: undefined,
    testRecordId: undefined,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function queued(workspaceId: string, i: number, overrides: Partial<QueuedEvent> = {}): QueuedEvent {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    key: `${workspaceId}:m${i}`,
    workspaceId,
    receivedAt: at,
    event: {
      kind: 'message',
      eventType: 'message:received:new',
      messageId: `m${i}`,
      chat: { id: `c${i % 7}`, name: 'Ana', phone: '+34612000001', isGroup: false, url: undefined },
      account: { email: 'a@b.c', fullName: 'Agent', phone: undefined },
      direction: 'received',
      sentAt: at,
      text: `message ${i}`,
      senderName: 'Ana',
      attachments: [],
    },
    attempts: 0,
    notBefore: 0,
    state: 'pending',
    files: [],
    ...overrides,
  };
}

export function chatLink(workspaceId: string, chatId: string, overrides: Partial<ChatLink> = {}): ChatLink {
  return {
    workspaceId,
    chatId,
    e164: '+34612000001',
    recordId: undefined,
    module: undefined,
    createdByUs: false,
    lastWrittenName: undefined,
    chatName: undefined,
    chatUrl: undefined,
    createIntentAt: undefined,
    humanEditedName: false,
    lastSyncedAt: undefined,
    ...overrides,
  };
}

export function chatDay(
  workspaceId: string,
  chatId: string,
  day: string,
  overrides: Partial<DayNote> = {},
): DayNote {
  return {
    key: `${workspaceId}:${chatId}:${day}`,
    workspaceId,
    chatId,
    day,
    noteId: undefined,
    createIntentAt: undefined,
    title: undefined,
    lines: [],
    prunedLines: 0,
    dirty: false,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A store of the engine, and how to open the same data again (a restart) and to clean up. */
export interface EngineUnderTest {
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

export async function documentEngine(): Promise<EngineUnderTest> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-store-'));
  return {
    open: () => DocumentStore.open(path.join(dir, 'db.json')),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function postgresEngine(): Promise<EngineUnderTest> {
  const db = await freshDatabase();
  return { open: () => PgStore.open(db.url, { poolSize: 5 }), cleanup: () => db.drop() };
}
