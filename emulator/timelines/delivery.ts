/**
 * Webhook delivery: every event goes as a JSON POST to each enabled subscription of its workspace
 * whose event type covers it (`message:new` covers sent and received messages). A receiver must
 * answer 2xx within the timeout (TimelinesAI: 5 s); anything else counts in the subscription's
 * `errors_counter` and is attempted again after each configured retry delay.
 */
import type { TimelinesState } from './state.js';
import type { ChatRec, DeliveryRecord, MessageRec, WebhookRec, WorkspaceRec } from './types.js';
import type { Views } from './views.js';

/** Counts running work (send queues, deliveries) so tests can wait until the emulator is idle. */
export class Activity {
  #running = 0;
  #waiters: Array<() => void> = [];

  track<T>(work: Promise<T>): Promise<T> {
    this.#running += 1;
    return work.finally(() => {
      this.#running -= 1;
      if (this.#running === 0) for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  idle(): Promise<void> {
    return this.#running === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

export interface DeliveryOptions {
  timeoutMs: number;
  retryDelaysMs: number[];
}

const MESSAGE_EVENTS = {
  sent: ['message:new', 'message:sent:new'],
  received: ['message:new', 'message:received:new'],
};
const CHAT_EVENTS = {
  sent: ['chat:created', 'chat:sent:created'],
  received: ['chat:created', 'chat:received:created'],
};

export class Delivery {
  readonly records: DeliveryRecord[] = [];

  constructor(
    readonly state: TimelinesState,
    readonly views: Views,
    readonly activity: Activity,
    readonly opts: DeliveryOptions,
  ) {}

  /** Delivers a message event to every matching subscription; resolves when all first attempts ended. */
  message(ws: WorkspaceRec, chat: ChatRec, m: MessageRec): Promise<void> {
    const types = MESSAGE_EVENTS[m.fromMe ? 'sent' : 'received'];
    return this.#fanOut(ws, types, m.uid, (type) => this.views.messagePayload(type, ws, chat, m));
  }

  /** A new chat: `chat:created` and `chat:sent:created` / `chat:received:created`. */
  chat(ws: WorkspaceRec, chat: ChatRec, direction: 'sent' | 'received'): Promise<void> {
    return this.#fanOut(ws, CHAT_EVENTS[direction], String(chat.id), (type) =>
      this.views.chatPayload(type, ws, chat),
    );
  }

  #fanOut(
    ws: WorkspaceRec,
    types: string[],
    subject: string,
    payload: (eventType: string) => Record<string, unknown>,
  ): Promise<void> {
    const hooks = ws.webhooks.filter((w) => w.enabled && types.includes(w.eventType));
    return this.activity.track(
      Promise.all(hooks.map((hook) => this.#attempt(ws, hook, subject, payload, 1))).then(() => undefined),
    );
  }

  async #attempt(
    ws: WorkspaceRec,
    hook: WebhookRec,
    subject: string,
    payload: (eventType: string) => Record<string, unknown>,
    attempt: number,
  ): Promise<void> {
    const record: DeliveryRecord = {
      workspaceId: ws.id,
      webhookId: hook.id,
      url: hook.url,
      eventType: hook.eventType,
      subject,
      attempt,
      at: this.state.now(),
      ok: false,
      status: undefined,
      error: undefined,
    };
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'TimelinesAI-Emulator/1' },
        body: JSON.stringify(payload(hook.eventType)),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      record.status = res.status;
      record.ok = res.status >= 200 && res.status < 300;
      if (!record.ok) record.error = `HTTP ${res.status}`;
    } catch (e) {
      record.error = e instanceof Error && e.name === 'TimeoutError' ? 'timeout' : 'unreachable';
    }
    this.records.push(record);
    if (record.ok) return;
    hook.errorsCounter += 1;
    const delay = this.opts.retryDelaysMs[attempt - 1];
    if (delay === undefined) return;
    // Later attempts run on their own; the emulator stays busy (idle() waits) until they end.
    void this.activity.track(
      new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() =>
        // A subscription deleted or disabled meanwhile gets nothing more.
        ws.webhooks.includes(hook) && hook.enabled
          ? this.#attempt(ws, hook, subject, payload, attempt + 1)
          : undefined,
      ),
    );
  }
}
