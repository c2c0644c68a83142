import { describe, expect, it } from 'vitest';
import { ticketReferencePrice } from './ticket-price.ts';

describe('the order ticket converts USDT into lots at its own contract’s price', () => {
  it('takes the chart’s last close only while the chart shows the ticket’s contract', () => {
    const chart = { chartSymbol: 'ETHUSDTM', chartLastClose: 3300, ownPrice: null };
    expect(ticketReferencePrice({ ...chart, symbol: 'ETHUSDTM' })).toBe(3300);
    // an XBT ticket over an ETH chart has no price to convert at (never ETH's)
    expect(ticketReferencePrice({ ...chart, symbol: 'XBTUSDTM' })).toBeNull();
  });

  it('prefers the ticket’s own limit or stop price', () => {
    expect(
      ticketReferencePrice({
        symbol: 'XBTUSDTM',
        chartSymbol: 'ETHUSDTM',
        chartLastClose: 3300,
        ownPrice: 95_000,
      }),
    ).toBe(95_000);
  });
});
