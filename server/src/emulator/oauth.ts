/**
 * Zoho Accounts, as far as an OAuth web-server app sees it: the consent page (`/oauth/v2/auth`),
 * the token endpoint (`/oauth/v2/token`) and revocation (`/oauth/v2/token/revoke`).
 * Zoho answers token errors with HTTP 200 and `{"error":"invalid_code"}`-style bodies.
 */
import { Router, type Request, type Response } from 'express';
import type { EmuCore } from './core.js';
import { escapeHtml, formFields, q } from './http.js';
import { userFullName, type AccessTokenRec, type OrgState, type RefreshTokenRec } from './state.js';
import type { UserRec } from './types.js';

const CODE_TTL_MS = 2 * 60 * 1000;
const DEFAULT_EXPIRES_SEC = 3600;
const MAX_REFRESH_TOKENS_PER_USER_CLIENT = 20;
const GRANTS_PER_WINDOW = 10;
const GRANT_WINDOW_MS = 10 * 60 * 1000;

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

function findUserByEmail(core: EmuCore, email: string): { org: OrgState; user: UserRec } | undefined {
  for (const org of core.state.orgs.values()) {
    const u = org.userByEmail(email);
    if (u && u.status !== 'deleted') return { org, user: u };
  }
  return undefined;
}

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
        `<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}` +
        `a.user{display:block;padding:.6rem .8rem;margin:.4rem 0;border:1px solid #ccc;border-radius:6px;text-decoration:none;color:#0a4}` +
        `a.user:hover{background:#f4fff8}.muted{color:#777;font-size:.9em}code{background:#f3f3f3;padding:0 .2em}</style></head>` +
        `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

function redirectWith(res: Response, redirectUri: string, params: Record<string, string | undefined>): void {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  res.redirect(302, url.toString());
}

export function oauthRouter(core: EmuCore): Router {
  const r = Router();

  r.get('/oauth/v2/auth', (req: Request, res: Response) => {
    const clientId = q(req, 'client_id') ?? '';
    const scope = q(req, 'scope') ?? '';
    const redirectUri = q(req, 'redirect_uri') ?? '';
    const state = q(req, 'state');
    const accessType = (q(req, 'access_type') ?? 'online').toLowerCase();
    const responseType = q(req, 'response_type') ?? '';
    const client = core.state.clients.get(clientId);
    if (!client)
      return page(
        res,
        400,
        'Invalid Client',
        `<p>The client id <code>${escapeHtml(clientId)}</code> is not registered.</p>`,
      );
    if (responseType !== 'code')
      return page(
        res,
        400,
        'Invalid Response Type',
        '<p>Only <code>response_type=code</code> is supported.</p>',
      );
    let redirect: URL;
    try {
      redirect = new URL(redirectUri);
    } catch {
      return page(res, 400, 'Invalid Redirect Uri', '<p>The redirect_uri is missing or not a URL.</p>');
    }
    if (client.redirectUris && !client.redirectUris.includes(redirectUri)) {
      return page(
        res,
        400,
        'Invalid Redirect Uri',
        `<p><code>${escapeHtml(redirectUri)}</code> is not registered for this client.</p>`,
      );
    }
    const scopes = parseScopes(scope);
    if (scopes.length === 0)
      return page(res, 400, 'Invalid OAuth Scope', '<p>The scope parameter is missing.</p>');
    const location = 'us';
    const accountsServer = core.baseUrl(req);

    if (q(req, 'deny') !== undefined) {
      return redirectWith(res, redirect.toString(), {
        error: 'access_denied',
        state,
        location,
        'accounts-server': accountsServer,
      });
    }
    const loginAs = q(req, 'login_as');
    if (loginAs !== undefined) {
      const found = findUserByEmail(core, loginAs);
      if (!found)
        return page(
          res,
          400,
          'Unknown user',
          `<p>No emulated user has the email <code>${escapeHtml(loginAs)}</code>.</p>`,
        );
      if (found.user.status !== 'active')
        return page(res, 403, 'User not active', '<p>This user is not active in its CRM org.</p>');
      const code = core.state.randomToken();
      core.state.codes.set(code, {
        code,
        clientId,
        redirectUri,
        orgId: found.org.org.id,
        userId: found.user.id,
        scopes,
        offline: accessType === 'offline',
        expiresAt: core.now() + CODE_TTL_MS,
        used: false,
      });
      return redirectWith(res, redirect.toString(), {
        state,
        code,
        location,
        'accounts-server': accountsServer,
      });
    }

    const base = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query as Record<string, unknown>))
      if (typeof v === 'string') base.set(k, v);
    const link = (extra: Record<string, string>) => {
      const p = new URLSearchParams(base);
      for (const [k, v] of Object.entries(extra)) p.set(k, v);
      return `${req.baseUrl}${req.path}?${p.toString()}`;
    };
    let users = '';
    for (const org of core.state.orgs.values()) {
      users += `<h3>${escapeHtml(org.org.companyName)} <span class="muted">(org ${escapeHtml(org.org.id)}, ${escapeHtml(org.org.timeZone)})</span></h3>`;
      for (const u of org.users.values()) {
        if (u.status !== 'active') continue;
        users +=
          `<a class="user" href="${escapeHtml(link({ login_as: u.email }))}">Accept as <b>${escapeHtml(userFullName(u))}</b> ` +
          `<span class="muted">${escapeHtml(u.email)} · ${escapeHtml(u.profile.name)}</span></a>`;
      }
    }
    page(
      res,
      200,
      'Zoho Accounts (emulator)',
      `<p><b>${escapeHtml(clientId)}</b> would like to access your Zoho CRM data:</p><ul>${scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>` +
        `<p>Choose who approves:</p>${users || '<p class="muted">No users: seed an org first.</p>'}` +
        `<p><a href="${escapeHtml(link({ deny: '1' }))}">Reject</a></p>`,
    );
  });

  r.post('/oauth/v2/token', async (req: Request, res: Response) => {
    const f = await formFields(req, res);
    const answer = (body: Record<string, unknown>, status = 200) =>
      res.status(status).type('application/json;charset=UTF-8').send(JSON.stringify(body));
    const grant = f.grant_type ?? '';
    const client = core.state.clients.get(f.client_id ?? '');
    const clientOk = !!client && client.clientSecret === f.client_secret;
    if (grant === 'authorization_code') {
      const code = core.state.codes.get(f.code ?? '');
      core.count(code?.orgId, 'token');
      if (!clientOk) return answer({ error: 'invalid_client' });
      if (!code || code.used || code.expiresAt < core.now() || code.clientId !== f.client_id)
        return answer({ error: 'invalid_code' });
      if ((f.redirect_uri ?? '') !== code.redirectUri) return answer({ error: 'invalid_redirect_uri' });
      code.used = true;
      const user = core.state.orgs.get(code.orgId)?.users.get(code.userId);
      if (!user || user.status !== 'active') return answer({ error: 'invalid_code' });
      const rt = code.offline
        ? issueRefreshToken(core, {
            orgId: code.orgId,
            userId: code.userId,
            clientId: code.clientId,
            scopes: code.scopes,
          })
        : undefined;
      const at = issueAccessToken(core, {
        orgId: code.orgId,
        userId: code.userId,
        clientId: code.clientId,
        scopes: code.scopes,
        refreshToken: rt?.token,
      });
      rt?.grants.push(core.now());
      core.changed();
      const body: Record<string, unknown> = { access_token: at.token };
      if (rt) body.refresh_token = rt.token;
      Object.assign(body, {
        scope: code.scopes.join(' '),
        api_domain: core.baseUrl(req),
        token_type: 'Bearer',
        expires_in: DEFAULT_EXPIRES_SEC,
      });
      return answer(body);
    }
    if (grant === 'refresh_token') {
      const rt = core.state.refreshTokens.get(f.refresh_token ?? '');
      core.count(rt?.orgId, 'token');
      core.state.tokenRefreshes += 1;
      if (!clientOk) return answer({ error: 'invalid_client' });
      if (!rt || rt.revoked || (rt.clientId !== undefined && rt.clientId !== f.client_id))
        return answer({ error: 'invalid_code' });
      const user = core.state.orgs.get(rt.orgId)?.users.get(rt.userId);
      if (!user || user.status !== 'active') return answer({ error: 'invalid_code' });
      const now = core.now();
      rt.grants = rt.grants.filter((t) => now - t < GRANT_WINDOW_MS);
      if (rt.grants.length >= GRANTS_PER_WINDOW) {
        return answer(
          {
            error_description:
              'You have made too many requests continuously. Please try again after some time.',
            error: 'Access Denied',
            status: 'failure',
          },
          400,
        );
      }
      rt.grants.push(now);
      const at = issueAccessToken(core, {
        orgId: rt.orgId,
        userId: rt.userId,
        clientId: f.client_id,
        scopes: rt.scopes,
        refreshToken: rt.token,
      });
      core.changed();
      return answer({
        access_token: at.token,
        scope: rt.scopes.join(' '),
        api_domain: core.baseUrl(req),
        token_type: 'Bearer',
        expires_in: DEFAULT_EXPIRES_SEC,
      });
    }
    core.count(undefined, 'token');
    if (!clientOk) return answer({ error: 'invalid_client' });
    return answer({ error: 'unsupported_grant_type' });
  });

  r.post('/oauth/v2/token/revoke', async (req: Request, res: Response) => {
    const f = await formFields(req, res);
    const token = f.token ?? '';
    const rt = core.state.refreshTokens.get(token);
    if (rt) revokeRefresh(core, rt);
    const at = core.state.accessTokens.get(token);
    if (at) at.revoked = true;
    core.count(rt?.orgId ?? at?.orgId, 'token');
    core.changed();
    res
      .status(200)
      .type('application/json;charset=UTF-8')
      .send(JSON.stringify({ status: 'success' }));
  });

  return r;
}
