/**
 * The HTML pages of the emulated Zoho Accounts: the consent ("sign in and approve") page and its
 * error pages. The sandbox has no passwords: the page lists every active user of every org and
 * one picks who signs in. The pages pass axe-core with no violation (a test checks it): `lang`,
 * one `main` landmark, headings in order, text contrast of at least 4.5:1.
 */
import type { Response } from 'express';
import type { OrgState } from '../model/orgState.js';
import { userFullName } from '../model/orgState.js';
import type { UserRec } from '../model/types.js';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

// Colours on white: #1f1f1f text 16:1, #0b5d2a links 7.6:1, #545454 secondary text 7.5:1.
const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1f1f1f;background:#fff}' +
  'ul.users{list-style:none;padding:0;margin:0}' +
  'a{color:#0b5d2a}' +
  'a.user{display:block;padding:.6rem .8rem;margin:.4rem 0;border:1px solid #8a8a8a;border-radius:6px;text-decoration:none}' +
  'a.user:hover,a.user:focus{background:#eef8f1}' +
  '.muted{color:#545454;font-size:.9em}code{background:#f3f3f3;padding:0 .2em}';

/** A complete page: `title` is the document title and the one h1; `body` is trusted HTML. */
export function sendPage(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
        `<meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
        `<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    );
}

export interface ConsentArgs {
  clientId: string;
  scopes: string[];
  orgs: Iterable<OrgState>;
  /** The URL that approves as this user. */
  approveUrl(email: string): string;
  rejectUrl: string;
}

/** What kind of user this is, in the words a sandbox user chooses by. */
function userKind(org: OrgState, u: UserRec): string {
  return org.isAdmin(u) ? 'administrator' : `sales rep, ${u.profile.name} profile`;
}

function orgSection(org: OrgState, approveUrl: (email: string) => string): string {
  const o = org.org;
  const headingId = `org-${escapeHtml(o.id)}`;
  const users = [...org.users.values()]
    .filter((u) => u.status === 'active')
    .map(
      (u) =>
        `<li><a class="user" href="${escapeHtml(approveUrl(u.email))}">` +
        `Accept as <b>${escapeHtml(userFullName(u))}</b> (${escapeHtml(userKind(org, u))}) ` +
        `<span class="muted">${escapeHtml(u.email)}</span></a></li>`,
    )
    .join('');
  return (
    `<section aria-labelledby="${headingId}"><h3 id="${headingId}">${escapeHtml(o.companyName)} ` +
    `<span class="muted">(org ${escapeHtml(o.id)}, ${escapeHtml(o.timeZone)})</span></h3>` +
    (users ? `<ul class="users">${users}</ul>` : '<p class="muted">No active users.</p>') +
    `</section>`
  );
}

export function consentBody(a: ConsentArgs): string {
  const orgs = [...a.orgs].map((o) => orgSection(o, a.approveUrl)).join('');
  const scopes = a.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  return (
    `<p><b>${escapeHtml(a.clientId)}</b> would like to access your Zoho CRM data:</p><ul>${scopes}</ul>` +
    `<h2>Sign in as</h2>` +
    `<p>This emulator has no passwords: choose the user who signs in and approves. An administrator ` +
    `can set the integration up; a sales rep shows what other users see.</p>` +
    (orgs || '<p class="muted">No users: seed an org first.</p>') +
    `<p><a href="${escapeHtml(a.rejectUrl)}">Reject</a></p>`
  );
}
