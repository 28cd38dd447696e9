/**
 * One Zoho gateway per connected workspace, built from its stored (encrypted) tokens. The token
 * manager refreshes them single-flight and hands every new pair back here to be sealed and stored.
 *
 * Limits (zoho/limits.ts): each workspace's calls run at most as many at once as its org's edition
 * allows (or `maxConcurrency`), and every call is counted in the org's credit budget. The sync uses
 * `background(ws)`: the same gateway, but paced near the daily credit limit, and `runDelay(ws)` says
 * how long a sync run should be put off once the limit (less a reserve for the admin) is reached.
 */
import { createSdkGateway } from '../zoho/sdk/index.js';
import { TokenManager, type FetchLike } from '../zoho/oauth.js';
import type { ZohoCallKind, ZohoGateway } from '../zoho/gateway.js';
import { CreditBudget, concurrencyFor, dailyCreditsFor } from '../zoho/limits.js';
import type { Secrets } from '../store/crypto.js';
import type { Frozen, Store } from '../store/store.js';
import { patchWorkspace } from '../store/store.js';
import type { Workspace, ZohoTokens } from '../store/schema.js';
import type { Sealed } from '../store/crypto.js';

export interface ZohoApp {
  clientId: string;
  clientSecret: string;
}

export interface GatewayRegistryOptions {
  /** counts every Zoho call (benchmarks, tests) */
  onCall?: (workspaceId: string, kind: ZohoCallKind) => void;
  /** every Zoho answer: its HTTP status, or 'network_error' (metrics) */
  onAnswer?: (workspaceId: string, kind: ZohoCallKind, status: number | 'network_error') => void;
  /** a sync call waited this long for the org's credit budget (metrics) */
  onCreditWait?: (workspaceId: string, ms: number) => void;
  /** concurrent Zoho calls per org; default from its edition (Zoho: 5 Free … 25 Ultimate; complex calls share 10) */
  maxConcurrency?: number | undefined;
  /** credits per 24 h per org; default from its edition */
  dailyCredits?: number | undefined;
  /** a Zoho call's timeout (default 30 s) */
  timeoutMs?: number | undefined;
  now?: () => number;
}

interface Entry {
  gateway: ZohoGateway;
  /** the same, paced by the credit budget (the sync's) */
  background: ZohoGateway;
  tokens: TokenManager;
  /** the sealed tokens the entry was built from (by their random iv): a reconnection replaces them */
  readonly source: string;
}

export class GatewayRegistry {
  readonly #entries = new Map<string, Entry>();
  /** per workspace: they outlive reconnections (the org's credits do) */
  readonly #budgets = new Map<string, CreditBudget>();

  readonly #store: Store;
  readonly #secrets: Secrets;
  readonly #app: ZohoApp;
  readonly #options: GatewayRegistryOptions;

  constructor(store: Store, secrets: Secrets, app: ZohoApp, options: GatewayRegistryOptions = {}) {
    this.#store = store;
    this.#secrets = secrets;
    this.#app = app;
    this.#options = options;
  }

  /** The gateway of a connected workspace; undefined when it has no usable connection. */
  for(ws: Frozen<Workspace>): ZohoGateway | undefined {
    return this.#entry(ws)?.gateway;
  }

  /** The sync's gateway of a workspace: calls paced near the org's daily credit limit. */
  background(ws: Frozen<Workspace>): ZohoGateway | undefined {
    return this.#entry(ws)?.background;
  }

  /** How long the workspace's next sync run should wait for credits (0: it may start). */
  runDelay(ws: Frozen<Workspace>): number {
    return this.budget(ws).runDelay();
  }

