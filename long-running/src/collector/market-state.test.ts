import { Money } from '@enigma/core/money';
import { describe, expect, it } from 'vitest';
import { MarketState, summarizeBook } from './market-state.ts';

const lvl = (price: string, size: number) => ({ price: new Money(price), size });

describe('summarizeBook', () => {
  it('computes mid, spread, depth and imbalance over the first levels only', () => {
    const top = summarizeBook(
      'XBTUSDTM',
      7,
      [lvl('100.0', 10), lvl('99.9', 20), lvl('99.0', 1000)],
      [lvl('100.2', 5), lvl('100.3', 5)],
      2,
      1,
    );
    expect(top.mid?.toString()).toBe('100.1');
    expect(top.spread?.toString()).toBe('0.2');
    expect([top.bidDepth, top.askDepth]).toEqual([30, 10]);
    expect(top.imbalance).toBeCloseTo(0.5, 12);
  });

  it('has no mid or spread for a one-sided book and zero imbalance for an empty one', () => {
    expect(summarizeBook('X', 1, [lvl('1', 1)], [], 5, 0).mid).toBeUndefined();
    expect(summarizeBook('X', 1, [], [], 5, 0).imbalance).toBe(0);
  });
});

describe('MarketState', () => {
  it('answers isFresh per feed with its own window, and never for a feed not seen yet', () => {
    let now = 1_000;
    const s = new MarketState(['XBTUSDTM'], {
      staleAfterMs: 5_000,
      staleAfterMsByFeed: { trades: 60_000 },
      now: () => now,
    });
    expect(s.isFresh('XBTUSDTM', 'level2')).toBe(false);
    s.touch('XBTUSDTM', 'level2');
    s.touch('XBTUSDTM', 'trades');
    now += 5_000;
    expect(s.isFresh('XBTUSDTM', 'level2')).toBe(true);
    now += 1;
    expect(s.isFresh('XBTUSDTM', 'level2')).toBe(false);
    expect(s.isFresh('XBTUSDTM', 'trades')).toBe(true);
  });

  it('is fresh for trading only when both the book and the mark price are fresh', () => {
    let now = 0;
    const s = new MarketState(['XBTUSDTM'], { staleAfterMs: 1_000, now: () => now });
    s.touch('XBTUSDTM', 'level2');
    expect(s.isFresh('XBTUSDTM')).toBe(false);
    s.touch('XBTUSDTM', 'instrument');
    expect(s.isFresh('XBTUSDTM')).toBe(true);
    now = 2_000;
    expect(s.isFresh('XBTUSDTM')).toBe(false);
    expect(s.staleSymbols(['level2'])).toEqual(['XBTUSDTM']);
  });

  it('lists every configured feed in health, unseen ones as stale with no age', () => {
    const s = new MarketState(['XBTUSDTM', 'ETHUSDTM'], { staleAfterMs: 1_000, now: () => 10 });
    s.touch('ETHUSDTM', 'ticker');
    const h = s.health(['ticker']);
    expect(h).toEqual([
      { symbol: 'XBTUSDTM', feed: 'ticker', fresh: false, ageMs: null },
      { symbol: 'ETHUSDTM', feed: 'ticker', fresh: true, ageMs: 0 },
    ]);
  });

  it('merges instrument updates (mark every second, funding every minute)', () => {
    const s = new MarketState(['XBTUSDTM'], { staleAfterMs: 1_000 });
    s.updateInstrument('XBTUSDTM', { markPrice: new Money('100'), markTime: 1 });
    s.updateInstrument('XBTUSDTM', { fundingRate: new Money('0.0001'), fundingTime: 2 });
    expect(s.instrument('XBTUSDTM')?.markPrice?.toString()).toBe('100');
    expect(s.instrument('XBTUSDTM')?.fundingRate?.toString()).toBe('0.0001');
  });
});
