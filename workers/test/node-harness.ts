import type { BusPayload, BusPublisher } from '@enigma/core/bus/index';
import { type DbHandle, migrate, openDatabase } from '@enigma/db/client';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import type { AuditAnchor } from '@enigma/db/repositories/audit';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { afterAll, beforeAll } from 'vitest';
import { createApp } from '../src/app.ts';
import { createUserWithPassword } from '../src/auth/users.ts';
import { type AppConfig, DEFAULT_CONFIG, silentLogger } from '../src/deps.ts';
import { MemoryKv } from '../src/kv/memory.ts';
import { BatchingOutboxDone } from '../src/webhooks/outbox.ts';
import { apiCaller } from './api-client.ts';

/** A bus publisher that keeps what it was given, so tests can count stream entries. */
export class RecordingBus implements BusPublisher {
  readonly entries: { stream: string; payload: BusPayload }[] = [];
  async append(stream: string, payload: BusPayload): Promise<string> {
    this.entries.push({ stream, payload: JSON.parse(JSON.stringify(payload)) });
    return `${this.entries.length}-0`;
  }
  readonly published: { channel: string; event: BusPayload }[] = [];
  async publish(channel: string, event: BusPayload): Promise<number> {
    this.published.push({ channel, event: JSON.parse(JSON.stringify(event)) });
    return 0;
  }
}

/** A recording bus whose appends fail while `failing` is above zero (each failure counts it down). */
export class FlakyBus extends RecordingBus {
  failing = 0;
  failures = 0;
  override async append(stream: string, payload: BusPayload): Promise<string> {
    if (this.failing > 0) {
      this.failing--;
      this.failures++;
      throw new Error('bus unavailable (test)');
    }
    return super.append(stream, payload);
  }
}

/**
 * A Node-side app over a fresh PostgreSQL database, a memory KV and a recording bus (or `options.bus`);
 * a settable clock.
 */
export async function nodeHarness<B extends RecordingBus = RecordingBus>(
  overrides: Partial<AppConfig> = {},
  options: { bus?: B; auditAnchor?: AuditAnchor } = {},
) {
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
  const bus = (options.bus ?? new RecordingBus()) as B;
  const outboxDone = new BatchingOutboxDone(handle.db);
  const deps = {
    db: handle.db,
    kv,
    bus,
    config,
    logger: silentLogger,
    outboxDone,
    clientIp: (req: Request) => req.headers.get('x-test-ip') ?? '127.0.0.1',
    ...(options.auditAnchor ? { auditAnchor: options.auditAnchor } : {}),
  };
  const app = createApp(deps);
  return {
    app,
    db: handle.db,
    bus,
    kv,
    clock,
    config,
    deps,
    outboxDone,
    async close() {
      await outboxDone.flush();
      await handle.close();
      await tdb.drop();
    },
  };
}

/**
 * A new user of `role` logged in through `POST /api/auth/login`: its access token and credentials.
 *
 * @example const { token } = await loginAs(h, 'viewer');
 */
export async function loginAs(
  h: {
    app: { request: (path: string, init: RequestInit) => Response | Promise<Response> };
    db: DbHandle['db'];
  },
  role: 'viewer' | 'trader' | 'admin',
): Promise<{ token: string; email: string; password: string }> {
  const email = `${role}-${crypto.randomUUID().slice(0, 8)}@test.local`;
  const password = `${role}-password-${crypto.randomUUID()}`;
  await createUserWithPassword(h.db, { email, password, role });
  const res = await h.app.request('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${role}: HTTP ${res.status}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { token: accessToken, email, password };
}

/**
 * A file's harness and a logged-in user of `role`, set up before its tests and closed after them:
 * `t.h` (the harness), `t.token` and `t.call` (the REST API caller).
 *
 * @example const t = useApiHarness('viewer'); it('…', async () => { await t.call('GET', '/api/alerts', { token: t.token }); });
 */
export function useApiHarness(role: 'viewer' | 'trader' | 'admin') {
  const t = {} as {
    h: Awaited<ReturnType<typeof nodeHarness>>;
    token: string;
    call: ReturnType<typeof apiCaller>;
  };
  t.call = apiCaller(() => t.h.app);
  beforeAll(async () => {
    t.h = await nodeHarness();
    ({ token: t.token } = await loginAs(t.h, role));
  });
  afterAll(() => t.h.close());
  return t;
}
