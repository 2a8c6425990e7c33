import { defineConfig } from 'vitest/config';

// Unit and integration tests: core (and test/) under Node with real SQLite files and real
// servers on loopback; renderer components under jsdom. e2e/ belongs to Playwright.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['core/**/*.test.ts', 'electron/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        esbuild: { jsx: 'automatic' },
        test: {
          name: 'renderer',
          environment: 'jsdom',
          include: ['renderer/**/*.test.{ts,tsx}'],
          testTimeout: 15_000,
        },
      },
    ],
  },
});
