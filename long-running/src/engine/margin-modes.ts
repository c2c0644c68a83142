import { toMoney } from '@enigma/core/money';
import { KucoinError } from '../exchange/kucoin/errors.ts';
import type { EngineContext } from './context.ts';

type Mode = 'ISOLATED' | 'CROSS';

/**
 * Each contract's margin mode at the exchange, as this engine last set or read it. KuCoin refuses an
 * order whose margin mode is not the contract's (330005; an account starts every contract ISOLATED), so
 * an opening order in the other mode switches the contract first, and a CROSS one sets the contract's
 * cross leverage (a per-contract setting: the order's own leverage is not what KuCoin applies). The
 * switch is refused while the contract has a position or open orders (50002), and so is the order then.
 * Known modes are kept, so a decision pays the round trips once per contract, not per order; a 330005
 * (the mode changed behind our back) forgets the contract's.
 */
export class MarginModes {
  private readonly known = new Map<string, { mode: Mode; crossLeverage: number | null }>();

  constructor(private readonly ctx: EngineContext) {}

  /** Switch `symbol` to `mode` (and set its cross leverage) when needed; the refusal, or null. */
  async ensure(
    symbol: string,
    mode: Mode,
    leverage: number | undefined,
    why: string,
  ): Promise<string | null> {
    const { kucoin, log } = this.ctx;
    const held = this.known.get(symbol);
    const leverageOk = mode !== 'CROSS' || leverage === undefined || held?.crossLeverage === leverage;
    if (held?.mode === mode && leverageOk) return null;
    try {
      if (held?.mode !== mode) {
        const current = (await kucoin.positions.marginMode(symbol)).marginMode;
        if (current !== mode) {
          await kucoin.positions.changeMarginMode(symbol, mode);
          log.info({ symbol, from: current, to: mode, why }, 'margin mode switched');
        }
      }
      let crossLeverage = held?.mode === mode ? held.crossLeverage : null;
      if (mode === 'CROSS' && leverage !== undefined && crossLeverage !== leverage) {
        await kucoin.positions.changeCrossLeverage(symbol, toMoney(leverage));
        crossLeverage = leverage;
      }
      this.known.set(symbol, { mode, crossLeverage });
      return null;
    } catch (error) {
      this.known.delete(symbol);
      if (
        error instanceof KucoinError &&
        error.kind !== 'exchangeUnavailable' &&
        error.kind !== 'rateLimited'
      )
        return `margin_mode: ${symbol} cannot be switched to ${mode.toLowerCase()} now (exchange_${error.code}: ${error.exchangeMessage}); close its position and orders first`;
      throw error;
    }
  }

  /**
   * The contract's margin mode at the exchange, for an order that names none (a reduce-only close, a
   * flatten, a take-profit): KuCoin reads a missing `marginMode` as ISOLATED (kucoin-spec order.txt:
   * default ISOLATED) and refuses it on a CROSS contract with 330005, closing orders included. As last set,
   * read or seen in a position report here, else read now; null when it cannot be read (the order then
   * goes without one). `waitMs`: how long an order waits for that read (its intent is already committed:
   * a close, a stop or a flatten is never held for the client's retries of a read it can go without); a
   * read still out then is kept when it answers.
   */
  async modeOf(symbol: string, waitMs?: number): Promise<Mode | null> {
    const held = this.known.get(symbol);
    if (held) return held.mode;
    const read = this.read(symbol);
    if (waitMs === undefined) return read;
    const done = new AbortController();
    try {
      return await Promise.race([read, this.ctx.clock.sleep(waitMs, done.signal).then(() => null)]);
    } finally {
      done.abort();
    }
  }

  private async read(symbol: string): Promise<Mode | null> {
    try {
      const mode = (await this.ctx.kucoin.positions.marginMode(symbol)).marginMode;
      if (!this.known.has(symbol)) this.known.set(symbol, { mode, crossLeverage: null });
      return mode;
    } catch (error) {
      this.ctx.log.warn({ symbol, err: error }, 'margin mode unreadable: the order names none');
      return null;
    }
  }

  /**
   * A contract's mode as the exchange reported it with an open position (a mode cannot change while one
   * is open): held unless this engine holds one already (its own switch may be newer than the report).
   * Reconciliation's position list warms it, so a restarted engine's first close, stop or flatten of a
   * position does not wait on a read.
   */
  observe(symbol: string, mode: Mode): void {
    if (!this.known.has(symbol)) this.known.set(symbol, { mode, crossLeverage: null });
  }

  /** The exchange said the contract's mode is not what we held (330005): read it again next time. */
  forget(symbol: string): void {
    this.known.delete(symbol);
  }
}
