import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import childEnv from './lint/child-env.js';
import layerImports from './lint/layer-imports.js';

const outpost = { rules: { ...layerImports.rules, ...childEnv.rules } };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-results/**', 'playwright-report/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { outpost },
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'outpost/layer-imports': 'error',
      'outpost/store-sql': 'error',
      'outpost/child-env': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The engine stays behind core/db (openStore and the Sql interface): nothing else may depend
    // on better-sqlite3 or its handle, so a second engine (PostgreSQL) can stand behind the stores.
    files: ['core/**/*.ts', 'electron/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    ignores: ['core/db/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'better-sqlite3', message: 'Only core/db/ talks to the SQLite engine: use openStore (core/db/store.ts) and the Sql interface.' }],
          patterns: [
            {
              group: ['**/db/database', '**/db/database.js', '**/db/sqlite-sql', '**/db/sqlite-sql.js', '**/db/migrate', '**/db/migrate.js'],
              message: 'Engine internals stay in core/db/: open a store with openStore (core/db/store.ts) and use its Sql handle.',
            },
          ],
        },
      ],
    },
  },
  {
    // Type-aware: every store and service call returns a Promise, so a forgotten await is an error.
    files: ['core/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    ignores: ['**/*-fixture.ts', '**/*-fixture2.ts', 'test/fixtures/lint/**'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      // The renderer is a browser page: no Node globals either.
      'no-restricted-globals': ['error', 'process', 'require', 'Buffer', '__dirname', '__filename'],
    },
  },
);
