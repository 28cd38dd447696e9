/**
 * TimelinesClient: the TimelinesAI public API for one workspace (one API token), over fetch.
 * What the API does and where that is documented: docs/timelines-api.md and index.ts.
 *
 *   const tl = new TimelinesClient({ token, baseUrl: config.TIMELINES_API_URL, pacing });
 *   await tl.verifyToken();                                  // harmless: lists WhatsApp accounts
 *   const hook = await tl.createWebhook({ eventType: 'message:sent:new', url });
 *   const { messageUid } = await tl.sendToChat('123456', { text: 'Hello' });
 *   for await (const page of tl.chatPages({ group: false })) …
 *
 * Inputs are checked before anything is sent (TimelinesError 'validation'); answers are validated
 * with zod; failures are TimelinesErrors (errors.ts) for jobs/retryPolicy. No method retries: the
 * policy decides. Sends are paced per workspace and every request within the per-IP rate (pacing.ts).
 */
import { createHash } from 'node:crypto';
import type * as z from 'zod';
import { TimelinesError, unreadableAnswer } from './errors.js';
import { exchange, type RequestSpec, type Transport } from './http.js';
import { sharedPacing, type TimelinesPacing } from './pacing.js';
import {
  accountListData,
  accountSchema,
  chatSchema,
  fileSchema,
  messageSchema,
  chatPageData,
  messagePageData,
  parseItems,
  quotasSchema,
  sentSchema,
  webhookListData,
  webhookSchema,
  type TimelinesAccount,
  type TimelinesChat,
  type TimelinesFile,
  type TimelinesMessage,
  type TimelinesQuota,
  type TimelinesWebhook,
} from './wire.js';
import {
  checkChatId,
  checkPage,
  checkPhone,
  checkSend,
  checkUid,
  checkUpload,
  checkWebhook,
  instant,
  list,
  type ChatFilters,
  type MessageFilters,
  type SendInput,
  type UploadInput,
} from './inputs.js';

export const DEFAULT_TIMELINES_API_URL = 'https://app.timelines.ai/integrations/api';
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_ANSWER_BYTES = 10 * 1024 * 1024;
/** A paging loop stops with an error past this many pages (a server that never says "last page"). */
const DEFAULT_MAX_PAGES = 10_000;

export interface TimelinesClientOptions {
  /** The workspace's Public API token (Integrations → Public API in TimelinesAI). */
  token: string;
  /** Default https://app.timelines.ai/integrations/api; `TIMELINES_API_URL` overrides it. */
  baseUrl?: string | undefined;
  /** Per request, default 15 s; uploads get `uploadTimeoutMs` (default 120 s). */
  timeoutMs?: number;
  uploadTimeoutMs?: number;
  /** Shared pacing (default: one per process). */
  pacing?: TimelinesPacing;
  /** Identifies the workspace for send pacing; default a hash of the token. */
  workspaceKey?: string;
  fetch?: typeof fetch;
  maxAnswerBytes?: number;
  maxPages?: number;
}

export interface Page<T> {
  items: T[];
  /** 1-based, as TimelinesAI counts pages. */
  page: number;
  hasMorePages: boolean;
  /** Items that failed validation (skipped), for the sync log. */
  invalid: Array<{ index: number; problem: string }>;
}

export type { ChatFilters, MessageFilters, SendInput, UploadInput } from './inputs.js';

export class TimelinesClient {
  #transport: Transport;
  #pacing: TimelinesPacing;
  #key: string;
  #timeoutMs: number;
  #uploadTimeoutMs: number;
  #maxPages: number;

