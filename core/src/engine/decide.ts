import Decimal from 'decimal.js';
import type { EffectiveStrategy } from './strategy.ts';

/** The strategy-relevant facts of one alert (from the `signals:incoming` entry). */
export interface SignalFacts {
  action: 'buy' | 'sell' | 'close' | 'reverse';
  /** TradingView `{{strategy.market_position}}`: long | short | flat (after the order) */
  marketPosition: string | null;
  /** TradingView `{{strategy.position_size}}`: the strategy's |position| after the order */
  positionSize: string | null;
  /** TradingView `{{strategy.order.contracts}}`: this order's size */
  size: string | null;
}

export type Direction = 'long' | 'short';

/** What the engine should do about a signal, before sizing and risk. */
export type Plan =
  | { kind: 'none'; code: string; message: string }
  | { kind: 'blocked'; code: string; message: string }
  | {
      kind: 'trade';
      /** lots of the current position to close first (reduce-only), ≥ 0 */
      closeLots: number;
      /** the opening leg: side and lots (null lots = size it with the sizing rule) */
      open: { side: Direction; lots: number | null; scaleIn: boolean } | null;
      /** target mode: the signed position the engine trades to */
      targetQty: number | null;
      label: 'open' | 'close' | 'reduce' | 'reverse' | 'scale_in';
    };

/** A decimal from an alert field, or null when it is not one (garbage never throws out of planning). */
function decimalOrNull(s: string): Decimal | null {
  try {
    return new Decimal(s);
  } catch {
    return null;
  }
}

const none = (code: string, message: string): Plan => ({ kind: 'none', code, message });
const blocked = (code: string, message: string): Plan => ({ kind: 'blocked', code, message });

function marketPositionOf(s: string | null): Direction | 'flat' | null {
  if (s === null) return null;
  const v = s.trim().toLowerCase();
  if (v === 'long' || v === 'short' || v === 'flat') return v;
  return null;
}

/**
 * Turn an alert into a plan for a one-way position of `qty` signed lots. Pure: the same alert against
 * the same position always gives the same plan, so a repeated alert in `target` mode trades nothing.
 */
export function planSignal(signal: SignalFacts, config: EffectiveStrategy, qty: number): Plan {
  if (!Number.isSafeInteger(qty)) throw new RangeError(`position must be whole lots: ${qty}`);
  if (!config.enabled) return blocked('strategy_disabled', 'the strategy for this source is disabled');
  return config.mode === 'target' ? planTarget(signal, config, qty) : planDirection(signal, config, qty);
}

function planTarget(signal: SignalFacts, config: EffectiveStrategy, qty: number): Plan {
  const mp = marketPositionOf(signal.marketPosition);
  if (mp === null)
    return blocked('target_fields_missing', 'target mode needs market_position (long/short/flat)');
  let target = 0;
  if (mp !== 'flat') {
    if (signal.positionSize === null)
      return blocked('target_fields_missing', 'target mode needs position_size with long/short');
    const units = decimalOrNull(signal.positionSize)?.abs();
    const lots = units?.mul(config.multiplier).toDecimalPlaces(0, Decimal.ROUND_DOWN).toNumber();
    if (lots === undefined || !Number.isSafeInteger(lots))
      return blocked('target_fields_missing', `position_size is not a usable number: ${signal.positionSize}`);
    target = mp === 'long' || lots === 0 ? lots : -lots;
  }
  if (target === qty) return none('at_target', `position is already ${qty} lots`);
  const sameSide = qty === 0 || target === 0 || Math.sign(qty) === Math.sign(target);
  if (!sameSide) {
    if (!config.allowReverse) return blocked('reverse_not_allowed', 'the strategy may not reverse');
    return {
      kind: 'trade',
      closeLots: Math.abs(qty),
      open: { side: target > 0 ? 'long' : 'short', lots: Math.abs(target), scaleIn: false },
      targetQty: target,
      label: 'reverse',
    };
  }
  if (Math.abs(target) < Math.abs(qty)) {
    if (!config.allowClose) return blocked('close_not_allowed', 'the strategy may not close');
    return {
      kind: 'trade',
      closeLots: Math.abs(qty) - Math.abs(target),
      open: null,
      targetQty: target,
      label: target === 0 ? 'close' : 'reduce',
    };
  }
  const scaleIn = qty !== 0;
  if (scaleIn && !config.allowScaleIn) return blocked('scale_in_not_allowed', 'the strategy may not add');
  if (!scaleIn && !config.allowOpen) return blocked('open_not_allowed', 'the strategy may not open');
  return {
    kind: 'trade',
    closeLots: 0,
    open: { side: target > 0 ? 'long' : 'short', lots: Math.abs(target) - Math.abs(qty), scaleIn },
    targetQty: target,
    label: scaleIn ? 'scale_in' : 'open',
  };
}

