import { Money } from '@enigma/core/money';
import type Decimal from 'decimal.js';
import type { EventBus } from './events.ts';
import type { SymbolMarket } from './market-state.ts';
import type { MatchingCore } from './matching.ts';
import { type OrderInput, ZERO } from './order-input.ts';
import { hashString } from './rng.ts';
import type {
  ClosedPosition,
  FundingRecord,
  LedgerEntry,
  SimFill,
  SimOrder,
  SimPosition,
  SymbolSettings,
} from './types.ts';

/**
 * The account: the USDT wallet, per-contract settings, positions, fills, the ledger, closed positions
 * and funding records. It reads the matching core (markets, open orders) and asks it to cancel or store
 * orders; the core never sees it except through the handlers the facade hands it. Margin, liquidation
 * and funding are in margin.ts, booking a fill in fills.ts, settings changes in settings.ts — all of them
 * over this object.
 */

export interface AccountOptions {
  /** Starting USDT balance. */
  initialBalance?: number;
  /** Default cross-margin leverage per symbol. */
  crossLeverage?: number;
  /** The funding rate of a contract at a time (the market's; the account settles with it). */
  fundingRateFor: (symbol: string, at: number) => number;
  /** The first settlement time of a contract after the start. */
  firstFunding: (symbol: string) => number;
}

/** Renders a position as KuCoin does (installed by views.ts; REST and WS share it). */
export type PositionRenderer = (p: SimPosition) => Record<string, unknown>;

export class SimAccount {
  wallet: Decimal;
  readonly positions = new Map<string, SimPosition>();
  readonly settings = new Map<string, SymbolSettings>();
  readonly fills: SimFill[] = [];
  readonly closedPositions: ClosedPosition[] = [];
  readonly fundingRecords: FundingRecord[] = [];
  readonly ledger: LedgerEntry[] = [];
  /** Next funding settlement per contract. */
  readonly nextFunding = new Map<string, number>();
  walletDirty = false;
  walletVersion = 1;
  readonly fundingRateFor: (symbol: string, at: number) => number;
  readonly bus: EventBus;
  renderPosition: PositionRenderer = (p) => ({ symbol: p.symbol, currentQty: p.qty });

  constructor(
    readonly core: MatchingCore,
    opts: AccountOptions,
  ) {
    this.wallet = new Money(opts.initialBalance ?? 0);
    this.bus = core.bus;
    this.fundingRateFor = opts.fundingRateFor;
    for (const symbol of core.markets.keys()) {
      this.settings.set(symbol, {
        marginMode: 'ISOLATED',
        crossLeverage: new Money(opts.crossLeverage ?? 5),
        riskLimitLevel: 1,
      });
      this.nextFunding.set(symbol, opts.firstFunding(symbol));
    }
  }

  market(symbol: string): SymbolMarket {
    return this.core.market(symbol);
  }

  settingsOf(symbol: string): SymbolSettings {
    this.market(symbol);
    return this.settings.get(symbol)!;
  }

  /** The position in a contract, created flat on first use. */
  position(symbol: string): SimPosition {
    let p = this.positions.get(symbol);
    if (!p) {
      const st = this.settingsOf(symbol);
      p = {
        // Derived from the symbol, not the id counter: reading a position must not consume an id.
        id: (this.core.ids.base + BigInt(hashString(symbol) % 1_000_000) * 7n + 3n).toString(),
        symbol,
        qty: 0,
        entryPrice: ZERO,
        marginMode: st.marginMode,
        leverage: st.marginMode === 'CROSS' ? st.crossLeverage : new Money(1),
        isolatedMargin: ZERO,
        realisedGrossPnl: ZERO,
        realisedPnl: ZERO,
        currentComm: ZERO,
        posFunding: ZERO,
        openingTimestamp: 0,
        openPrice: ZERO,
      };
      this.positions.set(symbol, p);
    }
    return p;
  }

  addLedger(type: LedgerEntry['type'], amount: Decimal, remark: string): void {
    this.ledger.push({
      offset: this.ledger.length + 1,
      time: this.core.clock.now(),
      type,
      amount,
      fee: ZERO,
      accountEquity: this.wallet,
      remark,
    });
  }

  /** Push position.change on the contract's topic and positionAll. */
  emitPosition(p: SimPosition, changeReason: string): void {
    const full = this.renderPosition(p);
    // Mark-price updates carry KuCoin's reduced field set (KUCOIN.md §4.3, S1), not the whole position.
    const data =
      changeReason === 'markPriceChange'
        ? { ...Object.fromEntries(MARK_UPDATE_FIELDS.map((k) => [k, full[k]])), changeReason }
        : { ...full, changeReason };
    this.bus.emit({
      channel: 'private',
      topic: `/contract/position:${p.symbol}`,
      subject: 'position.change',
      data,
    });
    this.bus.emit({ channel: 'private', topic: '/contract/positionAll', subject: 'position.change', data });
  }
}

/** The fields of a mark-price `position.change` (S1's sample, plus `symbol` for per-symbol routing). */
const MARK_UPDATE_FIELDS = [
  'symbol',
  'markPrice',
  'markValue',
  'maintMargin',
  'realLeverage',
  'unrealisedPnl',
  'unrealisedRoePcnt',
  'unrealisedPnlPcnt',
  'delevPercentage',
  'currentTimestamp',
  'settleCurrency',
] as const;

/** A fresh order record of this account from validated input (nothing is stored yet). */
export function newOrder(a: SimAccount, input: OrderInput, over: Partial<SimOrder>): SimOrder {
  const now = a.core.clock.now();
  const st = a.settingsOf(input.symbol);
  return {
    id: a.core.ids.next(),
    clientOid: input.clientOid,
    symbol: input.symbol,
    side: input.side ?? 'buy',
    type: input.type,
    price: input.price,
    size: input.size ?? 0,
    filledSize: 0,
    filledValue: ZERO,
    canceledSize: 0,
    fee: ZERO,
    status: 'open',
    isActive: false,
    cancelExist: false,
    stop: input.stop,
    stopPrice: input.stopPrice,
    stopPriceType: input.stop ? input.stopPriceType : '',
    stopTriggered: false,
    timeInForce: input.timeInForce,
    postOnly: input.postOnly,
    hidden: input.hidden,
    iceberg: input.iceberg,
    visibleSize: input.visibleSize,
    reduceOnly: input.reduceOnly || input.closeOrder,
    closeOrder: input.closeOrder,
    forceHold: input.forceHold,
    leverage:
      st.marginMode === 'CROSS' ? st.crossLeverage : (input.leverage ?? a.position(input.symbol).leverage),
    marginMode: st.marginMode,
    remark: input.remark,
    stp: input.stp,
    createdAt: now,
    updatedAt: now,
    endAt: null,
    ...over,
  };
}
