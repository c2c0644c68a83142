import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseAction } from './actions.ts';
import { SignalParseError } from './errors.ts';
import { parseAlertTime, parseSignalBody, parseSignalObject } from './payload.ts';
import { assertNoPlaceholders, findPlaceholders } from './placeholders.ts';
import { parseErrorOf } from './testing.ts';

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

const parseError = parseErrorOf;

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

  it('carries the router style an alert names, and refuses one that does not exist, naming the field', () => {
    const { signal } = parseSignalBody(JSON.stringify({ ...designPayload, execution: 'twap' }), 'json');
    expect(signal.execution).toBe('twap');
    expect(parseSignalBody(JSON.stringify(designPayload), 'json').signal.execution).toBeUndefined();
    const e = parseError(() =>
      parseSignalBody(JSON.stringify({ ...designPayload, execution: 'vwap' }), 'json'),
    );
    expect(e.code).toBe('invalid_payload');
    expect(e.message).toMatch(/execution/);
  });

  it('names the accepted actions when the action is unknown', () => {
    const e = parseError(() => parseSignalBody(JSON.stringify({ ...designPayload, action: 'hodl' }), 'json'));
    expect(e.code).toBe('unknown_action');
    expect(e.message).toContain('buy, long, sell');
  });

  it("accepts a coin strategy's fractional {{strategy.order.contracts}} (0.015 BTC), and a zero or negative one never", () => {
    const parsed = parseSignalBody(JSON.stringify({ ...designPayload, contracts: '0.015' }), 'json');
    expect(parsed.signal.size).toBe('0.015');
    for (const bad of ['0', '-0.015'])
      expect(
        parseError(() => parseSignalBody(JSON.stringify({ ...designPayload, contracts: bad }), 'json')).code,
      ).toBe('invalid_number');
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

describe('names a sender gives on purpose with different values: read by precedence, never refused', () => {
  const base = { secret: 's', action: 'buy' };
  const bar = '2024-05-01T12:00:00Z'; // {{time}}: the bar's open
  const fired = '2024-05-01T12:14:59Z'; // {{timenow}}: the alert's firing

  it('{{time}} beside {{timenow}}: the firing time is the alert time, in JSON and in text', () => {
    const json = parseSignalBody(
      JSON.stringify({ ...base, symbol: 'XBTUSDTM', time: bar, timenow: fired }),
      'json',
    );
    expect(json.signal.alertTime).toBe(Date.UTC(2024, 4, 1, 12, 14, 59));
    const text = parseSignalBody(`buy XBTUSDTM secret=s time=${bar} timenow=${fired}`, 'text');
    expect(text.signal.alertTime).toBe(Date.UTC(2024, 4, 1, 12, 14, 59));
    // timestamp ahead of both
    const all = parseSignalBody(
      JSON.stringify({ ...base, symbol: 'XBTUSDTM', time: bar, timenow: bar, timestamp: fired }),
      'json',
    );
    expect(all.signal.alertTime).toBe(Date.UTC(2024, 4, 1, 12, 14, 59));
  });

  it('the chart’s {{ticker}} beside the contract written out as symbol: the symbol is traded', () => {
    const { signal } = parseSignalBody(
      JSON.stringify({ ...base, symbol: 'XBTUSDTM', ticker: 'BTCUSDT.P', timenow: fired }),
      'json',
    );
    expect(signal.symbol).toBe('XBTUSDTM');
  });

  it('the same name twice with different values, and an order field under two names, are still refused', () => {
    const twice = `{"secret":"s","action":"buy","symbol":"XBTUSDTM","timenow":"${bar}","timenow":"${fired}"}`;
    expect(parseError(() => parseSignalBody(twice, 'json')).details).toMatchObject({ field: 'timenow' });
    const size = JSON.stringify({ ...base, symbol: 'XBTUSDTM', qty: '2', contracts: '5' });
    expect(parseError(() => parseSignalBody(size, 'json')).details).toMatchObject({ field: 'contracts' });
    expect(
      parseError(() => parseSignalBody('buy XBTUSDTM secret=s qty=2 contracts=5', 'text')).details,
    ).toMatchObject({ field: 'contracts' });
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

  it('reads values with spaces on the one-line form, each up to the next key=', () => {
    const body =
      'buy KUCOIN:XBTUSDTM secret=s3cret comment=Long entry on breakout id=Long Entry qty=2 price=65000.5';
    expect(parseSignalBody(body, 'text')).toStrictEqual({
      signal: {
        symbol: 'XBTUSDTM',
        rawSymbol: 'KUCOIN:XBTUSDTM',
        action: 'buy',
        rawAction: 'buy',
        comment: 'Long entry on breakout',
        orderId: 'Long Entry',
        size: '2',
        price: '65000.5',
        indicators: {},
        conditions: {},
      },
      secret: 's3cret',
      storedPayload: {
        symbol: 'KUCOIN:XBTUSDTM',
        action: 'buy',
        comment: 'Long entry on breakout',
        order_id: 'Long Entry',
        contracts: '2',
        price: '65000.5',
      },
    });
    expect(
      parseSignalBody('sell XBTUSDTM comment="take profit" qty=2 secret=s', 'text').signal,
    ).toMatchObject({ action: 'sell', comment: 'take profit', size: '2' });
  });

  it('refuses, naming the field, a value with spaces that runs into an unknown key or a word where a number goes', () => {
    expect(
      parseError(() => parseSignalBody('sell XBTUSDTM comment=buy when rsi=30 qty=2', 'text')),
    ).toMatchObject({ code: 'invalid_payload', details: { field: 'comment', next: 'rsi' } });
    // the action and symbol come first: after price= the words are its value, not a number
    expect(parseError(() => parseSignalBody('price=1 close XBTUSDTM', 'text'))).toMatchObject({
      code: 'invalid_number',
      details: { issues: [{ path: 'symbol' }, { path: 'action' }, { path: 'price' }] },
    });
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

// Expected values below are written by hand from the documented payload format (payload.ts, schema.ts).
describe('parseSignalObject: the signal, field by field', () => {
  it('maps every field of a full payload', () => {
    const { signal, secret, storedPayload } = parseSignalObject({
      secret: 'k',
      timestamp: '1714564805',
      exchange: 'KUCOIN',
      symbol: 'BTCUSDT.P',
      interval: 15,
      action: ' Long ',
      price: '65000.50',
      contracts: '3',
      position_size: '-2',
      market_position: 'short',
      prev_market_position: 'flat',
      order_id: 7,
      comment: 'c',
      alert_message: 'm',
      indicators: { rsi: '30' },
      conditions: { x: true },
    });
    expect(signal).toStrictEqual({
      symbol: 'XBTUSDTM',
      rawSymbol: 'KUCOIN:BTCUSDT.P',
      action: 'buy',
      rawAction: ' Long ',
      indicators: { rsi: 30 },
      conditions: { x: true },
      alertTime: 1714564805000,
      interval: '15',
      price: '65000.5',
      size: '3',
      positionSize: '-2',
      marketPosition: 'short',
      prevMarketPosition: 'flat',
      orderId: '7',
      comment: 'c',
      alertMessage: 'm',
    });
    expect(secret).toBe('k');
    expect(storedPayload).toStrictEqual({
      timestamp: '1714564805',
      exchange: 'KUCOIN',
      symbol: 'BTCUSDT.P',
      interval: 15,
      action: ' Long ',
      price: '65000.50',
      contracts: '3',
      position_size: '-2',
      market_position: 'short',
      prev_market_position: 'flat',
      order_id: 7,
      comment: 'c',
      alert_message: 'm',
      indicators: { rsi: '30' },
      conditions: { x: true },
    });
  });

  it('sets no optional field that the payload does not carry, and no secret', () => {
    const parsed = parseSignalObject({ symbol: 'ETHUSDTM', action: 'exit' });
    expect(parsed).toStrictEqual({
      signal: {
        symbol: 'ETHUSDTM',
        rawSymbol: 'ETHUSDTM',
        action: 'close',
        rawAction: 'exit',
        indicators: {},
        conditions: {},
      },
      storedPayload: { symbol: 'ETHUSDTM', action: 'exit' },
    });
    expect('secret' in parsed).toBe(false);
  });

  it('prefixes the exchange only when the symbol has none', () => {
    const raw = (p: Record<string, unknown>) => parseSignalObject({ action: 'buy', ...p }).signal.rawSymbol;
    expect(raw({ exchange: 'BINANCE', symbol: 'KUCOIN:XBTUSDTM' })).toBe('KUCOIN:XBTUSDTM');
    expect(raw({ exchange: 'KUCOIN', symbol: 'XBTUSDTM' })).toBe('KUCOIN:XBTUSDTM');
    expect(raw({ exchange: '', symbol: 'XBTUSDTM' })).toBe('XBTUSDTM');
    expect(raw({ symbol: 'XBTUSDTM' })).toBe('XBTUSDTM');
  });

  it('uses the known symbols given in the options', () => {
    expect(
      parseSignalObject({ symbol: 'PEPEUSDT', action: 'buy' }, { knownSymbols: ['PEPEUSDTM'] }).signal.symbol,
    ).toBe('PEPEUSDTM');
    expect(
      parseError(() =>
        parseSignalBody('{"symbol":"XBTUSDTM","action":"buy"}', 'json', { knownSymbols: ['ETHUSDTM'] }),
      ).code,
    ).toBe('unknown_symbol');
  });

  it('passes the nesting limit to both parsers', () => {
    const body = '{"symbol":"XBTUSDTM","action":"buy","indicators":{"rsi":1}}'; // depth 2
    expect(parseSignalBody(body, 'json', { maxDepth: 2 }).signal.indicators).toStrictEqual({ rsi: 1 });
    expect(parseError(() => parseSignalBody(body, 'json', { maxDepth: 1 })).code).toBe('too_deep');
    expect(parseError(() => parseSignalBody(body, 'text', { maxDepth: 1 })).code).toBe('too_deep');
  });

  it('refuses a body whose keys give one field two values (an alias, another case), JSON or already decoded', () => {
    const action = (body: string) => parseSignalBody(body, 'json').signal.action;
    // the same value twice is no conflict
    expect(action('{"side":"buy","order_action":"buy","symbol":"XBTUSDTM"}')).toBe('buy');
    expect(action('{"Action":"buy","side":"buy","symbol":"XBTUSDTM"}')).toBe('buy');
    for (const body of [
      '{"side":"buy","order_action":"sell","symbol":"XBTUSDTM"}',
      '{"Action":"buy","action":"sell","symbol":"XBTUSDTM"}',
      // the real name won here, silently: a comment expanded to x","Action":"buy" turned a sell into a buy
      '{"Action":"buy","side":"sell","symbol":"XBTUSDTM"}',
      '{"side":"sell","ACTION":"buy","symbol":"XBTUSDTM"}',
    ])
      expect(parseError(() => parseSignalBody(body, 'json'))).toMatchObject({
        code: 'invalid_payload',
        details: { field: 'action' },
      });
    // an object already decoded meets the same rule: the real name won over an alias here, silently
    for (const [raw, field] of [
      [{ action: 'close', order_action: 'sell' }, 'action'],
      [{ order_action: 'sell', action: 'close' }, 'action'],
      [{ Action: 'buy', action: 'sell' }, 'action'],
      [{ action: 'buy', contracts: '2', qty: '5' }, 'contracts'],
      [{ action: 'buy', QTY: '5', Contracts: '2' }, 'contracts'],
      [{ action: 'buy', 'strategy.order.price': '65000', price: '1' }, 'price'],
      [{ action: 'buy', id: 'a', order_id: 'b' }, 'order_id'],
      [{ action: 'buy', secret: 'alpha', token: 'bravo' }, 'secret'],
    ] as const) {
      const e = parseError(() => parseSignalObject({ symbol: 'XBTUSDTM', ...raw }));
      expect(e).toMatchObject({ code: 'invalid_payload', details: { field } });
      expect(e.message).toMatch(/both give .*, with different values$/);
      expect(`${e.message} ${JSON.stringify(e.details)}`).not.toMatch(/alpha|bravo/);
    }
    // the same value twice is one field
    expect(
      parseSignalObject({ symbol: 'XBTUSDTM', action: 'buy', side: 'buy', contracts: '2', qty: '2' }).signal,
    ).toMatchObject({ action: 'buy', size: '2' });
    // the alert's time and symbol are read by precedence: never a conflict
    expect(
      parseSignalObject({
        symbol: 'XBTUSDTM',
        ticker: 'BTCUSDT.P',
        action: 'buy',
        time: '2026-05-01T12:00:00Z',
        timenow: '2026-05-01T12:00:05Z',
      }).signal,
    ).toMatchObject({
      symbol: 'XBTUSDTM',
      rawSymbol: 'XBTUSDTM',
      alertTime: Date.parse('2026-05-01T12:00:05Z'),
    });
    // a text body's leading words still win over an alias beside them (the text parser drops it)
    expect(parseSignalBody('close XBTUSDTM order_action=sell', 'text')).toMatchObject({
      signal: { action: 'close', rawAction: 'close' },
      storedPayload: { action: 'close', symbol: 'XBTUSDTM' },
    });
    expect(parseSignalBody('close XBTUSDTM order_action=sell', 'text').storedPayload).not.toHaveProperty(
      'order_action',
    );
  });

  it('reads key aliases from a text body', () => {
    expect(parseSignalBody('ticker=ETHUSDT.P\nside=short\nqty=4\ntoken=t', 'text')).toStrictEqual({
      signal: {
        symbol: 'ETHUSDTM',
        rawSymbol: 'ETHUSDT.P',
        action: 'sell',
        rawAction: 'short',
        size: '4',
        indicators: {},
        conditions: {},
      },
      secret: 't',
      storedPayload: { symbol: 'ETHUSDT.P', action: 'short', contracts: '4' },
    });
  });
});

describe('parseSignalObject: refusals name the field', () => {
  it('answers invalid_payload with each issue path and message', () => {
    const e = parseError(() => parseSignalObject({ action: 'buy' }));
    expect(e.code).toBe('invalid_payload');
    expect(e.details['issues']).toEqual([
      { path: 'symbol', message: expect.stringContaining('expected string') },
    ]);
    expect(e.message).toMatch(/^invalid payload: symbol: .*expected string.*$/);
  });

  it('joins nested paths with dots and several issues with "; "', () => {
    const e = parseError(() => parseSignalObject({ symbol: '', action: 'buy', conditions: { a: [1] } }));
    expect(e.code).toBe('invalid_payload');
    const issues = e.details['issues'] as { path: string }[];
    expect(issues.map((i) => i.path)).toEqual(['symbol', 'conditions.a']);
    expect(e.message).toMatch(/^invalid payload: symbol: .+; conditions\.a: .+$/);
  });

  it('never echoes a secret of the wrong type, only its path', () => {
    const e = parseError(() => parseSignalObject({ symbol: 'XBTUSDTM', action: 'buy', secret: 12345678 }));
    expect(e.code).toBe('invalid_payload');
    expect(e.details['issues']).toEqual([{ path: 'secret', message: 'invalid secret' }]);
    expect(e.message).toBe('invalid payload: secret: invalid secret');
    // a non-string secret is not searched for placeholders: it is refused as the wrong type
    const arr = parseError(() => parseSignalObject({ symbol: 'XBTUSDTM', action: 'buy', secret: ['{{s}}'] }));
    expect(arr.code).toBe('invalid_payload');
    expect(arr.details['issues']).toEqual([{ path: 'secret', message: 'invalid secret' }]);
  });

  it('answers invalid_number (not invalid_payload) when a number is bad, with the others listed', () => {
    const e = parseError(() =>
      parseSignalObject({ symbol: 'XBTUSDTM', action: 'buy', price: '-1', interval: {} }),
    );
    expect(e.code).toBe('invalid_number');
    expect((e.details['issues'] as { path: string }[]).map((i) => i.path).sort()).toEqual([
      'interval',
      'price',
    ]);
  });

  it('refuses a market position other than long, short or flat, naming the field (a typo is never read as absent)', () => {
    for (const [field, value] of [
      ['market_position', 'sideways'],
      ['market_position', 'flatt'],
      ['market_position', ''],
      ['prev_market_position', 'none'],
    ] as const) {
      const e = parseError(() => parseSignalObject({ symbol: 'XBTUSDTM', action: 'sell', [field]: value }));
      expect(e.code).toBe('invalid_payload');
      expect(e.details['issues']).toEqual([
        { path: field, message: `must be long, short or flat: ${JSON.stringify(value)}` },
      ]);
    }
    // TradingView's own values in any case and spacing are read, lower-cased
    const { signal } = parseSignalObject({
      symbol: 'XBTUSDTM',
      action: 'sell',
      market_position: ' Flat ',
      prev_market_position: 'LONG',
    });
    expect(signal.marketPosition).toBe('flat');
    expect(signal.prevMarketPosition).toBe('long');
    const text = parseError(() =>
      parseSignalBody('symbol=XBTUSDTM\naction=sell\nmarket_position=sideways', 'text'),
    );
    expect(text.details['issues']).toEqual([
      { path: 'market_position', message: 'must be long, short or flat: "sideways"' },
    ]);
  });

  it('lists at most 20 issues', () => {
    const indicators = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`i${i}`, 'x']));
    const e = parseError(() => parseSignalObject({ symbol: 'XBTUSDTM', action: 'buy', indicators }));
    expect(e.details['issues']).toHaveLength(20);
  });

  it('refuses a placeholder in the secret without echoing it; other braces are not placeholders', () => {
    const e = parseError(() =>
      parseSignalObject({ symbol: 'XBTUSDTM', action: 'buy', secret: 'ab{{close}}cd' }),
    );
    expect(e.code).toBe('unexpanded_placeholder');
    expect(e.message).toBe('the secret field holds an unexpanded placeholder');
    expect(e.details).toEqual({ placeholders: [{ path: 'secret' }] });
    for (const secret of ['{{x', 'x}}', '{x}', '}}{{'])
      expect(parseSignalObject({ symbol: 'XBTUSDTM', action: 'buy', secret }).secret).toBe(secret);
  });

  it('checks placeholders in the payload before the secret and the schema', () => {
    const e = parseError(() => parseSignalObject({ symbol: '{{ticker}}', action: 5, secret: '{{s}}' }));
    expect(e.code).toBe('unexpanded_placeholder');
    expect(e.message).toBe(
      'TradingView left {{ticker}} unexpanded in symbol: that variable is not available in this alert',
    );
  });
});

describe('findPlaceholders and assertNoPlaceholders', () => {
  it('names every path, nested objects and arrays with dots, a bare string as (body)', () => {
    expect(findPlaceholders('{{close}}')).toEqual([{ path: '(body)', placeholder: '{{close}}' }]);
    expect(
      findPlaceholders({ a: { b: ['x', 'p {{plot_0}} q'] }, c: '{{c}}', d: 1, e: null, f: true }),
    ).toEqual([
      { path: 'a.b.1', placeholder: '{{plot_0}}' },
      { path: 'c', placeholder: '{{c}}' },
    ]);
    expect(findPlaceholders(['{{a}}'], 'root')).toEqual([{ path: 'root.0', placeholder: '{{a}}' }]);
    // values that are not strings, objects or arrays hold nothing (undefined from a JS caller included)
    expect(findPlaceholders({ a: undefined, b: 0, c: false, d: null })).toEqual([]);
    expect(findPlaceholders(undefined)).toEqual([]);
  });

  it('matches 0 to 80 characters between the braces, no nested brace', () => {
    expect(findPlaceholders({ a: '{{}}' })).toEqual([{ path: 'a', placeholder: '{{}}' }]);
    expect(findPlaceholders({ a: `{{${'x'.repeat(80)}}}` })).toHaveLength(1);
    expect(findPlaceholders({ a: `{{${'x'.repeat(81)}}}` })).toEqual([]);
    expect(findPlaceholders({ a: '{{a{b}}', b: '{x}', c: '{{x}', d: 'x}}' })).toEqual([]);
  });

  it('reports the first placeholder in the message and at most 20 in the details', () => {
    const value = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, `{{v${i}}}`]));
    const e = parseError(() => assertNoPlaceholders(value));
    expect(e.code).toBe('unexpanded_placeholder');
    expect(e.message).toBe(
      'TradingView left {{v0}} unexpanded in k0: that variable is not available in this alert',
    );
    const found = e.details['placeholders'] as { path: string }[];
    expect(found).toHaveLength(20);
    expect(found[19]).toEqual({ path: 'k19', placeholder: '{{v19}}' });
    expect(() => assertNoPlaceholders({ a: 'no placeholder', b: ['{x}'] })).not.toThrow();
  });
});

describe('normaliseAction: the refusal', () => {
  it('names the word (40 characters) and every accepted spelling', () => {
    const e = parseError(() => normaliseAction(`${'h'.repeat(50)}`));
    expect(e.code).toBe('unknown_action');
    expect(e.message).toBe(
      `unknown action "${'h'.repeat(40)}"; accepted: buy, long, sell, short, close, exit, flat, reverse`,
    );
    expect(e.details).toEqual({
      accepted: ['buy', 'long', 'sell', 'short', 'close', 'exit', 'flat', 'reverse'],
    });
  });
  it('maps every accepted spelling, trimmed and in any case', () => {
    expect(
      [' BUY', 'long ', 'Sell', 'sHoRt', 'CLOSE', 'exit', 'Flat', 'REVERSE'].map((a) => normaliseAction(a)),
    ).toEqual(['buy', 'buy', 'sell', 'sell', 'close', 'close', 'close', 'reverse']);
    expect(parseError(() => normaliseAction('')).code).toBe('unknown_action');
    expect(parseError(() => normaliseAction('hasOwnProperty')).code).toBe('unknown_action');
  });
});

describe('parseAlertTime: formats and bounds', () => {
  const t = Date.UTC(2024, 4, 1, 12, 0, 5);
  it('reads epoch seconds (9 to 10 digits) and milliseconds (up to 16 digits), fractions rounded', () => {
    expect(parseAlertTime(' 1714564805 ')).toBe(t);
    expect(parseAlertTime('1714564805.5')).toBe(t + 500);
    expect(parseAlertTime('1714564805.0004')).toBe(t);
    expect(parseAlertTime('1714564805000.6')).toBe(t + 1);
    expect(parseAlertTime(1714564805)).toBe(t);
  });
  it('reads ISO with T or a space, with or without seconds, fraction and zone', () => {
    expect(parseAlertTime('2024-05-01T12:00:05Z')).toBe(t);
    expect(parseAlertTime('2024-05-01 12:00:05')).toBe(t);
    expect(parseAlertTime('2024-05-01T12:00:05')).toBe(t);
    expect(parseAlertTime('2024-05-01T12:00Z')).toBe(t - 5000);
    expect(parseAlertTime('2024-05-01T12:00:05.123Z')).toBe(t + 123);
    expect(parseAlertTime('2024-05-01T14:00:05+02:00')).toBe(t);
    expect(parseAlertTime('2024-05-01T14:00:05+0200')).toBe(t);
    expect(parseAlertTime('2024-05-01T10:00:05-02:00')).toBe(t);
  });
  it('accepts 2000-01-01 to 2100-01-01 inclusive, nothing outside', () => {
    expect(parseAlertTime('946684800')).toBe(946_684_800_000);
    expect(parseAlertTime('4102444800')).toBe(4_102_444_800_000);
    expect(parseAlertTime('946684800000')).toBe(946_684_800_000);
    expect(parseAlertTime('2000-01-01T00:00:00Z')).toBe(946_684_800_000);
    for (const bad of ['946684799', '4102444801', '946684799999', '4102444800001', '1999-12-31T23:59:59Z'])
      expect(parseError(() => parseAlertTime(bad))).toMatchObject({
        code: 'invalid_timestamp',
        // the error names its field, as the future-timestamp refusal does
        details: { field: 'timestamp' },
      });
  });
  it('refuses other shapes, naming the value (40 characters)', () => {
    for (const bad of [
      '17145648',
      '12345678901234567',
      '1714564805.',
      '-1714564805',
      '2024-05-01',
      '2024-05-01T12',
      '2024-05-01T12:00:05.1234567890Z',
      '2024-05-01T12:00:05+2',
      'x2024-05-01T12:00:05Z',
      '+1714564805',
      '+002024-05-01T12:00:05Z',
      '2024-05-01T12:00:05Zx',
      '2024-13-01T12:00:05Z',
    ])
      expect(parseError(() => parseAlertTime(bad)).code, bad).toBe('invalid_timestamp');
    expect(parseError(() => parseAlertTime(` ${'9'.repeat(50)} `)).message).toBe(
      `invalid alert timestamp "${'9'.repeat(40)}"`,
    );
  });
});
