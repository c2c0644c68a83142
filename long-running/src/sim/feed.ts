import type Decimal from 'decimal.js';
import type { SimAccount } from './account.ts';
import type { EventBus } from './events.ts';
import type { SymbolMarket } from './market-state.ts';
import { displayedTicks, type MatchingCore } from './matching.ts';
import type { Side } from './types.ts';

/**
 * The feeds: public market data (trades, the displayed book, level-2 deltas, tickers, candles, mark/index
 * and 24 h pushes) and the periodic position marks. They listen to the matching core (its `trade` and
 * `bookChanged` handlers) and read the account; neither of those imports this file.
 */

export class SimFeed {
  lastInstrumentPush = 0;
  lastSnapshotPush = 0;
  lastPositionPush = 0;
  readonly bus: EventBus;
  constructor(
    readonly core: MatchingCore,
    readonly account: SimAccount,
  ) {
    this.bus = core.bus;
  }
}

const ns = (ms: number) => ms * 1_000_000;

/** A book side as [price, lots] pairs, best first. */
export type Depth = { bids: [Decimal, number][]; asks: [Decimal, number][] };
/** Best bid and ask in ticker form. */
export type TopOfBook = { bidPrice: string; bidSize: number; askPrice: string; askSize: number };

/** KuCoin's limitCandle types and their widths in minutes. */
export const CANDLE_TYPES: Record<string, number> = {
  '1min': 1,
  '3min': 3,
  '5min': 5,
  '15min': 15,
  '30min': 30,
  '1hour': 60,
  '2hour': 120,
  '4hour': 240,
  '8hour': 480,
  '12hour': 720,
  '1day': 1440,
  '1week': 10080,
};

/** Record a public trade and push it on the execution and ticker topics. */
export function publicTrade(
  f: SimFeed,
  m: SymbolMarket,
  price: Decimal,
  size: number,
  side: Side,
  now: number,
  takerOrderId: string,
  makerOrderId: string,
): void {
  m.tradeSequence += 1;
  const tradeId = String(m.tradeSequence);
  m.recordTrade({
    sequence: m.tradeSequence,
    tradeId,
    makerOrderId: makerOrderId || f.core.ids.next(),
    takerOrderId: takerOrderId || f.core.ids.next(),
    ts: now,
    size,
    price,
    side,
  });
  const t = m.trades[m.trades.length - 1]!;
  const sym = m.spec.symbol;
  if (f.bus.isWatched(`/contractMarket/execution:${sym}`))
    f.bus.emit({
      channel: 'public',
      topic: `/contractMarket/execution:${sym}`,
      subject: 'match',
      sn: t.sequence,
      data: {
        symbol: sym,
        sequence: t.sequence,
        side,
        size,
        price: price.toString(),
        takerOrderId: t.takerOrderId,
        makerOrderId: t.makerOrderId,
        tradeId,
        ts: ns(now),
      },
    });
  if (f.bus.isWatched(`/contractMarket/ticker:${sym}`)) {
    const top = topOfBook(f, m);
    f.bus.emit({
      channel: 'public',
      topic: `/contractMarket/ticker:${sym}`,
      subject: 'ticker',
      sn: t.sequence,
      data: {
        symbol: sym,
        sequence: t.sequence,
        side,
        size,
        price: price.toString(),
        bestBidSize: top.bidSize,
        bestBidPrice: top.bidPrice,
        bestAskPrice: top.askPrice,
        tradeId,
        bestAskSize: top.askSize,
        ts: ns(now),
      },
    });
  }
}

/** The displayed book with Decimal prices (REST depth). */
export function depth(f: SimFeed, m: SymbolMarket, limit = Number.POSITIVE_INFINITY): Depth {
  return depthOf(m, displayedTicks(f.core, m, limit), limit);
}

/** Best bid and ask as tickers print them. */
export function topOfBook(f: SimFeed, m: SymbolMarket): TopOfBook {
  return topOf(m, displayedTicks(f.core, m, 1));
}

type Ticks = { bids: [number, number][]; asks: [number, number][] };

/** The first `limit` levels of a displayed book in ticks, with Decimal prices. */
function depthOf(m: SymbolMarket, d: Ticks, limit: number): Depth {
  return {
    bids: d.bids.slice(0, limit).map(([t, s]) => [m.tickToPrice(t), s]),
    asks: d.asks.slice(0, limit).map(([t, s]) => [m.tickToPrice(t), s]),
  };
}

/** Best bid and ask of a displayed book in ticks. */
function topOf(m: SymbolMarket, d: Ticks): TopOfBook {
  const bid = d.bids[0];
  const ask = d.asks[0];
  return {
    bidPrice: bid ? m.priceString(bid[0]) : '0',
    bidSize: bid?.[1] ?? 0,
    askPrice: ask ? m.priceString(ask[0]) : '0',
    askSize: ask?.[1] ?? 0,
  };
}

