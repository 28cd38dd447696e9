/**
 * Webhook intake (SPEC §4, §7): validate, drop redeliveries by message id, record what will not be
 * synced, queue the rest, and resolve only once the store has it on disk (group commit). The sync
 * itself happens in the background (worker.ts).
 */
import type { Secrets } from '../store/crypto.js';
import type { Store } from '../store/store.js';
import type { QueuedEvent, Workspace } from '../store/schema.js';
import { appendLog } from '../store/syncLog.js';
import { parseTimelinesWebhook } from '../timelines/schema.js';

export type IntakeResult =
  | { status: 200; outcome: 'queued' | 'duplicate' | 'skipped'; reason?: string }
  | { status: 400 | 404; code: string; message: string };

/** The sync log's reason for messages that arrive while the integration is inactive (counted for the admin). */
export const INACTIVE_SKIP_REASON = 'integration inactive: activate it to sync new messages';

export interface IntakeHooks {
  /** a message was queued for this workspace (wake the worker, start downloads) */
  onQueued(ws: Workspace, queued: QueuedEvent): void;
}

export class Intake {
  /** webhook token digest → workspace id; rebuilt when a workspace appears */
  #byDigest = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly secrets: Secrets,
    private readonly hooks: IntakeHooks,
  ) {}

  /** webhook token → its digest (an HMAC a request is too many at full load); bounded */
  #digestOf = new Map<string, string>();

  workspaceForToken(token: string): Workspace | undefined {
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) return undefined;
    let digest = this.#digestOf.get(token);
    if (digest === undefined) {
      digest = this.secrets.digest(token);
      if (this.#digestOf.size >= 1000) this.#digestOf.clear();
      this.#digestOf.set(token, digest);
    }
    let id = this.#byDigest.get(digest);
    if (!id) {
      const ws = this.store.data.workspaces.find((w) => w.webhookTokenDigest === digest);
      if (!ws) return undefined;
      this.#byDigest.set(digest, ws.id);
      id = ws.id;
    }
    return this.store.data.workspaces.find((w) => w.id === id);
  }

  async receive(token: string, body: unknown): Promise<IntakeResult> {
    const ws = this.workspaceForToken(token);
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

    const data = this.store.data;
    const event = parsed.event;
    const skip = async (
      reason: string,
      chatId: string | undefined,
      messageId: string | undefined,
      chat?: { name: string | undefined; phone: string | undefined },
    ): Promise<IntakeResult> => {
      appendLog(data, {
        workspaceId: ws.id,
        chatId: chatId ?? null,
        messageId: messageId ?? null,
        outcome: 'skipped',
        reason,
        recordId: null,
        noteId: null,
        contactName: chat?.name,
        phone: chat?.phone,
      });
      await this.store.commit({ newEntriesOnly: true });
      return { status: 200, outcome: 'skipped', reason };
    };

    if (event.kind === 'unsupported') return skip(event.reason, event.chatId, event.messageId);

    const key = `${ws.id}:${event.messageId}`;
    if (data.seen[key] !== undefined) {
      // Already stored (maybe by a concurrent delivery whose write is in flight): wait for it to be durable.
      await this.store.commit({ newEntriesOnly: true });
      return { status: 200, outcome: 'duplicate' };
    }
    if (event.chat.isGroup)
      return this.#skipOnce(key, () =>
        skip('group chat: group chats are never synced', event.chat.id, event.messageId, event.chat),
      );
    if (!ws.active)
      return this.#skipOnce(key, () =>
        skip(INACTIVE_SKIP_REASON, event.chat.id, event.messageId, event.chat),
      );
    if (!event.chat.phone)
      return this.#skipOnce(key, () =>
        skip('the chat has no phone number', event.chat.id, event.messageId, event.chat),
      );

    const queued: QueuedEvent = {
      key,
      workspaceId: ws.id,
      receivedAt: new Date().toISOString(),
      event,
      attempts: 0,
      notBefore: 0,
      state: 'pending',
      files: event.attachments.map(() => ({})),
    };
    data.seen[key] = Date.now();
    data.queue.push(queued);
    await this.store.commit({ newEntriesOnly: true });
    this.hooks.onQueued(ws, queued);
    return { status: 200, outcome: 'queued' };
  }

  /** Skipped messages are remembered too, so a redelivery is not logged again. */
  #skipOnce(key: string, skip: () => Promise<IntakeResult>): Promise<IntakeResult> {
    this.store.data.seen[key] = Date.now();
    return skip();
  }
}
