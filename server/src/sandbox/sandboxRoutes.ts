/**
 * Sandbox-only routes: the host page that plays Zoho CRM around the widget, read access to the
 * emulator's records and Notes for it, record pages for the settings page's links into the CRM, a
 * form endpoint that sends a WhatsApp message in through the real webhook, and sample attachment
 * files. Mounted only when no Zoho credentials are configured: the emulator holds no real data.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { Sealed, Secrets } from '../store/crypto.js';
import type { Store } from '../store/store.js';
import type { ZohoEmulator } from '../../../emulator/zoho/index.js';
import type { TimelinesEmulator } from '../../../emulator/timelines/index.js';
import { timelinesSandbox } from './timelinesSandbox.js';
import { Problem } from '../errors.js';
import { verifySession } from '../http/sessions.js';
import { packageRoot } from '../packageRoot.js';
import { sampleAttachment, timelinesMessagePayload } from './messages.js';

/**
 * The sandbox's webhook URL for `npm run replay`, in its data folder, readable by its owner only.
 * `GET /sandbox/api/state` shows it only to the owner's session, so a script reads it from here.
 */
export const SANDBOX_WEBHOOK_FILE = 'sandbox-webhook-url';

export const SANDBOX_CLIENT = { clientId: '1000.SANDBOXCLIENT', clientSecret: 'sandbox-client-secret' };

// The host page sits beside this module (build-server copies it into dist/); the widget build is
// app/ in the project folder, found the same way from the sources and from dist/.
const here = path.dirname(fileURLToPath(import.meta.url));

export interface SandboxDeps {
  emulator: ZohoEmulator;
  /** the emulated TimelinesAI (its token for the settings page, what it received) */
  timelines?: TimelinesEmulator | undefined;
  store: Store;
  secrets: Secrets;
  publicUrl: string;
  log: Logger;
  /** where SANDBOX_WEBHOOK_FILE is written */
  dataDir: string;
}

export interface Sandbox {
  router: Router;
  /** Writes the sandbox workspace's webhook URL to SANDBOX_WEBHOOK_FILE (call when it may have changed). */
  publishWebhookUrl(): Promise<void>;
}

/**
 * The sandbox org's "CRM address": `${crmUrl}/tab/<Module>/<id>` (the shape of Zoho's record pages)
 * is served below and shows the record in the host page.
 */
export function sandboxCrmUrl(publicUrl: string): (ws: { orgId: string }) => string {
  return (ws) => `${publicUrl}/sandbox/crm/org${encodeURIComponent(ws.orgId)}`;
}

const RECORD_PAGE = { module: /^[A-Za-z][A-Za-z0-9_]{0,99}$/, id: /^[0-9A-Za-z_-]{1,64}$/ };

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

