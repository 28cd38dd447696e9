/**
 * The workspace's TimelinesAI public API connection: the owner's API token (verified with a harmless
 * call, sealed with SECRET_KEY like the Zoho tokens), the webhook subscriptions it manages in
 * TimelinesAI, and a client for the rest of the server (sending from the panel, the history import).
 *
 * Webhooks: "ours" are the subscriptions whose URL is under `$PUBLIC_URL/webhooks/timelines/` (the
 * path holds this workspace's secret token). With the integration active, TimelinesAI holds exactly
 * one enabled subscription per message event (TIMELINES_EVENT_TYPES) to the current URL, and none of
 * ours besides: a subscription to an old URL (rotated) or a second one for the same event (made by
 * hand) is removed, so no event is delivered twice and no old URL keeps failing.
 */
import {
  TIMELINES_EVENT_TYPES,
  type TimelinesStatusAnswer,
  type WebhookSetup,
} from '../../../contract/adminApi.js';
import { Problem } from '../errors.js';
import type { Logger } from '../log.js';
import type { Secrets } from '../store/crypto.js';
import type { TimelinesLink, Workspace } from '../store/schema.js';
import { patchWorkspace, type Frozen, type Store } from '../store/store.js';
import {
  TimelinesClient,
  TimelinesError,
  isTimelinesError,
  type TimelinesPacing,
  type TimelinesWebhook,
} from '../timelines/api/index.js';

export interface TimelinesLinkDeps {
  store: Store;
  secrets: Secrets;
  publicUrl: string;
  /** TIMELINES_API_URL (the emulator in the sandbox and tests); undefined: TimelinesAI's own. */
  apiUrl: string | undefined;
  pacing: TimelinesPacing;
  log: Logger;
  /** The workspace's webhook URL now (it holds the sealed token). */
  webhookUrl: (ws: Frozen<Workspace>) => string;
}

/** What to do with our subscriptions. */
export type WebhookMode =
  /** exactly one per message event to the current URL, no other of ours */
  | 'ensure'
  /** none of ours (disconnect, token removed) */
  | 'remove'
  /** only those pointing at an old URL (a rotation while inactive) */
  | 'removeStale';

export class TimelinesLinkService {
  readonly #deps: TimelinesLinkDeps;

  constructor(deps: TimelinesLinkDeps) {
    this.#deps = deps;
  }

  /** A client with the workspace's token, or undefined when none is set. */
  clientFor(ws: Frozen<Workspace>): TimelinesClient | undefined {
    if (!ws.timelines) return undefined;
    return this.#client(this.#deps.secrets.open<string>(ws.timelines.token), ws.id);
  }

