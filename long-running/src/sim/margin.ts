import {
  fundingFee,
  initialMargin,
  liquidationPrice,
  notionalValue,
  tradingFee,
  unrealisedPnl,
} from '@enigma/core/contract/math';
import { riskTierFor } from '@enigma/core/contract/specs';
import { alignToTick, Money } from '@enigma/core/money';
import Decimal from 'decimal.js';
import type { SimEngine } from './engine.ts';
import { SimError } from './errors.ts';
import { fillOrder } from './fills.ts';
import { cancelOrderObject, newOrder } from './order-flow.ts';
import { parseOrderInput, ZERO } from './order-input.ts';
import type { SimPosition } from './types.ts';

/** Margin and risk: order and position margin, account figures, liquidation and funding settlement. */

const ns = (ms: number) => ms * 1_000_000;

/** Figures of the USDT account. */
export type AccountSummary = ReturnType<typeof accountSummary>;

/**
 * Maintenance rate of a position: isolated, the selected risk-limit level's (KUCOIN.md §3.9); cross, the
 * tier its notional falls in (KuCoin's cross formula is unpublished).
 */
export function maintenanceRate(e: SimEngine, p: SimPosition): Decimal {
  const m = e.market(p.symbol);
  if (p.marginMode === 'ISOLATED')
    return m.spec.riskLimits[e.settingsOf(p.symbol).riskLimitLevel - 1]!.maintainMargin;
  return riskTierFor(m.spec, notionalValue(m.spec, p.qty, p.entryPrice)).maintainMargin;
}

/** Liquidation price: exact for isolated, indicative (this position alone) for cross. */
export function liquidationPriceOf(e: SimEngine, p: SimPosition): Decimal {
  if (p.qty === 0) return ZERO;
  const m = e.market(p.symbol);
  const mmr = maintenanceRate(e, p);
  if (p.marginMode === 'ISOLATED')
    return liquidationPrice(m.spec, p.qty, p.entryPrice, p.isolatedMargin, mmr);
  const a = accountSummary(e);
  const own = unrealisedPnl(m.spec, p.qty, p.entryPrice, m.mark);
  const base = a.totalCrossMargin.minus(a.crossOrderMargin).minus(own);
  const qm = new Money(Math.abs(p.qty)).mul(m.spec.multiplier);
  const px =
    p.qty > 0
      ? p.entryPrice
          .mul(qm)
          .minus(base)
          .div(qm.mul(new Money(1).minus(mmr)))
      : base.plus(p.entryPrice.mul(qm)).div(qm.mul(new Money(1).plus(mmr)));
  return Decimal.max(px, ZERO);
}

/**
 * Liquidate isolated positions level by level and cross positions at maintenance (see `liquidateIsolated`
 * and `checkCrossLiquidation`).
 */
export function checkLiquidations(e: SimEngine, now: number): void {
  for (const p of [...e.positions.values()])
    if (p.qty !== 0 && p.marginMode === 'ISOLATED') liquidateIsolated(e, p, now);
  checkCrossLiquidation(e, now);
}

/**
 * Tiered liquidation of an isolated position whose mark reached its liquidation price (KuCoin, "What Is
 * Risk Limit Level on KuCoin Futures?" 2022, and Help Center /support/26685810193433): above level 1 the
 * position is reduced at the mark by what exceeds the next lower level's limit (value − that limit, in
 * whole lots, rounded up), the level drops one and the maintenance rate with it; that repeats while the
 * mark is still at the new liquidation price. At level 1 the whole position goes at its bankruptcy price.
 */
function liquidateIsolated(e: SimEngine, p: SimPosition, now: number): void {
  const m = e.market(p.symbol);
  const st = e.settingsOf(p.symbol);
  while (p.qty !== 0) {
    const lp = liquidationPriceOf(e, p);
    if (p.qty > 0 ? m.mark.gt(lp) : m.mark.lt(lp)) return;
    if (st.riskLimitLevel <= 1) {
      const bankrupt = p.entryPrice.plus(
        p.isolatedMargin.div(new Money(Math.abs(p.qty)).mul(m.spec.multiplier)).mul(p.qty > 0 ? -1 : 1),
      );
      liquidate(e, p, alignToTick(Decimal.max(bankrupt, m.spec.tickSize), m.spec.tickSize), now);
      return;
    }
    const lower = m.spec.riskLimits[st.riskLimitLevel - 2]!;
    const price = alignToTick(m.mark, m.spec.tickSize);
    const excess = notionalValue(m.spec, p.qty, price).minus(lower.maxRiskLimit);
    const lots = excess.gt(0)
      ? Math.min(Math.abs(p.qty), excess.div(price.mul(m.spec.multiplier)).ceil().toNumber())
      : 0;
    st.riskLimitLevel = lower.level;
    e.emit({
      channel: 'private',
      topic: `/contract/position:${p.symbol}`,
      subject: 'position.adjustRiskLimit',
      data: { success: true, riskLimitLevel: lower.level, msg: '' },
    });
    if (lots > 0) liquidate(e, p, price, now, lots);
  }
}

