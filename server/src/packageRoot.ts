/**
 * The folder holding the project's package.json, found by walking up from a module's own folder.
 * Code run from the sources (server/src/…) and from the compiled bundle (dist/server/src/…) sits at
 * different depths, so "three folders up" is wrong in one of them; package.json is the one landmark
 * both share (the Docker image keeps it beside dist/ and app/).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function packageRoot(fromDir: string): string {
  let dir = path.resolve(fromDir);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fromDir}: run from the project folder`);
    dir = parent;
  }
}

/** The project's version (package.json), for /metrics' build info. */
export function packageVersion(fromDir: string): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(fromDir), 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
