import { describe, expect, it } from 'vitest';
import { SignalParseError } from './errors.ts';
import { parseTextBody } from './text.ts';

// Every expected value below is written by hand from the documented text format (text.ts): key=value
// pairs split on new lines, `&`, `;`, `,` or spaces; `key: value` and `key = value with spaces` as a whole
// line of a multi-line body; the one-line form `ACTION SYMBOL key=value ...`. None comes from the code.

function parseError(fn: () => unknown): SignalParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SignalParseError) return e;
    throw e;
  }
  throw new Error('expected a SignalParseError');
}

describe('parseTextBody: JSON sent as text/plain', () => {
  it('parses a body that starts with { after leading white space', () => {
    expect(parseTextBody('  \n{"action":"buy","price":"1.5"}\n ')).toStrictEqual({
      action: 'buy',
      price: '1.5',
    });
  });
  it('passes the nesting limit on to the JSON parser', () => {
    const body = '{"a":{"b":{"c":1}}}'; // depth 3
    expect(parseTextBody(body, 3)).toStrictEqual({ a: { b: { c: 1 } } });
    expect(parseError(() => parseTextBody(body, 2))).toMatchObject({
      code: 'too_deep',
      details: { maxDepth: 2 },
    });
  });
  it('treats a body that does not start with { as key=value text', () => {
    expect(parseTextBody('action={"x"}')).toStrictEqual({ action: '{"x"}' });
  });
});

describe('parseTextBody: key=value pairs', () => {
  it('refuses an empty or blank body', () => {
    for (const body of ['', ' ', '\n\r\n\t']) {
      const e = parseError(() => parseTextBody(body));
      expect(e.code).toBe('malformed_body');
      expect(e.message).toBe('empty body');
    }
  });

  it('splits one line on spaces, &, ; and , and keeps the values as text', () => {
    expect(parseTextBody('action=buy&symbol=XBTUSDTM;price=65000.5,size=2 interval=15')).toStrictEqual({
      action: 'buy',
      symbol: 'XBTUSDTM',
      price: '65000.5',
      size: '2',
      interval: '15',
    });
  });

  it('ignores empty fields between separators', () => {
    expect(parseTextBody('&&action=buy;; ,symbol=X&')).toStrictEqual({ action: 'buy', symbol: 'X' });
  });

  it('lower-cases keys but not values', () => {
    expect(parseTextBody('ACTION=BUY Symbol=KuCoin:XbtUsdtM')).toStrictEqual({
      action: 'BUY',
      symbol: 'KuCoin:XbtUsdtM',
    });
  });

  it('accepts dotted TradingView names, underscores and digits in keys', () => {
    expect(parseTextBody('strategy.order.action=sell _x9=1 a_b.c2=3')).toStrictEqual({
      'strategy.order.action': 'sell',
      _x9: '1',
      'a_b.c2': '3',
    });
  });

  it('keeps an empty value and a value that holds = signs', () => {
    expect(parseTextBody('comment= note=a=b')).toStrictEqual({ comment: '', note: 'a=b' });
  });

  it('accepts keys of up to 41 characters; a longer one is a bare word', () => {
    const k41 = `k${'x'.repeat(40)}`;
    expect(parseTextBody(`${k41}=1`)).toStrictEqual({ [k41]: '1' });
    const k42 = `k${'x'.repeat(41)}`;
    // not a pair: the lone bare word is taken as the action
    expect(parseTextBody(`${k42}=1`)).toStrictEqual({ action: `${k42}=1` });
  });

  it('does not take a key that starts with a digit or a symbol from the middle of a word', () => {
    expect(parseTextBody('1x=2')).toStrictEqual({ action: '1x=2' });
    expect(parseTextBody('buy -x=2')).toStrictEqual({ action: 'buy', symbol: '-x=2' });
  });

  it('the last of a repeated key wins', () => {
    expect(parseTextBody('price=1 price=2')).toStrictEqual({ price: '2' });
  });

  it('returns a plain object', () => {
    expect(Object.getPrototypeOf(parseTextBody('a=1'))).toBe(Object.prototype);
  });

  it.each(['__proto__', 'constructor', 'prototype', 'Constructor', '__PROTO__'])(
    'refuses the key %s, naming it',
    (key) => {
      for (const body of [`${key}=1`, `action=buy\n${key}: x`]) {
        const e = parseError(() => parseTextBody(body));
        expect(e.code).toBe('forbidden_key');
        expect(e.message).toBe(`forbidden key "${key.toLowerCase()}"`);
        expect(e.details).toEqual({ key: key.toLowerCase() });
      }
    },
  );
});

