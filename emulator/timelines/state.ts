/**
 * The emulator's data: workspaces with their API tokens, WhatsApp accounts, chats, messages,
 * uploaded files and webhook subscriptions, plus the short-lived download links it hands out.
 * Everything is in memory; ids are unique across workspaces, like TimelinesAI's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AccountRec, ChatRec, FileRec, MessageRec, WorkspaceRec } from './types.js';

const DAY_MS = 24 * 60 * 60_000;
/** TimelinesAI's chat ids are 6–7 digit numbers. */
const FIRST_CHAT_ID = 1_000_001;
const FIRST_WEBHOOK_ID = 789_001;

export interface AccountSeed {
  phone: string;
  accountName?: string;
  ownerName?: string;
  ownerEmail?: string;
  connected?: boolean;
}

export interface ChatSeed {
  accountId?: string;
  name?: string;
  /** 1:1 chats: the contact's number in international format. */
  phone?: string;
  isGroup?: boolean;
  labels?: string[];
  responsibleName?: string;
  responsibleEmail?: string;
  createdAt?: number;
}

/** `+1 (415) 555-1234` → `+14155551234`, or undefined when it is not 8–15 digits. */
export function normalisePhone(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const digits = String(raw)
    .replace(/[\s().-]/g, '')
    .replace(/^\+/, '');
  return /^\d{8,15}$/.test(digits) ? `+${digits}` : undefined;
}

export class TimelinesState {
  readonly workspaces = new Map<string, WorkspaceRec>();
  readonly #tokens = new Map<string, string>();
  readonly #links = new Map<string, { workspaceId: string; fileUid: string; expiresAt: number }>();
  #chatSeq = FIRST_CHAT_ID;
  #webhookSeq = FIRST_WEBHOOK_ID;
  #workspaceSeq = 1;

  constructor(
    readonly now: () => number,
    readonly downloadTtlMs: number,
    firstChatId = FIRST_CHAT_ID,
  ) {
    this.#chatSeq = firstChatId;
  }

  // ------------------------------------------------------------------------ workspaces & tokens

  createWorkspace(
    opts: { name?: string; ownerName?: string; ownerEmail?: string; quota?: number } = {},
  ): WorkspaceRec {
    const id = `ws${this.#workspaceSeq++}`;
    const start = this.now();
    const ws: WorkspaceRec = {
      id,
      name: opts.name ?? `Workspace ${id}`,
      ownerName: opts.ownerName ?? 'Alex Owner',
      ownerEmail: opts.ownerEmail ?? `owner@${id}.example.com`,
      quota: { total: opts.quota ?? 1000, used: 0, periodStart: start, periodEnd: start + 30 * DAY_MS },
      apiCalls: 0,
      accounts: [],
      chats: new Map(),
      messages: new Map(),
      files: new Map(),
      webhooks: [],
    };
    this.workspaces.set(id, ws);
    return ws;
  }

  workspace(id: string): WorkspaceRec {
    const ws = this.workspaces.get(id);
    if (!ws) throw new Error(`timelines emulator: no workspace ${id}`);
    return ws;
  }

  /** A new token of the form TimelinesAI uses (a UUID), or the one given; a workspace may have several. */
  issueToken(workspaceId: string, token: string = randomUUID()): string {
    this.workspace(workspaceId);
    this.#tokens.set(token, workspaceId);
    return token;
  }

  revokeToken(token: string): void {
    this.#tokens.delete(token);
  }

