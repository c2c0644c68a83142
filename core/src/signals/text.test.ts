import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseErrorOf } from './testing.ts';
import { parseTextBody } from './text.ts';

// Every expected value below is written by hand from the documented text format (text.ts): key=value
// pairs split on new lines, `&`, `;`, `,` or spaces; a value runs to the separators before the next
// `key=` (so it may hold spaces) or is quoted; `key: value` and `key = value` at the start of a line of a
// multi-line body; the one-line form `ACTION SYMBOL key=value ...`. None comes from the code.

const parseError = parseErrorOf;

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

  it('refuses a key repeated with another value, naming it (which one was meant cannot be known)', () => {
    for (const body of ['price=1 price=2', 'Price=1\nprice=1.0', 'price=1 comment=a b price=2']) {
      const e = parseError(() => parseTextBody(body));
      expect(e.code).toBe('invalid_payload');
      expect(e.message).toBe('"price" is given twice, with different values');
      expect(e.details).toEqual({ field: 'price' });
    }
    // the same value twice is one field
    expect(parseTextBody('price=1 PRICE=1')).toStrictEqual({ price: '1' });
  });

  it('a key smuggled into a value with spaces cannot overrule the key written out', () => {
    // {{strategy.order.comment}} expanded to "flip qty=9": qty is given twice
    const e = parseError(() => parseTextBody('sell XBTUSDTM qty=2 comment=flip qty=9'));
    expect(e.details).toEqual({ field: 'qty' });
  });

  it('a real name smuggled into a value cannot overrule the alias written out (qty= beside contracts=)', () => {
    // the README's one-line form writes qty=; {{strategy.order.comment}} expanded to "tp contracts=5"
    // was size 5 (the real name wins over an alias), the qty=2 written out silently dropped
    for (const [body, keys, field] of [
      ['sell XBTUSDTM secret=s comment=tp contracts=5 qty=2', ['contracts', 'qty'], 'contracts'],
      ['sell XBTUSDTM secret=s qty=2 comment=tp contracts=5', ['qty', 'contracts'], 'contracts'],
      ['side=buy symbol=XBTUSDTM comment=flip action=sell', ['side', 'action'], 'action'],
      [
        'buy XBTUSDTM strategy.order.price=65000 comment=x price=1',
        ['strategy.order.price', 'price'],
        'price',
      ],
      ['buy XBTUSDTM passphrase=alpha comment=x secret=bravo', ['passphrase', 'secret'], 'secret'],
    ] as const) {
      const e = parseError(() => parseTextBody(body));
      expect(e.code).toBe('invalid_payload');
      expect(e.message).toBe(
        `${JSON.stringify(keys[0])} and ${JSON.stringify(keys[1])} both give ${field}, with different values`,
      );
      expect(e.details).toEqual({ field });
      expect(`${e.message} ${JSON.stringify(e.details)}`).not.toMatch(/alpha|bravo/);
    }
    // the same value under both names is one field
    expect(parseTextBody('buy X qty=2 contracts=2')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      qty: '2',
      contracts: '2',
    });
    // the leading words are written out and win over an alias (close, and the order's side): the alias
    // is dropped, in any case and under each of its names; `ticker=` stays (the symbol goes by precedence)
    expect(parseTextBody('close XBTUSDTM order_action=sell')).toStrictEqual({
      action: 'close',
      symbol: 'XBTUSDTM',
    });
    expect(
      parseTextBody('CLOSE XBTUSDTM Side=close strategy.order.action=close ticker=BTCUSDT.P'),
    ).toStrictEqual({
      action: 'CLOSE',
      symbol: 'XBTUSDTM',
      ticker: 'BTCUSDT.P',
    });
  });

  it('never echoes the values of a repeated secret', () => {
    const e = parseError(() => parseTextBody('secret=alpha secret=bravo'));
    expect(e.details).toEqual({ field: 'secret' });
    expect(`${e.message} ${JSON.stringify(e.details)}`).not.toMatch(/alpha|bravo/);
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
    // `comment:x` is a bare word, so the first one: the action, which action=buy already gives
    expect(parseError(() => parseTextBody('action=buy\ncomment:x')).details).toEqual({ field: 'action' });
    expect(parseTextBody('symbol=X\nsell')).toStrictEqual({ symbol: 'X', action: 'sell' });
    // a line that does not start with a key is split into words, whatever follows
    expect(parseTextBody('price=1\n1a=b c')).toStrictEqual({ price: '1', action: '1a=b', symbol: 'c' });
  });

  it('splits a line that holds several pairs', () => {
    expect(parseTextBody('a=1 b=2\nc=3')).toStrictEqual({ a: '1', b: '2', c: '3' });
    expect(parseTextBody('a=1, b=2\nc=x y')).toStrictEqual({ a: '1', b: '2', c: 'x y' });
    expect(parseTextBody('comment=a b=c\nd=1')).toStrictEqual({ comment: 'a', b: 'c', d: '1' });
    expect(parseTextBody('a=1 bb=2\nc=3')).toStrictEqual({ a: '1', bb: '2', c: '3' });
    // a space before the second `=`: `b =c` is not a key, so it is part of the value
    expect(parseTextBody('x=1\ncomment=a b =c')).toStrictEqual({ x: '1', comment: 'a b =c' });
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
    // the same words on one line with =: the value runs to the end of the line
    expect(parseTextBody('comment=take profit now')).toStrictEqual({ comment: 'take profit now' });
  });
});

