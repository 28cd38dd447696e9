/**
 * The emulator stands apart from the connector: it imports nothing from `server/`, and the
 * connector's code loads it only in sandbox mode (type-only imports, or the dynamic import in the
 * composition root), so that a production process never loads the test double.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|tsx|js)$/.test(name)) out.push(p);
  }
  return out;
}

/** Every module specifier a file imports, with how: `static`, `type` or `dynamic`. */
function imports(file: string): { spec: string; how: 'static' | 'type' | 'dynamic' }[] {
  const text = readFileSync(file, 'utf8');
  const out: { spec: string; how: 'static' | 'type' | 'dynamic' }[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm))
    out.push({ spec: m[3]!, how: m[2] ? 'type' : 'static' });
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[1]!, how: 'static' });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    out.push({ spec: m[1]!, how: 'dynamic' });
  return out;
}

const rel = (file: string) => path.relative(root, file);

describe('the emulator apart from the connector', () => {
  it('imports nothing from the connector (server/)', () => {
    const bad = sources(path.join(root, 'emulator')).flatMap((f) =>
      imports(f)
        .filter(
          (i) => i.spec.startsWith('.') && rel(path.resolve(path.dirname(f), i.spec)).startsWith('server'),
        )
        .map((i) => `${rel(f)} → ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('is loaded by the connector only in sandbox code or with a dynamic import', () => {
    const files = sources(path.join(root, 'server/src'));
    const uses = files.flatMap((f) =>
      imports(f)
        .filter((i) => rel(path.resolve(path.dirname(f), i.spec)).startsWith('emulator'))
        .map((i) => ({ file: rel(f), how: i.how })),
    );
    expect(uses.length).toBeGreaterThan(0);
    const bad = uses.filter((u) => u.how === 'static' && !u.file.startsWith('server/src/sandbox/'));
    expect(bad).toEqual([]);
    // The sandbox code itself is loaded dynamically too, since it may import the emulator.
    const sandboxImports = files.flatMap((f) =>
      imports(f)
        .filter(
          (i) =>
            i.how === 'static' && rel(path.resolve(path.dirname(f), i.spec)).startsWith('server/src/sandbox'),
        )
        .map(() => rel(f)),
    );
    expect(sandboxImports.filter((f) => !f.startsWith('server/src/sandbox/'))).toEqual([]);
  });
});
