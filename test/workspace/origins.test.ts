/**
 * Finding: a page on a foreign origin could open the connect popup and receive the owner's session.
 * Only trusted origins (the backend's own, Zoho's widget hosting, WIDGET_ORIGINS) get a flow; the
 * callback page posts to that exact origin, never `*`, and closes itself (issue 10: popup handling).
 */
import { Window } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/config.js';
import { isZohoHostedWidgetOrigin, TrustedOrigins } from '../../server/src/workspace/trustedOrigins.js';
import { startSandbox, type Harness } from '../helpers/harness.js';

const WIDGET = 'https://3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b.zappsusercontent.com';

describe('trusted origins', () => {
  it.each([
    WIDGET,
    'https://3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b.zappsusercontent.eu',
    'https://abc.zappsusercontent.in',
    'https://abc.zappsusercontent.com.au',
    'https://abc.zappsusercontent.jp',
    'https://abc.zappsusercontent.ca',
  ])('trusts the Zoho-hosted widget origin %s', (origin) => {
    expect(isZohoHostedWidgetOrigin(origin)).toBe(true);
  });

  it.each([
    ['a foreign origin', 'https://evil.example'],
    ['http', 'http://abc.zappsusercontent.com'],
    ['another port', 'https://abc.zappsusercontent.com:8443'],
    ['a nested subdomain', 'https://a.b.zappsusercontent.com'],
    ['the bare domain', 'https://zappsusercontent.com'],
    ['a look-alike suffix', 'https://abc.zappsusercontent.com.evil.example'],
    ['a look-alike domain', 'https://abc.evilzappsusercontent.com'],
    ['a path', `${WIDGET}/`],
    ['userinfo', 'https://x@abc.zappsusercontent.com'],
    ['upper case (not the canonical origin)', 'https://ABC.zappsusercontent.com'],
    ['not a URL', 'zappsusercontent.com'],
  ])('refuses %s', (_label, origin) => {
    expect(isZohoHostedWidgetOrigin(origin)).toBe(false);
    expect(new TrustedOrigins('https://sync.example.com').isTrusted(origin)).toBe(false);
  });

  it("trusts the backend's own origin and the configured ones exactly", () => {
    const t = new TrustedOrigins('https://sync.example.com/base', ['https://widgets.example.org']);
    expect(t.isTrusted('https://sync.example.com')).toBe(true);
    expect(t.isTrusted('https://widgets.example.org')).toBe(true);
    expect(t.isTrusted('https://widgets.example.org:444')).toBe(false);
    expect(t.isTrusted('http://sync.example.com')).toBe(false);
  });
});

describe('WIDGET_ORIGINS', () => {
  it('takes a comma-separated list of exact origins', () => {
    expect(
      loadConfig({ WIDGET_ORIGINS: 'https://a.example.com, http://localhost:5173' }).widgetOrigins,
    ).toEqual(['https://a.example.com', 'http://localhost:5173']);
    expect(loadConfig({}).widgetOrigins).toEqual([]);
  });

  it('refuses paths, trailing slashes, non-origins and plain http with a clear message', () => {
    let error: unknown;
    try {
      loadConfig({
        WIDGET_ORIGINS: 'https://a.example.com/widget,https://b.example.com/,nope,http://c.example.com',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.filter((p) => p.includes('is not an origin'))).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/"http:\/\/c\.example\.com" must use https/);
  });
});

/** Runs the popup page in a DOM with an opener that records what it is sent. */
async function runPopup(url: string, html: string, withOpener = true) {
  const window = new Window({
    url,
    settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true },
  });
  const posted: { message: unknown; targetOrigin: string }[] = [];
  let closeCalls = 0;
  if (withOpener) {
    Object.defineProperty(window, 'opener', {
      value: {
        closed: false,
        postMessage: (message: unknown, targetOrigin: string) => posted.push({ message, targetOrigin }),
      },
    });
  }
  Object.defineProperty(window, 'close', { value: () => (closeCalls += 1) });
  window.document.write(html);
  await window.happyDOM.waitUntilComplete();
  const button = window.document.getElementById('close');
  return {
    posted,
    closeCalls: () => closeCalls,
    button,
    async clickClose() {
      (button as unknown as { click(): void } | null)?.click();
      await window.happyDOM.waitUntilComplete();
    },
    close: () => window.happyDOM.close(),
  };
}

