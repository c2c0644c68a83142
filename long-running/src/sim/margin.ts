import {
  fundingFee,
  initialMargin,
  liquidationPrice,
  notionalValue,
  tradingFee,
  unrealisedPnl,
} from '@enigma/core/contract/math';
import { riskTierFor } from '@enigma/core/contract/specs';
import { alignToTick, Money, toMoney } from '@enigma/core/money';
import Decimal from 'decimal.js';
import { newOrder, type SimAccount } from './account.ts';
import { badParam, SimError } from './errors.ts';
import { fillOrder } from './fills.ts';
import type { SymbolMarket } from './market-state.ts';
import { cancelOrderObject, store } from './matching.ts';
import { parseOrderInput, ZERO } from './order-input.ts';
import type { SimOrder, SimPosition } from './types.ts';

/**
 * The account's margin and risk: order and position margin, account figures, admission by margin,
 * liquidation, ADL, funding settlement, deposits and the wallet push — all over the account (account.ts).
 */

const ns = (ms: number) => ms * 1_000_000;

/** Figures of the USDT account. */
export type AccountSummary = ReturnType<typeof accountSummary>;

/**
 * Maintenance rate of a position: isolated, the selected risk-limit level's (KUCOIN.md §3.9); cross, the
 * tier its notional falls in (KuCoin's cross formula is unpublished).
 */
export function maintenanceRate(a: SimAccount, p: SimPosition): Decimal {
  const m = a.market(p.symbol);
  if (p.marginMode === 'ISOLATED')
    return m.spec.riskLimits[a.settingsOf(p.symbol).riskLimitLevel - 1]!.maintainMargin;
  return riskTierFor(m.spec, notionalValue(m.spec, p.qty, p.entryPrice)).maintainMargin;
}

/** Liquidation price: exact for isolated; for cross, the mark at which the risk rate would reach 100 %. */
export function liquidationPriceOf(a: SimAccount, p: SimPosition): Decimal {
  if (p.qty === 0) return ZERO;
  const m = a.market(p.symbol);
  const mmr = maintenanceRate(a, p);
  if (p.marginMode === 'ISOLATED')
    return liquidationPrice(m.spec, p.qty, p.entryPrice, p.isolatedMargin, mmr);
  return crossPrices(a, p).liquidation;
}

/**
 * Cross liquidation and bankruptcy price of one position, the rest of the account held where it is (KuCoin
 * calls the cross liquidation price a reference only, S8). With X the margin the position can lose
 * (everything but its own PnL, less what the rest needs), long BP = E − X/(q·m), LP = BP / (1 − MMR − taker
 * fee); short BP = E + X/(q·m), LP = BP / (1 + MMR + taker fee). The relation LP = BP / (1 − MMR − fee) is
 * what KuCoin's own cross position shows (CCXT's recorded sample in kucoin.js fetchPositionsADLRank:
 * bankruptPrice 52110.87 / (1 − 0.0040000133 − 0.0006) = liquidationPrice 52351.69).
 */
export function crossPrices(a: SimAccount, p: SimPosition): { liquidation: Decimal; bankruptcy: Decimal } {
  const m = a.market(p.symbol);
  const r = crossRisk(a);
  const own = r.items.find((i) => i.position === p)!;
  const upnl = unrealisedPnl(m.spec, p.qty, p.entryPrice, m.mark);
  const need = r.numerator.minus(own.value.mul(own.mmr.plus(own.feeRate)));
  const spare = r.denominator.minus(upnl).minus(need);
  const qm = new Money(Math.abs(p.qty)).mul(m.spec.multiplier);
  const rate = own.mmr.plus(own.feeRate);
  const long = p.qty > 0;
  const bankruptcy = long ? p.entryPrice.minus(spare.div(qm)) : p.entryPrice.plus(spare.div(qm));
  const liquidation = long
    ? bankruptcy.div(new Money(1).minus(rate))
    : bankruptcy.div(new Money(1).plus(rate));
  return { liquidation: Decimal.max(liquidation, ZERO), bankruptcy: Decimal.max(bankruptcy, ZERO) };
}

/** One term of the cross risk rate: a position, or the open-order exposure of one contract. */
export interface CrossRiskItem {
  value: Decimal;
  mmr: Decimal;
  feeRate: Decimal;
  /** An order exposure (its opening fee is taken off the margin too). */
  order: boolean;
  position?: SimPosition;
}

