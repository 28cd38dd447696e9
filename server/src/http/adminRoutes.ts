/**
 * The admin API. Every route needs a session; changes need the workspace owner. Requests and answers
 * are typed by the contract the widget compiles against (contract/adminApi.ts).
 */
import express, { Router, type Request, type Response } from 'express';
import type {
  ActivateAnswer,
  ChatLinkFieldAnswer,
  DisconnectAnswer,
  ModuleFieldsAnswer,
  ModulesAnswer,
  SettingsAnswer,
  SessionAnswer,
  SyncLogAnswer,
  WebhookRotateAnswer,
  WorkspaceAnswer,
} from '../../../contract/adminApi.js';
import { crmRecordUrl } from '../../../contract/adminApi.js';
import type { ConnectionService } from '../workspace/connection.js';
import type { GatewayRegistry } from '../workspace/gateways.js';
import type { ActivationService } from '../workspace/activation.js';
import { settingsInput, type SettingsService } from '../workspace/settings.js';
import type { Secrets } from '../store/crypto.js';
import { Problem } from '../errors.js';
import type { Frozen, Store } from '../store/store.js';
import type { Workspace } from '../store/schema.js';
import type { ZohoGateway } from '../zoho/gateway.js';
import { renewSession } from '../workspace/sessions.js';
import { asAdminProblem as zohoCall } from '../workspace/zohoProblems.js';
import { apiCors } from './cors.js';
import { requireOwner, requireSession } from './sessions.js';
import { parseSyncLogQuery, syncLogPage } from './syncLogView.js';
import { crmUrlOf, workspaceView, type WorkspaceViewDeps } from './workspaceView.js';
import { timelinesRoutes, type TimelinesRouteDeps } from './timelinesRoutes.js';
import type { TimelinesLinkService } from '../workspace/timelinesLink.js';

export interface AdminDeps {
  store: Store;
  secrets: Secrets;
  gateways: GatewayRegistry;
  connection: ConnectionService;
  settings: SettingsService;
  activation: ActivationService;
  /** The org's CRM address where it is not one of Zoho's data centres (the sandbox's record pages). */
  crmUrl?: (ws: Frozen<Workspace>) => string | null;
  timelines: TimelinesLinkService;
  history: TimelinesRouteDeps['history'];
}

const MODULE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;

/** Sends an answer typed by the contract (Express's `res.json` takes anything). */
function answer<T>(res: Response, body: T, status = 200): void {
  res.status(status).json(body);
}