  /** The credit budget of a workspace's org (created on first use). */
  budget(ws: Frozen<Workspace>): CreditBudget {
    let b = this.#budgets.get(ws.id);
    if (!b) {
      b = new CreditBudget({
        dailyLimit: this.#options.dailyCredits ?? dailyCreditsFor(ws.edition),
        ...(this.#options.now ? { now: this.#options.now } : {}),
        onWait: (ms) => this.#options.onCreditWait?.(ws.id, ms),
      });
      this.#budgets.set(ws.id, b);
    }
    return b;
  }

  #entry(ws: Frozen<Workspace>): Entry | undefined {
    const sealed = ws.connection.tokens;
    if (ws.connection.status !== 'connected' || !sealed) return undefined;
    const cached = this.#entries.get(ws.id);
    if (cached && cached.source === sourceOf(sealed)) return cached;
    // The sealed tokens this manager holds (moves with its refreshes). A run that started before a
    // reconnection keeps its old manager: it must neither overwrite the new tokens nor mark the new
    // connection as needing a reconnection when its own, replaced refresh token is refused.
    const mine = { source: sourceOf(sealed) };
    const tokens = new TokenManager({
      accountsUrl: ws.connection.accountsUrl,
      clientId: this.#app.clientId,
      clientSecret: this.#app.clientSecret,
      initial: this.#secrets.open<ZohoTokens>(sealed),
      persist: async (next: ZohoTokens) => {
        const current = await this.#store.workspaces.get(ws.id);
        if (!current?.connection.tokens || sourceOf(current.connection.tokens) !== mine.source) return;
        const tokens = this.#secrets.seal(next);
        await patchWorkspace(this.#store, ws.id, { connection: { ...current.connection, tokens } });
        mine.source = sourceOf(tokens);
      },
      onRevoked: () => {
        // Fire and forget (the token manager is synchronous here); a failed write is retried by the
        // next refusal, and the sync keeps the events queued meanwhile.
        void this.#markNeedsReconnect(ws.id, mine.source).catch(() => undefined);
      },
      ...(this.#options.onCall ? { onRefresh: () => this.#options.onCall?.(ws.id, 'token') } : {}),
      ...(this.#options.onAnswer ? { fetch: this.#answeredFetch(ws.id) } : {}),
    });
    const budget = this.budget(ws);
    const cap = this.#options.maxConcurrency ?? concurrencyFor(ws.edition);
    const gateway = this.#gatewayWith(ws.id, ws.connection, tokens, cap, undefined);
    const background = this.#gatewayWith(ws.id, ws.connection, tokens, cap, () => budget.acquire());
    const entry: Entry = {
      gateway,
      background,
      tokens,
      get source() {
        return mine.source;
      },
    };
    this.#entries.set(ws.id, entry);
    return entry;
  }

  /** A gateway over a fresh access token (the OAuth callback, before any workspace exists). */
  forAccessToken(
    orgKey: string,
    hosts: { apiUrl: string; accountsUrl: string; fileUploadUrl?: string | undefined },
    accessToken: string,
  ): ZohoGateway {
    return createSdkGateway({
      ...hosts,
      orgKey,
      tokens: { accessToken: async () => accessToken, invalidate: () => undefined },
      ...(this.#options.maxConcurrency ? { maxConcurrency: this.#options.maxConcurrency } : {}),
      timeoutMs: this.#options.timeoutMs,
    });
  }

  #gatewayWith(
    wsId: string,
    hosts: { apiUrl: string; accountsUrl: string; fileUploadUrl?: string | undefined },
    tokens: TokenManager,
    maxConcurrency: number,
    pace: (() => Promise<void>) | undefined,
  ): ZohoGateway {
    const budget = this.#budgets.get(wsId);
    return createSdkGateway({
      apiUrl: hosts.apiUrl,
      accountsUrl: hosts.accountsUrl,
      fileUploadUrl: hosts.fileUploadUrl,
      orgKey: wsId,
      tokens: { accessToken: () => tokens.accessToken(), invalidate: (t: string) => tokens.invalidate(t) },
      onCall: (kind: ZohoCallKind) => {
        budget?.record(1);
        this.#options.onCall?.(wsId, kind);
      },
      onAnswer: (kind: ZohoCallKind, status: number | 'network_error') =>
        this.#options.onAnswer?.(wsId, kind, status),
      maxConcurrency,
      pace,
      timeoutMs: this.#options.timeoutMs,
    });
  }

  /** Credits spent in the last 24 h and the daily budget, per workspace seen since start (metrics). */
  creditUsage(): { workspaceId: string; used: number; dailyLimit: number }[] {
    return [...this.#budgets].map(([workspaceId, b]) => ({
      workspaceId,
      used: b.used(),
      dailyLimit: b.dailyLimit,
    }));
  }

  /** Token refreshes go through fetch, not the SDK: their answers are reported the same way. */
  #answeredFetch(workspaceId: string): FetchLike {
    return (input, init) =>
      fetch(input, init).then(
        (res) => {
          this.#options.onAnswer?.(workspaceId, 'token', res.status);
          return res;
        },
        (e: unknown) => {
          this.#options.onAnswer?.(workspaceId, 'token', 'network_error');
          throw e;
        },
      );
  }

  /** The connection whose tokens are `source` needs the admin (a newer connection is left alone). */
  async #markNeedsReconnect(workspaceId: string, source: string): Promise<void> {
    const current = await this.#store.workspaces.get(workspaceId);
    if (!current?.connection.tokens || sourceOf(current.connection.tokens) !== source) return;
    await patchWorkspace(this.#store, workspaceId, {
      connection: {
        ...current.connection,
        status: 'needs_reconnect',
        problem: 'Zoho refused the refresh token (revoked or expired): reconnect Zoho CRM.',
      },
    });
  }

  /** Forget a workspace's gateway (disconnect, reconnect). */
  drop(workspaceId: string): void {
    this.#entries.delete(workspaceId);
  }
}

function sourceOf(sealed: Frozen<Sealed>): string {
  return `${sealed.iv}.${sealed.tag}`;
}
