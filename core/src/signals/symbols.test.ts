import { describe, expect, it } from 'vitest';
import { normaliseAction } from './actions.ts';
import { SignalParseError } from './errors.ts';
import { fnv1a64, idempotencyKey } from './idempotency.ts';
import { DEFAULT_CONTRACTS, normaliseSymbol } from './symbols.ts';

describe('normaliseSymbol', () => {
  it.each([
    'KUCOIN:XBTUSDTM',
    'BTCUSDTM',
    'BTCUSDT.P',
    'XBTUSDTM.P',
    'kucoin:btcusdt.p',
    'BINANCE:BTCUSDT.P',
  ])('maps %s to XBTUSDTM', (raw) => expect(normaliseSymbol(raw)).toBe('XBTUSDTM'));
  it('maps other bases without renaming them', () => {
    expect(normaliseSymbol('ETHUSDT.P')).toBe('ETHUSDTM');
    expect(normaliseSymbol('KUCOIN:SOLUSDTM')).toBe('SOLUSDTM');
  });
  it('trims, drops an empty exchange prefix, and maps only a whole ticker', () => {
    expect(normaliseSymbol(' XBTUSDTM\t')).toBe('XBTUSDTM');
    expect(normaliseSymbol(':XBTUSDTM')).toBe('XBTUSDTM');
    // the base must be the whole text before USDT(M): no contract found inside a longer word
    expect(() => normaliseSymbol('FOO.BTCUSDT')).toThrow(SignalParseError);
    // a ticker with no USDT(M)/USDM quote is refused as unknown (a SignalParseError, not a crash)
    expect(() => normaliseSymbol('PEPE')).toThrow(SignalParseError);
    expect(() => normaliseSymbol('')).toThrow(SignalParseError);
  });
  it('rejects unknown contracts, also when a custom list excludes them', () => {
    expect(() => normaliseSymbol('FOOUSDT')).toThrow(SignalParseError);
    expect(() => normaliseSymbol('ETHUSDTM', ['XBTUSDTM'])).toThrow(/known: XBTUSDTM/);
  });
});

describe('normaliseSymbol, every default contract and separator', () => {
  it('trades these contracts by default', () => {
    expect(DEFAULT_CONTRACTS).toEqual([
      'XBTUSDTM',
      'ETHUSDTM',
      'SOLUSDTM',
      'XRPUSDTM',
      'DOGEUSDTM',
      'BNBUSDTM',
      'ADAUSDTM',
      'LINKUSDTM',
      'AVAXUSDTM',
      'LTCUSDTM',
    ]);
  });
  it.each(DEFAULT_CONTRACTS.map((c) => [c]))(
    'accepts %s as KuCoin, TradingView perpetual and spot-style tickers',
    (c) => {
      const base = c.replace(/USDTM$/, '');
      const tv = base === 'XBT' ? 'BTC' : base;
      for (const raw of [
        c,
        `KUCOIN:${c}`,
        `${tv}USDT.P`,
        `BINANCE:${tv}USDT.P`,
        `${tv}-USDT`,
        `${tv}_USDT`,
        `${tv}/USDT`,
      ])
        expect(normaliseSymbol(raw)).toBe(c);
    },
  );
  it('renames BTC only as the whole base, and keeps inverse USDM contracts', () => {
    expect(normaliseSymbol('WBTCUSDT', ['WBTCUSDTM'])).toBe('WBTCUSDTM');
    expect(normaliseSymbol('BTCUSDM', ['XBTUSDM'])).toBe('XBTUSDM');
    expect(() => normaliseSymbol('BTCUSDTMUSDTM')).toThrow(SignalParseError);
  });
  it('names the refused ticker (first 40 characters) and the known list', () => {
    expect(() => normaliseSymbol('FOOUSDT')).toThrow(
      `unknown symbol "FOOUSDT"; known: ${DEFAULT_CONTRACTS.join(', ')}`,
    );
    expect(() => normaliseSymbol(`${'A'.repeat(50)}USDT`, ['X'])).toThrow(
      `unknown symbol "${'A'.repeat(40)}"; known: X`,
    );
  });
});

