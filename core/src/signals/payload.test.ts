import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignalParseError } from './errors.ts';
import { parseAlertTime, parseSignalBody } from './payload.ts';

/** The alert message of the original design, as TradingView sends it once placeholders are expanded. */
const designPayload = {
  secret: 's3cret',
  timestamp: '2024-05-01T12:00:05Z',
  exchange: 'KUCOIN',
  symbol: 'XBTUSDTM',
  interval: '15',
  action: 'buy',
  indicators: {
    rsi: '28.4',
    macd: -12.5,
    macd_signal: '-10.1',
    macd_hist: '-2.4',
    bb_upper: '65500',
    bb_middle: '64800',
    bb_lower: '64100',
    atr: '310.2',
    volume: '1234.5',
    close: '64150.5',
    open: '64300',
    high: '64400',
    low: '64050',
  },
  conditions: { rsi_oversold: true, below_bb_lower: false },
  contracts: '3',
  position_size: '3',
  market_position: 'long',
  order_id: 'Long Entry',
  comment: 'rsi bounce',
  alert_message: '',
};

function parseError(fn: () => unknown): SignalParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SignalParseError) return e;
    throw e;
  }
  throw new Error('expected a SignalParseError');
}

describe('parseSignalBody on JSON', () => {
  it('parses the original design payload with numbers sent as strings', () => {
    const { signal, secret, storedPayload } = parseSignalBody(JSON.stringify(designPayload), 'json');
    expect(signal).toMatchObject({
      symbol: 'XBTUSDTM',
      rawSymbol: 'KUCOIN:XBTUSDTM',
      action: 'buy',
      interval: '15',
      alertTime: Date.UTC(2024, 4, 1, 12, 0, 5),
      size: '3',
      orderId: 'Long Entry',
    });
    expect(signal.indicators).toMatchObject({ rsi: 28.4, macd: -12.5, close: 64150.5 });
    expect(secret).toBe('s3cret');
    expect(JSON.stringify(storedPayload)).not.toContain('s3cret');
  });

  it('refuses an unexpanded placeholder with a 422-class error naming the field', () => {
    const e = parseError(() =>
      parseSignalBody(JSON.stringify({ ...designPayload, price: '{{close}}' }), 'json'),
    );
    expect(e.code).toBe('unexpanded_placeholder');
    expect(e.message).toContain('{{close}}');
    expect(e.message).toContain('price');
  });

  it('finds placeholders inside nested indicator blocks', () => {
    const body = JSON.stringify({ ...designPayload, indicators: { rsi: '{{plot_0}}' } });
    expect(parseError(() => parseSignalBody(body, 'json')).details).toMatchObject({
      placeholders: [{ path: 'indicators.rsi', placeholder: '{{plot_0}}' }],
    });
  });

  it('does not echo a secret that holds a placeholder', () => {
    const e = parseError(() =>
      parseSignalBody(JSON.stringify({ ...designPayload, secret: '{{x}}' }), 'json'),
    );
    expect(e.code).toBe('unexpanded_placeholder');
  });

  it.each(['BUY', 'Sell', 'long', 'SHORT', 'close', 'Exit', 'flat', 'reverse'])('accepts action %s', (a) => {
    expect(parseSignalBody(JSON.stringify({ ...designPayload, action: a }), 'json').signal.action).toMatch(
      /^(buy|sell|close|reverse)$/,
    );
  });

  it('names the accepted actions when the action is unknown', () => {
    const e = parseError(() => parseSignalBody(JSON.stringify({ ...designPayload, action: 'hodl' }), 'json'));
    expect(e.code).toBe('unknown_action');
    expect(e.message).toContain('buy, long, sell');
  });

  it('refuses NaN, Infinity and negative sizes instead of coercing them', () => {
    for (const bad of [
      { price: 'NaN' },
      { price: 'Infinity' },
      { contracts: '-1' },
      { indicators: { rsi: 'abc' } },
    ]) {
      const e = parseError(() => parseSignalBody(JSON.stringify({ ...designPayload, ...bad }), 'json'));
      expect(e.code).toBe('invalid_number');
    }
  });

  it('rejects unknown symbols with the known list', () => {
    const e = parseError(() =>
      parseSignalBody(JSON.stringify({ ...designPayload, symbol: 'PEPEUSDT' }), 'json'),
    );
    expect(e.code).toBe('unknown_symbol');
    expect(e.details['known']).toContain('XBTUSDTM');
  });

  it('refuses prototype keys and deep nesting', () => {
    expect(parseError(() => parseSignalBody('{"__proto__":{"x":1},"action":"buy"}', 'json')).code).toBe(
      'forbidden_key',
    );
    expect(
      parseError(() => parseSignalBody(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'json')).code,
    ).toBe('too_deep');
    expect(parseError(() => parseSignalBody('[1]', 'json')).code).toBe('malformed_body');
    expect(parseError(() => parseSignalBody('{"a":', 'json')).code).toBe('malformed_body');
  });
});

