import { defineConfig } from 'drizzle-kit';

/** drizzle-kit only generates SQL here (`pnpm --filter @enigma/db generate`); migrations are applied by migrate(). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './migrations',
  strict: true,
  verbose: true,
});