/** Cross positions are liquidated when the cross margin falls to their maintenance margin. */
function checkCrossLiquidation(e: SimEngine, now: number): void {
  const cross = [...e.positions.values()].filter((p) => p.qty !== 0 && p.marginMode === 'CROSS');
  if (cross.length === 0) return;
  const a = accountSummary(e);
  let mm = ZERO;
  for (const p of cross) {
    const m = e.market(p.symbol);
    mm = mm.plus(notionalValue(m.spec, p.qty, m.mark).mul(maintenanceRate(e, p)));
  }
  if (a.totalCrossMargin.lte(mm)) for (const p of cross) liquidate(e, p, e.market(p.symbol).mark, now);
}

/**
 * Close `lots` of a position (all of it by default) by the liquidation engine: the symbol's orders are
 * cancelled, then a fill at `price` with tradeType liquid. A whole isolated position loses its margin.
 */
export function liquidate(
  e: SimEngine,
  p: SimPosition,
  price: Decimal,
  now: number,
  lots = Math.abs(p.qty),
): void {
  for (const o of [...e.openOrders])
    if (o.symbol === p.symbol && o.status === 'open') cancelOrderObject(e, o, now);
  const whole = lots >= Math.abs(p.qty);
  const order = newOrder(
    e,
    {
      ...parseOrderInput({
        clientOid: `liq-${e.nextId()}`,
        symbol: p.symbol,
        closeOrder: true,
        type: 'market',
      }),
    },
    { side: p.qty > 0 ? 'sell' : 'buy', size: lots, reduceOnly: true, closeOrder: whole },
  );
  order.isActive = true;
  order.tradeType = 'liquid';
  e.orders.set(order.id, order);
  e.openOrders.add(order);
  // The isolated margin is lost at the bankruptcy price; any remainder is the insurance fund's.
  if (whole && p.marginMode === 'ISOLATED') {
    const m = e.market(p.symbol);
    const gross = price.minus(p.entryPrice).mul(p.qty).mul(m.spec.multiplier);
    const fee = tradingFee(m.spec, lots, price, 'taker');
    const shortfall = gross.neg().plus(fee).minus(p.isolatedMargin);
    if (shortfall.gt(0)) e.wallet = e.wallet.plus(shortfall);
  }
  fillOrder(e, order, lots, price, 'taker', now, 'liquid');
}

/** Settle every funding time passed since the last step (several if the clock jumped). */
export function settleFunding(e: SimEngine, now: number): void {
  for (const [symbol, m] of e.markets) {
    let next = e.nextFunding.get(symbol)!;
    while (now >= next) {
      const rate = new Money(e.fundingRateFor(symbol, next));
      // KuCoin announces the settlement's start and end; here both happen at the settlement instant.
      if (e.isWatched(`/contract/announcement:${symbol}`))
        for (const subject of ['funding.begin', 'funding.end'])
          e.emit({
            channel: 'public',
            topic: `/contract/announcement:${symbol}`,
            subject,
            data: { symbol, fundingTime: next, fundingRate: rate.toNumber(), timestamp: now },
          });
      const p = e.positions.get(symbol);
      if (p && p.qty !== 0) {
        const fee = fundingFee(m.spec, p.qty, m.mark, rate);
        e.wallet = e.wallet.plus(fee);
        if (p.marginMode === 'ISOLATED') p.isolatedMargin = p.isolatedMargin.plus(fee);
        p.realisedPnl = p.realisedPnl.plus(fee);
        p.posFunding = p.posFunding.plus(fee);
        e.fundingRecords.push({
          id: e.fundingRecords.length + 1_472_387_374_042_586,
          symbol,
          timePoint: next,
          fundingRate: rate,
          markPrice: m.mark,
          positionQty: p.qty,
          positionCost: notionalValue(m.spec, p.qty, m.mark),
          funding: fee,
          marginMode: p.marginMode,
        });
        e.emit({
          channel: 'private',
          topic: `/contract/position:${symbol}`,
          subject: 'position.settlement',
          data: {
            fundingTime: next,
            qty: p.qty,
            markPrice: m.mark.toNumber(),
            fundingRate: rate.toNumber(),
            fundingFee: fee.toNumber(),
            ts: ns(now),
            settleCurrency: 'USDT',
          },
        });
        e.emitPosition(p, 'positionChange');
        e.walletDirty = true;
      }
      next += m.spec.fundingRateGranularity;
    }
    e.nextFunding.set(symbol, next);
  }
}

