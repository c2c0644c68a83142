import { checkDatabase } from '@enigma/db';
import type { CliCommand } from '../command.ts';
import { openConfiguredDatabase } from './migrate.ts';

export const dbCheckCommand: CliCommand = {
  name: 'db:check',
  summary: 'check the database connection and migration status (exit 1 when migrations are pending)',
  usage: 'usage: enigma db:check [--json]',
  options: { json: { type: 'boolean' } },
  async run({ values }) {
    const { handle, where } = await openConfiguredDatabase();
    try {
      const status = await checkDatabase(handle);
      if (values.json) console.log(JSON.stringify({ where, ...status }));
      else {
        console.log(`database: ${where} (${status.kind}, PostgreSQL ${status.serverVersion})`);
        console.log(`migrations: ${status.applied} applied, ${status.pending} pending`);
        console.log(
          `timescaledb: ${status.timescale ? 'yes (candles are a hypertable)' : 'no (plain table + BRIN)'}`,
        );
        console.log(status.ok ? 'ok' : 'NOT OK: run `enigma migrate`');
      }
      return status.ok ? 0 : 1;
    } finally {
      await handle.close();
    }
  },
};