/**
 * KuCoin's cross-margin risk rate (Help Center "Risk Rate of Cross Margin Mode", /support/35233217061785):
 * (Σ position MM + MM of the orders' expected fills + expected closing fees) / (total cross margin −
 * expected opening fees). Closing fees are taken on positions and order fills alike, as in KuCoin's worked
 * example. Orders are cancelled at 95 %, positions liquidated at 100 %.
 */
export function crossRiskRate(items: CrossRiskItem[], totalCrossMargin: Decimal) {
  let numerator = ZERO;
  let openFees = ZERO;
  for (const i of items) {
    numerator = numerator.plus(i.value.mul(i.mmr)).plus(i.value.mul(i.feeRate));
    if (i.order) openFees = openFees.plus(i.value.mul(i.feeRate));
  }
  const denominator = totalCrossMargin.minus(openFees);
  const rate = denominator.lte(0) ? new Money(Number.POSITIVE_INFINITY) : numerator.div(denominator);
  return { rate, numerator, denominator };
}

/** The account's cross risk: its terms (cross positions at the mark, hedged order exposure) and the rate. */
export function crossRisk(a: SimAccount) {
  const items: CrossRiskItem[] = [];
  for (const [sym, m] of a.core.markets) {
    if (a.settingsOf(sym).marginMode !== 'CROSS') continue;
    const p = a.positions.get(sym);
    if (p && p.qty !== 0 && p.marginMode === 'CROSS')
      items.push({
        value: notionalValue(m.spec, p.qty, m.mark),
        mmr: maintenanceRate(a, p),
        feeRate: m.spec.takerFeeRate,
        order: false,
        position: p,
      });
    const value = crossOrderValue(a, sym);
    if (value.gt(0))
      items.push({
        value,
        mmr: riskTierFor(m.spec, value).maintainMargin,
        feeRate: m.spec.takerFeeRate,
        order: true,
      });
  }
  return { items, ...crossRiskRate(items, accountSummary(a).totalCrossMargin) };
}

/**
 * Value of a cross contract's open orders beyond its position, hedged as KuCoin charges it (Help Center
 * "Cross Margin", /support/35084093025049): max(|position + same-side orders|, |opposite-side orders|) less
 * the position itself. `extra` counts one more order (what admitting it would add).
 */
export function crossOrderValue(a: SimAccount, symbol: string, extra?: SimOrder): Decimal {
  const m = a.market(symbol);
  const qty = a.positions.get(symbol)?.qty ?? 0;
  let buy = ZERO;
  let sell = ZERO;
  const orders = new Set(a.core.openOrders);
  if (extra) orders.add(extra);
  for (const o of orders) {
    if (o.symbol !== symbol || o.reduceOnly || o.closeOrder) continue;
    if (o !== extra && !o.isActive) continue;
    const left = o.size - o.filledSize - o.canceledSize;
    if (left <= 0) continue;
    const v = notionalValue(m.spec, left, o.price ?? m.mark);
    if (o.side === 'buy') buy = buy.plus(v);
    else sell = sell.plus(v);
  }
  const pos = notionalValue(m.spec, qty, m.mark);
  const [same, opposite] = qty < 0 ? [sell, buy] : [buy, sell];
  return Decimal.max(Decimal.max(pos.plus(same), opposite).minus(pos), ZERO);
}

/** Margin (initial margin at the cross leverage plus the opening fee) that cross orders of a contract freeze. */
export function crossOrderMargin(a: SimAccount, symbol: string, extra?: SimOrder): Decimal {
  const value = crossOrderValue(a, symbol, extra);
  const m = a.market(symbol);
  return initialMargin(value, a.settingsOf(symbol).crossLeverage).plus(value.mul(m.spec.takerFeeRate));
}

/**
 * Liquidate isolated positions level by level and cross positions at maintenance (see `liquidateIsolated`
 * and `checkCrossLiquidation`).
 */
export function checkLiquidations(a: SimAccount, now: number): void {
  for (const p of [...a.positions.values()])
    if (p.qty !== 0 && p.marginMode === 'ISOLATED') liquidateIsolated(a, p, now);
  checkCrossLiquidation(a, now);
}

