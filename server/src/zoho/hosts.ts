/**
 * Which Zoho hosts this server may talk to.
 *
 * The OAuth callback carries `location` and `accounts-server`, and the token response carries
 * `api_domain`: all three come from outside. The client secret (sent to the accounts server) and
 * the access tokens (sent to the API host) must never reach a host that is not Zoho's, so every
 * host is checked against the allowlist below, or, when the operator configured overrides
 * (`ZOHO_ACCOUNTS_URL` / `ZOHO_API_URL`: tests, sandbox, the built-in emulator), against those only.
 */

export type DataCentre = 'us' | 'eu' | 'in' | 'au' | 'jp' | 'cn' | 'ca' | 'sa' | 'uk' | 'ae';

/**
 * Zoho CRM's environments. Extension developers and admins try things in a sandbox org or a
 * developer edition first; each has its own API host in every data centre, with the data centre's
 * accounts server and file host (the SDK 8.0 `*DataCenter.SANDBOX()` / `DEVELOPER()` environments).
 */
export type ZohoEnvironment = 'production' | 'sandbox' | 'developer';
export const ZOHO_ENVIRONMENTS: readonly ZohoEnvironment[] = ['production', 'sandbox', 'developer'];

export interface DataCentreHosts {
  /** Zoho Accounts (OAuth) origin. */
  accountsUrl: string;
  /** CRM REST API origin of each environment (`/crm/v8/...` is appended). */
  apiUrls: Readonly<Record<ZohoEnvironment, string>>;
  /** Zoho's content/file host of that data centre (bulk APIs); the SDK's `Environment` wants one. */
  fileUploadUrl: string;
}

/** The data centre's three API hosts, `<www|sandbox|developer>.zohoapis.<tld>`. */
function apiHosts(tld: string): Record<ZohoEnvironment, string> {
  return {
    production: `https://www.zohoapis.${tld}`,
    sandbox: `https://sandbox.zohoapis.${tld}`,
    developer: `https://developer.zohoapis.${tld}`,
  };
}

/**
 * Zoho's own data centres. Sources (docs/zoho.md, "Data centres and environments", keeps the
 * table): US to SA, accounts, API and file hosts of every environment, from the official SDK 8.0's
 * `*DataCenter` classes (`PRODUCTION`, `SANDBOX`, `DEVELOPER`, `getIAMUrl`, `getFileUploadUrl`), which
 * agree with Zoho Accounts' and CRM's multi-DC documentation. UK and AE are in Zoho Accounts'
 * multi-DC page (accounts.zoho.uk) and Zoho's API domain tables (www.zohoapis.uk, www.zohoapis.ae,
 * accounts.zoho.ae) but not in the SDK: their sandbox and developer hosts follow the SDK's pattern on
 * Zoho's own domains, and their file host is `upload.zoho.com`, which Zoho's upload documentation
 * names the common upload endpoint of all data centres. Only https on the default port is accepted.
 */
export const ZOHO_DATA_CENTRES: Readonly<Record<DataCentre, DataCentreHosts>> = Object.freeze({
  us: {
    accountsUrl: 'https://accounts.zoho.com',
    apiUrls: apiHosts('com'),
    fileUploadUrl: 'https://content.zohoapis.com',
  },
  eu: {
    accountsUrl: 'https://accounts.zoho.eu',
    apiUrls: apiHosts('eu'),
    fileUploadUrl: 'https://content.zohoapis.eu',
  },
  in: {
    accountsUrl: 'https://accounts.zoho.in',
    apiUrls: apiHosts('in'),
    fileUploadUrl: 'https://content.zohoapis.in',
  },
  au: {
    accountsUrl: 'https://accounts.zoho.com.au',
    apiUrls: apiHosts('com.au'),
    fileUploadUrl: 'https://content.zohoapis.com.au',
  },
  jp: {
    accountsUrl: 'https://accounts.zoho.jp',
    apiUrls: apiHosts('jp'),
    fileUploadUrl: 'https://content.zohoapis.jp',
  },
  cn: {
    accountsUrl: 'https://accounts.zoho.com.cn',
    apiUrls: apiHosts('com.cn'),
    fileUploadUrl: 'https://content.zohoapis.com.cn',
  },
  ca: {
    accountsUrl: 'https://accounts.zohocloud.ca',
    apiUrls: apiHosts('ca'),
    fileUploadUrl: 'https://upload.zohocloud.ca',
  },
  sa: {
    accountsUrl: 'https://accounts.zoho.sa',
    apiUrls: apiHosts('sa'),
    fileUploadUrl: 'https://files.zoho.sa',
  },
  uk: {
    accountsUrl: 'https://accounts.zoho.uk',
    apiUrls: apiHosts('uk'),
    fileUploadUrl: 'https://upload.zoho.com',
  },
  ae: {
    accountsUrl: 'https://accounts.zoho.ae',
    apiUrls: apiHosts('ae'),
    fileUploadUrl: 'https://upload.zoho.com',
  },
});

