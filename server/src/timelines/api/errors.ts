/**
 * Every TimelinesAI public API failure the rest of the server sees is one of these codes, with a
 * message a rep or admin can act on. jobs/retryPolicy decides what each code means for queued work
 * (`decide({ service: 'timelines', ... })`); the send endpoint shows `message` to the rep.
 *
 * TimelinesAI documents only 401 (`Invalid or expired token`), 403 (`Access denied`) and 429 (its
 * per-IP limit); its quota and disconnected-account answers are not documented, so they are
 * recognised by status (402) and by wording, whatever the 4xx status (see `classifyHttpFailure`).
 */

export type TimelinesErrorCode =
  | 'auth' // 401: the token is invalid, was regenerated or revoked
  | 'permission' // 403: valid token, but the plan or workspace does not allow the call
  | 'quota_exhausted' // the message quota (or the monthly API call limit) is used up
  | 'account_disconnected' // the WhatsApp account to send from is not connected to TimelinesAI
  | 'rate_limited' // 429: TimelinesAI's 30 requests/s per IP; wait `retryAfterMs`
  | 'not_found' // 404: no such chat, webhook or file in this workspace
  | 'validation' // 400/422: the request itself is wrong (bad phone, empty message, unknown file …)
  | 'temporary'; // 5xx, network errors, timeouts, an answer we cannot read: retry with backoff

export interface TimelinesErrorInit {
  code: TimelinesErrorCode;
  httpStatus?: number | undefined;
  retryAfterMs?: number | undefined;
  /** TimelinesAI's own `message`, phone-like numbers masked, cut to 300 characters. */
  upstreamMessage?: string | undefined;
  /**
   * True when a send may have been accepted although we got no answer (timeout or connection lost
   * after the request went out, or a 5xx): sending again could send the message twice.
   */
  outcomeUnknown?: boolean | undefined;
}

export class TimelinesError extends Error {
  readonly code: TimelinesErrorCode;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly upstreamMessage: string | undefined;
  readonly outcomeUnknown: boolean;
  /** For jobs/retryPolicy: `decide(error, attempts)` works on the error itself. */
  readonly service = 'timelines' as const;

  constructor(message: string, init: TimelinesErrorInit) {
    super(message);
    this.name = 'TimelinesError';
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.retryAfterMs = init.retryAfterMs;
    this.upstreamMessage = init.upstreamMessage;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
  }
}

export function isTimelinesError(e: unknown): e is TimelinesError {
  return e instanceof TimelinesError;
}

/** Without a Retry-After, a 429 means "this second is full": TimelinesAI counts requests per second. */
export const DEFAULT_RATE_LIMIT_PAUSE_MS = 1_000;
/** A Retry-After beyond this is treated as this: a broken header must not park work for days. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;
const MAX_UPSTREAM_MESSAGE = 300;
const MAYBE_SENT = ' The message may have been sent: check the chat before sending it again.';

const QUOTA_WORDS =
  /quota|\bcredits?\b|(?:api calls?|messages?|sending|monthly) limit|insufficient balance|top[- ]?up/i;
const DISCONNECTED_WORDS =
  /disconnect|not connected|no (?:active |connected )?whats ?app account|account is (?:not )?(?:active|offline|logged out)|logged out|scan the qr/i;

/**
 * TimelinesAI's message, safe to show and to log: numbers of 7+ digits (phones, in any spacing)
 * become `[number]`, control characters are dropped, the length is capped.
 */
export function sanitiseUpstreamMessage(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw
    .replace(/\+?\d[\d\s().-]{5,}\d/g, (m) => (m.replace(/\D/g, '').length >= 7 ? '[number]' : m))
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return undefined;
  return text.length > MAX_UPSTREAM_MESSAGE ? `${text.slice(0, MAX_UPSTREAM_MESSAGE)}…` : text;
}

