/**
 * The production bundle, built and started the way the Dockerfile does it, in a temp folder:
 * the context as .dockerignore leaves it, the build stage (its dev dependencies linked from this
 * checkout instead of downloaded again), the runtime stage's real `npm ci --omit=dev`, then the
 * image's CMD with plain node (no tsx, no dev dependency on disk) until /readyz answers ready.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintDockerfile } from '../../scripts/docker/lint.js';
import {
  removeWork,
  replayBuild,
  runHealthcheck,
  startReplayed,
  type Replayed,
  type Started,
} from '../../scripts/docker/replay.js';

const root = path.resolve(__dirname, '../..');

describe('the production bundle', () => {
  let work: string;
  let image: Replayed;
  let started: Started;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'wa-zoho-bundle-'));
    image = replayBuild({ root, work, linkDevInstall: true });
    started = await startReplayed(image, path.join(work, 'data'));
  }, 400_000);
  afterAll(async () => {
    await started?.stop();
    removeWork(work);
  });

  it('lints clean', () => {
    expect(lintDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'))).toEqual([]);
  });

  it('holds production dependencies only', () => {
    const modules = path.join(image.appDir, 'node_modules');
    for (const prod of ['express', 'pino', 'prom-client', '@zohocrm/typescript-sdk-8.0', 'zod'])
      expect(existsSync(path.join(modules, prod)), prod).toBe(true);
    // (typescript and @types/node are there: the Zoho SDK lists them among its own dependencies)
    for (const dev of ['tsx', 'vitest', 'vite', 'esbuild', 'eslint', 'playwright-core', 'prettier'])
      expect(existsSync(path.join(modules, dev)), dev).toBe(false);
    expect(existsSync(path.join(image.appDir, 'server/src'))).toBe(false); // no TypeScript sources
  });

  it('runs with plain node and answers ready, alive and the sandbox pages', async () => {
    expect(image.cmd[0]).toBe('node');
    expect(image.cmd.join(' ')).not.toMatch(/tsx|--import|--loader/);
    const ready = await fetch(`${started.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(runHealthcheck(image, new URL(started.url).port)).toBe(0);
    // the host page (copied beside the compiled code) and the widget build (app/) resolve from dist/
    expect((await fetch(`${started.url}/sandbox/`)).status).toBe(200);
    expect((await fetch(`${started.url}/widget/settings.html`)).status).toBe(200);
    const log = started.output();
    expect(log).toMatch(/"msg":"Sandbox ready/);
  });

  it('stops on SIGTERM with exit code 0, and the healthcheck then fails', async () => {
    const port = new URL(started.url).port;
    expect(await started.stop()).toBe(0);
    expect(runHealthcheck(image, port)).toBe(1);
  });
});
