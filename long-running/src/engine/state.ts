import { isTerminal, type OrderState } from '@enigma/core/engine/order-state';
import type { OrderRow, PositionRow } from '@enigma/db';

/** The fields of an order row the engine's in-memory view needs. */
interface Tracked {
  id: string;
  clientOid: string;
  symbol: string;
  side: 'buy' | 'sell';
  purpose: string;
  type: string;
  size: number;
  filledSize: number;
  status: OrderState;
  /** lots of this order's fills the ledger has applied to the position */
  applied: number;
}

/** Purposes whose fills move the position as the engine decided (protection's fills are not expected). */
const DECIDED = new Set(['entry', 'exit', 'flatten', 'manual']);

/**
 * The engine's in-memory view of its account, so a decision reads no database and calls no exchange:
 * each contract's confirmed position (what the ledger has applied from fills, or what reconciliation set)
 * and every order that is still live or whose fills the ledger has not applied yet.
 *
 * The engine is the only writer of both (one engine per account, under the lease), so the view is kept
 * by the writers themselves: the executor tracks every order row it writes, the ledger reports each
 * applied fill and the new position in the same synchronous step (never half of it), reconciliation
 * loads the whole view from the database.
 *
 * `expectedQty` is the position once the orders already decided have filled: the confirmed quantity
 * plus what is still to come of each decided order. Deciding against it lets signals of one contract
 * be decided one after another without waiting for the previous one's fills, without counting an
 * order twice (a target alert repeated while the first order is in flight trades nothing).
 */
export class AccountState {
  private readonly qty = new Map<string, number>();
  private readonly orders = new Map<string, Tracked>();
  /** clientOids of orders that finished with every fill applied and were forgotten (oldest first). */
  private readonly settled = new Set<string>();
  /** Lots a running router algorithm will still send (a TWAP's slices with no order row yet), by signal. */
  private readonly algos = new Map<string, { symbol: string; qty: number }>();
  /**
   * Changes whenever an expected position can have changed (a position, an order, a reservation): a
   * decision that read the view compares it before it acts on what it read.
   */
  version = 0;

  /** Replace the view with the database's (reconciliation; `applied` = lots of fills recorded per order id). */
  load(positions: readonly PositionRow[], live: readonly OrderRow[], applied: ReadonlyMap<string, number>) {
    this.version++;
    this.qty.clear();
    for (const p of positions) if (p.qty !== 0) this.qty.set(p.symbol, p.qty);
    this.orders.clear();
    for (const o of live) this.put(o, applied.get(o.id) ?? 0);
  }

  /** The confirmed position of a contract (signed lots). */
  confirmedQty(symbol: string): number {
    return this.qty.get(symbol) ?? 0;
  }

  /**
   * A routed leg's lots that no order row holds yet (signed): a TWAP's later slices. Counted in the
   * expected position, so a signal decided while the TWAP runs sees the position it is heading for.
   * Each call replaces the key's reservation; 0 removes it.
   */
  reserveAlgo(key: string, symbol: string, qty: number): void {
    this.version++;
    if (qty === 0) this.algos.delete(key);
    else this.algos.set(key, { symbol, qty });
  }

  /**
   * Confirmed position plus what the decided orders still to fill will add (signed lots). With
   * `resting: false`, an operator's order that rests on the book (a limit or stop order of the ticket,
   * live) counts only what it has filled: a signal is planned against the position the account has and
   * is heading for, not one an order far from the market may never make. Risk counts it whole.
   * `except`: an order (by clientOid) left out — an unsent order judged again as a proposal, whose own
   * row must not count twice.
   */
  expectedQty(
    symbol: string,
    { resting = true, except }: { resting?: boolean; except?: string } = {},
  ): number {
    let q = this.confirmedQty(symbol);
    for (const a of this.algos.values()) if (a.symbol === symbol) q += a.qty;
    for (const o of this.orders.values()) {
      if (o.symbol !== symbol || !DECIDED.has(o.purpose) || o.clientOid === except) continue;
      const rests = o.purpose === 'manual' && o.type !== 'market' && !isTerminal(o.status);
      const q0 = rests && !resting ? Math.max(0, o.filledSize - o.applied) : this.pending(o);
      q += o.side === 'buy' ? q0 : -q0;
    }
    return q;
  }

  /** Every contract's expected position (signed lots, zeros left out). */
  expectedPositions(): Map<string, number> {
    const out = new Map<string, number>();
    const symbols = [
      ...this.qty.keys(),
      ...[...this.orders.values()].map((o) => o.symbol),
      ...[...this.algos.values()].map((a) => a.symbol),
    ];
    for (const s of new Set(symbols)) {
      const q = this.expectedQty(s);
      if (q !== 0) out.set(s, q);
    }
    return out;
  }

  /** Live orders of a contract counted as KuCoin limits them: limit orders and stop orders. */
  openOrders(symbol: string): { limit: number; stop: number } {
    let limit = 0;
    let stop = 0;
    for (const o of this.orders.values()) {
      if (o.symbol !== symbol || isTerminal(o.status)) continue;
      if (o.type === 'limit') limit++;
      else if (o.type.startsWith('stop')) stop++;
    }
    return { limit, stop };
  }

  /**
   * Record an order row as written (insert or update). Writes can land out of order (an order's answer is
   * written while its fills are applied): a row older than what the view holds changes nothing.
   */
  track(row: OrderRow): void {
    // An order that finished with its fills applied and was forgotten: a late write about it (even a
    // live-looking one, the answer written after the fills) must not bring it back as still to come.
    if (this.settled.has(row.clientOid)) return;
    const known = this.orders.get(row.clientOid);
    if (!known && isTerminal(row.status as OrderState)) return;
    if (known && isTerminal(known.status) && !isTerminal(row.status as OrderState)) return;
    this.put(row, known?.applied ?? 0);
  }

  /** The ledger applied `lots` of order `orderId`'s fills and the contract's position is now `qty`. */
  applied(symbol: string, qty: number, orderId: string | null, lots: number): void {
    this.setQty(symbol, qty);
    if (!orderId) return;
    for (const o of this.orders.values()) {
      if (o.id !== orderId) continue;
      o.applied += lots;
      this.forgetIfSettled(o);
      return;
    }
  }

  /** Reconciliation set the contract's position to the exchange's. */
  setQty(symbol: string, qty: number): void {
    this.version++;
    if (qty === 0) this.qty.delete(symbol);
    else this.qty.set(symbol, qty);
  }

  private put(row: OrderRow, applied: number): void {
    const o: Tracked = {
      id: row.id,
      clientOid: row.clientOid,
      symbol: row.symbol,
      side: row.side,
      purpose: row.purpose,
      type: row.type,
      size: row.size,
      filledSize: row.filledSize,
      status: row.status as OrderState,
      applied,
    };
    this.version++;
    this.orders.set(row.clientOid, o);
    this.forgetIfSettled(o);
  }

  /** Lots still to come into the position: all of a live order's unfilled size, a finished one's unapplied fills. */
  private pending(o: Tracked): number {
    const final = isTerminal(o.status) ? o.filledSize : o.size;
    return Math.max(0, final - o.applied);
  }

  private forgetIfSettled(o: Tracked): void {
    if (!isTerminal(o.status) || this.pending(o) !== 0) return;
    this.orders.delete(o.clientOid);
    this.settled.add(o.clientOid);
    // Bounded: the oldest go first (a late write arrives within seconds, not after 100,000 orders).
    if (this.settled.size > 100_000) this.settled.delete(this.settled.values().next().value!);
  }
}
