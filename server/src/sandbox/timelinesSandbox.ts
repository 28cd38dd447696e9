/**
 * The sandbox's TimelinesAI: one emulated workspace with a connected WhatsApp number and an API token
 * the host page shows the admin to paste (stable across restarts: derived from the sandbox's
 * SECRET_KEY), what the emulator received (webhook subscriptions and deliveries, sends), and buttons
 * that make it misbehave as TimelinesAI can (quota used up, the WhatsApp number disconnected).
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { TimelinesEmulator, WorkspaceRec } from '../../../emulator/timelines/index.js';
import { Problem } from '../errors.js';
import type { Secrets } from '../store/crypto.js';
import { sampleAttachment } from './messages.js';

export const SANDBOX_WHATSAPP_NUMBER = '+34910000000';

export interface TimelinesSandbox {
  router: Router;
  workspace: WorkspaceRec;
  token: string;
  /** Whether TimelinesAI delivers to this connector (a subscription to its webhook URL exists). */
  delivering(webhookUrl: string): boolean;
  /** A WhatsApp message through the emulator (stored there, delivered to the subscriptions). */
  deliver(msg: {
    phone: string;
    name: string;
    text: string;
    direction: 'received' | 'sent';
    attachment: boolean;
  }): Promise<string>;
}

const controlInput = z
  .object({
    quota: z.enum(['exhausted', 'renewed']).optional(),
    whatsapp: z.enum(['connected', 'disconnected']).optional(),
  })
  .strict();

export function timelinesSandbox(emu: TimelinesEmulator, secrets: Secrets): TimelinesSandbox {
  const ws = emu.createWorkspace({
    name: 'Sandbox TimelinesAI',
    ownerName: 'Sandra Admin',
    ownerEmail: 'admin@sandbox.test',
    quota: 100,
  });
  emu.addAccount(ws.id, {
    phone: SANDBOX_WHATSAPP_NUMBER,
    accountName: 'Sandbox sales line',
    ownerName: 'Sandra Admin',
    ownerEmail: 'admin@sandbox.test',
  });
  const hex = Buffer.from(secrets.digest('sandbox-timelines-token'), 'base64url').toString('hex');
  const token = emu.issueToken(
    ws.id,
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`,
  );

  const router = Router();
  router.get('/sandbox/api/timelines', (_req, res) => {
    const account = ws.accounts[0]!;
    res.json({
      token,
      workspaceId: ws.id,
      whatsapp: { phone: account.phone, connected: account.connected },
      quota: { total: ws.quota.total, used: ws.quota.used },
      apiCalls: ws.apiCalls,
      webhooks: ws.webhooks.map((w) => ({
        id: w.id,
        eventType: w.eventType,
        enabled: w.enabled,
        errorsCounter: w.errorsCounter,
        // The path holds the workspace's secret: the page shows where it goes, not the token.
        url: w.url.replace(/\/webhooks\/timelines\/[^/]+$/, '/webhooks/timelines/•••'),
      })),
      sends: emu
        .sends(ws.id)
        .slice(-10)
        .reverse()
        .map((s) => ({
          at: s.receivedAt,
          via: s.via,
          status: s.status,
          credits: s.credits,
          chatId: s.chatId,
        })),
      deliveries: emu
        .deliveries(ws.id)
        .slice(-10)
        .reverse()
        .map((d) => ({ at: d.at, eventType: d.eventType, ok: d.ok, status: d.status ?? null })),
    });
  });

  router.post('/sandbox/api/timelines/controls', express.json({ limit: '4kb' }), (req, res) => {
    const parsed = controlInput.safeParse(req.body);
    if (!parsed.success)
      throw new Problem(
        'invalid',
        'INVALID_CONTROL',
        'Send {"quota":"exhausted"|"renewed"} or {"whatsapp":…}.',
      );
    if (parsed.data.quota)
      emu.setQuota(ws.id, { used: parsed.data.quota === 'exhausted' ? ws.quota.total : 0 });
    if (parsed.data.whatsapp)
      emu.setAccountConnected(ws.id, SANDBOX_WHATSAPP_NUMBER, parsed.data.whatsapp === 'connected');
    res.json({ ok: true });
  });

  return {
    router,
    workspace: ws,
    token,
    delivering: (webhookUrl) => ws.webhooks.some((w) => w.enabled && w.url === webhookUrl),
    async deliver(msg) {
      const file = msg.attachment ? sampleAttachment('brochure.txt') : undefined;
      const { messageUid } = await emu.deliverIncoming(ws.id, {
        phone: msg.phone,
        ...(msg.name
          ? { chatName: msg.name, senderName: msg.direction === 'received' ? msg.name : undefined }
          : {}),
        fromMe: msg.direction === 'sent',
        text: msg.text,
        ...(file
          ? { attachment: { filename: 'brochure.txt', mimetype: file.mimeType, data: file.data } }
          : {}),
      });
      return messageUid;
    },
  };
}
