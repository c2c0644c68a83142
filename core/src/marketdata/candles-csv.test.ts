import { describe, expect, it } from 'vitest';
import { parseCandlesCsv } from './candles-csv.ts';

const header = 'time,open,high,low,close,volume';

describe('parseCandlesCsv', () => {
  it('reads columns by header name, in any order and case, CRLF or LF', () => {
    expect(
      parseCandlesCsv('Volume,time,open,high,low,close\r\n5,1000,1,2,0.5,1.5\r\n6,2000,1.5,2,1,1.8\r\n'),
    ).toEqual([
      { time: 1000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 5 },
      { time: 2000, open: 1.5, high: 2, low: 1, close: 1.8, volume: 6 },
    ]);
  });

  it('needs a volume column unless told it is optional (then 0)', () => {
    expect(() => parseCandlesCsv('time,open,high,low,close\n1,1,1,1,1\n', 'x.csv')).toThrow(
      /x.csv: header must contain time,open,high,low,close,volume, missing volume/,
    );
    expect(
      parseCandlesCsv('time,open,high,low,close\n1,1,1,1,1\n', 'x', { volume: 'optional' })[0]?.volume,
    ).toBe(0);
  });

  it('refuses a non-number, an empty cell and a time that does not ascend, naming the line', () => {
    expect(() => parseCandlesCsv(`${header}\n1000,1,2,0.5,abc,3\n`)).toThrow(
      /line 2: close is not a finite number/,
    );
    expect(() => parseCandlesCsv(`${header}\n1000,1,2,0.5,,3\n`)).toThrow(/line 2: close/);
    expect(() => parseCandlesCsv(`${header}\n1000,1,2,0.5,Infinity,3\n`)).toThrow(/line 2: close/);
    expect(() => parseCandlesCsv(`${header}\n1000,1,2,0.5,1,3\n1000,1,2,0.5,1,3\n`)).toThrow(
      /line 3: time is not ascending/,
    );
  });
});