/**
 * Tiered liquidation of an isolated position whose mark reached its liquidation price (KuCoin, "What Is
 * Risk Limit Level on KuCoin Futures?" 2022, and Help Center /support/26685810193433): above level 1 the
 * position is reduced at the mark by what exceeds the next lower level's limit (value − that limit, in
 * whole lots, rounded up), the level drops one and the maintenance rate with it; that repeats while the
 * mark is still at the new liquidation price. At level 1 the whole position goes at its bankruptcy price.
 */
function liquidateIsolated(a: SimAccount, p: SimPosition, now: number): void {
  const m = a.market(p.symbol);
  const st = a.settingsOf(p.symbol);
  while (p.qty !== 0) {
    const lp = liquidationPriceOf(a, p);
    if (p.qty > 0 ? m.mark.gt(lp) : m.mark.lt(lp)) return;
    if (st.riskLimitLevel <= 1) {
      const bankrupt = p.entryPrice.plus(
        p.isolatedMargin.div(new Money(Math.abs(p.qty)).mul(m.spec.multiplier)).mul(p.qty > 0 ? -1 : 1),
      );
      liquidate(a, p, alignToTick(Decimal.max(bankrupt, m.spec.tickSize), m.spec.tickSize), now);
      return;
    }
    const lower = m.spec.riskLimits[st.riskLimitLevel - 2]!;
    const price = alignToTick(m.mark, m.spec.tickSize);
    const excess = notionalValue(m.spec, p.qty, price).minus(lower.maxRiskLimit);
    const lots = excess.gt(0)
      ? Math.min(Math.abs(p.qty), excess.div(price.mul(m.spec.multiplier)).ceil().toNumber())
      : 0;
    st.riskLimitLevel = lower.level;
    a.bus.emit({
      channel: 'private',
      topic: `/contract/position:${p.symbol}`,
      subject: 'position.adjustRiskLimit',
      data: { success: true, riskLimitLevel: lower.level, msg: '' },
    });
    if (lots > 0) liquidate(a, p, price, now, lots);
  }
}

/**
 * Cross margin by KuCoin's risk rate (/support/35233217061785): at 100 % every cross position is liquidated
 * at the mark (orders first cancelled); at 95 % the cross contracts' open orders are cancelled.
 */
function checkCrossLiquidation(a: SimAccount, now: number): void {
  const cross = [...a.positions.values()].filter((p) => p.qty !== 0 && p.marginMode === 'CROSS');
  const crossOrders = () =>
    [...a.core.openOrders].filter(
      (o) => o.isActive && o.status === 'open' && a.settingsOf(o.symbol).marginMode === 'CROSS',
    );
  if (cross.length === 0 && crossOrders().length === 0) return;
  const { rate } = crossRisk(a);
  if (rate.gte(1) && cross.length > 0) {
    if (reduceLargeCross(a, cross, now)) return;
    for (const p of cross)
      if (p.qty !== 0)
        liquidate(a, p, alignToTick(a.market(p.symbol).mark, a.market(p.symbol).spec.tickSize), now);
    return;
  }
  if (rate.gte(CROSS_CANCEL_RATE)) for (const o of crossOrders()) cancelOrderObject(a.core, o, now);
}

/**
 * Partial cross liquidation (behaviour `crossPartialLiquidationAbove`, KuCoin /support/35233217061785: "if
 * your position amount > 600,000 USDT, your positions will be partially liquidated"): the cross orders are
 * cancelled, then while a cross position's value at the mark is above the threshold, the largest one is
 * reduced at the mark to the next lower risk-tier limit below its value (never below the threshold), and the
 * risk rate is checked again. Returns true when the rate fell below 100 % (the rest stays open); false when
 * nothing large is left and the remaining cross positions are to be closed whole.
 */
