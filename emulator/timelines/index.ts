/**
 * TimelinesAI emulator: the public API (`/integrations/api/...`) with its envelopes, errors, quota,
 * send pacing and webhook delivery, for the sandbox and the tests. It imports nothing from the
 * connector. What it copies from TimelinesAI and what it had to guess: docs/timelines-api.md.
 *
 *   const emu = createTimelinesEmulator({ sendIntervalMs: 50 });
 *   const ws = emu.createWorkspace({ quota: 100 });
 *   emu.addAccount(ws.id, { phone: '+34600000001' });
 *   const token = emu.issueToken(ws.id);
 *   const { apiUrl, close } = await emu.listen(0);      // or app.use('/timelines', emu.router)
 *   …                                                    // TIMELINES_API_URL=apiUrl
 *   await emu.idle();                                    // sends dispatched, webhooks delivered
 */
import type { AddressInfo } from 'node:net';
import express, { Router, type Request, type Response } from 'express';
import { apiRouter } from './api.js';
import { Activity, Delivery } from './delivery.js';
import { injections, latency, rateLimiter } from './http.js';
import { Outbox } from './outbox.js';
import { seedHistory, type HistorySeed, type SeededHistory } from './seed.js';
import { TimelinesState, normalisePhone, type AccountSeed, type ChatSeed } from './state.js';
import type {
  AccountRec,
  ChatRec,
  DeliveryRecord,
  Injection,
  MessageRec,
  SendRecord,
  TimelinesEmulatorOptions,
  WebhookRec,
  WorkspaceRec,
} from './types.js';
import { Views } from './views.js';

export type * from './types.js';
export type { AccountSeed, ChatSeed } from './state.js';
export type { HistorySeed, SeededHistory } from './seed.js';

export interface IncomingMessage {
  /** An existing chat, or a phone: its 1:1 chat (created when missing, with `chat:created`). */
  chatId?: number;
  phone?: string;
  /** The name of a chat created for `phone` (default the number). */
  chatName?: string;
  /** Sent from the WhatsApp phone itself (delivered as message:sent:new); default received. */
  fromMe?: boolean;
  text?: string;
  attachment?: { filename: string; mimetype: string; data: Buffer };
  /** Who wrote it (groups); default the chat's contact. */
  senderName?: string;
  senderPhone?: string;
  /** Default now. */
  at?: number;
}

export interface FailureScript {
  status: number;
  /** How many requests fail. Default 1. */
  count?: number;
  /** `message` of the error envelope (a default per status otherwise). */
  message?: string;
  retryAfterSec?: number;
  /** Only requests whose URL contains this, and/or with this method. */
  pathIncludes?: string;
  method?: string;
  /** Answer an HTML page, as a proxy would. */
  html?: boolean;
}

export interface TimelinesEmulatorControls {
  failNext(script: FailureScript): void;
  clearFailures(): void;
  /** Delay before every API answer. */
  setLatency(ms: number): void;
  setSendInterval(ms: number): void;
  setPageSize(n: number): void;
  setMessageOrder(order: 'newest_first' | 'oldest_first'): void;
  setRateLimit(limit: { perSecond: number; burst: number } | null): void;
  /** Moves the emulator clock forward (download link expiry, timestamps). */
  advanceTime(ms: number): void;
}

export interface TimelinesEmulator {
  /** Mount anywhere: API under `/integrations/api`, download links under `/attachments`. */
  router: Router;
  listen(port?: number, host?: string): Promise<{ url: string; apiUrl: string; close(): Promise<void> }>;
  setPublicUrl(url: string): void;
  controls: TimelinesEmulatorControls;

  createWorkspace(opts?: {
    name?: string;
    ownerName?: string;
    ownerEmail?: string;
    quota?: number;
  }): WorkspaceRec;
  /** A new token (or `token`, e.g. a stable one for the sandbox) for the workspace. */
  issueToken(workspaceId: string, token?: string): string;
  revokeToken(token: string): void;
  /** Like "Generate new token" in TimelinesAI: older tokens stop working. */
  rotateToken(workspaceId: string): string;
  addAccount(workspaceId: string, seed: AccountSeed): AccountRec;
  setAccountConnected(workspaceId: string, accountIdOrPhone: string, connected: boolean): void;
  addChat(workspaceId: string, seed: ChatSeed): ChatRec;
  seedHistory(workspaceId: string, opts?: HistorySeed): SeededHistory;
  /** Sets the message quota: `total`, `used` (e.g. used = total exhausts it). */
  setQuota(workspaceId: string, quota: { total?: number; used?: number }): void;
  /** A message received on WhatsApp: stored and delivered as message:received:new / message:new. */
  deliverIncoming(workspaceId: string, msg: IncomingMessage): Promise<{ messageUid: string; chatId: number }>;
  /**
   * Delivers the stored messages sent between `after` and `before` (ms, inclusive) to the webhooks,
   * as if they had just happened (history seeded with `seedHistory`, then "delivered live").
   */
  replayWebhooks(workspaceId: string, range: { after?: number; before?: number }): Promise<number>;

