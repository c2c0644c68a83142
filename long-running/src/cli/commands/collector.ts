import { migrate } from '@enigma/db';
import { serve } from '@hono/node-server';
import { createBus } from '../../bus/index.ts';
import { startCollectorService } from '../../collector/service.ts';
import { loadEnv } from '../../env.ts';
import type { KucoinCredential } from '../../exchange/kucoin/credential.ts';
import { createLogger } from '../../runtime/logger.ts';
import { createMetricsRegistry } from '../../runtime/metrics.ts';
import { startSimulator } from '../../sim/server.ts';
import type { CliCommand } from '../command.ts';
import { untilStopSignal } from '../stop-signal.ts';
import { openConfiguredDatabase } from './migrate.ts';

const DEFAULT_SYMBOLS = ['XBTUSDTM', 'ETHUSDTM', 'SOLUSDTM'];

/** Parsed `enigma collector` options. */
export interface CollectorArgs {
  symbols: string[];
  source: 'sim' | 'live';
  simSource: 'synthetic' | 'replay';
  url?: string;
  port: number;
  staleMs: number;
  reference: string | false;
  private: boolean;
}

/** Validate `enigma collector` options; throws naming the bad one. */
export function parseCollectorArgs(values: Record<string, unknown>): CollectorArgs {
  const symbols =
    typeof values.symbols === 'string'
      ? values.symbols
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean)
      : DEFAULT_SYMBOLS;
  if (symbols.length === 0 || symbols.some((s) => !/^[A-Z0-9]+$/.test(s)))
    throw new Error('--symbols: comma-separated contract symbols, e.g. XBTUSDTM,ETHUSDTM');
  const url = typeof values.url === 'string' ? values.url : undefined;
  if (url && !/^https?:\/\//.test(url)) throw new Error('--url must be an http(s) URL');
  const source = values.live === true || url ? 'live' : 'sim';
  const simSource = values['sim-source'] ?? 'synthetic';
  if (simSource !== 'synthetic' && simSource !== 'replay')
    throw new Error('--sim-source must be synthetic or replay');
  const port = Number(values.port ?? 9464);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error('--port must be a TCP port');
  const staleMs = Number(values['stale-ms'] ?? 10_000);
  if (!Number.isInteger(staleMs) || staleMs <= 0) throw new Error('--stale-ms must be a positive integer');
  const reference =
    values['no-reference'] === true
      ? false
      : typeof values.reference === 'string'
        ? values.reference
        : source === 'live'
          ? 'wss://fstream.binance.com'
          : false;
  return {
    symbols,
    source,
    simSource,
    ...(url ? { url } : {}),
    port,
    staleMs,
    reference,
    private: values.private === true,
  };
}

export const collectorCommand: CliCommand = {
  name: 'collector',
  summary:
    'run the market-data collector (KuCoin WS → book, candles, funding → database + bus), against the simulator or live',
  usage: [
    'usage: enigma collector [--symbols XBTUSDTM,ETHUSDTM] [--live | --url https://api-futures.kucoin.com]',
    '                        [--sim-source synthetic|replay] [--port 9464] [--stale-ms 10000]',
    '                        [--reference wss://fstream.binance.com | --no-reference] [--private]',
    '',
    'Default: an embedded simulator on localhost (offline). --live uses KUCOIN_FUTURES_URL; --url any KuCoin-compatible host.',
    'Database: DATABASE_URL, else the embedded PGlite under ENIGMA_DATA_DIR. Bus: REDIS_URL, else in-process.',
    'Health: GET /healthz (per-feed freshness, 503 when stale) and GET /metrics on --port.',
    'The Binance USDⓈ-M reference feed (divergence alerts) is on by default for --live only.',
    "--private forwards the account's orders, stop orders, positions and wallet to the bus (events:account.*):",
    "the simulator's account, or KUCOIN_API_KEY / KUCOIN_API_SECRET / KUCOIN_API_PASSPHRASE when live.",
  ].join('\n'),
  options: {
    symbols: { type: 'string' },
    live: { type: 'boolean' },
    url: { type: 'string' },
    'sim-source': { type: 'string' },
    port: { type: 'string' },
    'stale-ms': { type: 'string' },
    reference: { type: 'string' },
    'no-reference': { type: 'boolean' },
    private: { type: 'boolean' },
  },
  async run({ values }) {
    let args: CollectorArgs;
    try {
      args = parseCollectorArgs(values);
    } catch (error) {
      console.error(`enigma collector: ${(error as Error).message}\n\n${collectorCommand.usage}`);
      return 2;
    }
    const env = loadEnv();
    const logger = createLogger({ level: env.LOG_LEVEL, name: 'collector' });
    const stops: (() => Promise<void>)[] = [];
    const stopAll = async () => {
      for (const stop of stops.reverse())
        await stop().catch((err) => logger.warn({ err }, 'error while stopping'));
    };
    try {
      let baseUrl = args.url ?? env.KUCOIN_FUTURES_URL;
      let account: KucoinCredential | undefined;
      if (args.private && args.source === 'live') {
        if (!env.KUCOIN_API_KEY || !env.KUCOIN_API_SECRET || !env.KUCOIN_API_PASSPHRASE)
          throw new Error('--private needs KUCOIN_API_KEY, KUCOIN_API_SECRET and KUCOIN_API_PASSPHRASE');
        account = {
          apiKey: env.KUCOIN_API_KEY,
          apiSecret: env.KUCOIN_API_SECRET,
          passphrase: env.KUCOIN_API_PASSPHRASE,
          keyVersion: env.KUCOIN_KEY_VERSION,
        };
      }
      if (args.source === 'sim') {
        const sim = await startSimulator({
          symbols: args.symbols,
          source: args.simSource,
          logger: logger.child({ component: 'sim' }),
        });
        stops.push(() => sim.close());
        baseUrl = sim.url;
        if (args.private)
          account = {
            apiKey: sim.credentials.key,
            apiSecret: sim.credentials.secret,
            passphrase: sim.credentials.passphrase,
            keyVersion: '2',
          };
        logger.info({ url: sim.url, source: args.simSource }, 'simulator started');
      }
      const { handle, where } = await openConfiguredDatabase();
      stops.push(() => handle.close());
      await migrate(handle);
      const bus = createBus({ redisUrl: env.REDIS_URL, logger });
      stops.push(() => bus.close());
      const registry = createMetricsRegistry();
      const service = await startCollectorService({
        symbols: args.symbols,
        baseUrl,
        db: handle.db,
        bus,
        registry,
        logger,
        reference: args.reference === false ? false : { baseUrl: args.reference },
        ...(account ? { account } : {}),
        tuning: { staleAfterMs: args.staleMs },
      });
      stops.push(() => service.close());
      const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const s = serve({ fetch: service.app.fetch, hostname: env.HOST, port: args.port }, () => resolve(s));
      });
      stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : args.port;
      console.log(`collector running: ${args.symbols.join(', ')} from ${baseUrl} into ${where}`);
      console.log(`  health:  http://${env.HOST}:${port}/healthz`);
      console.log(`  metrics: http://${env.HOST}:${port}/metrics`);
      console.log('press Ctrl-C to stop');
      await untilStopSignal();
      console.error('stopping…');
      await stopAll();
      console.error('stopped cleanly');
      return 0;
    } catch (error) {
      console.error(`enigma collector: ${(error as Error).message}`);
      await stopAll();
      return 1;
    }
  },
};
