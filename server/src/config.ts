/**
 * All configuration comes from the environment (SPEC §7) and is checked by one zod schema, so that
 * a bad deployment stops at start-up with one message listing every problem at once.
 */
import { z } from 'zod';

const DEFAULT_ATTACHMENT_HOSTS = [
  // TimelinesAI hands out short-lived download links on its own storage and on S3.
  'app.timelines.ai',
  'storage.timelines.ai',
  'files.timelines.ai',
  'timelinesai.s3.amazonaws.com',
  'timelines-ai.s3.amazonaws.com',
  's3.amazonaws.com',
];

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

const emptyToUndefined = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

export const configSchema = z
  .object({
    PORT: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v === '' ? 3000 : Number(v)))
      .refine((n) => Number.isInteger(n) && n >= 0 && n <= 65535, {
        message: 'PORT must be a whole number from 0 to 65535',
      }),
    PUBLIC_URL: optionalUrl('PUBLIC_URL'),
    DATA_FILE: emptyToUndefined.transform((v) => v ?? 'data/db.json'),
    SECRET_KEY: emptyToUndefined.refine((v) => v === undefined || v.length >= 32, {
      message: 'SECRET_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)',
    }),
    ZOHO_CLIENT_ID: emptyToUndefined,
    ZOHO_CLIENT_SECRET: emptyToUndefined,
    ZOHO_ACCOUNTS_URL: optionalUrl('ZOHO_ACCOUNTS_URL'),
    ZOHO_API_URL: optionalUrl('ZOHO_API_URL'),
    ATTACHMENT_HOSTS: emptyToUndefined.transform((v) =>
      v === undefined
        ? DEFAULT_ATTACHMENT_HOSTS
        : v
            .split(',')
            .map((h) => h.trim().toLowerCase())
            .filter(Boolean),
    ),
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
    /**
     * How long Zoho's search index may lag a create. A create whose answer was lost (crash,
     * timeout) is looked up only after this, so the lookup cannot miss it and create a duplicate.
     */
    ZOHO_SEARCH_LAG_MS: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v === '' ? 120_000 : Number(v)))
      .refine((n) => Number.isFinite(n) && n >= 0, {
        message: 'ZOHO_SEARCH_LAG_MS must be a number of milliseconds',
      }),
    /** Concurrent Zoho calls per org; default from the org's edition (5 Free … 25 Ultimate). */
    ZOHO_MAX_CONCURRENCY: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v === '' ? undefined : Number(v)))
      .refine((n) => n === undefined || (Number.isInteger(n) && n >= 1 && n <= 25), {
        message: 'ZOHO_MAX_CONCURRENCY must be a whole number from 1 to 25 (Zoho allows 5 to 25 by edition)',
      }),
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
  publicUrl: string | undefined;
  dataFile: string;
  secretKey: string | undefined;
  zoho:
    | { mode: 'live'; clientId: string; clientSecret: string; accountsUrl?: string; apiUrl?: string }
    | { mode: 'sandbox' };
  attachmentHosts: string[];
  logLevel: RawConfig['LOG_LEVEL'];
  flushWindowMs: number;
  searchLagMs: number;
  /** overrides the concurrency from the org's edition */
  zohoMaxConcurrency: number | undefined;
  /** overrides the daily credits from the org's edition */
  zohoDailyCredits: number | undefined;
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
    publicUrl: c.PUBLIC_URL,
    dataFile: c.DATA_FILE,
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
    logLevel: c.LOG_LEVEL,
    flushWindowMs: c.FLUSH_WINDOW_MS,
    searchLagMs: c.ZOHO_SEARCH_LAG_MS,
    zohoMaxConcurrency: c.ZOHO_MAX_CONCURRENCY,
    zohoDailyCredits: c.ZOHO_DAILY_CREDITS,
    metricsToken: c.METRICS_TOKEN,
  };
}
