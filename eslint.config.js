// Lint rules: typescript-eslint's recommended set over server, widget, the emulators, tests and scripts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const HTTP_RULE = {
  group: ['**/http/**'],
  message:
    "Only the server's wiring imports http/; put shared code in a domain folder (errors.ts for Problem).",
};
const EMULATOR_RULE = {
  group: ['**/emulator/**'],
  message: 'The emulator is a test double: only the sandbox loads it, with a dynamic import in server.ts.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'app/**', 'dist/**', 'data/**', 'test-results/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Only server/src/zoho/sdk/ imports the Zoho SDK: its process-global state and its pitfalls stay
    // behind the gateway (tests may drive the SDK against the emulator).
    files: ['server/**', 'widget/**', 'scripts/**'],
    ignores: ['server/src/zoho/sdk/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@zohocrm/typescript-sdk-8.0',
              message: 'Only server/src/zoho/sdk/ imports the Zoho SDK; use the ZohoGateway.',
            },
          ],
        },
      ],
    },
  },
  // The dependency rules (README, "Where things go"). Nothing imports http/ but the server's wiring
  // (server.ts, the sandbox's routes); the emulator is loaded only through the sandbox's dynamic import.
  {
    files: ['server/src/**'],
    ignores: ['server/src/http/**', 'server/src/server.ts', 'server/src/sandbox/**', 'server/src/sync/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [HTTP_RULE, EMULATOR_RULE] }],
    },
  },
  {
    // sync/ is pure rules: no I/O, no store, no Zoho calls; the gateway's and events' types only.
    files: ['server/src/sync/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['node:fs', 'node:fs/promises', 'node:http', 'node:https', 'node:net', 'pg'].map((name) => ({
            name,
            message: 'sync/ holds pure rules: do the I/O in jobs/ and pass the result in.',
          })),
          patterns: [
            HTTP_RULE,
            EMULATOR_RULE,
            {
              group: [
                '**/store/**',
                '**/jobs/**',
                '**/workspace/**',
                '**/zoho/sdk/**',
                '**/timelines/api/**',
              ],
              message: 'sync/ holds pure rules: do the I/O in jobs/ and pass the result in.',
            },
            {
              group: ['**/zoho/gateway*', '**/timelines/events*'],
              allowTypeImports: true,
              message: "sync/ may use the gateway's and the events' types, not their code.",
            },
          ],
        },
      ],
    },
  },
  {
    // The widget talks to the backend through contract/ only.
    files: ['widget/src/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/server/src/**', '**/emulator/**'],
              message: 'The widget shares only contract/ with the server (types of the admin API).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**', 'test/**', 'server/src/cli/**'],
    rules: { 'no-console': 'off' },
  },
);
