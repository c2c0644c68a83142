import type { RiskContext } from '@enigma/core/risk/checks';
import { listPositions, liveOrders } from '@enigma/db';
import type Decimal from 'decimal.js';
import type { EngineContext } from './context.ts';
import type { MarketView } from './market.ts';

/**
 * Gathers what the pre-trade checks need: limits, kill switch, breakers, market data (refreshed when
 * stale), the account's equity and available balance (from the exchange, cached for one second; an
 * unanswered request leaves them null, which blocks) and the positions and open orders.
 */
export class RiskInputs {
  private account: { at: number; equity: Decimal | null; available: Decimal | null } | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly market: MarketView,
  ) {}

  async balance(): Promise<{ equity: Decimal | null; available: Decimal | null }> {
    const now = this.ctx.clock.now();
    if (this.account && now - this.account.at < 1_000) return this.account;
    try {
      const o = await this.ctx.kucoin.account.overview('USDT');
      this.account = { at: now, equity: o.accountEquity, available: o.availableBalance };
    } catch (error) {
      this.ctx.log.warn({ err: error }, 'account overview failed: balance unknown (entries blocked)');
      this.account = { at: now, equity: null, available: null };
    }
    return this.account;
  }

  /** The risk context for an order on `symbol`; `qtyOverride` replaces positions' quantities (a plan's later legs). */
  async context(
    symbol: string,
    origin: RiskContext['origin'],
    qtyOverride: Record<string, number> = {},
  ): Promise<RiskContext> {
    const { ctx } = this;
    const limits = ctx.limits();
    const [market, account, positions, orders] = await Promise.all([
      this.market.snapshot(symbol, limits?.maxDataAgeMs ?? 15_000),
      this.balance(),
      listPositions(ctx.db, ctx.accountId, true),
      liveOrders(ctx.db, ctx.accountId, symbol),
    ]);
    const list = positions.map((p) => ({
      symbol: p.symbol,
      qty: qtyOverride[p.symbol] ?? p.qty,
      mark: this.market.peek(p.symbol).mark,
      multiplier: ctx.contracts.get(p.symbol)?.multiplier ?? (null as unknown as Decimal),
    }));
    for (const [s, q] of Object.entries(qtyOverride)) {
      if (!list.some((p) => p.symbol === s))
        list.push({
          symbol: s,
          qty: q,
          mark: this.market.peek(s).mark,
          multiplier: ctx.contracts.get(s)!.multiplier,
        });
    }
    return {
      now: ctx.clock.now(),
      limits,
      killSwitchOn: ctx.killSwitch().on,
      breaker: ctx.breaker(),
      origin,
      market,
      account,
      positions: list,
      openOrders: {
        limit: orders.filter((o) => o.type === 'limit').length,
        stop: orders.filter((o) => o.type.startsWith('stop')).length,
      },
    };
  }
}
