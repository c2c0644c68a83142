import { checkSwitches } from './switches.ts';

/**
 * Exchange behaviours where KuCoin is undocumented or where tests need the kinder variant. Defaults are the
 * harsher reading (issue #11); each can be switched per simulator (`startSimulator({ behaviour })`,
 * `sim.engine.setBehaviour(…)`, `POST /sim/behaviour`).
 */
export interface SimBehaviour {
  /**
   * Cancel untriggered reduce-only stops (TP/SL) when their position closes. KuCoin does not document this
   * and users report stale SL/TP orders left behind, so by default they stay and can fire against the next
   * position.
   */
  cancelStopsOnClose: boolean;
  /** Refuse (300018) a clientOid used by any remembered order, done ones included. KuCoin only refuses active duplicates. */
  refuseReusedClientOid: boolean;
  /** Price band around the mark price: buy limit ≤ mark × (1 + band) (300011), sell ≥ mark × (1 − band) (300012). 0 = off. */
  priceBand: number;
  /** Active limit orders per contract (KuCoin: 100, code 300001). */
  maxOpenOrders: number;
  /** Untriggered stop orders per contract (KuCoin: 50, code 300004). */
  maxStopOrders: number;
  /**
   * Answer first, match later (KUCOIN.md §3.4: "the order is accepted before it is matched"): an accepted
   * order is validated and its margin frozen, then it enters matching on the first market step at least
   * `matchLatencyMs` later, so every push and fill follows the REST answer. Off: matched inside the request.
   */
  asyncMatching: boolean;
  matchLatencyMs: number;
  /**
   * Mark and index apart from the traded price: the index is the source price less a mean-reverting basis
   * (premium) with this standard deviation, the mark is the index plus that basis smoothed (KuCoin's
   * FairPrice marking: index + moving average of the premium). 0: mark = mid, index = mid × 0.99997.
   */
  basisVolatility: number;
  /**
   * Price-time priority: a resting order joins behind the displayed size at its price and fills from traded
   * volume only once that queue is used up (the queue shrinks when the level does). Off: traded volume at
   * the touch fills the user's order first.
   */
  queuePriority: boolean;
  /**
   * Auto-deleveraging on a gap (a fraction; 0 = off). KuCoin deleverages the most profitable opposite
   * positions when a liquidation closes beyond its bankruptcy price and the insurance fund cannot cover it
   * (Help Center /support/26686471898009). The simulator has no other traders, so it takes a mark move of at
   * least this fraction within one step of at most 60 s (not a clock jump) as the liquidations of the losing
   * side that the fund cannot absorb:
   * the user's position on the winning side is deleveraged whole, at the mark before the gap (the
   * counterparties' bankruptcy price lies between). When this happens on KuCoin is not documented; the
   * default takes it to happen.
   */
  adlOnGap: number;
  /**
   * Partial liquidation of large cross positions (USDT; 0 = off, every cross position closed whole). KuCoin
   * (Help Center "Risk Rate of Cross Margin Mode", /support/35233217061785; KUCOIN.md §6.1): at a 100 % risk
   * rate positions are liquidated, "if your position amount > 600,000 USDT, your positions will be partially
   * liquidated". How much each step closes is not documented: the simulator reduces the largest position
   * above this value to the next lower risk-tier limit (never below this value), as isolated positions are
   * reduced level by level, re-checks the risk rate after each step and closes the rest whole once no
   * position is above it.
   */
  crossPartialLiquidationAbove: number;
}

export const DEFAULT_BEHAVIOUR: SimBehaviour = {
  cancelStopsOnClose: false,
  refuseReusedClientOid: false,
  priceBand: 0.05,
  maxOpenOrders: 100,
  maxStopOrders: 50,
  asyncMatching: true,
  matchLatencyMs: 0,
  basisVolatility: 0.0003,
  queuePriority: true,
  adlOnGap: 0.05,
  crossPartialLiquidationAbove: 600_000,
};

/** The behaviour with a validated patch applied (RangeError naming a bad switch). */
export function mergeBehaviour(base: SimBehaviour, patch: Partial<SimBehaviour> = {}): SimBehaviour {
  checkSwitches(DEFAULT_BEHAVIOUR, patch, 'behaviour');
  return { ...base, ...patch };
}
