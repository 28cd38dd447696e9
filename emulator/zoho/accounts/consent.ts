/**
 * `GET /oauth/v2/auth`: Zoho's consent step. Checks the client, response type, redirect URI and
 * scopes; then either shows the page to choose who signs in, or (with `login_as=<email>`, the
 * link on that page, which tests follow directly) redirects back with a one-time code, or (with
 * `deny`) with `error=access_denied`. Zoho adds `location` and `accounts-server` to the redirect.
 */
import type { Request, Response } from 'express';
import type { EmuCore } from '../core.js';
import type { OrgState } from '../model/orgState.js';
import type { UserRec } from '../model/types.js';
import { q } from '../http/errors.js';
import { consentBody, escapeHtml, sendPage } from './consentPage.js';
import { parseScopes } from './tokens.js';

/** Zoho's authorization codes are valid for 2 minutes. */
const CODE_TTL_MS = 2 * 60 * 1000;

interface AuthRequest {
  clientId: string;
  redirectUri: string;
  redirect: URL;
  scopes: string[];
  state: string | undefined;
  offline: boolean;
}

/** The request's parameters, or false when an error page has been answered. */
function checkRequest(core: EmuCore, req: Request, res: Response): AuthRequest | false {
  const clientId = q(req, 'client_id') ?? '';
  const redirectUri = q(req, 'redirect_uri') ?? '';
  const client = core.state.clients.get(clientId);
  const fail = (status: number, title: string, body: string) => (
    sendPage(res, status, title, body),
    false as const
  );
  if (!client)
    return fail(
      400,
      'Invalid Client',
      `<p>The client id <code>${escapeHtml(clientId)}</code> is not registered.</p>`,
    );
  if ((q(req, 'response_type') ?? '') !== 'code')
    return fail(400, 'Invalid Response Type', '<p>Only <code>response_type=code</code> is supported.</p>');
  let redirect: URL;
  try {
    redirect = new URL(redirectUri);
  } catch {
    return fail(400, 'Invalid Redirect Uri', '<p>The redirect_uri is missing or not a URL.</p>');
  }
  if (client.redirectUris && !client.redirectUris.includes(redirectUri)) {
    const body = `<p><code>${escapeHtml(redirectUri)}</code> is not registered for this client.</p>`;
    return fail(400, 'Invalid Redirect Uri', body);
  }
  const scopes = parseScopes(q(req, 'scope') ?? '');
  if (scopes.length === 0) return fail(400, 'Invalid OAuth Scope', '<p>The scope parameter is missing.</p>');
  const offline = (q(req, 'access_type') ?? 'online').toLowerCase() === 'offline';
  return { clientId, redirectUri, redirect, scopes, state: q(req, 'state'), offline };
}

function redirectWith(res: Response, to: URL, params: Record<string, string | undefined>): void {
  const url = new URL(to.toString());
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  res.redirect(302, url.toString());
}

function findUserByEmail(core: EmuCore, email: string): { org: OrgState; user: UserRec } | undefined {
  for (const org of core.state.orgs.values()) {
    const u = org.userByEmail(email);
    if (u && u.status !== 'deleted') return { org, user: u };
  }
  return undefined;
}

/** Signs in as `email` and approves: a one-time code back to the client. */
function approve(core: EmuCore, req: Request, res: Response, a: AuthRequest, email: string): void {
  const found = findUserByEmail(core, email);
  if (!found)
    return sendPage(
      res,
      400,
      'Unknown user',
      `<p>No emulated user has the email <code>${escapeHtml(email)}</code>.</p>`,
    );
  if (found.user.status !== 'active')
    return sendPage(res, 403, 'User not active', '<p>This user is not active in its CRM org.</p>');
  const code = core.state.randomToken();
  core.state.codes.set(code, {
    code,
    clientId: a.clientId,
    redirectUri: a.redirectUri,
    orgId: found.org.org.id,
    userId: found.user.id,
    scopes: a.scopes,
    offline: a.offline,
    expiresAt: core.now() + CODE_TTL_MS,
    used: false,
  });
  redirectWith(res, a.redirect, {
    state: a.state,
    code,
    location: 'us',
    'accounts-server': core.baseUrl(req),
  });
}

export function consentHandler(core: EmuCore) {
  return (req: Request, res: Response): void => {
    const a = checkRequest(core, req, res);
    if (!a) return;
    if (q(req, 'deny') !== undefined) {
      const accountsServer = core.baseUrl(req);
      return redirectWith(res, a.redirect, {
        error: 'access_denied',
        state: a.state,
        location: 'us',
        'accounts-server': accountsServer,
      });
    }
    const loginAs = q(req, 'login_as');
    if (loginAs !== undefined) return approve(core, req, res, a, loginAs);
    const base = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query as Record<string, unknown>))
      if (typeof v === 'string') base.set(k, v);
    const link = (extra: Record<string, string>) => {
      const p = new URLSearchParams(base);
      for (const [k, v] of Object.entries(extra)) p.set(k, v);
      return `${req.baseUrl}${req.path}?${p.toString()}`;
    };
    const body = consentBody({
      clientId: a.clientId,
      scopes: a.scopes,
      orgs: core.state.orgs.values(),
      approveUrl: (email) => link({ login_as: email }),
      rejectUrl: link({ deny: '1' }),
    });
    sendPage(res, 200, 'Zoho Accounts (emulator)', body);
  };
}
