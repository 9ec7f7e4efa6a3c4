import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Once per run: the PostgreSQL the tests use, started here if none answers (test/postgres-server.ts).
    globalSetup: ['test/postgres-server.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests start real loopback servers; run files one at a time on this 2-core machine.
    fileParallelism: false,
  },
});
