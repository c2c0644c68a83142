import { readFileSync } from 'node:fs';
import type { Candle } from '@enigma/core/candle';
import { parseCandlesCsv } from '@enigma/core/marketdata/candles-csv';
import type { ScoredSignal } from '@enigma/core/scoring/scorer';
import { parseSignalBody } from '@enigma/core/signals/payload';
import { parseUtcTime } from '@enigma/core/utc-time';
import { getCandles, latestCandleTime } from '@enigma/db';
import { type AlertInput, scoreWithModel } from '../../ml/score-signal.ts';
import {
  DEFAULT_MODEL_PATH,
  type DisabledModel,
  type SignalModel,
  startSignalModelOrDisabled,
} from '../../ml/signal-model.ts';
import type { CliCommand } from '../command.ts';
import { openConfiguredDatabase } from './migrate.ts';

const MINUTE = 60_000;
/** 4h EMA-50 needs ~200 hours of minutes; 10 days covers every timeframe's warm-up. */
const HISTORY_MINUTES = 10 * 24 * 60;

function parseAt(raw: string): number {
  const t = /^\d+$/.test(raw) ? Number(raw) : parseUtcTime(raw);
  if (!Number.isFinite(t)) throw new Error(`--at: not a time: ${raw}`);
  return t;
}

function loadCsv(path: string): Candle[] {
  return parseCandlesCsv(readFileSync(path, 'utf8'), path);
}

async function loadFromDb(symbol: string, at: number | undefined): Promise<Candle[]> {
  const { handle } = await openConfiguredDatabase();
  try {
    const latest = at !== undefined ? new Date(at) : await latestCandleTime(handle.db, symbol, '1m');
    if (!latest) return [];
    const to = new Date(latest.getTime() + MINUTE);
    const rows = await getCandles(
      handle.db,
      symbol,
      '1m',
      new Date(to.getTime() - HISTORY_MINUTES * MINUTE),
      to,
    );
    return rows.map((r) => ({
      time: r.openTime.getTime(),
      open: Number(r.open),
      high: Number(r.high),
      low: Number(r.low),
      close: Number(r.close),
      volume: Number(r.volume),
    }));
  } finally {
    await handle.close();
  }
}

function print(s: ScoredSignal): void {
  const m = s.inputs.model;
  console.log(`${s.symbol} at ${new Date(s.at).toISOString()}`);
  console.log(`direction: ${s.direction}   score: ${s.score}/100`);
  if (m.enabled) {
    const p = m.probabilities;
    console.log(
      `model: ${m.version}  p(long) ${p.long.toFixed(3)}  p(short) ${p.short.toFixed(3)}  p(neutral) ${p.neutral.toFixed(3)}  quality ${m.quality.toFixed(3)}`,
    );
    console.log(`gate: ${m.gate.decision}${m.gate.reasons.length ? ` (${m.gate.reasons.join('; ')})` : ''}`);
  } else console.log(`model: ${m.reason}`);
  if (s.disagreements.length > 0) {
    console.log('disagreements (alert vs local):');
    for (const d of s.disagreements) {
      console.log(
        `  ${d.field}: ${d.alert} vs ${d.local} (difference ${d.difference.toPrecision(3)} > ${d.tolerance})`,
      );
    }
  }
  console.log('reasons:');
  for (const r of s.reasons) console.log(`  - ${r}`);
}

export const scoreCommand: CliCommand = {
  name: 'score',
  summary: 'score an alert or the latest candles of a symbol: direction, 0-100 score, model output, reasons',
  usage: [
    'usage: enigma score [--alert <json> | --alert-file <file>] [--csv <1m candles.csv> | --symbol <contract>]',
    '                    [--at <iso|ms>] [--model <file.onnx> | --no-model] [--json]',
    '',
    '  --alert, --alert-file  a TradingView alert (the webhook JSON); its indicators are checked against ours',
    '  --csv                  1m candles (time,open,high,low,close,volume), e.g. ../shared/data/candles/binance-futures/BTCUSDT-1m.csv',
    '  --symbol               with no --csv: the 1m candles stored in the database (DATABASE_URL or .data/pglite)',
    '  --at                   decision time; default: the close of the last candle (or the alert time)',
    `  --model                ONNX model (default ${DEFAULT_MODEL_PATH}); --no-model scores without it`,
  ].join('\n'),
  options: {
    alert: { type: 'string' },
    'alert-file': { type: 'string' },
    csv: { type: 'string' },
    symbol: { type: 'string' },
    at: { type: 'string' },
    model: { type: 'string' },
    'no-model': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values }) {
    const alertText =
      typeof values.alert === 'string'
        ? values.alert
        : typeof values['alert-file'] === 'string'
          ? readFileSync(values['alert-file'], 'utf8')
          : undefined;
    let alert: AlertInput | undefined;
    let symbol = typeof values.symbol === 'string' ? values.symbol : undefined;
    let alertTime: number | undefined;
    if (alertText !== undefined) {
      const { signal } = parseSignalBody(alertText, 'json');
      const side = signal.action === 'buy' ? 'long' : signal.action === 'sell' ? 'short' : undefined;
      alert = { ...(side ? { side } : {}), indicators: signal.indicators };
      symbol ??= signal.symbol;
      alertTime = signal.alertTime;
    }
    const at = typeof values.at === 'string' ? parseAt(values.at) : undefined;
    let minutes: Candle[] = [];
    if (typeof values.csv === 'string') {
      minutes = loadCsv(values.csv);
      symbol ??= values.csv
        .split('/')
        .pop()!
        .replace(/-1m\.csv$/, '');
    } else if (symbol !== undefined && alert === undefined) {
      minutes = await loadFromDb(symbol, at);
      if (minutes.length === 0) {
        console.error(`enigma score: no 1m candles for ${symbol} in the database`);
        return 1;
      }
    }
    if (symbol === undefined) {
      console.error(`enigma score: give --alert/--alert-file, --csv or --symbol\n\n${scoreCommand.usage}`);
      return 2;
    }
    const now = at ?? (minutes.length > 0 ? minutes.at(-1)!.time + MINUTE : (alertTime ?? Date.now()));
    // Only what had closed by `now`, and only as much history as the slowest warm-up needs.
    minutes = minutes.filter((m) => m.time + MINUTE <= now).slice(-HISTORY_MINUTES);

    const model: SignalModel | DisabledModel = values['no-model']
      ? { enabled: false, reason: 'model disabled: --no-model' }
      : await startSignalModelOrDisabled(
          typeof values.model === 'string' ? { path: values.model } : {},
          (e) => console.error(`enigma score: ${e.message}; scoring without the model`),
        );
    try {
      const scored = await scoreWithModel({ symbol, now, model, ...(alert ? { alert } : {}), minutes });
      if (values.json) console.log(JSON.stringify({ ...scored, inputs: { ...scored.inputs } }, null, 2));
      else print(scored);
      return 0;
    } finally {
      if (model.enabled) await model.close();
    }
  },
};
