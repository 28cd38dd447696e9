/**
 * The master connection: Zoho's OAuth authorization-code flow, owned by the backend.
 * The first CRM administrator to connect an org becomes the workspace owner; anyone else who
 * connects later gets a read-only session and their tokens are revoked at once (never stored).
 */
import { randomUUID } from 'node:crypto';
import { Problem } from '../errors.js';
import type { TrustedOrigins } from './trustedOrigins.js';
import { randomToken, type Secrets } from '../store/crypto.js';
import { patchWorkspace, type Frozen, type Store } from '../store/store.js';
import type { Workspace, ZohoTokens } from '../store/schema.js';
import { issueSession } from './sessions.js';
import { isZohoError } from '../zoho/errors.js';
import { resolveZohoHosts, ZOHO_ENVIRONMENTS, type ZohoEnvironment } from '../zoho/hosts.js';
import { exchangeCode, revokeToken } from '../zoho/oauth.js';
import type { GatewayRegistry, ZohoApp } from './gateways.js';

/** What the connector asks of Zoho: records, notes and attachments, field settings, users, org, COQL. */
export const ZOHO_SCOPES = [
  'ZohoCRM.modules.ALL',
  'ZohoCRM.settings.ALL',
  'ZohoCRM.users.READ',
  'ZohoCRM.org.READ',
  'ZohoCRM.coql.READ',
].join(',');

const STATE_TTL_MS = 10 * 60 * 1000;

export interface ConnectionDeps {
  store: Store;
  secrets: Secrets;
  gateways: GatewayRegistry;
  app: ZohoApp;
  publicUrl: string;
  overrides: { accountsUrl?: string | undefined; apiUrl?: string | undefined };
  /** the pages the popup may hand a session to */
  origins: TrustedOrigins;
  /** called when a workspace (re)connects, so queued events resume */
  onConnected?: (workspaceId: string) => Promise<void> | void;
  /** called when a workspace's webhook URL changed */
  onWebhookRotated?: (workspaceId: string) => void;
}

interface OAuthState {
  t: 'oauth-state';
  nonce: string;
  exp: number;
  /** the widget origin to post the session to (a trusted one), when started from the widget */
  origin: string | undefined;
  /** the Zoho environment the admin connects (production, sandbox or developer) */
  environment?: ZohoEnvironment | undefined;
}

export interface CallbackResult {
  workspaceId: string;
  sessionToken: string;
  webhookUrl: string;
  role: 'owner' | 'viewer';
  origin: string | undefined;
}

export class ConnectionService {
  readonly deps: ConnectionDeps;

  constructor(deps: ConnectionDeps) {
    this.deps = deps;
  }

  get redirectUri(): string {
    return `${this.deps.publicUrl}/oauth/zoho/callback`;
  }

  webhookUrl(ws: Frozen<Workspace>): string {
    return `${this.deps.publicUrl}/webhooks/timelines/${this.deps.secrets.open<string>(ws.webhookToken)}`;
  }