const DATA_CENTRES = Object.keys(ZOHO_DATA_CENTRES) as DataCentre[];

export interface HostHints {
  /** `accounts-server` query parameter of the OAuth callback. */
  accountsServer?: string | null | undefined;
  /** `location` query parameter of the OAuth callback (us, eu, in, au, jp, cn, ca, sa, uk, ae). */
  location?: string | null | undefined;
  /** `api_domain` of the token response. */
  apiDomain?: string | null | undefined;
  /** The environment the admin connects (bound into the OAuth state when the flow starts). */
  environment?: ZohoEnvironment | undefined;
}

export interface HostOverrides {
  /** ZOHO_ACCOUNTS_URL */
  accountsUrl?: string | undefined;
  /** ZOHO_API_URL */
  apiUrl?: string | undefined;
}

export type HostResolution =
  | {
      ok: true;
      accountsUrl: string;
      apiUrl: string;
      /** Content host for the SDK `Environment`: the data centre's, or the API URL under overrides. */
      fileUploadUrl: string;
      /** undefined when the hosts come from overrides. */
      dataCentre: DataCentre | undefined;
      /** undefined when the hosts come from overrides. */
      environment: ZohoEnvironment | undefined;
    }
  | { ok: false; error: string };

/** Host name of an absolute URL, lower-cased, or undefined when it is not one. */
function parse(url: string): URL | undefined {
  try {
    return new URL(url.trim());
  } catch {
    return undefined;
  }
}

type Allowlisted = { origin: string; dc: DataCentre; environment: ZohoEnvironment | undefined };

/**
 * The origin of a Zoho host URL when it is exactly one of Zoho's hosts of `kind` (an accounts
 * server, or an API host of any environment): https, default port, no credentials, no query, no
 * path beyond "/". Anything else (look-alikes, suffix tricks, other ports, http): undefined.
 */
function allowlistedOrigin(url: string, kind: 'accountsUrl' | 'apiUrl'): Allowlisted | undefined {
  const u = parse(url);
  if (!u) return undefined;
  if (u.protocol !== 'https:' || u.port !== '' || u.username !== '' || u.password !== '') return undefined;
  if (u.search !== '' || u.hash !== '' || (u.pathname !== '/' && u.pathname !== '')) return undefined;
  const origin = u.origin;
  for (const dc of DATA_CENTRES) {
    const hosts = ZOHO_DATA_CENTRES[dc];
    if (kind === 'accountsUrl') {
      if (origin === hosts.accountsUrl) return { origin, dc, environment: undefined };
      continue;
    }
    const environment = ZOHO_ENVIRONMENTS.find((env) => hosts.apiUrls[env] === origin);
    if (environment) return { origin, dc, environment };
  }
  return undefined;
}

/** True when `url` is one of Zoho's accounts servers (https only). */
export function isZohoAccountsUrl(url: string): boolean {
  return allowlistedOrigin(url, 'accountsUrl') !== undefined;
}

/** True when `url` is one of Zoho's CRM API hosts, of any environment (https only). */
export function isZohoApiUrl(url: string): boolean {
  return allowlistedOrigin(url, 'apiUrl') !== undefined;
}

/**
 * The data centre of a Zoho accounts or API URL, or of a `location` code; undefined for anything
 * that is not one of Zoho's own hosts (an emulator, a typo, an attacker's host).
 */
export function dataCentreOf(urlOrLocation: string): DataCentre | undefined {
  const v = urlOrLocation.trim().toLowerCase();
  if ((DATA_CENTRES as string[]).includes(v)) return v as DataCentre;
  return (
    allowlistedOrigin(urlOrLocation, 'accountsUrl')?.dc ?? allowlistedOrigin(urlOrLocation, 'apiUrl')?.dc
  );
}

/** An operator-supplied override URL: http(s), no credentials/query; trailing slashes dropped. */
function normaliseOverride(
  name: string,
  url: string,
): { ok: true; url: string } | { ok: false; error: string } {
  const u = parse(url);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) {
    return { ok: false, error: `${name} must be an absolute http(s) URL` };
  }
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') {
    return { ok: false, error: `${name} must not contain credentials, a query or a fragment` };
  }
  return { ok: true, url: `${u.origin}${u.pathname}`.replace(/\/+$/, '') };
}

