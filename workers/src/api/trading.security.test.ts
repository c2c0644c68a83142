import { describe, expect, it } from 'vitest';
import { csvCell } from './trading.ts';

// Issue #13: the trades CSV's formula guard let `-2+3+cmd|' /C calc'!A0` through as a "negative number".

describe('CSV formula guard', () => {
  it('defuses every formula-looking cell that is not wholly a number', () => {
    expect(csvCell("-2+3+cmd|' /C calc'!A0")).toBe("'-2+3+cmd|' /C calc'!A0");
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-1e5')).toBe("'-1e5");
    expect(csvCell('\tx')).toBe("'\tx");
  });
  it('leaves plain numbers, dates and text as they are', () => {
    expect(csvCell('-12.5')).toBe('-12.5');
    expect(csvCell('64100.5')).toBe('64100.5');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(new Date(Date.UTC(2024, 4, 1)))).toBe('2024-05-01T00:00:00.000Z');
    expect(csvCell('take profit, now')).toBe('"take profit, now"');
    expect(csvCell(null)).toBe('');
  });
});
