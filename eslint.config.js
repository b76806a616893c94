// Lint: typescript-eslint's recommended rules, plus the one-way dependency rule of docs/ARCHITECTURE.md
// (also checked by scripts/check-deps.mjs, which covers what import patterns cannot).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const outward = (names) => names.map((name) => ({ group: [name], message: 'See docs/ARCHITECTURE.md: arrows point one way.' }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'migrations/**', 'coverage/**', '.data/**', 'test-results/**', 'adapters/playground/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  { files: ['adapters/playground/web/**'], languageOptions: { globals: { ...globals.browser } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: outward([
            '**/adapters/**', '**/cards/**', '**/db/**', '**/jobs/**', '**/providers/**', '**/config/**',
            '@slack/*', 'botbuilder*', 'drizzle-orm*', 'postgres', '@electric-sql/*', 'node:*', 'pino', 'node-cron',
          ]),
        },
      ],
      'no-restricted-globals': ['error', 'process', 'fetch', 'setTimeout', 'setInterval'],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'The core takes time from its Clock.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The core takes time from its Clock.' },
      ],
    },
  },
  {
    files: ['cards/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: outward(['**/adapters/**', '**/db/**', '**/jobs/**', '**/providers/**', '@slack/*', 'botbuilder*', 'drizzle-orm*', 'postgres', '@electric-sql/*']) }],
    },
  },
  {
    files: ['adapters/slack/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: outward(['**/src/db/**', '**/adapters/teams/**', '**/adapters/playground/**', 'botbuilder*']) }] },
  },
  {
    files: ['adapters/teams/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: outward(['**/src/db/**', '**/adapters/slack/**', '**/adapters/playground/**', '@slack/*']) }] },
  },
  {
    files: ['adapters/playground/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: outward(['**/src/db/**', '**/adapters/slack/**', '@slack/*']) }] },
  },
);
