/* global process, URL */
/**
 * The connector's main for benchmarks and fault runs (connectorProcess.ts starts it when given a
 * `trustedFilesPrefix`): server/src/main.ts, except that attachments under TRUSTED_FILES_PREFIX (the
 * emulator process's local file server) are downloaded without the host policy, which refuses
 * loopback addresses and plain http. Only this test entry reads that variable; the product's main
 * never does.
 *
 * Plain JavaScript, so that it runs either the sources under tsx (the default) or the compiled
 * bundle with node alone, as the Docker image runs it: CONNECTOR_LAUNCH names the bundle's
 * server/src/launch.js.
 */
const launchModule =
  process.env.CONNECTOR_LAUNCH ?? new URL('../../server/src/launch.js', import.meta.url).href;
const { launch } = await import(launchModule);

const prefix = process.env.TRUSTED_FILES_PREFIX;
const running = await launch(
  prefix ? { trustedAttachmentPrefixes: [prefix.endsWith('/') ? prefix : `${prefix}/`] } : {},
);
// Said on stdout whatever LOG_LEVEL is (benchmarks run with warn: no line per request).
process.stdout.write(`Connector ready at ${running.url}\n`);
