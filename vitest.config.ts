import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

// One runner for server and widget tests. Widget component tests opt into happy-dom with a
// `// @vitest-environment happy-dom` comment; browser tests (test/browser) need Debian's chromium
// and the widget built into app/, which the global setup does when app/ is older than widget/.
export default defineConfig({
  plugins: [preact()],
  test: {
    include: [
      'test/**/*.test.ts',
      'test/**/*.test.tsx',
      'widget/test/**/*.test.tsx',
      'widget/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/browser/globalSetup.ts', 'test/helpers/pgGlobalSetup.ts'],
  },
});
