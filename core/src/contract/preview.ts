import type Decimal from 'decimal.js';
import { alignToTick, decimalTextBeside, Money, priceText, priceTextBeside } from '../money.ts';
import {
  type ContractRiskLimit,
  governingTier,
  levelLeverageCap,
  maintenanceRate,
  positionValueAfter,
  priceCollar,
} from '../risk/checks.ts';
import { conservativeLiquidationPrice, initialMargin, notionalValue, tradingFee } from './math.ts';
import type { ContractSpec } from './specs.ts';

/** The order a trader is about to send, as the ticket describes it. */
export interface OrderPreviewInput {
  spec: ContractSpec;
  side: 'buy' | 'sell';
  /** positive integer lots */
  lots: number;
  /** the limit price, or the last price for a market order */
  price: Decimal;
  leverage: number;
  marginMode: 'isolated' | 'cross';
  /** maker fee for a post-only limit, taker otherwise */
  liquidity: 'maker' | 'taker';
  reduceOnly: boolean;
  /**
   * the ticket's order type; a `limit` is held to the price collar around the mark, as the engine holds
   * it (absent: not a limit)
   */
  orderType?: 'market' | 'limit' | 'stop_market' | 'stop_limit' | undefined;
  stopLoss?: Decimal | undefined;
  takeProfit?: Decimal | undefined;
}

/** The risk state the checks read: stored limits and the account as far as it is known. */
export interface PreviewRiskState {
  killSwitchOn: boolean;
  /** the worst circuit breaker in force (a pause whose cooldown has ended counts as active) */
  breaker?: 'active' | 'reduce_only' | 'halted' | undefined;
  /** the engine's limits (core/src/risk/limits.ts names); an absent one is not checked */
  limits: {
    maxLeverage?: number | undefined;
    maxPositionLots?: Record<string, number> | undefined;
    maxPositionNotional?: string | undefined;
    maxOpenPositions?: number | undefined;
    maxOrderLots?: number | undefined;
    maxOrderNotional?: string | undefined;
    /** liquidation must be at least this multiple of the stop distance away from entry */
    minLiquidationDistanceMultiple?: string | undefined;
    /** percent of equity a trade may lose at its stop */
    riskPerTradePct?: string | undefined;
    /** a limit price may lie at most this percentage from the mark (the engine's `price_collar`) */
    priceCollarPct?: string | undefined;
  };
  /** signed lots already held in this contract */
  currentLots: number;
  /** contracts with an open position */
  openPositions: number;
  /**
   * The contract's mark price, when a recent one is known: the engine's check values the position after
   * the order at the higher of the order price and the mark (a buy limit below the mark is judged at the
   * mark). Absent: valued at the order price, and the `risk_limit` check says so; a limit price is then
   * not held to the price collar, and the `price_collar` check says it is not checked.
   */
  mark?: Decimal | undefined;
  /** account equity in the settle currency, when known */
  equity?: Decimal | undefined;
  /**
   * The risk-limit level the account selected on the contract, as the engine last read it (its position
   * report or a pushed adjustment; `at`, when), which KuCoin judges an isolated position at. Absent, or
   * all null (read in cross margin): not known, and the preview falls back to the level the order's value
   * falls in, saying so.
   */
  selectedLevel?: (ContractRiskLimit['selected'] & { at?: Date | undefined }) | undefined;
}

/** The risk-limit level the preview's liquidation, leverage cap and position cap are estimated at. */
export interface PreviewRiskLevel {
  level: number;
  /** maintenance margin rate, a fraction */
  maintainMargin: Decimal;
  /** the largest position value (settle currency) the level allows */
  maxNotional: Decimal;
  maxLeverage: number;
  /**
   * `selected`: the level the account selected on the contract, as the engine last read it (what the
   * engine's check judges an isolated entry at); `order_value`: the level the position after the order
   * falls in by value, as the check values it (cross margin, where KuCoin applies that one, or isolated
   * with no selected level known; the name predates the position: with none, it is the order's value)
   */
  basis: 'selected' | 'order_value';
  /** when the engine read the selected level (`selected` only) */
  readAt: Date | null;
  message: string;
}

/** One risk check: `ok` false with `blocking` true means the engine would refuse the order. */
export interface PreviewCheck {
  code: string;
  ok: boolean;
  blocking: boolean;
  message: string;
}

