/** The emulator's public API: what tests, the sandbox and the benchmarks program against. */
import type express from 'express';
import type { AttachmentRec, FieldSeed, OrgSeed, SeededOrg, SeededUser, UserSeed } from './model/types.js';
import type { MessyPhoneSeed, SeededPhone, SeedRecordsOptions } from './seed/bulk.js';

export interface EmulatorOptions {
  /** JSON snapshot, loaded at start and saved (debounced) on change. */
  persistFile?: string;
  /** Clock (ms since epoch). Default Date.now. `controls.advanceTime` adds to it. */
  now?: () => number;
  /** Debounce of snapshot writes, default 250 ms. */
  persistDebounceMs?: number;
}

export type InjectedStatus = 429 | 500 | 502 | 503;

/** Random faults on CRM API calls: a bad day at Zoho (chaos runs). */
export interface RandomFaults {
  /** probability that a call fails with one of `statuses` (drawn uniformly) */
  failureRate: number;
  statuses: InjectedStatus[];
  /** probability that a call is delayed by `spikeMs` on top of the latency */
  spikeRate: number;
  spikeMs: number;
  /** seed of the draws: the same seed and call order give the same faults */
  seed: number;
}

export interface EmulatorControls {
  /** Delay added to every CRM API call (the call holds its concurrency slot meanwhile). */
  latencyMs: number;
  /** Concurrent CRM API calls allowed per org; the call beyond it gets 429 TOO_MANY_REQUESTS. */
  concurrencyCap: number | undefined;
  /** Search and COQL do not see records created less than this many seconds ago. */
  searchLagSec: number;
  /**
   * The next `n` matching requests fail with `status`. Without `pathIncludes`: CRM API calls only;
   * with it: any request (accounts included) whose URL contains it. `body` defaults to Zoho JSON for
   * 429/500 and to an HTML page (as Zoho's load balancer answers) for 502/503; the SDK cannot parse
   * the HTML and throws an SDKException without a status code. A GET answered 429/5xx is retried by
   * the SDK's HTTP client (got: 2 retries, ~1 s and ~2 s apart), so it consumes up to 3 injections.
   */
  failNext(n: number, status: InjectedStatus, opts?: { pathIncludes?: string; body?: 'json' | 'html' }): void;
  /**
   * Random faults on every CRM API call from now on (undefined: off). Answers are Zoho's JSON for
   * 429/500 and its load balancer's HTML for 502/503, as with `failNext`; each counts as `injected`.
   */
  randomFaults: RandomFaults | undefined;
  /**
   * The next `n` CRM calls (whose URL contains `pathIncludes` and whose method is `method`, when given) are held `ms` before they
   * are carried out, counted as `held` when the hold starts. As on a slow Zoho, the write lands even
   * when the client gave up or died meanwhile (its answer is lost).
   */
  holdNext(n: number, ms: number, opts?: { pathIncludes?: string; method?: string }): void;
  /** Pending injections (remaining count summed). */
  pendingFailures(): number;
  clearFailures(): void;
  expireAllAccessTokens(orgId?: string): void;
  revokeAll(orgId?: string): void;
  /** Moves the emulator clock forward (token expiry, search lag, Modified_Time). */
  advanceTime(ms: number): void;
  /** CRM API calls currently in flight for an org. */
  inflight(orgId: string): number;
}

export interface EmulatorStats {
  /** Calls by kind: users, org, modules, fields, field_write, related_lists, coql, search, record_get,
   * record_list (the list without ids), deleted_list, record_count, record_create, record_update,
   * record_upsert, record_delete, note_create, note_update, note_list,
   * note_delete, attachment, token, plus throttled (429 by the cap), injected (failNext) and held (holdNext). */
  calls(orgId?: string): Record<string, number>;
  /** Requests to the token endpoint with grant_type=refresh_token (successful or not). */
  tokenRefreshes(): number;
  reset(): void;
}

export type EmulatorAttachment = Pick<
  AttachmentRec,
  'id' | 'parentModule' | 'parentId' | 'fileName' | 'mimeType' | 'size' | 'data'
> & { createdTime: string };

