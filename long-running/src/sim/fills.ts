import { applyFill, initialMargin, notionalValue, tradingFee } from '@enigma/core/contract/math';
import type Decimal from 'decimal.js';
import type { SimAccount } from './account.ts';
import { cancelOrderObject, emitOrder, finish, shrinkReduceOnly } from './matching.ts';
import { ZERO } from './order-input.ts';
import type { SimOrder, SimPosition } from './types.ts';

/**
 * Booking a user fill on the account: position, fees, wallet, fill record, the public trade and private
 * events. `fillOrder` is the fill handler the matching core is built with (see engine.ts).
 */

/** Book one fill of a user order: position, fees, wallet, fill record, public trade and WS events. */
export function fillOrder(
  a: SimAccount,
  order: SimOrder,
  lots: number,
  price: Decimal,
  liquidity: 'maker' | 'taker',
  now: number,
  tradeType: 'trade' | 'liquid' | 'adl' = 'trade',
): void {
  const m = a.market(order.symbol);
  const pos = a.position(order.symbol);
  if (order.reduceOnly) {
    const reducible =
      (order.side === 'buy' && pos.qty < 0) || (order.side === 'sell' && pos.qty > 0) ? Math.abs(pos.qty) : 0;
    lots = Math.min(lots, reducible);
    if (lots <= 0) {
      finish(a.core, order, 'canceled', now);
      return;
    }
  }
  const signed = order.side === 'buy' ? lots : -lots;
  const before = pos.qty;
  if (before === 0) {
    pos.marginMode = a.settingsOf(order.symbol).marginMode;
    pos.leverage = order.leverage;
    pos.realisedGrossPnl = ZERO;
    pos.realisedPnl = ZERO;
    pos.currentComm = ZERO;
    pos.posFunding = ZERO;
    pos.isolatedMargin = ZERO;
    pos.openingTimestamp = now;
    pos.openPrice = price;
  }
  const out = applyFill(m.spec, pos.qty, pos.entryPrice, signed, price);
  // KuCoin charges hidden and iceberg orders the taker rate even when they rest.
  const feeKind =
    liquidity === 'maker' && tradeType === 'trade' && !order.hidden && !order.iceberg ? 'maker' : 'taker';
  const fee = tradingFee(m.spec, lots, price, feeKind);
  const feeRate = feeKind === 'maker' ? m.spec.makerFeeRate : m.spec.takerFeeRate;
  const closeFee = fee.mul(out.closedLots).div(lots);
  const openFee = fee.minus(closeFee);
  if (out.closedLots > 0 && before !== 0)
    pos.isolatedMargin = pos.isolatedMargin.minus(
      pos.isolatedMargin.mul(out.closedLots).div(Math.abs(before)),
    );
  if (out.openedLots > 0) {
    if (out.closedLots > 0) {
      pos.isolatedMargin = ZERO;
      pos.openingTimestamp = now;
      pos.openPrice = price;
      pos.leverage = order.leverage;
    }
    // Each fill brings its own order's initial margin (KuCoin accumulates it; adding at another leverage
    // is not re-booked at the first one).
    pos.isolatedMargin = pos.isolatedMargin.plus(
      initialMargin(notionalValue(m.spec, out.openedLots, price), order.leverage),
    );
  }
  pos.qty = out.qty;
  pos.entryPrice = out.entryPrice;
  pos.realisedGrossPnl = pos.realisedGrossPnl.plus(out.realisedGross);
  pos.realisedPnl = pos.realisedPnl.plus(out.realisedGross).minus(fee);
  pos.currentComm = pos.currentComm.plus(fee);
  a.wallet = a.wallet.plus(out.realisedGross).minus(fee);
  if (!out.realisedGross.isZero()) a.addLedger('RealisedPNL', out.realisedGross.minus(fee), order.symbol);
  order.filledSize += lots;
  order.filledValue = order.filledValue.plus(notionalValue(m.spec, lots, price));
  order.fee = order.fee.plus(fee);
  order.updatedAt = now;
  const tradeId = a.core.ids.next();
  a.fills.push({
    tradeId,
    orderId: order.id,
    symbol: order.symbol,
    side: order.side,
    liquidity,
    price,
    size: lots,
    value: notionalValue(m.spec, lots, price),
    fee,
    feeRate,
    openFeePay: openFee,
    closeFeePay: closeFee,
    stop: order.stop,
    marginMode: pos.marginMode,
    orderType: order.type,
    displayType: order.stop ? (`${order.type}_stop` as const) : order.type,
    tradeType,
    time: now,
  });
  a.core.handlers.trade(
    m,
    price,
    lots,
    liquidity === 'taker' ? order.side : order.side === 'buy' ? 'sell' : 'buy',
    now,
    liquidity === 'taker' ? order.id : '',
    liquidity === 'maker' ? order.id : '',
  );
  emitOrder(a.core, order, 'match', now, { price, lots, tradeId, liquidity });
  if (before !== 0 && (pos.qty === 0 || Math.sign(pos.qty) !== Math.sign(before)))
    recordClose(a, pos, before, price, now, tradeType === 'liquid');
  a.emitPosition(
    pos,
    tradeType === 'liquid' ? 'liquidation' : tradeType === 'adl' ? 'adl' : 'positionChange',
  );
  a.walletDirty = true;
  if (order.filledSize + order.canceledSize >= order.size) finish(a.core, order, 'filled', now);
  if (Math.abs(pos.qty) < Math.abs(before)) shrinkReduceOnly(a.core, order.symbol, now);
}

/** Record a closed (or liquidated) position; with `cancelStopsOnClose`, cancel its leftover TP/SL stops. */
export function recordClose(
  a: SimAccount,
  pos: SimPosition,
  before: number,
  price: Decimal,
  now: number,
  liquid: boolean,
): void {
  const long = before > 0;
  a.closedPositions.push({
    closeId: a.core.ids.next(),
    symbol: pos.symbol,
    leverage: pos.leverage,
    type: liquid ? (long ? 'LIQUID_LONG' : 'LIQUID_SHORT') : long ? 'CLOSE_LONG' : 'CLOSE_SHORT',
    side: long ? 'LONG' : 'SHORT',
    pnl: pos.realisedPnl,
    realisedGrossCost: pos.realisedGrossPnl.neg(),
    tradeFee: pos.currentComm,
    fundingFee: pos.posFunding,
    openTime: pos.openingTimestamp,
    closeTime: now,
    openPrice: pos.openPrice,
    closePrice: price,
    marginMode: pos.marginMode,
    liquidPrice: liquid ? price : null,
  });
  // Whether TP/SL stops die with their position is undocumented; by default they stay (users report
  // stale ones left behind), `cancelStopsOnClose` restores the kinder behaviour.
  if (!a.core.behaviour.cancelStopsOnClose) return;
  for (const o of [...a.core.openOrders])
    if (o.symbol === pos.symbol && o.stop && !o.stopTriggered && o.status === 'open' && o.reduceOnly)
      cancelOrderObject(a.core, o, now);
}
