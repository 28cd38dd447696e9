/**
 * Sandbox-only routes (SPEC §6): the host page that plays Zoho CRM around the widget, read access
 * to the emulator's records and Notes for it, a form endpoint that sends a WhatsApp message in
 * through the real webhook, and sample attachment files. Mounted only when no Zoho credentials are
 * configured: the emulator holds no real data.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { Secrets } from '../store/crypto.js';
import type { Store } from '../store/store.js';
import type { ZohoEmulator } from '../emulator/index.js';
import { ApiError } from '../http/errors.js';
import { packageRoot } from '../packageRoot.js';
import { sampleAttachment, timelinesMessagePayload } from './messages.js';

export const SANDBOX_CLIENT = { clientId: '1000.SANDBOXCLIENT', clientSecret: 'sandbox-client-secret' };

// The host page sits beside this module (build-server copies it into dist/); the widget build is
// app/ in the project folder, found the same way from the sources and from dist/.
const here = path.dirname(fileURLToPath(import.meta.url));

export interface SandboxDeps {
  emulator: ZohoEmulator;
  store: Store;
  secrets: Secrets;
  publicUrl: string;
  log: Logger;
}

const sendInput = z
  .object({
    phone: z.string().trim().min(3, 'enter the contact phone, e.g. +14155550123').max(40),
    name: z.string().trim().max(80).optional().default(''),
    text: z.string().max(4000).optional().default(''),
    direction: z.enum(['received', 'sent']).optional().default('received'),
    attachment: z.boolean().optional().default(false),
    chatId: z.string().trim().max(40).optional(),
    isGroup: z.boolean().optional().default(false),
    /** ISO time or "YYYY-MM-DD HH:mm:ss +ZZZZ"; default now */
    timestamp: z.string().max(40).optional(),
  })
  .strict();

export function sandboxRoutes(deps: SandboxDeps): Router {
  const router = Router();
  const sandboxOrg = deps.emulator.seedDefaultSandbox();

  const hostPage = path.join(here, 'hostPage');
  const widgetBuild = path.join(packageRoot(here), 'app');
  router.get('/', (_req, res) => res.redirect(302, '/sandbox/'));
  router.use('/sandbox', express.static(hostPage, { index: 'index.html' }));
  router.use('/widget', (req, res, next) => {
    if (!existsSync(widgetBuild)) {
      next(
        new ApiError(
          503,
          'WIDGET_NOT_BUILT',
          'The widget is not built: run `npm run build` (npm start does it).',
        ),
      );
      return;
    }
    next();
  });
  router.use('/widget', express.static(widgetBuild));

  const sandboxWorkspace = () => deps.store.data.workspaces.find((w) => w.orgId === sandboxOrg.orgId);

  router.get('/sandbox/api/state', (_req, res) => {
    const ws = sandboxWorkspace();
    res.json({
      orgId: sandboxOrg.orgId,
      connected: ws?.connection.status === 'connected',
      active: ws?.active ?? false,
      module: ws?.settings?.module ?? null,
      settings: ws?.settings ?? null,
      webhookUrl: ws
        ? `${deps.publicUrl}/webhooks/timelines/${deps.secrets.open<string>(ws.webhookToken)}`
        : null,
      users: sandboxOrg.users.map((u) => ({ email: u.email, name: u.fullName, admin: u.isAdmin })),
    });
  });

  router.get('/sandbox/api/records', (req, res) => {
    const module = typeof req.query.module === 'string' ? req.query.module : 'Contacts';
    res.json({ data: deps.emulator.state.records(sandboxOrg.orgId, module) });
  });
  router.get('/sandbox/api/records/:module/:id', (req, res) => {
    const record = deps.emulator.state
      .records(sandboxOrg.orgId, String(req.params.module))
      .find((r) => String(r.id) === String(req.params.id));
    if (!record) throw new ApiError(404, 'RECORD_NOT_FOUND', 'No such record in the emulator.');
    res.json({ data: [record] });
  });
  router.get('/sandbox/api/records/:module/:id/notes', (req, res) => {
    res.json({ data: deps.emulator.state.notes(sandboxOrg.orgId, String(req.params.id)) });
  });

  router.get('/sandbox/files/:name', (req, res) => {
    const file = sampleAttachment(String(req.params.name));
    if (!file) throw new ApiError(404, 'NO_SUCH_FILE', 'No such sample file.');
    res.type(file.mimeType).send(file.data);
  });

  router.post('/sandbox/api/send-message', express.json({ limit: '64kb' }), async (req, res) => {
    const parsed = sendInput.safeParse(req.body);
    if (!parsed.success) {
      throw new ApiError(
        400,
        'INVALID_MESSAGE',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    const ws = sandboxWorkspace();
    if (!ws)
      throw new ApiError(
        409,
        'NOT_CONNECTED',
        'Connect Zoho CRM in the settings page first: the message has no workspace to go to.',
      );
    const url = `${deps.publicUrl}/webhooks/timelines/${deps.secrets.open<string>(ws.webhookToken)}`;
    const payload = timelinesMessagePayload({
      ...parsed.data,
      filesBaseUrl: `${deps.publicUrl}/sandbox/files`,
    });
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const body = (await answer.json()) as unknown;
    res.status(answer.status).json({ ok: answer.ok, webhook: body, messageId: payload.message.message_uid });
  });

  return router;
}
