import { ORDER_STATES } from '@enigma/core/engine/order-state';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { TimeZoneProvider } from '../lib/time.tsx';
import type { OrderRow } from '../lib/types.ts';
import { OpenOrders } from './OpenOrders.tsx';

// The open orders panel as the server renders it: "Cancel all" only when the engine's cancel-all
// (entries and manual orders; stops, take-profits and exits stay) would cancel something.

let n = 0;
const order = (purpose: string, over: Partial<OrderRow> = {}): OrderRow => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  clientOid: `oid-${n}`,
  exchangeOrderId: null,
  signalId: null,
  commandId: null,
  symbol: 'XBTUSDTM',
  side: 'sell',
  purpose,
  type: purpose === 'stop' ? 'stop_market' : 'limit',
  price: purpose === 'stop' ? null : '62000',
  stopPrice: purpose === 'stop' ? '58000' : null,
  size: 1,
  filledSize: 0,
  avgFillPrice: null,
  leverage: null,
  marginMode: 'isolated',
  reduceOnly: purpose !== 'entry' && purpose !== 'manual',
  timeInForce: null,
  status: 'open',
  reason: null,
  execStyle: null,
  decisionMid: null,
  estCostBps: null,
  slippageBps: null,
  shortfall: null,
  submittedAt: null,
  doneAt: null,
  createdAt: '2024-05-07T10:00:00.000Z',
  updatedAt: '2024-05-07T10:00:00.000Z',
  ...over,
});

function panel(orders: OrderRow[], role: 'trader' | 'viewer' = 'trader'): string {
  return renderToString(
    createElement(TimeZoneProvider, null, createElement(OpenOrders, { orders, role, onCommand: () => {} })),
  ).replace(/<!-- -->/g, '');
}
/** the "Cancel all" button's text, found by its text (not its test id, which the old button lacked) */
const cancelAll = (html: string) => /<button[^>]*>(Cancel all[^<]*)</.exec(html)?.[1] ?? null;

describe('the open orders panel', () => {
  it('shows no "Cancel all" when only a protective stop and a take-profit rest: it would cancel nothing', () => {
    const html = panel([order('stop'), order('take_profit')]);
    expect(html).toContain('Open orders <span class="muted">(2)</span>');
    expect(cancelAll(html)).toBeNull();
    expect(cancelAll(panel([order('exit', { type: 'market' })]))).toBeNull();
  });

  it('says how many orders it will cancel when entries or manual orders rest beside the protection', () => {
    expect(cancelAll(panel([order('stop'), order('entry'), order('take_profit'), order('manual')]))).toBe(
      'Cancel all (2)',
    );
    expect(cancelAll(panel([order('manual')]))).toBe('Cancel all (1)');
    expect(cancelAll(panel([order('manual')], 'viewer'))).toBeNull();
  });

  it("lists every order the engine's cancel-all takes, intent and unknown too, and says what an unknown one is", () => {
    // one entry in each state, as the dashboard's read could answer: only the live ones are listed
    const html = panel(ORDER_STATES.map((status) => order('entry', { status })));
    expect(html).toContain('Open orders <span class="muted">(5)</span>');
    expect(cancelAll(html)).toBe('Cancel all (5)');
    expect(html).toContain('outcome unknown — being looked up');
    expect(html).toContain('about to be sent');
    expect(html).toContain('partially filled');
    for (const ended of ['>filled<', '>canceled<', '>rejected<']) expect(html).not.toContain(ended);
  });

  it('says "+" when the read answered as many orders as it asked for', () => {
    const html = renderToString(
      createElement(
        TimeZoneProvider,
        null,
        createElement(OpenOrders, {
          orders: [order('entry')],
          capped: true,
          role: 'trader',
          onCommand: () => {},
        }),
      ),
    ).replace(/<!-- -->/g, '');
    expect(html).toContain('Open orders <span class="muted">(1+)</span>');
    expect(cancelAll(html)).toBe('Cancel all (1+)');
  });
});
