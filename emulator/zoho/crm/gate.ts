/**
 * What happens to every CRM API call before its resource router sees it, in Zoho's order:
 * authentication (401), the per-org concurrency cap (429), the request's body received whole, the
 * emulated latency, injected failures, and the call counter by kind. The caller goes to
 * `res.locals.crm`. From the moment the body is in, the call is carried out whatever the client does
 * (a connector killed while Zoho is slow loses the answer, not the write).
 */
import type { NextFunction, Request, Response } from 'express';
import { sleep, type EmuCore, type Injection } from '../core.js';
import { receiveBody } from '../http/body.js';
import { Errors, sendError, sendJson, type ApiError } from '../http/errors.js';
import type { Caller } from './context.js';

function authenticate(core: EmuCore, req: Request): Caller {
  const h = req.headers.authorization;
  if (!h) throw Errors.authFailure();
  const m = /^Zoho-oauthtoken\s+(\S+)$/i.exec(h.trim());
  if (!m || !m[1]) throw Errors.invalidToken();
  const token = core.state.accessTokens.get(m[1]);
  if (!token || token.revoked || token.expiresAt <= core.now()) throw Errors.invalidToken();
  const org = core.state.orgs.get(token.orgId);
  const user = org?.users.get(token.userId);
  if (!org || !user) throw Errors.invalidToken();
  if (user.status !== 'active') throw Errors.authFailure();
  return { core, org, user, token };
}

/** Path segments below /crm/v8, decoded. */
function segments(req: Request): string[] {
  return req.path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/**
 * Call kind for the counters (one kind per credit-consuming call type). `byIds`: a GET of the record
 * list with `ids=` (reading known records: record_get; the list otherwise: record_list).
 */
export function classify(method: string, segs: string[], byIds = false): string {
  const [a, b, c, d] = segs;
  const al = (a ?? '').toLowerCase();
  if (al === 'users') return 'users';
  if (al === 'org') return 'org';
  if (al === 'coql') return 'coql';
  if (al === 'settings') {
    if (b === 'modules') return 'modules';
    if (b === 'fields') return method === 'GET' ? 'fields' : 'field_write';
    if (b === 'related_lists') return 'related_lists';
    return 'other';
  }
  if (c?.toLowerCase() === 'attachments') return 'attachment';
  if (al === 'notes') return noteKind(method);
  if (c?.toLowerCase() === 'notes' && d === undefined) return method === 'POST' ? 'note_create' : 'note_list';
  if (b === 'search') return 'search';
  if (b === 'upsert') return 'record_upsert';
  if (method === 'GET' && b === 'deleted') return 'deleted_list';
  if (method === 'GET' && b === 'actions' && c === 'count') return 'record_count';
  if (method === 'GET' && b === undefined && !byIds) return 'record_list';
  if (method === 'GET') return 'record_get';
  if (method === 'POST') return 'record_create';
  if (method === 'PUT') return 'record_update';
  if (method === 'DELETE') return 'record_delete';
  return 'other';
}

function noteKind(method: string): string {
  if (method === 'POST') return 'note_create';
  if (method === 'PUT') return 'note_update';
  if (method === 'DELETE') return 'note_delete';
  return 'note_list';
}

/** An injected failure as Zoho answers it: its JSON error, or its load balancer's HTML page. */
function sendInjected(res: Response, status: number, body: 'json' | 'html'): void {
  if (body === 'json') {
    if (status === 429) return sendError(res, Errors.tooMany());
    const code = status === 500 ? 'INTERNAL_ERROR' : status === 502 ? 'BAD_GATEWAY' : 'SERVICE_UNAVAILABLE';
    return sendJson(res, status, {
      code,
      details: {},
      message: status === 500 ? 'Internal Server Error' : 'Service temporarily unavailable',
      status: 'error',
    });
  }
  const title = status === 502 ? '502 Bad Gateway' : '503 Service Temporarily Unavailable';
  res
    .status(status)
    .type('text/html')
    .send(`<html><head><title>${status}</title></head><body><h1>${title}</h1></body></html>`);
}

/** Holds one of the org's concurrency slots until the answer is sent or the client goes away. */
function holdSlot(caller: Caller, res: Response): void {
  caller.org.inflight += 1;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    caller.org.inflight -= 1;
  };
  res.once('finish', release);
  res.once('close', release);
}

/** A latency spike and / or a failure drawn from `controls.randomFaults`, when they are on. */
async function randomFault(core: EmuCore): Promise<Pick<Injection, 'status' | 'body'> | undefined> {
  const f = core.switches.faults;
  if (!f) return undefined;
  if (f.rng() < f.spec.spikeRate) await sleep(f.spec.spikeMs);
  if (!(f.rng() < f.spec.failureRate)) return undefined;
  const status = f.spec.statuses[Math.floor(f.rng() * f.spec.statuses.length)] ?? 500;
  return { status, body: status === 502 || status === 503 ? 'html' : 'json' };
}

export function gate(core: EmuCore) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let caller: Caller;
    try {
      caller = authenticate(core, req);
    } catch (e) {
      await sleep(core.switches.latencyMs);
      return sendError(res, e as ApiError);
    }
    const orgId = caller.org.org.id;
    const cap = core.switches.concurrencyCap;
    if (cap !== undefined && caller.org.inflight >= cap) {
      core.count(orgId, 'throttled');
      return sendError(res, Errors.tooMany());
    }
    holdSlot(caller, res);
    try {
      if (!(await receiveBody(req))) return; // the client went away mid-request: nothing arrived
    } catch (e) {
      return sendError(res, e as ApiError);
    }
    await sleep(core.switches.latencyMs);
    const inj = core.takeInjection(req.originalUrl, true) ?? (await randomFault(core));
    if (inj) {
      core.count(orgId, 'injected');
      return sendInjected(res, inj.status, inj.body);
    }
    const holdMs = core.takeHold(req.method, req.originalUrl);
    if (holdMs > 0) {
      core.count(orgId, 'held');
      await sleep(holdMs);
    }
    core.count(orgId, classify(req.method, segments(req), typeof req.query.ids === 'string'));
    res.locals.crm = caller;
    next();
  };
}
