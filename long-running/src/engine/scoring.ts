import type { Candle } from '@enigma/core/candle';
import { type CandleContext, candleContext } from '@enigma/core/scoring/context';
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
  /**
   * Per contract, the current minute's candles and their context (indicators, trends, patterns, the
   * model's sequence): a pure function of the closed minutes, so built once per contract per minute,
   * not once per signal (over three days of 1m candles it cost milliseconds on the decision path).
   */
  private readonly minutes = new Map<string, { minute: number; context: Promise<CandleContext | null> }>();

  constructor(
    private readonly db: EnigmaDb,
    private readonly model: SignalModel | DisabledModel,
    private readonly clock: EngineClock,
  ) {}

  private context(symbol: string, now: number): Promise<CandleContext | null> {
    const minute = Math.floor(now / MINUTE);
    const hit = this.minutes.get(symbol);
    if (hit && hit.minute === minute) return hit.context;
    const context = getCandles(
      this.db,
      symbol,
      '1m',
      new Date((minute - HISTORY_MINUTES) * MINUTE),
      new Date(minute * MINUTE),
    ).then((rows) => {
      const candles: Candle[] = rows.map((r) => ({
        time: r.openTime.getTime(),
        open: Number(r.open),
        high: Number(r.high),
        low: Number(r.low),
        close: Number(r.close),
        volume: Number(r.volume),
      }));
      // Every candle loaded closed before this minute began: the context is the same all minute long.
      return candles.length > 0 ? candleContext(candles, minute * MINUTE) : null;
    });
    this.minutes.set(symbol, { minute, context });
    context.catch(() => this.minutes.delete(symbol));
    return context;
  }

  /**
   * Build the current minute's context of the contracts seen so far, and of `more` (the engine's
   * warm-up: contracts it holds or recently had signals for), ahead of their next signal.
   */
  async warm(more: readonly string[] = []): Promise<void> {
    const now = this.clock.now();
    for (const symbol of new Set([...this.minutes.keys(), ...more]))
      await this.context(symbol, now).catch(() => null);
  }

  /** The contracts whose context is held (diagnostics and tests). */
  held(): string[] {
    return [...this.minutes.keys()];
  }

  async score(entry: SignalEntry, side: 'long' | 'short' | undefined): Promise<ScoredSignal> {
    const now = this.clock.now();
    const context = await this.context(entry.symbol, now);
    return scoreWithModel({
      symbol: entry.symbol,
      now,
      model: this.model,
      context,
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