  constructor(opts: TimelinesClientOptions) {
    const token = opts.token?.trim() ?? '';
    if (!/^[\x21-\x7e]{8,512}$/.test(token)) {
      throw new TimelinesError(
        'The TimelinesAI API token looks wrong (it should be one word of letters, digits and dashes). Copy it again from TimelinesAI → Integrations → Public API.',
        { code: 'validation' },
      );
    }
    const baseUrl = (opts.baseUrl ?? DEFAULT_TIMELINES_API_URL).trim().replace(/\/+$/, '');
    if (!/^https?:\/\/[^/\s]+/.test(baseUrl)) throw new RangeError('baseUrl must be an absolute http(s) URL');
    this.#transport = {
      baseUrl,
      token,
      fetch: opts.fetch ?? globalThis.fetch,
      maxAnswerBytes: opts.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
    };
    this.#pacing = opts.pacing ?? sharedPacing;
    this.#key = opts.workspaceKey ?? createHash('sha256').update(token).digest('hex').slice(0, 16);
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#uploadTimeoutMs = opts.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
    this.#maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;
  }

  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  // ------------------------------------------------------------------------------- account & quota

  /**
   * The harmless call that proves a token works: lists the workspace's WhatsApp accounts (no quota
   * used; one API call). Throws TimelinesError 'auth' for a wrong or revoked token.
   */
  async verifyToken(): Promise<{ accounts: TimelinesAccount[] }> {
    return { accounts: await this.listWhatsAppAccounts() };
  }

  async listWhatsAppAccounts(): Promise<TimelinesAccount[]> {
    const data = await this.#call({ method: 'GET', path: '/whatsapp_accounts', subject: 'the workspace' });
    return parseItems(this.#parse(accountListData, data), accountSchema).items;
  }

  /** Message quota and API call limit of the current period (`GET /workspace/quotas`). */
  async getQuotas(): Promise<{
    messaging: TimelinesQuota | undefined;
    apiCalls: TimelinesQuota | undefined;
  }> {
    const data = await this.#call({ method: 'GET', path: '/workspace/quotas', subject: 'the workspace' });
    return this.#parse(quotasSchema, data);
  }

  // ------------------------------------------------------------------------------------- webhooks

  async listWebhooks(): Promise<TimelinesWebhook[]> {
    const data = await this.#call({ method: 'GET', path: '/webhooks', subject: 'the webhooks' });
    return parseItems(this.#parse(webhookListData, data), webhookSchema).items;
  }

  /** Registers `url` for `eventType` (message:sent:new, message:received:new, message:new …). */
  async createWebhook(input: {
    eventType: string;
    url: string;
    enabled?: boolean;
  }): Promise<TimelinesWebhook> {
    const { eventType, url } = checkWebhook(input);
    const data = await this.#call({
      method: 'POST',
      path: '/webhooks',
      json: { event_type: eventType, url, enabled: input.enabled ?? true },
      subject: 'the webhook',
    });
    return this.#parse(webhookSchema, data);
  }

  /** Throws 'not_found' when TimelinesAI no longer has it (callers removing it may treat that as done). */
  async deleteWebhook(webhookId: string): Promise<void> {
    const id = checkUid(webhookId, 'webhookId');
    await this.#call({
      method: 'DELETE',
      path: `/webhooks/${encodeURIComponent(id)}`,
      subject: 'the webhook',
    });
  }

  // -------------------------------------------------------------------------------------- sending

  /**
   * Sends into an existing chat (1:1 or group). TimelinesAI accepts it for asynchronous sending and
   * answers its `message_uid`; the message comes back as a `message:sent:new` webhook with that uid.
   * Uses 1 credit of the message quota, 2 with both text and a file.
   */
  async sendToChat(chatId: string | number, input: SendInput): Promise<{ messageUid: string }> {
    const id = checkChatId(chatId);
    const body = checkSend(input);
    return this.#send({ method: 'POST', path: `/chats/${id}/messages`, json: body, subject: 'the chat' });
  }

  /**
   * Sends to a phone number in international format (+14155551234), creating the chat when there is
   * none. Without `whatsappAccountPhone`, TimelinesAI uses the most recently connected account.
   */
  async sendToPhone(input: SendInput & { phone: string; whatsappAccountPhone?: string }): Promise<{
    messageUid: string;
  }> {
    const body: Record<string, unknown> = { phone: checkPhone(input.phone, 'phone'), ...checkSend(input) };
    if (input.whatsappAccountPhone !== undefined) {
      body.whatsapp_account_phone = checkPhone(input.whatsappAccountPhone, 'whatsappAccountPhone');
    }
    return this.#send({ method: 'POST', path: '/messages', json: body, subject: 'the recipient' });
  }

  /** Uploads a file (multipart `POST /files_upload`); send it with `fileUid: file.uid`. */
  async uploadFile(input: UploadInput): Promise<TimelinesFile> {
    const { blob, filename, contentType } = checkUpload(input);
    const form = new FormData();
    form.set('file', blob, filename);
    form.set('filename', filename);
    if (contentType) form.set('content_type', contentType);
    const data = await this.#call({
      method: 'POST',
      path: '/files_upload',
      form,
      subject: 'the file',
      timeoutMs: this.#uploadTimeoutMs,
    });
    return this.#parse(fileSchema, data);
  }

  /** Details and a fresh temporary download URL of an uploaded file. */
  async getFile(fileUid: string): Promise<TimelinesFile> {
    const uid = checkUid(fileUid, 'fileUid');
    const data = await this.#call({ method: 'GET', path: `/files/${uid}`, subject: 'the file' });
    return this.#parse(fileSchema, data);
  }

  // ------------------------------------------------------------------------------ chats & history

  /** One page of chats (TimelinesAI's page size; filters combine with AND). */
  async listChats(filters: ChatFilters = {}, page = 1): Promise<Page<TimelinesChat>> {
    const data = await this.#call({
      method: 'GET',
      path: '/chats',
      query: {
        page: String(checkPage(page)),
        label: list(filters.labels),
        whatsapp_account_id: list(filters.whatsappAccountIds),
        responsible: list(filters.responsible),
        name: filters.name?.trim() || undefined,
        group: filters.group === undefined ? undefined : String(filters.group),
        read: filters.read === undefined ? undefined : String(filters.read),
        closed: filters.closed === undefined ? undefined : String(filters.closed),
        created_after: instant(filters.createdAfter, 'createdAfter'),
        created_before: instant(filters.createdBefore, 'createdBefore'),
      },
      subject: 'the chats',
    });
    const wire = this.#parse(chatPageData, data);
    return { ...parseItems(wire.items, chatSchema), page, hasMorePages: wire.hasMorePages };
  }

  /**
   * One page of a chat's messages. TimelinesAI does not document the order within and across pages:
   * sort by `sentAt` and de-duplicate by `uid` (a message arriving while paging may shift pages).
   * `after`/`before` are inclusive; `afterMessage` keeps messages newer than that uid.
   */
  async listChatMessages(
    chatId: string | number,
    filters: MessageFilters = {},
    page = 1,
  ): Promise<Page<TimelinesMessage>> {
    const id = checkChatId(chatId);
    const data = await this.#call({
      method: 'GET',
      path: `/chats/${id}/messages`,
      query: {
        page: String(checkPage(page)),
        from_me: filters.fromMe === undefined ? undefined : String(filters.fromMe),
        after: instant(filters.after, 'after'),
        before: instant(filters.before, 'before'),
        after_message:
          filters.afterMessage === undefined ? undefined : checkUid(filters.afterMessage, 'afterMessage'),
      },
      subject: 'the chat',
    });
    const wire = this.#parse(messagePageData, data);
    return { ...parseItems(wire.items, messageSchema(id)), page, hasMorePages: wire.hasMorePages };
  }

  /** Pages of chats from `startPage` to the last (yielded one by one, so callers can checkpoint). */
  chatPages(filters: ChatFilters = {}, startPage = 1): AsyncGenerator<Page<TimelinesChat>> {
    return this.#pages((page) => this.listChats(filters, page), startPage);
  }

  /** Pages of a chat's messages from `startPage` to the last. */
  messagePages(
    chatId: string | number,
    filters: MessageFilters = {},
    startPage = 1,
  ): AsyncGenerator<Page<TimelinesMessage>> {
    return this.#pages((page) => this.listChatMessages(chatId, filters, page), startPage);
  }

  // ------------------------------------------------------------------------------------ internals

  async *#pages<T>(
    fetchPage: (page: number) => Promise<Page<T>>,
    startPage: number,
  ): AsyncGenerator<Page<T>> {
    let page = checkPage(startPage);
    for (let n = 0; ; n += 1) {
      if (n >= this.#maxPages) {
        throw new TimelinesError(
          `TimelinesAI kept announcing more pages after ${this.#maxPages}; stopped to avoid an endless import.`,
          { code: 'temporary' },
        );
      }
      const result = await fetchPage(page);
      yield result;
      // An empty page that claims more would loop forever: treat it as the end.
      if (!result.hasMorePages || result.items.length + result.invalid.length === 0) return;
      page += 1;
    }
  }

  #send(spec: Omit<RequestSpec, 'timeoutMs'>): Promise<{ messageUid: string }> {
    return this.#pacing.send(this.#key, async () => {
      const data = await this.#exchange({ ...spec, isSend: true, timeoutMs: this.#timeoutMs });
      return this.#parse(sentSchema, data, true);
    });
  }

  #call(spec: Omit<RequestSpec, 'timeoutMs'> & { timeoutMs?: number }): Promise<unknown> {
    return this.#pacing.request(() =>
      this.#exchange({ ...spec, timeoutMs: spec.timeoutMs ?? this.#timeoutMs }),
    );
  }

  async #exchange(spec: RequestSpec): Promise<unknown> {
    try {
      return await exchange(this.#transport, spec);
    } catch (e) {
      if (e instanceof TimelinesError && e.code === 'rate_limited') this.#pacing.pause(e.retryAfterMs ?? 0);
      throw e;
    }
  }

  #parse<T>(schema: z.ZodType<T>, data: unknown, isSend = false): T {
    const r = schema.safeParse(data);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? `data.${issue.path.join('.')}` : 'data';
    throw unreadableAnswer(`${where}: ${issue?.message ?? 'invalid'}`, isSend);
  }
}
