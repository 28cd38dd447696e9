/**
 * The workspace as the admin API answers it (`WorkspaceAnswer` of the contract), with what the
 * settings page shows beside the settings: the org's CRM address, when TimelinesAI last reached the
 * webhook, how many messages were skipped while the integration was inactive, and the phone index's
 * progress ("Indexing 34,000 of 120,000 Contacts").
 */
import type { Request } from 'express';
import type { TestRecordRef, WorkspaceAnswer } from '../../../contract/adminApi.js';
import { crmRecordUrl } from '../../../contract/adminApi.js';
import type { Workspace } from '../store/schema.js';
import type { Frozen, Store } from '../store/store.js';
import type { ConnectionService } from '../workspace/connection.js';
import { zohoCrmUrl } from '../workspace/crmUrl.js';
import { connectionView } from '../workspace/timelinesLink.js';

export interface WorkspaceViewDeps {
  store: Store;
  connection: ConnectionService;
  /** The org's CRM address when it is not one of Zoho's data centres (the sandbox); default: none. */
  crmUrl?: ((ws: Frozen<Workspace>) => string | null) | undefined;
}

export function crmUrlOf(ws: Frozen<Workspace>, deps: Pick<WorkspaceViewDeps, 'crmUrl'>): string | null {
  return zohoCrmUrl(ws) ?? deps.crmUrl?.(ws) ?? null;
}

export async function workspaceView(
  ws: Frozen<Workspace>,
  deps: WorkspaceViewDeps,
  req: Request,
): Promise<WorkspaceAnswer> {
  const session = req.session!;
  const crmUrl = crmUrlOf(ws, deps);
  const [lastEventAt, index] = await Promise.all([
    deps.store.workspaces.lastEventAt(ws.id),
    deps.store.phoneIndex.state(ws.id),
  ]);
  return {
    workspace: {
      id: ws.id,
      orgId: ws.orgId,
      orgName: ws.orgName,
      ownerEmail: ws.owner.email,
      connection: {
        status: ws.connection.status,
        connectedAt: ws.connection.connectedAt,
        problem: ws.connection.problem ?? null,
      },
      connected: ws.connection.status === 'connected',
      active: ws.active,
      activatedAt: ws.activatedAt ?? null,
      testRecordId: ws.testRecordId ?? null,
      testRecord: testRecordOf(ws, crmUrl),
      settings: ws.settings ? { ...ws.settings } : null,
      timeZone: ws.settings?.timeZone ?? ws.timeZone,
      orgTimeZone: ws.timeZone,
      webhookUrl: session.role === 'owner' ? deps.connection.webhookUrl(ws) : null,
      webhook: { lastEventAt: lastEventAt ?? null },
      crmUrl,
      skippedWhileInactive: ws.active ? 0 : (ws.skippedWhileInactive ?? 0),
      phoneIndex: index
        ? { module: index.module, status: index.status, done: index.done, total: index.total ?? null }
        : null,
      timelines: connectionView(ws),
    },
    you: { email: session.email, isOwner: session.role === 'owner', name: session.name ?? null },
  };
}

export function testRecordOf(ws: Frozen<Workspace>, crmUrl: string | null): TestRecordRef | null {
  const module = ws.testRecordModule ?? ws.settings?.module;
  if (!ws.testRecordId || !module) return null;
  return { id: ws.testRecordId, module, url: crmRecordUrl(crmUrl, module, ws.testRecordId) };
}
