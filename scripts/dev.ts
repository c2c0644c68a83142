// `pnpm dev`: every part as production runs it, on this machine, with file watching (docs/deploy.md):
// the worker under `wrangler dev --env dev` (workerd) reaching the local PostgreSQL through the Neon
// WebSocket proxy and the local Redis through the Upstash REST bridge, and `enigma sim`, `enigma
// collector`, `enigma engine`, `enigma gateway` over DATABASE_URL and REDIS_URL, each restarted by
// `tsx watch` when its sources change. Ctrl-C stops them all.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_STRATEGY, strategyKey } from '../core/src/engine/strategy.ts';
import { getSetting, openDatabase, putSetting } from '../db/src/index.ts';
import { startNeonWsProxy } from '../db/src/testing/neon-ws-proxy.ts';
import { createBus } from '../long-running/src/bus/index.ts';
import { createLogger } from '../long-running/src/runtime/logger.ts';
import { startUpstashBridge } from '../workers/dev/upstash-bridge.ts';
import { bootstrapEmbedded, DEFAULT_CONFIG, MemoryKv } from '../workers/src/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/enigma_dev';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// The same prefix as wrangler.toml's [env.dev]: the worker and the long-running parts share the streams.
const REDIS_KEY_PREFIX = 'dev:';
const PORTS = { worker: 8787, gateway: 8788, sim: 9100, collector: 9464, engine: 9465, bridge: 8079 };

/** Keys that encrypted rows depend on: generated once, kept in .data/dev.json so restarts can read them. */
function devSecrets(): { ENIGMA_MASTER_KEY: string; JWT_SECRET: string; SIM_API_KEY: string } {
  const file = join(root, '.data', 'dev.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = {
    ENIGMA_MASTER_KEY: randomBytes(32).toString('base64'),
    JWT_SECRET: randomBytes(32).toString('hex'),
    SIM_API_KEY: `dev-${randomBytes(6).toString('hex')}`,
  };
  mkdirSync(join(root, '.data'), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function ensureDatabase(url: string): Promise<void> {
  // db/'s pg driver (the root does not depend on it).
  const pg = createRequire(join(root, 'db', 'package.json'))('pg') as {
    Client: new (o: {
      connectionString: string;
    }) => {
      connect(): Promise<unknown>;
      query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
      end(): Promise<void>;
    };
  };
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      console.log(`dev: created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** The first admin login and the default TradingView source, as `enigma start` creates them (first run only). */
async function bootstrap(secrets: { ENIGMA_MASTER_KEY: string; JWT_SECRET: string }): Promise<string[]> {
  const handle = await openDatabase({ url: DATABASE_URL });
  const logger = createLogger({ level: 'warn' });
  const bus = createBus({ redisUrl: REDIS_URL, keyPrefix: REDIS_KEY_PREFIX, logger });
  try {
    const config = { ...DEFAULT_CONFIG, jwtSecret: secrets.JWT_SECRET, masterKey: secrets.ENIGMA_MASTER_KEY };
    const boot = await bootstrapEmbedded(
      { db: handle.db, kv: new MemoryKv(), bus, config: { ...config, now: Date.now }, logger },
      { baseUrl: `http://127.0.0.1:${PORTS.worker}` },
    );
    // The paper default strategy `enigma start` gives its source, so the printed curl trades.
    const key = strategyKey(boot.source.name);
    if ((await getSetting(handle.db, key)) === undefined)
      await putSetting(handle.db, key, DEFAULT_STRATEGY, 'dev');
    return [
      ...(boot.admin ? [`  login (shown once): ${boot.admin.email} / ${boot.admin.password}`] : []),
      ...(boot.curl
        ? ['  post an alert to the worker (shown once):', boot.curl]
        : boot.secretHelp.map((l) => `  ${l}`)),
    ];
  } finally {
    await bus.close();
    await handle.close();
  }
}

const children: ChildProcess[] = [];
function run(label: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${label}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code, signal) => console.log(`${prefix}exited (${signal ?? code})`));
  children.push(child);
  return child;
}