export interface OrderPreview {
  price: Decimal;
  /** the risk-limit level the estimate is made at, and why that one */
  riskLevel: PreviewRiskLevel;
  notional: Decimal;
  /** initial margin the order locks */
  margin: Decimal;
  /** opening fee plus closing fee at the stop (or the entry price without a stop) */
  fees: Decimal;
  /** isolated liquidation price; null for cross margin (it depends on the whole account) */
  liquidationPrice: Decimal | null;
  /** |entry − liquidation| / entry × 100 */
  liquidationDistancePct: Decimal | null;
  stopDistance: Decimal | null;
  stopDistancePct: Decimal | null;
  /** loss if the stop fills (plus fees); without a stop, the whole margin (isolated) or the notional (cross) */
  worstCaseLoss: Decimal;
  checks: PreviewCheck[];
  /** true when no blocking check failed */
  allowed: boolean;
}

const ZERO = new Money(0);
const HUNDRED = new Money(100);

/**
 * What an order would cost and risk, and which checks would refuse it, before it is sent: the
 * dashboard's ticket shows this. Pure: the caller passes the price, limits and account state.
 *
 * @example previewOrder({ spec: XBT, side: 'buy', lots: 10, price: toMoney(60000), leverage: 10, marginMode: 'isolated', liquidity: 'taker', reduceOnly: false }, state).margin // 60
 */