describe('normaliseAction', () => {
  it('maps position words to order sides', () => {
    expect(['Long', 'SHORT', 'flat', 'exit'].map(normaliseAction)).toEqual(['buy', 'sell', 'close', 'close']);
  });
  it('does not accept inherited object keys as actions', () => {
    expect(() => normaliseAction('toString')).toThrow(SignalParseError);
  });
});

describe('idempotencyKey', () => {
  const base = {
    source: 'tv',
    symbol: 'XBTUSDTM',
    action: 'buy' as const,
    alertTime: 1714564805000,
    rawBody: 'a',
  };
  it('is the same for the same alert whatever the body bytes', () => {
    expect(idempotencyKey(base)).toBe(idempotencyKey({ ...base, rawBody: 'b' }));
  });
  it('differs by source, symbol, action, time and order id', () => {
    const keys = new Set([
      idempotencyKey(base),
      idempotencyKey({ ...base, source: 'tv2' }),
      idempotencyKey({ ...base, symbol: 'ETHUSDTM' }),
      idempotencyKey({ ...base, action: 'sell' }),
      idempotencyKey({ ...base, alertTime: 1714564806000 }),
      idempotencyKey({ ...base, orderId: 'x' }),
    ]);
    expect(keys.size).toBe(6);
  });
  it('falls back to the body when the alert has no time and no order id', () => {
    const { alertTime: _t, ...noTime } = base;
    expect(idempotencyKey(noTime)).not.toBe(idempotencyKey({ ...noTime, rawBody: 'b' }));
  });
  it('cannot be forged across fields with separators', () => {
    expect(idempotencyKey({ ...base, source: 'a|b' })).not.toBe(
      idempotencyKey({ ...base, source: 'a', symbol: 'b|XBTUSDTM' }),
    );
  });
  it('is exactly the documented key (fixed vectors, written by hand from the format)', () => {
    expect(idempotencyKey(base)).toBe('sig:v1:tv|XBTUSDTM|buy|1714564805000|');
    expect(idempotencyKey({ ...base, symbol: 'ETHUSDTM', orderId: 'L 1' })).toBe(
      'sig:v1:tv|ETHUSDTM|buy|1714564805000|L 1',
    );
    expect(idempotencyKey({ ...base, source: '50%|x' })).toBe('sig:v1:50%25%7Cx|XBTUSDTM|buy|1714564805000|');
    const { alertTime: _t, ...noTime } = base;
    // FNV-1a 64 of 'a' (the published FNV test vector af63dc4c8601ec8c)
    expect(idempotencyKey(noTime)).toBe('sig:v1:tv|XBTUSDTM|buy|||baf63dc4c8601ec8c');
  });
});

describe('fnv1a64', () => {
  // Computed once outside the code, over UTF-16 code units as the function documents:
  // /usr/bin/python3 -c 'def f(s):
  //   h=0xcbf29ce484222325; b=s.encode("utf-16-le")
  //   for i in range(0,len(b),2): h^=b[i]|(b[i+1]<<8); h=(h*0x100000001b3)&0xffffffffffffffff
  //   return "%016x"%h
  // for s in ["","a","foobar","\u00e9\u20ac\U0001F600","{\"action\":\"buy\"}"]: print(f(s))'
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
    ['\u00e9\u20ac\u{1F600}', 'ea9aea879c98b56d'],
    ['{"action":"buy"}', '6f02fecfd6a892dd'],
    ['body-1800', '09a875198ddf22a1'], // a leading zero nibble: the hex is padded to 16 digits
  ])('hashes %j to %s', (text, hex) => expect(fnv1a64(text)).toBe(hex));
});
