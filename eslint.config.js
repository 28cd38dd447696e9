// Lint rules: typescript-eslint's recommended set over server, widget, the emulators, tests and scripts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    files: ['scripts/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
