import Decimal from 'decimal.js';
import { conservativeLiquidationPrice } from '../contract/math.ts';
import { decimalTextBeside, priceText, priceTextBeside } from '../money.ts';
import type { RiskLimits } from './limits.ts';

/**
 * Pre-trade risk checks: pure, in a fixed order, each block with its own reason code. Fail closed: a
 * missing mark price, book or balance blocks an order that adds risk, never lets it through. An order
 * that only reduces a position (reduce-only) passes the checks about adding risk, so a stale feed can
 * never trap the trader in a position, but it is still refused when the breaker has halted trading
 * for signals, when its input is malformed, or when it would reduce more than the position holds.
 */

export const RISK_CODES = {
  invalid_order: 'size, price, leverage or stop is NaN, zero, negative or not whole lots',
  kill_switch: 'the kill switch is on: no new entries',
  breaker_halted: 'a breaker halted trading: nothing is sent for signals',
  breaker_reduce_only: 'a breaker allows only orders that reduce a position',
  risk_limits_invalid: 'the stored risk limits do not parse',
  data_missing: 'no mark price or no order book for the contract',
  data_stale: 'the mark price or the book is older than maxDataAgeMs',
  balance_missing: 'the account balance is unknown',
  lot_size: 'the size is not a whole multiple of the contract lot size',
  tick_size: 'the price is not aligned to the contract tick size',
  max_order_qty: 'the size exceeds the exchange maximum order quantity',
  open_order_limit: 'the contract already has the exchange maximum of open limit (100) or stop (50) orders',
  leverage_cap: 'the leverage exceeds the risk limit or the contract maximum',
  order_size: 'the order exceeds maxOrderLots or maxOrderNotional',
  price_collar: 'the order price is too far from the mark price',
  position_limit: 'the position after the order exceeds maxPositionLots or maxPositionNotional',
  total_exposure: 'all positions after the order exceed maxTotalExposure',
  open_positions: 'the order opens a position beyond maxOpenPositions',
  stop_missing: 'an opening order has no protective stop price on the right side of the entry',
  liquidation_distance:
    'the liquidation price is closer than minLiquidationDistanceMultiple × the stop distance',
  margin_insufficient: 'initial margin plus fees exceed the available balance',
  risk_limit:
    'the isolated position after the order is worth more than the risk-limit level selected on the contract allows (KuCoin refuses it: 300005)',
  reduce_exceeds_position: 'a reduce-only order is larger than the position on that side',
} as const;
export type RiskCode = keyof typeof RISK_CODES;

export interface RiskBlock {
  code: RiskCode;
  message: string;
  data?: Record<string, string | number | boolean | null>;
}

/** The exchange's description of a contract that the checks need (from GET /api/v1/contracts/active). */
export interface TradableContract {
  symbol: string;
  multiplier: Decimal;
  tickSize: Decimal;
  lotSize: number;
  maxOrderQty: number;
  maxLeverage: number;
  takerFeeRate: Decimal;
  /** maintenance margin rate of the contract's first risk-limit level (used when `riskLimit` is absent) */
  maintainMarginRate: Decimal;
  /**
   * The contract's risk-limit levels and the one the account selected on it: the maintenance rate, the
   * leverage cap and (isolated) the largest position value the checks judge an opening order by. Absent
   * (a caller without them, e.g. a reduce-only check): the first level's rate.
   */
  riskLimit?: ContractRiskLimit;
}

/** One risk-limit level (`GET /api/v1/contracts/risk-limit/{symbol}`). */
export interface RiskTier {
  level: number;
  /** the largest position value (USDT) at this level */
  maxNotional: Decimal;
  maxLeverage: number;
  /** maintenance margin rate, a fraction (0.004 = 0.4 %) */
  maintainMargin: Decimal;
}

