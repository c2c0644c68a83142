/**
 * The engine bench's webhook intake in a process of its own (`node --import tsx bench/intake-process.ts`,
 * forked by engine.bench.ts for the production-topology end to end): in production the intake is a
 * worker on Cloudflare and the engine a container elsewhere, sharing only PostgreSQL and Redis. Serves
 * `serveBenchIntake` on PostgreSQL and the Redis bus; sends `{ url }` over IPC once listening; closes
 * on `close` or when the parent goes away.
 */
import { openDatabase } from '@enigma/db/client';
import { createBus } from '../src/bus/index.ts';
import { serveAsChild } from './child.ts';
import { serveBenchIntake } from './intake-app.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  databaseUrl: string;
  redisUrl: string;
  keyPrefix: string;
  masterKey: string;
};
const db = await openDatabase({ kind: 'pg', url: options.databaseUrl });
const bus = createBus({ redisUrl: options.redisUrl, keyPrefix: options.keyPrefix });
const intake = await serveBenchIntake(db.db, bus, options.masterKey);
serveAsChild({ url: intake.url }, async () => {
  await intake.close();
  await bus.close().catch(() => {});
  await db.close();
});
