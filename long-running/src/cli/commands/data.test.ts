import { afterAll, describe, expect, it } from 'vitest';
import { parseTime } from './data.ts';

// A machine in New York: a date-time without a zone must still be read as UTC.
const tz = process.env.TZ;
process.env.TZ = 'America/New_York';
afterAll(() => {
  process.env.TZ = tz;
});

describe('enigma data download --from/--to', () => {
  it('reads a date-time without a zone as UTC, not local time', () => {
    expect(new Date(2025, 4, 1, 12).getTime()).not.toBe(Date.UTC(2025, 4, 1, 12)); // the zone took effect
    expect(parseTime('2025-05-01T12:00', 'from')).toBe(Date.UTC(2025, 4, 1, 12));
    expect(parseTime('2025-05-01', 'from')).toBe(Date.UTC(2025, 4, 1));
    expect(parseTime('2025-05-01T14:00+02:00', 'from')).toBe(Date.UTC(2025, 4, 1, 12));
    expect(parseTime('1746100800000', 'to')).toBe(1746100800000);
  });

  it('refuses what is not a date, naming the option', () => {
    expect(() => parseTime('May 1st', 'from')).toThrow(/--from: not a date/);
    expect(() => parseTime('2025-02-30', 'to')).toThrow(/--to: not a date/);
  });
});
