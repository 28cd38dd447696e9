/** Start-up checks and the sandbox's own SECRET_KEY: what stops a start with a sentence a person can act on. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Secrets } from './store/crypto.js';
import type { Store } from './store/store.js';

/** A start-up problem a person must fix, said in one line (main.ts prints it and exits 1). */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** Stored tokens were sealed with a SECRET_KEY: a different one cannot open them (say so, change nothing). */
export async function checkSecretKey(store: Store, secrets: Secrets): Promise<void> {
  for (const ws of await store.workspaces.all()) {
    try {
      secrets.open(ws.webhookToken);
    } catch {
      throw new StartupError(
        `SECRET_KEY does not open the stored secrets of workspace ${ws.id} (${ws.orgName}): start with the SECRET_KEY they were sealed with. Nothing was changed.`,
      );
    }
  }
}

/** The sandbox keeps its own SECRET_KEY beside the data file, so tokens survive restarts. */
export function sandboxSecret(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}
