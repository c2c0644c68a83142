import type { AcceptedSignalRow } from '../repositories/intake-signals.ts';

let seq = 0;

/**
 * An accepted TradingView alert's row as intake writes it, for the repository tests: fresh id and key,
 * a receipt time one millisecond after the previous row's (rows sort in the order they were made),
 * and `extra` over the rest.
 */
export function acceptedSignalRow(extra: Partial<AcceptedSignalRow> = {}): AcceptedSignalRow {
  seq++;
  return {
    id: crypto.randomUUID(),
    idempotencyKey: `key-${crypto.randomUUID()}`,
    sourceId: null,
    source: 'tradingview',
    status: 'received',
    symbol: 'XBTUSDTM',
    rawSymbol: 'XBTUSDTM',
    action: 'buy',
    receivedAt: new Date(Date.UTC(2026, 11, 6, 12, 0, 1) + seq),
    payload: { order_id: `o-${seq}` },
    price: '64150.5',
    metadata: { route: 'tradingview' },
    ...extra,
  };
}