export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();
  router.use('/api', apiCors, express.json({ limit: '100kb' }), requireSession(deps.secrets, deps.store));
  const viewDeps: WorkspaceViewDeps = { store: deps.store, connection: deps.connection, crmUrl: deps.crmUrl };
  /** The view of the workspace as stored now (after a change: read again, not the request's copy). */
  const view = async (req: Request): Promise<WorkspaceAnswer> => {
    const ws = (await deps.store.workspaces.get(req.workspace!.id)) ?? req.workspace!;
    return workspaceView(ws, viewDeps, req);
  };

  const zohoOf = (ws: Frozen<Workspace>): ZohoGateway => {
    const zoho = deps.gateways.for(ws);
    if (!zoho) {
      throw new Problem(
        'conflict',
        'NOT_CONNECTED',
        'Zoho CRM is not connected: click "Connect Zoho CRM" first.',
      );
    }
    return zoho;
  };
  const moduleParam = (req: Request): string => {
    const m = String(req.params.module ?? '');
    if (!MODULE_NAME.test(m))
      throw new Problem('invalid', 'INVALID_MODULE', `"${m}" is not a Zoho module API name.`);
    return m;
  };
  router.get('/api/workspace', async (req, res) => {
    answer<WorkspaceAnswer>(res, await view(req));
  });

  router.get('/api/zoho/modules', async (req, res) => {
    const ws = req.workspace!;
    const modules = await zohoCall(() => deps.settings.modules(ws, zohoOf(ws)));
    answer<ModulesAnswer>(res, { modules });
  });

  router.get('/api/zoho/modules/:module/fields', async (req, res) => {
    const ws = req.workspace!;
    const module = moduleParam(req);
    const { fields, candidates } = await zohoCall(() => deps.settings.fields(ws, zohoOf(ws), module));
    answer<ModuleFieldsAnswer>(res, { fields, candidates });
  });

  router.put('/api/settings', requireOwner, async (req, res) => {
    const ws = req.workspace!;
    const parsed = settingsInput.safeParse(req.body);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      const field = String(first.path[0] ?? '');
      throw new Problem(
        'invalid',
        'INVALID_SETTINGS',
        parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        field || undefined,
      );
    }
    if (ws.active)
      throw new Problem(
        'conflict',
        'INTEGRATION_ACTIVE',
        'The integration is active: click "Deactivate and edit settings" first.',
      );
    const settings = await zohoCall(() => deps.settings.save(ws, zohoOf(ws), parsed.data));
    answer<SettingsAnswer>(res, { settings });
  });

  router.post('/api/zoho/modules/:module/chat-link-field', requireOwner, async (req, res) => {
    const ws = req.workspace!;
    const module = moduleParam(req);
    if (ws.active)
      throw new Problem(
        'conflict',
        'INTEGRATION_ACTIVE',
        'The integration is active: deactivate it to change fields.',
      );
    const field = await zohoCall(() => deps.settings.createChatLinkField(ws, zohoOf(ws), module));
    answer<ChatLinkFieldAnswer>(
      res,
      { field: { apiName: field.apiName, label: field.label, type: field.type } },
      201,
    );
  });

  router.post('/api/activate', requireOwner, async (req, res) => {
    const ws = req.workspace!;
    const result = await deps.activation.activate(ws, zohoOf(ws));
    const crmUrl = crmUrlOf(ws, viewDeps);
    // With a TimelinesAI token, TimelinesAI is told where to deliver (else the admin pastes the URL).
    const webhooks = await deps.timelines.syncWebhooks(ws, 'ensure');
    answer<ActivateAnswer>(res, {
      ...(await view(req)),
      testRecordId: result.id,
      testRecord: { ...result, url: crmRecordUrl(crmUrl, result.module, result.id) },
      webhooks,
    });
  });

  router.post('/api/deactivate', requireOwner, async (req, res) => {
    await deps.activation.deactivate(req.workspace!);
    answer<WorkspaceAnswer>(res, await view(req));
  });

  router.post('/api/disconnect', requireOwner, async (req, res) => {
    // TimelinesAI stops delivering first (the token stays, for the reconnection).
    await deps.timelines.syncWebhooks(req.workspace!, 'remove');
    await deps.connection.disconnect(req.workspace!);
    answer<DisconnectAnswer>(res, { status: 'disconnected' });
  });

  // A fresh token for the same user (sliding expiry): the widget renews while it is used.
  router.post('/api/session', (req, res) => {
    const session = req.session!;
    const ws = req.workspace!;
    const { token, expiresAt } = renewSession(deps.secrets, ws, session);
    answer<SessionAnswer>(res, {
      sessionToken: token,
      expiresAt: new Date(expiresAt).toISOString(),
      workspaceId: ws.id,
      email: session.email,
      role: session.uid === ws.owner.userId ? 'owner' : 'viewer',
    });
  });

  router.get('/api/sync-log', async (req, res) => {
    const query = parseSyncLogQuery(req.query as Record<string, unknown>);
    answer<SyncLogAnswer>(res, await syncLogPage(deps.store, req.workspace!, query));
  });

  // A new webhook URL: the old token stops at once (a leaked URL is dead); paste the new one in TimelinesAI.
  router.post('/api/webhook/rotate', requireOwner, async (req, res) => {
    const webhookUrl = await deps.connection.rotateWebhook(req.workspace!);
    // TimelinesAI follows the new URL: re-registered while active, the old one removed either way.
    const ws = (await deps.store.workspaces.get(req.workspace!.id)) ?? req.workspace!;
    await deps.timelines.syncWebhooks(ws, ws.active ? 'ensure' : 'removeStale');
    answer<WebhookRotateAnswer>(res, { webhookUrl });
  });

  timelinesRoutes(router, deps);

  return router;
}
