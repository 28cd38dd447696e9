/**
 * The SDK's installation and (re-)initialisation per org.
 *
 * - Access-token mode: `OAuthBuilder().accessToken(t)` with a fixed `UserSignature` per org,
 *   `findUser(false)` and a no-op token store: the SDK never refreshes, never calls
 *   /users?type=CurrentUser on its own, and never writes tokens to disk (its default FileStore
 *   writes plain-text tokens to `sdk_tokens.txt` in the project root).
 * - Process-global state: every call runs in the process-wide `sdkLane` (one org at a time), and the
 *   SDK is re-initialised (`Initializer.initialize`) when the lane switches org or a call brings a
 *   new access token.
 * - Logger: level OFF (at INFO it logs URLs with phone numbers).
 * - Field metadata: the SDK reads `settings/fields?module=X` before record operations and caches it
 *   in `<resourcePath>/resources/<base64(apiUrl + user signature)>.json` (default resource path:
 *   the project root). Each org gets its own directory under `<tmp>/zoho-sdk-<pid>-*` (removed at
 *   exit; directories of dead processes are swept at start); with a fixed signature per org the
 *   file name does not change with every new access token, so a module's metadata is fetched once
 *   per org per hour (our TTL, single flight, see client.ts), not once per token. Picklist
 *   validation is off: values the cached metadata does not know yet (TimelinesAI just added) are
 *   left for Zoho to judge, and Zoho's per-row INVALID_DATA comes back as a RowResult.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Z from '@zohocrm/typescript-sdk-8.0';
import { sdkTransportStats, tokensOf } from './transport.js';

/**
 * The SDK must never persist tokens: this store keeps nothing. `findToken` answers the token it is
 * asked about (the SDK refuses a token with a user signature that no store knows, unless it also
 * carries a refresh token or grant code, which ours never do).
 */
class NoTokenStore implements Z.TokenStore.TokenStore {
  async findToken(token: Z.Token.Token): Promise<Z.Token.Token> {
    return token;
  }
  async findTokenById(): Promise<null> {
    return null;
  }
  async saveToken(): Promise<void> {}
  async deleteToken(): Promise<void> {}
  async getTokens(): Promise<Z.Token.Token[]> {
    return [];
  }
  async deleteTokens(): Promise<void> {}
}

const noTokenStore = new NoTokenStore();
const sdkConfig = new Z.SDKConfigBuilder()
  .autoRefreshFields(false)
  // The cached picklist values go stale (we add "TimelinesAI" ourselves); Zoho validates anyway.
  .pickListValidation(false)
  .updateAPIDomain(false)
  .build();
const offLogger = new Z.LogBuilder().level(Z.Levels.OFF).filePath(null).build();

let baseResourceDir: string | undefined;

/** Best-effort recursive removal (a cache directory someone else may be removing too). */
function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/**
 * Removes cache directories of processes that are gone (killed workers never run 'exit' handlers).
 * Only `zoho-sdk-<pid>-*` directories whose pid is not alive are touched.
 */
function sweepStaleResourceDirs(): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of entries) {
    const m = /^zoho-sdk-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // alive (or not ours to judge)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    removeDir(path.join(os.tmpdir(), name));
  }
}

function orgHash(orgKey: string): string {
  return createHash('sha256').update(orgKey).digest('hex').slice(0, 24);
}

/** `<tmp>/zoho-sdk-XXXX/<orgHash>/` — with the trailing separator the SDK's related-list cache needs. */
function resourcePathFor(orgKey: string): string {
  if (!baseResourceDir) {
    sweepStaleResourceDirs();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `zoho-sdk-${process.pid}-`));
    baseResourceDir = dir;
    process.once('exit', () => removeDir(dir));
  }
  // The SDK creates `<dir>/resources` itself the first time it caches metadata for this org.
  return path.join(baseResourceDir, orgHash(orgKey)) + path.sep;
}

export interface InstallTarget {
  orgKey: string;
  token: string;
  apiUrl: string;
  accountsUrl: string;
  fileUploadUrl: string;
}

let installed: { orgKey: string; token: string } | undefined;
let installing: Promise<void> | undefined;

/** The token the SDK is initialised with, when it is initialised for `orgKey`. */
export function installedTokenOf(orgKey: string): string | undefined {
  return installed?.orgKey === orgKey ? installed.token : undefined;
}

/**
 * The token a call of `orgKey` holding `token` runs with: the installed one when it is newer (the
 * SDK is not re-initialised back to an older token of this org). `token` must be remembered.
 */
export function newestToken(orgKey: string, token: string): string {
  const current = installedTokenOf(orgKey);
  const known = tokensOf(orgKey);
  return current !== undefined && known.indexOf(current) > known.indexOf(token) ? current : token;
}

async function initialize(target: InstallTarget): Promise<void> {
  // LOCAL keeps one entry per (environment, token suffix) forever; we only ever need the current one.
  (Z.Initializer as unknown as { LOCAL?: Map<unknown, unknown> }).LOCAL?.clear();
  const token = new Z.OAuthBuilder()
    .accessToken(target.token)
    .userSignature(new Z.UserSignature(`org-${orgHash(target.orgKey)}`))
    .findUser(false)
    .build();
  token.setAPIDomain(target.apiUrl);
  const environment = new Z.Environment(target.apiUrl, target.accountsUrl, target.fileUploadUrl);
  await Z.Initializer.initialize(
    environment,
    token,
    noTokenStore,
    sdkConfig,
    resourcePathFor(target.orgKey),
    offLogger,
  );
  sdkTransportStats.sdkInits += 1;
}

/**
 * Makes the SDK's global Initializer point at `target` (org + token). Called inside the lane, so
 * only calls of the same org can be running meanwhile; they see either the old or the new token of
 * their own org, both of which the transport guard accepts.
 *
 * `Initializer.initialize` is called directly, not through `InitializeBuilder`/`switchUser`: the
 * builder's constructor copies the *previous* initializer's environment and token in an async
 * callback that can land after our setters, and `switchUser` resolves the new token against the
 * previous org's environment (it stores that org's API domain in the new token).
 */
export async function ensureInstalled(target: InstallTarget): Promise<void> {
  for (;;) {
    if (installing) {
      await installing.catch(() => undefined);
      continue;
    }
    if (installed && installed.orgKey === target.orgKey && installed.token === target.token) return;
    const run = (async () => {
      installed = undefined;
      await initialize(target);
      installed = { orgKey: target.orgKey, token: target.token };
    })();
    installing = run;
    try {
      await run;
    } finally {
      if (installing === run) installing = undefined;
    }
    return;
  }
}