export interface EmulatorField {
  id: string;
  apiName: string;
  label: string;
  dataType: string;
  mandatory: boolean;
  custom: boolean;
  length: number | undefined;
  picklistValues: string[] | undefined;
  /** Zoho's field encryption is on (its metadata `crypt` is non-null). */
  encrypted: boolean;
}

export interface EmulatorStateApi {
  orgs(): SeededOrg[];
  org(orgId: string): SeededOrg;
  /** Records as `GET /{module}/{id}` answers them (all fields), oldest first. */
  records(orgId: string, module: string): Record<string, unknown>[];
  record(orgId: string, module: string, id: string): Record<string, unknown> | undefined;
  /** Notes as `GET /Notes` answers them, of one parent record or all, oldest first. */
  notes(orgId: string, parentId?: string): Record<string, unknown>[];
  attachments(orgId: string, parentId: string): EmulatorAttachment[];
  fields(orgId: string, module: string): EmulatorField[];
  /** Creates a record as a human in the CRM UI would (validated like the API; throws on invalid data). */
  createRecord(
    orgId: string,
    module: string,
    fields: Record<string, unknown>,
    opts?: { byUserId?: string; createdAt?: number },
  ): string;
  /** Updates a record as a human in the CRM UI would: bumps Modified_Time (throws on invalid data). */
  updateRecord(
    orgId: string,
    module: string,
    id: string,
    fields: Record<string, unknown>,
    byUserId?: string,
  ): void;
  /** Deletes a record as a human in the CRM UI would: to the recycle bin, listed by `GET /{module}/deleted`. */
  deleteRecord(orgId: string, module: string, id: string, byUserId?: string): void;
  /**
   * Merges duplicates as a human in the CRM UI would (Find and Merge): `otherIds` (1 or 2) are deleted
   * and listed as deleted, their Notes and attachments move to the master, the master takes the
   * values `take` names (field → record id) and its Modified_Time moves.
   */
  mergeRecords(
    orgId: string,
    module: string,
    masterId: string,
    otherIds: string[],
    opts?: { byUserId?: string; take?: Record<string, string> },
  ): void;
  /**
   * Inserts many records at once (100,000 in a few seconds), validated like API writes except phone
   * values (only length-checked: seeds hold legacy spellings). A row may carry `Created_Time` /
   * `Modified_Time` (ISO with offset, or ms). Returns the new ids in row order.
   */
  seedRecords(
    orgId: string,
    module: string,
    rows: Record<string, unknown>[],
    opts?: SeedRecordsOptions,
  ): string[];
  /** One record per number, the number spelt by `spell` in one of the module's phone fields. */
  seedMessyPhones(orgId: string, module: string, spec: MessyPhoneSeed): SeededPhone[];
  /** Turns Zoho's field encryption on (or off) for a field, as an admin in the CRM's setup would. */
  encryptField(orgId: string, module: string, apiName: string, on?: boolean): EmulatorField;
  addField(orgId: string, module: string, field: FieldSeed): EmulatorField;
  deleteField(orgId: string, module: string, apiName: string): void;
  addUser(orgId: string, user: UserSeed): SeededUser;
  setUserProfile(orgId: string, userIdOrEmail: string, profile: string): void;
  setUserStatus(orgId: string, userIdOrEmail: string, status: 'active' | 'disabled' | 'deleted'): void;
  setOrgTimeZone(orgId: string, timeZone: string): void;
}

export interface ZohoEmulator {
  router: express.Router;
  listen(port?: number): Promise<{ url: string; close(): Promise<void> }>;
  setBaseUrl(url: string): void;
  baseUrl(): string | undefined;
  registerClient(c: { clientId: string; clientSecret: string; redirectUris?: string[] }): void;
  seedOrg(spec?: Partial<OrgSeed>): SeededOrg;
  seedDefaultSandbox(): SeededOrg;
  issueToken(args: {
    orgId: string;
    userId: string;
    scopes?: string[];
    expiresInSec?: number;
    clientId?: string;
  }): { accessToken: string; refreshToken: string };
  controls: EmulatorControls;
  stats: EmulatorStats;
  state: EmulatorStateApi;
  /** Writes the snapshot now (when persistFile is set). */
  flush(): Promise<void>;
}
