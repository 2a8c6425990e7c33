import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Unit and integration tests: core (and test/) under Node with real SQLite files and real
// servers on loopback; renderer components under jsdom. e2e/ belongs to Playwright.
export default defineConfig({
  test: {
    // Most integration tests wait on child processes and peers (vcsim, sshd, PostgreSQL, netns
    // firewalls) rather than compute, so two files at a time fit even a 2-core machine (vitest's
    // default there is one). Test files share no ports, namespaces or output files: see
    // test/global-setup.ts for dist/.
    maxWorkers: Math.min(4, Math.max(2, availableParallelism() - 1)),
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['core/**/*.test.ts', 'electron/**/*.test.ts', 'test/**/*.test.ts'],
          // Integration tests start child processes and peers: two files at a time on 2 cores can
          // slow a passing test past 30 s (seen in CI); a hang still fails, a minute later.
          testTimeout: 60_000,
          hookTimeout: 90_000,
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/event-loop-watch.ts'],
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