  /** "Generate new token" in TimelinesAI: every previous token of the workspace stops working. */
  rotateToken(workspaceId: string): string {
    for (const [token, ws] of this.#tokens) if (ws === workspaceId) this.#tokens.delete(token);
    return this.issueToken(workspaceId);
  }

  workspaceOfToken(token: string): WorkspaceRec | undefined {
    const id = this.#tokens.get(token);
    return id === undefined ? undefined : this.workspaces.get(id);
  }

  // ------------------------------------------------------------------------------------ accounts

  addAccount(workspaceId: string, seed: AccountSeed): AccountRec {
    const ws = this.workspace(workspaceId);
    const phone = normalisePhone(seed.phone);
    if (!phone) throw new Error(`timelines emulator: account phone must be international, got ${seed.phone}`);
    const account: AccountRec = {
      id: `${phone.slice(1)}@s.whatsapp.net`,
      phone,
      accountName: seed.accountName ?? `WhatsApp ${phone.slice(-4)}`,
      ownerName: seed.ownerName ?? ws.ownerName,
      ownerEmail: seed.ownerEmail ?? ws.ownerEmail,
      connected: seed.connected ?? true,
      connectedOn: this.now(),
      disconnectedOn: undefined,
    };
    ws.accounts.push(account);
    return account;
  }

  account(ws: WorkspaceRec, idOrPhone: string): AccountRec | undefined {
    const phone = normalisePhone(idOrPhone);
    return ws.accounts.find((a) => a.id === idOrPhone || (phone !== undefined && a.phone === phone));
  }

  setConnected(ws: WorkspaceRec, account: AccountRec, connected: boolean): void {
    if (account.connected === connected) return;
    account.connected = connected;
    if (connected) account.connectedOn = this.now();
    else account.disconnectedOn = this.now();
  }

  /** The account TimelinesAI sends from when none is named: the most recently connected one. */
  defaultAccount(ws: WorkspaceRec): AccountRec | undefined {
    return ws.accounts.filter((a) => a.connected).sort((a, b) => b.connectedOn - a.connectedOn)[0];
  }

  // --------------------------------------------------------------------------------------- chats

  addChat(workspaceId: string, seed: ChatSeed): ChatRec {
    const ws = this.workspace(workspaceId);
    const account = seed.accountId ? this.account(ws, seed.accountId) : ws.accounts[0];
    if (!account) throw new Error('timelines emulator: add a WhatsApp account before chats');
    const isGroup = seed.isGroup ?? false;
    const phone = isGroup ? undefined : normalisePhone(seed.phone);
    if (!isGroup && !phone)
      throw new Error(`timelines emulator: chat phone must be international, got ${seed.phone}`);
    const id = this.#chatSeq++;
    const chat: ChatRec = {
      id,
      workspaceId,
      accountId: account.id,
      name: seed.name ?? phone ?? `Group ${id}`,
      phone,
      jid: isGroup ? `1203630${id}@g.us` : `${phone!.slice(1)}@s.whatsapp.net`,
      isGroup,
      closed: false,
      read: true,
      labels: seed.labels ?? [],
      responsibleName: seed.responsibleName,
      responsibleEmail: seed.responsibleEmail,
      createdAt: seed.createdAt ?? this.now(),
    };
    ws.chats.set(id, chat);
    ws.messages.set(id, []);
    return chat;
  }

  /** The 1:1 chat of `account` with `phone`, if there is one. */
  directChat(ws: WorkspaceRec, accountId: string, phone: string): ChatRec | undefined {
    for (const chat of ws.chats.values()) {
      if (!chat.isGroup && chat.accountId === accountId && chat.phone === phone) return chat;
    }
    return undefined;
  }

  // ------------------------------------------------------------------------------------ messages

  /** Adds a message to its chat's history (kept in time order). */
  addMessage(ws: WorkspaceRec, message: Omit<MessageRec, 'uid'> & { uid?: string }): MessageRec {
    const list = ws.messages.get(message.chatId);
    if (!list) throw new Error(`timelines emulator: no chat ${message.chatId} in ${ws.id}`);
    const rec: MessageRec = { ...message, uid: message.uid ?? randomUUID() };
    let i = list.length;
    while (i > 0 && list[i - 1]!.at > rec.at) i -= 1;
    list.splice(i, 0, rec);
    return rec;
  }

  findMessage(ws: WorkspaceRec, uid: string): MessageRec | undefined {
    for (const list of ws.messages.values()) {
      const found = list.find((m) => m.uid === uid);
      if (found) return found;
    }
    return undefined;
  }

  /** Keeps a sent message's place in time order once its send time is known. */
  resort(ws: WorkspaceRec, chatId: number): void {
    ws.messages.get(chatId)?.sort((a, b) => a.at - b.at);
  }

  // -------------------------------------------------------------------------- files & downloads

  addFile(
    ws: WorkspaceRec,
    file: { filename: string; mimetype: string; data: Buffer; uploadedByEmail?: string },
  ): FileRec {
    const rec: FileRec = {
      uid: randomUUID(),
      workspaceId: ws.id,
      filename: file.filename,
      mimetype: file.mimetype,
      data: file.data,
      uploadedAt: this.now(),
      uploadedByEmail: file.uploadedByEmail ?? ws.ownerEmail,
    };
    ws.files.set(rec.uid, rec);
    return rec;
  }

  /** A fresh unguessable link key for a file, valid for `downloadTtlMs` (like a presigned S3 URL). */
  mintDownloadKey(file: FileRec): string {
    const now = this.now();
    if (this.#links.size > 10_000) {
      for (const [k, link] of this.#links) if (link.expiresAt <= now) this.#links.delete(k);
    }
    const key = randomBytes(18).toString('base64url');
    this.#links.set(key, {
      workspaceId: file.workspaceId,
      fileUid: file.uid,
      expiresAt: now + this.downloadTtlMs,
    });
    return key;
  }

  /** The file behind a link key, 'expired', or undefined for a key never handed out. */
  resolveDownload(key: string): FileRec | 'expired' | undefined {
    const link = this.#links.get(key);
    if (!link) return undefined;
    if (link.expiresAt <= this.now()) return 'expired';
    return this.workspaces.get(link.workspaceId)?.files.get(link.fileUid);
  }

  nextWebhookId(): number {
    return this.#webhookSeq++;
  }
}
