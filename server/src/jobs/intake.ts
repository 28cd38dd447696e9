/**
 * Webhook intake: validate, find the workspace by its webhook token, decide what will not be synced
 * (group chats, an inactive integration, no phone, unknown event types: acknowledged and logged as
 * skipped), and hand the rest to the store, which accepts each message id once and resolves only once
 * the delivery is durable (group commit). The sync itself happens in the background (the scheduler).
 */
import type { Secrets } from '../store/crypto.js';
import type { QueuedEvent, SyncLogEntry, Workspace } from '../store/schema.js';
import { keys, type Frozen, type IntakeItem, type Store } from '../store/store.js';
import type { MessageEvent } from '../timelines/events.js';
import { parseTimelinesWebhook } from '../timelines/schema.js';
import { toE164 } from '../sync/phone.js';

/**
 * Attachments downloaded per message. A message carries one or a few files; a delivery with thousands
 * of URLs (a hostile or broken sender) must not occupy the downloads of everyone else.
 */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** The answer to a delivery, with the workspace it reached when the token named one (logs, metrics). */
export type IntakeResult = { workspaceId?: string | undefined } & (
  | { status: 200; outcome: 'queued' | 'duplicate' | 'skipped'; reason?: string }
  | { status: 400 | 404; code: string; message: string }
);

export interface IntakeHooks {
  /** a message was queued for this workspace (wake the scheduler, start downloads) */
  onQueued(ws: Frozen<Workspace>, queued: QueuedEvent): void;
}

export class Intake {
  readonly #store: Store;
  readonly #secrets: Secrets;
  readonly #hooks: IntakeHooks;
  /** webhook token → its digest (an HMAC a request is too many at full load); bounded */
  readonly #digestOf = new Map<string, string>();

  constructor(store: Store, secrets: Secrets, hooks: IntakeHooks) {
    this.#store = store;
    this.#secrets = secrets;
    this.#hooks = hooks;
  }

  /** The workspace whose webhook URL carries `token` (read every time: a rotated token stops at once). */
  async workspaceForToken(token: string): Promise<Frozen<Workspace> | undefined> {
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) return undefined;
    let digest = this.#digestOf.get(token);
    if (digest === undefined) {
      digest = this.#secrets.digest(token);
      if (this.#digestOf.size >= 1000) this.#digestOf.clear();
      this.#digestOf.set(token, digest);
    }
    return this.#store.workspaces.byWebhookDigest(digest);
  }

  async receive(token: string, body: unknown): Promise<IntakeResult> {
    const ws = await this.workspaceForToken(token);
    const result = await this.#receive(ws, body);
    return ws ? { ...result, workspaceId: ws.id } : result;
  }

