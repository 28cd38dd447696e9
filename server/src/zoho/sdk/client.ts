/**
 * One org's way into the SDK: every SDK request of a gateway goes through `SdkClient.exec`, which
 * paces it, gets an access token, waits for the org's turn in the process-wide `sdkLane`, makes the
 * SDK's global Initializer point at this org and token (install.ts), runs the request with the
 * call's context for the transport guard (transport.ts), turns Zoho's answer or failure into an
 * `Answer` or a `ZohoError` (errors.ts), and applies the 401 INVALID_TOKEN → invalidate → one
 * retry rule.
 *
 * It also keeps the SDK's field-metadata cache of a module fresh: filled once per org per TTL
 * (default 1 h), single flight, and dropped after we change a module's fields.
 */
import * as fs from 'node:fs';
import * as Z from '@zohocrm/typescript-sdk-8.0';
import { ZohoError, isZohoError } from '../errors.js';
import type { ZohoCallKind } from '../gateway.js';
import { COMPLEX_CALLS_LIMIT } from '../limits.js';
import { sdkLane } from '../sdkLane.js';
import type { SdkFieldDetail } from './convert.js';
import { REFRESHABLE, errorFromHttp, toZohoError } from './errors.js';
import { ensureInstalled, installedTokenOf, newestToken, type InstallTarget } from './install.js';
import { hasMoreRecords, isObj, objectsOf, str, type Json } from './json.js';
import { callContext, installTransport, rememberToken, type CallContext } from './transport.js';

export interface SdkGatewayOptions {
  apiUrl: string;
  accountsUrl: string;
  /** Zoho's content host of the data centre (resolveZohoHosts' fileUploadUrl); default: apiUrl. */
  fileUploadUrl?: string | undefined;
  /** Identifies the org (workspace / org id): the lane key and the metadata cache key. */
  orgKey: string;
  tokens: { accessToken(): Promise<string>; invalidate(token: string): void };
  /** Called once per HTTP request sent to Zoho (including the SDK's silent metadata reads). */
  onCall?: ((kind: ZohoCallKind) => void) | undefined;
  /** Called when that request is answered: its HTTP status, or 'network_error' (metrics). */
  onAnswer?: ((kind: ZohoCallKind, status: number | 'network_error') => void) | undefined;
  /**
   * Concurrent calls for this org (Zoho: 5 Free … 25 Ultimate, see limits.ts). Default 10. Complex
   * calls (COQL, writes of more than 10 rows) are held to min(this, 10) as Zoho requires.
   */
  maxConcurrency?: number | undefined;
  /** Awaited before each call (the credit budget's pacing of background calls). */
  pace?: (() => Promise<void>) | undefined;
  /** Per-request timeout, default 30 s. */
  timeoutMs?: number | undefined;
  /** How long the SDK's cached field metadata of a module is trusted, default 1 h. */
  metadataTtlMs?: number | undefined;
}

/** Zoho's answer to one request, as the SDK parsed it. */
export interface Answer {
  status: number;
  json: Json | undefined;
  headers: Map<string, string>;
}

export type SdkResponse = {
  getStatusCode(): number;
  getHeaders(): Map<string, string>;
  getResponseJSON(): object | null;
};

/** What a write answers when nothing of it could be sent (every row refused before the call). */
export const EMPTY_RESPONSE: SdkResponse = {
  getStatusCode: () => 200,
  getHeaders: () => new Map(),
  getResponseJSON: () => ({ data: [] }),
};

export interface ExecOptions {
  /** An answer with this array (`data`, `fields`) is returned whatever its status (rows fail one by one). */
  rows?: string;
  /** Runs inside the lane before the request (e.g. warming the SDK's metadata cache). */
  before?: () => Promise<void>;
  /** A "complex" call for Zoho's concurrency sub-limit (COQL, writes of more than 10 rows). */
  complex?: boolean;
}

/** (orgKey, module) → when the SDK cache was (re)filled; single flight. */
const metadataWarm = new Map<string, { at: number; ready: Promise<void> }>();

function trimmed(url: string): string {
  return url.replace(/\/+$/, '');
}

export class SdkClient {
  readonly #opts: SdkGatewayOptions;
  readonly #orgKey: string;
  readonly #cap: number;
  readonly #prefixes: string[];
  readonly #target: Omit<InstallTarget, 'token'>;
  readonly #timeoutMs: number;
  readonly #metadataTtlMs: number;

  constructor(opts: SdkGatewayOptions) {
    installTransport();
    this.#opts = opts;
    this.#orgKey = opts.orgKey;
    this.#cap = Math.max(1, Math.floor(opts.maxConcurrency ?? 10));
    const apiUrl = trimmed(opts.apiUrl);
    const fileUploadUrl = trimmed(opts.fileUploadUrl ?? apiUrl);
    this.#prefixes = [...new Set([apiUrl, fileUploadUrl])];
    this.#target = { orgKey: opts.orgKey, apiUrl, accountsUrl: trimmed(opts.accountsUrl), fileUploadUrl };
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#metadataTtlMs = opts.metadataTtlMs ?? 60 * 60_000;
  }

