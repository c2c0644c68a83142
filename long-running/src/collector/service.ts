import type { BusPublisher } from '@enigma/core/bus/index';
import type { EnigmaDb } from '@enigma/db';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KucoinCredential } from '../exchange/kucoin/credential.ts';
import { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import { kucoinMetrics } from '../exchange/kucoin/metrics.ts';
import { startBinanceFeed } from './binance/feed.ts';
import { binanceSymbolFor } from './binance/symbols.ts';
import { dbCandleStore } from './candle-store.ts';
import { Collector, type CollectorOptions } from './collector.ts';
import { collectorHealthApp } from './health.ts';
import { kucoinCollectorRest } from './kucoin-api.ts';
import { kucoinFeed } from './kucoin-feed.ts';
import { collectorMetrics } from './metrics.ts';
import { BatchedSampleWriter, dbSampleStore, type SampleWriterOptions } from './sample-store.ts';

export interface CollectorServiceOptions {
  symbols: readonly string[];
  /** KuCoin Futures REST base URL: the exchange or the simulator (the WS endpoint comes from its bullet). */
  baseUrl: string;
  db: EnigmaDb;
  registry: Registry;
  logger: Logger;
  bus?: BusPublisher;
  /** API key of the account whose private channels (orders, positions, wallet) are forwarded to the bus. */
  account?: KucoinCredential;
  /** Binance USDⓈ-M reference feed: its WS base URL, or false to run without it. */
  reference?: { baseUrl?: string } | false;
  /** Passed through to the Collector (stale windows, lookback, divergence threshold, ...). */
  tuning?: Partial<
    Pick<
      CollectorOptions,
      | 'staleAfterMs'
      | 'staleAfterMsByFeed'
      | 'lookbackMs'
      | 'bookLevels'
      | 'divergenceBps'
      | 'requiredFeeds'
      | 'markSampleMs'
    >
  >;
  /** Batching of the mark-sample / funding-rate writes (defaults: 500 rows, every 5 s). */
  sampleWrites?: Pick<SampleWriterOptions, 'maxBatch' | 'flushEveryMs' | 'maxQueue'>;
}

export interface CollectorService {
  collector: Collector;
  /** The batched writer of mark samples and funding rates (`flush()` in tests). */
  samples: BatchedSampleWriter;
  /** `/healthz` and `/metrics`; mount it (`app.route('/collector', service.app)`) or serve it. */
  app: Hono;
  close(): Promise<void>;
}

/**
 * Wire and start the collector for one KuCoin endpoint: REST + WebSocket client, candle store on the
 * database, the bus, optional Binance reference feed, health routes. The composition root used by
 * `enigma collector` and by `enigma start`.
 *
 * @example
 * const svc = await startCollectorService({ symbols: ['XBTUSDTM'], baseUrl: sim.url, db, registry, logger, bus });
 * svc.collector.isFresh('XBTUSDTM');
 */
export async function startCollectorService(opts: CollectorServiceOptions): Promise<CollectorService> {
  const log = opts.logger.child({ component: 'collector' });
  // The KuCoin client's request and socket metrics on the collector's own registry, served at its /metrics.
  const metrics = kucoinMetrics(opts.registry);
  const http = new KucoinHttpClient({ baseUrl: opts.baseUrl, logger: log, metrics });
  const privateHttp = opts.account
    ? new KucoinHttpClient({ baseUrl: opts.baseUrl, credential: opts.account, logger: log, metrics })
    : undefined;
  const samples = new BatchedSampleWriter(dbSampleStore(opts.db), {
    ...opts.sampleWrites,
    logger: log,
    metrics: collectorMetrics(opts.registry),
  });
  const collector = new Collector({
    symbols: opts.symbols,
    rest: kucoinCollectorRest(http),
    feed: kucoinFeed(http, { logger: log, metrics }),
    ...(privateHttp
      ? { privateFeed: kucoinFeed(privateHttp, { privateChannel: true, logger: log, metrics }) }
      : {}),
    store: dbCandleStore(opts.db),
    samples,
    registry: opts.registry,
    logger: log,
    ...(opts.bus ? { bus: opts.bus } : {}),
    ...opts.tuning,
  });
  try {
    await collector.start();
  } catch (error) {
    await samples.close();
    throw error;
  }
  let reference: { close(): Promise<void> } | undefined;
  if (opts.reference !== false) {
    const pairs = opts.symbols.flatMap((s) => {
      const b = binanceSymbolFor(s);
      return b ? [[b, s] as const] : [];
    });
    const toKucoin = new Map(pairs);
    if (pairs.length > 0) {
      reference = startBinanceFeed({
        ...(opts.reference?.baseUrl ? { baseUrl: opts.reference.baseUrl } : {}),
        symbols: pairs.map(([b]) => b),
        logger: log,
        onBookTicker: (t) => {
          const symbol = toKucoin.get(t.symbol);
          if (symbol) collector.onReferenceMid(symbol, t.bestBid.plus(t.bestAsk).div(2), t.eventTime);
        },
        onError: () => collector.metrics.parseErrors.inc({ feed: 'reference' }),
      });
    }
  }
  const app = collectorHealthApp({
    state: collector.state,
    registry: opts.registry,
    details: () => ({ ...collector.details(), pendingSampleWrites: samples.pending }),
    ...(opts.tuning?.requiredFeeds ? { required: opts.tuning.requiredFeeds } : {}),
  });
  return {
    collector,
    samples,
    app,
    async close() {
      await reference?.close();
      await collector.stop();
      await samples.close();
      await http.close();
      await privateHttp?.close();
    },
  };
}
