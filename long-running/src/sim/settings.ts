import { notionalValue } from '@enigma/core/contract/math';
import type Decimal from 'decimal.js';
import type { SimAccount } from './account.ts';
import { SimError } from './errors.ts';
import { flushWallet } from './margin.ts';
import { cancelOrderObject } from './matching.ts';
import { ZERO } from './order-input.ts';
import type { MarginMode } from './types.ts';

/** Per-symbol account settings: margin mode, cross leverage, risk-limit level. */

/** Switch a symbol's margin mode; refused while it has a position or open orders. */
export function setMarginMode(a: SimAccount, symbol: string, mode: MarginMode): void {
  const st = a.settingsOf(symbol);
  if (st.marginMode === mode) return;
  const pos = a.positions.get(symbol);
  const busy = (pos && pos.qty !== 0) || [...a.core.openOrders].some((o) => o.symbol === symbol);
  if (busy) throw new SimError('50002', 'exist.order.or.position');
  st.marginMode = mode;
  if (pos) {
    pos.marginMode = mode;
    if (mode === 'CROSS') pos.leverage = st.crossLeverage;
  }
  a.bus.emit({
    channel: 'private',
    topic: '/contract/marginMode',
    subject: 'user.config',
    data: { [symbol]: mode },
  });
}

/** Set a symbol's cross leverage (max: the contract's) and announce it on /contract/crossLeverage. */
export function setCrossLeverage(a: SimAccount, symbol: string, leverage: Decimal): void {
  const m = a.market(symbol);
  if (leverage.lte(0) || leverage.gt(m.spec.maxLeverage))
    throw new SimError('300016', `The leverage cannot be greater than ${m.spec.maxLeverage}.`);
  const st = a.settingsOf(symbol);
  st.crossLeverage = leverage;
  const pos = a.positions.get(symbol);
  if (pos && pos.marginMode === 'CROSS') pos.leverage = leverage;
  a.bus.emit({
    channel: 'private',
    topic: '/contract/crossLeverage',
    subject: 'user.config',
    data: { [symbol]: { leverage: leverage.toString() } },
  });
  a.walletDirty = true;
  flushWallet(a);
}

/** Change the isolated risk-limit level; the outcome is pushed as position.adjustRiskLimit. */
export function setRiskLimitLevel(a: SimAccount, symbol: string, level: number): void {
  const m = a.market(symbol);
  const tier = m.spec.riskLimits[level - 1];
  if (!Number.isInteger(level) || !tier) throw new SimError('100005', 'contractRiskLimitNotExist');
  const pos = a.positions.get(symbol);
  const notional = pos ? notionalValue(m.spec, pos.qty, pos.entryPrice) : ZERO;
  const ok = notional.lte(tier.maxRiskLimit);
  if (ok) {
    a.settingsOf(symbol).riskLimitLevel = level;
    const now = a.core.clock.now();
    for (const o of [...a.core.openOrders])
      if (o.symbol === symbol && o.isActive) cancelOrderObject(a.core, o, now);
    a.core.handlers.bookChanged(m, now);
  }
  a.bus.emit({
    channel: 'private',
    topic: `/contract/position:${symbol}`,
    subject: 'position.adjustRiskLimit',
    data: ok
      ? { success: true, riskLimitLevel: level, msg: '' }
      : {
          success: false,
          riskLimitLevel: a.settingsOf(symbol).riskLimitLevel,
          msg: 'risk limit exceeded',
        },
  });
  flushWallet(a);
}
