/**
 * Zoho Accounts, as far as an OAuth web-server app sees it: the consent page (`/oauth/v2/auth`),
 * the token endpoint (`/oauth/v2/token`) and revocation (`/oauth/v2/token/revoke`), plus the
 * failures a test can inject on them and Zoho's HTML 404 for any other `/oauth` path.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { EmuCore } from '../core.js';
import { sendJson } from '../http/errors.js';
import { consentHandler } from './consent.js';
import { revokeHandler, tokenHandler } from './tokenEndpoint.js';

/** Answers an injected failure (controls.failNext with pathIncludes) before the accounts routes. */
function injectedFailures(core: EmuCore) {
  return (req: Request, res: Response, next: NextFunction) => {
    const inj = core.takeInjection(req.originalUrl, false);
    if (!inj) return next();
    if (inj.body === 'json') {
      return sendJson(res, inj.status, {
        error: inj.status === 429 ? 'Access Denied' : 'internal_error',
        error_description: 'injected failure',
      });
    }
    res.status(inj.status).type('text/html').send(`<html><body><h1>${inj.status}</h1></body></html>`);
  };
}

export function accountsRouter(core: EmuCore): Router {
  const r = Router();
  r.use('/oauth', injectedFailures(core));
  r.get('/oauth/v2/auth', consentHandler(core));
  r.post('/oauth/v2/token', tokenHandler(core));
  r.post('/oauth/v2/token/revoke', revokeHandler(core));
  r.use('/oauth', (_req: Request, res: Response) => {
    res.status(404).type('text/html').send('<html><body><h1>404 Not Found</h1></body></html>');
  });
  return r;
}
