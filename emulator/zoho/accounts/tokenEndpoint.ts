/**
 * `POST /oauth/v2/token` (authorization_code and refresh_token grants) and
 * `POST /oauth/v2/token/revoke`. Zoho answers token errors with HTTP 200 and an
 * `{"error":"invalid_code"}`-style body; too many refreshes get 400 "Access Denied".
 */
import type { Request, Response } from 'express';
import type { EmuCore } from '../core.js';
import { formFields } from '../http/body.js';
import { DEFAULT_EXPIRES_SEC, issueAccessToken, issueRefreshToken, revokeRefresh } from './tokens.js';

/** Zoho grants at most 10 access tokens per refresh token in 10 minutes. */
const GRANTS_PER_WINDOW = 10;
const GRANT_WINDOW_MS = 10 * 60 * 1000;

type Answer = (body: Record<string, unknown>, status?: number) => void;

/** One token request: its form fields, how to answer, and whether the client authenticated. */
interface TokenCall {
  core: EmuCore;
  req: Request;
  f: Record<string, string>;
  answer: Answer;
  clientOk: boolean;
}

function answerer(res: Response): Answer {
  return (body, status = 200) =>
    void res.status(status).type('application/json;charset=UTF-8').send(JSON.stringify(body));
}

function authorizationCode({ core, req, f, answer, clientOk }: TokenCall): void {
  const code = core.state.codes.get(f.code ?? '');
  core.count(code?.orgId, 'token');
  if (!clientOk) return answer({ error: 'invalid_client' });
  if (!code || code.used || code.expiresAt < core.now() || code.clientId !== f.client_id)
    return answer({ error: 'invalid_code' });
  if ((f.redirect_uri ?? '') !== code.redirectUri) return answer({ error: 'invalid_redirect_uri' });
  code.used = true;
  const user = core.state.orgs.get(code.orgId)?.users.get(code.userId);
  if (!user || user.status !== 'active') return answer({ error: 'invalid_code' });
  const grant = { orgId: code.orgId, userId: code.userId, clientId: code.clientId, scopes: code.scopes };
  const rt = code.offline ? issueRefreshToken(core, grant) : undefined;
  const at = issueAccessToken(core, { ...grant, refreshToken: rt?.token });
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
  answer(body);
}

function refreshToken({ core, req, f, answer, clientOk }: TokenCall): void {
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
        error_description: 'You have made too many requests continuously. Please try again after some time.',
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
  answer({
    access_token: at.token,
    scope: rt.scopes.join(' '),
    api_domain: core.baseUrl(req),
    token_type: 'Bearer',
    expires_in: DEFAULT_EXPIRES_SEC,
  });
}

export function tokenHandler(core: EmuCore) {
  return async (req: Request, res: Response): Promise<void> => {
    const f = await formFields(req, res);
    const answer = answerer(res);
    const grant = f.grant_type ?? '';
    const client = core.state.clients.get(f.client_id ?? '');
    const clientOk = !!client && client.clientSecret === f.client_secret;
    const call: TokenCall = { core, req, f, answer, clientOk };
    if (grant === 'authorization_code') return authorizationCode(call);
    if (grant === 'refresh_token') return refreshToken(call);
    core.count(undefined, 'token');
    answer({ error: clientOk ? 'unsupported_grant_type' : 'invalid_client' });
  };
}

export function revokeHandler(core: EmuCore) {
  return async (req: Request, res: Response): Promise<void> => {
    const f = await formFields(req, res);
    const token = f.token ?? '';
    const rt = core.state.refreshTokens.get(token);
    if (rt) revokeRefresh(core, rt);
    const at = core.state.accessTokens.get(token);
    if (at) at.revoked = true;
    core.count(rt?.orgId ?? at?.orgId, 'token');
    core.changed();
    answerer(res)({ status: 'success' });
  };
}
