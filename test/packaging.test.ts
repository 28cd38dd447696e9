/**
 * `npm run pack` produces what Zoho accepts: the widget built with relative URLs, no source maps,
 * zet-safe file names, and `zet validate` clean. Built into a temp folder so it never races the
 * browser tests, which serve app/.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('extension packaging', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'wa-zoho-pack-'));
    copyFileSync(path.join(root, 'plugin-manifest.json'), path.join(work, 'plugin-manifest.json'));
    execFileSync(
      bin('vite'),
      ['build', '--logLevel', 'error', '--outDir', path.join(work, 'app'), '--emptyOutDir'],
      {
        cwd: root,
        stdio: 'pipe',
      },
    );
  }, 120_000);
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('builds both pages with relative asset URLs, no source maps and zet-safe names', () => {
    const files = filesUnder(path.join(work, 'app')).map((f) => path.relative(path.join(work, 'app'), f));
    expect(files).toEqual(expect.arrayContaining(['settings.html', 'panel.html']));
    for (const f of files) {
      expect(path.basename(f)).toMatch(/^[A-Za-z0-9_.$-]+$/);
      expect(f.endsWith('.map')).toBe(false);
    }
    const html = readFileSync(path.join(work, 'app/settings.html'), 'utf8');
    expect(html).toMatch(/src="\.\/assets\//);
    expect(html).not.toMatch(/src="\/assets\//);
  });

  it('passes zet validate and zet pack makes the zip', () => {
    const env = { ...process.env, NO_UPDATE_NOTIFIER: '1' };
    const validate = execFileSync(bin('zet'), ['validate'], { cwd: work, env, encoding: 'utf8' });
    expect(validate).toMatch(/Validation Rules passed successfully/);
    const pack = execFileSync(bin('zet'), ['pack'], { cwd: work, env, encoding: 'utf8' });
    expect(pack).toMatch(/packed successfully/);
    const zips = readdirSync(path.join(work, 'dist')).filter((f) => f.endsWith('.zip'));
    expect(zips).toHaveLength(1);
    expect(statSync(path.join(work, 'dist', zips[0]!)).size).toBeGreaterThan(1000);
  });
});
