import { describe, expect, it } from 'vitest';
import {
  dataCentreOf,
  isZohoAccountsUrl,
  isZohoApiUrl,
  resolveZohoHosts,
  ZOHO_DATA_CENTRES,
  ZOHO_ENVIRONMENTS,
  type DataCentre,
} from '../../server/src/zoho/hosts.js';

describe('resolveZohoHosts without overrides (real Zoho)', () => {
  it('defaults to the US data centre when the callback names none', () => {
    expect(resolveZohoHosts({}, {})).toEqual({
      ok: true,
      accountsUrl: 'https://accounts.zoho.com',
      apiUrl: 'https://www.zohoapis.com',
      fileUploadUrl: 'https://content.zohoapis.com',
      dataCentre: 'us',
      environment: 'production',
    });
  });

  it.each(Object.entries(ZOHO_DATA_CENTRES))(
    'accepts the %s data centre from accounts-server, location and api_domain',
    (dc, hosts) => {
      const r = resolveZohoHosts(
        { accountsServer: hosts.accountsUrl, location: dc, apiDomain: hosts.apiUrls.production },
        {},
      );
      expect(r).toEqual({
        ok: true,
        accountsUrl: hosts.accountsUrl,
        apiUrl: hosts.apiUrls.production,
        fileUploadUrl: hosts.fileUploadUrl,
        dataCentre: dc,
        environment: 'production',
      });
    },
  );

  it('accepts Zoho hosts with a trailing slash and in upper case', () => {
    const r = resolveZohoHosts(
      { accountsServer: 'https://ACCOUNTS.zoho.eu/', apiDomain: 'https://www.zohoapis.eu/' },
      {},
    );
    expect(r).toMatchObject({
      ok: true,
      accountsUrl: 'https://accounts.zoho.eu',
      apiUrl: 'https://www.zohoapis.eu',
      dataCentre: 'eu',
    });
  });

  it.each([
    ['a foreign host', 'https://accounts.evil.example'],
    ['a look-alike suffix', 'https://accounts.zoho.com.evil.example'],
    ['a Zoho host over http', 'http://accounts.zoho.com'],
    ['a Zoho host on another port', 'https://accounts.zoho.com:8443'],
    ['a Zoho host with credentials', 'https://user:pw@accounts.zoho.com'],
    ['a Zoho host with a path', 'https://accounts.zoho.com/redirect?to=evil'],
    ['an API host named as accounts server', 'https://www.zohoapis.com'],
    ['not a URL', 'accounts.zoho.com'],
  ])('refuses %s as accounts-server', (_label, accountsServer) => {
    const r = resolveZohoHosts({ accountsServer, location: 'us' }, {});
    expect(r.ok).toBe(false);
  });

  it('refuses a foreign api_domain and an http api_domain', () => {
    expect(resolveZohoHosts({ apiDomain: 'https://api.evil.example' }, {}).ok).toBe(false);
    expect(resolveZohoHosts({ apiDomain: 'http://www.zohoapis.com' }, {}).ok).toBe(false);
  });

  it('refuses a location that disagrees with the accounts server, and an unknown location', () => {
    expect(resolveZohoHosts({ accountsServer: 'https://accounts.zoho.eu', location: 'us' }, {}).ok).toBe(
      false,
    );
    expect(resolveZohoHosts({ location: 'mars' }, {}).ok).toBe(false);
  });

  it('refuses an api_domain of another data centre than the accounts server', () => {
    const r = resolveZohoHosts(
      { accountsServer: 'https://accounts.zoho.eu', apiDomain: 'https://www.zohoapis.com' },
      {},
    );
    expect(r.ok).toBe(false);
  });

  it('takes the data centre from location alone (Canada uses zohocloud.ca accounts)', () => {
    expect(resolveZohoHosts({ location: 'ca' }, {})).toMatchObject({
      ok: true,
      accountsUrl: 'https://accounts.zohocloud.ca',
      apiUrl: 'https://www.zohoapis.ca',
    });
  });
});

