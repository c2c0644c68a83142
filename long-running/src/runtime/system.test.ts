import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from '../bus/testing/redis-prefix.ts';
import { loadEnv } from '../env.ts';
import { createLogger } from './logger.ts';
import type { Progress } from './progress.ts';
import { startSystem, systemHealth } from './system.ts';

const logger = createLogger({ level: 'silent', pretty: false });
const steps: string[] = [];
const progress: Progress = {
  step: async (label, work) => {
    steps.push(label);
    return work(() => {});
  },
};

describe('startSystem (embedded default)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'enigma-start-'));

  it('starts on PGlite with the in-process bus, serves /healthz, and resumes from its data on a second start', {
    timeout: 180_000,
  }, async () => {
    const env = loadEnv({ ENIGMA_DATA_DIR: dataDir });
    const first = await startSystem({ env, logger, progress, port: 0, simPort: 0 });
    const health = await fetch(`${first.url}/healthz`).then((r) => r.json());
    expect(health).toEqual({
      ok: true,
      bus: 'in-process',
      database: { ok: true, kind: 'pglite', applied: expect.any(Number), pending: 0 },
    });
    // one /metrics for every part: the engine's state, the gateway's clients, queue depths, event loop
    const scraped = await fetch(`${first.url}/metrics`).then((r) => r.text());
    expect(scraped).toMatch(/^enigma_engine_breaker_state\{state="active",app="enigma"\} 1$/m);
    expect(scraped).toMatch(/^enigma_engine_trading\{app="enigma"\} 1$/m);
    expect(scraped).toMatch(/^enigma_gateway_clients\{app="enigma"\} 0$/m);
    expect(scraped).toMatch(
      /^enigma_bus_pending\{stream="signals:incoming",group="engine",app="enigma"\} \d+$/m,
    );
    expect(scraped).toMatch(/^nodejs_eventloop_lag_p99_seconds\{app="enigma"\} /m);
    expect(scraped).toMatch(/^# TYPE enigma_kucoin_requests_total counter$/m);
    expect(first.banner.join('\n')).toMatch(/login: +admin@enigma\.local \/ \S+/);
    // the paper exchange: the printed line is enough for any KuCoin client, and the account is funded
    const simLine = first.banner.find((l) => l.startsWith('simulator: '));
    expect(simLine).toBe(
      `simulator: ${first.sim.url} key=${first.sim.credentials.key} secret=${first.sim.credentials.secret} passphrase=${first.sim.credentials.passphrase}`,
    );
    const { KucoinHttpClient } = await import('../exchange/kucoin/http.ts');
    const creds = first.sim.credentials;
    const kucoin = new KucoinHttpClient({
      baseUrl: first.sim.url,
      credential: {
        apiKey: creds.key,
        apiSecret: creds.secret,
        passphrase: creds.passphrase,
        keyVersion: '3',
      },
    });
    const overview = await kucoin.account.overview('USDT');
    expect(overview.accountEquity.toNumber()).toBe(100_000);
    // the collector fills the database with candles from the first minute (backfilled over REST)
    const { getCandles } = await import('@enigma/db');
    const deadline = Date.now() + 30_000;
    let stored = 0;
    while (Date.now() < deadline && stored === 0) {
      stored = (
        await getCandles(first.db.db, 'XBTUSDTM', '1m', new Date(0), new Date(Date.now() + 3_600_000))
      ).length;
      if (stored === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(stored).toBeGreaterThan(0);
    // the collector's required feeds (level 2, instrument) of every simulated symbol turn fresh
    let market = await fetch(`${first.url}/collector/healthz`);
    while (market.status !== 200 && Date.now() < deadline + 30_000) {
      await new Promise((r) => setTimeout(r, 250));
      market = await fetch(`${first.url}/collector/healthz`);
    }
    expect(market.status).toBe(200);
    const marketBody = (await market.json()) as {
      ok: boolean;
      staleSymbols: string[];
      feeds: { symbol: string; feed: string; fresh: boolean }[];
    };
    expect(marketBody).toMatchObject({ ok: true, staleSymbols: [] });
    const symbols = [...first.sim.engine.markets.keys()].sort();
    expect([...new Set(marketBody.feeds.map((f) => f.symbol))].sort()).toEqual(symbols);
    for (const feed of ['level2', 'instrument'])
      expect(
        marketBody.feeds
          .filter((f) => f.feed === feed && f.fresh)
          .map((f) => f.symbol)
          .sort(),
      ).toEqual(symbols);
    const curl = first.banner.find((l) => l.startsWith('curl '));
    expect(curl).toBeDefined();
    // The printed curl posts an alert with the real secret; what it returns says what became of it.
    // (asynchronously: the server answering it runs in this very process)
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { stdout } = await promisify(execFile)('bash', ['-c', curl!], { encoding: 'utf8' });
    const answer = JSON.parse(stdout) as { status: string; signalId: string };
    expect(answer).toEqual({ status: 'received', signalId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(await first.bus.length('signals:incoming')).toBe(1);
    await first.close();

    const second = await startSystem({ env, logger, progress, port: 0, simPort: 0 });
    const again = await fetch(`${second.url}/healthz`).then((r) => r.json());
    expect(again).toMatchObject({
      ok: true,
      database: { applied: (health as { database: { applied: number } }).database.applied },
    });
    const metrics = await fetch(`${second.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('process_cpu_user_seconds_total');
    // what the first start created is still there: its signal row, its admin (no new login printed)
    const { getSignal } = await import('@enigma/db');
    expect(await getSignal(second.db.db, answer.signalId)).toMatchObject({
      id: answer.signalId,
      symbol: 'XBTUSDTM',
    });
    expect(second.banner).toContain('  login:    the admin created on first start');
    // the webhook secret is printed by the start that created it, never again: a later start says
    // how to show or rotate it
    const secret = /"secret":"([^"]+)"/.exec(curl!)![1]!;
    expect(second.banner.join('\n')).not.toContain(secret);
    expect(second.banner.some((l) => l.startsWith('curl '))).toBe(false);
    expect(second.banner.join('\n')).toMatch(
      /show it: .*\/api\/settings\/webhook-sources\/tradingview\/secret/,
    );
    expect(second.banner.join('\n')).toMatch(/rotate it: .*\/rotate/);
    await second.close();
    expect(steps.filter((s) => s === 'migrating the database')).toHaveLength(2);
  });
});

describe('systemHealth (public /healthz)', () => {
  it('answers a status per component and no error text when the database check fails', async () => {
    const { openDatabase } = await import('@enigma/db');
    const handle = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/nowhere' });
    const logged: unknown[] = [];
    try {
      const health = await systemHealth(handle, 'in-process', { error: (obj) => logged.push(obj) });
      expect(health).toEqual({ ok: false, database: { ok: false, kind: 'pg' }, bus: 'in-process' });
      expect(JSON.stringify(health)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|nowhere/);
      // the error itself is kept, in the log
      expect(logged).toEqual([{ err: expect.any(Error) }]);
    } finally {
      await handle.close();
    }
  });
});

describe('startSystem with DATABASE_URL and REDIS_URL', () => {
  let drop: (() => Promise<void>) | undefined;
  // every key under a random prefix, deleted afterwards: the Redis server is shared
  const prefix = randomPrefix();
  afterAll(async () => {
    await deletePrefix(prefix);
    await drop?.();
  });

  it('uses PostgreSQL and Redis instead of the embedded adapters', async () => {
    const tdb = await createTestDatabase();
    drop = tdb.drop;
    const env = loadEnv({
      ENIGMA_DATA_DIR: mkdtempSync(join(tmpdir(), 'enigma-start-pg-')),
      DATABASE_URL: tdb.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
    });
    const system = await startSystem({ env, logger, progress, port: 0, simPort: 0 });
    try {
      const health = await fetch(`${system.url}/healthz`).then((r) => r.json());
      expect(health).toMatchObject({ ok: true, bus: 'redis', database: { kind: 'pg', pending: 0 } });
      await system.bus.append('signals:incoming', { probe: '1' });
    } finally {
      await system.close();
    }
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await redis.exists(`${prefix}signals:incoming`)).toBe(1);
      await deletePrefix(prefix);
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});
