import { readFileSync } from 'node:fs';
import { toMoney } from '@enigma/core/money';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../bus/memory.ts';
import { waitFor } from '../testing/wait-for.ts';
import type { CandleStore } from './candle-store.ts';
import { Collector, type MarketSampleSink } from './collector.ts';
import { bookDepthOf, MARKET_EVENTS } from './events.ts';
import type { FeedHandlers } from './feed.ts';

/** KuCoin's documented push examples (kept by the exchange adapter). */
function frame(name: string): { topic: string; subject: string; data: Record<string, unknown> } {
  return JSON.parse(readFileSync(new URL(`../exchange/kucoin/test_data/${name}`, import.meta.url), 'utf8'));
}

const T = 1731898619520; // the execution example's time (ms)
const noStore: CandleStore = {
  latestOpen: async () => T - 60_000,
  upsert: async () => {},
  load: async () => [],
};

/** A collector whose WebSocket frames are delivered by the test (the frames are KuCoin's own examples). */
async function collectorWithManualFeed(samples?: MarketSampleSink) {
  let handlers: FeedHandlers | undefined;
  const bus = createMemoryBus({ logger: pino({ level: 'silent' }) });
  const registry = new Registry();
  const collector = new Collector({
    symbols: ['XBTUSDTM'],
    rest: {
      serverTime: async () => T,
      orderBook: async () => ({
        symbol: 'XBTUSDTM',
        sequence: 1709400450242,
        bids: [{ price: toMoney('90631.0'), size: 5 }],
        asks: [{ price: toMoney('90631.2'), size: 7 }],
        time: T,
      }),
      klines: async () => [],
    },
    feed: (h) => {
      handlers = h;
      return { start: async () => {}, close: async () => {} };
    },
    store: noStore,
    registry,
    bus,
    tickMs: 10,
    ...(samples ? { samples, markSampleMs: 60_000 } : {}),
  });
  await collector.start();
  const send = (f: { topic: string; subject: string; data: unknown }) =>
    handlers!.onMessage(f.topic, f.subject, f.data);
  return { collector, send, bus, registry, handlers: handlers! };
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('Collector message handling (KuCoin example frames)', () => {
  it('applies a level-2 delta on top of the snapshot and marks the feed fresh', async () => {
    const { collector, send } = await collectorWithManualFeed();
    stop = () => collector.stop();
    expect(collector.isFresh('XBTUSDTM', 'level2')).toBe(false);
    send(frame('ws_level2.json')); // sequence = snapshot + 1: "90631.2,sell,2"
    await waitFor(() => collector.orderBook('XBTUSDTM') !== undefined, 5_000, 'book sync');
    expect(collector.orderBook('XBTUSDTM')!.bestAsk()).toEqual({ price: toMoney('90631.2'), size: 2 });
    expect(collector.isFresh('XBTUSDTM', 'level2')).toBe(true);
  });

  it("publishes the book's levels with its top, and they read back as the book (bookDepthOf)", async () => {
    const { collector, send, bus } = await collectorWithManualFeed();
    stop = () => collector.stop();
    const events: Record<string, unknown>[] = [];
    await bus.subscribe(MARKET_EVENTS.book, (e) => {
      events.push(e);
    });
    send(frame('ws_level2.json')); // sequence = snapshot + 1: "90631.2,sell,2"
    // the snapshot's book (7 lots at 90631.2) first, then the delta's (2) within the publication interval
    const after = () => events.find((x) => JSON.stringify(x.asks) === JSON.stringify([['90631.2', 2]]));
    await waitFor(() => after() !== undefined, 5_000, 'book event after the delta');
    const e = after()!;
    expect(e).toMatchObject({ bids: [['90631', 5]], asks: [['90631.2', 2]], bestAsk: '90631.2' });
    const depth = bookDepthOf(e)!;
    expect(depth.bids.map((l) => [l.price.toString(), l.lots])).toEqual([['90631', 5]]);
    expect(depth.asks.map((l) => [l.price.toString(), l.lots])).toEqual([['90631.2', 2]]);
    // anything malformed reads as no levels (the engine then reads the book over REST)
    for (const bad of [
      {
        ...e,
        asks: [
          ['90631.2', 2],
          ['90631.1', 1],
        ],
      }, // out of order
      { ...e, bids: [['-1', 5]] },
      { ...e, bids: [['90631', 1.5]] },
      { ...e, bids: [['90631', 0]] },
      { ...e, bids: [['nope', 1]] },
      { ...e, asks: undefined },
    ])
      expect(bookDepthOf(bad)).toBeNull();
  });

  it('keeps the mark, index and funding rate, stores one mark sample per minute and every funding rate', async () => {
    const marks: string[] = [];
    const rates: string[] = [];
    const { collector, send } = await collectorWithManualFeed({
      markSample: (s) => {
        marks.push(`${s.time}:${s.markPrice.toString()}`);
      },
      fundingRate: (r) => {
        rates.push(`${r.granularityMs}:${r.rate.toString()}`);
      },
    });
    stop = () => collector.stop();
    const mark = frame('ws_instrument.json');
    const at = mark.data.timestamp as number;
    for (let i = 0; i < 90; i++) send({ ...mark, data: { ...mark.data, timestamp: at + i * 1_000 } });
    send({
      topic: mark.topic,
      subject: 'funding.rate',
      data: { granularity: 60_000, fundingRate: -0.000016, timestamp: at },
    });
    await waitFor(() => marks.length === 2 && rates.length === 1, 5_000, 'samples');
    expect(marks).toEqual([`${at}:90445.02`, `${at + 60_000}:90445.02`]);
    expect(rates).toEqual(['60000:-0.000016']);
    expect(collector.state.instrument('XBTUSDTM')?.fundingRate?.toString()).toBe('-0.000016');
    expect(collector.isFresh('XBTUSDTM', 'instrument')).toBe(true);
  });

  it('publishes ticks and counts, then drops, a malformed payload without touching state', async () => {
    const { collector, send, bus, registry } = await collectorWithManualFeed();
    stop = async () => {
      await collector.stop();
      await bus.close();
    };
    const ticks: Record<string, unknown>[] = [];
    await bus.subscribe(MARKET_EVENTS.tick, (e) => {
      ticks.push(e);
    });
    send(frame('ws_tickerV2.json'));
    await waitFor(() => ticks.length === 1, 5_000, 'tick event');
    expect(ticks[0]).toMatchObject({
      symbol: 'XBTUSDTM',
      bestBid: '88987.4',
      bestAsk: '88987.5',
      bestBidSize: 713,
    });

    const bad = frame('ws_execution.json');
    send({ ...bad, data: { ...bad.data, size: -2 } });
    send({ ...bad, data: { ...bad.data, price: 'NaN' } });
    expect(collector.isFresh('XBTUSDTM', 'trades')).toBe(false);
    expect(await registry.metrics()).toMatch(/enigma_collector_parse_errors_total\{feed="trades"\} 2/);
  });

  it('builds 1m bars from trades and counts the minutes where the exchange candle disagrees', async () => {
    const { collector, send, registry } = await collectorWithManualFeed();
    stop = () => collector.stop();
    const exec = frame('ws_execution.json');
    const minute = Math.floor(T / 60_000) * 60_000;
    const trade = (ms: number, price: string, size: number, seq: number) =>
      send({ ...exec, data: { ...exec.data, sequence: seq, price, size, ts: ms * 1_000_000 } });
    // the collector started inside `minute`, so its own bars begin with the next one
    trade(minute + 60_000 + 1_000, '90500.0', 1, 1);
    trade(minute + 60_000 + 2_000, '90510.0', 2, 2);
    trade(minute + 120_000 + 500, '90520.0', 1, 3); // closes minute+1
    const candle = frame('ws_limitCandle.json');
    const push = (openMs: number, o: string, c: string, h: string, l: string) =>
      send({ ...candle, data: { ...candle.data, candles: [String(openMs / 1000), o, c, h, l, '3', '1'] } });
    push(minute + 60_000, '90500.0', '90510.0', '90510.0', '90500.0');
    // the exchange's minute+2 closes at 90521, and that push makes minute+1 final: minute+1 agrees
    push(minute + 120_000, '90520.0', '90521.0', '90521.0', '90520.0');
    expect(collector.stats('XBTUSDTM')).toMatchObject({ comparedCandles: 1, candleDisagreements: 0 });
    trade(minute + 180_000 + 1, '90530.0', 1, 4); // closes own minute+2: O=H=L=C=90520
    push(minute + 180_000, '90530.0', '90530.0', '90530.0', '90530.0'); // minute+2 final at the exchange
    expect(collector.stats('XBTUSDTM')).toMatchObject({ comparedCandles: 2, candleDisagreements: 1 });
    expect(await registry.metrics()).toMatch(
      /enigma_collector_candle_disagreements_total\{symbol="XBTUSDTM"\} 1/,
    );
  });
});
