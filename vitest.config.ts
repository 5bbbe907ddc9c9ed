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
    pool: 'forks',
    // Two cores: more workers than that only adds contention on the one PostgreSQL.
    maxWorkers: 2,
  },
});
