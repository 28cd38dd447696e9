/**
 * The public API below `/integrations/api`: WhatsApp accounts, quotas, webhooks and files here;
 * chats, history and sending in chats.ts. Answers and errors use TimelinesAI's envelopes.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import type { Delivery } from './delivery.js';
import { ApiError, authenticate, sendError, sendOk, workspaceOf } from './http.js';
import type { Outbox } from './outbox.js';
import type { TimelinesState } from './state.js';
import type { Views } from './views.js';
import { chatRoutes } from './chats.js';

export interface ApiContext {
  state: TimelinesState;
  views: Views;
  outbox: Outbox;
  delivery: Delivery;
  pageSize: () => number;
  messageOrder: () => 'newest_first' | 'oldest_first';
  maxWebhooks: number;
  maxUploadBytes: number;
}

/** The event types TimelinesAI documents for subscriptions. */
export const EVENT_TYPES = [
  'message:new',
  'message:received:new',
  'message:sent:new',
  'chat:created',
  'chat:received:created',
  'chat:sent:created',
  'chat:assigned',
  'chat:unassigned',
];

export function apiRouter(ctx: ApiContext): Router {
  const r = Router();
  r.use(authenticate(ctx.state));
  r.use(express.json({ limit: '1mb' }));

  r.get('/whatsapp_accounts', (_req, res) => {
    sendOk(res, { whatsapp_accounts: workspaceOf(res).accounts.map((a) => ctx.views.account(a)) });
  });

  r.get('/workspace/quotas', (_req, res) => {
    const ws = workspaceOf(res);
    const period = {
      period_start: ctx.views.timestamp(ws.quota.periodStart),
      period_end: ctx.views.timestamp(ws.quota.periodEnd),
    };
    sendOk(res, {
      messaging_quota: { total: ws.quota.total, used: ws.quota.used, ...period },
      api_calls_quota: { total: 100_000, used: ws.apiCalls, ...period },
    });
  });

  webhookRoutes(r, ctx);
  fileRoutes(r, ctx);
  chatRoutes(r, ctx);

  r.use((_req: Request, res: Response) => sendError(res, 404, 'Not found'));
  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ApiError) return sendError(res, err.status, err.message);
    if (err instanceof multer.MulterError) {
      return sendError(
        res,
        400,
        err.code === 'LIMIT_FILE_SIZE' ? 'File is too large' : `Invalid upload: ${err.message}`,
      );
    }
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'Request body is not valid JSON');
    if (e.type === 'entity.too.large') return sendError(res, 413, 'Request body is too large');
    console.error('timelines emulator: unexpected error', err);
    sendError(res, 500, 'Internal server error');
  });
  return r;
}

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    throw new ApiError(400, 'Request body must be a JSON object');
  return b as Record<string, unknown>;
}

function webhookInput(b: Record<string, unknown>, partial: boolean) {
  const out: { eventType?: string; url?: string; enabled?: boolean } = {};
  if (b.event_type !== undefined || !partial) {
    if (typeof b.event_type !== 'string' || !EVENT_TYPES.includes(b.event_type)) {
      throw new ApiError(400, `event_type must be one of: ${EVENT_TYPES.join(', ')}`);
    }
    out.eventType = b.event_type;
  }
  if (b.url !== undefined || !partial) {
    let ok: boolean;
    try {
      ok = typeof b.url === 'string' && /^https?:$/.test(new URL(b.url).protocol) && b.url.length <= 2048;
    } catch {
      ok = false;
    }
    // TimelinesAI requires a public HTTPS endpoint; the emulator takes http too (sandbox, tests).
    if (!ok) throw new ApiError(400, 'url must be a valid http(s) URL');
    out.url = b.url as string;
  }
  if (b.enabled !== undefined) {
    if (typeof b.enabled !== 'boolean') throw new ApiError(400, 'enabled must be true or false');
    out.enabled = b.enabled;
  }
  return out;
}

function webhookRoutes(r: Router, ctx: ApiContext): void {
  const find = (req: Request, res: Response) => {
    const hook = workspaceOf(res).webhooks.find((w) => String(w.id) === req.params.id);
    if (!hook) throw new ApiError(404, 'Webhook not found');
    return hook;
  };
  r.get('/webhooks', (_req, res) =>
    sendOk(
      res,
      workspaceOf(res).webhooks.map((w) => ctx.views.webhook(w)),
    ),
  );
  r.post('/webhooks', (req, res) => {
    const ws = workspaceOf(res);
    const input = webhookInput(body(req), false);
    if (ws.webhooks.length >= ctx.maxWebhooks) {
      throw new ApiError(400, `Webhooks limit reached (${ctx.maxWebhooks} per workspace)`);
    }
    const hook = {
      id: ctx.state.nextWebhookId(),
      eventType: input.eventType!,
      url: input.url!,
      enabled: input.enabled ?? true,
      errorsCounter: 0,
    };
    ws.webhooks.push(hook);
    sendOk(res, ctx.views.webhook(hook));
  });
  r.get('/webhooks/:id', (req, res) => sendOk(res, ctx.views.webhook(find(req, res))));
  r.put('/webhooks/:id', (req, res) => {
    const hook = find(req, res);
    Object.assign(hook, webhookInput(body(req), true));
    sendOk(res, ctx.views.webhook(hook));
  });
  r.delete('/webhooks/:id', (req, res) => {
    const ws = workspaceOf(res);
    const hook = find(req, res);
    ws.webhooks.splice(ws.webhooks.indexOf(hook), 1);
    sendOk(res, {});
  });
}

function fileRoutes(r: Router, ctx: ApiContext): void {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: ctx.maxUploadBytes, files: 1 },
  });
  r.post('/files_upload', upload.single('file'), (req, res) => {
    const ws = workspaceOf(res);
    const file = req.file;
    if (!file || file.size === 0)
      throw new ApiError(400, 'file is required (multipart/form-data field "file")');
    const fields = (req.body ?? {}) as Record<string, unknown>;
    const filename =
      (typeof fields.filename === 'string' && fields.filename.trim()) || file.originalname || 'file';
    const mimetype =
      (typeof fields.content_type === 'string' && fields.content_type.trim()) ||
      file.mimetype ||
      'application/octet-stream';
    const rec = ctx.state.addFile(ws, { filename: filename.slice(0, 255), mimetype, data: file.buffer });
    sendOk(res, ctx.views.file(rec, true));
  });
  r.get('/files', (req, res) => {
    const part = typeof req.query.filename === 'string' ? req.query.filename.toLowerCase() : '';
    const files = [...workspaceOf(res).files.values()].filter((f) => f.filename.toLowerCase().includes(part));
    sendOk(
      res,
      files.map((f) => ctx.views.file(f, false)),
    );
  });
  r.get('/files/:uid', (req, res) => {
    const file = workspaceOf(res).files.get(String(req.params.uid));
    if (!file) throw new ApiError(404, 'File not found');
    sendOk(res, ctx.views.file(file, true));
  });
}
