/**
 * One Zoho gateway per connected workspace, built from its stored (encrypted) tokens. The token
 * manager refreshes them single-flight and hands every new pair back here to be sealed and stored.
 */
import { createSdkGateway } from '../zoho/sdkGateway.js';
import { TokenManager } from '../zoho/oauth.js';
import type { ZohoCallKind, ZohoGateway } from '../zoho/gateway.js';
import type { Secrets } from '../store/crypto.js';
import type { Store } from '../store/store.js';
import type { Workspace, ZohoTokens } from '../store/schema.js';

export interface ZohoApp {
  clientId: string;
  clientSecret: string;
}

export interface GatewayRegistryOptions {
  /** counts every Zoho call (benchmarks, tests) */
  onCall?: (workspaceId: string, kind: ZohoCallKind) => void;
  /** concurrent Zoho calls per org (Zoho: 5 free … 25 ultimate; complex calls share 10) */
  maxConcurrency?: number;
}

interface Entry {
  gateway: ZohoGateway;
  tokens: TokenManager;
  /** the sealed blob the entry was built from: a reconnection replaces it and the entry */
  source: unknown;
}

export class GatewayRegistry {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly store: Store,
    private readonly secrets: Secrets,
    private readonly app: ZohoApp,
    private readonly options: GatewayRegistryOptions = {},
  ) {}

  /** The gateway of a connected workspace; undefined when it has no usable connection. */
  for(ws: Workspace): ZohoGateway | undefined {
    const sealed = ws.connection.tokens;
    if (ws.connection.status !== 'connected' || !sealed) return undefined;
    const cached = this.#entries.get(ws.id);
    if (cached && cached.source === sealed) return cached.gateway;
    const tokens = new TokenManager({
      accountsUrl: ws.connection.accountsUrl,
      clientId: this.app.clientId,
      clientSecret: this.app.clientSecret,
      initial: this.secrets.open<ZohoTokens>(sealed),
      persist: async (next: ZohoTokens) => {
        const current = this.store.data.workspaces.find((w) => w.id === ws.id);
        if (!current) return;
        current.connection.tokens = this.secrets.seal(next);
        const entry = this.#entries.get(ws.id);
        if (entry) entry.source = current.connection.tokens;
        await this.store.commit();
      },
      onRevoked: () => {
        const current = this.store.data.workspaces.find((w) => w.id === ws.id);
        if (!current) return;
        current.connection.status = 'needs_reconnect';
        current.connection.problem =
          'Zoho refused the refresh token (revoked or expired): reconnect Zoho CRM.';
        void this.store.commit();
      },
      ...(this.options.onCall ? { onRefresh: () => this.options.onCall?.(ws.id, 'token') } : {}),
    });
    const gateway = this.gatewayWith(ws.id, ws.connection, tokens);
    this.#entries.set(ws.id, { gateway, tokens, source: sealed });
    return gateway;
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
      ...(this.options.maxConcurrency ? { maxConcurrency: this.options.maxConcurrency } : {}),
    });
  }

  private gatewayWith(
    wsId: string,
    hosts: { apiUrl: string; accountsUrl: string; fileUploadUrl?: string | undefined },
    tokens: TokenManager,
  ): ZohoGateway {
    return createSdkGateway({
      apiUrl: hosts.apiUrl,
      accountsUrl: hosts.accountsUrl,
      fileUploadUrl: hosts.fileUploadUrl,
      orgKey: wsId,
      tokens: { accessToken: () => tokens.accessToken(), invalidate: (t: string) => tokens.invalidate(t) },
      ...(this.options.onCall ? { onCall: (kind: ZohoCallKind) => this.options.onCall?.(wsId, kind) } : {}),
      ...(this.options.maxConcurrency ? { maxConcurrency: this.options.maxConcurrency } : {}),
    });
  }

  /** Forget a workspace's gateway (disconnect, reconnect). */
  drop(workspaceId: string): void {
    this.#entries.delete(workspaceId);
  }
}
