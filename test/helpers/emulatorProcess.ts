/**
 * Starts the Zoho CRM emulator in its own process (emulatorChild.ts) and drives it over IPC: the
 * sandbox org seeded, a client registered for connector processes (connectorProcess.ts TEST_CLIENT),
 * sample attachment files under `${url}/files/`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RandomFaults } from '../../emulator/zoho/index.js';
import { TEST_CLIENT } from './connectorProcess.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'emulatorChild.ts');

export interface EmulatorDump {
  /** records of the module as `GET /{module}/{id}` answers them */
  records: Record<string, unknown>[];
  notes: { id: string; title: string; content: string; parentId: string }[];
  /** note id → attachments on it */
  attachments: Record<string, number>;
}

export type EmulatorCommand =
  | {
      cmd: 'controls';
      latencyMs?: number;
      /** null: no cap */
      concurrencyCap?: number | null;
      /** null: off */
      randomFaults?: RandomFaults | null;
    }
  | { cmd: 'resetStats' }
  | { cmd: 'stats' }
  | { cmd: 'seedRecords'; module: string; rows: Record<string, unknown>[]; createdAt?: number }
  | { cmd: 'encryptField'; module: string; field: string }
  | { cmd: 'dump'; module: string }
  | { cmd: 'tagsSeen' }
  | { cmd: 'expireTokens' }
  | { cmd: 'inflight' };

interface Answers {
  controls: true;
  resetStats: true;
  stats: Record<string, number>;
  seedRecords: string[];
  encryptField: boolean;
  dump: EmulatorDump;
  tagsSeen: Record<string, number>;
  expireTokens: true;
  inflight: number;
}

export interface EmulatorProcess {
  url: string;
  /** where the sample attachments are served (`${filesUrl}/brochure.txt`) */
  filesUrl: string;
  pid: number;
  call<C extends EmulatorCommand>(c: C): Promise<Answers[C['cmd']]>;
  close(): void;
}

export function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, EMULATOR_CLIENT: JSON.stringify(TEST_CLIENT) },
  });
  let seq = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.once('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`the emulator process ended (${code ?? signal})`));
    waiting.clear();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: { ready?: string; id?: number; value?: unknown; error?: string }) => {
      if (m.ready) {
        resolve({
          url: m.ready,
          filesUrl: `${m.ready}/files`,
          pid: child.pid!,
          call<C extends EmulatorCommand>(c: C) {
            const id = ++seq;
            child.send({ id, ...c });
            return new Promise<Answers[C['cmd']]>((res, rej) =>
              waiting.set(id, { resolve: res as (v: unknown) => void, reject: rej }),
            );
          },
          close: () => void child.kill(),
        });
      } else if (m.id !== undefined) {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.error !== undefined) w?.reject(new Error(m.error));
        else w?.resolve(m.value);
      }
    });
  });
}
