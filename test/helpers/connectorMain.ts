/**
 * The connector's main for benchmarks and fault runs (connectorProcess.ts starts it when given a
 * `trustedFilesPrefix`): server/src/main.ts, except that attachments under TRUSTED_FILES_PREFIX (the
 * emulator process's local file server) are downloaded without the host policy, which refuses
 * loopback addresses and plain http. Only this test entry reads that variable; the product's main
 * never does.
 */
import { ConfigError, loadConfig } from '../../server/src/config.js';
import { createLogger } from '../../server/src/log.js';
import { startServer } from '../../server/src/server.js';

const prefix = process.env.TRUSTED_FILES_PREFIX;
let config;
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
  running = await startServer(config, {
    log,
    ...(prefix ? { trustedAttachmentPrefixes: [prefix.endsWith('/') ? prefix : `${prefix}/`] } : {}),
  });
} catch (e) {
  console.error(`Cannot start: ${(e as Error).message}`);
  process.exit(1);
}
// Said on stdout whatever LOG_LEVEL is (benchmarks run with warn: no line per request).
process.stdout.write(`Connector ready at ${running.url}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void running.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