function reduceLargeCross(a: SimAccount, cross: SimPosition[], now: number): boolean {
  const above = a.core.behaviour.crossPartialLiquidationAbove;
  if (above <= 0) return false;
  const threshold = new Money(above);
  for (let step = 0; ; step++) {
    let largest: { p: SimPosition; value: Decimal; price: Decimal } | undefined;
    for (const p of cross) {
      if (p.qty === 0) continue;
      const m = a.market(p.symbol);
      const price = alignToTick(m.mark, m.spec.tickSize);
      const value = notionalValue(m.spec, p.qty, price);
      if (value.gt(threshold) && (!largest || value.gt(largest.value))) largest = { p, value, price };
    }
    if (!largest) return false;
    if (step === 0)
      for (const o of [...a.core.openOrders])
        if (o.isActive && o.status === 'open' && a.settingsOf(o.symbol).marginMode === 'CROSS')
          cancelOrderObject(a.core, o, now);
    const { p, value, price } = largest;
    const m = a.market(p.symbol);
    const lower = [...m.spec.riskLimits].reverse().find((t) => value.gt(t.maxRiskLimit));
    const target = Decimal.max(threshold, lower ? new Money(lower.maxRiskLimit) : threshold);
    const lots = Math.min(
      Math.abs(p.qty),
      value.minus(target).div(price.mul(m.spec.multiplier)).ceil().toNumber(),
    );
    liquidate(a, p, price, now, lots);
    if (crossRisk(a).rate.lt(1)) return true;
  }
}

/** Cross risk rate at which KuCoin cancels the account's cross orders. */
const CROSS_CANCEL_RATE = 0.95;

/**
 * Close `lots` of a position (all of it by default) by the liquidation engine: the symbol's orders are
 * cancelled, then a fill at `price` with tradeType liquid. A whole isolated position loses its margin.
 */
export function liquidate(
  a: SimAccount,
  p: SimPosition,
  price: Decimal,
  now: number,
  lots = Math.abs(p.qty),
): void {
  for (const o of [...a.core.openOrders])
    if (o.symbol === p.symbol && o.status === 'open') cancelOrderObject(a.core, o, now);
  const whole = lots >= Math.abs(p.qty);
  // The isolated margin is lost at the bankruptcy price; any remainder is the insurance fund's.
  if (whole && p.marginMode === 'ISOLATED') {
    const m = a.market(p.symbol);
    const gross = price.minus(p.entryPrice).mul(p.qty).mul(m.spec.multiplier);
    const fee = tradingFee(m.spec, lots, price, 'taker');
    const shortfall = gross.neg().plus(fee).minus(p.isolatedMargin);
    if (shortfall.gt(0)) a.wallet = a.wallet.plus(shortfall);
  }
  closeByExchange(a, p, price, now, lots, 'liquid');
}

/** The exchange closes `lots` of a position itself (liquidation, ADL): a market order of its own, filled at `price`. */
function closeByExchange(
  a: SimAccount,
  p: SimPosition,
  price: Decimal,
  now: number,
  lots: number,
  tradeType: 'liquid' | 'adl',
): void {
  const order = newOrder(
    a,
    parseOrderInput({
      clientOid: `${tradeType === 'liquid' ? 'liq' : 'adl'}-${a.core.ids.next()}`,
      symbol: p.symbol,
      closeOrder: true,
      type: 'market',
    }),
    {
      side: p.qty > 0 ? 'sell' : 'buy',
      size: lots,
      reduceOnly: true,
      closeOrder: lots >= Math.abs(p.qty),
    },
  );
  order.isActive = true;
  order.tradeType = tradeType;
  store(a.core, order);
  fillOrder(a, order, lots, price, 'taker', now, tradeType);
}

/**
 * KuCoin's ADL score (Help Center "Auto-Deleveraging (ADL)", /support/26686471898009): profitable positions
 * return rate × effective leverage, losing ones return rate ÷ effective leverage; return rate = unrealised
 * PnL ÷ entry value; effective leverage = value at the mark ÷ effective margin (isolated: position margin +
 * unrealised PnL; cross: the cross margin balance).
 */
export function adlScore(a: SimAccount, p: SimPosition): Decimal {
  if (p.qty === 0) return ZERO;
  const m = a.market(p.symbol);
  const upnl = unrealisedPnl(m.spec, p.qty, p.entryPrice, m.mark);
  const rate = upnl.div(notionalValue(m.spec, p.qty, p.entryPrice));
  const margin =
    p.marginMode === 'ISOLATED' ? p.isolatedMargin.plus(upnl) : accountSummary(a).totalCrossMargin;
  if (margin.lte(0)) return rate.gte(0) ? new Money(Number.POSITIVE_INFINITY) : ZERO;
  const leverage = notionalValue(m.spec, p.qty, m.mark).div(margin);
  return rate.gte(0) ? rate.mul(leverage) : rate.div(leverage);
}

