/**
 * `npm run check:docker`: what can be checked of the image where Docker cannot run.
 *  1. lints the Dockerfile (scripts/docker/lint.ts);
 *  2. replays its steps in a temp folder (scripts/docker/replay.ts): the context as .dockerignore
 *     leaves it, the build stage's `npm ci` and build, the runtime stage's `npm ci --omit=dev`;
 *  3. starts the runtime stage's CMD with plain node on a free port and a temp data folder, waits for
 *     /readyz, runs the HEALTHCHECK command, and stops it with SIGTERM.
 * `--link-dev-install` links the checkout's node_modules instead of the build stage's full `npm ci`
 * (quicker; the runtime install is always real). `--keep` leaves the temp folder.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintDockerfile } from './docker/lint.js';
import { removeWork, replayBuild, runHealthcheck, startReplayed } from './docker/replay.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const log = (line: string) => console.log(`  ${line}`);

const problems = lintDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
if (problems.length) {
  console.error('Dockerfile lint:');
  for (const p of problems) console.error(`  line ${p.line} [${p.rule}] ${p.message}`);
  process.exit(1);
}
console.log('Dockerfile lint: clean');

const work = mkdtempSync(path.join(tmpdir(), 'wa-zoho-docker-'));
let code = 1;
try {
  console.log(`replaying the build in ${work}`);
  const image = replayBuild({ root, work, linkDevInstall: argv.includes('--link-dev-install'), log });
  for (const s of image.skipped) console.log(`  not replayed (image only): ${s}`);
  const started = await startReplayed(image, path.join(work, 'data'));
  console.log(`started \`${image.cmd.join(' ')}\`: ${started.url}/readyz is ready`);
  const health = runHealthcheck(image, new URL(started.url).port);
  console.log(`HEALTHCHECK exit code: ${health}`);
  const exit = await started.stop();
  console.log(`stopped with SIGTERM: exit code ${exit}`);
  code = health === 0 && exit === 0 ? 0 : 1;
} catch (e) {
  console.error((e as Error).message);
} finally {
  if (argv.includes('--keep')) console.log(`kept ${work}`);
  else removeWork(work);
}
process.exit(code);
