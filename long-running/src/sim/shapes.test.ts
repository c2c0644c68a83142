import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import type { SimEvent } from './engine.ts';
import { signRequest } from './http/auth.ts';
import type { RunningSimulator } from './server.ts';
import { requireSharedData, startTestSimulator } from './test-helpers.ts';

/**
 * Every answer must have the shape of KuCoin's own samples (`x-response-example` in the spec files):
 * each field of the sample present, with the same JSON type.
 */
const specDir = join(dirname(requireSharedData()), 'kucoin-spec');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The samples are stored with their quotes and newlines escaped once more. */
function parseSample(text: string): Json {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(JSON.parse(`"${text}"`));
  }
}

function example(file: string, path: string, method = 'get'): Json {
  const spec = JSON.parse(readFileSync(join(specDir, file), 'utf8'));
  return parseSample(spec.paths[path][method]['x-response-example']);
}

/** Fields of `sample` missing from `actual` or of another JSON type (null in either is a wildcard). */
function shapeDiff(sample: Json, actual: Json, at = '$'): string[] {
  if (sample === null || actual === null) return [];
  const kind = (v: Json) => (Array.isArray(v) ? 'array' : typeof v);
  if (kind(sample) !== kind(actual)) return [`${at}: ${kind(actual)} instead of ${kind(sample)}`];
  if (Array.isArray(sample)) {
    const a = actual as Json[];
    return sample.length && a.length ? shapeDiff(sample[0]!, a[0]!, `${at}[0]`) : [];
  }
  if (typeof sample !== 'object') return [];
  const out: string[] = [];
  const obj = actual as Record<string, Json>;
  for (const [k, v] of Object.entries(sample)) {
    if (!(k in obj)) out.push(`${at}.${k}: missing`);
    else out.push(...shapeDiff(v, obj[k]!, `${at}.${k}`));
  }
  return out;
}

