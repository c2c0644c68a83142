import {
  preTradeChecks,
  type RiskBlock,
  type RiskContext,
  type TradableContract,
} from '@enigma/core/risk/checks';
import { type AccountEvent, accountEventSchema } from '@enigma/core/streams/catalog';
import { saveAccountBalance } from '@enigma/db/repositories/balances';
import { saveSelectedRiskLevel } from '@enigma/db/repositories/risk-limit-levels';
import Decimal from 'decimal.js';
import type { EngineContext } from './context.ts';
import type { MarketView } from './market.ts';
import { RiskLevels } from './risk-levels.ts';
import type { AccountState } from './state.ts';

/** A balance older than this is not trusted: entries block until a fresh one arrives (fail closed). */
export const BALANCE_MAX_AGE_MS = 5_000;
/** How long an entry's margin is held at most when its answer never comes (its flow ends elsewhere). */
export const ENTRY_HOLD_MAX_MS = 30_000;

/**
 * How often the balance is also stored (`account_balances`) for readers outside the engine, such as
 * the order ticket's risk preview; the engine itself reads only its own snapshot.
 */
export const BALANCE_SAVE_EVERY_MS = 5_000;

interface BalanceSnapshot {
  /** when the request that produced it was sent (what it cannot have seen starts here) */
  requestedAt: number;
  /** when it was answered (its age) */
  at: number;
  equity: Decimal | null;
  available: Decimal | null;
}

/**
 * Gathers what the pre-trade checks need without a database read or an exchange call on the decision
 * path: limits, kill switch and breaker from the engine's settings, market data from the collector's
 * events (refreshed over REST only when stale), positions and open orders from the account view, and
 * the account's equity and available balance from the exchange, refreshed in the background every
 * second. A balance older than `BALANCE_MAX_AGE_MS`, or an unanswered request, leaves them null, which
 * blocks. Margin of entry orders accepted since the balance was requested is reserved from it, so a
 * burst of signals between two refreshes cannot spend the same margin twice.
 */
export class RiskInputs {
  private snapshot: BalanceSnapshot | null = null;
  private refreshing: Promise<void> | null = null;
  private reservations: { at: number; margin: Decimal }[] = [];
  /**
   * Entries that passed the checks and are not answered yet, by signal: their lots count in the account's
   * expected positions until their order rows are tracked, their margin until the exchange accepts them
   * (then it is a reservation) or `ENTRY_HOLD_MAX_MS` has passed. So signals of several contracts decided
   * at once are each judged with the others' entries counted (open positions, exposure, margin).
   */
  private readonly holds = new Map<string, { margin: Decimal; at: number }>();
  private holdsVersion = 0;
  private savedAt = Number.NEGATIVE_INFINITY;
  /** each contract's risk-limit levels and the one selected on it (opening orders are judged at it) */
  readonly levels: RiskLevels;

  constructor(
    private readonly ctx: EngineContext,
    private readonly market: MarketView,
    private readonly state: AccountState,
  ) {
    // each reading of a selected level is also stored, off the decision path, for the ticket's preview
    this.levels = new RiskLevels(ctx, (symbol, selected, at) =>
      saveSelectedRiskLevel(ctx.db, {
        accountId: ctx.accountId,
        symbol,
        level: selected?.level ?? null,
        maintainMargin: selected?.maintainMargin?.toFixed() ?? null,
        maxNotional: selected?.maxNotional?.toFixed() ?? null,
        at: new Date(at),
      }),
    );
  }

