import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_OID_KINDS, type ClientOidKind, clientOidFor } from './client-oid.ts';

const KINDS = Object.keys(CLIENT_OID_KINDS) as ClientOidKind[];
const CAUSE = '123e4567-e89b-12d3-a456-426614174000';
/** KuCoin's clientOid: at most 40 characters of letters, digits, `_` and `-`. */
const KUCOIN = /^[A-Za-z0-9_-]{1,40}$/;
/** The largest sequence that fits: 40 − 1 − 32 = 7 base-36 digits. */
const MAX_SEQ = 36 ** 7 - 1;

const arbUuid = fc.uuid();
const arbSeq = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: MAX_SEQ }));

describe('clientOidFor', () => {
  it('is the kind letter, the 32 hex digits of the cause and the sequence in base 36 (by hand)', () => {
    expect(clientOidFor('open', CAUSE)).toBe('o123e4567e89b12d3a4564266141740000');
    expect(clientOidFor('close', CAUSE, 1)).toBe('c123e4567e89b12d3a4564266141740001');
    expect(clientOidFor('stop', CAUSE, 35)).toBe('s123e4567e89b12d3a456426614174000z');
    expect(clientOidFor('takeProfit', CAUSE, 36)).toBe('t123e4567e89b12d3a45642661417400010');
    expect(clientOidFor('flatten', CAUSE, 0)).toBe('x123e4567e89b12d3a4564266141740000');
    expect(clientOidFor('command', CAUSE, 0)).toBe('m123e4567e89b12d3a4564266141740000');
  });

  it('the kind letters are distinct', () => {
    expect(new Set(Object.values(CLIENT_OID_KINDS)).size).toBe(KINDS.length);
  });

  it('≤ 40 characters of KuCoin’s charset, for every kind and sequence up to the largest that fits', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), arbUuid, arbSeq, (kind, cause, seq) => {
        expect(clientOidFor(kind, cause, seq)).toMatch(KUCOIN);
      }),
      { numRuns: 1000 },
    );
    expect(clientOidFor('takeProfit', CAUSE, MAX_SEQ)).toHaveLength(40);
  });

  it('refuses a sequence that would make it longer than 40 characters', () => {
    expect(() => clientOidFor('open', CAUSE, MAX_SEQ + 1)).toThrow(RangeError);
    expect(() => clientOidFor('open', CAUSE, Number.MAX_SAFE_INTEGER)).toThrow(RangeError);
  });

  it('is deterministic: a restart computes the same id; the UUID’s case does not matter', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), arbUuid, arbSeq, (kind, cause, seq) => {
        const a = clientOidFor(kind, cause, seq);
        expect(clientOidFor(kind, cause, seq)).toBe(a);
        expect(clientOidFor(kind, cause.toUpperCase(), seq)).toBe(a);
      }),
      { numRuns: 500 },
    );
  });

  it('distinct causes, kinds or sequences give distinct ids', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.constantFrom(...KINDS), arbUuid, arbSeq),
        fc.tuple(fc.constantFrom(...KINDS), arbUuid, arbSeq),
        ([k1, c1, s1], [k2, c2, s2]) => {
          const same = k1 === k2 && c1.toLowerCase() === c2.toLowerCase() && s1 === s2;
          expect(clientOidFor(k1, c1, s1) === clientOidFor(k2, c2, s2)).toBe(same);
        },
      ),
      { numRuns: 1000 },
    );
    // the same cause: every kind × the first 400 sequences are all different
    const all = new Set<string>();
    for (const k of KINDS) for (let s = 0; s < 400; s++) all.add(clientOidFor(k, CAUSE, s));
    expect(all.size).toBe(KINDS.length * 400);
  });

  it('refuses a cause that is not a UUID and a sequence that is not a whole number ≥ 0', () => {
    for (const cause of [
      '',
      'abc',
      `${CAUSE}0`,
      CAUSE.replaceAll('-', ''),
      ' 123e4567-e89b-12d3-a456-426614174000',
    ]) {
      expect(() => clientOidFor('open', cause), JSON.stringify(cause)).toThrow(RangeError);
    }
    for (const seq of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clientOidFor('open', CAUSE, seq), String(seq)).toThrow(RangeError);
    }
  });
});