  async #receive(ws: Frozen<Workspace> | undefined, body: unknown): Promise<IntakeResult> {
    // Same answer for a malformed and an unknown token: nothing tells which tokens exist.
    if (!ws)
      return {
        status: 404,
        code: 'UNKNOWN_WEBHOOK',
        message: 'No workspace has this webhook URL. Copy the URL again from the integration settings.',
      };
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return {
        status: 400,
        code: 'INVALID_BODY',
        message: 'The body must be a JSON object (a TimelinesAI webhook event).',
      };
    }
    const parsed = parseTimelinesWebhook(body);
    if (!parsed.ok) return { status: 400, code: 'INVALID_EVENT', message: parsed.error };
    const event = parsed.event;
    if (event.kind === 'unsupported')
      return this.#skip(ws, event.messageId, event.chatId, event.reason, undefined);
    if (event.chat.isGroup)
      return this.#skip(
        ws,
        event.messageId,
        event.chat.id,
        'group chat: group chats are never synced',
        event,
      );
    if (!ws.active)
      return this.#skip(
        ws,
        event.messageId,
        event.chat.id,
        'integration inactive: activate it to sync new messages',
        event,
        true,
      );
    if (!event.chat.phone)
      return this.#skip(ws, event.messageId, event.chat.id, 'the chat has no phone number', event);

    const queued = queuedEvent(ws.id, event);
    const [outcome] = await this.#store.queue.enqueue([
      {
        workspaceId: ws.id,
        messageId: event.messageId,
        event: queued,
        ...(queued.files.some((f) => f.error) ? { log: tooManyFiles(ws, event) } : {}),
      },
    ]);
    if (outcome === 'duplicate') return { status: 200, outcome: 'duplicate' };
    this.#hooks.onQueued(ws, queued);
    return { status: 200, outcome: 'queued' };
  }

  /**
   * Messages from another source than a webhook (the history import), through the same rules (group
   * chats, an inactive integration and chats without a number are skipped and logged), accepted in
   * one store write: each message id once, whichever source brought it first.
   */
  async enqueueEvents(
    ws: Frozen<Workspace>,
    events: MessageEvent[],
  ): Promise<{ queued: number; duplicates: number; skipped: number }> {
    const items: IntakeItem[] = events.map((event) => {
      const why = event.chat.isGroup
        ? 'group chat: group chats are never synced'
        : !ws.active
          ? 'integration inactive: activate it to sync new messages'
          : !event.chat.phone
            ? 'the chat has no phone number'
            : undefined;
      if (why) return skipItem(ws, event.messageId, event.chat.id, why, event, !ws.active);
      const queued = queuedEvent(ws.id, event);
      return {
        workspaceId: ws.id,
        messageId: event.messageId,
        event: queued,
        ...(queued.files.some((f) => f.error) ? { log: tooManyFiles(ws, event) } : {}),
      };
    });
    if (items.length === 0) return { queued: 0, duplicates: 0, skipped: 0 };
    const outcomes = await this.#store.queue.enqueue(items);
    const counts = { queued: 0, duplicates: 0, skipped: 0 };
    outcomes.forEach((outcome, i) => {
      const item = items[i]!;
      if (outcome === 'duplicate') counts.duplicates += 1;
      else if (!item.event) counts.skipped += 1;
      else {
        counts.queued += 1;
        this.#hooks.onQueued(ws, item.event);
      }
    });
    return counts;
  }

  /** Acknowledged, not synced: remembered by message id, so a redelivery is not logged again. */
  async #skip(
    ws: Frozen<Workspace>,
    messageId: string | undefined,
    chatId: string | undefined,
    reason: string,
    event: MessageEvent | undefined,
    inactive = false,
  ): Promise<IntakeResult> {
    const item = skipItem(ws, messageId, chatId, reason, event, inactive);
    const [outcome] = await this.#store.queue.enqueue([item]);
    return outcome === 'duplicate'
      ? { status: 200, outcome: 'duplicate' }
      : { status: 200, outcome: 'skipped', reason };
  }
}

/** A message acknowledged and not synced, with its sync log entry. */
function skipItem(
  ws: Frozen<Workspace>,
  messageId: string | undefined,
  chatId: string | undefined,
  reason: string,
  event: MessageEvent | undefined,
  inactive: boolean,
): IntakeItem {
  return {
    workspaceId: ws.id,
    messageId,
    log: {
      at: new Date().toISOString(),
      workspaceId: ws.id,
      chatId: chatId ?? null,
      messageId: messageId ?? null,
      outcome: 'skipped',
      reason,
      recordId: null,
      noteId: null,
      kind: 'message',
      ...contactOf(ws, event),
    },
    skippedInactive: inactive,
  };
}

export function queuedEvent(workspaceId: string, event: MessageEvent): QueuedEvent {
  return {
    key: keys.message(workspaceId, event.messageId),
    workspaceId,
    receivedAt: new Date().toISOString(),
    event,
    attempts: 0,
    notBefore: 0,
    state: 'pending',
    files: event.attachments.map((_, i) =>
      i < MAX_ATTACHMENTS_PER_MESSAGE
        ? {}
        : {
            error: `more than ${MAX_ATTACHMENTS_PER_MESSAGE} attachments in one message: only the first ${MAX_ATTACHMENTS_PER_MESSAGE} are synced`,
          },
    ),
  };
}

/** The contact as the sync log shows it to the admin (name and number; never written to logs). */
export function contactOf(
  ws: Frozen<Workspace>,
  event: MessageEvent | undefined,
): Pick<SyncLogEntry, 'contactName' | 'phone'> {
  if (!event) return {};
  const phone = event.chat.phone ? toE164(event.chat.phone, ws.countryCode) : undefined;
  return { ...(event.chat.name ? { contactName: event.chat.name } : {}), ...(phone ? { phone } : {}) };
}

function tooManyFiles(ws: Frozen<Workspace>, event: MessageEvent): Omit<SyncLogEntry, 'id'> {
  return {
    at: new Date().toISOString(),
    workspaceId: ws.id,
    chatId: event.chat.id,
    messageId: event.messageId,
    outcome: 'skipped',
    reason: `${event.attachments.length - MAX_ATTACHMENTS_PER_MESSAGE} of ${event.attachments.length} attachments not synced: at most ${MAX_ATTACHMENTS_PER_MESSAGE} per message`,
    recordId: null,
    noteId: null,
    kind: 'attachment',
    ...contactOf(ws, event),
  };
}