describe('resolveZohoHosts with overrides (tests, sandbox, emulator)', () => {
  const overrides = { accountsUrl: 'http://127.0.0.1:4100/', apiUrl: 'http://127.0.0.1:4100' };

  it('uses the override hosts, http included, and no data centre', () => {
    expect(resolveZohoHosts({}, overrides)).toEqual({
      ok: true,
      accountsUrl: 'http://127.0.0.1:4100',
      apiUrl: 'http://127.0.0.1:4100',
      fileUploadUrl: 'http://127.0.0.1:4100',
      dataCentre: undefined,
      environment: undefined,
    });
  });

  it('accepts a callback naming the override accounts server', () => {
    const r = resolveZohoHosts(
      { accountsServer: 'http://127.0.0.1:4100', location: 'us', apiDomain: 'http://127.0.0.1:4100' },
      overrides,
    );
    expect(r).toMatchObject({
      ok: true,
      accountsUrl: 'http://127.0.0.1:4100',
      apiUrl: 'http://127.0.0.1:4100',
    });
  });

  it('refuses a callback naming another accounts server, even a real Zoho one', () => {
    expect(resolveZohoHosts({ accountsServer: 'https://accounts.zoho.com' }, overrides).ok).toBe(false);
    expect(resolveZohoHosts({ accountsServer: 'http://127.0.0.1:9999' }, overrides).ok).toBe(false);
  });

  it('keeps the API override whatever api_domain the token response names', () => {
    const r = resolveZohoHosts({ apiDomain: 'https://api.evil.example' }, overrides);
    expect(r).toMatchObject({ ok: true, apiUrl: 'http://127.0.0.1:4100' });
  });

  it('keeps a path prefix of an override (an emulator mounted under a path)', () => {
    const r = resolveZohoHosts(
      {},
      { accountsUrl: 'http://localhost:3000/zoho-emulator/', apiUrl: 'http://localhost:3000/zoho-emulator' },
    );
    expect(r).toMatchObject({
      ok: true,
      accountsUrl: 'http://localhost:3000/zoho-emulator',
      apiUrl: 'http://localhost:3000/zoho-emulator',
    });
  });

  it('refuses an override that is not an http(s) URL or carries credentials', () => {
    expect(resolveZohoHosts({}, { accountsUrl: 'ftp://x.example' }).ok).toBe(false);
    expect(resolveZohoHosts({}, { apiUrl: 'https://u:p@x.example' }).ok).toBe(false);
  });
});

describe('host helpers', () => {
  it('names the data centre of Zoho URLs and location codes, and nothing else', () => {
    expect(dataCentreOf('https://accounts.zoho.in')).toBe('in');
    expect(dataCentreOf('https://www.zohoapis.com.au')).toBe('au');
    expect(dataCentreOf('SA')).toBe('sa');
    expect(dataCentreOf('http://127.0.0.1:4100')).toBeUndefined();
    expect(dataCentreOf('https://www.zohoapis.com.evil.example')).toBeUndefined();
  });

  it('tells Zoho accounts servers from API hosts', () => {
    expect(isZohoAccountsUrl('https://accounts.zoho.jp')).toBe(true);
    expect(isZohoAccountsUrl('https://www.zohoapis.jp')).toBe(false);
    expect(isZohoApiUrl('https://www.zohoapis.com.cn')).toBe(true);
    expect(isZohoApiUrl('http://www.zohoapis.com.cn')).toBe(false);
  });
});

/**
 * Finding: orgs in Zoho's UK and UAE data centres, and Zoho's sandbox and developer environments,
 * could not connect. Every data centre and environment, each host exactly, and nothing else.
 */
const EXPECTED: Record<DataCentre, { accounts: string; tld: string; files: string }> = {
  us: { accounts: 'accounts.zoho.com', tld: 'com', files: 'content.zohoapis.com' },
  eu: { accounts: 'accounts.zoho.eu', tld: 'eu', files: 'content.zohoapis.eu' },
  in: { accounts: 'accounts.zoho.in', tld: 'in', files: 'content.zohoapis.in' },
  au: { accounts: 'accounts.zoho.com.au', tld: 'com.au', files: 'content.zohoapis.com.au' },
  jp: { accounts: 'accounts.zoho.jp', tld: 'jp', files: 'content.zohoapis.jp' },
  cn: { accounts: 'accounts.zoho.com.cn', tld: 'com.cn', files: 'content.zohoapis.com.cn' },
  ca: { accounts: 'accounts.zohocloud.ca', tld: 'ca', files: 'upload.zohocloud.ca' },
  sa: { accounts: 'accounts.zoho.sa', tld: 'sa', files: 'files.zoho.sa' },
  uk: { accounts: 'accounts.zoho.uk', tld: 'uk', files: 'upload.zoho.com' },
  ae: { accounts: 'accounts.zoho.ae', tld: 'ae', files: 'upload.zoho.com' },
};
const PREFIX = { production: 'www', sandbox: 'sandbox', developer: 'developer' } as const;

