import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { SignalParseError } from './errors.ts';
import { parseGuardedJson } from './json.ts';
import { assertNoDuplicateKeys } from './json-keys.ts';
import { parseSignalBody } from './payload.ts';
import { fieldOfKey } from './schema.ts';
import { parseErrorOf } from './testing.ts';

const refusal = parseErrorOf;

/** What the intake runs: the scan with the top level read as fields. */
const scan = (text: string) => assertNoDuplicateKeys(text, fieldOfKey);
const fieldOf = (text: string) => refusal(() => scan(text)).details['field'];

describe('assertNoDuplicateKeys', () => {
  it('refuses a top-level key given twice with different values, naming the field and no value', () => {
    const e = refusal(() =>
      scan('{"action":"buy","symbol":"XBTUSDTM","contracts":"2","comment":"x","contracts":"5"}'),
    );
    expect(e.code).toBe('invalid_payload');
    expect(e.details).toStrictEqual({ field: 'contracts' });
    expect(e.message).toBe('"contracts" is given twice, with different values');
    // the secret is a field like the others: named, never shown
    const s = refusal(() => scan('{"secret":"hunter2","comment":"x","secret":"hunter3"}'));
    expect(s.details).toStrictEqual({ field: 'secret' });
    expect(s.message).not.toContain('hunter');
  });

  it('reads the top level as fields: a key and its alias, or one key in two cases, are one field', () => {
    const e = refusal(() => scan('{"qty":"2","comment":"x","contracts":"5"}'));
    expect(e.details).toStrictEqual({ field: 'contracts' });
    expect(e.message).toBe('"qty" and "contracts" both give contracts, with different values');
    expect(fieldOf('{"Contracts":"2","contracts":"5"}')).toBe('contracts');
    expect(fieldOf('{"side":"buy","Action":"sell"}')).toBe('action');
    expect(fieldOf('{"secret":"a","token":"b"}')).toBe('secret');
    // without a mapping, keys are compared as written
    expect(() => assertNoDuplicateKeys('{"qty":"2","contracts":"5","Qty":"3"}')).not.toThrow();
    expect(refusal(() => assertNoDuplicateKeys('{"qty":"2","qty":"5"}')).details).toStrictEqual({
      field: 'qty',
    });
  });

  it('accepts the same value twice, compared as parsed values with their keys sorted', () => {
    for (const text of [
      '{"contracts":"2","contracts":"2"}',
      '{"qty":"2","contracts":"2"}',
      '{"a":2,"a":2.0}',
      '{"a":"a","a":"\\u0061"}',
      '{"a":{"x":[1, 2]},"a": { "x" : [1,2] } }',
      '{"a":null,"a":null,"a":null}',
      // one object, its keys in another order (a 422 while compared as JSON.stringify wrote them)
      '{"a":{"x":1,"y":{"p":1,"q":2}},"a":{"y":{"q":2,"p":1},"x":1}}',
    ])
      expect(() => scan(text), text).not.toThrow();
    for (const text of [
      '{"a":2,"a":"2"}',
      '{"a":{"x":1,"y":2},"a":{"y":2,"x":3}}',
      '{"a":[1,2],"a":[2,1]}',
      '{"a":true,"a":false}',
    ])
      expect(fieldOf(text), text).toBe('a');
  });

  it('counts only keys of the same object: a nested object has its own, whatever their names', () => {
    for (const text of [
      '{"contracts":"2","indicators":{"contracts":5}}',
      '{"indicators":{"rsi":1},"conditions":{"rsi":true}}',
      '{"a":[{"x":1},{"x":2}],"b":{"x":3}}',
      '{"a":{"b":{"c":1},"c":2},"c":3}',
      '{"indicators":{"RSI":1,"rsi":2}}',
      '{"a":{},"b":[],"c":[[],{}],"d":[1,"x",{"a":1}],"e":{"a":{}}}',
    ])
      expect(() => scan(text), text).not.toThrow();
    expect(fieldOf('{"indicators":{"rsi":1,"close":2,"rsi":3},"rsi":4}')).toBe('indicators.rsi');
    expect(fieldOf('{"a":[1,{"x":1},{"x":1,"y":[{"z":1,"z":2}]}]}')).toBe('a.2.y.0.z');
    // a member after a nested object is still compared with the one before it
    expect(fieldOf('{"a":1,"b":{"a":2,"c":{"a":3}},"a":5}')).toBe('a');
    expect(fieldOf('{"a":{"x":1},"a":{"x":2}}')).toBe('a');
  });

  it('reads strings whole: "key": text inside a value is not a key, escapes included', () => {
    for (const text of [
      '{"contracts":"2","comment":"\\"contracts\\":\\"5\\""}',
      '{"comment":"{\\"contracts\\":1,\\"contracts\\":2}","contracts":"2"}',
      '{"comment":"a\\\\","contracts":"2","note":"\\\\\\"contracts\\":"}',
      '{"comment":"}{,:[]","contracts":"2","x":"\\"","y":"\\u0022contracts\\u0022:5"}',
      '{"a\\"b":1,"a\\\\b":2,"a":3}',
    ])
      expect(() => scan(text), text).not.toThrow();
    // a string ending in a backslash escaped: the quote after it closes it, and the next key counts
    expect(fieldOf('{"x":"end\\\\","contracts":"2","y":"\\\\","contracts":"5"}')).toBe('contracts');
    // keys are compared once their escapes are read, as JSON.parse reads them
    expect(fieldOf('{"contracts":"2","\\u0063ontracts":"5"}')).toBe('contracts');
    expect(fieldOf('{"a\\"b":1,"a\\u0022b":2}')).toBe('a"b');
    expect(fieldOf('{"k":{"\\n":1,"\\u000a":2}}')).toBe('k.\n');
  });

  it('shows a long key cut to 64 characters', () => {
    const key = 'k'.repeat(200);
    const e = refusal(() => scan(`{"${key}":1,"${key}":2}`));
    expect(e.details).toStrictEqual({ field: `${'k'.repeat(64)}…` });
    expect(e.message).toBe(`"${'k'.repeat(64)}…" is given twice, with different values`);
    const alias = refusal(() => scan(`{"${key}":1,"${key.toUpperCase()}":2}`));
    expect(alias.message).toBe(
      `"${'k'.repeat(64)}…" and "${'K'.repeat(64)}…" both give ${'k'.repeat(64)}…, with different values`,
    );
    const k64 = 'k'.repeat(64);
    expect(refusal(() => scan(`{"${k64}":1,"${k64}":2}`)).message).toBe(
      `"${k64}" is given twice, with different values`,
    );
    expect(refusal(() => scan(`{"${k64}":1,"${k64.toUpperCase()}":2}`)).details).toStrictEqual({
      field: k64,
    });
  });

  it('throws nothing on an empty object, nor on text that is not JSON (it does not validate)', () => {
    expect(() => scan('{}')).not.toThrow();
    expect(() => scan(' { "a" : { } } ')).not.toThrow();
    for (const text of ['', ':', ',', '}', ']', '"a":1,"a":2', '1,2', 'x:y}'])
      expect(() => assertNoDuplicateKeys(text, fieldOfKey), text).not.toThrow();
  });

  it('finds a repeat at any depth, without recursion', () => {
    const depth = 100_000;
    const deep = `${'{"a":'.repeat(depth)}{"x":1,"x":1}${'}'.repeat(depth)}`;
    expect(() => assertNoDuplicateKeys(deep)).not.toThrow();
    const conflict = `${'{"a":['.repeat(depth)}{"x":1,"x":2}${']}'.repeat(depth)}`;
    const field = refusal(() => assertNoDuplicateKeys(conflict)).details['field'] as string;
    expect(field).toBe(`${'a.0.'.repeat(depth)}x`.slice(0, 64) + '…');
    // within the parser's depth limit, through parseGuardedJson
    const eight = `${'{"a":'.repeat(7)}{"x":1,"y":2,"x":3}${'}'.repeat(7)}`;
    expect(refusal(() => parseGuardedJson(eight)).details).toStrictEqual({
      field: `${'a.'.repeat(7)}x`,
    });
  });

  // A quadratic scan of these bodies takes minutes: the test's timeout is the bound (generous, for a
  // shared machine and mutation runs).
  it('takes time linear in the body, repeats of one large value included', () => {
    // 1.8 MB: 100,000 distinct keys; 0.7 MB of small nested objects
    scan(`{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":"v${i}"`).join(',')}}`);
    scan(`{"l":[${Array.from({ length: 30_000 }, () => '{"a":{"b":1},"b":[2]}').join(',')}]}`);
    // 1 MB of one value padded with spaces, then 50,000 repeats equal to it: each repeat is compared with
    // that value read once (read again for each, it was 50,000 × 1 MB). Counted: the text re-parsed
    // stays within the body's length.
    const padded = `{"a":[1${' '.repeat(1_000_000)}]${',"a":[1]'.repeat(50_000)}}`;
    const parse = vi.spyOn(JSON, 'parse');
    try {
      scan(padded);
      expect(parse).toHaveBeenCalledTimes(50_001);
      expect(parse.mock.calls.reduce((n, [t]) => n + String(t).length, 0)).toBeLessThanOrEqual(padded.length);
    } finally {
      parse.mockRestore();
    }
  }, 15_000);

  it('never refuses what JSON.stringify wrote (no object of it repeats a key)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        assertNoDuplicateKeys(JSON.stringify(v));
        assertNoDuplicateKeys(JSON.stringify(v, null, 2));
      }),
    );
  });

  it('refuses exactly the texts where some object gives one key two different values', () => {
    type V = { leaf: unknown } | { list: V[] } | { entries: [string, V][] };
    const { value } = fc.letrec<{ value: V }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({ leaf: fc.constantFrom(1, 2, '1', 'a"b', '\\', '"k":', null, true) }),
        fc.record({ list: fc.array(tie('value'), { maxLength: 3 }) }),
        fc.record({
          entries: fc.array(fc.tuple(fc.constantFrom('k', 'j', 'K', 'a"b', '\\', ':,{'), tie('value')), {
            maxLength: 4,
          }),
        }),
      ),
    }));
    const ws = fc.constantFrom('', ' ', '\n\t');
    const write = (v: V, sp: string): string =>
      'leaf' in v
        ? JSON.stringify(v.leaf)
        : 'list' in v
          ? `[${v.list.map((x) => write(x, sp)).join(`,${sp}`)}]`
          : `{${sp}${v.entries.map(([k, x]) => `${JSON.stringify(k)}${sp}:${sp}${write(x, sp)}`).join(`${sp},`)}}`;
    const conflicted = (v: V): boolean => {
      if ('leaf' in v) return false;
      if ('list' in v) return v.list.some(conflicted);
      const seen = new Map<string, string>();
      for (const [k, x] of v.entries) {
        if (conflicted(x)) return true;
        const c = JSON.stringify(JSON.parse(write(x, '')));
        if (seen.has(k) && seen.get(k) !== c) return true;
        seen.set(k, seen.get(k) ?? c);
      }
      return false;
    };
    fc.assert(
      fc.property(
        fc.record({ entries: fc.array(fc.tuple(fc.constantFrom('k', 'j'), value)) }),
        ws,
        (v, sp) => {
          const text = write(v, sp);
          JSON.parse(text); // valid JSON
          let refused = false;
          try {
            assertNoDuplicateKeys(text);
          } catch (e) {
            expect(e).toBeInstanceOf(SignalParseError);
            refused = true;
          }
          expect(refused, text).toBe(conflicted(v));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('parseGuardedJson and the parsers refuse a key given twice', () => {
  const expanded = '{"action":"buy","symbol":"XBTUSDTM","contracts":"2","comment":"x","contracts":"5"}';

  it('in a JSON body and in JSON sent as text/plain', () => {
    for (const kind of ['json', 'text'] as const)
      expect(refusal(() => parseSignalBody(expanded, kind))).toMatchObject({
        code: 'invalid_payload',
        details: { field: 'contracts' },
      });
    expect(parseSignalBody(expanded.replace('"5"', '"2"'), 'json').signal.size).toBe('2');
  });

  it('only once the body is known to be JSON, and an object, with no forbidden key', () => {
    expect(refusal(() => parseGuardedJson('{"a":1,"a":2')).code).toBe('malformed_body');
    expect(refusal(() => parseGuardedJson('{"a":1,"a":2,}')).code).toBe('malformed_body');
    expect(refusal(() => parseGuardedJson('[{"a":1,"a":2}]')).code).toBe('malformed_body');
    expect(refusal(() => parseGuardedJson('{"__proto__":1,"__proto__":2}')).code).toBe('forbidden_key');
    expect(refusal(() => parseGuardedJson(`${'['.repeat(9)}{"a":1,"a":2}${']'.repeat(9)}`)).code).toBe(
      'too_deep',
    );
  });
});
