import { describe, expect, it } from 'vitest';
import { lastBars, parseCandleCsv } from './candles-csv.ts';

const header = 'time,open,high,low,close,volume';

describe('parseCandleCsv', () => {
  it('reads columns in header order, whatever the column order', () => {
    const c = parseCandleCsv('volume,time,open,high,low,close\n5,1000,1,2,0.5,1.5\n6,2000,1.5,2,1,1.8\n');
    expect(Array.from(c.time)).toEqual([1000, 2000]);
    expect(Array.from(c.volume)).toEqual([5, 6]);
    expect(Array.from(lastBars(c, 1).close)).toEqual([1.8]);
  });

  it('rejects a missing column, a non-number, an empty cell and time going backwards', () => {
    expect(() => parseCandleCsv('time,open,high,low,close\n1,1,1,1,1\n', 'x.csv')).toThrow(
      /x.csv: header must contain .*missing volume/,
    );
    expect(() => parseCandleCsv(`${header}\n1000,1,2,0.5,abc,3\n`)).toThrow(
      /line 2: close is not a finite number/,
    );
    expect(() => parseCandleCsv(`${header}\n1000,1,2,0.5,,3\n`)).toThrow(/line 2: close/);
    expect(() => parseCandleCsv(`${header}\n1000,1,2,0.5,1,3\n1000,1,2,0.5,1,3\n`)).toThrow(
      /line 3: time is not ascending/,
    );
  });
});
