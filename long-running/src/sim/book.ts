import type { ContractSpec } from '@enigma/core/contract/specs';
import { hashUnit } from './rng.ts';

/** One price level in integer ticks (price = tick × tickSize) with its size in lots. */
export interface TickLevel {
  tick: number;
  size: number;
}

/** Shape of the simulated liquidity around the mid price. */
export interface BookShape {
  /** Levels per side. */
  levels: number;
  /** Quote notional (USDT) of an average top level. */
  levelNotional: number;
  /** Spread as a fraction of the price (at least one tick). */
  spreadFraction: number;
}

/** Default book: 60 levels a side, ~40k USDT per top level, one-tick spread on the majors. */
export const DEFAULT_BOOK_SHAPE: BookShape = { levels: 60, levelNotional: 40_000, spreadFraction: 0.000002 };

/** Liquidity refreshes level by level every this many ms (staggered), so depleted levels come back. */
export const LEVEL_EPOCH_MS = 10_000;

/** Offset in ticks of level i from the top: dense near the touch, sparser further out. */
function levelOffset(i: number): number {
  return i + Math.floor((i * i) / 12);
}

/** Epoch of one price level: staggered by tick so the whole book never refreshes at once. */
export function levelEpoch(tick: number, now: number): number {
  return Math.floor((now + (Math.abs(tick) % 100) * 100) / LEVEL_EPOCH_MS);
}

/**
 * The synthetic resting liquidity around `mid` (no user orders): deterministic in (seed, tick, epoch),
 * minus what the user has consumed in the current epoch.
 */
export function syntheticBook(args: {
  spec: ContractSpec;
  mid: number;
  now: number;
  seed: number;
  shape: BookShape;
  /** Lots consumed per `side:tick` in a given epoch. */
  consumed: Map<string, { epoch: number; lots: number }>;
}): { bids: TickLevel[]; asks: TickLevel[] } {
  const { spec, mid, now, seed, shape, consumed } = args;
  const tick = spec.tickSize.toNumber();
  const midTicks = mid / tick;
  const spreadTicks = Math.max(1, Math.round((mid * shape.spreadFraction) / tick));
  const bidTop = Math.max(1, Math.floor(midTicks - spreadTicks / 2));
  const askTop = bidTop + spreadTicks;
  const lotValue = mid * spec.multiplier.toNumber();
  const baseLots = Math.max(1, shape.levelNotional / lotValue);
  const side = (sideNum: number, top: number, dir: number): TickLevel[] => {
    const out: TickLevel[] = [];
    for (let i = 0; i < shape.levels; i++) {
      const t = top + dir * levelOffset(i);
      if (t <= 0) break;
      const epoch = levelEpoch(t, now);
      const u = hashUnit(seed, sideNum, t, epoch);
      let size = Math.max(1, Math.round(baseLots * (0.2 + 1.6 * u) * (1 + i / 10)));
      const used = consumed.get(`${sideNum}:${t}`);
      if (used && used.epoch === epoch) size -= used.lots;
      if (size > 0) out.push({ tick: t, size });
    }
    return out;
  };
  return { bids: side(0, bidTop, -1), asks: side(1, askTop, 1) };
}
