import type { Candle } from '@enigma/core/candle';
import type { ScoredSignal } from '@enigma/core/scoring/scorer';
import type { SignalEntry } from '@enigma/core/streams/catalog';
import { type EnigmaDb, getCandles } from '@enigma/db';
import { scoreWithModel } from '../ml/score-signal.ts';
import type { DisabledModel, SignalModel } from '../ml/signal-model.ts';
import type { EngineClock } from './context.ts';

const MINUTE = 60_000;
/** Minutes of context loaded per contract (3 days: the 1h/4h trends and the model's window). */
const HISTORY_MINUTES = 3 * 24 * 60;

/**
 * Scores a signal with the existing scorer and, when it loaded, the ONNX model (in its worker thread,
 * off the main thread). The 1m candles come from the database once per contract per minute.
 */
export class SignalScorer {
  private readonly minutes = new Map<string, { minute: number; candles: Promise<Candle[]> }>();

  constructor(
    private readonly db: EnigmaDb,
    private readonly model: SignalModel | DisabledModel,
    private readonly clock: EngineClock,
  ) {}

  private candles(symbol: string, now: number): Promise<Candle[]> {
    const minute = Math.floor(now / MINUTE);
    const hit = this.minutes.get(symbol);
    if (hit && hit.minute === minute) return hit.candles;
    const candles = getCandles(
      this.db,
      symbol,
      '1m',
      new Date((minute - HISTORY_MINUTES) * MINUTE),
      new Date(minute * MINUTE),
    ).then((rows) =>
      rows.map((r) => ({
        time: r.openTime.getTime(),
        open: Number(r.open),
        high: Number(r.high),
        low: Number(r.low),
        close: Number(r.close),
        volume: Number(r.volume),
      })),
    );
    this.minutes.set(symbol, { minute, candles });
    candles.catch(() => this.minutes.delete(symbol));
    return candles;
  }

  async score(entry: SignalEntry, side: 'long' | 'short' | undefined): Promise<ScoredSignal> {
    const now = this.clock.now();
    const minutes = await this.candles(entry.symbol, now);
    return scoreWithModel({
      symbol: entry.symbol,
      now,
      model: this.model,
      minutes,
      alert: { ...(side ? { side } : {}), indicators: entry.indicators },
    });
  }

  /** The indicator snapshot and the model output of a signal, as its decision stores them. */
  recordOf(scored: ScoredSignal): {
    snapshot: { timeframe: string; at: Date; values: Record<string, number | null> };
    modelScore: {
      modelName: string;
      modelVersion: string;
      score: string;
      decision: string | null;
      features: Record<string, unknown>;
    };
  } {
    const local = scored.inputs.local ?? {};
    const m = scored.inputs.model;
    return {
      snapshot: {
        timeframe: '1m',
        at: new Date(scored.at),
        values: Object.fromEntries(
          Object.entries(local).map(([k, v]) => [k, Number.isFinite(v) ? (v as number) : null]),
        ),
      },
      modelScore: {
        modelName: m.enabled ? 'signal-model' : 'scorer',
        modelVersion: m.enabled ? m.version : 'scorer-only',
        score: String(scored.score),
        decision: m.enabled ? m.gate.decision : scored.direction,
        features: {
          direction: scored.direction,
          reasons: scored.reasons,
          components: scored.components,
          model: m.enabled
            ? { probabilities: m.probabilities, quality: m.quality, gate: m.gate }
            : { disabled: m.reason },
        } as unknown as Record<string, unknown>,
      },
    };
  }
}
