// Lint rules for the whole repository: typescript-eslint's type-aware recommended set, kept
// pragmatic (no stylistic rules), with the two project rules from STYLE.md: floating promises
// are errors, and deterministic workflow code never imports Node built-ins or side-effect packages.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...new Set(builtinModules.map((name) => name.replace(/^node:/, '')))];

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'coverage/', 'dist/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `any` from JSON, Stripe payloads and test doubles is handled by zod at the edges;
      // flagging every use of it would bury the findings that matter.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Each step of the product's code reads on one screen (docs/STRUCTURE.md): no function over 120 lines.
    files: ['{workflows,activities,api,inbox,db,worker}/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 120 }] },
  },
  {
    // Workflow code is replayed deterministically in the workflow sandbox.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflows are deterministic: no Node built-ins; do the work in an activity.',
          })),
          patterns: [
            {
              group: ['node:*', ...nodeBuiltins.map((name) => `${name}/*`)],
              message: 'Workflows are deterministic: no Node built-ins; do the work in an activity.',
            },
            {
              group: [
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                '@temporalio/testing',
                'stripe',
                'pg',
                'hono',
                '@hono/*',
              ],
              allowTypeImports: true,
              message: 'Workflows may import only @temporalio/workflow and pure shared types (use `import type`).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
