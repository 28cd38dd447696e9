/**
 * The workspace as the admin API answers it (`WorkspaceAnswer` of the contract), with what the
 * settings page shows beside the settings: the org's CRM address, when TimelinesAI last reached the
 * webhook, and how many messages were skipped while the integration was inactive.
 *
 * The last two are derived from the sync log and the queue for now (a read of the newest entries,
 * not a stored value), so they are bounded by what the log keeps (the newest 1,000 per workspace).
 */
import type { Request } from 'express';
import type { TestRecordRef, WorkspaceAnswer } from '../../../contract/adminApi.js';
import { crmRecordUrl } from '../../../contract/adminApi.js';
import { INACTIVE_SKIP_REASON } from '../jobs/intake.js';
import type { DbData, Workspace } from '../store/schema.js';
import type { ConnectionService } from '../workspace/connection.js';
import { zohoCrmUrl } from '../workspace/crmUrl.js';

export interface WorkspaceViewDeps {
  data: () => DbData;
  connection: ConnectionService;
  /** The org's CRM address when it is not one of Zoho's data centres (the sandbox); default: none. */
  crmUrl?: ((ws: Workspace) => string | null) | undefined;
}

export function crmUrlOf(ws: Workspace, deps: Pick<WorkspaceViewDeps, 'crmUrl'>): string | null {
  return zohoCrmUrl(ws) ?? deps.crmUrl?.(ws) ?? null;
}

export function workspaceView(ws: Workspace, deps: WorkspaceViewDeps, req: Request): WorkspaceAnswer {
  const session = req.session!;
  const data = deps.data();
  const crmUrl = crmUrlOf(ws, deps);
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
      settings: ws.settings,
      timeZone: ws.settings?.timeZone ?? ws.timeZone,
      orgTimeZone: ws.timeZone,
      webhookUrl: session.role === 'owner' ? deps.connection.webhookUrl(ws) : null,
      webhook: { lastEventAt: lastEventAt(data, ws.id) },
      crmUrl,
      skippedWhileInactive: skippedWhileInactive(data, ws),
    },
    you: { email: session.email, isOwner: session.role === 'owner' },
  };
}

export function testRecordOf(ws: Workspace, crmUrl: string | null): TestRecordRef | null {
  const module = ws.testRecordModule ?? ws.settings?.module;
  if (!ws.testRecordId || !module) return null;
  return { id: ws.testRecordId, module, url: crmRecordUrl(crmUrl, module, ws.testRecordId) };
}

/**
 * When TimelinesAI last delivered an event: the receipt time of the newest logged message (the
 * intake's record of first receipt, else the entry's time) or of the newest queued one. Entries
 * without a chat (the worker's "kept in the queue" notes) are written later and say nothing of it.
 */
export function lastEventAt(data: DbData, workspaceId: string): string | null {
  let newest = Number.NEGATIVE_INFINITY;
  for (let i = data.log.length - 1; i >= 0; i--) {
    const e = data.log[i]!;
    if (e.workspaceId !== workspaceId || (!e.chatId && !e.messageId)) continue;
    const seen = e.messageId ? data.seen[`${workspaceId}:${e.messageId}`] : undefined;
    newest = seen ?? Date.parse(e.at);
    break;
  }
  for (const q of data.queue) {
    if (q.workspaceId !== workspaceId) continue;
    const t = Date.parse(q.receivedAt);
    if (t > newest) newest = t;
  }
  return Number.isFinite(newest) ? new Date(newest).toISOString() : null;
}

/**
 * Messages skipped because the integration was inactive, since it was last deactivated: every such
 * skip happened after the last activation (none can happen while active). 0 while active.
 */
export function skippedWhileInactive(data: DbData, ws: Workspace): number {
  if (ws.active) return 0;
  const since = ws.activatedAt ?? '';
  let count = 0;
  for (let i = data.log.length - 1; i >= 0; i--) {
    const e = data.log[i]!;
    if (e.workspaceId !== ws.id) continue;
    if (e.at <= since) break;
    if (e.outcome === 'skipped' && e.reason === INACTIVE_SKIP_REASON) count += 1;
  }
  return count;
}
