/**
 * The send queue of each workspace, as TimelinesAI runs it: a send is accepted at once (its
 * `message_uid` answered, its credits taken), then messages leave one by one, `intervalMs` apart
 * (TimelinesAI: "random delay of about 2 seconds between each two messages"). When one leaves, its
 * timestamp becomes the send time, its status `Sent`, and it is delivered as `message:sent:new`.
 * If its WhatsApp account is disconnected by then, it fails and its credits are given back
 * (TimelinesAI restores them "usually within a couple of hours"; the emulator at once).
 */
import type { Activity, Delivery } from './delivery.js';
import type { TimelinesState } from './state.js';
import type { ChatRec, MessageRec, SendRecord, WorkspaceRec } from './types.js';

interface Queued {
  ws: WorkspaceRec;
  chat: ChatRec;
  message: MessageRec;
  record: SendRecord;
  /** The chat was created by this send: `chat:created` goes out with it. */
  newChat: boolean;
}

interface Queue {
  items: Queued[];
  lastSentAt: number;
  draining: boolean;
}

export class Outbox {
  readonly sends: SendRecord[] = [];
  intervalMs: number;
  #queues = new Map<string, Queue>();
  #sleepers = new Set<() => void>();

  constructor(
    readonly state: TimelinesState,
    readonly delivery: Delivery,
    readonly activity: Activity,
    intervalMs: number,
  ) {
    this.intervalMs = intervalMs;
  }

  accept(
    item: Omit<Queued, 'record'> & { via: 'chat' | 'phone'; credits: number; receivedAt: number },
  ): SendRecord {
    const record: SendRecord = {
      workspaceId: item.ws.id,
      messageUid: item.message.uid,
      chatId: item.chat.id,
      via: item.via,
      receivedAt: item.receivedAt,
      sentAt: undefined,
      status: 'queued',
      credits: item.credits,
    };
    this.sends.push(record);
    let queue = this.#queues.get(item.ws.id);
    if (!queue) {
      queue = { items: [], lastSentAt: Number.NEGATIVE_INFINITY, draining: false };
      this.#queues.set(item.ws.id, queue);
    }
    queue.items.push({ ws: item.ws, chat: item.chat, message: item.message, record, newChat: item.newChat });
    if (!queue.draining) {
      queue.draining = true;
      void this.activity.track(this.#drain(queue));
    }
    return record;
  }

  /** Messages waiting in a workspace's queue. */
  queued(workspaceId: string): number {
    return this.#queues.get(workspaceId)?.items.length ?? 0;
  }

  /** Wakes the queues early: the interval or the clock changed (controls), so waits are re-measured. */
  wake(): void {
    for (const wakeUp of [...this.#sleepers]) wakeUp();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
    });
  }

  async #drain(queue: Queue): Promise<void> {
    try {
      for (let item = queue.items[0]; item; item = queue.items[0]) {
        // Re-read the clock after each sleep: timers may fire early, and the interval may change.
        for (;;) {
          const wait = queue.lastSentAt + this.intervalMs - this.state.now();
          if (wait <= 0) break;
          await this.#sleep(wait);
        }
        queue.items.shift();
        queue.lastSentAt = this.state.now();
        this.#dispatch(item, queue.lastSentAt);
      }
    } finally {
      queue.draining = false;
    }
  }

  #dispatch({ ws, chat, message, record, newChat }: Queued, at: number): void {
    const account = ws.accounts.find((a) => a.id === chat.accountId);
    record.sentAt = at;
    if (!account?.connected) {
      message.status = 'Failed';
      record.status = 'failed';
      ws.quota.used = Math.max(0, ws.quota.used - record.credits);
      return;
    }
    message.at = at;
    message.status = 'Sent';
    record.status = 'sent';
    this.state.resort(ws, chat.id);
    if (newChat) void this.delivery.chat(ws, chat, 'sent');
    void this.delivery.message(ws, chat, message);
  }
}
