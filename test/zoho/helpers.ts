/** Shared set-up for the Zoho gateway tests: one emulator over HTTP, orgs, gateways with call counts. */
import { createZohoEmulator, type SeededOrg, type ZohoEmulator } from '../../emulator/zoho/index.js';
import type { ZohoCallKind, ZohoGateway } from '../../server/src/zoho/gateway.js';
import { TokenManager, type TokenSet } from '../../server/src/zoho/oauth.js';
import { createSdkGateway } from '../../server/src/zoho/sdk/index.js';

export const CLIENT_ID = '1000.TESTCLIENT';
export const CLIENT_SECRET = 'test-client-secret';

export interface Env {
  emu: ZohoEmulator;
  url: string;
  close(): Promise<void>;
}

export async function startEmulator(): Promise<Env> {
  const emu = createZohoEmulator();
  emu.registerClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  const { url, close } = await emu.listen(0);
  return { emu, url, close };
}

export interface CountingGateway {
  gw: ZohoGateway;
  /** HTTP calls the gateway reported, by kind. */
  calls: Map<ZohoCallKind, number>;
  total(): number;
  reset(): void;
}

export function counting(make: (onCall: (k: ZohoCallKind) => void) => ZohoGateway): CountingGateway {
  const calls = new Map<ZohoCallKind, number>();
  const gw = make((k) => calls.set(k, (calls.get(k) ?? 0) + 1));
  return {
    gw,
    calls,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    reset: () => calls.clear(),
  };
}

/** A gateway on a fixed access token of `user` (no refresh). */
export function gatewayWithToken(
  env: Env,
  org: SeededOrg,
  opts: { userId?: string; scopes?: string[]; orgKey?: string; maxConcurrency?: number } = {},
): CountingGateway & { accessToken: string } {
  const { accessToken } = env.emu.issueToken({
    orgId: org.orgId,
    userId: opts.userId ?? org.admin.id,
    clientId: CLIENT_ID,
    ...(opts.scopes ? { scopes: opts.scopes } : {}),
  });
  const c = counting((onCall) =>
    createSdkGateway({
      apiUrl: env.url,
      accountsUrl: env.url,
      orgKey: opts.orgKey ?? org.orgId,
      tokens: { accessToken: async () => accessToken, invalidate: () => undefined },
      onCall,
      ...(opts.maxConcurrency ? { maxConcurrency: opts.maxConcurrency } : {}),
    }),
  );
  return { ...c, accessToken };
}

/** A gateway whose tokens are owned by a TokenManager refreshing against the emulator. */
export function gatewayWithManager(
  env: Env,
  org: SeededOrg,
  initial: (t: { accessToken: string; refreshToken: string }) => TokenSet,
): CountingGateway & { tokens: TokenManager; persisted: TokenSet[] } {
  const issued = env.emu.issueToken({ orgId: org.orgId, userId: org.admin.id, clientId: CLIENT_ID });
  const persisted: TokenSet[] = [];
  const tokens = new TokenManager({
    accountsUrl: env.url,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    initial: initial(issued),
    persist: (t) => {
      persisted.push(t);
    },
  });
  const c = counting((onCall) =>
    createSdkGateway({
      apiUrl: env.url,
      accountsUrl: env.url,
      orgKey: org.orgId,
      tokens: { accessToken: () => tokens.accessToken(), invalidate: (t) => tokens.invalidate(t) },
      onCall,
    }),
  );
  return { ...c, tokens, persisted };
}

export function seedOrg(env: Env, companyName: string, domain: string): SeededOrg {
  return env.emu.seedOrg({
    companyName,
    users: [
      { email: `admin@${domain}`, firstName: 'Ada', lastName: 'Admin', profile: 'Administrator' },
      { email: `rep@${domain}`, firstName: 'Rey', lastName: 'Rep', profile: 'Standard' },
    ],
  });
}