  /**
   * The accounts-server authorization URL to redirect the admin's browser to. The origin that will
   * receive the session is checked here and bound into the signed state: a page on a foreign
   * origin cannot start a flow whose session comes back to it.
   */
  authorizationUrl(origin: string | undefined, environment?: string): string {
    if (environment !== undefined && !(ZOHO_ENVIRONMENTS as readonly string[]).includes(environment)) {
      throw new Problem(
        'invalid',
        'INVALID_ENVIRONMENT',
        `Unknown Zoho environment "${environment.slice(0, 20)}": use production, sandbox or developer.`,
      );
    }
    if (origin !== undefined && !this.deps.origins.isTrusted(origin)) {
      throw new Problem(
        'invalid',
        'UNTRUSTED_ORIGIN',
        `This sign-in window was opened by a page this connector does not trust (${origin.slice(0, 100)}), so it will not hand that page a session. Open the integration's settings inside Zoho CRM and click "Connect Zoho CRM" there. Administrators of an externally hosted widget: add its exact origin to WIDGET_ORIGINS.`,
      );
    }
    const hosts = resolveZohoHosts({}, this.deps.overrides);
    if (!hosts.ok) throw new Problem('internal', 'ZOHO_HOSTS', hosts.error);
    const state: OAuthState = {
      t: 'oauth-state',
      nonce: randomToken(16),
      exp: Date.now() + STATE_TTL_MS,
      origin,
      environment: environment as ZohoEnvironment | undefined,
    };
    const url = new URL(`${hosts.accountsUrl}/oauth/v2/auth`);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.deps.app.clientId);
    url.searchParams.set('scope', ZOHO_SCOPES);
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('access_type', 'offline');
    url.searchParams.set('prompt', 'consent');
    url.searchParams.set('state', this.deps.secrets.sign(state));
    return url.toString();
  }

  /** The widget origin carried by a genuine state (even a used one), for posting errors back. */
  originOfState(raw: unknown): string | undefined {
    if (typeof raw !== 'string') return undefined;
    const state = this.deps.secrets.verify<OAuthState>(raw);
    return state?.t === 'oauth-state' ? this.#stillTrusted(state.origin) : undefined;
  }

  /** Checked again at the callback: an origin removed from WIDGET_ORIGINS since the start gets nothing. */
  #stillTrusted(origin: string | undefined): string | undefined {
    return origin !== undefined && this.deps.origins.isTrusted(origin) ? origin : undefined;
  }

  async handleCallback(query: Record<string, unknown>): Promise<CallbackResult> {
    const str = (k: string) => (typeof query[k] === 'string' ? (query[k] as string) : undefined);
    const state = await this.#checkState(str('state'));
    const denied = str('error');
    if (denied) {
      throw new Problem(
        'invalid',
        'ACCESS_DENIED',
        `Zoho did not grant access (${denied}). Click "Connect Zoho CRM" again and approve.`,
      );
    }
    const code = str('code');
    if (!code)
      throw new Problem(
        'invalid',
        'MISSING_CODE',
        'The callback has no `code`: start again from "Connect Zoho CRM".',
      );

    const accounts = resolveZohoHosts(
      { accountsServer: str('accounts-server'), location: str('location') },
      this.deps.overrides,
    );
    if (!accounts.ok) throw new Problem('invalid', 'FOREIGN_ACCOUNTS_SERVER', accounts.error);

    let tokens: {
      accessToken: string;
      refreshToken: string;
      apiDomain: string | undefined;
      expiresAt: number;
    };
    try {
      tokens = await exchangeCode({
        accountsUrl: accounts.accountsUrl,
        clientId: this.deps.app.clientId,
        clientSecret: this.deps.app.clientSecret,
        code,
        redirectUri: this.redirectUri,
      });
    } catch (e) {
      throw new Problem(
        'invalid',
        'CODE_EXCHANGE_FAILED',
        `Zoho refused the authorization code (${isZohoError(e) ? (e.zohoCode ?? e.message) : 'network error'}). Start again from "Connect Zoho CRM"${isZohoError(e) && e.zohoCode === 'NO_REFRESH_TOKEN' ? ' after removing this app from your Zoho connected apps' : ''}.`,
      );
    }
    const hosts = resolveZohoHosts(
      {
        accountsServer: accounts.accountsUrl,
        apiDomain: tokens.apiDomain,
        location: str('location'),
        environment: state.environment,
      },
      this.deps.overrides,
    );
    if (!hosts.ok) throw new Problem('invalid', 'FOREIGN_API_DOMAIN', hosts.error);

    const probe = this.deps.gateways.forAccessToken(`callback:${randomUUID()}`, hosts, tokens.accessToken);
    const [user, org] = await Promise.all([probe.currentUser(), probe.org()]);
    const { store, secrets } = this.deps;
    let ws: Frozen<Workspace> | undefined = await store.workspaces.byOrg(org.id);

    const revokeFresh = async () => {
      await revokeToken({ accountsUrl: hosts.accountsUrl, token: tokens.refreshToken }).catch(
        () => undefined,
      );
    };

    if (!ws) {
      if (!user.isAdmin) {
        await revokeFresh();
        throw new Problem(
          'forbidden',
          'NOT_ADMIN',
          `Only a Zoho CRM administrator can make the master connection for ${org.companyName}. Ask an administrator to click "Connect Zoho CRM" first.`,
        );
      }
      const webhookToken = randomToken(24);
      const created: Workspace = {
        id: randomUUID(),
        orgId: org.id,
        orgName: org.companyName,
        timeZone: org.timeZone,
        countryCode: org.countryCode,
        edition: org.edition,
        owner: { userId: user.id, email: user.email, name: user.fullName },
        webhookTokenDigest: secrets.digest(webhookToken),
        webhookToken: secrets.seal(webhookToken),
        connection: this.#connection(hosts, tokens),
        sessionEpoch: 1,
        settings: null,
        active: false,
        activatedAt: undefined,
        testRecordId: undefined,
        createdAt: new Date().toISOString(),
      };
      const uow = store.begin();
      uow.workspaces.create(created);
      await uow.commit();
      ws = created;
    } else if (user.id === ws.owner.userId) {
      // The previous refresh token is replaced: revoke it so it cannot be used any more.
      const previous = this.#storedRefreshToken(ws);
      if (previous && previous !== tokens.refreshToken) {
        await revokeToken({ accountsUrl: ws.connection.accountsUrl, token: previous }).catch(() => undefined);
      }
      const patch = {
        connection: this.#connection(hosts, tokens),
        orgName: org.companyName,
        timeZone: org.timeZone,
        countryCode: org.countryCode,
        edition: org.edition,
      };
      await patchWorkspace(store, ws.id, patch);
      ws = { ...ws, ...patch };
      this.deps.gateways.drop(ws.id);
    } else {
      // Someone else from the same org: they may look, not connect. Their tokens are not kept.
      await revokeFresh();
    }
    if (user.id === ws.owner.userId) await this.deps.onConnected?.(ws.id);
    return {
      workspaceId: ws.id,
      sessionToken: issueSession(secrets, ws, user).token,
      webhookUrl: this.webhookUrl(ws),
      role: user.id === ws.owner.userId ? 'owner' : 'viewer',
      origin: this.#stillTrusted(state.origin),
    };
  }

  /** Revokes the tokens at Zoho, forgets them, and ends every session of the workspace. */
  async disconnect(ws: Frozen<Workspace>): Promise<void> {
    const sealed = ws.connection.tokens;
    if (sealed) {
      const tokens = this.deps.secrets.open<ZohoTokens>(sealed);
      await revokeToken({ accountsUrl: ws.connection.accountsUrl, token: tokens.refreshToken }).catch(
        () => undefined,
      );
    }
    await patchWorkspace(this.deps.store, ws.id, {
      connection: { ...ws.connection, status: 'disconnected', tokens: null, problem: undefined },
      sessionEpoch: ws.sessionEpoch + 1,
    });
    this.deps.gateways.drop(ws.id);
  }

  /**
   * A new webhook URL: the old token stops working at once (a leaked URL is dead). TimelinesAI must
   * be given the new URL (the settings page says where).
   */
  async rotateWebhook(ws: Frozen<Workspace>): Promise<string> {
    const token = randomToken(24);
    const patch = {
      webhookTokenDigest: this.deps.secrets.digest(token),
      webhookToken: this.deps.secrets.seal(token),
    };
    await patchWorkspace(this.deps.store, ws.id, patch);
    this.deps.onWebhookRotated?.(ws.id);
    return this.webhookUrl({ ...ws, ...patch });
  }

  #connection(
    hosts: { accountsUrl: string; apiUrl: string; fileUploadUrl: string },
    tokens: { accessToken: string; refreshToken: string; expiresAt: number },
  ): Workspace['connection'] {
    const stored: ZohoTokens = {
      accessToken: tokens.accessToken,
      expiresAt: tokens.expiresAt,
      refreshToken: tokens.refreshToken,
    };
    return {
      status: 'connected',
      accountsUrl: hosts.accountsUrl,
      apiUrl: hosts.apiUrl,
      fileUploadUrl: hosts.fileUploadUrl,
      tokens: this.deps.secrets.seal(stored),
      connectedAt: new Date().toISOString(),
      problem: undefined,
    };
  }

  #storedRefreshToken(ws: Frozen<Workspace>): string | undefined {
    if (!ws.connection.tokens) return undefined;
    return this.deps.secrets.open<ZohoTokens>(ws.connection.tokens).refreshToken || undefined;
  }

  async #checkState(raw: string | undefined): Promise<OAuthState> {
    const bad = () =>
      new Problem(
        'invalid',
        'INVALID_STATE',
        'The OAuth `state` is missing, forged, reused or expired: start again from "Connect Zoho CRM".',
      );
    if (!raw) throw bad();
    const state = this.deps.secrets.verify<OAuthState>(raw);
    if (!state || state.t !== 'oauth-state' || state.exp < Date.now()) throw bad();
    // Single use across every connector process: the store accepts a nonce once.
    if (!(await this.deps.store.nonces.use(state.nonce, state.exp))) throw bad();
    return state;
  }
}
