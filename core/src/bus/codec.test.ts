import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload } from './codec.ts';
import { BusError } from './types.ts';

describe('encodePayload', () => {
  it('round-trips a plain object', () => {
    const payload = { a: 1, b: 'x', c: [true, null], d: { e: 1.5 } };
    expect(decodePayload(encodePayload(payload))).toEqual(payload);
  });

  it.each([
    ['NaN', { price: Number.NaN }],
    ['Infinity', { size: Number.POSITIVE_INFINITY }],
    ['a function', { f: () => 1 }],
    ['a bigint', { n: 1n }],
    ['an array at the top', [1, 2]],
    ['null', null],
    ['a string', 'x'],
    ['a class instance', new Date(0)],
  ])('rejects %s instead of coercing it', (_, payload) => {
    expect(() => encodePayload(payload)).toThrow(BusError);
  });

  it('rejects cycles with a BusError', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    expect(() => encodePayload(a)).toThrow(/not JSON-serialisable/);
  });

  it('drops undefined properties, as JSON does', () => {
    expect(decodePayload(encodePayload({ a: 1, b: undefined }))).toEqual({ a: 1 });
  });
});
