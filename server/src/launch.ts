/**
 * Starting the connector as a process: reads the configuration (stopping with every problem listed),
 * starts it, says where to go, and closes it gracefully on SIGINT/SIGTERM. `npm start` (main.ts) and
 * the benchmarks' connector entry (test/helpers/connectorMain.mjs) both start this way.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './log.js';
import { startServer, StartupError, type RunningServer, type StartOptions } from './server.js';
import { StoreFileError } from './store/document/image.js';

export async function launch(extra: Omit<StartOptions, 'log'> = {}): Promise<RunningServer> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }

  const log = createLogger(config.logLevel);
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer(config, { ...extra, log });
  } catch (e) {
    // What a person must fix gets one clear line and exit code 1 (no stack trace).
    if (
      e instanceof StoreFileError ||
      e instanceof StartupError ||
      (e as Error).message?.startsWith('Cannot connect to PostgreSQL')
    ) {
      console.error(`Cannot start: ${(e as Error).message}`);
      process.exit(1);
    }
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`Cannot start: port ${config.port} is in use: stop what uses it, or set PORT.`);
      process.exit(1);
    }
    throw e;
  }
  if (config.zoho.mode === 'sandbox') {
    log.info(
      { url: running.url, sandbox: `${running.url}/sandbox/`, zohoEmulator: `${running.url}/zoho` },
      `Sandbox ready: open ${running.url}/sandbox/ (Zoho CRM emulator at ${running.url}/zoho; no Zoho account needed)`,
    );
  } else {
    log.info({ url: running.url }, `Connector ready at ${running.url}`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return running;
}