export function sandboxRoutes(deps: SandboxDeps): Sandbox {
  const router = Router();
  const sandboxOrg = deps.emulator.seedDefaultSandbox();

  const hostPage = path.join(here, 'hostPage');
  const widgetBuild = path.join(packageRoot(here), 'app');
  router.get('/', (_req, res) => res.redirect(302, '/sandbox/'));
  router.use('/sandbox', express.static(hostPage, { index: 'index.html' }));
  router.use('/widget', (req, res, next) => {
    if (!existsSync(widgetBuild)) {
      next(
        new Problem(
          'unavailable',
          'WIDGET_NOT_BUILT',
          'The widget is not built: run `npm run build` (npm start does it).',
        ),
      );
      return;
    }
    next();
  });
  router.use('/widget', express.static(widgetBuild));

  const webhookUrlOf = (ws: { webhookToken: Sealed }) =>
    `${deps.publicUrl}/webhooks/timelines/${deps.secrets.open<string>(ws.webhookToken)}`;
  const tl = deps.timelines ? timelinesSandbox(deps.timelines, deps.secrets) : undefined;
  if (tl) router.use(tl.router);

  router.get('/sandbox/api/state', async (req, res) => {
    const ws = await deps.store.workspaces.byOrg(sandboxOrg.orgId);
    // The webhook URL is a credential: only the owner's session (Bearer) sees it here.
    const viewer = await verifySession(deps.secrets, deps.store, req.headers.authorization);
    const owner = ws && viewer?.workspace.id === ws.id && viewer.session.uid === ws.owner.userId;
    res.json({
      orgId: sandboxOrg.orgId,
      connected: ws?.connection.status === 'connected',
      active: ws?.active ?? false,
      module: ws?.settings?.module ?? null,
      settings: ws?.settings ?? null,
      webhookUrl: ws && owner ? webhookUrlOf(ws) : null,
      users: sandboxOrg.users.map((u) => ({ id: u.id, email: u.email, name: u.fullName, admin: u.isAdmin })),
    });
  });

  // A record's page, as Zoho's `…/crm/org<id>/tab/<Module>/<id>`: the host page's record view.
  router.get('/sandbox/crm/:org/tab/:module/:id', (req, res) => {
    const module = String(req.params.module);
    const id = String(req.params.id);
    if (!RECORD_PAGE.module.test(module) || !RECORD_PAGE.id.test(id))
      throw new Problem('not_found', 'NO_SUCH_PAGE', 'No such record page in the sandbox.');
    res.redirect(302, `/sandbox/#records/${encodeURIComponent(module)}/${encodeURIComponent(id)}`);
  });

  // What ZOHO.CRM.CONFIG.getOrgInfo answers the widget (the chat panel names the org's time zone).
  router.get('/sandbox/api/org', (_req, res) => {
    res.json({
      org: [{ id: sandboxOrg.orgId, company_name: sandboxOrg.companyName, time_zone: sandboxOrg.timeZone }],
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
    if (!record) throw new Problem('not_found', 'RECORD_NOT_FOUND', 'No such record in the emulator.');
    res.json({ data: [record] });
  });
  router.get('/sandbox/api/records/:module/:id/notes', (req, res) => {
    res.json({ data: deps.emulator.state.notes(sandboxOrg.orgId, String(req.params.id)) });
  });

  router.get('/sandbox/files/:name', (req, res) => {
    const file = sampleAttachment(String(req.params.name));
    if (!file) throw new Problem('not_found', 'NO_SUCH_FILE', 'No such sample file.');
    res.type(file.mimeType).send(file.data);
  });

  router.post('/sandbox/api/send-message', express.json({ limit: '64kb' }), async (req, res) => {
    const parsed = sendInput.safeParse(req.body);
    if (!parsed.success) {
      throw new Problem(
        'invalid',
        'INVALID_MESSAGE',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    const ws = await deps.store.workspaces.byOrg(sandboxOrg.orgId);
    if (!ws)
      throw new Problem(
        'conflict',
        'NOT_CONNECTED',
        'Connect Zoho CRM in the settings page first: the message has no workspace to go to.',
      );
    const url = webhookUrlOf(ws);
    // With TimelinesAI connected, the message goes through the emulated TimelinesAI (which delivers
    // it to the subscriptions): its chat is then one the chat panel can send into.
    if (tl && tl.delivering(url) && !parsed.data.isGroup && !parsed.data.chatId) {
      const messageId = await tl.deliver(parsed.data);
      res.json({ ok: true, via: 'timelines', messageId });
      return;
    }
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

  const publishWebhookUrl = async () => {
    const ws = await deps.store.workspaces.byOrg(sandboxOrg.orgId);
    if (!ws) return;
    // A fresh file renamed over the old one: created 0600, never briefly readable by others.
    const file = path.join(deps.dataDir, SANDBOX_WEBHOOK_FILE);
    writeFileSync(`${file}.tmp`, `${webhookUrlOf(ws)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };

  return { router, publishWebhookUrl };
}
