/**
 * Downloads of attachment URLs that arrive in unauthenticated webhooks, without letting them turn
 * the connector into a proxy: only https URLs on the allowed hosts (`ATTACHMENT_HOSTS`, exact names
 * or `*.suffix`), on the default port, no credentials, no IP addresses in any spelling (decimal,
 * hex and octal forms are normalised to one by the URL parser, then refused), every redirect
 * re-checked, and the addresses actually connected to checked at connect time (addressGuard.ts).
 * The one exception is a trusted URL prefix (the sandbox's own sample files), taken as it is.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { BlockedAddressError, guardedLookup, type Resolve } from './addressGuard.js';

export interface UrlPolicy {
  /** `files.example.com` allows that host exactly, `*.example.com` its subdomains; https only */
  hosts: readonly string[];
  /** URL prefixes trusted as they are, e.g. `http://localhost:3000/sandbox/files/` */
  trustedPrefixes?: readonly string[] | undefined;
}

export type UrlCheck = { ok: true; url: URL; trusted: boolean } | { ok: false; error: string };

export function checkAttachmentUrl(raw: string, policy: UrlPolicy): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, error: 'not a valid URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { ok: false, error: `the ${url.protocol} scheme is not allowed` };
  if (url.username || url.password) return { ok: false, error: 'URLs with credentials are not allowed' };
  if (policy.trustedPrefixes?.some((p) => url.href.startsWith(p))) return { ok: true, url, trusted: true };
  const host = url.hostname;
  if (isIP(host) || host.startsWith('['))
    return { ok: false, error: `an IP address (${host}) is not allowed: links must name an allowed host` };
  if (url.protocol !== 'https:') return { ok: false, error: `only https links are allowed (${host})` };
  if (url.port !== '') return { ok: false, error: `port ${url.port} is not allowed (${host})` };
  if (!policy.hosts.some((rule) => hostMatches(host, rule)))
    return { ok: false, error: `host ${host} is not in ATTACHMENT_HOSTS` };
  return { ok: true, url, trusted: false };
}

export function hostMatches(host: string, rule: string): boolean {
  return rule.startsWith('*.')
    ? host.endsWith(rule.slice(1)) && host.length > rule.length - 1
    : host === rule;
}

/** How a download ended when it failed (bounded: metrics count by it). */
export type DownloadFailure = 'blocked' | 'http_error' | 'too_large' | 'network_error';

export type FetchResult =
  { ok: true; data: Buffer } | { ok: false; error: string; transient?: boolean; result?: DownloadFailure };

export interface SafeFetchOptions {
  policy: UrlPolicy;
  maxBytes: number;
  /** for one attempt, redirects and body included */
  timeoutMs: number;
  /** DNS (tests replace it); every answer goes through the address guard */
  resolve?: Resolve | undefined;
}

type Hop = { kind: 'redirect'; location: string } | { kind: 'done'; result: FetchResult };

export class SafeFetch {
  readonly #lookup: LookupFunction;

  readonly #options: SafeFetchOptions;

  constructor(options: SafeFetchOptions) {
    this.#options = options;
    this.#lookup = guardedLookup(options.resolve);
  }

  /** Downloads `raw` with the checks above; follows at most 3 redirects, each re-checked. */
  async get(raw: string): Promise<FetchResult> {
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    let target = raw;
    for (let hop = 0; hop < 4; hop++) {
      const check = checkAttachmentUrl(target, this.#options.policy);
      if (!check.ok) return { ...check, result: 'blocked' };
      let step: Hop;
      try {
        step = await this.#request(check.url, check.trusted, signal);
      } catch (e) {
        return failure(e, signal);
      }
      if (step.kind === 'done') return step.result;
      target = new URL(step.location, check.url).toString();
    }
    return { ok: false, error: 'too many redirects', result: 'blocked' };
  }

  #request(url: URL, trusted: boolean, signal: AbortSignal): Promise<Hop> {
    const { maxBytes } = this.#options;
    return new Promise<Hop>((resolve, reject) => {
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request(
        url,
        {
          method: 'GET',
          signal,
          agent: false,
          headers: { accept: '*/*', 'user-agent': 'whatsapp-zoho-crm-sync' },
          // The sandbox's own origin is loopback by design; everything else is checked as connected.
          ...(trusted ? {} : { lookup: this.#lookup }),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const location = res.headers.location;
          if (status >= 300 && status < 400 && location) {
            res.resume();
            resolve({ kind: 'redirect', location });
            return;
          }
          if (status < 200 || status >= 300) {
            res.resume();
            const expired = status === 403 || status === 404 ? ' (the link may have expired)' : '';
            resolve({
              kind: 'done',
              result: {
                ok: false,
                error: `download answered HTTP ${status}${expired}`,
                transient: status >= 500 || status === 429,
                result: 'http_error',
              },
            });
            return;
          }
          const declared = Number(res.headers['content-length'] ?? '0');
          if (declared > maxBytes) {
            req.destroy();
            const error = `the file is ${declared} bytes, over the ${maxBytes}-byte limit`;
            resolve({ kind: 'done', result: { ok: false, error, result: 'too_large' } });
            return;
          }
          const chunks: Buffer[] = [];
          let total = 0;
          res.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total > maxBytes) {
              req.destroy();
              const error = `the file is over the ${maxBytes}-byte limit`;
              resolve({ kind: 'done', result: { ok: false, error, result: 'too_large' } });
            } else chunks.push(chunk);
          });
          res.on('end', () => resolve({ kind: 'done', result: { ok: true, data: Buffer.concat(chunks) } }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
}

function failure(e: unknown, signal: AbortSignal): FetchResult {
  if (e instanceof BlockedAddressError)
    return { ok: false, error: `download refused: ${e.message}`, result: 'blocked' };
  const err = e as NodeJS.ErrnoException;
  const why = signal.aborted ? 'timed out' : (err.code ?? err.message);
  return { ok: false, error: `download failed (${why})`, transient: true, result: 'network_error' };
}
