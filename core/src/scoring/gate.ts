import type { Direction } from '../features/spec.ts';

/** Thresholds of the original design's gate. */
export const GATE = { minQuality: 0.6, minTopProbability: 0.7 } as const;

/** The model's raw output for one sequence. */
export interface ModelProbabilities {
  long: number;
  short: number;
  neutral: number;
}

/** The gate's verdict on a model output. */
export interface GateVerdict {
  /** LONG/SHORT only when the model is confident enough; WAIT otherwise. */
  decision: 'LONG' | 'SHORT' | 'WAIT';
  /** The class with the highest probability. */
  top: Direction;
  topProbability: number;
  /** Why the gate said WAIT (empty when it passed). */
  reasons: string[];
}

/**
 * The original design's gate: WAIT when quality < 0.6 or the top probability < 0.7 (and when the
 * top class is neutral), otherwise the top class.
 *
 * @example
 * applyGate({ long: 0.8, short: 0.1, neutral: 0.1 }, 0.7).decision // 'LONG'
 */
export function applyGate(p: ModelProbabilities, quality: number, gate = GATE): GateVerdict {
  const ranked = (['long', 'short', 'neutral'] as const).map((d) => [d, p[d]] as const);
  ranked.sort((a, b) => b[1] - a[1]);
  const [top, topProbability] = ranked[0]!;
  const reasons: string[] = [];
  if (quality < gate.minQuality) reasons.push(`quality ${quality.toFixed(3)} < ${gate.minQuality}`);
  if (topProbability < gate.minTopProbability) {
    reasons.push(`top probability ${topProbability.toFixed(3)} < ${gate.minTopProbability}`);
  }
  if (top === 'neutral') reasons.push('top class is neutral');
  const decision = reasons.length > 0 ? 'WAIT' : top === 'long' ? 'LONG' : 'SHORT';
  return { decision, top, topProbability, reasons };
}
