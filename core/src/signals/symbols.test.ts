import { describe, expect, it } from 'vitest';
import { normaliseAction } from './actions.ts';
import { SignalParseError } from './errors.ts';
import { idempotencyKey } from './idempotency.ts';
import { normaliseSymbol } from './symbols.ts';

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
  it('rejects unknown contracts, also when a custom list excludes them', () => {
    expect(() => normaliseSymbol('FOOUSDT')).toThrow(SignalParseError);
    expect(() => normaliseSymbol('ETHUSDTM', ['XBTUSDTM'])).toThrow(/known: XBTUSDTM/);
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
  it('differs by source, action, time and order id', () => {
    const keys = new Set([
      idempotencyKey(base),
      idempotencyKey({ ...base, source: 'tv2' }),
      idempotencyKey({ ...base, action: 'sell' }),
      idempotencyKey({ ...base, alertTime: 1714564806000 }),
      idempotencyKey({ ...base, orderId: 'x' }),
    ]);
    expect(keys.size).toBe(5);
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
});