  /**
   * One SDK request (plus whatever the SDK reads silently first), in the lane, with the 401
   * INVALID_TOKEN → invalidate → one retry rule. `rows`: an answer with a `data` array is returned
   * whatever its status (Zoho fails rows one by one inside 200/201/207/400).
   */
  async exec(what: string, call: () => Promise<SdkResponse>, opts: ExecOptions = {}): Promise<Answer> {
    // Near the org's daily credit limit the sync's calls are paced (limits.ts); others are not.
    await this.#opts.pace?.();
    let token: string;
    try {
      token = await this.#opts.tokens.accessToken();
    } catch (e) {
      throw isZohoError(e)
        ? e
        : new ZohoError(`${what}: no access token (${e instanceof Error ? e.message : 'error'})`, {
            code: 'temporary',
          });
    }
    for (let attempt = 0; ; attempt++) {
      const ctx: CallContext = {
        orgKey: this.#orgKey,
        token,
        prefixes: this.#prefixes,
        onCall: this.#opts.onCall,
        onAnswer: this.#opts.onAnswer,
        timeoutMs: this.#timeoutMs,
        last: undefined,
      };
      try {
        return await this.#inLane(ctx, what, call, opts);
      } catch (e) {
        const err = toZohoError(e, ctx, what);
        if (err.code === 'auth' && REFRESHABLE.has(err.zohoCode ?? '')) {
          // A token that expired or was revoked: refreshed (a refused refresh is the reconnect case).
          // Refused again after two good refreshes (it expired in between): the connection still
          // works, so the call is retried later, never left waiting for a reconnection.
          if (attempt >= 2)
            throw new ZohoError(`${err.message} (just after a token refresh)`, {
              code: 'temporary',
              zohoCode: err.zohoCode,
              httpStatus: err.httpStatus,
            });
          this.#opts.tokens.invalidate(ctx.token);
          try {
            token = await this.#opts.tokens.accessToken();
          } catch (e2) {
            throw isZohoError(e2) ? e2 : err;
          }
          if (token === ctx.token) throw err; // no new token to try: the connection needs the admin
          continue;
        }
        throw err;
      }
    }
  }

  #inLane(ctx: CallContext, what: string, call: () => Promise<SdkResponse>, opts: ExecOptions) {
    return sdkLane.run(
      this.#orgKey,
      this.#cap,
      async () => {
        rememberToken(this.#orgKey, ctx.token);
        // Do not re-initialise back to an older token of this org when a newer one is installed.
        ctx.token = newestToken(this.#orgKey, ctx.token);
        await ensureInstalled({ ...this.#target, token: ctx.token });
        return await callContext.run(ctx, async () => {
          if (opts.before) await opts.before();
          const res = await call();
          return interpret(what, res, opts.rows);
        });
      },
      { complex: opts.complex === true, complexCap: Math.min(this.#cap, COMPLEX_CALLS_LIMIT) },
    );
  }

  #metadataKey(module: string): string {
    return `${this.#orgKey}\u0000${module.toLowerCase()}`;
  }

  /** Fills the SDK's field cache for `module` once per TTL, single flight (inside the lane). */
  warmMetadata(module: string): Promise<void> {
    const key = this.#metadataKey(module);
    const hit = metadataWarm.get(key);
    const now = Date.now();
    if (hit && now - hit.at < this.#metadataTtlMs) return hit.ready;
    const ready = (async () => {
      if (hit) await Z.ModuleFieldsHandler.deleteFields(module);
      await Z.Utility.getFields(module, null);
    })();
    const entry = { at: now, ready };
    metadataWarm.set(key, entry);
    ready.catch(() => {
      if (metadataWarm.get(key) === entry) metadataWarm.delete(key);
    });
    return ready;
  }

  /** The SDK's cached metadata of a module (after warmMetadata), by field API name. Inside the lane. */
  async sdkFields(module: string): Promise<Map<string, SdkFieldDetail>> {
    try {
      const file = await Z.Converter.getEncodedFileName();
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
      const m = json[module.toLowerCase()];
      if (!isObj(m)) return new Map();
      return new Map(Object.entries(m).filter((e): e is [string, SdkFieldDetail] => isObj(e[1])));
    } catch {
      return new Map();
    }
  }

  /** Drops the SDK's cached metadata of `module` (after we changed its fields), in the lane (no HTTP). */
  async forgetMetadata(module: string): Promise<void> {
    let token: string;
    try {
      token = await this.#opts.tokens.accessToken();
    } catch {
      metadataWarm.delete(this.#metadataKey(module));
      return;
    }
    await sdkLane.run(this.#orgKey, this.#cap, async () => {
      rememberToken(this.#orgKey, token);
      await ensureInstalled({ ...this.#target, token: installedTokenOf(this.#orgKey) ?? token });
      metadataWarm.delete(this.#metadataKey(module));
      await Z.ModuleFieldsHandler.deleteFields(module).catch(() => undefined);
    });
  }
}

/**
 * The rows of `key` over pages 1 … `maxPages`, one call per page, until Zoho's `info.more_records`
 * says there is no more (or a page comes back empty).
 */
export async function allPages(
  maxPages: number,
  key: string,
  page: (n: number) => Promise<Answer>,
): Promise<Json[]> {
  const out: Json[] = [];
  for (let n = 1; n <= maxPages; n++) {
    const a = await page(n);
    const rows = objectsOf(a.json, key);
    out.push(...rows);
    if (!hasMoreRecords(a.json) || rows.length === 0) break;
  }
  return out;
}

function interpret(what: string, res: SdkResponse, rowsKey: string | undefined): Answer {
  const status = res.getStatusCode();
  const headers = res.getHeaders() ?? new Map<string, string>();
  const raw = res.getResponseJSON();
  const json = isObj(raw) ? raw : undefined;
  if (status === 204 || status === 304) return { status, json: undefined, headers };
  if (rowsKey && json && Array.isArray(json[rowsKey]) && status < 500 && status !== 401 && status !== 429) {
    return { status, json, headers };
  }
  if (status >= 200 && status < 300) {
    // A 200 can still carry an error object ({code, status:"error"}).
    if (json && str(json.status).toLowerCase() === 'error' && typeof json.code === 'string') {
      throw errorFromHttp(what, status, json, headers);
    }
    return { status, json, headers };
  }
  throw errorFromHttp(what, status, json, headers);
}
