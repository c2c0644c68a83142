/** What a market source reports for one symbol at one instant. Floats: this is model output, not money. */
export interface MarketSample {
  /** Mid price. */
  price: number;
  /** Base-currency volume traded since the previous sample of this symbol. */
  volume: number;
}

/**
 * A driver of simulated prices: synthetic, CSV replay or a mirrored KuCoin-protocol feed. The engine
 * calls `sample` with non-decreasing times per symbol.
 */
export interface MarketSource {
  readonly kind: 'synthetic' | 'replay' | 'mirror';
  sample(symbol: string, now: number): MarketSample | undefined;
  /** The funding rate in force at `now`, when the source knows one (replayed history, mirrored feed). */
  fundingRate?(symbol: string, now: number): number | undefined;
  start?(): Promise<void>;
  close?(): void;
}
