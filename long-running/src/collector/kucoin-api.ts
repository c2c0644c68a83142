import type { KlineGranularity } from '../exchange/kucoin/endpoints.ts';
import type { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import type { MarketDataApi } from './klines.ts';

/** The collector's market-data calls served by the KuCoin REST client (real exchange or simulator). */
export function kucoinMarketDataApi(http: KucoinHttpClient): MarketDataApi {
  return {
    klines: (symbol, granularity, from, to) =>
      http.market.klines(symbol, granularity as KlineGranularity, from, to),
    fundingRates: (symbol, from, to) => http.market.fundingRateHistory(symbol, from, to),
  };
}
