import { defineConfig } from 'vitest/config';

// Its own config so vitest does not load vite.config.ts (the Remix plugin is for the build only).
export default defineConfig({
  test: {
    include: ['app/**/*.test.ts', 'server/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
