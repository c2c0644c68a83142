import { hashString, Rng } from '../rng.ts';
import type { MarketSource } from './source.ts';

/** Parameters of the synthetic generator, per symbol. */
export interface SyntheticParams {
  startPrice: number;
  /** Annualised-free daily volatility of log returns (0.03 = 3 %/day). */
  dailyVol: number;
  /** Mean base volume per second. */
  volumePerSecond: number;
}

const DEFAULTS: Record<string, SyntheticParams> = {
  XBTUSDTM: { startPrice: 95_000, dailyVol: 0.03, volumePerSecond: 2 },
  ETHUSDTM: { startPrice: 2_500, dailyVol: 0.04, volumePerSecond: 30 },
  SOLUSDTM: { startPrice: 150, dailyVol: 0.05, volumePerSecond: 300 },
};

interface SymbolState {
  t: number;
  logPrice: number;
  variance: number;
  lastShock: number;
  rng: Rng;
  params: SyntheticParams;
  pendingVolume: number;
}

// GARCH(1,1) on 250 ms log returns: persistence alpha+beta = 0.9975 (0.99 per second) gives the volatility clustering
// seen in crypto; rare Poisson jumps add fat tails.
const ALPHA = 0.03;
const BETA = 0.9675;
const JUMP_PROB_PER_STEP = 1 / 57_600;
const JUMP_SIZE = 0.004;
/** The generator never jumps more than a day of seconds at once (a paused laptop must not stall). */
const MAX_CATCHUP_STEPS = 86_400 * 4;
/** The generator's time step: sub-second, so books and tickers move several times a second. */
const STEP_MS = 250;
const STEPS_PER_DAY = 86_400_000 / STEP_MS;

/**
 * Seeded synthetic market: GARCH-like volatility clustering, jumps and volume that rises with volatility.
 * The offline fallback; the same seed and times always give the same prices.
 *
 * @example const src = syntheticSource({ seed: 7 }); src.sample('XBTUSDTM', Date.now());
 */
export function syntheticSource(
  opts: {
    seed?: number;
    params?: Partial<Record<string, Partial<SyntheticParams>>>;
    startTime?: number;
  } = {},
): MarketSource {
  const seed = opts.seed ?? 1;
  const states = new Map<string, SymbolState>();

  function stateFor(symbol: string, now: number): SymbolState {
    let s = states.get(symbol);
    if (!s) {
      const params: SyntheticParams = {
        ...(DEFAULTS[symbol] ?? { startPrice: 100, dailyVol: 0.05, volumePerSecond: 100 }),
        ...opts.params?.[symbol],
      };
      const variance = (params.dailyVol * params.dailyVol) / STEPS_PER_DAY;
      s = {
        t: Math.floor((opts.startTime ?? now) / STEP_MS) * STEP_MS,
        logPrice: Math.log(params.startPrice),
        variance,
        lastShock: 0,
        rng: new Rng(seed ^ hashString(symbol)),
        params,
        pendingVolume: 0,
      };
      states.set(symbol, s);
    }
    return s;
  }

  function step(s: SymbolState): void {
    const longRun = (s.params.dailyVol * s.params.dailyVol) / STEPS_PER_DAY;
    const omega = longRun * (1 - ALPHA - BETA);
    s.variance = omega + ALPHA * s.lastShock * s.lastShock + BETA * s.variance;
    const shock = Math.sqrt(s.variance) * s.rng.normal();
    // A jump feeds the volatility only partly, or one jump would set off an hour of turmoil.
    const jump = s.rng.next() < JUMP_PROB_PER_STEP ? JUMP_SIZE * s.rng.normal() : 0;
    s.lastShock = shock + jump * 0.02;
    s.logPrice += shock + jump - s.variance / 2;
    const activity = Math.sqrt(s.variance / longRun);
    const noise = Math.exp(0.5 * s.rng.normal() - 0.125);
    s.pendingVolume += ((s.params.volumePerSecond * STEP_MS) / 1000) * activity * noise;
  }

  return {
    kind: 'synthetic',
    sample(symbol, now) {
      const s = stateFor(symbol, now);
      let steps = Math.floor((now - s.t) / STEP_MS);
      if (steps > MAX_CATCHUP_STEPS) {
        s.t += (steps - MAX_CATCHUP_STEPS) * STEP_MS;
        steps = MAX_CATCHUP_STEPS;
      }
      for (let i = 0; i < steps; i++) step(s);
      if (steps > 0) s.t += steps * STEP_MS;
      const volume = s.pendingVolume;
      s.pendingVolume = 0;
      return { price: Math.exp(s.logPrice), volume };
    },
  };
}