/** Add (positive) or withdraw (negative) isolated margin. */
export function adjustIsolatedMargin(e: SimEngine, symbol: string, amount: Decimal): SimPosition {
  const p = e.positions.get(symbol);
  if (!p || p.qty === 0 || p.marginMode !== 'ISOLATED')
    throw new SimError('300009', 'Position does not exist');
  if (amount.gt(0) && amount.gt(accountSummary(e).available))
    throw new SimError('300003', `Balance insufficient. The order would cost ${amount.toFixed(10)}.`);
  if (amount.lt(0) && amount.neg().gt(maxWithdrawMargin(e, symbol)))
    throw new SimError('300000', 'The withdrawal amount exceeds the maximum');
  p.isolatedMargin = p.isolatedMargin.plus(amount);
  e.emitPosition(p, 'marginChange');
  e.walletDirty = true;
  e.flushWallet();
  return p;
}

/** Isolated margin above the initial margin: what may be withdrawn. */
export function maxWithdrawMargin(e: SimEngine, symbol: string): Decimal {
  const p = e.positions.get(symbol);
  if (!p || p.qty === 0 || p.marginMode !== 'ISOLATED') return ZERO;
  const m = e.market(p.symbol);
  const init = initialMargin(notionalValue(m.spec, p.qty, p.entryPrice), p.leverage);
  return Decimal.max(p.isolatedMargin.minus(init), ZERO);
}

/** Per-symbol margin frozen by active orders: only the part that would open or grow a position. */
export function orderMargin(e: SimEngine, symbol?: string): Decimal {
  let total = ZERO;
  for (const [sym, m] of e.markets) {
    if (symbol && sym !== symbol) continue;
    const pos = e.positions.get(sym)?.qty ?? 0;
    for (const side of ['buy', 'sell'] as const) {
      const orders = [...e.openOrders].filter(
        (o) => o.isActive && o.symbol === sym && o.side === side && !o.reduceOnly && !o.closeOrder,
      );
      let reducible = (side === 'buy' && pos < 0) || (side === 'sell' && pos > 0) ? Math.abs(pos) : 0;
      for (const o of orders) {
        let left = o.size - o.filledSize - o.canceledSize;
        const used = Math.min(left, reducible);
        reducible -= used;
        left -= used;
        if (left <= 0) continue;
        const price = o.price ?? m.mark;
        const notional = notionalValue(m.spec, left, price);
        total = total.plus(initialMargin(notional, o.leverage)).plus(notional.mul(m.spec.takerFeeRate));
      }
    }
  }
  return total;
}

/** Margin, PnL and balance figures of the account (USDT). */
export function accountSummary(e: SimEngine) {
  let isoPosMargin = ZERO;
  let crossPosMargin = ZERO;
  let crossUnPnl = ZERO;
  let isoUnPnl = ZERO;
  for (const p of e.positions.values()) {
    if (p.qty === 0) continue;
    const m = e.market(p.symbol);
    const upnl = unrealisedPnl(m.spec, p.qty, p.entryPrice, m.mark);
    if (p.marginMode === 'CROSS') {
      crossPosMargin = crossPosMargin.plus(initialMargin(notionalValue(m.spec, p.qty, m.mark), p.leverage));
      crossUnPnl = crossUnPnl.plus(upnl);
    } else {
      isoPosMargin = isoPosMargin.plus(p.isolatedMargin);
      isoUnPnl = isoUnPnl.plus(upnl);
    }
  }
  let crossOrderMargin = ZERO;
  let isoOrderMargin = ZERO;
  for (const sym of e.markets.keys()) {
    const om = orderMargin(e, sym);
    if (e.settingsOf(sym).marginMode === 'CROSS') crossOrderMargin = crossOrderMargin.plus(om);
    else isoOrderMargin = isoOrderMargin.plus(om);
  }
  const totalOrderMargin = crossOrderMargin.plus(isoOrderMargin);
  const positionMargin = isoPosMargin.plus(crossPosMargin);
  const unrealised = crossUnPnl.plus(isoUnPnl);
  const available = e.wallet.plus(crossUnPnl).minus(positionMargin).minus(totalOrderMargin);
  const equity = e.wallet.plus(unrealised);
  return {
    wallet: e.wallet,
    equity,
    unrealised,
    crossUnPnl,
    isoUnPnl,
    isoPosMargin,
    crossPosMargin,
    positionMargin,
    orderMargin: totalOrderMargin,
    crossOrderMargin,
    isoOrderMargin,
    available: Decimal.max(available, ZERO),
    totalCrossMargin: e.wallet.minus(isoPosMargin).minus(isoOrderMargin).plus(crossUnPnl),
  };
}
