import { LIVE_ORDER_STATES } from '@enigma/core/engine/order-state';
import { cancelledByCancelAll } from '@enigma/core/signals/commands';
import { api } from '../lib/api.ts';
import { price } from '../lib/market.ts';
import { useTime } from '../lib/time.tsx';
import type { OrderRow, Role } from '../lib/types.ts';
import { ConfirmButton } from './ConfirmButton.tsx';
import { PanelTable } from './PanelTable.tsx';

const LIVE: ReadonlySet<string> = new Set(LIVE_ORDER_STATES);

/**
 * A live order's status as the panel says it. `intent`, `submitting` and `unknown` are not yet known to
 * rest at KuCoin, but may: an `unknown` order's answer was lost and the engine looks it up by its
 * clientOid (never sending it again), so a limit order of that state may well be working.
 */
export function orderStatusText(status: string): { text: string; title?: string } {
  switch (status) {
    case 'intent':
      return {
        text: 'about to be sent',
        title:
          'Recorded before its request goes to KuCoin (or left so by a crash: looked up before it is given up)',
      };
    case 'submitting':
      return { text: 'sending', title: 'Sent to KuCoin, its answer not yet in' };
    case 'unknown':
      return {
        text: 'outcome unknown — being looked up',
        title:
          "KuCoin's answer was lost: the engine looks the order up by its clientOid and never sends it again. It may be resting at KuCoin.",
      };
    case 'partially_filled':
      return { text: 'partially filled' };
    default:
      return { text: status };
  }
}

/**
 * Orders still working at the exchange, or whose outcome is unknown (core's LIVE_ORDER_STATES, the
 * states the engine's cancel-all takes), with cancel and cancel-all (confirmed). "Cancel all" shows only
 * when there is an order it would cancel (an entry or a manual one: `cancelledByCancelAll`, what the
 * engine's cancel-all takes), and says how many; protective stops, take-profits and exits stay.
 */
export function OpenOrders(props: {
  /** `GET /api/orders?live=true`: rows of any other status are left out here too */
  orders: OrderRow[];
  /** the read answered as many orders as it asked for: there may be more than shown ("500+") */
  capped?: boolean;
  /** the read failed: say so rather than "No open orders" */
  unavailable?: boolean;
  role: Role;
  onCommand(label: string, result: { ok: boolean; error: string | null; data?: unknown }): void;
}) {
  const { format } = useTime();
  const canTrade = props.role !== 'viewer';
  const orders = props.orders.filter((o) => LIVE.has(o.status));
  const more = props.capped ? '+' : '';
  const cancellable = orders.filter((o) => cancelledByCancelAll(o)).length;
  const others = orders.length - cancellable;
  return (
    <section className="card" aria-labelledby="orders-title" data-testid="orders-panel">
      <h2 id="orders-title">
        Open orders <span className="muted">({props.unavailable ? '?' : `${orders.length}${more}`})</span>
        {canTrade && cancellable > 0 ? (
          <ConfirmButton
            className="danger small right"
            testId="cancel-all"
            confirmLabel={`Cancel ${cancellable}${more} order${cancellable === 1 && !more ? '' : 's'}${others > 0 ? `, keep ${others}${more} stop/TP/exit` : ''}?`}
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
            {`Cancel all (${cancellable}${more})`}
          </ConfirmButton>
        ) : null}
      </h2>
      <PanelTable
        columns={['Time', 'Symbol', 'Side', 'Type', 'Price', 'Filled', 'Status', canTrade && 'Cancel']}
        empty={
          props.unavailable
            ? 'Could not load the open orders (retrying).'
            : orders.length === 0
              ? 'No open orders.'
              : null
        }
      >
        {orders.map((o) => {
          const status = orderStatusText(o.status);
          return (
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
              <td className={o.status === 'unknown' ? 'warn' : undefined} title={status.title}>
                {status.text}
              </td>
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
          );
        })}
      </PanelTable>
    </section>
  );
}
