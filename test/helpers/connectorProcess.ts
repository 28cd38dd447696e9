/**
 * The connector as a real child process (live mode, pointed at an emulator through the ZOHO_*_URL
 * overrides), for tests that kill it with SIGKILL or run several at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const TEST_CLIENT = { clientId: '1000.PROCESSTEST', clientSecret: 'process-test-secret' };

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it answers something (every 50 ms), or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ConnectorProcess {
  url: string;
  port: number;
  proc: ChildProcess;
  /** what it printed so far */
  output(): string;
  /** SIGKILL, resolved once it is gone */
  kill(): Promise<void>;
  /** SIGTERM (graceful), resolved with its exit code */
  stop(): Promise<number | null>;
}

export interface ConnectorEnv {
  port: number;
  emulatorUrl: string;
  dataFile: string;
  databaseUrl?: string | undefined;
  extra?: Record<string, string>;
  /**
   * Attachments under this URL prefix are downloaded without the host policy (a local file server):
   * the process then runs connectorMain.ts, the benchmarks' main, instead of server/src/main.ts.
   */
  trustedFilesPrefix?: string | undefined;
  /**
   * The compiled bundle's folder (`npm run build:server -- --out <folder>`): the connector runs it
   * with node alone, as the Docker image does, instead of the sources under tsx.
   */
  compiledDir?: string | undefined;
  /** node options (e.g. `--cpu-prof`) */
  nodeArgs?: string[] | undefined;
  /** how long to wait for "Connector ready" (a store of a million messages opens slowly); default 60 s */
  readyTimeoutMs?: number | undefined;
}

/** Starts a connector process and resolves once it says it is ready. */
export async function startConnector(env: ConnectorEnv): Promise<ConnectorProcess> {
  const url = `http://localhost:${env.port}`;
  const compiled = env.compiledDir;
  const entry = env.trustedFilesPrefix
    ? 'test/helpers/connectorMain.mjs'
    : compiled
      ? path.join(compiled, 'server/src/main.js')
      : 'server/src/main.ts';
  const loader = compiled ? [] : ['--import', 'tsx'];
  const proc = spawn(process.execPath, [...(env.nodeArgs ?? []), ...loader, entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(env.port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      DATA_FILE: env.dataFile,
      SECRET_KEY: 'process-test-secret-key-0123456789abcdef',
      ZOHO_CLIENT_ID: TEST_CLIENT.clientId,
      ZOHO_CLIENT_SECRET: TEST_CLIENT.clientSecret,
      ZOHO_ACCOUNTS_URL: env.emulatorUrl,
      ZOHO_API_URL: env.emulatorUrl,
      LOG_LEVEL: 'info',
      // The emulator answers in milliseconds (2 s in a chaos run's spikes): a write whose answer a
      // kill or a fault lost is given 5 s to land before it is looked for (30 s against Zoho).
      ZOHO_TIMEOUT_MS: '5000',
      ...(env.databaseUrl ? { DATABASE_URL: env.databaseUrl } : {}),
      ...(env.trustedFilesPrefix ? { TRUSTED_FILES_PREFIX: env.trustedFilesPrefix } : {}),
      ...(compiled ? { CONNECTOR_LAUNCH: path.join(compiled, 'server/src/launch.js') } : {}),
      ...env.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Kept to the last 1 MB: a long benchmark must not grow this without bound.
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > 2 * 1024 * 1024) output = output.slice(-1024 * 1024);
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`connector not ready after ${env.readyTimeoutMs ?? 60_000} ms:\n${output}`));
    }, env.readyTimeoutMs ?? 60_000);
    proc.stdout!.on('data', (d: Buffer) => {
      keep(d);
      if (output.includes('Connector ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.stderr!.on('data', keep);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`connector exited (${code}) before ready:\n${output}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    url,
    port: env.port,
    proc,
    output: () => output,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}
