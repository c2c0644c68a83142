import { defineConfig } from 'vitest/config';

/** Node-side tests (fast iteration with real PostgreSQL and Redis). Worker tests: vitest.workerd.config.ts. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'dev/**/*.test.ts'],
    exclude: ['**/*.workerd.test.ts', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
