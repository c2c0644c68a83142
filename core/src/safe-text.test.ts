import { describe, expect, it } from 'vitest';
import { findUnsafeText, unsafeTextProblem } from './safe-text.ts';

describe('unsafe text', () => {
  it('names NUL characters and lone surrogates, accepts real Unicode', () => {
    expect(unsafeTextProblem('a\u0000b')).toBe('NUL character');
    expect(unsafeTextProblem('\ud800')).toBe('lone surrogate');
    expect(unsafeTextProblem('x\udc00')).toBe('lone surrogate');
    expect(unsafeTextProblem('\ud83d\ude00 ok é')).toBeNull();
  });
  it('finds the first bad value or key with its path', () => {
    expect(findUnsafeText({ a: 'ok', b: { c: ['x', 'y\u0000'] } })).toEqual({
      path: 'b.c.1',
      problem: 'NUL character',
    });
    expect(findUnsafeText(JSON.parse('{"ok":{"k\\ud800":1}}'))).toEqual({
      path: 'ok.k\ud800',
      problem: 'lone surrogate',
    });
    expect(findUnsafeText('\u0000')).toEqual({ path: '(body)', problem: 'NUL character' });
    expect(findUnsafeText({ a: [1, true, null, 'fine'] })).toBeNull();
  });
});