/** Diff the displayed book against the last published one; each changed level is one level2 delta. */
export function publishBook(f: SimFeed, m: SymbolMarket, now: number): void {
  // One merge of the book per call: the deltas, the tickerV2 top and the depth-5/50 snapshots all read it.
  const d = displayedTicks(f.core, m);
  const next = new Map<string, number>();
  for (const [t, s] of d.bids) next.set(`buy|${t}`, s);
  for (const [t, s] of d.asks) next.set(`sell|${t}`, s);
  // Removals first: every intermediate book a client builds is then a subset of the final one, so
  // never crossed.
  const changes: string[] = [];
  for (const k of m.displayed.keys()) if (!next.has(k)) changes.push(`${k}|0`);
  for (const [k, s] of next) if (m.displayed.get(k) !== s) changes.push(`${k}|${s}`);
  m.displayed = next;
  if (changes.length === 0) return;
  const sym = m.spec.symbol;
  const watched = f.bus.isWatched(`/contractMarket/level2:${sym}`);
  for (const c of changes) {
    // l2Gap / l2Duplicate faults: a skipped sequence number (also missing from REST depth's count) or a
    // delta sent twice under one sequence.
    const fault = watched ? f.core.faults.takeL2Fault() : undefined;
    if (fault === 'gap') m.sequence += 1;
    m.sequence += 1;
    if (!watched) continue;
    const [side, tick, size] = c.split('|');
    const price = m.priceString(Number(tick));
    const event = {
      channel: 'public' as const,
      topic: `/contractMarket/level2:${sym}`,
      subject: 'level2',
      sn: m.sequence,
      data: { sequence: m.sequence, change: `${price},${side},${size}`, timestamp: now },
    };
    f.bus.emit(event);
    if (fault === 'duplicate') f.bus.emit(event);
  }
  if (f.bus.isWatched(`/contractMarket/tickerV2:${sym}`)) {
    const top = topOf(m, d);
    f.bus.emit({
      channel: 'public',
      topic: `/contractMarket/tickerV2:${sym}`,
      subject: 'tickerV2',
      sn: m.sequence,
      data: {
        symbol: sym,
        sequence: m.sequence,
        bestBidSize: top.bidSize,
        bestBidPrice: top.bidPrice,
        bestAskPrice: top.askPrice,
        bestAskSize: top.askSize,
        ts: ns(now),
      },
    });
  }
  for (const n of [5, 50]) {
    const topic = `/contractMarket/level2Depth${n}:${sym}`;
    if (!f.bus.isWatched(topic)) continue;
    const dd = depthOf(m, d, n);
    f.bus.emit({
      channel: 'public',
      topic,
      subject: 'level2',
      sn: now,
      data: {
        bids: dd.bids.map(([p, s]) => [p.toString(), s]),
        sequence: m.sequence,
        timestamp: now,
        ts: now,
        asks: dd.asks.map(([p, s]) => [p.toString(), s]),
      },
    });
  }
}

/** Mark/index (1 s), funding rate (1 min), candles (1 s), 24 h snapshot and position marks (5 s). */
export function publishPeriodic(f: SimFeed, now: number): void {
  if (now - f.lastInstrumentPush >= 1000) {
    f.lastInstrumentPush = now;
    for (const [sym, m] of f.core.markets) {
      const topic = `/contract/instrument:${sym}`;
      if (!f.bus.isWatched(topic)) continue;
      f.bus.emit({
        channel: 'public',
        topic,
        subject: 'mark.index.price',
        data: {
          markPrice: m.mark.toNumber(),
          indexPrice: m.index.toNumber(),
          granularity: 1000,
          timestamp: now,
        },
      });
      if (Math.floor(now / 60_000) !== Math.floor((now - 1000) / 60_000))
        f.bus.emit({
          channel: 'public',
          topic,
          subject: 'funding.rate',
          data: { granularity: 60000, fundingRate: m.fundingRate.toNumber(), timestamp: now },
        });
    }
    publishCandles(f, now);
  }
  if (now - f.lastSnapshotPush >= 5000) {
    f.lastSnapshotPush = now;
    for (const [sym, m] of f.core.markets) {
      const topic = `/contractMarket/snapshot:${sym}`;
      if (!f.bus.isWatched(topic)) continue;
      const st = m.stats24h(now);
      const last = m.last.toNumber();
      f.bus.emit({
        channel: 'public',
        topic,
        subject: 'snapshot.24h',
        data: {
          highPrice: st.high,
          lastPrice: last,
          lowPrice: st.low,
          price24HoursBefore: st.open,
          priceChg: last - st.open,
          priceChgPct: st.open ? Number(((last - st.open) / st.open).toFixed(4)) : 0,
          symbol: sym,
          ts: ns(now),
          turnover: st.turnover,
          volume: st.volume * m.spec.multiplier.toNumber(),
        },
      });
    }
  }
  if (now - f.lastPositionPush >= 5000) {
    f.lastPositionPush = now;
    for (const p of f.account.positions.values())
      if (p.qty !== 0) f.account.emitPosition(p, 'markPriceChange');
  }
}

/** Push the current bar of every watched limitCandle topic (KuCoin's order: t, o, c, h, l, v, amount). */
export function publishCandles(f: SimFeed, now: number): void {
  for (const [sym, m] of f.core.markets) {
    for (const [type, minutes] of Object.entries(CANDLE_TYPES)) {
      const topic = `/contractMarket/limitCandle:${sym}_${type}`;
      if (!f.bus.isWatched(topic)) continue;
      const width = minutes * 60_000;
      const start = Math.floor(now / width) * width;
      const bar = m.bars(minutes, start, now)[0];
      if (!bar) continue;
      f.bus.emit({
        channel: 'public',
        topic,
        subject: 'candle.stick',
        data: {
          symbol: sym,
          candles: [
            String(bar.time / 1000),
            String(bar.open),
            String(bar.close),
            String(bar.high),
            String(bar.low),
            String(bar.volume),
            String(bar.turnover),
          ],
          time: now,
        },
      });
    }
  }
}
