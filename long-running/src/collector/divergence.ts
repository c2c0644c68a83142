import type Decimal from 'decimal.js';

/** A divergence alert transition for one symbol. */
export interface DivergenceEvent {
  symbol: string;
  state: 'diverged' | 'recovered';
  /** (KuCoin − reference) / reference, in basis points. */
  bps: number;
  thresholdBps: number;
  kucoin: string;
  reference: string;
  at: number;
}

/**
 * Compares KuCoin's price with a reference venue's price and raises an alert when they drift apart by
 * more than `thresholdBps`; the alert clears below 80 % of the threshold, so a price hovering at the
 * threshold does not flap. Pure: the caller passes prices and time.
 *
 * @example
 * const m = new DivergenceMonitor(50);
 * m.update('XBTUSDTM', kucoinMid, binanceMid, Date.now()); // { bps, event? }
 */
export class DivergenceMonitor {
  private readonly diverged = new Set<string>();

  constructor(readonly thresholdBps: number) {
    if (!(thresholdBps > 0)) throw new RangeError('thresholdBps must be positive');
  }

  update(
    symbol: string,
    kucoin: Decimal,
    reference: Decimal,
    at: number,
  ): { bps: number; event?: DivergenceEvent } {
    if (!reference.gt(0) || !kucoin.gt(0)) throw new RangeError('prices must be positive');
    const bps = kucoin.minus(reference).div(reference).mul(10_000).toNumber();
    const abs = Math.abs(bps);
    const was = this.diverged.has(symbol);
    let state: DivergenceEvent['state'] | undefined;
    if (!was && abs > this.thresholdBps) {
      this.diverged.add(symbol);
      state = 'diverged';
    } else if (was && abs < this.thresholdBps * 0.8) {
      this.diverged.delete(symbol);
      state = 'recovered';
    }
    if (!state) return { bps };
    return {
      bps,
      event: {
        symbol,
        state,
        bps,
        thresholdBps: this.thresholdBps,
        kucoin: kucoin.toString(),
        reference: reference.toString(),
        at,
      },
    };
  }

  isDiverged(symbol: string): boolean {
    return this.diverged.has(symbol);
  }
}
