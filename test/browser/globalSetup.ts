/**
 * Vitest global setup: makes sure `app/` (the widget build the sandbox serves at /widget/) is not
 * older than the widget's sources, so the browser tests drive the current widget.
 *
 * Cheap when app/ is fresh (a few stat calls), so it runs for every `vitest run`. When a build is
 * needed it goes to a temporary folder that then replaces app/ in two renames: a concurrently
 * running sandbox never serves a half-written build. A failed build does not fail the other tests:
 * its message is handed to the browser tests (inject('widgetBuild')), which fail with it.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

export interface WidgetBuildResult {
  ok: boolean;
  /** What was done, or why it failed. */
  message: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    widgetBuild: WidgetBuildResult;
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = path.join(root, 'app');
const PAGES = ['settings.html', 'panel.html'];

function newestSourceMtime(): number {
  let newest = 0;
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  visit(path.join(root, 'widget/src'));
  visit(path.join(root, 'contract'));
  for (const page of PAGES) visit(path.join(root, 'widget', page));
  visit(path.join(root, 'vite.config.ts'));
  return newest;
}

/** What is missing from app/: a page or a file a page refers to; null when complete. */
function missingReason(): string | null {
  for (const page of PAGES) {
    const file = path.join(appDir, page);
    if (!existsSync(file)) return `app/${page} is missing`;
    for (const [, ref] of readFileSync(file, 'utf8').matchAll(/(?:src|href)="\.\/([^"]+)"/g)) {
      if (!existsSync(path.join(appDir, ref!))) return `app/${ref} (referenced by app/${page}) is missing`;
    }
  }
  return null;
}

/** Why app/ must be rebuilt, or null when it is complete and newer than every source. */
function staleReason(): string | null {
  const missing = missingReason();
  if (missing) return missing;
  const builtAt = Math.min(...PAGES.map((page) => statSync(path.join(appDir, page)).mtimeMs));
  return newestSourceMtime() > builtAt ? 'the widget sources are newer than app/' : null;
}

async function buildIntoApp(): Promise<void> {
  const cacheDir = path.join(root, 'node_modules/.cache');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(path.join(cacheDir, 'widget-build-'));
  const old = `${tmp}-old`;
  try {
    const { build } = await import('vite');
    await build({
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: tmp, emptyOutDir: true },
    });
    try {
      renameSync(appDir, old);
    } catch {
      // no app/ yet, or another run just moved it
    }
    try {
      renameSync(tmp, appDir);
    } catch {
      // another run put its (equally fresh) build in place first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}

export default async function setup(project: TestProject): Promise<void> {
  let result: WidgetBuildResult;
  try {
    const reason = staleReason();
    if (reason) {
      const started = Date.now();
      await buildIntoApp();
      const still = missingReason();
      result = still
        ? { ok: false, message: `The widget was rebuilt (${reason}) but app/ is still not usable: ${still}` }
        : { ok: true, message: `Built the widget into app/ in ${Date.now() - started} ms (${reason}).` };
    } else {
      result = { ok: true, message: 'app/ is up to date.' };
    }
  } catch (e) {
    result = { ok: false, message: `Building the widget (vite build) failed: ${(e as Error).message}` };
  }
  project.provide('widgetBuild', result);
}