function planDirection(signal: SignalFacts, config: EffectiveStrategy, qty: number): Plan {
  const mp = marketPositionOf(signal.marketPosition);
  const current: Direction | 'flat' = qty > 0 ? 'long' : qty < 0 ? 'short' : 'flat';
  let want: Direction | 'flat';
  if (mp !== null) want = mp;
  else if (signal.action === 'buy') want = 'long';
  else if (signal.action === 'sell') want = 'short';
  else if (signal.action === 'close') want = 'flat';
  else {
    if (current === 'flat') return none('nothing_to_reverse', 'reverse with no open position');
    want = current === 'long' ? 'short' : 'long';
  }

  if (want === 'flat') {
    if (current === 'flat') return none('already_flat', 'no position to close');
    if (!config.allowClose) return blocked('close_not_allowed', 'the strategy may not close');
    return { kind: 'trade', closeLots: Math.abs(qty), open: null, targetQty: 0, label: 'close' };
  }
  if (current === want) {
    // A strategy alert whose order goes against the position it keeps is a partial exit.
    const orderSide: Direction = signal.action === 'sell' ? 'short' : 'long';
    if (mp !== null && (signal.action === 'buy' || signal.action === 'sell') && orderSide !== want) {
      return planPartialExit(signal, config, qty);
    }
    if (!config.allowScaleIn) return none(`already_${want}`, `already ${want}; scale-in is off`);
    return {
      kind: 'trade',
      closeLots: 0,
      open: { side: want, lots: null, scaleIn: true },
      targetQty: null,
      label: 'scale_in',
    };
  }
  if (current === 'flat') {
    if (!config.allowOpen) return blocked('open_not_allowed', 'the strategy may not open');
    return {
      kind: 'trade',
      closeLots: 0,
      open: { side: want, lots: null, scaleIn: false },
      targetQty: null,
      label: 'open',
    };
  }
  if (config.allowReverse) {
    return {
      kind: 'trade',
      closeLots: Math.abs(qty),
      open: { side: want, lots: null, scaleIn: false },
      targetQty: null,
      label: 'reverse',
    };
  }
  if (!config.allowClose) return blocked('reverse_not_allowed', 'the strategy may neither reverse nor close');
  return { kind: 'trade', closeLots: Math.abs(qty), open: null, targetQty: 0, label: 'close' };
}

/** Reduce by the share of the strategy's position this order took off: contracts / (position_size + contracts). */
function planPartialExit(signal: SignalFacts, config: EffectiveStrategy, qty: number): Plan {
  if (!config.allowClose) return blocked('close_not_allowed', 'the strategy may not close');
  if (signal.size === null || signal.positionSize === null)
    return none('partial_exit_unsized', 'a partial exit needs contracts and position_size');
  const order = decimalOrNull(signal.size)?.abs();
  const after = decimalOrNull(signal.positionSize)?.abs();
  if (!order?.isFinite() || !after?.isFinite())
    return none('partial_exit_unsized', 'contracts or position_size is not a number');
  const before = after.plus(order);
  if (before.lte(0)) return none('partial_exit_unsized', 'contracts and position_size are zero');
  const lots = order.div(before).mul(Math.abs(qty)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
  if (lots <= 0) return none('partial_exit_below_one_lot', 'the partial exit rounds to 0 lots');
  return {
    kind: 'trade',
    closeLots: Math.min(lots, Math.abs(qty)),
    open: null,
    targetQty: null,
    label: 'reduce',
  };
}
