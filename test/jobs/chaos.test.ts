/**
 * The fault run as a CI smoke: `npm run chaos -- --quick` (600 messages over 60 chats) on the engine
 * under test, while Zoho answers a fifth of the calls 429/5xx with latency spikes, tokens expire, the
 * connector is SIGKILLed twice and the data disk is full for a few seconds (where a tmpfs can be
 * mounted; the run says so otherwise). The verdict does not depend on timing: every acknowledged
 * message in exactly one Note, nothing twice, no second record.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChaosResult } from '../../scripts/chaos/run.js';
import { TEST_STORE } from '../helpers/harness.js';
import { TEST_PG_URL } from '../helpers/postgres.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function runChaos(out: string): Promise<{ code: number | null; output: string }> {
  const env = {
    ...process.env,
    ...(TEST_STORE === 'postgres' && TEST_PG_URL ? { DATABASE_URL: TEST_PG_URL } : {}),
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/chaos.ts', '--quick', '--store', TEST_STORE, '--json', out],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe(`npm run chaos -- --quick (${TEST_STORE})`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-chaos-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses nothing and duplicates nothing under Zoho failures, expired tokens, two SIGKILLs and a full disk', async () => {
    const out = path.join(dir, 'chaos.json');
    const { code, output } = await runChaos(out);
    expect(code, output).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as ChaosResult;
    const v = r.verdict;
    expect(v).toMatchObject({ lost: 0, duplicated: 0, unacknowledged: 0, otherProblems: {} });
    expect(v.acknowledged + v.groupAcknowledged).toBe(r.options.messages); // every message answered 200 at last
    expect(v.synced).toBe(v.acknowledged);
    // The faults happened.
    expect(r.faults.kills).toHaveLength(2);
    expect(r.zoho.injected).toBeGreaterThan(0);
    expect(r.faults.tokenExpiries).toBeGreaterThan(0);
    if ('skipped' in r.faults.diskFull)
      expect(r.faults.diskFull.skipped).toMatch(/tmpfs cannot be mounted|postgres/);
    else expect(r.faults.diskFull.bytes).toBeGreaterThan(0);
    expect(output).toMatch(/lost\s+0/);
  }, 900_000);
});
