import type { KlineGranularity } from '../exchange/kucoin/endpoints.ts';
import type { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import type { CollectorRest } from './collector.ts';
import type { MarketDataApi } from './klines.ts';

/** The collector's market-data calls served by the KuCoin REST client (real exchange or simulator). */
export function kucoinMarketDataApi(http: KucoinHttpClient): MarketDataApi {
  return {
    klines: (symbol, granularity, from, to) =>
      http.market.klines(symbol, granularity as KlineGranularity, from, to),
    fundingRates: (symbol, from, to) => http.market.fundingRateHistory(symbol, from, to),
  };
}

/** Everything the collector asks over REST: klines, the level-2 snapshot, the server clock. */
export function kucoinCollectorRest(http: KucoinHttpClient): CollectorRest {
  const api = kucoinMarketDataApi(http);
  return {
    klines: api.klines,
    orderBook: (symbol) => http.market.orderBook(symbol),
    serverTime: () => http.market.serverTime(),
  };
}
