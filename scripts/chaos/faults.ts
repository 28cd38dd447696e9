/**
 * The faults of a chaos run besides Zoho's random answers (which the emulator draws itself): two
 * SIGKILLs of the connector at seeded moments (restarted after a seeded pause, as a supervisor
 * would), the data disk full for a few seconds, and every access token expired at a fixed period.
 * Kills and the full disk fall in separate slots of the sending window, so each is its own event.
 */
import { seededRandom } from '../../emulator/zoho/index.js';
import type { Stack } from '../bench/stack.js';
import type { DataDisk } from './disk.js';

export interface FaultPlan {
  /** ms after the first delivery */
  kills: { at: number; downMs: number }[];
  diskFull: { at: number; holdMs: number };
  tokenExpiryEveryMs: number;
}

export interface FaultLog {
  kills: { at: number; downMs: number; restartMs: number }[];
  diskFull: { at: number; heldMs: number; bytes: number } | { skipped: string };
  tokenExpiries: number;
}

/** Slots of the window: a kill in 10–35 %, the full disk in 40–55 %, a kill in 60–85 %. */
export function planFaults(seed: number, windowMs: number): FaultPlan {
  const rng = seededRandom(seed * 7919 + 1);
  const within = (from: number, to: number) => Math.round(windowMs * (from + rng() * (to - from)));
  return {
    kills: [
      { at: within(0.1, 0.35), downMs: 500 + Math.round(rng() * 1500) },
      { at: within(0.6, 0.85), downMs: 500 + Math.round(rng() * 1500) },
    ],
    diskFull: { at: within(0.4, 0.55), holdMs: 3000 + Math.round(rng() * 2000) },
    tokenExpiryEveryMs: Math.max(3000, Math.round(windowMs / 6)),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Applies the plan from `startedAt` on; resolves once every fault has happened. */
export async function runFaults(
  stack: Stack,
  disk: DataDisk,
  plan: FaultPlan,
  startedAt: number,
  sending: Promise<unknown>,
): Promise<FaultLog> {
  const log: FaultLog = { kills: [], diskFull: { skipped: 'not reached' }, tokenExpiries: 0 };
  let done = false;
  void sending.finally(() => (done = true));
  const tokens = (async () => {
    while (!done) {
      await sleep(plan.tokenExpiryEveryMs);
      if (done) break;
      await stack.emulator.call({ cmd: 'expireTokens' });
      log.tokenExpiries += 1;
    }
  })();
  const events = [
    ...plan.kills.map((k) => ({ at: k.at, run: () => kill(stack, k.downMs, startedAt, log) })),
    { at: plan.diskFull.at, run: () => fillDisk(disk, plan.diskFull.holdMs, startedAt, log) },
  ].sort((a, b) => a.at - b.at);
  for (const e of events) {
    await sleep(startedAt + e.at - Date.now());
    await e.run();
  }
  await sending;
  await tokens;
  return log;
}

async function kill(stack: Stack, downMs: number, startedAt: number, log: FaultLog): Promise<void> {
  const at = Date.now() - startedAt;
  await stack.killConnector();
  await sleep(downMs);
  const t = Date.now();
  await stack.startConnector();
  log.kills.push({ at, downMs, restartMs: Date.now() - t });
}

async function fillDisk(disk: DataDisk, holdMs: number, startedAt: number, log: FaultLog): Promise<void> {
  if (disk.unavailable) {
    log.diskFull = { skipped: disk.unavailable };
    return;
  }
  const at = Date.now() - startedAt;
  const { bytes } = disk.fill();
  const t = Date.now();
  await sleep(holdMs);
  disk.free();
  log.diskFull = { at, heldMs: Date.now() - t, bytes };
}