export function previewOrder(input: OrderPreviewInput, state: PreviewRiskState): OrderPreview {
  const { spec, lots, price, leverage } = input;
  const sign = input.side === 'buy' ? 1 : -1;
  const checks: PreviewCheck[] = [];
  const check = (code: string, ok: boolean, message: string, blocking = true) =>
    checks.push({ code, ok, blocking, message });

  const validSize = Number.isInteger(lots) && lots >= spec.lotSize && lots <= spec.maxOrderQty;
  check(
    'size',
    validSize,
    validSize
      ? `${lots} lots`
      : `size must be a whole number of lots between ${spec.lotSize} and ${spec.maxOrderQty}`,
  );
  const size = validSize ? lots : Math.max(spec.lotSize, 1);
  const notional = notionalValue(spec, size, price);
  const after = state.currentLots + sign * size;
  // the position after the order, valued as the engine's check values it (the higher of price and mark)
  const valueAfter = positionValueAfter(after, spec.multiplier, price, state.mark ?? price);
  const tier = previewLevel(input, state, valueAfter);
  const lev = Math.max(1, Math.floor(leverage));
  const margin = initialMargin(notional, lev);
  const exitPrice = input.stopLoss ?? price;
  const fees = tradingFee(spec, size, price, input.liquidity).plus(
    tradingFee(spec, size, exitPrice, 'taker'),
  );

  const liq =
    input.marginMode === 'isolated'
      ? conservativeLiquidationPrice(price, sign > 0 ? 1 : -1, lev, tier.maintainMargin, spec.takerFeeRate)
      : null;
  const liqDistance = liq ? liq.minus(price).abs().div(price).mul(HUNDRED) : null;
  const stop = input.stopLoss;
  const stopDistance = stop ? stop.minus(price).abs() : null;
  const stopDistancePct = stopDistance ? stopDistance.div(price).mul(HUNDRED) : null;
  const worstCaseLoss = stopDistance
    ? stopDistance.mul(size).mul(spec.multiplier).plus(fees)
    : (input.marginMode === 'isolated' ? margin : notional).plus(fees);

  check(
    'tick',
    price.eq(alignToTick(price, spec.tickSize)),
    `price must be a multiple of the tick size ${spec.tickSize.toString()}`,
  );
  check(
    'kill_switch',
    !state.killSwitchOn || input.reduceOnly,
    state.killSwitchOn ? 'the kill switch is on: only reduce-only orders pass' : 'kill switch off',
  );
  // As the engine's check (core's priceCollar): a limit more than priceCollarPct % from the mark is
  // refused (reduce-only orders are not held to it). Without a recent mark it is not checked, and says so.
  const collarPct = state.limits.priceCollarPct;
  if (input.orderType === 'limit' && collarPct !== undefined && !input.reduceOnly) {
    if (state.mark) {
      const collar = priceCollar(price, state.mark, collarPct, spec.tickSize);
      check('price_collar', collar.ok, collar.message);
    } else {
      check('price_collar', false, 'no recent mark known: the price collar is not checked', false);
    }
  }
  if (state.breaker && state.breaker !== 'active')
    check(
      'breaker',
      input.reduceOnly,
      `a circuit breaker is ${state.breaker === 'halted' ? 'halted' : 'reduce-only'}: only reduce-only orders pass`,
    );
  check(
    'contract_leverage',
    lev <= tier.maxLeverage,
    tier.basis === 'selected'
      ? `leverage ${lev}× against ${tier.maxLeverage}× allowed at the selected risk-limit level ${tier.level}`
      : `leverage ${lev}× against ${tier.maxLeverage}× allowed at this size (risk-limit level ${tier.level})`,
  );
  if (state.limits.maxLeverage !== undefined)
    check(
      'max_leverage',
      lev <= state.limits.maxLeverage,
      `leverage ${lev}× against the ${state.limits.maxLeverage}× limit`,
    );
  const { maxOrderLots, maxOrderNotional, maxPositionNotional } = state.limits;
  if (maxOrderLots !== undefined || maxOrderNotional !== undefined)
    check(
      'order_size',
      (maxOrderLots === undefined || size <= maxOrderLots) &&
        (maxOrderNotional === undefined || notional.lte(maxOrderNotional)),
      // in units, and only the limits that are set (it read "order of 100000 lots / 9560400.00 against
      // 10000 lots / 5000", or "∞ lots" for a limit not set)
      `order of ${size} lots (${maxOrderNotional !== undefined ? decimalTextBeside(notional, maxOrderNotional, 2) : notional.toFixed(2)} USDT) against the order limit of ${[
        maxOrderLots !== undefined ? `${maxOrderLots} lots` : null,
        maxOrderNotional !== undefined ? `${maxOrderNotional} USDT` : null,
      ]
        .filter(Boolean)
        .join(' and ')}`,
    );
  // As the engine's checks: only a pure reduction (toward flat, not past it) is exempt from the position
  // caps; an order that flips the position through zero opens a new one.
  const reduces =
    after === 0 ||
    (Math.sign(after) === Math.sign(state.currentLots) && Math.abs(after) <= Math.abs(state.currentLots));
  if (maxPositionNotional !== undefined && !input.reduceOnly && !reduces) {
    // valued as the engine's check values it (position_limit): at the mark; none known, at the order price
    const positionValue = notionalValue(spec, Math.abs(after), state.mark ?? price);
    check(
      'position_notional',
      positionValue.lte(maxPositionNotional),
      `position after the order ${decimalTextBeside(positionValue, maxPositionNotional, 2)} USDT${state.mark ? ` at the mark ${priceText(state.mark, spec.tickSize)}` : ''} against the ${maxPositionNotional} USDT limit`,
    );
  }
  // As the engine's check: an isolated position is capped by its selected level (KuCoin refuses past it, 300005).
  // Valued as the engine's check values it (core positionValueAfter): at the higher of price and mark.
  if (tier.basis === 'selected' && !input.reduceOnly && !reduces) {
    const at = !state.mark
      ? ' (at the order price: no recent mark known, the engine values it at the higher of price and mark)'
      : state.mark.gt(price)
        ? ` (at the mark ${priceText(state.mark, spec.tickSize)}, above the order price, as the engine values it)`
        : '';
    check(
      'risk_limit',
      valueAfter.lte(tier.maxNotional),
      `position after the order ${decimalTextBeside(valueAfter, tier.maxNotional, 2)} USDT${at} against ${tier.maxNotional.toFixed()} USDT allowed at the selected risk-limit level ${tier.level}`,
    );
  }
  const maxLots = state.limits.maxPositionLots?.[spec.symbol];
  if (maxLots !== undefined)
    check(
      'max_position',
      reduces || Math.abs(after) <= maxLots,
      `position after the order ${after} lots against the ${maxLots}-lot limit`,
    );
  if (state.limits.maxOpenPositions !== undefined && state.currentLots === 0 && !input.reduceOnly)
    check(
      'max_open_positions',
      state.openPositions < state.limits.maxOpenPositions,
      `${state.openPositions} open positions against the limit of ${state.limits.maxOpenPositions}`,
    );
  if (input.reduceOnly)
    check(
      'reduce_only',
      state.currentLots !== 0 && Math.sign(state.currentLots) !== sign && size <= Math.abs(state.currentLots),
      'a reduce-only order must shrink the open position',
    );
  if (stop) {
    const sideOk = sign > 0 ? stop.lt(price) : stop.gt(price);
    check('stop_side', sideOk, `the stop must be ${sign > 0 ? 'below' : 'above'} the entry price`);
    if (liq && sideOk) {
      check(
        'stop_before_liquidation',
        sign > 0 ? stop.gt(liq) : stop.lt(liq),
        `the stop must trigger before liquidation at ${priceTextBeside(liq, stop, spec.tickSize)}`,
      );
      const multiple = state.limits.minLiquidationDistanceMultiple;
      if (multiple !== undefined && stopDistance)
        check(
          'liquidation_distance',
          liq.minus(price).abs().gte(stopDistance.mul(multiple)),
          `liquidation must be at least ${multiple}× the stop distance from entry`,
        );
    }
  } else if (!input.reduceOnly) {
    check('stop_loss', false, 'no stop-loss: the worst case is losing the whole margin', false);
  }
  if (input.takeProfit)
    check(
      'take_profit_side',
      sign > 0 ? input.takeProfit.gt(price) : input.takeProfit.lt(price),
      `the take-profit must be ${sign > 0 ? 'above' : 'below'} the entry price`,
    );
  if (state.limits.riskPerTradePct !== undefined && !input.reduceOnly) {
    if (state.equity?.gt(ZERO)) {
      const budget = state.equity.mul(state.limits.riskPerTradePct).div(HUNDRED);
      check(
        'risk_per_trade',
        worstCaseLoss.lte(budget),
        `worst-case loss ${decimalTextBeside(worstCaseLoss, budget, 2)} USDT against ${state.limits.riskPerTradePct}% of equity (${decimalTextBeside(budget, worstCaseLoss, 2)} USDT)`,
      );
    } else {
      check('risk_per_trade', false, 'account equity unknown: risk per trade not checked', false);
    }
  }

  return {
    price,
    riskLevel: tier,
    notional,
    margin,
    fees,
    liquidationPrice: liq,
    liquidationDistancePct: liqDistance,
    stopDistance,
    stopDistancePct,
    worstCaseLoss,
    checks,
    allowed: checks.every((c) => c.ok || !c.blocking),
  };
}