async function main(): Promise<void> {
  const secrets = devSecrets();
  await ensureDatabase(DATABASE_URL);
  const proxy = await startNeonWsProxy();
  const bridge = await startUpstashBridge({ token: 'dev-token', port: PORTS.bridge, redisUrl: REDIS_URL });
  const sim = {
    SIM_API_KEY: secrets.SIM_API_KEY,
    SIM_API_SECRET: 'dev-secret',
    SIM_API_PASSPHRASE: 'dev-pass',
  };
  const common = {
    DATABASE_URL,
    REDIS_URL,
    REDIS_KEY_PREFIX,
    ENIGMA_MASTER_KEY: secrets.ENIGMA_MASTER_KEY,
    JWT_SECRET: secrets.JWT_SECRET,
  };

  const migrate = run(
    'migrate',
    process.execPath,
    [join(root, 'long-running/bin/enigma.js'), 'migrate'],
    common,
  );
  const migrated = await new Promise<number | null>((resolve) => migrate.on('exit', resolve));
  if (migrated !== 0) throw new Error('enigma migrate failed');
  const firstRun = await bootstrap(secrets);

  const enigma = (label: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    run(label, bin('tsx'), ['watch', '--clear-screen=false', 'long-running/src/cli/main.ts', ...args], {
      ...common,
      ...env,
    });
  enigma('sim', ['sim', '--port', String(PORTS.sim)], sim);
  const exchange = {
    KUCOIN_FUTURES_URL: `http://127.0.0.1:${PORTS.sim}`,
    KUCOIN_API_KEY: sim.SIM_API_KEY,
    KUCOIN_API_SECRET: sim.SIM_API_SECRET,
    KUCOIN_API_PASSPHRASE: sim.SIM_API_PASSPHRASE,
  };
  enigma(
    'collector',
    ['collector', '--url', exchange.KUCOIN_FUTURES_URL, '--no-reference', '--port', String(PORTS.collector)],
    exchange,
  );
  enigma('engine', ['engine', '--port', String(PORTS.engine)], exchange);
  enigma('gateway', ['gateway', '--port', String(PORTS.gateway)]);

  const vars: Record<string, string> = {
    DATABASE_URL,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: 'dev-token',
    JWT_SECRET: secrets.JWT_SECRET,
    ENIGMA_MASTER_KEY: secrets.ENIGMA_MASTER_KEY,
  };
  run(
    'worker',
    bin('wrangler'),
    [
      'dev',
      '--config',
      join(root, 'wrangler.toml'),
      '--env',
      'dev',
      '--port',
      String(PORTS.worker),
      '--ip',
      '127.0.0.1',
      '--var',
      `NEON_WS_PROXY:${proxy.wsProxy}`,
      '--var',
      `NEON_HTTP_ENDPOINT:${proxy.fetchEndpoint}`,
    ],
    // wrangler dev reads the worker's secrets from its environment (in place of .dev.vars).
    { ...vars, WRANGLER_SEND_METRICS: 'false' },
  );

  console.log(
    [
      'dev: starting (Ctrl-C stops everything)',
      `  worker (wrangler dev, workerd)  http://127.0.0.1:${PORTS.worker}  webhooks and /api`,
      `  gateway                         ws://127.0.0.1:${PORTS.gateway}/ws`,
      `  simulator                       http://127.0.0.1:${PORTS.sim}`,
      `  collector / engine health       http://127.0.0.1:${PORTS.collector}/healthz  http://127.0.0.1:${PORTS.engine}/healthz`,
      `  database ${DATABASE_URL}, redis ${REDIS_URL} (prefix ${REDIS_KEY_PREFIX})`,
      ...firstRun,
    ].join('\n'),
  );

  const stop = async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(
      children.filter((c) => c.exitCode === null).map((c) => new Promise((r) => c.once('exit', r))),
    );
    await Promise.all([proxy.close(), bridge.close()]);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`dev: ${(error as Error).message}`);
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exit(1);
});
