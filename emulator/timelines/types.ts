/** The TimelinesAI emulator's options and records (plain data; see state.ts). */

export interface TimelinesEmulatorOptions {
  /** Clock (ms since epoch). Default Date.now; `controls.advanceTime` adds to it. */
  now?: () => number;
  /**
   * Where the emulator's router is reachable from outside, e.g. http://127.0.0.1:4010 or
   * http://localhost:3000/timelines: attachment download links are built on it. `listen()` sets it;
   * when mounted in another app it is learned from the first request unless given.
   */
  publicUrl?: string;
  /** Base of `chat_url`s (`<base>/chat/<id>/messages/`). Default https://app.timelines.ai. */
  chatUrlBase?: string;
  /** Gap between two messages leaving a workspace's send queue. Default 2000 (TimelinesAI: ~2 s). */
  sendIntervalMs?: number;
  /** Chats per `GET /chats` page and messages per `GET /chats/{id}/messages` page. Default 50. */
  pageSize?: number;
  /** Order of `GET /chats/{id}/messages` (TimelinesAI does not document it). Default newest first. */
  messageOrder?: 'newest_first' | 'oldest_first';
  /** Lifetime of attachment and file download links. Default 15 minutes. */
  downloadTtlMs?: number;
  /** The WhatsApp accounts' UTC offset, used in `YYYY-MM-DD HH:mm:ss +ZZZZ` timestamps. Default +0200. */
  utcOffsetMinutes?: number;
  /** A webhook receiver must answer 2xx within this. Default 5000 (TimelinesAI: 5 s). */
  deliveryTimeoutMs?: number;
  /** Delays of further attempts after a failed delivery. Default none (not documented by TimelinesAI). */
  deliveryRetryDelaysMs?: number[];
  /** Per client IP, like TimelinesAI's proxy (30/s, 10 queued, 429 beyond). `null` turns it off. */
  rateLimit?: { perSecond: number; burst: number } | null;
  /** Webhook subscriptions per workspace. Default 10 (TimelinesAI's default). */
  maxWebhooks?: number;
  /** Largest upload. Default 100 MB. */
  maxUploadBytes?: number;
  /** The first chat id handed out (default 1000001); a sandbox restarted afresh picks a higher one. */
  firstChatId?: number;
}

export interface AccountRec {
  /** JID: `<digits>@s.whatsapp.net` */
  id: string;
  phone: string;
  accountName: string;
  ownerName: string;
  ownerEmail: string;
  connected: boolean;
  /** When it was last connected (ms); "the most recently connected account" sends by default. */
  connectedOn: number;
  disconnectedOn: number | undefined;
}

export interface ChatRec {
  id: number;
  workspaceId: string;
  accountId: string;
  name: string;
  /** E.164; none for groups. */
  phone: string | undefined;
  jid: string;
  isGroup: boolean;
  closed: boolean;
  read: boolean;
  labels: string[];
  responsibleName: string | undefined;
  responsibleEmail: string | undefined;
  createdAt: number;
}

export type MessageStatus = 'Pending' | 'Sent' | 'Delivered' | 'Read' | 'Failed';

export interface MessageRec {
  uid: string;
  chatId: number;
  /** When it was sent or received (ms); for an API send, when it left the queue. */
  at: number;
  fromMe: boolean;
  text: string;
  senderName: string;
  senderPhone: string | undefined;
  recipientName: string;
  recipientPhone: string | undefined;
  /** WhatsApp (phone or web), Public API, … */
  origin: string;
  status: MessageStatus;
  fileUid: string | undefined;
  replyTo: string | undefined;
}

export interface FileRec {
  uid: string;
  workspaceId: string;
  filename: string;
  mimetype: string;
  data: Buffer;
  uploadedAt: number;
  uploadedByEmail: string;
}

export interface WebhookRec {
  id: number;
  eventType: string;
  url: string;
  enabled: boolean;
  /** Failed deliveries (non-2xx, timeout, refused), as TimelinesAI reports them. */
  errorsCounter: number;
}

export interface WorkspaceRec {
  id: string;
  name: string;
  ownerName: string;
  ownerEmail: string;
  quota: { total: number; used: number; periodStart: number; periodEnd: number };
  /** API calls made with the workspace's tokens (TimelinesAI counts them against a monthly limit). */
  apiCalls: number;
  accounts: AccountRec[];
  chats: Map<number, ChatRec>;
  /** Per chat, oldest first. */
  messages: Map<number, MessageRec[]>;
  files: Map<string, FileRec>;
  webhooks: WebhookRec[];
}

/** One message accepted by a send endpoint, as the tests observe it. */
export interface SendRecord {
  workspaceId: string;
  messageUid: string;
  chatId: number;
  via: 'chat' | 'phone';
  /** When the API request arrived (emulator clock). */
  receivedAt: number;
  /** When it left the send queue (emulator clock). */
  sentAt: number | undefined;
  status: 'queued' | 'sent' | 'failed';
  credits: number;
}

/** One webhook delivery attempt. */
export interface DeliveryRecord {
  workspaceId: string;
  webhookId: number;
  url: string;
  eventType: string;
  /** The message's uid (message events) or the chat id (chat events). */
  subject: string;
  attempt: number;
  at: number;
  ok: boolean;
  status: number | undefined;
  error: string | undefined;
}

/** A scripted failure of the next matching API requests (see controls.failNext). */
export interface Injection {
  remaining: number;
  status: number;
  message: string | undefined;
  retryAfterSec: number | undefined;
  pathIncludes: string | undefined;
  method: string | undefined;
  /** Answer an HTML page, as a proxy in front of the API would. */
  html: boolean;
}