/**
 * `delevPercentage`, the position's place in the ADL queue (0 … 1, KuCoin shows it in fifths). The queue's
 * other traders are not simulated: a profitable position scores s/(1 + s) of its ADL score s, a losing one 0.
 */
export function delevPercentage(a: SimAccount, p: SimPosition): Decimal {
  const s = adlScore(a, p);
  if (s.lte(0)) return ZERO;
  if (!s.isFinite()) return new Money(1);
  return s.div(s.plus(1));
}

/**
 * Auto-deleverage `lots` of a position (all by default) at `price` (the bankruptcy price of the liquidated
 * counterparty): a fill with tradeType adl (KUCOIN.md §3.6, kucoin-spec/order.txt), `position.change` with
 * changeReason adl (§4.3). The taker fee is charged (whether KuCoin charges one on ADL is not documented).
 */
export function autoDeleverage(
  a: SimAccount,
  p: SimPosition,
  price: Decimal,
  now: number,
  lots = Math.abs(p.qty),
): void {
  if (p.qty === 0) return;
  closeByExchange(a, p, price, now, Math.min(lots, Math.abs(p.qty)), 'adl');
}

/**
 * After a step: the `adl` fault deleverages open positions; with `adlOnGap`, a mark move of at least that
 * fraction in one step in a position's favour deleverages it whole at the mark before the gap.
 */
export function checkAutoDeleverage(a: SimAccount, before: Map<string, Decimal>, now: number): void {
  for (const p of [...a.positions.values()]) {
    if (p.qty === 0) continue;
    const m = a.market(p.symbol);
    if (a.core.faults.takeAdl()) {
      autoDeleverage(a, p, alignToTick(m.mark, m.spec.tickSize), now);
      continue;
    }
    const gap = a.core.behaviour.adlOnGap;
    const prev = before.get(p.symbol);
    if (gap <= 0 || !prev || prev.lte(0)) continue;
    const move = m.mark.div(prev).minus(1).mul(Math.sign(p.qty));
    if (move.gte(gap)) autoDeleverage(a, p, alignToTick(prev, m.spec.tickSize), now);
  }
}

