import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

// One runner for server and widget tests, in two projects:
// - `document`: every test, on the embedded store (the default engine);
// - `postgres`: the tests that run the connector through its store (HTTP, jobs, workspace, sandbox)
//   once more with TEST_STORE=postgres: each sandbox then gets a fresh database on the throw-away
//   cluster the global setup starts (test/helpers/pgCluster.ts). Store contract and worker tests
//   run both engines themselves, so they are not repeated.
// Widget component tests opt into happy-dom with a `// @vitest-environment happy-dom` comment;
// browser tests (test/browser) need Debian's chromium and the widget built into app/, which the
// global setup does when app/ is older than widget/.
const STORE_BOUND = [
  'test/http/**/*.test.ts',
  'test/jobs/sync.test.ts',
  'test/jobs/phoneIndex.test.ts',
  'test/jobs/crash.test.ts',
  'test/jobs/historyCrash.test.ts',
  'test/jobs/chaos.test.ts',
  'test/workspace/**/*.test.ts',
  'test/sandbox/**/*.test.ts',
];

/** A PostgreSQL to test against: configured, or Debian's package installed (the run starts one). */
const postgres =
  Boolean(process.env.TEST_DATABASE_URL || process.env.DATABASE_URL) ||
  (existsSync('/usr/lib/postgresql') &&
    readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)));
if (!postgres && process.env.CI !== 'true')
  console.warn('[postgres] no PostgreSQL (apt-get install postgresql): the postgres project is skipped');

const POSTGRES_PROJECT = {
  extends: true as const,
  test: { name: 'postgres', include: STORE_BOUND, env: { TEST_STORE: 'postgres' } },
};

export default defineConfig({
  plugins: [preact()],
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/browser/globalSetup.ts', 'test/helpers/pgGlobalSetup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'document',
          include: [
            'test/**/*.test.ts',
            'test/**/*.test.tsx',
            'widget/test/**/*.test.tsx',
            'widget/test/**/*.test.ts',
          ],
        },
      },
      // Under CI=true it always runs: without PostgreSQL it fails, as CI must test both engines.
      ...(postgres || process.env.CI === 'true' ? [POSTGRES_PROJECT] : []),
    ],
  },
});
