import type { ContractRiskLimit, RiskTier } from '@enigma/core/risk/checks';
import { KucoinError } from '../exchange/kucoin/errors.ts';
import type { EngineContext } from './context.ts';

/**
 * The levels of contracts with an entry judged in the last `RISK_LEVEL_KEEP_WARM_MS` are read again in
 * the background once `tuning.riskLevelMaxAgeMs` old (a trader may change the level; `refreshDue`, every
 * second), so an alert minutes after the last neither waits for the round trip nor is judged at an old
 * reading; a reading up to twice that age is used while its refresh runs; older, the decision waits.
 */
export const RISK_LEVEL_KEEP_WARM_MS = 3_600_000;
/** How long a contract's risk-limit table is kept (KuCoin changes it rarely, with notice). */
export const RISK_TIERS_MAX_AGE_MS = 3_600_000;

type Mode = 'ISOLATED' | 'CROSS';
type Selected = ContractRiskLimit['selected'];

/**
 * Stores a contract's selected level as the engine now knows it (null: read in cross margin, no isolated
 * level known), `at` the reading's time: the engine's one writer of `risk_limit_levels`.
 */
export type SaveSelectedLevel = (symbol: string, selected: Selected | null, at: number) => Promise<void>;

/**
 * Each contract's risk-limit levels (`GET /api/v1/contracts/risk-limit/{symbol}`) and the level the
 * account selected on it (the position report's `riskLimitLevel`, `maintMarginReq`, `riskLimit`, read
 * with `GET /api/v1/position`, flat or not), for the pre-trade checks of an opening order: KuCoin judges
 * an isolated position at its selected level (its maintenance rate moves the liquidation price, its cap
 * refuses a larger position with 300005), a cross one at the level its value falls in. Read at start for
 * the contracts held or recently signalled, else on a contract's first opening order; read again once
 * `tuning.riskLevelMaxAgeMs` old (in the background) or after a 300005 refusal (before the next entry). An answer
 * that cannot be had blocks the order (`data_missing`): it is never assumed to be the first level.
 *
 * A change made behind the engine's back (the trader on KuCoin's site, another API client) is pushed by
 * KuCoin as `position.adjustRiskLimit` on `/contract/position:{symbol}`: the engine listens on that topic
 * for each contract whose level it has read (`listen`) and hands the pushes to `adjusted`, which selects
 * the new level at once; the periodic read stays as the net for a push lost (and after a reconnect,
 * `readAgainSoon`).
 *
 * Every reading (a read or a push; a cross read as "no isolated level") is also handed to `save`, in the
 * background and never awaited by a decision: readers outside the engine (the order ticket's risk
 * preview, through `risk_limit_levels`) see the level the engine judges at. Writes go one at a time, in
 * the order the readings were taken, only a contract's newest waiting; a failed one is logged and dropped.
 */
