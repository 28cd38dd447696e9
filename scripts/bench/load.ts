/** Runs the load generators of loadChild.ts as child processes and reads their results. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConversationOptions } from '../conversations.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'loadChild.ts');

export interface SendSpec {
  /** round-robin over these (several connector processes) */
  webhookUrls: string[];
  conversation: ConversationOptions;
  prefix: string;
  concurrency: number;
  /** deliveries started per second at most (default: as fast as answered) */
  ratePerSec?: number;
  /** a delivery that fails (an error, a non-200) is tried again, as TimelinesAI retries */
  retryUntilAcked?: boolean;
  /** retries stop after this long (default 30 minutes) */
  deadlineMs?: number;
  resultFile: string;
}

export interface SendResult {
  sent: number;
  attempts: number;
  /** deliveries never answered 200 */
  unacknowledged: number;
  statuses: Record<string, number>;
  outcomes: Record<string, number>;
  /** message id → when it was first answered 200 (epoch ms) */
  acks: Record<string, number>;
  startedAt: number;
  endedAt: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface IntakeSpec {
  webhookUrl: string;
  conversation: ConversationOptions;
  prefix: string;
  connections: number;
  seconds: number;
  resultFile: string;
}

export interface IntakeResult {
  requests: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  /** message ids answered 200 */
  acked: string[];
  /** requests started (the last ones may have been stored without their answer being counted) */
  started: number;
  startedAt: number;
  endedAt: number;
}

function run<T>(
  role: 'send' | 'intake',
  spec: object,
  dir: string,
  onReady?: (pid: number) => Promise<void>,
  onDone?: () => void,
): Promise<T> {
  const resultFile = path.join(dir, `${role}-${Date.now()}.json`);
  const specFile = `${resultFile}.spec`;
  writeFileSync(specFile, JSON.stringify({ ...spec, role, resultFile }));
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, specFile], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m) => {
    if (m === 'done') {
      onDone?.();
      child.send('go');
      return;
    }
    void (onReady?.(child.pid!) ?? Promise.resolve()).then(() => child.send('go'));
  });
  return new Promise<T>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the ${role} load generator exited with ${code}`));
      resolve(JSON.parse(readFileSync(resultFile, 'utf8')) as T);
    });
  });
}

export function runSend(spec: Omit<SendSpec, 'resultFile'>, dir: string): Promise<SendResult> {
  return run<SendResult>('send', spec, dir);
}

/**
 * `onReady` (given the load generator's pid) runs once autocannon has its payloads ready, just
 * before it starts; `onDone` as soon as the load ends, while the generator still runs.
 */
export function runIntake(
  spec: Omit<IntakeSpec, 'resultFile'>,
  dir: string,
  onReady: (pid: number) => Promise<void>,
  onDone: () => void,
): Promise<IntakeResult> {
  return run<IntakeResult>('intake', spec, dir, onReady, onDone);
}
