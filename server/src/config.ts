/**
 * All configuration comes from the environment and is checked by one zod schema, so that
 * a bad deployment stops at start-up with one message listing every problem at once.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { exactOrigin } from './workspace/trustedOrigins.js';

/**
 * Where attachment links may point by default. TimelinesAI's public documentation does not name the
 * host of its `temporary_download_url`s (its examples use placeholders such as acme.com), so the
 * default is TimelinesAI's own domain only: its app and API host `app.timelines.ai` and its
 * subdomains. No shared storage domain (a bare `s3.amazonaws.com` would accept any bucket, anyone's):
 * when the sync log says "host X is not in ATTACHMENT_HOSTS" for a genuine TimelinesAI link, add X.
 */
const DEFAULT_ATTACHMENT_HOSTS = ['timelines.ai', '*.timelines.ai'];

/**
 * Domains shared by every customer of a storage service: allowing them (or all their subdomains)
 * allows anyone's bucket. A bucket's own host (`my-bucket.s3.eu-west-1.amazonaws.com`) is fine.
 */
const SHARED_STORAGE =
  /^(?:\*\.)?(?:s3[.-][a-z0-9-]+\.amazonaws\.com|s3\.amazonaws\.com|storage\.googleapis\.com|blob\.core\.windows\.net)$|^\*\.(?:amazonaws\.com|googleapis\.com|cloudfront\.net|r2\.dev|digitaloceanspaces\.com)$/;
const HOST_NAME = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

function parseAttachmentHosts(raw: string, ctx: z.RefinementCtx): string[] {
  const hosts: string[] = [];
  for (const item of raw
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean)) {
    const bad = (why: string) =>
      ctx.addIssue({ code: 'custom', message: `ATTACHMENT_HOSTS: "${item.slice(0, 80)}" ${why}` });
    if (/^\*\.[a-z0-9-]+$/.test(item))
      bad('is a whole top-level domain: name the storage host or its own domain');
    else if (!HOST_NAME.test(item))
      bad(
        'is not a host name: give names like files.example.com, or *.example.com for its subdomains (no scheme, port, path or IP address)',
      );
    else if (SHARED_STORAGE.test(item))
      bad(
        "is a storage domain shared by every customer (any bucket would be accepted): name the bucket's own host, e.g. my-bucket.s3.eu-west-1.amazonaws.com",
      );
    else hosts.push(item);
  }
  return hosts;
}

const optionalUrl = (name: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || /^https?:\/\/[^/\s]+/.test(v), {
      message: `${name} must be an absolute http(s) URL, e.g. https://example.com`,
    })
    .transform((v) => (v === undefined ? undefined : v.replace(/\/+$/, '')));

/** `WIDGET_ORIGINS`: exact origins, https (http only on localhost, for widget development). */
function parseWidgetOrigins(raw: string, ctx: z.RefinementCtx): string[] {
  const origins: string[] = [];
  for (const item of raw
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)) {
    const url = exactOrigin(item);
    const local = url && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
    if (!url) {
      ctx.addIssue({
        code: 'custom',
        message: `WIDGET_ORIGINS: "${item.slice(0, 80)}" is not an origin; give scheme, host and port only, e.g. https://widgets.example.com (no path, no trailing slash)`,
      });
    } else if (url.protocol !== 'https:' && !local) {
      ctx.addIssue({
        code: 'custom',
        message: `WIDGET_ORIGINS: "${item.slice(0, 80)}" must use https (http is accepted for localhost only): the session token is handed to it`,
      });
    } else origins.push(item);
  }
  return origins;
}

const emptyToUndefined = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** A whole number setting: `fallback` when unset or empty, else within [min, max], or `message`. */
const wholeNumber = (fallback: number, min: number, max: number, message: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, { message });

