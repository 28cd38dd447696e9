/** The TimelinesAI fixtures kept in the repository (test/fixtures/timelines; see its README). */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TIMELINES_FIXTURES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/timelines',
);

/** One fixture, parsed afresh on every call (tests may change it). */
export function timelinesFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(TIMELINES_FIXTURES_DIR, name), 'utf8')) as T;
}

/** The webhook payload fixtures, in file name order. */
export function webhookFixtures(): unknown[] {
  return readdirSync(TIMELINES_FIXTURES_DIR)
    .filter((n) => n.startsWith('webhook-') && n.endsWith('.json'))
    .sort()
    .map((n) => timelinesFixture(n));
}
