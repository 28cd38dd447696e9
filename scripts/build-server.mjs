#!/usr/bin/env node
/* global console, process -- a plain Node script, outside the TypeScript project */
/**
 * `npm run build:server [-- --out dir]`: compiles the backend (server/src, and emulator/ and contract/
 * when present) to JavaScript under dist/ (or --out), keeping the folder structure, so relative
 * imports and the sandbox's dynamic import of the emulator resolve the same from dist/ as from the
 * sources. Files tsc does not emit (the sandbox host page's HTML, CSS and JS) are copied beside the
 * compiled code. Plain JavaScript on purpose: it runs with node alone, in the Docker build stage too.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The source folders compiled into the bundle (the same list as tsconfig.build.json's `include`). */
export const SOURCE_DIRS = ['server/src', 'emulator', 'contract'];

function parseOut(argv) {
  const i = argv.indexOf('--out');
  if (i === -1) return path.join(root, 'dist');
  const value = argv[i + 1];
  if (!value || value.startsWith('--')) {
    console.error('--out needs a folder, e.g. --out /tmp/bundle/dist');
    process.exit(2);
  }
  return path.resolve(value);
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Not emitted by tsc and not needed at run time: TypeScript sources and tests. */
const isSourceOnly = (file) => /\.(ts|tsx|mts|cts)$/.test(file) || /\.test\.[a-z]+$/.test(file);

export function buildServer(out) {
  // The compiled folders are deleted first: never let that be the checkout or a source folder.
  const top = path.relative(root, out).split(path.sep)[0];
  if (top === '' || SOURCE_DIRS.some((dir) => dir.split('/')[0] === top)) {
    throw new Error(`--out ${out} would overwrite the sources: choose a folder such as dist/`);
  }
  for (const dir of SOURCE_DIRS) rmSync(path.join(out, dir.split('/')[0]), { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`tsc failed (exit ${result.status ?? result.signal})`);
  let copied = 0;
  for (const dir of SOURCE_DIRS) {
    const from = path.join(root, dir);
    if (!existsSync(from)) continue;
    for (const file of filesUnder(from)) {
      if (isSourceOnly(file)) continue;
      const target = path.join(out, path.relative(root, file));
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(file, target);
      copied += 1;
    }
  }
  return { out, copied };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { out, copied } = buildServer(parseOut(process.argv.slice(2)));
    console.warn(
      `backend compiled into ${path.relative(process.cwd(), out) || '.'} (${copied} asset files copied)`,
    );
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
