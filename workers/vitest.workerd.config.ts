import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

/**
 * Worker tests: the worker and the test files run inside workerd (Miniflare), configured from the
 * root wrangler.toml; PostgreSQL is reached through the Neon driver and the local WebSocket proxy,
 * Redis through @upstash/redis and the local Upstash bridge (both started by the global setup).
 *
 * Run: cd workers && npx -y pnpm@10 exec vitest run -c vitest.workerd.config.ts
 */
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: './src/worker.ts',
      wrangler: { configPath: '../wrangler.toml' },
      miniflare: { bindings: inject<Record<string, string>>('workerBindings') },
    })),
  ],
  test: {
    include: ['src/**/*.workerd.test.ts'],
    globalSetup: ['./test/workerd-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