describe('parseTextBody: multi-line bodies', () => {
  it('reads one pair per line with \\n, \\r\\n or \\r line ends, blank lines skipped', () => {
    const want = { action: 'sell', symbol: 'XBTUSDTM', price: '64150.5' };
    expect(parseTextBody('action=sell\nsymbol=XBTUSDTM\nprice=64150.5')).toStrictEqual(want);
    expect(parseTextBody('action=sell\r\nsymbol=XBTUSDTM\r\n\r\nprice=64150.5\r\n')).toStrictEqual(want);
    expect(parseTextBody('action=sell\rsymbol=XBTUSDTM\n\n\nprice=64150.5')).toStrictEqual(want);
  });

  it('keeps spaces inside the value when the whole line is one pair', () => {
    expect(parseTextBody('action=sell\ncomment=take profit now')).toStrictEqual({
      action: 'sell',
      comment: 'take profit now',
    });
  });

  it('accepts key = value with spaces around = and trims the value', () => {
    expect(parseTextBody('action = buy\n  comment =  rsi bounce  \n')).toStrictEqual({
      action: 'buy',
      comment: 'rsi bounce',
    });
  });

  it('accepts key: value on its own line (a space after the colon)', () => {
    expect(parseTextBody('action: buy\ncomment:   two words')).toStrictEqual({
      action: 'buy',
      comment: 'two words',
    });
  });

  it('does not read key:value without the space as a pair', () => {
    // `comment:x` is a bare word; the action is already set, so it is dropped
    expect(parseTextBody('action=buy\ncomment:x')).toStrictEqual({ action: 'buy' });
    expect(parseTextBody('symbol=X\nsell')).toStrictEqual({ symbol: 'X', action: 'sell' });
    // a line that does not start with a key is split into words, whatever follows
    expect(parseTextBody('action=buy\n1a=b c')).toStrictEqual({ action: 'buy', symbol: 'c' });
  });

  it('splits a line that holds several pairs', () => {
    expect(parseTextBody('a=1 b=2\nc=3')).toStrictEqual({ a: '1', b: '2', c: '3' });
    expect(parseTextBody('a=1, b=2\nc=x y')).toStrictEqual({ a: '1', b: '2', c: 'x y' });
    expect(parseTextBody('comment=a b=c\nd=1')).toStrictEqual({ comment: 'a', b: 'c', d: '1' });
    expect(parseTextBody('a=1 bb=2\nc=3')).toStrictEqual({ a: '1', bb: '2', c: '3' });
    // a space before the second `=` still marks a second key: the line is split into words
    expect(parseTextBody('x=1\ncomment=a b =c')).toStrictEqual({
      x: '1',
      comment: 'a',
      action: 'b',
      symbol: '=c',
    });
  });

  it('keeps & ; , inside the value of a line that holds one key (no space before a second key)', () => {
    expect(parseTextBody('comment=rock&roll;now,then\naction=buy')).toStrictEqual({
      comment: 'rock&roll;now,then',
      action: 'buy',
    });
  });

  it('reads the one-line form on the first line and pairs below it', () => {
    expect(parseTextBody('BUY BTCUSDT.P\nprice=65000\ncomment=first entry')).toStrictEqual({
      action: 'BUY',
      symbol: 'BTCUSDT.P',
      price: '65000',
      comment: 'first entry',
    });
  });

  it('reads `key: value` only on its own line: on a one-line body the words are bare', () => {
    // one line: `comment:` and `take` and `profit` are three bare words
    const e = parseError(() => parseTextBody('comment: take profit'));
    expect(e.code).toBe('malformed_body');
    // the same words on one line with = and spaces: only the first word is the value
    expect(parseTextBody('comment=take profit now')).toStrictEqual({
      comment: 'take',
      action: 'profit',
      symbol: 'now',
    });
  });
});

