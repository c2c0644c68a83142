import { describe, expect, it } from 'vitest';
import { parseUtcTime } from './utc-time.ts';

describe('parseUtcTime: UTC unless it says otherwise', () => {
  it.each([
    ['2025-05-01', Date.UTC(2025, 4, 1)],
    ['2025-05-01T12:00', Date.UTC(2025, 4, 1, 12)],
    ['2025-05-01 12:00:05', Date.UTC(2025, 4, 1, 12, 0, 5)],
    ['2025-05-01T12:00:05.123456Z', Date.UTC(2025, 4, 1, 12, 0, 5, 123)],
    ['2025-05-01T12:00:05.5', Date.UTC(2025, 4, 1, 12, 0, 5, 500)],
    ['2025-05-01T14:00+02:00', Date.UTC(2025, 4, 1, 12)],
    ['2025-05-01T07:00-0500', Date.UTC(2025, 4, 1, 12)],
    [' 2025-05-01T12:00Z ', Date.UTC(2025, 4, 1, 12)],
  ])('%s', (text, expected) => {
    expect(parseUtcTime(text)).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '1714564800000',
    '2025-5-1',
    '2025-02-30',
    '2025-13-01T00:00',
    '2025-05-01T25:00',
    '2025-05-01T12',
    '2025-05-01T12:00 PST',
  ])('refuses %j', (text) => {
    expect(parseUtcTime(text)).toBeNaN();
  });
});
