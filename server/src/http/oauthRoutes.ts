/**
 * `GET /oauth/zoho/start` and `GET /oauth/zoho/callback`. The callback answers JSON when asked for
 * it, else a small page for the popup: it hands the session (or the error) to the widget that
 * opened it, only ever to that widget's trusted origin (bound into the signed state; never `*`),
 * then closes itself; when it cannot (no opener, no trusted origin) it offers a Close button.
 */
import { Router, type Response } from 'express';
import type { ConnectionService, CallbackResult } from '../workspace/connection.js';
import { Problem } from '../errors.js';
import { STATUS_OF } from './errors.js';

export function oauthRoutes(connection: ConnectionService): Router {
  const router = Router();

  router.get('/oauth/zoho/start', (req, res) => {
    const raw = req.query.origin;
    const wantsJson = (req.headers.accept ?? '').includes('application/json');
    try {
      // `?origin=a&origin=b` arrives as an array: no single origin, so nothing is trusted.
      const origin = raw === undefined ? undefined : typeof raw === 'string' ? raw : String(raw);
      const env = req.query.environment;
      const environment = env === undefined ? undefined : typeof env === 'string' ? env : String(env);
      res.redirect(302, connection.authorizationUrl(origin, environment));
    } catch (e) {
      if (wantsJson || !(e instanceof Problem)) throw e;
      sendPage(res, STATUS_OF[e.kind], failurePage(e, undefined));
    }
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
        sendPage(res, 200, successPage(result));
      }
    } catch (e) {
      if (wantsJson || !(e instanceof Problem)) throw e;
      sendPage(res, STATUS_OF[e.kind], failurePage(e, connection.originOfState(req.query.state)));
    }
  });

  return router;
}

function sendPage(res: Response, status: number, html: string): void {
  // The page holds a session token: never cached, never framed, never leaking the URL onwards.
  res
    .status(status)
    .set({
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    })
    .type('html')
    .send(html);
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

interface PopupPage {
  title: string;
  text: string;
  failed: boolean;
  /** what to post to the opener, and the one origin allowed to receive it */
  handoff: { origin: string; message: unknown } | undefined;
}

/**
 * The popup page. With a handoff and a live opener it posts to that exact origin and closes
 * itself; otherwise (or if the browser refuses to close it) the Close button stays.
 */
function popupPage(p: PopupPage): string {
  const handoff = p.handoff ?? null;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(p.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#1d2330}.e{color:#b42318}
button{font:inherit;padding:.4rem 1rem;margin-top:1rem}</style></head>
<body><main><h1>${escapeHtml(p.title)}</h1><p${p.failed ? ' class="e" role="alert"' : ''}>${escapeHtml(p.text)}</p>
<button type="button" id="close">Close this window</button>
<p id="close-hint" hidden>Your browser did not let this page close itself: close this tab to return.</p></main>
<script type="application/json" id="handoff">${scriptJson(handoff)}</script>
<script>(function(){
var close=function(){window.close();setTimeout(function(){document.getElementById('close-hint').hidden=false},300)};
document.getElementById('close').addEventListener('click',close);
var h=JSON.parse(document.getElementById('handoff').textContent||'null');
if(h&&h.origin&&window.opener&&!window.opener.closed){window.opener.postMessage(h.message,h.origin);setTimeout(function(){window.close()},300);}
})();</script>
</body></html>`;
}

function successPage(r: CallbackResult): string {
  const message = {
    type: 'zoho-connected',
    workspaceId: r.workspaceId,
    sessionToken: r.sessionToken,
    webhookUrl: r.role === 'owner' ? r.webhookUrl : null,
    role: r.role,
  };
  return popupPage({
    title: 'Zoho CRM connected',
    text: 'You can close this window and return to the integration settings.',
    failed: false,
    // Only the origin that started the flow (checked then and now) receives the session.
    handoff: r.origin ? { origin: r.origin, message } : undefined,
  });
}

/** The failure is shown in the popup and, when a trusted widget started the flow, posted to it. */
function failurePage(e: Problem, origin: string | undefined): string {
  const message = { type: 'zoho-connect-error', error: { code: e.code, message: e.message } };
  return popupPage({
    title: 'Zoho CRM connection failed',
    text: e.message,
    failed: true,
    handoff: origin ? { origin, message } : undefined,
  });
}
