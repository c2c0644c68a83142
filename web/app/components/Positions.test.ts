import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { PositionRow } from '../lib/types.ts';
import { Positions, positionMargin } from './Positions.tsx';

// The positions panel's margin and "P&L % of margin" are over entry notional / the position's leverage.
describe("a position's margin on the dashboard", () => {
  const long = { qty: 4, avgEntryPrice: '50000', leverage: '5' };

  it('is the entry notional over its leverage: 4 lots × 0.001 × 50000 / 5 = 40 USDT', () => {
    expect(positionMargin(long, 0.001)).toBe(40);
    expect(positionMargin({ ...long, qty: -4, leverage: '10' }, 0.001)).toBe(20);
  });

  it('is unknown, not figured at 1×, when the leverage is not known (an adopted position, a mixed scale-in)', () => {
    expect(positionMargin({ ...long, leverage: null }, 0.001)).toBeNull();
    expect(positionMargin({ ...long, leverage: '0' }, 0.001)).toBeNull();
    expect(positionMargin({ ...long, avgEntryPrice: null }, 0.001)).toBeNull();
  });
});

describe("a position's P&L cell", () => {
  const position: PositionRow = {
    id: '00000000-0000-4000-8000-000000000001',
    accountId: null,
    symbol: 'XBTUSDTM',
    qty: 1,
    avgEntryPrice: '60000',
    markPrice: '60000',
    liquidationPrice: '48000',
    leverage: '5',
    marginMode: 'isolated',
    unrealisedPnl: '0',
    realisedPnl: '0',
    fees: '0',
    funding: '-0.001',
    signalId: null,
    stopPrice: '58800',
    stopOrderId: 'stop-1',
    stopConfirmedAt: '2024-05-07T10:00:00.000Z',
    unprotectedSince: null,
    takeProfits: [],
    openedAt: '2024-05-07T10:00:00.000Z',
    updatedAt: '2024-05-07T10:00:00.000Z',
  };
  const cell = (mark: string) => {
    const html = renderToString(
      createElement(Positions, {
        positions: [position],
        role: 'viewer',
        marks: { XBTUSDTM: mark },
        onCommand: () => {},
        onAdd: () => {},
      }),
    );
    return /<td class="pnl ?([a-z]*)" data-testid="position-pnl">(.*?)<\/td>/.exec(
      html.replace(/<!-- -->/g, ''),
    );
  };

  it('reads "0.00 (0.0%)", neither signed nor red, when a tick against the position rounds to zero', () => {
    // 1 lot × 0.001 × −0.1 = −0.0001 USDT on a 12 USDT margin: −0.0008 %
    const [, tone, text] = cell('59999.9')!;
    expect(text).toBe('0.00 <span class="small pct">(0.0%)</span>');
    expect(tone).toBe('');
  });

  it('keeps the sign and colour of a loss that shows', () => {
    const [, tone, text] = cell('59990')!;
    expect(text).toBe('-0.01 <span class="small pct">(-0.1%)</span>');
    expect(tone).toBe('neg');
  });
});
