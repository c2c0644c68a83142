import type Decimal from 'decimal.js';
import type { Level2Delta } from '../exchange/kucoin/level2.ts';
import {
  parseExecution,
  parseFundingRateEvent,
  parseMarkIndexPrice,
  parseTickerV2,
  parseWsCandle,
} from '../exchange/kucoin/ws-parse.ts';
import type { PublicTrade } from '../exchange/types.ts';
import type { Feed } from './market-state.ts';
import type { ExchangeCandle } from './symbol-candles.ts';

/**
 * What the router hands parsed messages to. `touch` marks the feed fresh, advances market time and
 * returns the symbol's context, or undefined for a symbol the collector does not follow.
 */
export interface MessageSink<C = unknown> {
  touch(symbol: string, feed: Feed, eventTime: number | undefined): C | undefined;
  level2(ctx: C, delta: Level2Delta): void;
  trade(ctx: C, trade: PublicTrade): void;
  exchangeCandle(ctx: C, candle: ExchangeCandle): void;
  ticker(ctx: C, t: ReturnType<typeof parseTickerV2>): void;
  mark(ctx: C, m: { markPrice: Decimal; indexPrice: Decimal; time: number }): void;
  funding(ctx: C, f: { rate: Decimal; granularityMs: number; time: number }): void;
  parseError(feed: Feed, error: unknown): void;
}

const symbolOf = (topic: string) => topic.slice(topic.indexOf(':') + 1);

/**
 * Route one KuCoin public data frame by topic prefix. Level-2 deltas take a hand-checked fast path (the
 * book validates the change text itself); every other payload goes through the zod parsers, and a
 * payload they reject is counted and dropped without touching any state.
 */
// biome-ignore lint/suspicious/noExplicitAny: the sink is generic over the caller's context type
export function routeMessage(sink: MessageSink<any>, topic: string, subject: string, data: unknown): void {
  const colon = topic.indexOf(':');
  const prefix = colon < 0 ? topic : topic.slice(0, colon);
  try {
    switch (prefix) {
      case '/contractMarket/level2': {
        const d = data as { sequence?: unknown; change?: unknown; timestamp?: unknown } | null;
        if (
          !d ||
          typeof d.sequence !== 'number' ||
          !Number.isSafeInteger(d.sequence) ||
          typeof d.change !== 'string' ||
          typeof d.timestamp !== 'number'
        ) {
          sink.parseError('level2', new TypeError(`bad level2 payload on ${topic}`));
          return;
        }
        const ctx = sink.touch(symbolOf(topic), 'level2', d.timestamp);
        if (ctx) sink.level2(ctx, { sequence: d.sequence, change: d.change, timestamp: d.timestamp });
        return;
      }
      case '/contractMarket/execution': {
        const trade = parseExecution(data);
        const ctx = sink.touch(trade.symbol, 'trades', trade.time);
        if (ctx) sink.trade(ctx, trade);
        return;
      }
      case '/contractMarket/tickerV2': {
        const t = parseTickerV2(data);
        const ctx = sink.touch(t.symbol, 'ticker', t.time);
        if (ctx) sink.ticker(ctx, t);
        return;
      }
      case '/contractMarket/limitCandle': {
        const c = parseWsCandle(data);
        const ctx = sink.touch(c.symbol, 'candles', undefined);
        if (ctx) sink.exchangeCandle(ctx, c);
        return;
      }
      case '/contract/instrument': {
        const symbol = symbolOf(topic);
        if (subject === 'mark.index.price') {
          const m = parseMarkIndexPrice(data, symbol);
          const ctx = sink.touch(symbol, 'instrument', m.time);
          if (ctx) sink.mark(ctx, m);
        } else if (subject === 'funding.rate') {
          const f = parseFundingRateEvent(data, symbol);
          const ctx = sink.touch(symbol, 'instrument', f.time);
          if (ctx) sink.funding(ctx, f);
        }
        return;
      }
      default:
        return;
    }
  } catch (error) {
    sink.parseError(feedOf(prefix), error);
  }
}

function feedOf(prefix: string): Feed {
  if (prefix.endsWith('execution')) return 'trades';
  if (prefix.endsWith('tickerV2')) return 'ticker';
  if (prefix.endsWith('limitCandle')) return 'candles';
  if (prefix.endsWith('instrument')) return 'instrument';
  return 'level2';
}