  workspace(workspaceId: string): WorkspaceRec;
  chats(workspaceId: string): ChatRec[];
  messages(workspaceId: string, chatId: number): MessageRec[];
  webhooks(workspaceId: string): WebhookRec[];
  /** Every message accepted by a send endpoint, in arrival order, with arrival and send times. */
  sends(workspaceId?: string): SendRecord[];
  deliveries(workspaceId?: string): DeliveryRecord[];
  /** Resolves when every send queue is empty and every webhook delivery (with retries) has ended. */
  idle(): Promise<void>;
}

export function createTimelinesEmulator(opts: TimelinesEmulatorOptions = {}): TimelinesEmulator {
  const clock = opts.now ?? Date.now;
  let offset = 0;
  const now = () => clock() + offset;
  const state = new TimelinesState(now, opts.downloadTtlMs ?? 15 * 60_000, opts.firstChatId);
  let publicUrl = opts.publicUrl?.replace(/\/+$/, '');
  let latencyMs = 0;
  let pageSize = opts.pageSize ?? 50;
  let messageOrder = opts.messageOrder ?? 'newest_first';
  let rateLimit = opts.rateLimit === undefined ? { perSecond: 30, burst: 10 } : opts.rateLimit;
  const scripted: Injection[] = [];

  const views = new Views(state, {
    chatUrlBase: (opts.chatUrlBase ?? 'https://app.timelines.ai').replace(/\/+$/, ''),
    utcOffsetMinutes: opts.utcOffsetMinutes ?? 120,
    publicUrl: () => publicUrl ?? 'http://localhost',
  });
  const activity = new Activity();
  const delivery = new Delivery(state, views, activity, {
    timeoutMs: opts.deliveryTimeoutMs ?? 5_000,
    retryDelaysMs: opts.deliveryRetryDelaysMs ?? [],
  });
  const outbox = new Outbox(state, delivery, activity, opts.sendIntervalMs ?? 2_000);

  const router = Router();
  router.use((req, _res, next) => {
    publicUrl ??= `${req.protocol}://${req.get('host')}${req.baseUrl}`;
    next();
  });
  router.get('/attachments/:key/:name', (req: Request, res: Response) => {
    const file = state.resolveDownload(String(req.params.key));
    if (file === 'expired') return void res.status(403).type('text/plain').send('Request has expired');
    if (!file) return void res.status(404).type('text/plain').send('Not found');
    res.setHeader('Content-Type', file.mimetype);
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`,
    );
    res.send(file.data);
  });
  router.use(
    '/integrations/api',
    rateLimiter(() => rateLimit, now),
    latency(() => latencyMs),
    injections(scripted),
    apiRouter({
      state,
      views,
      outbox,
      delivery,
      pageSize: () => pageSize,
      messageOrder: () => messageOrder,
      maxWebhooks: opts.maxWebhooks ?? 10,
      maxUploadBytes: opts.maxUploadBytes ?? 100 * 1024 * 1024,
    }),
  );

  const account = (wsId: string, idOrPhone: string) => {
    const a = state.account(state.workspace(wsId), idOrPhone);
    if (!a) throw new Error(`timelines emulator: no WhatsApp account ${idOrPhone} in ${wsId}`);
    return a;
  };

  return {
    router,
    async listen(port = 0, host = '127.0.0.1') {
      const app = express();
      app.set('trust proxy', false);
      app.use(router);
      const server = app.listen(port, host);
      await new Promise<void>((resolve, reject) => {
        server.once('listening', resolve);
        server.once('error', reject);
      });
      const url = `http://${host}:${(server.address() as AddressInfo).port}`;
      publicUrl ??= url;
      return {
        url,
        apiUrl: `${url}/integrations/api`,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
    setPublicUrl(url) {
      publicUrl = url.replace(/\/+$/, '');
    },
    controls: {
      failNext(s) {
        scripted.push({
          remaining: s.count ?? 1,
          status: s.status,
          message: s.message,
          retryAfterSec: s.retryAfterSec,
          pathIncludes: s.pathIncludes,
          method: s.method,
          html: s.html ?? false,
        });
      },
      clearFailures: () => void scripted.splice(0),
      setLatency: (ms) => void (latencyMs = ms),
      setSendInterval(ms) {
        outbox.intervalMs = ms;
        outbox.wake();
      },
      setPageSize: (n) => void (pageSize = n),
      setMessageOrder: (order) => void (messageOrder = order),
      setRateLimit: (limit) => void (rateLimit = limit),
      advanceTime(ms) {
        offset += ms;
        outbox.wake();
      },
    },
    createWorkspace: (o) => state.createWorkspace(o),
    issueToken: (id, token) => state.issueToken(id, token),
    revokeToken: (token) => state.revokeToken(token),
    rotateToken: (id) => state.rotateToken(id),
    addAccount: (id, seed) => state.addAccount(id, seed),
    setAccountConnected(id, idOrPhone, connected) {
      state.setConnected(state.workspace(id), account(id, idOrPhone), connected);
    },
    addChat: (id, seed) => state.addChat(id, seed),
    seedHistory: (id, o) => seedHistory(state, state.workspace(id), o),
    setQuota(id, q) {
      const ws = state.workspace(id);
      if (q.total !== undefined) ws.quota.total = q.total;
      if (q.used !== undefined) ws.quota.used = q.used;
    },
    async deliverIncoming(id, msg) {
      const ws = state.workspace(id);
      let chat = msg.chatId === undefined ? undefined : ws.chats.get(msg.chatId);
      let created = false;
      if (!chat) {
        const phone = normalisePhone(msg.phone);
        const acc = state.defaultAccount(ws) ?? ws.accounts[0];
        if (!phone || !acc) throw new Error('timelines emulator: deliverIncoming needs a chatId or a phone');
        chat = state.directChat(ws, acc.id, phone);
        if (!chat) {
          chat = state.addChat(id, {
            accountId: acc.id,
            phone,
            ...(msg.chatName ? { name: msg.chatName } : {}),
          });
          created = true;
        }
      }
      const acc = ws.accounts.find((a) => a.id === chat.accountId)!;
      const file = msg.attachment ? state.addFile(ws, msg.attachment) : undefined;
      const contact = { name: msg.senderName ?? chat.name, phone: msg.senderPhone ?? chat.phone };
      const me = { name: acc.ownerName, phone: acc.phone };
      const [from, to] = msg.fromMe ? [me, contact] : [contact, me];
      const message = state.addMessage(ws, {
        chatId: chat.id,
        at: msg.at ?? now(),
        fromMe: msg.fromMe ?? false,
        text: msg.text ?? '',
        senderName: from.name,
        senderPhone: from.phone,
        recipientName: to.name,
        recipientPhone: to.phone,
        origin: 'WhatsApp',
        status: 'Sent',
        fileUid: file?.uid,
        replyTo: undefined,
      });
      chat.read = false;
      if (created) await delivery.chat(ws, chat, msg.fromMe ? 'sent' : 'received');
      await delivery.message(ws, chat, message);
      return { messageUid: message.uid, chatId: chat.id };
    },
    async replayWebhooks(id, range) {
      const ws = state.workspace(id);
      const inRange = (at: number) =>
        (range.after === undefined || at >= range.after) &&
        (range.before === undefined || at <= range.before);
      let n = 0;
      for (const chat of ws.chats.values()) {
        for (const m of ws.messages.get(chat.id) ?? []) {
          if (!inRange(m.at)) continue;
          await delivery.message(ws, chat, m);
          n += 1;
        }
      }
      return n;
    },
    workspace: (id) => state.workspace(id),
    chats: (id) => [...state.workspace(id).chats.values()],
    messages: (id, chatId) => [...(state.workspace(id).messages.get(chatId) ?? [])],
    webhooks: (id) => state.workspace(id).webhooks,
    sends: (id) => outbox.sends.filter((s) => id === undefined || s.workspaceId === id),
    deliveries: (id) => delivery.records.filter((d) => id === undefined || d.workspaceId === id),
    idle: () => activity.idle(),
  };
}
