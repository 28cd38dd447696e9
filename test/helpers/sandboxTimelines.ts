/** The sandbox's emulated TimelinesAI, as tests drive it: its token, its workspace, its webhooks. */
import { expect } from 'vitest';
import type { TimelinesEmulator, WebhookRec } from '../../emulator/timelines/index.js';
import type { TimelinesStatusAnswer } from '../../contract/adminApi.js';
import { api, type Harness, type Session } from './harness.js';

export interface SandboxTimelines {
  emu: TimelinesEmulator;
  wsId: string;
  token: string;
  /** the subscriptions pointing at this connector */
  ours(): WebhookRec[];
}

export async function sandboxTimelines(h: Harness): Promise<SandboxTimelines> {
  const emu = h.server.timelinesEmulator!;
  const res = await fetch(`${h.url}/sandbox/api/timelines`);
  const body = (await res.json()) as { token: string; workspaceId: string };
  const wsId = body.workspaceId;
  return {
    emu,
    wsId,
    token: body.token,
    ours: () => emu.webhooks(wsId).filter((w) => w.url.startsWith(`${h.url}/webhooks/timelines/`)),
  };
}

/** Pastes the sandbox's TimelinesAI token as the owner. */
export async function connectTimelines(
  h: Harness,
  s: Session,
  tl: SandboxTimelines,
): Promise<TimelinesStatusAnswer> {
  const res = await api<TimelinesStatusAnswer>(h.url, s.token, 'PUT', '/api/timelines', {
    apiToken: tl.token,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
