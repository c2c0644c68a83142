import { CandleBuilder } from '@enigma/core/marketdata/index';
import { toMoney } from '@enigma/core/money';
import { Registry } from 'prom-client';
import type { BenchResult, BenchSuite } from '../../bench/types.ts';
import type { CandleStore } from '../src/collector/candle-store.ts';
import { Collector } from '../src/collector/collector.ts';
import type { FeedHandlers } from '../src/collector/feed.ts';
import { parseExecution, parseLevel2Change } from '../src/exchange/kucoin/ws-parse.ts';
import { wsFrame } from '../src/exchange/kucoin/ws-schemas.ts';
import { NaiveOrderBook } from '../src/exchange/naive-book.ts';
import type { BookLevel } from '../src/exchange/types.ts';

/**
 * The collector's message pipeline on one core, network excluded: each KuCoin WebSocket frame (text) is
 * decoded as the WS client does it (JSON.parse + zod frame check) and handed to the real `Collector`
 * (routing, freshness, metrics, sequenced Level2Sync book apply; trades through the zod parser into the
 * 1m candle builder). Peers in the same run: JSON.parse alone (the floor any JSON pipeline pays) and the
 * naive pipeline (zod + Decimal parse of every change into the naive sorted-array book; trades without
 * the collector's bookkeeping).
 */

const SYMBOL = 'XBTUSDTM';
const LEVELS = 500;
const MID = 900_000; // 90000.0 on XBTUSDTM's 0.1 grid
const SEQ0 = 1_700_000_000_000;
const T0 = Date.UTC(2025, 4, 5, 10, 0, 0);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** KuCoin level-2 frames, consecutive sequences, updates concentrated near the top of the book. */
function level2Frames(count: number): string[] {
  const rand = rng(7);
  const out: string[] = [];
  for (let i = 1; i <= count; i++) {
    const side = rand() < 0.5 ? 'buy' : 'sell';
    const distance = 1 + (Math.floor(-Math.log(1 - rand()) * 30) % (LEVELS * 2));
    const key = side === 'buy' ? MID - distance : MID + distance;
    const size = rand() < 0.25 ? 0 : 1 + Math.floor(rand() * 500);
    out.push(
      JSON.stringify({
        topic: `/contractMarket/level2:${SYMBOL}`,
        type: 'message',
        subject: 'level2',
        sn: SEQ0 + i,
        data: { sequence: SEQ0 + i, change: `${(key / 10).toFixed(1)},${side},${size}`, timestamp: T0 + i },
      }),
    );
  }
  return out;
}

/** KuCoin execution frames, 50 ms apart (a 1m bar closes every 1,200 trades). */
function tradeFrames(count: number): string[] {
  const rand = rng(11);
  const out: string[] = [];
  let price = MID;
  for (let i = 1; i <= count; i++) {
    price += Math.floor(rand() * 5) - 2;
    out.push(
      JSON.stringify({
        topic: `/contractMarket/execution:${SYMBOL}`,
        type: 'message',
        subject: 'match',
        sn: i,
        data: {
          symbol: SYMBOL,
          sequence: i,
          side: rand() < 0.5 ? 'buy' : 'sell',
          size: 1 + Math.floor(rand() * 50),
          price: (price / 10).toFixed(1),
          takerOrderId: `t${i}`,
          makerOrderId: `m${i}`,
          tradeId: String(i),
          ts: (T0 + i * 50) * 1_000_000,
        },
      }),
    );
  }
  return out;
}

function snapshotLevels(): { bids: BookLevel[]; asks: BookLevel[] } {
  const bids: BookLevel[] = [];
  const asks: BookLevel[] = [];
  for (let i = 1; i <= LEVELS; i++) {
    bids.push({ price: toMoney(((MID - i) / 10).toFixed(1)), size: 10 + (i % 90) });
    asks.push({ price: toMoney(((MID + i) / 10).toFixed(1)), size: 10 + (i % 90) });
  }
  return { bids, asks };
}

const nullStore: CandleStore = {
  latestOpen: async () => T0 - 60_000,
  upsert: async () => {},
  load: async () => [],
};

/** A real Collector whose feed is driven by hand, synced on a snapshot at SEQ0. */
async function collectorUnderTest(): Promise<{ collector: Collector; deliver: (text: string) => void }> {
  let handlers: FeedHandlers | undefined;
  const { bids, asks } = snapshotLevels();
  const collector = new Collector({
    symbols: [SYMBOL],
    rest: {
      serverTime: async () => T0,
      orderBook: async () => ({ symbol: SYMBOL, sequence: SEQ0, bids, asks, time: T0 }),
      klines: async () => [],
    },
    feed: (h) => {
      handlers = h;
      return { start: async () => {}, close: async () => {} };
    },
    store: nullStore,
    registry: new Registry(),
    tickMs: 60_000,
  });
  await collector.start();
  const deliver = (text: string) => {
    const frame = wsFrame.safeParse(JSON.parse(text));
    if (frame.success && frame.data.topic)
      handlers!.onMessage(frame.data.topic, frame.data.subject ?? '', frame.data.data);
  };
  return { collector, deliver };
}

