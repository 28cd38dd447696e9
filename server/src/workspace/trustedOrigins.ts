/**
 * Which pages may receive a session from the "Connect Zoho CRM" popup.
 *
 * The popup's callback page hands the owner's session token to `window.opener` with `postMessage`.
 * The origin it posts to comes from `/oauth/zoho/start?origin=`, i.e. from whichever page opened the
 * popup: a page on any other origin could open it, wait for the admin to click Accept, and receive
 * the token. So only these origins are accepted:
 *
 * - the backend's own origin (`PUBLIC_URL`): the sandbox and deployments that serve the widget
 *   under `/widget/`;
 * - the origins Zoho serves hosted extension widgets from (below);
 * - the exact origins listed in `WIDGET_ORIGINS` (an externally hosted widget, or a Zoho data
 *   centre whose widget domain is not listed below).
 */

/**
 * Zoho CRM serves an internally hosted ("Hosting: Zoho") widget from its own per-widget origin
 * `https://<widget id>.<domain>`, one domain per data centre. Zoho's widget documentation names no
 * domain; these are the ones Zoho-hosted widgets were seen on in public extension code (CORS and
 * `postMessage` allowlists listing `https://<uuid>.zappsusercontent.<tld>` origins of real widgets).
 * Only one label may precede the domain, over https on the default port. CN, SA, UK and AE were
 * not seen anywhere: operators there add their widget's exact origin to `WIDGET_ORIGINS`.
 * docs/zoho.md ("Widget hosting origins") keeps the table and its sources.
 */
export const ZOHO_WIDGET_HOSTING_DOMAINS: Readonly<Record<string, string>> = Object.freeze({
  us: 'zappsusercontent.com',
  eu: 'zappsusercontent.eu',
  in: 'zappsusercontent.in',
  au: 'zappsusercontent.com.au',
  jp: 'zappsusercontent.jp',
  ca: 'zappsusercontent.ca',
});

/** One DNS label: what Zoho puts before the hosting domain (a UUID in practice). */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The canonical origin of `value` when it is exactly an http(s) origin (no path, no slash), else undefined. */
export function exactOrigin(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return url.origin === value ? url : undefined;
}

export function isZohoHostedWidgetOrigin(origin: string): boolean {
  const url = exactOrigin(origin);
  if (!url || url.protocol !== 'https:' || url.port !== '') return false;
  const host = url.hostname;
  return Object.values(ZOHO_WIDGET_HOSTING_DOMAINS).some((domain) => {
    if (!host.endsWith(`.${domain}`)) return false;
    return LABEL.test(host.slice(0, -domain.length - 1));
  });
}

export class TrustedOrigins {
  readonly #exact: ReadonlySet<string>;

  constructor(publicUrl: string, widgetOrigins: readonly string[] = []) {
    this.#exact = new Set([new URL(publicUrl).origin, ...widgetOrigins]);
  }

  /** True when the connect popup may post a session to `origin` (compared exactly). */
  isTrusted(origin: string): boolean {
    return this.#exact.has(origin) || isZohoHostedWidgetOrigin(origin);
  }
}
