import { describe, expect, it } from 'vitest';
import { signalMarks } from './signal-markers.ts';
import type { SignalRow } from './types.ts';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const signal = (over: Partial<SignalRow>): SignalRow => ({
  id: crypto.randomUUID(),
  source: 'tradingview',
  status: 'protected',
  reason: null,
  symbol: 'XBTUSDTM',
  rawSymbol: 'XBTUSDTM',
  action: 'buy',
  interval: '1',
  alertTime: null,
  receivedAt: new Date(T0).toISOString(),
  clientIp: null,
  price: null,
  contracts: null,
  duplicateOf: null,
  score: null,
  payload: {},
  ...over,
});
const at = (ms: number) => new Date(T0 + ms).toISOString();

describe('signalMarks', () => {
  it('one mark per bar, direction and fate: a burst of alerts in a bar is one marker with its count', () => {
    const marks = signalMarks(
      [
        signal({ receivedAt: at(1_000) }),
        signal({ receivedAt: at(2_000), status: 'filled' }),
        signal({ receivedAt: at(3_000), action: 'long' }),
        signal({ receivedAt: at(4_000), action: 'sell', status: 'closed' }),
        signal({ receivedAt: at(5_000), status: 'duplicate' }),
        signal({ receivedAt: at(6_000), status: 'duplicate' }),
        signal({ receivedAt: at(7_000), action: 'sell', status: 'risk_blocked' }),
        signal({ receivedAt: at(8_000), action: 'sell', status: 'stale' }),
        signal({ receivedAt: at(9_000), action: 'close' }),
        signal({ receivedAt: at(60_000) }),
      ],
      'XBTUSDTM',
      60_000,
      T0,
    );
    expect(
      marks.map(({ barMs, direction, accepted, count, text }) => [barMs, direction, accepted, count, text]),
    ).toEqual([
      // two buys and a long, taken: one arrow, their actions differ so it counts them
      [T0, 'up', true, 3, '3 alerts'],
      // two duplicates of buys: grey, their shared status
      [T0, 'up', false, 2, 'duplicate ×2'],
      [T0, 'down', true, 1, 'sell'],
      // a blocked and a stale sell: not traded, two statuses
      [T0, 'down', false, 2, '2 not traded'],
      [T0, 'other', true, 1, 'close'],
      [T0 + 60_000, 'up', true, 1, 'buy'],
    ]);
    expect(new Set(marks.map((m) => m.id)).size).toBe(marks.length);
  });

  it('labels a shared action with its count', () => {
    const marks = signalMarks(
      [signal({ receivedAt: at(0) }), signal({ receivedAt: at(10) }), signal({ receivedAt: at(20) })],
      'XBTUSDTM',
      60_000,
      T0,
    );
    expect(marks.map((m) => m.text)).toEqual(['buy ×3']);
  });

  it("leaves out other contracts' alerts and alerts before the first bar", () => {
    const marks = signalMarks(
      [
        signal({ symbol: 'ETHUSDTM' }),
        signal({ receivedAt: at(-1) }),
        signal({ receivedAt: at(300_000), action: null, status: 'received' }),
      ],
      'XBTUSDTM',
      300_000,
      T0,
    );
    expect(marks.map((m) => [m.barMs, m.direction, m.text])).toEqual([[T0 + 300_000, 'other', 'alert']]);
  });
});
