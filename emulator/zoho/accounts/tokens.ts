/** OAuth tokens as Zoho Accounts issues them: access tokens of an hour, refresh tokens with limits. */
import type { EmuCore } from '../core.js';
import type { AccessTokenRec, RefreshTokenRec } from '../model/emuState.js';

export const DEFAULT_EXPIRES_SEC = 3600;
/** Zoho keeps at most 20 refresh tokens per user and client; a 21st revokes the oldest. */
const MAX_REFRESH_TOKENS_PER_USER_CLIENT = 20;

export function parseScopes(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

export function issueAccessToken(
  core: EmuCore,
  a: {
    orgId: string;
    userId: string;
    clientId: string | undefined;
    scopes: string[];
    expiresInSec?: number;
    refreshToken?: string;
  },
): AccessTokenRec {
  const rec: AccessTokenRec = {
    token: core.state.randomToken(),
    orgId: a.orgId,
    userId: a.userId,
    clientId: a.clientId,
    scopes: a.scopes,
    expiresAt: core.now() + (a.expiresInSec ?? DEFAULT_EXPIRES_SEC) * 1000,
    refreshToken: a.refreshToken,
    revoked: false,
  };
  core.state.accessTokens.set(rec.token, rec);
  return rec;
}

export function issueRefreshToken(
  core: EmuCore,
  a: { orgId: string; userId: string; clientId: string | undefined; scopes: string[] },
): RefreshTokenRec {
  const st = core.state;
  if (a.clientId) {
    const mine = [...st.refreshTokens.values()]
      .filter((t) => !t.revoked && t.clientId === a.clientId && t.userId === a.userId && t.orgId === a.orgId)
      .sort((x, y) => x.createdAt - y.createdAt);
    while (mine.length >= MAX_REFRESH_TOKENS_PER_USER_CLIENT) {
      const old = mine.shift();
      if (old) revokeRefresh(core, old);
    }
  }
  const rec: RefreshTokenRec = {
    token: st.randomToken(),
    orgId: a.orgId,
    userId: a.userId,
    clientId: a.clientId,
    scopes: a.scopes,
    createdAt: core.now(),
    revoked: false,
    grants: [],
  };
  st.refreshTokens.set(rec.token, rec);
  return rec;
}

export function revokeRefresh(core: EmuCore, rt: RefreshTokenRec): void {
  rt.revoked = true;
  for (const at of core.state.accessTokens.values()) if (at.refreshToken === rt.token) at.revoked = true;
}