function rate(count: number, run: () => void): number {
  const started = performance.now();
  run();
  return count / ((performance.now() - started) / 1_000);
}

const suite: BenchSuite = {
  name: 'collector pipeline',
  async run(progress) {
    const L2 = 300_000;
    const TRADES = 100_000;
    progress(`generating ${L2} level-2 and ${TRADES} trade frames`);
    const l2 = level2Frames(L2);
    const trades = tradeFrames(TRADES);

    progress('JSON.parse only');
    let sink = 0;
    const parseOnlyL2 = rate(L2, () => {
      for (const t of l2) sink += (JSON.parse(t) as { sn: number }).sn;
    });
    const parseOnlyTrades = rate(TRADES, () => {
      for (const t of trades) sink += (JSON.parse(t) as { sn: number }).sn;
    });

    progress('collector: level-2');
    const { collector, deliver } = await collectorUnderTest();
    deliver(l2[0]!);
    while (!collector.orderBook(SYMBOL)) await new Promise((r) => setImmediate(r));
    // warm-up on the first 20k, measure on the rest
    for (let i = 1; i < 20_000; i++) deliver(l2[i]!);
    const oursL2 = rate(L2 - 20_000, () => {
      for (let i = 20_000; i < L2; i++) deliver(l2[i]!);
    });
    if (collector.orderBook(SYMBOL)?.sequence !== SEQ0 + L2)
      throw new Error('collector book fell out of sync');

    progress('collector: trades → 1m candles');
    const WARM = 20_000;
    for (let i = 0; i < WARM; i++) deliver(trades[i]!);
    const oursTrades = rate(TRADES - WARM, () => {
      for (let i = WARM; i < TRADES; i++) deliver(trades[i]!);
    });
    await collector.stop();

    progress('naive pipeline: zod + Decimal + naive book (100k frames)');
    const NAIVE = 100_000;
    const naive = new NaiveOrderBook();
    const snap = snapshotLevels();
    naive.bids = snap.bids;
    naive.asks = snap.asks;
    const naiveL2 = rate(NAIVE, () => {
      for (let i = 0; i < NAIVE; i++) {
        const f = wsFrame.parse(JSON.parse(l2[i]!));
        const c = parseLevel2Change(f.data, SYMBOL);
        naive.update(c.side, c.price, c.size);
      }
    });
    const builder = new CandleBuilder(SYMBOL);
    const bareTrade = (t: string) => {
      const f = wsFrame.parse(JSON.parse(t));
      const e = parseExecution(f.data);
      builder.onTrade({ ts: e.time, price: e.price, size: e.size });
    };
    for (let i = 0; i < WARM; i++) bareTrade(trades[i]!);
    const naiveTrades = rate(TRADES - WARM, () => {
      for (let i = WARM; i < TRADES; i++) bareTrade(trades[i]!);
    });
    if (sink === 0) progress('');

    const results: BenchResult[] = [
      {
        name: 'L2 updates/s per core (decode + route + sequenced book apply)',
        unit: 'msg/s',
        value: oursL2,
        higherIsBetter: true,
        peer: { name: 'naive zod+Decimal book', value: naiveL2 },
        ratio: oursL2 / naiveL2,
        goal: '>= 50,000 msg/s',
        goalMet: oursL2 >= 50_000,
        extra: {
          'JSON.parse only msg/s': Math.round(parseOnlyL2),
          'share of JSON.parse ceiling': Number((oursL2 / parseOnlyL2).toFixed(3)),
        },
      },
      {
        name: 'trades/s per core (decode + zod parse + 1m candle build)',
        unit: 'msg/s',
        value: oursTrades,
        higherIsBetter: true,
        peer: { name: 'bare parse + CandleBuilder', value: naiveTrades },
        ratio: oursTrades / naiveTrades,
        extra: { 'JSON.parse only msg/s': Math.round(parseOnlyTrades) },
      },
      {
        name: 'JSON.parse alone (level-2 frames)',
        unit: 'msg/s',
        value: parseOnlyL2,
        higherIsBetter: true,
        peer: { name: 'collector L2 pipeline', value: oursL2 },
        ratio: parseOnlyL2 / oursL2,
      },
    ];
    return results;
  },
};

export default suite;
