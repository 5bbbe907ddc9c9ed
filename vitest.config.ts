import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Run the workspaces' TypeScript sources, never a stale build.
    alias: [
      { find: /^@eventshop\/sdk\/contract$/, replacement: here('./sdk/src/contract/index.ts') },
      { find: /^@eventshop\/sdk$/, replacement: here('./sdk/src/index.ts') },
    ],
  },
  test: {
    include: ['sdk/src/**/*.test.ts', 'server/src/**/*.test.ts', 'cli/src/**/*.test.ts', 'e2e/**/*.test.ts', 'bench/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // One retry: two tests that start real processes (shopctl's SIGINT test, the tmux tail test) failed
    // once each in six full runs on this 2-core machine, by timing out while other test files loaded it.
    // A test that fails twice still fails the run; see the closing note of that session for the two.
    retry: 1,
    pool: 'forks',
    // Two cores: more workers than that only adds contention on the one PostgreSQL.
    maxWorkers: 2,
  },
});