describe('parseTextBody: the one-line form ACTION SYMBOL key=value', () => {
  it('takes the first bare word as the action and the second as the symbol', () => {
    expect(parseTextBody('buy KUCOIN:XBTUSDTM price=65000.5')).toStrictEqual({
      price: '65000.5',
      action: 'buy',
      symbol: 'KUCOIN:XBTUSDTM',
    });
    expect(parseTextBody('price=1 close XBTUSDTM')).toStrictEqual({
      price: '1',
      action: 'close',
      symbol: 'XBTUSDTM',
    });
  });

  it('a lone bare word is the action only', () => {
    const r = parseTextBody('flat');
    expect(r).toStrictEqual({ action: 'flat' });
    expect(Object.keys(r)).toEqual(['action']);
  });

  it('explicit action= and symbol= win over the bare words', () => {
    expect(parseTextBody('buy XBTUSDTM action=sell')).toStrictEqual({ action: 'sell', symbol: 'XBTUSDTM' });
    expect(parseTextBody('buy XBTUSDTM symbol=ETHUSDTM')).toStrictEqual({
      symbol: 'ETHUSDTM',
      action: 'buy',
    });
    expect(parseTextBody('action=sell symbol=ETHUSDTM buy XBTUSDTM')).toStrictEqual({
      action: 'sell',
      symbol: 'ETHUSDTM',
    });
  });

  it('refuses a third bare word and names up to three of the unexpected words (40 characters each)', () => {
    const e = parseError(() => parseTextBody('buy XBTUSDTM now'));
    expect(e.code).toBe('malformed_body');
    expect(e.message).toBe('text body must be key=value pairs or "ACTION SYMBOL key=value ..."');
    expect(e.details).toEqual({ unexpected: ['now'] });

    const long = 'w'.repeat(50);
    expect(parseError(() => parseTextBody(`buy XBTUSDTM ${long} b c d e`)).details).toEqual({
      unexpected: ['w'.repeat(40), 'b', 'c'],
    });
  });
});

describe('parseTextBody: at most 64 fields', () => {
  const pairs = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=${i}`);

  it('accepts 64 distinct keys and refuses 65', () => {
    expect(Object.keys(parseTextBody(pairs(64).join('&')))).toHaveLength(64);
    const e = parseError(() => parseTextBody(pairs(65).join('&')));
    expect(e.code).toBe('malformed_body');
    expect(e.message).toBe('more than 64 fields');
  });

  it('counts the bare words with the pairs', () => {
    expect(Object.keys(parseTextBody(['buy', 'X', ...pairs(62)].join(' ')))).toHaveLength(64);
    expect(parseError(() => parseTextBody(['buy', 'X', ...pairs(63)].join(' '))).message).toBe(
      'more than 64 fields',
    );
    expect(Object.keys(parseTextBody(['buy', ...pairs(63)].join('\n')))).toHaveLength(64);
  });

  it('counts a repeated key once', () => {
    expect(parseTextBody(Array.from({ length: 200 }, () => 'price=1').join('\n'))).toStrictEqual({
      price: '1',
    });
  });

  it('stops at the 65th field, before reading the rest (a forbidden key after it is not reached)', () => {
    expect(parseError(() => parseTextBody([...pairs(65), '__proto__=1'].join(' '))).message).toBe(
      'more than 64 fields',
    );
  });
});
