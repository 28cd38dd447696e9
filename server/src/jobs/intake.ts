/**
 * Webhook intake: validate, find the workspace by its webhook token, decide what will not be synced
 * (group chats, an inactive integration, no phone, unknown event types: acknowledged and logged as
 * skipped), and hand the rest to the store, which accepts each message id once and resolves only once
 * the delivery is durable (group commit). The sync itself happens in the background (the scheduler).
 */
import type { Secrets } from '../store/crypto.js';
import type { QueuedEvent, SyncLogEntry, Workspace } from '../store/schema.js';
import { keys, type Frozen, type IntakeItem, type Store, type WorkspaceGuard } from '../store/store.js';
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

/**
 * How long a delivery may use the workspace an earlier one read for the same token. Every delivery
 * read it (one query for each batch of concurrent deliveries on PostgreSQL): at 1,500 a second that
 * was a third of the intake's round trips and of its database work. Reusing it is safe because the
 * write is guarded: the rows are stored only if the workspace still has this token, active state and
 * country code when the write commits (a rotated token, a deactivation are seen at once); else the
 * delivery reads the workspace and is decided again.
 */
export const WORKSPACE_REUSE_MS = 1000;

interface Known {
  digest: string;
  ws?: Frozen<Workspace> | undefined;
  readAt?: number | undefined;
}

/** What a delivery's decision rests on: the workspace it saw, guarded when it was remembered. */
interface Seen {
  ws: Frozen<Workspace>;
  guard: WorkspaceGuard | undefined;
}

type Decided = IntakeResult | 'stale';

export class Intake {
  readonly #store: Store;
  readonly #secrets: Secrets;
  readonly #hooks: IntakeHooks;
  readonly #now: () => number;
  /** webhook token → its digest (an HMAC a request is too many at full load), its workspace; bounded */
  readonly #known = new Map<string, Known>();

  constructor(store: Store, secrets: Secrets, hooks: IntakeHooks, now: () => number = Date.now) {
    this.#store = store;
    this.#secrets = secrets;
    this.#hooks = hooks;
    this.#now = now;
  }

  #knownOf(token: string): Known {
    let known = this.#known.get(token);
    if (known === undefined) {
      if (this.#known.size >= 1000) this.#known.clear();
      known = { digest: this.#secrets.digest(token) };
      this.#known.set(token, known);
    }
    return known;
  }

  /** The workspace whose webhook URL carries `token`, read now (and remembered for the next deliveries). */
  async workspaceForToken(token: string): Promise<Frozen<Workspace> | undefined> {
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) return undefined;
    const known = this.#knownOf(token);
    const readAt = this.#now();
    const ws = await this.#store.workspaces.byWebhookDigest(known.digest);
    // Only a found workspace is remembered: an unknown token is read every time.
    known.ws = ws;
    known.readAt = ws ? readAt : undefined;
    return ws;
  }

  async receive(token: string, body: unknown): Promise<IntakeResult> {
    const known = this.#known.get(token);
    if (known?.ws && known.readAt !== undefined && this.#now() - known.readAt < WORKSPACE_REUSE_MS) {
      const { ws } = known;
      const guard = { digest: known.digest, active: ws.active, countryCode: ws.countryCode ?? undefined };
      const result = await this.#receive({ ws, guard }, body);
      // A refusal is answered from a fresh read (it must not tell a just-rotated token from a valid one).
      if (result !== 'stale' && result.status === 200) return { ...result, workspaceId: ws.id };
      known.ws = undefined;
    }
    const ws = await this.workspaceForToken(token);
    const result = ws ? await this.#receive({ ws, guard: undefined }, body) : unknownToken();
    // Unguarded writes are never stale.
    if (result === 'stale') throw new Error('an unguarded intake write was answered stale');
    return ws ? { ...result, workspaceId: ws.id } : result;
  }

  async #receive(seen: Seen, body: unknown): Promise<Decided> {
    const { ws, guard } = seen;
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
      return this.#skip(seen, event.messageId, event.chatId, event.reason, undefined);
    if (event.chat.isGroup)
      return this.#skip(
        seen,
        event.messageId,
        event.chat.id,
        'group chat: group chats are never synced',
        event,
      );
    if (!ws.active)
      return this.#skip(
        seen,
        event.messageId,
        event.chat.id,
        'integration inactive: activate it to sync new messages',
        event,
        true,
      );
    if (!event.chat.phone)
      return this.#skip(seen, event.messageId, event.chat.id, 'the chat has no phone number', event);

    const queued = queuedEvent(ws.id, event);
    const [outcome] = await this.#store.queue.enqueue([
      {
        workspaceId: ws.id,
        messageId: event.messageId,
        event: queued,
        ...(queued.files.some((f) => f.error) ? { log: tooManyFiles(ws, event) } : {}),
        guard,
      },
    ]);
    if (outcome === 'stale') return 'stale';
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
    { ws, guard }: Seen,
    messageId: string | undefined,
    chatId: string | undefined,
    reason: string,
    event: MessageEvent | undefined,
    inactive = false,
  ): Promise<Decided> {
    const item = skipItem(ws, messageId, chatId, reason, event, inactive);
    const [outcome] = await this.#store.queue.enqueue([{ ...item, guard }]);
    if (outcome === 'stale') return 'stale';
    return outcome === 'duplicate'
      ? { status: 200, outcome: 'duplicate' }
      : { status: 200, outcome: 'skipped', reason };
  }
}

/** Same answer for a malformed and an unknown token: nothing tells which tokens exist. */
function unknownToken(): IntakeResult {
  return {
    status: 404,
    code: 'UNKNOWN_WEBHOOK',
    message: 'No workspace has this webhook URL. Copy the URL again from the integration settings.',
  };
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