  /**
   * Verifies `apiToken` (lists the WhatsApp accounts: no quota used) and stores it sealed, replacing
   * any previous one. With the integration active, the webhooks are registered at once.
   */
  async connect(ws: Frozen<Workspace>, apiToken: unknown): Promise<WebhookSetup | undefined> {
    const token = typeof apiToken === 'string' ? apiToken.trim() : '';
    if (!token) {
      throw new Problem(
        'invalid',
        'INVALID_TOKEN',
        'Paste the API token from TimelinesAI → Integrations → Public API.',
        'apiToken',
      );
    }
    let accounts: number;
    try {
      accounts = (await this.#client(token, ws.id).verifyToken()).accounts.length;
    } catch (e) {
      throw refused(e);
    }
    const link: TimelinesLink = {
      token: this.#deps.secrets.seal(token),
      connectedAt: new Date().toISOString(),
      accounts,
    };
    await patchWorkspace(this.#deps.store, ws.id, { timelines: link });
    const now = { ...ws, timelines: link };
    return ws.active ? this.syncWebhooks(now, 'ensure') : undefined;
  }

  /** Removes our subscriptions in TimelinesAI (as far as it answers) and forgets the token. */
  async disconnect(ws: Frozen<Workspace>): Promise<void> {
    if (!ws.timelines) return;
    await this.syncWebhooks(ws, 'remove');
    await patchWorkspace(this.#deps.store, ws.id, { timelines: undefined });
  }

  /**
   * Brings our subscriptions in TimelinesAI to `mode`. Never throws: without a token the answer is
   * `manual`; a refusal is `failed` with TimelinesAI's reason (the admin can still paste the URL).
   */
  async syncWebhooks(ws: Frozen<Workspace>, mode: WebhookMode): Promise<WebhookSetup> {
    const client = this.clientFor(ws);
    if (!client) return { mode: 'manual', eventTypes: [], problem: null };
    const current = this.#deps.webhookUrl(ws);
    try {
      const hooks = (await client.listWebhooks()).filter((h) => this.#isOurs(h.url));
      const keep = new Map<string, TimelinesWebhook>();
      if (mode === 'ensure') {
        for (const h of hooks) {
          if (h.url === current && h.enabled && isWanted(h.eventType) && !keep.has(h.eventType))
            keep.set(h.eventType, h);
        }
      }
      const drop = hooks.filter((h) =>
        mode === 'removeStale' ? h.url !== current : ![...keep.values()].includes(h),
      );
      // Old ones first: TimelinesAI allows 10 subscriptions per workspace.
      for (const h of drop) await deleteQuietly(client, h.id);
      if (mode === 'ensure') {
        for (const eventType of TIMELINES_EVENT_TYPES) {
          if (!keep.has(eventType))
            keep.set(eventType, await client.createWebhook({ eventType, url: current }));
        }
      }
      await this.#clearProblem(ws);
      return {
        mode: mode === 'ensure' ? 'automatic' : 'manual',
        eventTypes: [...keep.keys()],
        problem: null,
      };
    } catch (e) {
      if (!isTimelinesError(e)) throw e;
      await this.noteRefusal(ws, e);
      this.#deps.log.warn({ workspaceId: ws.id, code: e.code, mode }, 'TimelinesAI webhooks not synced');
      return { mode: 'failed', eventTypes: [], problem: e.message };
    }
  }

  /** The connection as the settings page shows it, with TimelinesAI's own view read now. */
  async status(ws: Frozen<Workspace>): Promise<TimelinesStatusAnswer> {
    const connection = connectionView(ws);
    const client = this.clientFor(ws);
    const empty = { connection, webhooks: null, accounts: null, quota: null, error: null };
    if (!client) return empty;
    const current = this.#deps.webhookUrl(ws);
    try {
      const [hooks, accounts, quotas] = await Promise.all([
        client.listWebhooks(),
        client.listWhatsAppAccounts(),
        client.getQuotas(),
      ]);
      await this.#clearProblem(ws);
      const q = quotas.messaging;
      return {
        connection: { ...connection, problem: null },
        webhooks: hooks
          .filter((h) => this.#isOurs(h.url))
          .map((h) => ({
            id: h.id,
            eventType: h.eventType,
            enabled: h.enabled,
            errorsCounter: h.errorsCounter,
            current: h.url === current,
          })),
        accounts: accounts.map((a) => ({
          phone: a.phone ?? null,
          name: a.accountName ?? a.ownerName ?? null,
          connected: a.connected,
        })),
        quota: q ? { total: q.total ?? null, used: q.used ?? null, renewsAt: q.periodEnd ?? null } : null,
        error: null,
      };
    } catch (e) {
      if (!isTimelinesError(e)) throw e;
      await this.noteRefusal(ws, e);
      const problem = e.code === 'auth' ? e.message : connection.problem;
      return { ...empty, connection: { ...connection, problem }, error: e.message };
    }
  }

  /** A refused token is remembered for the admin (the settings page says so until it works again). */
  async noteRefusal(ws: Frozen<Workspace>, e: TimelinesError): Promise<void> {
    if (e.code !== 'auth' || !ws.timelines || ws.timelines.problem === e.message) return;
    await patchWorkspace(this.#deps.store, ws.id, { timelines: { ...ws.timelines, problem: e.message } });
  }

  async #clearProblem(ws: Frozen<Workspace>): Promise<void> {
    if (!ws.timelines?.problem) return;
    await patchWorkspace(this.#deps.store, ws.id, { timelines: { ...ws.timelines, problem: undefined } });
  }

  #isOurs(url: string): boolean {
    return url.startsWith(`${this.#deps.publicUrl}/webhooks/timelines/`);
  }

  #client(token: string, workspaceId: string): TimelinesClient {
    try {
      return new TimelinesClient({
        token,
        baseUrl: this.#deps.apiUrl,
        pacing: this.#deps.pacing,
        workspaceKey: workspaceId,
      });
    } catch (e) {
      throw refused(e);
    }
  }
}

export function connectionView(ws: Frozen<Workspace>): TimelinesStatusAnswer['connection'] {
  return {
    connected: ws.timelines !== undefined,
    connectedAt: ws.timelines?.connectedAt ?? null,
    problem: ws.timelines?.problem ?? null,
  };
}

function isWanted(eventType: string): boolean {
  return (TIMELINES_EVENT_TYPES as readonly string[]).includes(eventType);
}

/** A subscription TimelinesAI no longer has is as good as deleted. */
async function deleteQuietly(client: TimelinesClient, id: string): Promise<void> {
  try {
    await client.deleteWebhook(id);
  } catch (e) {
    if (!(isTimelinesError(e) && e.code === 'not_found')) throw e;
  }
}

/** A token TimelinesAI refused (or one that cannot be a token), with TimelinesAI's reason. */
function refused(e: unknown): Problem {
  if (!(e instanceof TimelinesError)) throw e;
  if (e.code === 'auth' || e.code === 'permission' || e.code === 'validation') {
    return new Problem(
      'invalid',
      'TIMELINES_TOKEN_REFUSED',
      e.code === 'auth'
        ? `TimelinesAI refused this API token${e.upstreamMessage ? ` ("${e.upstreamMessage}")` : ''}. Copy it again from TimelinesAI → Integrations → Public API; generating a new token there disables the old one.`
        : e.message,
      'apiToken',
    );
  }
  return new Problem(
    e.code === 'rate_limited' ? 'rate_limited' : 'unavailable',
    'TIMELINES_UNAVAILABLE',
    `The token could not be checked: ${e.message}`,
  );
}