/**
 * The level an order is estimated at, by the engine check's own rules (core's `governingTier`,
 * `maintenanceRate`, `levelLeverageCap`): for isolated margin the one selected on the contract, when known
 * (found by its number in the table, the reported rate and cap winning when stricter); else, and for
 * cross margin, the level the position after the order falls in by its value (`valueAfter`, as the check
 * values it: the order's own value when there is no position).
 */
function previewLevel(
  input: OrderPreviewInput,
  state: PreviewRiskState,
  valueAfter: Decimal,
): PreviewRiskLevel {
  const { spec } = input;
  const isolated = input.marginMode === 'isolated';
  const pct = (rate: Decimal) => `${rate.mul(HUNDRED).toFixed()} %`;
  const chosen =
    isolated && state.selectedLevel ? levelOf(spec, 'ISOLATED', state.selectedLevel, valueAfter) : null;
  if (chosen) {
    const at = state.selectedLevel?.at;
    return {
      ...chosen,
      basis: 'selected',
      readAt: at ?? null,
      message: `risk-limit level ${chosen.level} selected on ${spec.symbol} (maintenance ${pct(chosen.maintainMargin)}, positions up to ${chosen.maxNotional.toFixed()} USDT), as the engine read it${at ? ` at ${at.toISOString()}` : ''}`,
    };
  }
  const none = { level: null, maintainMargin: null, maxNotional: null };
  // a CROSS table always yields a level (the last caps it)
  const t = levelOf(spec, 'CROSS', none, valueAfter)!;
  const falls = `the one the position after the order (${valueAfter.toFixed(2)} USDT${state.currentLots === 0 ? ', the order alone' : ''}) falls in`;
  return {
    ...t,
    basis: 'order_value',
    readAt: null,
    message: isolated
      ? `no risk-limit level selected on ${spec.symbol} is known (the engine stores it once it reads it): estimated at level ${t.level} (maintenance ${pct(t.maintainMargin)}), ${falls}; the engine judges the order at the selected level`
      : `cross margin: level ${t.level} (maintenance ${pct(t.maintainMargin)}), ${falls}`,
  };
}

/** The engine check's level for a position worth `value`, with its rate and leverage cap as the check applies them. */
function levelOf(
  spec: ContractSpec,
  marginMode: ContractRiskLimit['marginMode'],
  selected: ContractRiskLimit['selected'],
  value: Decimal,
): Omit<PreviewRiskLevel, 'basis' | 'readAt' | 'message'> | null {
  const tiers = spec.riskLimits.map((t) => ({
    level: t.level,
    maxNotional: new Money(t.maxRiskLimit),
    maxLeverage: t.maxLeverage,
    maintainMargin: t.maintainMargin,
  }));
  const t = governingTier({ marginMode, tiers, selected }, value);
  if (!t) return null;
  // the engine's rate: the level's, never below the contract's own (its first level's, the one
  // `GET /api/v1/contracts/active` reports): a reported rate under it (a level the table does not list)
  // does not move the liquidation estimate further away than the check judges it
  const maintainMargin = maintenanceRate(t, contractMaintenanceRate(spec));
  // the engine's cap: the contract's maximum lowered by the level's (a level the table does not list
  // has none: the contract's maximum, not the cap of the level the order's value falls in)
  const maxLeverage = levelLeverageCap(spec.maxLeverage, t);
  return { level: t.level, maintainMargin, maxNotional: t.maxNotional, maxLeverage };
}

/** The contract's own maintenance rate, its first level's (the engine's `TradableContract.maintainMarginRate`). */
function contractMaintenanceRate(spec: ContractSpec): Decimal {
  return spec.riskLimits[0]!.maintainMargin;
}