function sameUrl(a: string, b: string): boolean {
  const ua = parse(a);
  const ub = parse(b);
  if (!ua || !ub) return false;
  const norm = (u: URL) => `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
  return norm(ua) === norm(ub);
}

const present = (v: string | null | undefined): v is string => typeof v === 'string' && v.trim() !== '';

/**
 * Decides the accounts and API URLs for one connection.
 *
 * - With overrides: the override is authoritative for its side. An `accounts-server` hint naming
 *   another host is refused (the grant code was issued there, and the secret must not follow it);
 *   `location` is ignored; `api_domain` is ignored (Zoho answers its production host even for
 *   sandbox set-ups; the override says where to go).
 * - Without overrides: `accounts-server` and `api_domain` must be Zoho hosts of the allowlist, over
 *   https; `location` must be a known data centre and agree with them; nothing given means US.
 *   The API host is the data centre's host of the environment: the one the admin chose when the
 *   flow started, else the one `api_domain` names, else production. An `api_domain` of another
 *   non-production environment than the chosen one is refused.
 */
export function resolveZohoHosts(hints: HostHints, overrides: HostOverrides = {}): HostResolution {
  let dataCentre: DataCentre | undefined;
  let hintedDc: DataCentre | undefined;
  if (present(hints.location)) {
    const loc = hints.location.trim().toLowerCase();
    if ((DATA_CENTRES as string[]).includes(loc)) hintedDc = loc as DataCentre;
    else if (!present(overrides.accountsUrl))
      return { ok: false, error: `unknown Zoho data centre location "${loc.slice(0, 20)}"` };
  }

  let accountsUrl: string;
  if (present(overrides.accountsUrl)) {
    const o = normaliseOverride('ZOHO_ACCOUNTS_URL', overrides.accountsUrl);
    if (!o.ok) return o;
    if (present(hints.accountsServer) && !sameUrl(hints.accountsServer, o.url)) {
      return {
        ok: false,
        error: 'the accounts server named by the callback is not the configured ZOHO_ACCOUNTS_URL',
      };
    }
    accountsUrl = o.url;
  } else {
    if (present(hints.accountsServer)) {
      const a = allowlistedOrigin(hints.accountsServer, 'accountsUrl');
      if (!a)
        return {
          ok: false,
          error: "the accounts server named by the callback is not one of Zoho's accounts servers (https)",
        };
      if (hintedDc && hintedDc !== a.dc) {
        return {
          ok: false,
          error: `the callback's location (${hintedDc}) and accounts server (${a.dc}) disagree`,
        };
      }
      hintedDc = a.dc;
    }
    dataCentre = hintedDc ?? 'us';
    accountsUrl = ZOHO_DATA_CENTRES[dataCentre].accountsUrl;
  }

  let apiUrl: string;
  let environment: ZohoEnvironment | undefined;
  if (present(overrides.apiUrl)) {
    const o = normaliseOverride('ZOHO_API_URL', overrides.apiUrl);
    if (!o.ok) return o;
    apiUrl = o.url;
  } else {
    let named: Allowlisted | undefined;
    if (present(hints.apiDomain)) {
      named = allowlistedOrigin(hints.apiDomain, 'apiUrl');
      if (!named)
        return {
          ok: false,
          error: "the api_domain of the token response is not one of Zoho's API hosts (https)",
        };
      if (dataCentre && named.dc !== dataCentre) {
        return {
          ok: false,
          error: `the token response's api_domain (${named.dc}) is not in the accounts server's data centre (${dataCentre})`,
        };
      }
    }
    const chosen = hints.environment;
    if (chosen && named && named.environment !== 'production' && named.environment !== chosen) {
      return {
        ok: false,
        error: `the token response's api_domain is Zoho's ${named.environment} environment, not the ${chosen} environment chosen`,
      };
    }
    const dc = dataCentre ?? named?.dc ?? hintedDc ?? 'us';
    environment = chosen ?? named?.environment ?? 'production';
    apiUrl = ZOHO_DATA_CENTRES[dc].apiUrls[environment];
    dataCentre ??= present(overrides.accountsUrl) ? undefined : dc;
  }

  // Under any override the hosts are not (necessarily) a Zoho data centre.
  const overridden = present(overrides.accountsUrl) || present(overrides.apiUrl);
  const dc = overridden ? undefined : dataCentre;
  const fileUploadUrl = dc ? ZOHO_DATA_CENTRES[dc].fileUploadUrl : apiUrl;
  return {
    ok: true,
    accountsUrl,
    apiUrl,
    fileUploadUrl,
    dataCentre: dc,
    environment: overridden ? undefined : environment,
  };
}
