/**
 * Drives the official SDK (@zohocrm/typescript-sdk-8.0) against the emulator in tests.
 *
 * The SDK is process-global (one static Initializer): call `initSdk` before the calls of one org
 * and never interleave orgs. `initSdk` keeps the SDK off the disk where it can: tokens live in an
 * in-memory store, and its field-metadata cache goes to a fresh temp directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Environment,
  InitializeBuilder,
  Levels,
  LogBuilder,
  OAuthBuilder,
  OAuthToken,
  SDKConfigBuilder,
  type Token as TokenNs,
  type TokenStore as TokenStoreNs,
} from '@zohocrm/typescript-sdk-8.0';

type Token = TokenNs.Token;

/**
 * An in-memory TokenStore. It must find a token it saved: after `initialize()` with findUser, the
 * token carries a user signature, and the SDK then insists on finding it in the store (else it
 * demands a grant or refresh token). Keeps tokens off the disk (the default FileStore writes
 * `sdk_tokens.txt` into the project root).
 */
export class MemoryTokenStore implements TokenStoreNs.TokenStore {
  private tokens: Token[] = [];
  async findToken(token: Token): Promise<Token | null> {
    const at = token instanceof OAuthToken ? token.getAccessToken() : undefined;
    return this.tokens.find((t) => t instanceof OAuthToken && t.getAccessToken() === at) ?? null;
  }
  async findTokenById(id: string): Promise<Token | null> {
    return this.tokens.find((t) => t.getId() === id) ?? null;
  }
  async saveToken(token: Token): Promise<void> {
    if (!this.tokens.includes(token)) this.tokens.push(token);
  }
  async deleteToken(id: string): Promise<void> {
    this.tokens = this.tokens.filter((t) => t.getId() !== id);
  }
  async getTokens(): Promise<Token[]> {
    return [...this.tokens];
  }
  async deleteTokens(): Promise<void> {
    this.tokens = [];
  }
}

export interface SdkInitOptions {
  pickListValidation?: boolean;
  /** Reuse a resource directory (the SDK's fields cache) across inits. */
  resourceDir?: string;
  /** SDK default true: initialize() then calls GET /users?type=CurrentUser and GET /org. */
  findUser?: boolean;
}

/**
 * One store and one resource directory per process: re-initializing the SDK with a token it has
 * seen can pick up the previous Initializer (Initializer.LOCAL, keyed by API URL + user signature
 * or token tail) with its store and resource path, so they must stay the same.
 */
const sharedStore = new MemoryTokenStore();
let sharedResourceDir: string | undefined;
/**
 * One OAuthToken object per access token: after its first initialize() it carries the user
 * signature that names the SDK's caches; a fresh object for the same token would not, and the SDK
 * then looks for its fields cache under another file name (ENOENT inside record calls).
 */
const tokens = new Map<string, OAuthToken>();

export async function initSdk(
  baseUrl: string,
  accessToken: string,
  opts: SdkInitOptions = {},
): Promise<{ resourceDir: string }> {
  // The trailing separator matters: the SDK builds one cache path as resourcePath + "resources/".
  sharedResourceDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'zoho-sdk-')) + path.sep;
  const resourceDir = opts.resourceDir ?? sharedResourceDir;
  const environment = new Environment(baseUrl, `${baseUrl}/oauth/v2/token`, baseUrl);
  const findUser = opts.findUser ?? true;
  const key = `${findUser}:${accessToken}`;
  const token = tokens.get(key) ?? new OAuthBuilder().accessToken(accessToken).findUser(findUser).build();
  tokens.set(key, token);
  const logger = new LogBuilder().level(Levels.OFF).filePath(null).build();
  const sdkConfig = new SDKConfigBuilder()
    .pickListValidation(opts.pickListValidation ?? true)
    .autoRefreshFields(false)
    .build();
  await new InitializeBuilder()
    .environment(environment)
    .token(token)
    .store(sharedStore)
    .SDKConfig(sdkConfig)
    .resourcePath(resourceDir)
    .logger(logger)
    .initialize();
  return { resourceDir };
}