describe('every Zoho data centre and environment', () => {
  it('lists exactly the ten data centres', () => {
    expect(Object.keys(ZOHO_DATA_CENTRES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  const cases = Object.entries(EXPECTED).flatMap(([dc, e]) =>
    ZOHO_ENVIRONMENTS.map((env) => [dc as DataCentre, env, e] as const),
  );

  it.each(cases)('%s %s: accounts, API and file hosts from the callback and token response', (dc, env, e) => {
    const api = `https://${PREFIX[env]}.zohoapis.${e.tld}`;
    const expected = {
      ok: true,
      accountsUrl: `https://${e.accounts}`,
      apiUrl: api,
      fileUploadUrl: `https://${e.files}`,
      dataCentre: dc,
      environment: env,
    };
    // The environment chosen at the start, with Zoho's usual production api_domain in the answer…
    const chosen = resolveZohoHosts(
      {
        accountsServer: `https://${e.accounts}`,
        location: dc,
        apiDomain: `https://www.zohoapis.${e.tld}`,
        environment: env,
      },
      {},
    );
    expect(chosen).toEqual(expected);
    // …or named by the token response's api_domain.
    const named = resolveZohoHosts(
      { accountsServer: `https://${e.accounts}`, location: dc, apiDomain: api },
      {},
    );
    expect(named).toEqual(expected);
    expect(isZohoAccountsUrl(`https://${e.accounts}`)).toBe(true);
    expect(isZohoApiUrl(api)).toBe(true);
    expect(dataCentreOf(api)).toBe(dc);
  });

  it.each(Object.entries(EXPECTED))(
    '%s: refuses look-alikes, suffix tricks, userinfo, ports and http',
    (dc, e) => {
      const accounts = e.accounts;
      const api = `sandbox.zohoapis.${e.tld}`;
      for (const host of [accounts, api]) {
        for (const bad of [
          `http://${host}`,
          `https://${host}:8443`,
          `https://${host}:443@evil.example`,
          `https://user:pw@${host}`,
          `https://${host}.evil.example`,
          `https://${host}.`,
          `https://x${host}`,
          `https://evil.${host}`,
          `https://${host}/path`,
          `https://${host}?x=1`,
        ]) {
          expect(isZohoAccountsUrl(bad), bad).toBe(false);
          expect(isZohoApiUrl(bad), bad).toBe(false);
          expect(resolveZohoHosts({ accountsServer: bad, location: dc }, {}).ok, bad).toBe(false);
          expect(
            resolveZohoHosts({ accountsServer: `https://${accounts}`, apiDomain: bad }, {}).ok,
            bad,
          ).toBe(false);
        }
      }
      expect(isZohoApiUrl(`https://test.zohoapis.${e.tld}`)).toBe(false);
      expect(isZohoAccountsUrl(`https://${api}`)).toBe(false);
    },
  );

  it('refuses an api_domain of another non-production environment than the one chosen', () => {
    const r = resolveZohoHosts(
      {
        accountsServer: 'https://accounts.zoho.uk',
        apiDomain: 'https://developer.zohoapis.uk',
        environment: 'sandbox',
      },
      {},
    );
    expect(r).toEqual({
      ok: false,
      error:
        "the token response's api_domain is Zoho's developer environment, not the sandbox environment chosen",
    });
  });

  it('takes UK and AE from location alone', () => {
    expect(resolveZohoHosts({ location: 'uk' }, {})).toMatchObject({
      accountsUrl: 'https://accounts.zoho.uk',
      apiUrl: 'https://www.zohoapis.uk',
    });
    expect(resolveZohoHosts({ location: 'ae', environment: 'developer' }, {})).toMatchObject({
      accountsUrl: 'https://accounts.zoho.ae',
      apiUrl: 'https://developer.zohoapis.ae',
    });
  });
});