describe('parseTextBody: the one-line form ACTION SYMBOL key=value', () => {
  it('takes the first bare word as the action and the second as the symbol', () => {
    expect(parseTextBody('buy KUCOIN:XBTUSDTM price=65000.5')).toStrictEqual({
      price: '65000.5',
      action: 'buy',
      symbol: 'KUCOIN:XBTUSDTM',
    });
    expect(parseTextBody('close XBTUSDTM price=1')).toStrictEqual({
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

  it('action= and symbol= may repeat the words in any case; a different one is refused, naming it', () => {
    expect(parseTextBody('buy XBTUSDTM action=BUY symbol=xbtusdtm')).toStrictEqual({
      action: 'BUY',
      symbol: 'xbtusdtm',
    });
    for (const [body, field] of [
      ['buy XBTUSDTM action=sell', 'action'],
      ['buy XBTUSDTM symbol=ETHUSDTM', 'symbol'],
      ['action=sell\nsymbol=ETHUSDTM\nbuy ETHUSDTM', 'action'],
      // {{strategy.order.comment}} expanded to "flip action=sell"
      ['buy XBTUSDTM comment=flip action=sell', 'action'],
    ] as const) {
      const e = parseError(() => parseTextBody(body));
      expect(e.code).toBe('invalid_payload');
      expect(e.message).toBe(`"${field}" is given twice, with different values`);
      expect(e.details).toEqual({ field });
    }
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

describe('parseTextBody: the unexpected words never show a secret', () => {
  it('stops the list before a word that names the secret, its aliases in any case', () => {
    for (const body of [
      'buy XBTUSDTM secret hunter2',
      'buy XBTUSDTM secret:hunter2',
      'buy XBTUSDTM Passphrase: hunter2',
      'buy XBTUSDTM TOKEN hunter2 more',
    ]) {
      const e = parseError(() => parseTextBody(body));
      expect(e.code).toBe('malformed_body');
      expect(e.details).toEqual({ unexpected: [] });
    }
    expect(parseError(() => parseTextBody('buy XBTUSDTM now secret hunter2')).details).toEqual({
      unexpected: ['now'],
    });
    // a word that only starts like one is shown
    expect(parseError(() => parseTextBody('buy XBTUSDTM tokens')).details).toEqual({
      unexpected: ['tokens'],
    });
  });

  it('stops before a word that holds a secret name inside it, or a name=value of its own', () => {
    for (const [body, shown] of [
      // a message that is not quite JSON (text before the brace)
      ['Alert {"action": "buy", "secret": "hunter2"}', ['"buy"']],
      ['buy XBTUSDTM\n"secret": "hunter2"', []],
      ['buy XBTUSDTM now webhook_secret hunter2', ['now']],
      ['buy XBTUSDTM mySecret:hunter2', []],
      ['buy XBTUSDTM api_key hunter2', []],
      ['buy XBTUSDTM now x-webhook-key=hunter2', ['now']],
    ] as const) {
      const e = parseError(() => parseTextBody(body));
      expect(e.code).toBe('malformed_body');
      expect(e.details).toEqual({ unexpected: shown });
      expect(JSON.stringify(e.details)).not.toContain('hunter2');
    }
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

describe('parseTextBody: a value with spaces runs to the next key=', () => {
  it('reads the comment TradingView expands with spaces on a one-line alert', () => {
    expect(parseTextBody('buy KUCOIN:XBTUSDTM secret=s3cret comment=Long entry on breakout')).toStrictEqual({
      action: 'buy',
      symbol: 'KUCOIN:XBTUSDTM',
      secret: 's3cret',
      comment: 'Long entry on breakout',
    });
  });

  it('ends the value at the next key= (comment "take profit 1", qty 2)', () => {
    expect(parseTextBody('sell XBTUSDTM comment=take profit 1 qty=2')).toStrictEqual({
      action: 'sell',
      symbol: 'XBTUSDTM',
      comment: 'take profit 1',
      qty: '2',
    });
  });

  it('reads several values with spaces, each ending at the next key', () => {
    expect(
      parseTextBody(
        'buy XBTUSDTM id=Long Entry comment=Breakout, retest & go time=2024-05-01T12:00:05Z price=65000.5',
      ),
    ).toStrictEqual({
      action: 'buy',
      symbol: 'XBTUSDTM',
      id: 'Long Entry',
      comment: 'Breakout, retest & go',
      time: '2024-05-01T12:00:05Z',
      price: '65000.5',
    });
  });

  it('still splits on &, ; and , when a key follows them', () => {
    expect(parseTextBody('comment=take profit;qty=2&price=65000.5, interval=15')).toStrictEqual({
      comment: 'take profit',
      qty: '2',
      price: '65000.5',
      interval: '15',
    });
  });

  it('trims the value and drops separators at its end, keeping the ones inside', () => {
    expect(parseTextBody('buy X comment=   two  spaces, inside ;& ')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      comment: 'two  spaces, inside',
    });
  });

  it('keeps key=value text that follows = directly (not after a separator) in the value', () => {
    expect(parseTextBody('sell X comment=rsi=30 crossed down qty=2')).toStrictEqual({
      action: 'sell',
      symbol: 'X',
      comment: 'rsi=30 crossed down',
      qty: '2',
    });
  });

  it('a key inside a line is written key= (a space before = makes it part of the value)', () => {
    expect(parseTextBody('sell X comment=a b =c qty=2')).toStrictEqual({
      action: 'sell',
      symbol: 'X',
      comment: 'a b =c',
      qty: '2',
    });
  });

  it('ends a value with spaces at the names TradingView and the notices use, and at their aliases', () => {
    expect(
      parseTextBody('close XBTUSDTM comment=trail hit strategy.order.id=Long Entry order_action=sell'),
    ).toStrictEqual({
      action: 'close',
      symbol: 'XBTUSDTM',
      comment: 'trail hit',
      'strategy.order.id': 'Long Entry',
    });
    expect(parseTextBody('type=volatility message=ATR doubled on 15m severity=warning')).toStrictEqual({
      type: 'volatility',
      message: 'ATR doubled on 15m',
      severity: 'warning',
    });
  });

  it('a one-word value before any key= splits as before (unknown keys too)', () => {
    expect(parseTextBody('buy X comment=dip rsi=30 note=x')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      comment: 'dip',
      rsi: '30',
      note: 'x',
    });
  });

  it('the action and symbol come first: after the first key= the words belong to the value', () => {
    expect(parseTextBody('price=1 close XBTUSDTM')).toStrictEqual({ price: '1 close XBTUSDTM' });
    // a third bare word before the first pair is still refused
    expect(parseError(() => parseTextBody('buy XBTUSDTM Long entry comment=x')).details).toEqual({
      unexpected: ['Long', 'entry'],
    });
  });

  it('keeps spaces on a line of a multi-line body that holds several pairs', () => {
    expect(
      parseTextBody(
        'BUY BTCUSDT.P\ncomment=first entry on breakout qty=2\nid=Long Entry\naction = buy tf=15',
      ),
    ).toStrictEqual({
      action: 'buy',
      symbol: 'BTCUSDT.P',
      comment: 'first entry on breakout',
      qty: '2',
      id: 'Long Entry',
      tf: '15',
    });
    expect(parseTextBody('action=sell\ncomment: take profit qty=2')).toStrictEqual({
      action: 'sell',
      comment: 'take profit',
      qty: '2',
    });
  });
});

describe('parseTextBody: a value in double quotes', () => {
  it('reads "take profit" without the quotes', () => {
    expect(parseTextBody('sell XBTUSDTM comment="take profit" qty=2')).toStrictEqual({
      action: 'sell',
      symbol: 'XBTUSDTM',
      comment: 'take profit',
      qty: '2',
    });
  });

  it('keeps key= text, separators and outer spaces inside the quotes as they are', () => {
    expect(parseTextBody('sell X comment="buy when rsi=30, then; qty=9 " qty=2')).toStrictEqual({
      action: 'sell',
      symbol: 'X',
      comment: 'buy when rsi=30, then; qty=9 ',
      qty: '2',
    });
    expect(parseTextBody('buy X comment= "  padded" ')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      comment: '  padded',
    });
  });

  it('reads an empty pair of quotes as an empty value', () => {
    expect(parseTextBody('buy X comment="" qty=1')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      comment: '',
      qty: '1',
    });
  });

  it('reads the quotes as text when the next quote is not followed by the end or a separator and key=', () => {
    // a quoted value holds no quote: the first one after the opening quote closes it or nothing does
    expect(parseTextBody('buy X comment="He said "go" now" qty=1')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      comment: '"He said "go" now"',
      qty: '1',
    });
    expect(parseTextBody('buy X comment="Big" move qty=2')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      comment: '"Big" move',
      qty: '2',
    });
    expect(parseTextBody('buy X comment="unclosed qty=2')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      comment: '"unclosed',
      qty: '2',
    });
    // an unclosed quote does not swallow the pairs up to a later quoted value
    expect(parseTextBody('buy X comment="x y qty=2 id="z"')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      comment: '"x y',
      qty: '2',
      id: 'z',
    });
    expect(parseTextBody('buy X comment=5" screen qty=2')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      comment: '5" screen',
      qty: '2',
    });
  });

  it('quotes work on a line of a multi-line body and after key = at its start', () => {
    expect(parseTextBody('sell X\ncomment = "take profit" qty=2\nid="Long Entry"')).toStrictEqual({
      action: 'sell',
      symbol: 'X',
      comment: 'take profit',
      qty: '2',
      id: 'Long Entry',
    });
  });
});

describe('parseTextBody: a value with spaces that runs into a key we do not know is refused', () => {
  it('is a 422 invalid_payload naming the field and the key it ran into', () => {
    const e = parseError(() => parseTextBody('sell XBTUSDTM comment=buy when rsi=30 qty=2'));
    expect(e.code).toBe('invalid_payload');
    expect(e.details).toEqual({ field: 'comment', next: 'rsi' });
    expect(e.message).toBe(
      'the value of "comment" has spaces and runs into "rsi=", which is not a field: quote the value (comment="...") or rename the key',
    );
  });

  it('counts &, ; and , inside the value as spaces', () => {
    expect(parseError(() => parseTextBody('comment=rock&roll x=1')).details).toEqual({
      field: 'comment',
      next: 'x',
    });
  });

  it('quoting the value or a one-word value is not refused', () => {
    expect(parseTextBody('sell X comment="buy when" rsi=30')).toStrictEqual({
      action: 'sell',
      symbol: 'X',
      comment: 'buy when',
      rsi: '30',
    });
  });

  it('never echoes the value (a secret with spaces)', () => {
    const e = parseError(() => parseTextBody('buy X secret=my hidden words rsi=30'));
    expect(e.details).toEqual({ field: 'secret', next: 'rsi' });
    expect(`${e.message} ${JSON.stringify(e.details)}`).not.toMatch(/hidden|words/);
  });

  it('a forbidden key after a value with spaces is refused as forbidden', () => {
    expect(parseError(() => parseTextBody('buy X comment=a b __proto__=1')).code).toBe('forbidden_key');
    // inside quotes it is text, not a key
    expect(parseTextBody('buy X comment="a __proto__=1"')).toStrictEqual({
      action: 'buy',
      symbol: 'X',
      comment: 'a __proto__=1',
    });
  });
});

describe('parseTextBody: values with spaces, properties', () => {
  it('gives back any quoted value without a quote or a line break, exactly', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }).filter((v) => !/["\r\n]/.test(v)),
        (v) => {
          expect(parseTextBody(`sell XBTUSDTM comment="${v}" qty=2`)).toStrictEqual({
            action: 'sell',
            symbol: 'XBTUSDTM',
            comment: v,
            qty: '2',
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('gives back any unquoted value of words without =, trimmed', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9 .:!'()#%+-]{0,60}$/), (v) => {
        expect(parseTextBody(`buy XBTUSDTM id=${v} comment=${v} qty=2`)).toStrictEqual({
          action: 'buy',
          symbol: 'XBTUSDTM',
          id: v.trim(),
          comment: v.trim(),
          qty: '2',
        });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseTextBody: long values take linear time', () => {
  // A search that retried every space of a long run would take minutes here.
  it('reads a 60,000-space value and 30,000 quotes within the test timeout', () => {
    const spaces = ' '.repeat(60_000);
    expect(parseTextBody(`comment=a${spaces}b${spaces}c`)).toStrictEqual({
      comment: `a${spaces}b${spaces}c`,
    });
    const quotes = '" '.repeat(30_000);
    expect(parseTextBody(`comment="${quotes}x`)).toStrictEqual({ comment: `"${quotes}x` });
    const pairs = Array.from({ length: 10_000 }, () => 'a="x').join(' ');
    expect(parseTextBody(pairs)).toStrictEqual({ a: '"x' });
  }, 5_000);
});
