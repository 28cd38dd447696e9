/**
 * `GET /oauth/zoho/start` and `GET /oauth/zoho/callback` (SPEC §7). The callback answers JSON when
 * asked for it, else a small page that hands the session to the widget that opened the popup.
 */
import { Router } from 'express';
import type { ConnectionService, CallbackResult } from '../workspace/connection.js';
import { Problem } from '../errors.js';
import { STATUS_OF } from './errors.js';

export function oauthRoutes(connection: ConnectionService): Router {
  const router = Router();

  router.get('/oauth/zoho/start', (req, res) => {
    const origin = typeof req.query.origin === 'string' ? req.query.origin : undefined;
    res.redirect(302, connection.authorizationUrl(origin));
  });

  router.get('/oauth/zoho/callback', async (req, res) => {
    const wantsJson = (req.headers.accept ?? '').includes('application/json');
    try {
      const result = await connection.handleCallback(req.query as Record<string, unknown>);
      if (wantsJson) {
        res.json({
          workspaceId: result.workspaceId,
          sessionToken: result.sessionToken,
          webhookUrl: result.role === 'owner' ? result.webhookUrl : null,
          role: result.role,
        });
      } else {
        res.type('html').send(callbackPage(result));
      }
    } catch (e) {
      if (wantsJson || !(e instanceof Problem)) throw e;
      res
        .status(STATUS_OF[e.kind])
        .type('html')
        .send(errorPage(e, connection.originOfState(req.query.state)));
    }
  });

  return router;
}

/** JSON for an inline script: `<` escaped so no value can close the script element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function callbackPage(r: CallbackResult): string {
  const message = {
    type: 'zoho-connected',
    workspaceId: r.workspaceId,
    sessionToken: r.sessionToken,
    webhookUrl: r.role === 'owner' ? r.webhookUrl : null,
    role: r.role,
  };
  // Only the origin that started the flow receives the session; without one the page just says done.
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Zoho CRM connected</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#1d2330}</style></head>
<body><h1>Zoho CRM connected</h1><p>You can close this window and return to the integration settings.</p>
<script>(function(){var o=${scriptJson(r.origin ?? null)};var m=${scriptJson(message)};
if(o&&window.opener){window.opener.postMessage(m,o);setTimeout(function(){window.close()},300);}})();</script>
</body></html>`;
}

/** The failure is shown in the popup and, when the flow came from the widget, posted to it. */
function errorPage(e: Problem, origin: string | undefined): string {
  const message = { type: 'zoho-connect-error', error: { code: e.code, message: e.message } };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Zoho CRM connection failed</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#1d2330}.e{color:#b42318}</style></head>
<body><h1>Zoho CRM connection failed</h1><p class="e" role="alert">${escapeHtml(e.message)}</p>
<script>(function(){var o=${scriptJson(origin ?? null)};if(o&&window.opener){window.opener.postMessage(${scriptJson(message)},o);}})();</script>
</body></html>`;
}