  /** Ask the exchange for the balance now (one request at a time; a failure keeps the old snapshot aging). */
  refreshBalance(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const requestedAt = this.ctx.clock.now();
    this.refreshing = (async () => {
      try {
        const o = await this.ctx.kucoin.account.overview('USDT');
        this.snapshot = {
          requestedAt,
          at: this.ctx.clock.now(),
          equity: o.accountEquity,
          available: o.availableBalance,
        };
        this.reservations = this.reservations.filter((r) => r.at >= requestedAt);
        // One conversion for the published event and the stored row: both say the same answer.
        const equity = o.accountEquity.toFixed();
        const available = o.availableBalance.toFixed();
        const event: AccountEvent = {
          type: 'account',
          at: this.snapshot.at,
          currency: o.currency,
          equity,
          balance: o.marginBalance.toFixed(),
          availableBalance: available,
          unrealisedPnl: o.unrealisedPnl.toFixed(),
          positionMargin: o.positionMargin.toFixed(),
          orderMargin: o.orderMargin.toFixed(),
        };
        const checked = accountEventSchema.safeParse(event);
        if (checked.success) this.ctx.publish('account', checked.data);
        else this.ctx.log.warn({ issues: checked.error.issues }, 'account event does not fit its schema');
        if (this.snapshot.at - this.savedAt >= BALANCE_SAVE_EVERY_MS) {
          this.savedAt = this.snapshot.at;
          // best effort, off the decision path: a reader judges the stored balance's age
          saveAccountBalance(this.ctx.db, {
            accountId: this.ctx.accountId,
            currency: o.currency,
            equity,
            available,
            at: new Date(this.snapshot.at),
          }).catch((error: unknown) =>
            this.ctx.log.warn({ err: error }, 'storing the account balance failed'),
          );
        }
      } catch (error) {
        this.ctx.log.warn({ err: error }, 'account overview failed: balance ages (entries block past 5 s)');
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** Changes whenever what `context` reads of the account's positions, orders and held entries changes. */
  version(): number {
    return this.state.version + this.holdsVersion;
  }

  /** An entry passed the checks: its lots and margin count for every decision from here (see `holds`). */
  hold(key: string, symbol: string, qty: number, margin: Decimal): void {
    this.state.reserveAlgo(`entry:${key}`, symbol, qty);
    this.holds.set(key, { margin, at: this.ctx.clock.now() });
    this.holdsVersion++;
  }

  /** The entry's order rows are tracked (they count as decided orders): its lots are no longer held. */
  releaseLots(key: string): void {
    this.state.reserveAlgo(`entry:${key}`, '', 0);
  }

  /** The entry is answered (its margin reserved), refused or never sent: nothing of it is held. */
  release(key: string): void {
    this.releaseLots(key);
    if (this.holds.delete(key)) this.holdsVersion++;
  }

  /** Margin an accepted entry order holds until a balance requested after it shows it. */
  reserve(margin: Decimal): void {
    if (margin.isFinite() && margin.gt(0)) this.reservations.push({ at: this.ctx.clock.now(), margin });
  }

  /** Equity and available balance (less reservations), or nulls when unknown or too old. */
  async balance(): Promise<{ equity: Decimal | null; available: Decimal | null }> {
    await this.freshBalance();
    return this.balanceNow();
  }

  /** Asks for the balance when the one held is too old (the answer may still be too old: see balanceNow). */
  private async freshBalance(): Promise<void> {
    const now = this.ctx.clock.now();
    if (!this.snapshot || now - this.snapshot.at > BALANCE_MAX_AGE_MS) await this.refreshBalance();
  }

  /** The balance held now, less reservations and held entries (synchronous: read with the positions). */
  private balanceNow(): { equity: Decimal | null; available: Decimal | null } {
    const now = this.ctx.clock.now();
    const s = this.snapshot;
    if (!s || now - s.at > BALANCE_MAX_AGE_MS) return { equity: null, available: null };
    let reserved = this.reservations
      .filter((r) => r.at >= s.requestedAt)
      .reduce((sum, r) => sum.plus(r.margin), new Decimal(0));
    for (const [key, h] of this.holds) {
      if (now - h.at > ENTRY_HOLD_MAX_MS) this.release(key);
      else reserved = reserved.plus(h.margin);
    }
    return { equity: s.equity, available: s.available ? s.available.minus(reserved) : null };
  }

  /** The risk context for an order on `symbol`; `qtyOverride` replaces positions' quantities (a plan's later legs). */
  async context(
    symbol: string,
    origin: RiskContext['origin'],
    qtyOverride: Record<string, number> = {},
  ): Promise<RiskContext & { version: number }> {
    const { ctx } = this;
    const limits = ctx.limits();
    const maxAge = limits?.maxDataAgeMs ?? 15_000;
    const others = [...this.state.expectedPositions()]
      .filter(([s, q]) => s !== symbol && (qtyOverride[s] ?? q) !== 0)
      .map(([s]) => s);
    const [market] = await Promise.all([
      this.market.snapshot(symbol, maxAge),
      this.freshBalance(),
      this.market.marksOf(others, maxAge),
    ]);
    // One synchronous read of the account: the balance less what is reserved and held, and the positions
    // the decided orders will make, under one version.
    const account = this.balanceNow();
    const version = this.version();
    const quantities = this.state.expectedPositions();
    for (const [s, q] of Object.entries(qtyOverride)) quantities.set(s, q);
    const now = ctx.clock.now();
    const positions = [...quantities]
      .filter(([s, q]) => q !== 0 || s === symbol)
      .map(([s, qty]) => ({
        symbol: s,
        qty,
        // Older than maxDataAgeMs (its refresh above failed): unknown, which blocks (data_missing) —
        // an exposure valued at an old price would pass a cap the position has outgrown.
        mark: (() => {
          const p = this.market.peek(s);
          return p.markAt !== null && now - p.markAt <= maxAge ? p.mark : null;
        })(),
        multiplier: ctx.contracts.get(s)?.multiplier ?? (null as unknown as Decimal),
      }));
    return {
      now: ctx.clock.now(),
      limits,
      killSwitchOn: ctx.killSwitch().on,
      breaker: ctx.breaker(),
      origin,
      market,
      account,
      positions,
      openOrders: this.state.openOrders(symbol),
      version,
    };
  }

  /**
   * The pre-trade checks of a market order of `lots` on `symbol` as of now (a routed leg's child): the
   * first block, or null. `stopOf` prices the protective stop from the touch the order would take (null:
   * none, e.g. a reduce-only order). A contract no longer listed blocks. An order that is not reduce-only
   * is judged at the risk-limit level of its margin mode (one that cannot be read blocks).
   */
  async marketOrderBlock(o: {
    symbol: string;
    origin: RiskContext['origin'];
    side: 'buy' | 'sell';
    lots: number;
    leverage: number;
    reduceOnly: boolean;
    marginMode: 'ISOLATED' | 'CROSS';
    qtyOverride?: Record<string, number>;
    stopOf: (touch: Decimal | null, contract: TradableContract) => Decimal | null;
  }): Promise<RiskBlock | null> {
    const listed = this.ctx.contracts.get(o.symbol);
    if (!listed) return { code: 'data_missing', message: `${o.symbol} is no longer listed` };
    let contract: TradableContract = listed;
    if (!o.reduceOnly) {
      const riskLimit = await this.levels.of(o.symbol, o.marginMode);
      if ('code' in riskLimit) return riskLimit;
      contract = { ...listed, riskLimit };
    }
    const inputs = await this.context(o.symbol, o.origin, o.qtyOverride);
    const touch = (o.side === 'buy' ? inputs.market.bestAsk : inputs.market.bestBid) ?? null;
    const blocks = preTradeChecks(
      {
        symbol: o.symbol,
        side: o.side,
        lots: o.lots,
        reduceOnly: o.reduceOnly,
        price: null,
        leverage: o.leverage,
        stopPrice: o.stopOf(touch, contract),
        kind: 'market',
      },
      contract,
      inputs,
    );
    return blocks[0] ?? null;
  }
}