export interface ContractRiskLimit {
  marginMode: 'ISOLATED' | 'CROSS';
  /** the contract's levels, lowest first */
  tiers: readonly RiskTier[];
  /**
   * ISOLATED: what the exchange reports of the level selected on the contract (its position report's
   * `riskLimitLevel`, `maintMarginReq`, `riskLimit`); any may be missing. CROSS has no selected level:
   * the level is the one the position's value falls in.
   */
  selected: { level: number | null; maintainMargin: Decimal | null; maxNotional: Decimal | null };
}

/**
 * The level that governs a position worth `value` on the contract: ISOLATED, the selected one (found by
 * its number, else by its position cap; the reported rate and cap win over the table's when higher /
 * lower); CROSS, the level the value falls in (the last caps it). Null when an isolated level is not
 * known at all (neither a rate nor a cap reported): that blocks an opening order.
 */
export function governingTier(rl: ContractRiskLimit, value: Decimal): RiskTier | null {
  if (rl.marginMode === 'CROSS') {
    return rl.tiers.find((t) => value.lte(t.maxNotional)) ?? rl.tiers[rl.tiers.length - 1] ?? null;
  }
  const { level, maintainMargin, maxNotional } = rl.selected;
  const tier =
    (level !== null ? rl.tiers.find((t) => t.level === level) : undefined) ??
    (maxNotional !== null ? rl.tiers.find((t) => t.maxNotional.eq(maxNotional)) : undefined);
  const rate = [tier?.maintainMargin, maintainMargin].filter((d): d is Decimal => d != null && ok(d));
  const cap = [tier?.maxNotional, maxNotional].filter((d): d is Decimal => d != null && ok(d));
  if (rate.length === 0 || cap.length === 0) return null;
  return {
    level: tier?.level ?? level ?? 0,
    maintainMargin: Decimal.max(...rate),
    maxNotional: Decimal.min(...cap),
    maxLeverage: tier?.maxLeverage ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * The maintenance rate a position is judged at: its level's (`governingTier`), never below the contract's
 * own (`TradableContract.maintainMarginRate`, its first level's); the contract's alone with no level known.
 */
export function maintenanceRate(tier: RiskTier | null | undefined, contractRate: Decimal): Decimal {
  return tier ? Decimal.max(tier.maintainMargin, contractRate) : contractRate;
}

/**
 * The leverage the contract allows at a level: the contract's maximum, lowered by the level's cap (a level
 * the table does not list has none: the contract's maximum).
 */
export function levelLeverageCap(contractMaxLeverage: number, tier: RiskTier | null | undefined): number {
  return Math.min(contractMaxLeverage, tier?.maxLeverage ?? Number.POSITIVE_INFINITY);
}

/**
 * The value the risk-limit level of the position after an order is judged by (its level, isolated its cap):
 * |lots after| × multiplier × the worse (higher) of the order price and the mark.
 */
export function positionValueAfter(
  lotsAfter: number,
  multiplier: Decimal,
  price: Decimal,
  mark: Decimal,
): Decimal {
  return Decimal.max(price, mark).mul(multiplier).mul(Math.abs(lotsAfter));
}

export interface OrderProposal {
  symbol: string;
  side: 'buy' | 'sell';
  lots: number;
  reduceOnly: boolean;
  /** the limit price, or the touch a market order is expected to take */
  price: Decimal | null;
  leverage: number;
  /** the protective stop that will guard the position this order opens (required unless reduce-only) */
  stopPrice: Decimal | null;
  /** 'stop' for a conditional order: it counts against the 50 stop orders */
  kind: 'limit' | 'market' | 'stop';
}

export interface MarketSnapshot {
  mark: Decimal | null;
  markAt: number | null;
  bestBid: Decimal | null;
  bestAsk: Decimal | null;
  bookAt: number | null;
}

export interface RiskContext {
  now: number;
  limits: RiskLimits | null;
  killSwitchOn: boolean;
  breaker: 'active' | 'reduce_only' | 'halted';
  /** who asks: signals obey `halted`; operator and protection orders that reduce are let through */
  origin: 'signal' | 'operator' | 'protection';
  market: MarketSnapshot;
  account: { equity: Decimal | null; available: Decimal | null };
  /** every open position of the account (signed lots), this contract's included */
  positions: readonly { symbol: string; qty: number; mark: Decimal | null; multiplier: Decimal }[];
  /** open orders on this contract */
  openOrders: { limit: number; stop: number };
}

const ok = (d: Decimal | null): d is Decimal => Decimal.isDecimal(d) && d.isFinite() && d.gt(0);
const fmt = (d: Decimal) => d.toFixed();

/**
 * The price collar (`price_collar`; one home: the engine's check and the ticket's preview call it): an
 * order's price may lie at most `collarPct` % from the mark. `message` says how far it is, either way.
 *
 * @example priceCollar(toMoney(62000), toMoney(60000), '2', toMoney('0.1')).ok // false: 3.333 % from the mark
 */
export function priceCollar(
  price: Decimal,
  mark: Decimal,
  collarPct: string,
  tickSize: Decimal,
): { ok: boolean; message: string } {
  const deviationPct = price.minus(mark).abs().div(mark).mul(100);
  return {
    ok: !deviationPct.gt(collarPct),
    message: `price ${priceText(price, tickSize)} is ${decimalTextBeside(deviationPct, collarPct, 3)} % from mark ${priceTextBeside(mark, price, tickSize)} (limit ${collarPct} %)`,
  };
}

/** Every block for this order, in check order; empty means it may be sent. */
export function preTradeChecks(
  order: OrderProposal,
  contract: TradableContract,
  ctx: RiskContext,
): RiskBlock[] {
  // 1. Malformed input is refused before any comparison (NaN compares false with everything).
  const invalid = invalidInput(order);
  if (invalid) return [{ code: 'invalid_order', message: invalid }];

  const blocks: RiskBlock[] = [];
  const add = (code: RiskCode, message: string, data?: RiskBlock['data']) =>
    blocks.push(data ? { code, message, data } : { code, message });

  const current = ctx.positions.find((p) => p.symbol === order.symbol)?.qty ?? 0;
  const signed = order.side === 'buy' ? order.lots : -order.lots;
  const reduces = current !== 0 && Math.sign(signed) !== Math.sign(current);

  // 2. Switches and breakers.
  if (ctx.breaker === 'halted' && ctx.origin === 'signal') add('breaker_halted', RISK_CODES.breaker_halted);
  if (!order.reduceOnly) {
    if (ctx.killSwitchOn) add('kill_switch', RISK_CODES.kill_switch);
    if (ctx.breaker === 'reduce_only') add('breaker_reduce_only', RISK_CODES.breaker_reduce_only);
    if (ctx.breaker === 'halted' && ctx.origin !== 'signal') add('breaker_halted', RISK_CODES.breaker_halted);
  }

  // A position that is not whole lots (NaN from a bad parse) compares false with everything: block.
  if (!Number.isSafeInteger(current)) {
    add('data_missing', `position of ${order.symbol} is not whole lots: ${String(current)}`);
    return blocks;
  }

  // 3. Exchange limits: apply to every order.
  if (order.lots % Math.max(1, contract.lotSize) !== 0)
    add('lot_size', `${order.lots} lots is not a multiple of ${contract.lotSize}`);
  if (!(order.lots <= contract.maxOrderQty))
    add('max_order_qty', `${order.lots} lots > exchange maximum ${contract.maxOrderQty}`);
  if (order.kind === 'limit' && order.price && !order.price.mod(contract.tickSize).isZero())
    add('tick_size', `${fmt(order.price)} is not a multiple of ${fmt(contract.tickSize)}`);
  if (order.kind === 'limit' && !(ctx.openOrders.limit < 100))
    add('open_order_limit', `${ctx.openOrders.limit} open limit orders on ${order.symbol}`);
  if (order.kind === 'stop' && !(ctx.openOrders.stop < 50))
    add('open_order_limit', `${ctx.openOrders.stop} open stop orders on ${order.symbol}`);

  if (order.reduceOnly) {
    if (!reduces || order.lots > Math.abs(current))
      add(
        'reduce_exceeds_position',
        `reduce-only ${order.side} ${order.lots} against a position of ${current}`,
      );
    return blocks;
  }

  const limits = ctx.limits;
  if (!limits) {
    add('risk_limits_invalid', RISK_CODES.risk_limits_invalid);
    return blocks;
  }

  // 4. Data: fail closed.
  const m = ctx.market;
  if (!ok(m.mark) || m.markAt === null || !ok(m.bestBid) || !ok(m.bestAsk) || m.bookAt === null) {
    add(
      'data_missing',
      `mark ${m.mark ? priceText(m.mark, contract.tickSize) : 'missing'}, book ${m.bestBid && m.bestAsk ? 'present' : 'missing'}`,
    );
    return blocks;
  }
  const markAge = ctx.now - m.markAt;
  const bookAge = ctx.now - m.bookAt;
  // Negated so that a NaN age (a NaN timestamp or clock) blocks instead of comparing false.
  if (!(markAge <= limits.maxDataAgeMs) || !(bookAge <= limits.maxDataAgeMs)) {
    add('data_stale', `mark ${markAge} ms, book ${bookAge} ms old (limit ${limits.maxDataAgeMs} ms)`, {
      markAgeMs: markAge,
      bookAgeMs: bookAge,
    });
  }
  const { equity, available } = ctx.account;
  if (!ok(equity) || available === null || !available.isFinite()) {
    add('balance_missing', RISK_CODES.balance_missing);
    return blocks;
  }
  const mark = m.mark;
  const price = order.price ?? (order.side === 'buy' ? m.bestAsk : m.bestBid);

  // The risk-limit level the position after the order is judged at (its maintenance rate, leverage cap
  // and, isolated, its largest value): valued at the worse of the price and the mark.
  const after = current + signed;
  const valueAfter = positionValueAfter(after, contract.multiplier, price, mark);
  const tier = contract.riskLimit ? governingTier(contract.riskLimit, valueAfter) : undefined;
  if (tier === null) {
    add(
      'data_missing',
      `the risk-limit level selected on ${order.symbol} is unknown: its maintenance rate cannot be judged`,
    );
    return blocks;
  }
  const maintainMarginRate = maintenanceRate(tier, contract.maintainMarginRate);

  // 5. Leverage, order size, collar.
  const levCap = Math.min(limits.maxLeverage, levelLeverageCap(contract.maxLeverage, tier));
  if (!(order.leverage <= levCap))
    add(
      'leverage_cap',
      `leverage ${order.leverage} > ${levCap}${tier && tier.maxLeverage === levCap && levCap < Math.min(limits.maxLeverage, contract.maxLeverage) ? ` (risk-limit level ${tier.level})` : ''}`,
    );
  const orderNotional = price.mul(contract.multiplier).mul(order.lots);
  if (order.lots > limits.maxOrderLots || orderNotional.gt(limits.maxOrderNotional)) {
    add(
      'order_size',
      `${order.lots} lots = ${decimalTextBeside(orderNotional, limits.maxOrderNotional, 2)} USDT (limits ${limits.maxOrderLots} lots, ${limits.maxOrderNotional} USDT)`,
    );
  }
  const collar = priceCollar(price, mark, limits.priceCollarPct, contract.tickSize);
  if (!collar.ok) add('price_collar', collar.message);

  // 6. Position, exposure, count.
  // Only a pure reduction (toward flat, not past it) skips the caps: an order that flips the position
  // through zero opens the part past it.
  if (!(reduces && order.lots <= Math.abs(current))) {
    const lotCap = limits.maxPositionLots[order.symbol];
    const afterNotional = mark.mul(contract.multiplier).mul(Math.abs(after));
    if ((lotCap !== undefined && Math.abs(after) > lotCap) || afterNotional.gt(limits.maxPositionNotional)) {
      add(
        'position_limit',
        `position after the order ${after} lots = ${decimalTextBeside(afterNotional, limits.maxPositionNotional, 2)} USDT (limits ${lotCap ?? '–'} lots, ${limits.maxPositionNotional} USDT)`,
      );
    }
    let exposure = afterNotional;
    for (const p of ctx.positions) {
      if (p.symbol === order.symbol || p.qty === 0) continue;
      if (!ok(p.mark) || !Number.isSafeInteger(p.qty)) {
        add('data_missing', `no mark price or size for open position ${p.symbol}: exposure unknown`);
        continue;
      }
      exposure = exposure.plus(p.mark.mul(p.multiplier).mul(Math.abs(p.qty)));
    }
    if (tier && contract.riskLimit?.marginMode === 'ISOLATED' && valueAfter.gt(tier.maxNotional))
      add(
        'risk_limit',
        `position after the order worth ${decimalTextBeside(valueAfter, tier.maxNotional, 2)} USDT > ${fmt(tier.maxNotional)} USDT allowed at risk-limit level ${tier.level || '(reported)'}`,
        {
          valueAfter: valueAfter.toFixed(2),
          levelMaxNotional: fmt(tier.maxNotional),
          level: tier.level || null,
        },
      );
    if (exposure.gt(limits.maxTotalExposure))
      add(
        'total_exposure',
        `exposure after the order ${decimalTextBeside(exposure, limits.maxTotalExposure, 2)} USDT > ${limits.maxTotalExposure} USDT`,
      );
    const open = ctx.positions.filter((p) => p.qty !== 0 && p.symbol !== order.symbol).length;
    if (current === 0 && open >= limits.maxOpenPositions)
      add('open_positions', `${open} positions open (limit ${limits.maxOpenPositions})`);
  }

  // 7. Stop and liquidation distance (isolated estimate at the intended leverage: conservative for cross).
  // The stop guards the position the order leaves; an order that leaves none (closes it exactly) is
  // judged as an entry on its own side: a buy's stop below the price, a sell's above.
  const long = after > 0 || (after === 0 && signed > 0);
  const stop = order.stopPrice;
  if (stop === null || (long ? !stop.lt(price) : !stop.gt(price))) {
    add(
      'stop_missing',
      stop === null ? 'no stop price' : `stop ${fmt(stop)} is on the wrong side of ${fmt(price)}`,
    );
  } else {
    const stopDist = price.minus(stop).abs();
    // Signed: a liquidation price past the entry (leverage too high for the maintenance rate) is negative.
    const liq = conservativeLiquidationPrice(
      price,
      long ? 1 : -1,
      order.leverage,
      maintainMarginRate,
      contract.takerFeeRate,
    );
    const liqDist = long ? price.minus(liq) : liq.minus(price);
    const need = stopDist.mul(limits.minLiquidationDistanceMultiple);
    if (liqDist.lt(need)) {
      add(
        'liquidation_distance',
        `liquidation ${liqDist.toFixed(2)} from entry, stop ${stopDist.toFixed(2)}: need ≥ ${limits.minLiquidationDistanceMultiple}×`,
        {
          liquidationDistance: liqDist.toFixed(8),
          stopDistance: stopDist.toFixed(8),
        },
      );
    }
  }

  // 8. Margin.
  const required = orderNotional.div(order.leverage).plus(orderNotional.mul(contract.takerFeeRate));
  if (required.gt(available))
    add(
      'margin_insufficient',
      `needs ${decimalTextBeside(required, available, 2)} USDT, ${decimalTextBeside(available, required, 2)} available`,
    );
  return blocks;
}

function invalidInput(o: OrderProposal): string | null {
  if (!Number.isSafeInteger(o.lots) || o.lots <= 0)
    return `size must be positive whole lots, got ${String(o.lots)}`;
  if (!Number.isFinite(o.leverage) || o.leverage <= 0)
    return `leverage must be positive, got ${String(o.leverage)}`;
  if (o.price !== null && !ok(o.price)) return `price must be positive, got ${String(o.price)}`;
  if (o.stopPrice !== null && !ok(o.stopPrice))
    return `stop price must be positive, got ${String(o.stopPrice)}`;
  return null;
}