describe('connect popup (sandbox)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSandbox({ WIDGET_ORIGINS: 'https://widgets.example.org' });
  });
  afterAll(async () => {
    await h.close();
  });

  const start = (origin: string, accept = 'text/html') =>
    fetch(`${h.url}/oauth/zoho/start?origin=${encodeURIComponent(origin)}`, {
      redirect: 'manual',
      headers: { accept },
    });

  it('answers a foreign origin with a clear error page (400) instead of starting the flow', async () => {
    const res = await start('https://evil.example');
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('does not trust (https://evil.example)');
    expect(html).toContain('WIDGET_ORIGINS');
    const page = await runPopup(`${h.url}/oauth/zoho/start`, html);
    expect(page.posted).toEqual([]); // nothing to hand over, to anyone
    expect(page.button?.textContent).toBe('Close this window');
    await page.clickClose();
    expect(page.closeCalls()).toBe(1);
    await page.close();

    const json = await start('https://evil.example', 'application/json');
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('UNTRUSTED_ORIGIN');
  });

  it('refuses an unknown Zoho environment, and starts for production, sandbox and developer', async () => {
    const res = await fetch(`${h.url}/oauth/zoho/start?environment=staging`, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_ENVIRONMENT');
    for (const env of ['production', 'sandbox', 'developer']) {
      const ok = await fetch(`${h.url}/oauth/zoho/start?environment=${env}`, { redirect: 'manual' });
      expect(ok.status).toBe(302);
    }
  });

  it('refuses an origin given twice', async () => {
    const res = await fetch(`${h.url}/oauth/zoho/start?origin=${encodeURIComponent(h.url)}&origin=x`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
  });

  it.each([
    ['its own origin', () => h.url],
    ['a Zoho-hosted widget', () => WIDGET],
    ['an origin from WIDGET_ORIGINS', () => 'https://widgets.example.org'],
  ])('starts the flow for %s', async (_label, origin) => {
    const res = await start(origin());
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('/oauth/v2/auth?');
  });

  /** start (from `origin`) → emulator approval → the callback URL */
  async function callbackUrl(origin: string | undefined, email = 'admin@sandbox.test'): Promise<string> {
    const res = await fetch(
      `${h.url}/oauth/zoho/start${origin ? `?origin=${encodeURIComponent(origin)}` : ''}`,
      { redirect: 'manual' },
    );
    const auth = new URL(res.headers.get('location')!);
    auth.searchParams.set('login_as', email);
    const approve = await fetch(auth, { redirect: 'manual' });
    return approve.headers.get('location')!;
  }

  it('posts the session to the starting origin only, never to *, then closes itself', async () => {
    const callback = await callbackUrl(WIDGET);
    const res = await fetch(callback);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).not.toMatch(/postMessage\([^)]*['"]\*['"]/);
    const page = await runPopup(callback, html);
    expect(page.posted).toHaveLength(1);
    expect(page.posted[0]!.targetOrigin).toBe(WIDGET);
    expect(page.posted[0]!.message).toMatchObject({ type: 'zoho-connected', role: 'owner' });
    expect(page.closeCalls()).toBe(1);
    await page.close();
  });

  it('without an origin hands the session to nobody and offers a Close button', async () => {
    const callback = await callbackUrl(undefined);
    const page = await runPopup(callback, await (await fetch(callback)).text());
    expect(page.posted).toEqual([]);
    expect(page.closeCalls()).toBe(0);
    await page.clickClose();
    expect(page.closeCalls()).toBe(1);
    await page.close();
  });

  it('posts an error to the trusted opener and closes itself', async () => {
    const callback = new URL(await callbackUrl(h.url));
    callback.searchParams.delete('code');
    callback.searchParams.set('error', 'access_denied');
    const res = await fetch(callback);
    expect(res.status).toBe(400);
    const page = await runPopup(callback.toString(), await res.text());
    expect(page.posted).toEqual([
      {
        targetOrigin: h.url,
        message: { type: 'zoho-connect-error', error: expect.objectContaining({ code: 'ACCESS_DENIED' }) },
      },
    ]);
    expect(page.closeCalls()).toBe(1);
    await page.close();
  });

  it('keeps the error page open with its Close button when there is no opener', async () => {
    const callback = new URL(await callbackUrl(h.url));
    callback.searchParams.set('error', 'access_denied');
    const page = await runPopup(callback.toString(), await (await fetch(callback)).text(), false);
    expect(page.closeCalls()).toBe(0);
    expect(page.button).not.toBeNull();
    await page.clickClose();
    expect(page.closeCalls()).toBe(1);
    await page.close();
  });
});
