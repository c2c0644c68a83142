import { cancelledByCancelAll } from '@enigma/core/signals/commands';
import { api } from '../lib/api.ts';
import { price } from '../lib/market.ts';
import { useTime } from '../lib/time.tsx';
import type { OrderRow, Role } from '../lib/types.ts';
import { ConfirmButton } from './ConfirmButton.tsx';
import { PanelTable } from './PanelTable.tsx';

/**
 * Orders still working at the exchange, with cancel and cancel-all (confirmed). "Cancel all" shows only
 * when there is an order it would cancel (an entry or a manual one: `cancelledByCancelAll`, what the
 * engine's cancel-all takes), and says how many; protective stops, take-profits and exits stay.
 */
export function OpenOrders(props: {
  orders: OrderRow[];
  /** the read failed: say so rather than "No open orders" */
  unavailable?: boolean;
  role: Role;
  onCommand(label: string, result: { ok: boolean; error: string | null; data?: unknown }): void;
}) {
  const { format } = useTime();
  const canTrade = props.role !== 'viewer';
  const cancellable = props.orders.filter((o) => cancelledByCancelAll(o)).length;
  const others = props.orders.length - cancellable;
  return (
    <section className="card" aria-labelledby="orders-title" data-testid="orders-panel">
      <h2 id="orders-title">
        Open orders <span className="muted">({props.unavailable ? '?' : props.orders.length})</span>
        {canTrade && cancellable > 0 ? (
          <ConfirmButton
            className="danger small right"
            testId="cancel-all"
            confirmLabel={`Cancel ${cancellable} order${cancellable === 1 ? '' : 's'}${others > 0 ? `, keep ${others} stop/TP/exit` : ''}?`}
            onConfirm={async () =>
              props.onCommand(
                'cancel all',
                await api('/orders/cancel-all', {
                  method: 'POST',
                  body: {},
                  idempotencyKey: crypto.randomUUID(),
                }),
              )
            }
          >
            Cancel all ({cancellable})
          </ConfirmButton>
        ) : null}
      </h2>
      <PanelTable
        columns={['Time', 'Symbol', 'Side', 'Type', 'Price', 'Filled', 'Status', canTrade && 'Cancel']}
        empty={
          props.unavailable
            ? 'Could not load the open orders (retrying).'
            : props.orders.length === 0
              ? 'No open orders.'
              : null
        }
      >
        {props.orders.map((o) => (
          <tr key={o.id}>
            <td>{format(o.createdAt ?? null)}</td>
            <th scope="row">{o.symbol}</th>
            <td className={o.side === 'buy' ? 'pos' : 'neg'}>{o.side}</td>
            <td>
              {o.type}
              {o.reduceOnly ? ' · RO' : ''}
              {o.purpose !== 'entry' ? ` · ${o.purpose}` : ''}
            </td>
            <td>{price(o.symbol, o.price ?? o.stopPrice)}</td>
            <td>
              {o.filledSize}/{o.size}
            </td>
            <td>{o.status}</td>
            {/* the actions column: at the card's right edge on a phone, as the positions' */}
            {canTrade && o.purpose === 'stop' ? (
              <td className="actions">
                <span
                  className="muted small"
                  data-testid="stop-kept"
                  title="The engine keeps every open position's stop (a cancelled one is placed again): move it with TP/SL on the position, or close the position"
                >
                  kept
                </span>
              </td>
            ) : canTrade ? (
              <td className="actions">
                <ConfirmButton
                  className="small"
                  testId="cancel-order"
                  confirmLabel="Sure?"
                  onConfirm={async () =>
                    props.onCommand(
                      `cancel ${o.symbol}`,
                      await api(`/orders/${encodeURIComponent(o.exchangeOrderId ?? o.id)}`, {
                        method: 'DELETE',
                        idempotencyKey: crypto.randomUUID(),
                      }),
                    )
                  }
                >
                  Cancel
                </ConfirmButton>
              </td>
            ) : null}
          </tr>
        ))}
      </PanelTable>
    </section>
  );
}
