import { randomUUID } from 'node:crypto';
import type { BusPublisher } from '@enigma/core/bus/index';
import { checkStreamPayload, type SignalEntryInput } from '@enigma/core/streams/catalog';
import { type EnigmaDb, insertSignalIdempotent } from '@enigma/db';

/**
 * What intake does for an accepted alert, for engine tests and benches: the signal row, then its
 * `signals:incoming` entry through the stream catalog. Returns the signal id and the entry (to deliver
 * it again).
 */
export async function postAlert(
  db: EnigmaDb,
  bus: BusPublisher,
  input: Partial<SignalEntryInput> & { action: SignalEntryInput['action'] },
  options: { source?: string; now?: number } = {},
): Promise<{ signalId: string; entry: SignalEntryInput }> {
  const signalId = input.signalId ?? randomUUID();
  const now = options.now ?? Date.now();
  const source = input.source ?? options.source ?? 'tv';
  const entry: SignalEntryInput = {
    signalId,
    source,
    symbol: 'XBTUSDTM',
    interval: '15',
    alertTime: now,
    receivedAt: now,
    price: null,
    size: null,
    orderId: null,
    indicators: {},
    conditions: {},
    route: 'tradingview',
    ...input,
  };
  await insertSignalIdempotent(db, {
    id: signalId,
    idempotencyKey: `test:${signalId}`,
    source,
    status: 'received',
    symbol: entry.symbol,
    action: entry.action,
    receivedAt: new Date(entry.receivedAt),
    alertTime: entry.alertTime ? new Date(entry.alertTime) : null,
  } as Parameters<typeof insertSignalIdempotent>[1]);
  await bus.append('signals:incoming', checkStreamPayload('signals:incoming', entry));
  return { signalId, entry };
}