describe('parseSignalBody on text/plain', () => {
  it('parses key=value lines', () => {
    const body =
      'secret=s3cret\nsymbol=KUCOIN:XBTUSDTM\naction=sell\ntime=2024-05-01T12:00:05Z\nprice=64150.5\ncomment=take profit now';
    const { signal, secret } = parseSignalBody(body, 'text');
    expect(signal).toMatchObject({
      symbol: 'XBTUSDTM',
      action: 'sell',
      price: '64150.5',
      comment: 'take profit now',
    });
    expect(secret).toBe('s3cret');
  });

  it('parses the one-line form ACTION SYMBOL key=value', () => {
    const { signal } = parseSignalBody('BUY BTCUSDT.P price=65000 secret=x interval=1h', 'text');
    expect(signal).toMatchObject({ symbol: 'XBTUSDTM', action: 'buy', price: '65000', interval: '1h' });
  });

  it('parses JSON that arrived as text/plain', () => {
    expect(parseSignalBody(JSON.stringify(designPayload), 'text').signal.symbol).toBe('XBTUSDTM');
  });

  it('refuses free text', () => {
    expect(parseError(() => parseSignalBody('price crossed the moving average upward', 'text')).code).toBe(
      'malformed_body',
    );
    expect(parseError(() => parseSignalBody('  ', 'text')).code).toBe('malformed_body');
  });
});

describe('parseAlertTime', () => {
  it('reads ISO, epoch seconds and epoch milliseconds', () => {
    const t = Date.UTC(2024, 4, 1, 12, 0, 5);
    expect(parseAlertTime('2024-05-01T12:00:05Z')).toBe(t);
    expect(parseAlertTime('1714564805')).toBe(t);
    expect(parseAlertTime(1714564805000)).toBe(t);
  });
  it('refuses impossible times', () => {
    expect(() => parseAlertTime('yesterday')).toThrow(SignalParseError);
    expect(() => parseAlertTime('12')).toThrow(SignalParseError);
  });
});

describe('parser properties', () => {
  const assertOnlyTypedErrors = (body: string, kind: 'json' | 'text') => {
    try {
      parseSignalBody(body, kind);
    } catch (e) {
      if (!(e instanceof SignalParseError)) throw e;
    }
  };

  it('throws nothing but SignalParseError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.constantFrom('json' as const, 'text' as const), (s, k) =>
        assertOnlyTypedErrors(s, k),
      ),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but SignalParseError on arbitrary JSON values mixed into the real payload', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 3 })), (extra) => {
        const body = JSON.stringify({ ...designPayload, ...extra });
        assertOnlyTypedErrors(body, 'json');
        assertOnlyTypedErrors(body, 'text');
      }),
      { numRuns: 1000 },
    );
  });

  it('never lets the secret into the stored payload', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 40 }).filter((s) => !/[{}]/.test(s)),
        (secret) => {
          const { storedPayload } = parseSignalBody(JSON.stringify({ ...designPayload, secret }), 'json');
          expect(Object.values(storedPayload)).not.toContain(secret);
        },
      ),
    );
  });
});