/** Settle every funding time passed since the last step (several if the clock jumped). */
export function settleFunding(a: SimAccount, now: number): void {
  for (const [symbol, m] of a.core.markets) {
    let next = a.nextFunding.get(symbol)!;
    while (now >= next) {
      const rate = new Money(a.fundingRateFor(symbol, next));
      // KuCoin announces the settlement's start and end; here both happen at the settlement instant.
      if (a.bus.isWatched(`/contract/announcement:${symbol}`))
        for (const subject of ['funding.begin', 'funding.end'])
          a.bus.emit({
            channel: 'public',
            topic: `/contract/announcement:${symbol}`,
            subject,
            data: { symbol, fundingTime: next, fundingRate: rate.toNumber(), timestamp: now },
          });
      const p = a.positions.get(symbol);
      if (p && p.qty !== 0) {
        const fee = fundingFee(m.spec, p.qty, m.mark, rate);
        a.wallet = a.wallet.plus(fee);
        if (p.marginMode === 'ISOLATED') p.isolatedMargin = p.isolatedMargin.plus(fee);
        p.realisedPnl = p.realisedPnl.plus(fee);
        p.posFunding = p.posFunding.plus(fee);
        a.fundingRecords.push({
          id: a.fundingRecords.length + 1_472_387_374_042_586,
          symbol,
          timePoint: next,
          fundingRate: rate,
          markPrice: m.mark,
          positionQty: p.qty,
          positionCost: notionalValue(m.spec, p.qty, m.mark),
          funding: fee,
          marginMode: p.marginMode,
        });
        a.bus.emit({
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
        a.emitPosition(p, 'positionChange');
        a.walletDirty = true;
      }
      next += m.spec.fundingRateGranularity;
    }
    a.nextFunding.set(symbol, next);
  }
}

/** Add (positive) or withdraw (negative) isolated margin. */
export function adjustIsolatedMargin(a: SimAccount, symbol: string, amount: Decimal): SimPosition {
  const p = a.positions.get(symbol);
  if (!p || p.qty === 0 || p.marginMode !== 'ISOLATED')
    throw new SimError('300009', 'Position does not exist');
  if (amount.gt(0) && amount.gt(accountSummary(a).available))
    throw new SimError('300003', `Balance insufficient. The order would cost ${amount.toFixed(10)}.`);
  if (amount.lt(0) && amount.neg().gt(maxWithdrawMargin(a, symbol)))
    throw new SimError('300000', 'The withdrawal amount exceeds the maximum');
  p.isolatedMargin = p.isolatedMargin.plus(amount);
  a.emitPosition(p, 'marginChange');
  a.walletDirty = true;
  flushWallet(a);
  return p;
}

/** Isolated margin above the initial margin: what may be withdrawn. */
export function maxWithdrawMargin(a: SimAccount, symbol: string): Decimal {
  const p = a.positions.get(symbol);
  if (!p || p.qty === 0 || p.marginMode !== 'ISOLATED') return ZERO;
  const m = a.market(p.symbol);
  const init = initialMargin(notionalValue(m.spec, p.qty, p.entryPrice), p.leverage);
  return Decimal.max(p.isolatedMargin.minus(init), ZERO);
}

/** Per-symbol margin frozen by active orders: only the part that would open or grow a position. */
export function orderMargin(a: SimAccount, symbol?: string): Decimal {
  let total = ZERO;
  for (const [sym, m] of a.core.markets) {
    if (symbol && sym !== symbol) continue;
    if (a.settingsOf(sym).marginMode === 'CROSS') {
      total = total.plus(crossOrderMargin(a, sym));
      continue;
    }
    const pos = a.positions.get(sym)?.qty ?? 0;
    for (const side of ['buy', 'sell'] as const) {
      const orders = [...a.core.openOrders].filter(
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
export function accountSummary(a: SimAccount) {
  let isoPosMargin = ZERO;
  let crossPosMargin = ZERO;
  let crossUnPnl = ZERO;
  let isoUnPnl = ZERO;
  for (const p of a.positions.values()) {
    if (p.qty === 0) continue;
    const m = a.market(p.symbol);
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
  for (const sym of a.core.markets.keys()) {
    const om = orderMargin(a, sym);
    if (a.settingsOf(sym).marginMode === 'CROSS') crossOrderMargin = crossOrderMargin.plus(om);
    else isoOrderMargin = isoOrderMargin.plus(om);
  }
  const totalOrderMargin = crossOrderMargin.plus(isoOrderMargin);
  const positionMargin = isoPosMargin.plus(crossPosMargin);
  const unrealised = crossUnPnl.plus(isoUnPnl);
  const available = a.wallet.plus(crossUnPnl).minus(positionMargin).minus(totalOrderMargin);
  const equity = a.wallet.plus(unrealised);
  return {
    wallet: a.wallet,
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
    totalCrossMargin: a.wallet.minus(isoPosMargin).minus(isoOrderMargin).plus(crossUnPnl),
  };
}

/** KuCoin's 330008 text (as CCXT records it in kucoin.js `exceptions`). */
export const CROSS_MARGIN_SHORT =
  'Your current margin and leverage have reached the maximum open limit. Please increase your margin or raise your leverage to open larger positions.';

/**
 * Why the account cannot take an opening order now, if it cannot (the matching core's `accountRefusal`
 * handler): beyond the selected risk-limit level (300005), or short of margin for the part that opens
 * (300003 isolated, 330008 cross).
 */
export function marginRefusal(a: SimAccount, order: SimOrder): SimError | undefined {
  const m = a.market(order.symbol);
  if (order.marginMode === 'ISOLATED') {
    // The selected risk-limit level caps the position's value (KUCOIN.md §3.9, §2.2 300005).
    const qty = a.positions.get(order.symbol)?.qty ?? 0;
    const after = Math.abs(qty + (order.side === 'buy' ? 1 : -1) * (order.size - order.filledSize));
    const level = m.spec.riskLimits[a.settingsOf(order.symbol).riskLimitLevel - 1]!;
    if (after > Math.abs(qty) && notionalValue(m.spec, after, order.price ?? m.mark).gt(level.maxRiskLimit))
      return new SimError(
        '300005',
        `Risk limit exceeded: the position would be above ${level.maxRiskLimit} at level ${level.level}.`,
      );
  }
  // Cross: what the order adds to the contract's hedged order margin; isolated: its own opening cost.
  const cost =
    order.marginMode === 'CROSS'
      ? crossOrderMargin(a, order.symbol, order).minus(crossOrderMargin(a, order.symbol))
      : openingCost(a, order, m);
  if (cost.lte(accountSummary(a).available)) return undefined;
  // 330008, KuCoin's code and text for cross margin short of funds (ccxt kucoin.js exceptions).
  if (order.marginMode === 'CROSS') return new SimError('330008', CROSS_MARGIN_SHORT);
  return new SimError('300003', `Balance insufficient. The order would cost ${cost.toFixed(10)}.`);
}

/** Margin + estimated taker fee for the part of the order that would open or grow a position. */
export function openingCost(a: SimAccount, order: SimOrder, m: SymbolMarket): Decimal {
  const pos = a.positions.get(order.symbol)?.qty ?? 0;
  const reducible =
    (order.side === 'buy' && pos < 0) || (order.side === 'sell' && pos > 0) ? Math.abs(pos) : 0;
  const opening = Math.max(0, order.size - reducible);
  if (opening === 0) return ZERO;
  const top = order.side === 'buy' ? m.bestAsk() : m.bestBid();
  const ref = order.price ?? (top ? m.tickToPrice(top.tick) : m.mark);
  const notional = notionalValue(m.spec, opening, ref);
  return initialMargin(notional, order.leverage).plus(notional.mul(m.spec.takerFeeRate));
}

/** Credit the account (the paper account of `enigma start`, tests). */
export function deposit(
  a: SimAccount,
  amount: number | string,
  type: 'Deposit' | 'TransferIn' = 'Deposit',
): void {
  const d = positiveAmount(amount);
  a.wallet = a.wallet.plus(d);
  a.addLedger(type, d, type === 'Deposit' ? 'simulator deposit' : 'Transferred in');
  a.walletDirty = true;
  flushWallet(a);
}

/** Move funds out of the futures account (POST /api/v3/transfer-out): at most the available balance. */
export function withdraw(a: SimAccount, amount: number | string): void {
  const d = positiveAmount(amount);
  if (d.gt(accountSummary(a).available))
    throw new SimError('300003', `Balance insufficient. The order would cost ${d.toFixed(10)}.`);
  a.wallet = a.wallet.minus(d);
  a.addLedger('TransferOut', d.neg(), 'Transferred out');
  a.walletDirty = true;
  flushWallet(a);
}

function positiveAmount(amount: number | string): Decimal {
  let d: Decimal;
  try {
    d = toMoney(amount);
  } catch {
    throw badParam('amount must be a number');
  }
  if (d.lte(0)) throw badParam('amount must be positive');
  return d;
}

/** Push walletBalance.change and the legacy availableBalance/orderMargin subjects if the wallet changed. */
export function flushWallet(a: SimAccount): void {
  if (!a.walletDirty) return;
  a.walletDirty = false;
  a.walletVersion += 1;
  const s = accountSummary(a);
  const now = a.core.clock.now();
  const topic = '/contractAccount/wallet';
  a.bus.emit({
    channel: 'private',
    topic,
    subject: 'walletBalance.change',
    data: {
      crossPosMargin: s.crossPosMargin.toString(),
      isolatedOrderMargin: s.isoOrderMargin.toString(),
      holdBalance: '0',
      equity: s.equity.toString(),
      version: String(a.walletVersion),
      availableBalance: s.available.toString(),
      isolatedPosMargin: s.isoPosMargin.toString(),
      walletBalance: s.wallet.toString(),
      isolatedFundingFeeMargin: '0',
      crossUnPnl: s.crossUnPnl.toString(),
      totalCrossMargin: s.totalCrossMargin.toString(),
      currency: 'USDT',
      isolatedUnPnl: s.isoUnPnl.toString(),
      crossOrderMargin: s.crossOrderMargin.toString(),
      timestamp: String(now),
    },
  });
  a.bus.emit({
    channel: 'private',
    topic,
    subject: 'availableBalance.change',
    data: {
      availableBalance: s.available.toString(),
      holdBalance: '0',
      currency: 'USDT',
      timestamp: String(now),
    },
  });
  a.bus.emit({
    channel: 'private',
    topic,
    subject: 'orderMargin.change',
    data: { orderMargin: s.orderMargin.toString(), currency: 'USDT', timestamp: String(now) },
  });
}
