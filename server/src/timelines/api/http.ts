/**
 * One HTTP exchange with the TimelinesAI public API: bearer token, timeout, a cap on the answer's
 * size, the `{"status":"ok","data":…}` envelope, and every failure turned into a TimelinesError.
 * The token goes into the Authorization header only: never into a URL, an error or a log.
 */
import {
  TimelinesError,
  classifyHttpFailure,
  networkFailure,
  parseRetryAfter,
  sanitiseUpstreamMessage,
  unreadableAnswer,
} from './errors.js';
import { errorEnvelope, okEnvelope } from './wire.js';

export interface Transport {
  /** e.g. https://app.timelines.ai/integrations/api (no trailing slash) */
  baseUrl: string;
  token: string;
  fetch: typeof fetch;
  /** Answers larger than this are refused (a page of 50 messages is a few tens of kB). */
  maxAnswerBytes: number;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, ids already encoded: `/chats/123/messages`. */
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  form?: FormData;
  timeoutMs: number;
  /** What the call is about, for not-found messages: "the chat", "the webhook" … */
  subject: string;
  /** The call sends a WhatsApp message: failures after it went out leave the outcome unknown. */
  isSend?: boolean;
}

/** Performs the request; resolves with the envelope's `data` (undefined when it has none). */
export async function exchange(t: Transport, spec: RequestSpec): Promise<unknown> {
  const isSend = spec.isSend ?? false;
  const url = new URL(`${t.baseUrl}${spec.path}`);
  for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);

  const headers: Record<string, string> = {
    authorization: `Bearer ${t.token}`,
    accept: 'application/json',
  };
  let body: string | FormData | undefined;
  if (spec.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(spec.json);
  } else if (spec.form) {
    body = spec.form; // fetch sets the multipart boundary
  }

  const signal = AbortSignal.timeout(spec.timeoutMs);
  let res: Response;
  let raw: string;
  try {
    res = await t.fetch(url, { method: spec.method, headers, body, signal, redirect: 'error' });
    raw = await readCapped(res, t.maxAnswerBytes, isSend);
  } catch (e) {
    if (e instanceof TimelinesError) throw e;
    if (signal.aborted) throw networkFailure('timeout', isSend, true);
    throw networkFailure('network', isSend, !neverConnected(e));
  }

  let json: unknown;
  try {
    json = raw === '' ? undefined : JSON.parse(raw);
  } catch {
    json = undefined; // error pages of proxies are HTML; a 2xx that is not JSON is handled below
  }

  if (!res.ok) {
    const env = errorEnvelope.safeParse(json);
    throw classifyHttpFailure({
      status: res.status,
      upstreamMessage: env.success ? sanitiseUpstreamMessage(env.data.message) : undefined,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      subject: spec.subject,
      isSend,
    });
  }

  const ok = okEnvelope.safeParse(json);
  if (ok.success) return ok.data.data;
  const env = errorEnvelope.safeParse(json);
  if (env.success && env.data.status === 'error') {
    // A 2xx carrying an error envelope: judged by its words like a 400.
    throw classifyHttpFailure({
      status: 400,
      upstreamMessage: sanitiseUpstreamMessage(env.data.message),
      retryAfterMs: undefined,
      subject: spec.subject,
      isSend,
    });
  }
  throw unreadableAnswer(json === undefined ? 'not JSON' : 'no "status":"ok" envelope', isSend);
}

/** Connection refused or host unknown: the request never left, so a send surely did not happen. */
function neverConnected(e: unknown): boolean {
  const cause = (e as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_INVALID_URL'].includes(code);
}

/** The body as text, refusing more than `max` bytes (without buffering them). */
async function readCapped(res: Response, max: number, isSend: boolean): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    throw unreadableAnswer(`answer of ${declared} bytes, over the ${max} bytes accepted`, isSend);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw unreadableAnswer(`answer over the ${max} bytes accepted`, isSend);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
