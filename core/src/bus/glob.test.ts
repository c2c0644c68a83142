import { describe, expect, it } from 'vitest';
import { globToRegExp, isPattern } from './glob.ts';

describe('glob', () => {
  it('tells patterns from plain channels', () => {
    expect(isPattern('events:*')).toBe(true);
    expect(isPattern('events:order?')).toBe(true);
    expect(isPattern('events:[ab]')).toBe(true);
    expect(isPattern('events:orders')).toBe(false);
    expect(isPattern('events:\\*')).toBe(false);
  });

  it.each([
    ['events:*', 'events:orders', true],
    ['events:*', 'events:', true],
    ['events:*', 'signals:x', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-c]llo', 'hbllo', true],
    ['a.b', 'aXb', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
  ])('%s matches %s: %s', (pattern, channel, expected) => {
    expect(globToRegExp(pattern).test(channel)).toBe(expected);
  });
});