export class RiskLevels {
  private readonly tiers = new Map<string, { at: number; tiers: RiskTier[] }>();
  /** the last isolated reading of each contract (one taken while it was cross is not kept: it names no level) */
  private readonly selected = new Map<string, { at: number; value: Selected }>();
  private readonly reading = new Map<string, Promise<unknown>>();
  /** when an isolated entry on each contract was last judged */
  private readonly usedAt = new Map<string, number>();
  /** how many successful adjustments were pushed for each contract (a read in flight across one is stale) */
  private readonly pushes = new Map<string, number>();
  /** the contracts whose level was read: the engine listens for their adjustments */
  private readonly watched = new Set<string>();
  private watch: ((symbol: string) => void) | null = null;
  /** readings not stored yet: the newest of each contract, in the order taken */
  private readonly unsaved = new Map<string, { at: number; value: Selected | null }>();
  private saving: Promise<void> | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly save?: SaveSelectedLevel,
  ) {}

  /** Read again, in the background, the levels of contracts in use whose reading is `riskLevelMaxAgeMs` old. */
  refreshDue(): void {
    const now = this.ctx.clock.now();
    for (const [symbol, held] of this.selected) {
      if (now - held.at < this.ctx.tuning.riskLevelMaxAgeMs) continue;
      if (now - (this.usedAt.get(symbol) ?? held.at) > RISK_LEVEL_KEEP_WARM_MS) continue;
      this.readSelected(symbol).catch((error: unknown) =>
        this.ctx.log.warn(
          { symbol, err: error },
          'reading the risk-limit level failed: the last reading ages',
        ),
      );
    }
  }

  /** What the checks need of `symbol` for an opening order in `mode`, or why it cannot be known. */
  async of(
    symbol: string,
    mode: Mode,
  ): Promise<ContractRiskLimit | { code: 'data_missing'; message: string }> {
    if (mode === 'ISOLATED') this.usedAt.set(symbol, this.ctx.clock.now());
    try {
      const [tiers, selected] = await Promise.all([
        this.tiersOf(symbol),
        mode === 'ISOLATED' ? this.selectedOf(symbol) : null,
      ]);
      return {
        marginMode: mode,
        tiers,
        selected: selected ?? { level: null, maintainMargin: null, maxNotional: null },
      };
    } catch (error) {
      const why =
        error instanceof KucoinError ? `exchange_${error.code}: ${error.exchangeMessage}` : String(error);
      this.ctx.log.warn({ symbol, err: error }, 'risk-limit level unavailable: opening orders block');
      return {
        code: 'data_missing',
        message: `the risk-limit level of ${symbol} could not be read (${why.slice(0, 200)})`,
      };
    }
  }

  /** The exchange refused an order above the selected level (300005), or reported a change: read it again. */
  forget(symbol: string): void {
    this.selected.delete(symbol);
  }

  /**
   * Call `watch` for every contract whose level has been read, now and as each is first read (the engine
   * subscribes to its position topic, to be told of a change by `adjusted`).
   */
  listen(watch: (symbol: string) => void): void {
    this.watch = watch;
    for (const symbol of this.watched) watch(symbol);
  }

  /**
   * KuCoin's outcome of a level change on a contract (`position.adjustRiskLimit`): a successful one selects
   * `riskLimitLevel` at once, judged at that level's rate and cap in the contract's table (a read of the
   * position report in flight meanwhile may predate it: its answer is not kept). A failed one changes
   * nothing. A level the table held does not list has the table read again before the next entry.
   */
  adjusted(e: { symbol: string; success: boolean; riskLimitLevel: number }): void {
    if (!e.success) return;
    this.pushes.set(e.symbol, (this.pushes.get(e.symbol) ?? 0) + 1);
    const held = this.tiers.get(e.symbol);
    const tier = held?.tiers.find((t) => t.level === e.riskLimitLevel);
    if (held && !tier) this.tiers.delete(e.symbol);
    const value = {
      level: e.riskLimitLevel,
      maintainMargin: tier?.maintainMargin ?? null,
      maxNotional: tier?.maxNotional ?? null,
    };
    this.selected.set(e.symbol, { at: this.ctx.clock.now(), value });
    this.store(e.symbol, value);
  }

  /**
   * The private socket came back: a push sent while it was down is lost, so every reading is read again
   * in the background (as one `riskLevelMaxAgeMs` old; entries meanwhile are judged at it).
   */
  readAgainSoon(): void {
    const due = this.ctx.clock.now() - this.ctx.tuning.riskLevelMaxAgeMs;
    for (const held of this.selected.values()) held.at = Math.min(held.at, due);
    this.refreshDue();
  }

  private async tiersOf(symbol: string): Promise<RiskTier[]> {
    const held = this.tiers.get(symbol);
    if (held && this.ctx.clock.now() - held.at < RISK_TIERS_MAX_AGE_MS) return held.tiers;
    const list = await this.once(`tiers:${symbol}`, () => this.ctx.kucoin.market.riskLimits(symbol));
    const tiers = list
      .map((t) => ({
        level: t.level,
        maxNotional: t.maxNotional,
        maxLeverage: t.maxLeverage,
        maintainMargin: t.maintainMargin,
      }))
      .sort((a, b) => a.level - b.level);
    if (tiers.length === 0) throw new Error(`the exchange lists no risk-limit level for ${symbol}`);
    this.tiers.set(symbol, { at: this.ctx.clock.now(), tiers });
    return tiers;
  }

  /** Read the tables and the selected levels of `symbols` ahead of their first entry (failures are left to it). */
  async warm(symbols: readonly string[]): Promise<void> {
    await Promise.allSettled(symbols.flatMap((s) => [this.tiersOf(s), this.readSelected(s)]));
  }

  private async selectedOf(symbol: string): Promise<Selected> {
    const held = this.selected.get(symbol);
    const age = held ? this.ctx.clock.now() - held.at : Number.POSITIVE_INFINITY;
    const maxAge = this.ctx.tuning.riskLevelMaxAgeMs;
    if (held && age < maxAge) return held.value;
    if (held && age < 2 * maxAge) {
      this.readSelected(symbol).catch((error: unknown) =>
        this.ctx.log.warn(
          { symbol, err: error },
          'reading the risk-limit level failed: the last reading ages',
        ),
      );
      return held.value;
    }
    const read = await this.readSelected(symbol);
    // Read while the contract was still cross (a read begun before the entry switched it to isolated,
    // e.g. the start's): it names no isolated level, so it is read again, now that it is isolated.
    return read.cross ? (await this.readSelected(symbol)).value : read.value;
  }

  private async readSelected(symbol: string): Promise<{ cross: boolean; value: Selected }> {
    if (!this.watched.has(symbol)) {
      this.watched.add(symbol);
      this.watch?.(symbol);
    }
    const { p, pushed } = await this.once(`level:${symbol}`, async () => {
      const before = this.pushes.get(symbol) ?? 0;
      const p = await this.ctx.kucoin.positions.position(symbol);
      return { p, pushed: (this.pushes.get(symbol) ?? 0) !== before };
    });
    // An adjustment pushed while the report was on its way: the report may predate it, the push does not.
    const kept = pushed ? this.selected.get(symbol) : undefined;
    if (kept) return { cross: false, value: kept.value };
    const value = {
      level: p.riskLimitLevel,
      maintainMargin: p.maintMarginReq,
      maxNotional: p.riskLimit,
    };
    const cross = p.marginMode === 'CROSS';
    // A cross report says nothing of the isolated level: neither kept nor left standing in its place.
    if (cross) this.selected.delete(symbol);
    else this.selected.set(symbol, { at: this.ctx.clock.now(), value });
    this.store(symbol, cross ? null : value);
    return { cross, value };
  }

  /** Hand a reading to `save` in the background (see the class): nothing here waits for the database. */
  private store(symbol: string, value: Selected | null): void {
    if (!this.save) return;
    this.unsaved.delete(symbol); // its newest reading goes in the order taken
    this.unsaved.set(symbol, { at: this.ctx.clock.now(), value });
    this.saving ??= this.drainSaves();
  }

  private async drainSaves(): Promise<void> {
    // a Map's iteration visits the entries set while it runs: a reading taken during a write waits its turn
    for (const [symbol, r] of this.unsaved) {
      this.unsaved.delete(symbol);
      try {
        await this.save!(symbol, r.value, r.at);
      } catch (error) {
        this.ctx.log.warn({ symbol, err: error }, 'storing the risk-limit level failed');
      }
    }
    this.saving = null;
  }

  /** One request at a time per key: decisions on one contract at once share its answer. */
  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    const running = this.reading.get(key) as Promise<T> | undefined;
    if (running) return running;
    const p = read().finally(() => this.reading.delete(key));
    this.reading.set(key, p);
    return p;
  }
}