export const configSchema = z
  .object({
    PORT: wholeNumber(3000, 0, 65535, 'PORT must be a whole number from 0 to 65535'),
    /** Listen address; default 127.0.0.1 for the sandbox (it has no passwords), else all interfaces. */
    HOST: emptyToUndefined.refine(
      (v) => v === undefined || isIP(v) !== 0 || /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/i.test(v),
      { message: 'HOST must be an IP address or host name to listen on, e.g. 127.0.0.1, 0.0.0.0 or ::' },
    ),
    PUBLIC_URL: optionalUrl('PUBLIC_URL'),
    DATA_FILE: emptyToUndefined.transform((v) => v ?? 'data/db.json'),
    SECRET_KEY: emptyToUndefined.refine((v) => v === undefined || v.length >= 32, {
      message: 'SECRET_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)',
    }),
    DATABASE_URL: emptyToUndefined.refine((v) => v === undefined || /^postgres(ql)?:\/\/\S+$/.test(v), {
      message: 'DATABASE_URL must be a PostgreSQL URL, e.g. postgres://user:password@host:5432/wa_zoho',
    }),
    ZOHO_CLIENT_ID: emptyToUndefined,
    ZOHO_CLIENT_SECRET: emptyToUndefined,
    ZOHO_ACCOUNTS_URL: optionalUrl('ZOHO_ACCOUNTS_URL'),
    ZOHO_API_URL: optionalUrl('ZOHO_API_URL'),
    /** The TimelinesAI public API base (tests, the emulator); default https://app.timelines.ai/integrations/api. */
    TIMELINES_API_URL: optionalUrl('TIMELINES_API_URL'),
    ATTACHMENT_HOSTS: emptyToUndefined.transform((v, ctx) =>
      v === undefined ? DEFAULT_ATTACHMENT_HOSTS : parseAttachmentHosts(v, ctx),
    ),
    /** Extra origins the connect popup may hand a session to (comma-separated, exact). */
    WIDGET_ORIGINS: z
      .string()
      .optional()
      .transform((v, ctx) => (v === undefined ? [] : parseWidgetOrigins(v, ctx))),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .optional()
      .default('info'),
    /** Note writes for one chat-day are coalesced for this long before they go to Zoho. */
    FLUSH_WINDOW_MS: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v === '' ? 2000 : Number(v)))
      .refine((n) => Number.isFinite(n) && n >= 0 && n <= 25_000, {
        message:
          'FLUSH_WINDOW_MS must be a number of milliseconds from 0 to 25000 (messages must reach the CRM within 30 s)',
      }),
    /** Concurrent Zoho calls per org; default from the org's edition (5 Free … 25 Ultimate). */
    ZOHO_MAX_CONCURRENCY: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v === '' ? undefined : Number(v)))
      .refine((n) => n === undefined || (Number.isInteger(n) && n >= 1 && n <= 25), {
        message: 'ZOHO_MAX_CONCURRENCY must be a whole number from 1 to 25 (Zoho allows 5 to 25 by edition)',
      }),
    /**
     * How long a Zoho API call may take before it is given up. A create whose answer was lost is
     * looked for in the CRM only this long after (Zoho carries out what it received even when the
     * client stopped waiting), so this is also how long a chat waits after such a failure or a crash.
     */
    ZOHO_TIMEOUT_MS: wholeNumber(
      30_000,
      1000,
      120_000,
      'ZOHO_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 120000 (default 30000)',
    ),
    /** Zoho API credits per 24 h per org; default from the edition (5,000 Free, 50,000 paid, without per-user credits). */
    ZOHO_DAILY_CREDITS: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v === '' ? undefined : Number(v)))
      .refine((n) => n === undefined || (Number.isInteger(n) && n >= 100), {
        message: 'ZOHO_DAILY_CREDITS must be a whole number of credits, at least 100',
      }),
    /**
     * The bearer token of GET /metrics; unset, /metrics does not exist. Long and random: it guards
     * per-org volumes and the workspace ids.
     */
    METRICS_TOKEN: emptyToUndefined.refine((v) => v === undefined || /^[\x21-\x7e]{32,256}$/.test(v), {
      message:
        'METRICS_TOKEN must be 32 to 256 printable characters without spaces (e.g. `openssl rand -hex 32`); leave it unset to turn /metrics off',
    }),
    /**
     * How long a process holds a workspace's sync without renewing (renewed every third of it while
     * it runs): after a crash, another process takes the workspace over this long later.
     */
    WORKSPACE_LEASE_MS: wholeNumber(
      15_000,
      1000,
      600_000,
      'WORKSPACE_LEASE_MS must be a whole number of milliseconds from 1000 to 600000',
    ),
  })
  .superRefine((c, ctx) => {
    if (c.ZOHO_CLIENT_ID && !c.ZOHO_CLIENT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['ZOHO_CLIENT_SECRET'],
        message: 'ZOHO_CLIENT_SECRET is required when ZOHO_CLIENT_ID is set (from the Zoho API console)',
      });
    }
    if (c.ZOHO_CLIENT_ID && !c.SECRET_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['SECRET_KEY'],
        message: 'SECRET_KEY is required with real Zoho credentials: it encrypts the tokens at rest',
      });
    }
    if (c.ZOHO_CLIENT_ID && !c.PUBLIC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message:
          'PUBLIC_URL is required with real Zoho credentials: it is the OAuth redirect and webhook base',
      });
    }
    if (Boolean(c.ZOHO_ACCOUNTS_URL) !== Boolean(c.ZOHO_API_URL)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.ZOHO_ACCOUNTS_URL ? 'ZOHO_API_URL' : 'ZOHO_ACCOUNTS_URL'],
        message: 'ZOHO_ACCOUNTS_URL and ZOHO_API_URL override the Zoho hosts together: set both or neither',
      });
    }
  });

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  port: number;
  /** listen address */
  host: string;
  publicUrl: string | undefined;
  dataFile: string;
  /** PostgreSQL instead of the embedded document store (several connector processes) */
  databaseUrl: string | undefined;
  secretKey: string | undefined;
  zoho:
    | { mode: 'live'; clientId: string; clientSecret: string; accountsUrl?: string; apiUrl?: string }
    | { mode: 'sandbox' };
  attachmentHosts: string[];
  /** exact origins (besides PUBLIC_URL's and Zoho's widget hosting) the connect popup posts to */
  widgetOrigins: string[];
  /** overrides TimelinesClient's default base URL */
  timelinesApiUrl: string | undefined;
  logLevel: RawConfig['LOG_LEVEL'];
  flushWindowMs: number;
  /** overrides the concurrency from the org's edition */
  zohoMaxConcurrency: number | undefined;
  /** overrides the daily credits from the org's edition */
  zohoDailyCredits: number | undefined;
  /** a Zoho call's timeout; also how long a lost write is given to land before it is looked for */
  zohoTimeoutMs: number;
  /** a workspace's lease (a crashed process's workspaces are taken over after it) */
  workspaceLeaseMs: number;
  /** the bearer token of /metrics; undefined: no /metrics */
  metricsToken: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws one ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.join('.');
        return i.message.startsWith(key) ? i.message : `${key}: ${i.message}`;
      }),
    );
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST ?? (c.ZOHO_CLIENT_ID ? '0.0.0.0' : '127.0.0.1'),
    publicUrl: c.PUBLIC_URL,
    dataFile: c.DATA_FILE,
    databaseUrl: c.DATABASE_URL,
    secretKey: c.SECRET_KEY,
    zoho: c.ZOHO_CLIENT_ID
      ? {
          mode: 'live',
          clientId: c.ZOHO_CLIENT_ID,
          clientSecret: c.ZOHO_CLIENT_SECRET ?? '',
          ...(c.ZOHO_ACCOUNTS_URL ? { accountsUrl: c.ZOHO_ACCOUNTS_URL } : {}),
          ...(c.ZOHO_API_URL ? { apiUrl: c.ZOHO_API_URL } : {}),
        }
      : { mode: 'sandbox' },
    attachmentHosts: c.ATTACHMENT_HOSTS,
    widgetOrigins: c.WIDGET_ORIGINS,
    timelinesApiUrl: c.TIMELINES_API_URL,
    logLevel: c.LOG_LEVEL,
    flushWindowMs: c.FLUSH_WINDOW_MS,
    zohoMaxConcurrency: c.ZOHO_MAX_CONCURRENCY,
    zohoDailyCredits: c.ZOHO_DAILY_CREDITS,
    zohoTimeoutMs: c.ZOHO_TIMEOUT_MS,
    workspaceLeaseMs: c.WORKSPACE_LEASE_MS,
    metricsToken: c.METRICS_TOKEN,
  };
}
