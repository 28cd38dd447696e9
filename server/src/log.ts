/**
 * The one logger: one JSON line per event (pino), ISO timestamps. Code must not put tokens or
 * personal data (phone numbers, message texts, names) into log fields in the first place; this file
 * is the second line of defence:
 *  - redaction of known paths: tokens and secrets, message texts and bodies, names → "[redacted]";
 *    phone fields → masked (`+34•••••5678`);
 *  - any `+`-prefixed phone number inside a logged string or the message is masked, and so are bare
 *    runs of 8–15 digits in error messages and stacks (Zoho may echo a lookup's values in them).
 */
import { pino, stdSerializers, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `+34612345678` → `+34•••••5678`: the country code and the last 4 digits stay, for support. */
export function maskPhone(phone: string): string {
  if (phone.includes('•')) return phone; // masked already (the string passes two defences)
  const digits = phone.replace(/\D/g, '');
  const plus = phone.trim().startsWith('+') ? '+' : '';
  if (digits.length < 7) return `${plus}•••`;
  return `${plus}${digits.slice(0, 2)}${'•'.repeat(digits.length - 6)}${digits.slice(-4)}`;
}

/** A `+` and 7 to 15 digits, with the separators people type between them. */
const INTERNATIONAL = /\+\d(?:[\s().-]{0,2}\d){6,14}/g;
const BARE_DIGITS = /(?<![\w.])\d{8,15}(?![\w.])/g;

/** Masks every international phone number in a text. */
export function maskPhonesIn(text: string): string {
  return text.replace(INTERNATIONAL, maskPhone);
}

function maskErrorText(text: string): string {
  return maskPhonesIn(text).replace(BARE_DIGITS, maskPhone);
}

/** Masks phone numbers in the strings of a log object (plain objects and arrays, 4 levels deep). */
function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhonesIn(value);
  if (depth >= 4 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

/** Each key at the top level and one or two levels down (fast-redact's wildcards are per level). */
const anyDepth = (keys: string[]) => keys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

const SECRET_KEYS = [
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'sessionToken',
  'webhookToken',
  'token',
  'authorization',
  'cookie',
  'clientSecret',
  'client_secret',
  'secretKey',
  'password',
];
const CONTENT_KEYS = [
  'text',
  'body',
  'content',
  'Note_Content',
  'caption',
  'full_name',
  'fullName',
  'Last_Name',
  'First_Name',
  'chatName',
  'contactName',
];
const PHONE_KEYS = ['phone', 'Phone', 'Mobile', 'mobile', 'e164'];

export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      timestamp: stdTimeFunctions.isoTime,
      redact: {
        paths: [
          ...anyDepth(SECRET_KEYS),
          ...anyDepth(CONTENT_KEYS),
          ...anyDepth(PHONE_KEYS),
          'req.headers.authorization',
        ],
        // Phone fields are masked rather than blanked (support needs the last digits); the path may
        // hold symbols, so only its last key is read.
        censor: (value: unknown, path: unknown[]) => {
          const key = path.at(-1);
          const phone = typeof key === 'string' && PHONE_KEYS.includes(key) && typeof value === 'string';
          return phone ? maskPhone(value) : '[redacted]';
        },
      },
      formatters: { log: (obj) => maskDeep(obj) as Record<string, unknown> },
      serializers: {
        err: (e: Error) => {
          const s = stdSerializers.err(e);
          return { ...s, message: maskErrorText(s.message ?? ''), stack: maskErrorText(s.stack ?? '') };
        },
      },
      hooks: {
        logMethod(args, method) {
          // The message (first string argument) is masked too: it may interpolate a value.
          const masked = args.map((a) => (typeof a === 'string' ? maskPhonesIn(a) : a)) as typeof args;
          method.apply(this, masked);
        },
      },
    },
    destination,
  );
}
