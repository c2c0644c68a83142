import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as s from './schemas.ts';
import { fixture } from './test-fixtures.ts';

/**
 * The schemas added for endpoints the simulator serves and the client does not call read KuCoin's own
 * samples (test_data/ holds the kucoin-spec x-response-example of each; trade-fees is quoted from
 * kucoin-spec/openapi-account-fee.json), and refuse a wrong shape.
 */

const dataOf = (name: string) => (fixture(name) as { data: unknown }).data;

const samples: [string, z.ZodType, unknown][] = [
  ['GET /api/v1/allTickers', s.allTickers, dataOf('http_get_allTickers')],
  ['GET /api/v1/mark-price/{symbol}/current', s.markPrice, dataOf('http_get_mark_price_symbol_current')],
  ['GET /api/v1/index/query', s.hasMore(s.indexPoint), dataOf('http_get_index_query')],
  ['GET /api/v1/interest/query', s.hasMore(s.indexPoint), dataOf('http_get_interest_query')],
  ['GET /api/v1/premium/query', s.hasMore(s.indexPoint), dataOf('http_get_premium_query')],
  ['GET /api/v1/trade-statistics', s.tradeStatistics, dataOf('http_get_trade_statistics')],
  ['GET /api/v2/getMaxOpenSize', s.maxOpenSize, dataOf('http_get_v2_getMaxOpenSize')],
  [
    'GET /api/v2/batchGetCrossOrderLimit',
    s.crossOrderLimit.array(),
    dataOf('http_get_v2_batchGetCrossOrderLimit'),
  ],
  [
    'POST /api/v2/position/batchChangeMarginMode',
    s.batchMarginModeResult,
    dataOf('http_post_v2_position_batchChangeMarginMode'),
  ],
  ['GET /api/v1/margin/maxWithdrawMargin', s.marginAmount, dataOf('http_get_margin_maxWithdrawMargin')],
  ['POST /api/v1/margin/withdrawMargin', s.marginAmount, dataOf('http_post_margin_withdrawMargin')],
  ['GET /api/v1/transaction-history', s.hasMore(s.ledgerEntry), dataOf('http_get_transaction_history')],
  ['GET /api/v1/openOrderStatistics', s.openOrderStatistics, dataOf('http_get_openOrderStatistics')],
  [
    'GET /api/v1/trade-fees',
    s.tradeFee,
    { symbol: 'XBTUSDTM', takerFeeRate: '0.0006', makerFeeRate: '0.0002' },
  ],
];

describe('schemas of the endpoints the simulator serves beyond the client', () => {
  for (const [name, schema, sample] of samples)
    it(`${name} reads KuCoin's sample`, () => {
      expect(schema.safeParse(sample).error).toBeUndefined();
    });

  it('refuses wrong shapes', () => {
    const ticker = (dataOf('http_get_allTickers') as Record<string, unknown>[])[0]!;
    expect(s.allTickers.safeParse([{ ...ticker, side: 'BUY' }]).success).toBe(false);
    expect(
      s.maxOpenSize.safeParse({ symbol: 'XBTUSDTM', maxBuyOpenSize: -1, maxSellOpenSize: 0 }).success,
    ).toBe(false);
    expect(s.marginAmount.safeParse('abc').success).toBe(false);
    expect(s.marginAmount.safeParse(21.1).success).toBe(false);
    const ledger = dataOf('http_get_transaction_history') as { dataList: Record<string, unknown>[] };
    expect(
      s.hasMore(s.ledgerEntry).safeParse({ ...ledger, dataList: [{ ...ledger.dataList[0], time: '1' }] })
        .success,
    ).toBe(false);
    expect(s.batchMarginModeResult.safeParse({ marginMode: { XBTUSDTM: 'cross' }, errors: [] }).success).toBe(
      false,
    );
  });
});