describe('response shapes match KuCoin samples', () => {
  let sim: RunningSimulator;
  const events: SimEvent[] = [];
  const get = async (path: string) => {
    const res = await fetch(`${sim.url}${path}`, {
      headers: signRequest(sim.credentials, 'GET', path, '', Date.now()),
    });
    return (await res.json()) as Json;
  };

  beforeAll(async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 3, 58));
    sim = await startTestSimulator({ clock, tickMs: 1000 });
    sim.engine.isWatched = () => true;
    sim.engine.onEvent((e) => events.push(e));
    const e = sim.engine;
    e.placeOrder({ clientOid: 's1', symbol: 'XBTUSDTM', side: 'buy', price: '1000', size: 1, leverage: 3 });
    e.placeOrder({ clientOid: 's2', symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 2, leverage: 3 });
    e.placeOrder({ clientOid: 's3', symbol: 'ETHUSDTM', side: 'sell', type: 'market', size: 2, leverage: 3 });
    sim.advance(1000); // async matching: the orders above match on this step
    e.placeOrder({
      clientOid: 's4',
      symbol: 'ETHUSDTM',
      side: 'buy',
      type: 'market',
      size: 2,
      reduceOnly: true,
    });
    e.placeOrder({
      clientOid: 's5',
      symbol: 'XBTUSDTM',
      side: 'sell',
      type: 'market',
      size: 2,
      stop: 'down',
      stopPrice: '1000',
      stopPriceType: 'TP',
      reduceOnly: true,
    });
    sim.advance(3 * 60_000);
  });
  afterAll(async () => {
    await sim.close();
  });

  const cases: [string, string, string, (d: Json) => Json][] = [
    ['openapi-futures-market.json', '/api/v1/contracts/{symbol}', '/api/v1/contracts/XBTUSDTM', (d) => d],
    ['openapi-futures-market.json', '/api/v1/ticker', '/api/v1/ticker?symbol=XBTUSDTM', (d) => d],
    [
      'openapi-futures-market.json',
      '/api/v1/level2/depth{size}',
      '/api/v1/level2/depth20?symbol=XBTUSDTM',
      (d) => d,
    ],
    [
      'openapi-futures-market.json',
      '/api/v1/trade/history',
      '/api/v1/trade/history?symbol=XBTUSDTM',
      (d) => d,
    ],
    [
      'openapi-futures-market.json',
      '/api/v1/kline/query',
      '/api/v1/kline/query?symbol=XBTUSDTM&granularity=1',
      (d) => d,
    ],
    [
      'openapi-futures-market.json',
      '/api/v1/mark-price/{symbol}/current',
      '/api/v1/mark-price/XBTUSDTM/current',
      (d) => d,
    ],
    [
      'openapi-futures-fundingfees.json',
      '/api/v1/funding-rate/{symbol}/current',
      '/api/v1/funding-rate/XBTUSDTM/current',
      (d) => d,
    ],
    [
      'openapi-futures-fundingfees.json',
      '/api/v1/funding-history',
      '/api/v1/funding-history?symbol=XBTUSDTM',
      (d) => d,
    ],
    ['openapi-futures-order.json', '/api/v1/orders', '/api/v1/orders?status=active', (d) => d],
    ['openapi-futures-order.json', '/api/v1/stopOrders', '/api/v1/stopOrders', (d) => d],
    ['openapi-futures-order.json', '/api/v1/fills', '/api/v1/fills', (d) => d],
    ['openapi-futures-order.json', '/api/v1/recentFills', '/api/v1/recentFills', (d) => d],
    [
      'openapi-futures-order.json',
      '/api/v1/openOrderStatistics',
      '/api/v1/openOrderStatistics?symbol=XBTUSDTM',
      (d) => d,
    ],
    ['openapi-futures-positions.json', '/api/v1/position', '/api/v1/position?symbol=XBTUSDTM', (d) => d],
    ['openapi-futures-positions.json', '/api/v1/history-positions', '/api/v1/history-positions', (d) => d],
    [
      'openapi-futures-positions.json',
      '/api/v2/getMaxOpenSize',
      '/api/v2/getMaxOpenSize?symbol=XBTUSDTM&price=60000&leverage=5',
      (d) => d,
    ],
    [
      'openapi-futures-positions.json',
      '/api/v1/contracts/risk-limit/{symbol}',
      '/api/v1/contracts/risk-limit/XBTUSDTM',
      (d) => d,
    ],
    [
      'openapi-account-account.json',
      '/api/v1/account-overview',
      '/api/v1/account-overview?currency=USDT',
      (d) => d,
    ],
    ['openapi-account-account.json', '/api/v1/transaction-history', '/api/v1/transaction-history', (d) => d],
  ];

  it('catches a missing field and a type change', () => {
    expect(shapeDiff({ a: '1', b: [{ c: 1 }] }, { b: [{ c: '1' }] })).toEqual([
      '$.a: missing',
      '$.b[0].c: string instead of number',
    ]);
  });

  it.each(cases)('%s %s', async (file, specPath, url, pick) => {
    const sample = example(file, specPath);
    const actual = await get(url);
    expect(shapeDiff(sample, pick(actual))).toEqual([]);
  });

  const wsCases: [string, string][] = [
    ['/tickerV2/contractMarket/tickerV2:_symbol_', '/contractMarket/tickerV2:XBTUSDTM'],
    ['/tickerV1/contractMarket/ticker:_symbol_', '/contractMarket/ticker:XBTUSDTM'],
    ['/orderbookIncrement/contractMarket/level2:_symbol_', '/contractMarket/level2:XBTUSDTM'],
    ['/orderbookLevel5/contractMarket/level2Depth5:_symbol_', '/contractMarket/level2Depth5:XBTUSDTM'],
    ['/execution/contractMarket/execution:_symbol_', '/contractMarket/execution:XBTUSDTM'],
    ['/instrument/contract/instrument:_symbol_', '/contract/instrument:XBTUSDTM'],
    ['/klines/contractMarket/limitCandle:_symbol___type_', '/contractMarket/limitCandle:XBTUSDTM_1min'],
    ['/symbolSnapshot/contractMarket/snapshot:_symbol_', '/contractMarket/snapshot:XBTUSDTM'],
  ];

  it.each(wsCases)('public push %s', (specPath, topic) => {
    const sample = example('openapi-futures-public.json', specPath, 'trace') as {
      subject: string;
      data: Json;
    };
    const e = events.find((x) => x.topic === topic && x.subject === sample.subject);
    expect(e, `no ${sample.subject} push on ${topic}`).toBeDefined();
    expect(shapeDiff(sample.data, e!.data as Json)).toEqual([]);
  });

  const privCases: [string, string, string][] = [
    [
      '/order/contractMarket/tradeOrders:_symbol_',
      '/contractMarket/tradeOrders:XBTUSDTM',
      'symbolOrderChange',
    ],
    ['/balance/contractAccount/wallet', '/contractAccount/wallet', 'walletBalance.change'],
    ['/position/contract/position:_symbol_', '/contract/position:XBTUSDTM', 'position.change'],
    ['/stopOrders/contractMarket/advancedOrders', '/contractMarket/advancedOrders', 'stopOrder'],
  ];

  it.each(privCases)('private push %s', (specPath, topic, subject) => {
    const sample = example('openapi-futures-private.json', specPath, 'trace') as { data: Json };
    const e = events.find((x) => x.topic === topic && x.subject === subject);
    expect(e, `no ${subject} push on ${topic}`).toBeDefined();
    expect(shapeDiff(sample.data, e!.data as Json)).toEqual([]);
  });
});
