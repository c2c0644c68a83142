import { notionalValue } from '@enigma/core/contract/math';
import type Decimal from 'decimal.js';
import type { SimEngine } from './engine.ts';
import { SimError } from './errors.ts';
import { publishBook } from './feed.ts';
import { accountSummary } from './margin.ts';
import { cancelOrderObject } from './order-flow.ts';
import { ZERO } from './order-input.ts';
import type { MarginMode } from './types.ts';

/** Per-symbol account settings (margin mode, cross leverage, risk-limit level) and the wallet push. */

/** Switch a symbol's margin mode; refused while it has a position or open orders. */
export function setMarginMode(e: SimEngine, symbol: string, mode: MarginMode): void {
  const st = e.settingsOf(symbol);
  if (st.marginMode === mode) return;
  const pos = e.positions.get(symbol);
  const busy = (pos && pos.qty !== 0) || [...e.openOrders].some((o) => o.symbol === symbol);
  if (busy) throw new SimError('50002', 'exist.order.or.position');
  st.marginMode = mode;
  if (pos) {
    pos.marginMode = mode;
    if (mode === 'CROSS') pos.leverage = st.crossLeverage;
  }
  e.emit({
    channel: 'private',
    topic: '/contract/marginMode',
    subject: 'user.config',
    data: { [symbol]: mode },
  });
}

/** Set a symbol's cross leverage (max: the contract's) and announce it on /contract/crossLeverage. */
export function setCrossLeverage(e: SimEngine, symbol: string, leverage: Decimal): void {
  const m = e.market(symbol);
  if (leverage.lte(0) || leverage.gt(m.spec.maxLeverage))
    throw new SimError('300016', `The leverage cannot be greater than ${m.spec.maxLeverage}.`);
  const st = e.settingsOf(symbol);
  st.crossLeverage = leverage;
  const pos = e.positions.get(symbol);
  if (pos && pos.marginMode === 'CROSS') pos.leverage = leverage;
  e.emit({
    channel: 'private',
    topic: '/contract/crossLeverage',
    subject: 'user.config',
    data: { [symbol]: { leverage: leverage.toString() } },
  });
  e.walletDirty = true;
  e.flushWallet();
}

/** Change the isolated risk-limit level; the outcome is pushed as position.adjustRiskLimit. */
export function setRiskLimitLevel(e: SimEngine, symbol: string, level: number): void {
  const m = e.market(symbol);
  const tier = m.spec.riskLimits[level - 1];
  if (!Number.isInteger(level) || !tier) throw new SimError('100005', 'contractRiskLimitNotExist');
  const pos = e.positions.get(symbol);
  const notional = pos ? notionalValue(m.spec, pos.qty, pos.entryPrice) : ZERO;
  const ok = notional.lte(tier.maxRiskLimit);
  if (ok) {
    e.settingsOf(symbol).riskLimitLevel = level;
    const now = e.clock.now();
    for (const o of [...e.openOrders]) if (o.symbol === symbol && o.isActive) cancelOrderObject(e, o, now);
    publishBook(e, m, now);
  }
  e.emit({
    channel: 'private',
    topic: `/contract/position:${symbol}`,
    subject: 'position.adjustRiskLimit',
    data: ok
      ? { success: true, riskLimitLevel: level, msg: '' }
      : {
          success: false,
          riskLimitLevel: e.settingsOf(symbol).riskLimitLevel,
          msg: 'risk limit exceeded',
        },
  });
  e.flushWallet();
}

/** Push walletBalance.change and the legacy availableBalance/orderMargin subjects if the wallet changed. */
export function publishWallet(e: SimEngine): void {
  if (!e.walletDirty) return;
  e.walletDirty = false;
  e.walletVersion += 1;
  const a = accountSummary(e);
  const now = e.clock.now();
  const topic = '/contractAccount/wallet';
  e.emit({
    channel: 'private',
    topic,
    subject: 'walletBalance.change',
    data: {
      crossPosMargin: a.crossPosMargin.toString(),
      isolatedOrderMargin: a.isoOrderMargin.toString(),
      holdBalance: '0',
      equity: a.equity.toString(),
      version: String(e.walletVersion),
      availableBalance: a.available.toString(),
      isolatedPosMargin: a.isoPosMargin.toString(),
      walletBalance: a.wallet.toString(),
      isolatedFundingFeeMargin: '0',
      crossUnPnl: a.crossUnPnl.toString(),
      totalCrossMargin: a.totalCrossMargin.toString(),
      currency: 'USDT',
      isolatedUnPnl: a.isoUnPnl.toString(),
      crossOrderMargin: a.crossOrderMargin.toString(),
      timestamp: String(now),
    },
  });
  e.emit({
    channel: 'private',
    topic,
    subject: 'availableBalance.change',
    data: {
      availableBalance: a.available.toString(),
      holdBalance: '0',
      currency: 'USDT',
      timestamp: String(now),
    },
  });
  e.emit({
    channel: 'private',
    topic,
    subject: 'orderMargin.change',
    data: { orderMargin: a.orderMargin.toString(), currency: 'USDT', timestamp: String(now) },
  });
}
