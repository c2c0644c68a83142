import { type BreakerName, type RiskLimits, worstBreaker } from '@enigma/core/risk/limits';
import {
  type CircuitBreaker,
  insertRiskEvent,
  listBreakers,
  recentClosedTrades,
  setBreaker,
} from '@enigma/db';
import Decimal from 'decimal.js';
import type { EngineContext } from './context.ts';

type State = 'active' | 'reduce_only' | 'halted';
const RANK: Record<State, number> = { active: 0, reduce_only: 1, halted: 2 };

/**
 * Circuit breakers, persisted in `circuit_breakers` and reset only by an admin (the API), except the
 * consecutive-loss pause, which ends by itself after its cooldown:
 * - daily_loss: net realised loss since 00:00 UTC ≥ maxDailyLoss → halted
 * - drawdown: equity below its peak by maxDrawdownPct → halted
 * - consecutive_losses: maxConsecutiveLosses losing trades in a row → reduce_only until the cooldown ends
 * - exchange_errors: ≥ maxExchangeErrorPct of exchange calls failed (last 5 min, ≥ 10 calls) → reduce_only
 * - stale_data: market data of a traded contract stale for over a minute → reduce_only
 */
export class Breakers {
  private rows = new Map<string, CircuitBreaker>();
  private outcomes: { at: number; ok: boolean }[] = [];
  private equityPeak: Decimal | null = null;

  constructor(private readonly ctx: EngineContext) {}

  async load(): Promise<void> {
    this.rows = new Map((await listBreakers(this.ctx.db)).map((b) => [b.scope, b]));
    const peak = this.rows.get('drawdown')?.data?.['equityPeak'];
    if (typeof peak === 'string') this.equityPeak = new Decimal(peak);
  }

  /** The combined state: the worst of all breakers (a cooldown that has ended counts as active). */
  state(): State {
    return worstBreaker(this.rows.values(), this.ctx.clock.now());
  }

  list(): CircuitBreaker[] {
    return [...this.rows.values()];
  }

  recordOutcome(ok: boolean): void {
    const now = this.ctx.clock.now();
    this.outcomes.push({ at: now, ok });
    while (this.outcomes.length > 0 && this.outcomes[0]!.at < now - 300_000) this.outcomes.shift();
  }

  private async trip(
    name: BreakerName,
    state: State,
    reason: string,
    data: Record<string, unknown> = {},
    resumeAt: Date | null = null,
  ): Promise<void> {
    const current = this.rows.get(name);
    if (
      current &&
      RANK[current.state] >= RANK[state] &&
      !(current.resumeAt && current.resumeAt.getTime() <= this.ctx.clock.now())
    )
      return;
    const row = await setBreaker(this.ctx.db, name, {
      state,
      reason,
      updatedBy: 'engine',
      data,
      resumeAt,
      now: new Date(this.ctx.clock.now()),
    });
    this.rows.set(name, row);
    await insertRiskEvent(this.ctx.db, {
      accountId: this.ctx.accountId,
      code: `breaker_${name}`,
      severity: 'critical',
      message: `${name} → ${state}: ${reason}`,
      data,
    });
    this.ctx.publish('risk', { type: 'breaker.tripped', name, state, reason, at: this.ctx.clock.now() });
    this.ctx.log.error({ breaker: name, state, reason }, 'circuit breaker tripped');
  }

  /** Re-evaluate every breaker from the closed trades, the equity, the error rate and data freshness. */
  async evaluate(limits: RiskLimits | null, equity: Decimal | null, staleForMs: number): Promise<void> {
    await this.load();
    if (!limits) return;
    const now = this.ctx.clock.now();
    const midnight = new Date(now - (now % 86_400_000));
    const today = await recentClosedTrades(this.ctx.db, this.ctx.accountId, midnight);
    const dayNet = today.reduce((sum, t) => sum.plus(t.netPnl), new Decimal(0));
    if (dayNet.negated().gte(limits.maxDailyLoss) && dayNet.lt(0))
      await this.trip(
        'daily_loss',
        'halted',
        `net ${dayNet.toFixed(2)} USDT today (limit −${limits.maxDailyLoss})`,
        { dayNet: dayNet.toFixed() },
      );

    if (equity?.gt(0) && this.equityPeak !== undefined) {
      if (!this.equityPeak || equity.gt(this.equityPeak)) {
        this.equityPeak = equity;
        const row = await setBreaker(this.ctx.db, 'drawdown', {
          state: this.rows.get('drawdown')?.state ?? 'active',
          reason: this.rows.get('drawdown')?.reason ?? null,
          updatedBy: 'engine',
          data: { equityPeak: equity.toFixed() },
          now: new Date(now),
        });
        this.rows.set('drawdown', row);
      }
      const dd = this.equityPeak.minus(equity).div(this.equityPeak).mul(100);
      if (dd.gte(limits.maxDrawdownPct))
        await this.trip(
          'drawdown',
          'halted',
          `equity ${equity.toFixed(2)} is ${dd.toFixed(2)} % below its peak ${this.equityPeak.toFixed(2)}`,
          { equityPeak: this.equityPeak.toFixed() },
        );
    }

    const recent = await recentClosedTrades(this.ctx.db, this.ctx.accountId, new Date(0));
    const pause = this.rows.get('consecutive_losses');
    // An admin's reset (the row back to active) starts the count again: losses closed before it do not
    // trip the pause a second time (they did once; the reset says trade on).
    const resetAt = pause?.state === 'active' ? pause.updatedAt.getTime() : Number.NEGATIVE_INFINITY;
    let streak = 0;
    for (const t of recent) {
      if (t.closedAt.getTime() <= resetAt) break;
      if (new Decimal(t.netPnl).lt(0)) streak++;
      else break;
    }
    const lastLossAt = recent[0]?.closedAt.getTime() ?? 0;
    if (
      streak >= limits.maxConsecutiveLosses &&
      !(pause?.trippedAt && pause.trippedAt.getTime() >= lastLossAt)
    ) {
      await this.trip(
        'consecutive_losses',
        'reduce_only',
        `${streak} losing trades in a row`,
        { streak },
        new Date(now + limits.lossCooldownMinutes * 60_000),
      );
    }

    if (this.outcomes.length >= 10) {
      const failed = this.outcomes.filter((o) => !o.ok).length;
      const pct = (failed / this.outcomes.length) * 100;
      if (pct >= Number(limits.maxExchangeErrorPct))
        await this.trip(
          'exchange_errors',
          'reduce_only',
          `${failed}/${this.outcomes.length} exchange calls failed in 5 min`,
          { failed, total: this.outcomes.length },
        );
    }
    if (staleForMs > 60_000)
      await this.trip(
        'stale_data',
        'reduce_only',
        `market data stale for ${Math.round(staleForMs / 1000)} s`,
      );
  }
}
