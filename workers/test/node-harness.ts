import type { BusPayload, BusPublisher } from '@enigma/core/bus/index';
import { type DbHandle, migrate, openDatabase } from '@enigma/db/client';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { createApp } from '../src/app.ts';
import { type AppConfig, DEFAULT_CONFIG, silentLogger } from '../src/deps.ts';
import { MemoryKv } from '../src/kv/memory.ts';

/** A bus publisher that keeps what it was given, so tests can count stream entries. */
export class RecordingBus implements BusPublisher {
  readonly entries: { stream: string; payload: BusPayload }[] = [];
  async append(stream: string, payload: BusPayload): Promise<string> {
    this.entries.push({ stream, payload: JSON.parse(JSON.stringify(payload)) });
    return `${this.entries.length}-0`;
  }
  async publish(): Promise<number> {
    return 0;
  }
}

/** A Node-side app over a fresh PostgreSQL database, a memory KV and a recording bus; a settable clock. */
export async function nodeHarness(overrides: Partial<AppConfig> = {}) {
  const tdb = await createTestDatabase();
  const handle: DbHandle = await openDatabase({ url: tdb.url });
  await migrate(handle);
  const clock = { now: Date.UTC(2024, 4, 1, 12, 0, 10) };
  const config: AppConfig = {
    ...DEFAULT_CONFIG,
    jwtSecret: 'test-jwt-secret-test-jwt-secret-0123',
    masterKey: generateMasterKey(),
    now: () => clock.now,
    ...overrides,
  };
  const kv = new MemoryKv(() => clock.now);
  const bus = new RecordingBus();
  const app = createApp({
    db: handle.db,
    kv,
    bus,
    config,
    logger: silentLogger,
    clientIp: (req) => req.headers.get('x-test-ip') ?? '127.0.0.1',
  });
  return {
    app,
    db: handle.db,
    bus,
    kv,
    clock,
    config,
    async close() {
      await handle.close();
      await tdb.drop();
    },
  };
}