/** `Retry-After` as seconds or an HTTP date → ms (capped), or undefined. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  let ms: number;
  if (/^\d+(?:\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}

function said(upstream: string | undefined): string {
  return upstream ? ` (TimelinesAI said: "${upstream}")` : '';
}

export interface HttpFailure {
  status: number;
  /** `message` of the error envelope, when the body was one. */
  upstreamMessage: string | undefined;
  retryAfterMs: number | undefined;
  /** What was asked, for the message: "the chat", "the webhook", "the file" … */
  subject: string;
  /** The call sends a WhatsApp message (a 5xx then leaves its outcome unknown). */
  isSend: boolean;
}

/** Maps an HTTP error answer to a TimelinesError. Wording wins over status for quota and account. */
export function classifyHttpFailure(f: HttpFailure): TimelinesError {
  const up = f.upstreamMessage;
  const base = { httpStatus: f.status, upstreamMessage: up };
  if (f.status === 401) {
    return new TimelinesError(
      'TimelinesAI no longer accepts the API token (it was regenerated or revoked). An admin must paste a new token from TimelinesAI → Integrations → Public API in the settings.',
      { ...base, code: 'auth' },
    );
  }
  if (f.status === 402 || (f.status >= 400 && f.status < 500 && up && QUOTA_WORDS.test(up))) {
    return new TimelinesError(
      `The TimelinesAI workspace has used up its quota${said(up)}. It works again when the quota renews or an admin tops it up in TimelinesAI.`,
      { ...base, code: 'quota_exhausted' },
    );
  }
  if (f.status >= 400 && f.status < 500 && up && DISCONNECTED_WORDS.test(up)) {
    return new TimelinesError(
      `The WhatsApp account is not connected to TimelinesAI${said(up)}. Reconnect it in TimelinesAI (scan the QR code with the phone), then send again.`,
      { ...base, code: 'account_disconnected' },
    );
  }
  if (f.status === 429) {
    const retryAfterMs = f.retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS;
    return new TimelinesError(
      `TimelinesAI is receiving too many requests; try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`,
      { ...base, code: 'rate_limited', retryAfterMs },
    );
  }
  if (f.status === 403) {
    return new TimelinesError(
      `TimelinesAI refused access${said(up)}: the workspace's plan or the token's permissions do not allow this. An admin should check the TimelinesAI plan.`,
      { ...base, code: 'permission' },
    );
  }
  if (f.status === 404 || f.status === 410) {
    return new TimelinesError(
      `TimelinesAI does not know ${f.subject}${said(up)}; it may have been deleted.`,
      {
        ...base,
        code: 'not_found',
      },
    );
  }
  if (f.status === 408 || f.status >= 500) {
    // 408: the server gave up before reading the whole request, so nothing was sent.
    const unknown = f.isSend && f.status !== 408;
    return new TimelinesError(
      `TimelinesAI is not answering properly right now (HTTP ${f.status}); try again in a moment.${unknown ? MAYBE_SENT : ''}`,
      { ...base, code: 'temporary', outcomeUnknown: unknown },
    );
  }
  return new TimelinesError(`TimelinesAI refused the request${said(up) || ` (HTTP ${f.status})`}.`, {
    ...base,
    code: 'validation',
  });
}

/** A failure before any answer: timeout, refused connection, reset, DNS. */
export function networkFailure(kind: 'timeout' | 'network', isSend: boolean, sent: boolean): TimelinesError {
  const what = kind === 'timeout' ? 'TimelinesAI did not answer in time' : 'TimelinesAI could not be reached';
  const unknown = isSend && sent;
  return new TimelinesError(`${what}; try again in a moment.${unknown ? MAYBE_SENT : ''}`, {
    code: 'temporary',
    outcomeUnknown: unknown,
  });
}

/** A 2xx answer we cannot use (not JSON, not the documented envelope, missing fields). */
export function unreadableAnswer(problem: string, isSend: boolean): TimelinesError {
  return new TimelinesError(
    `TimelinesAI answered in an unexpected form (${problem}); try again later.${isSend ? MAYBE_SENT : ''}`,
    { code: 'temporary', outcomeUnknown: isSend },
  );
}
