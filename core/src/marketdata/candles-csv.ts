import type { Candle } from '../candle.ts';

/** The columns a candle CSV must have; `volume` may be left out where `volume: 'optional'`. */
const REQUIRED = ['time', 'open', 'high', 'low', 'close'] as const;

/**
 * The one candle-CSV reader: `time,open,high,low,close[,volume]` with a header on line 1 (columns in
 * any order, names in any case), ms times strictly ascending, as in ../shared/data/candles and what
 * `enigma data download --out` writes. Every cell must be a finite number: a malformed cell or a time
 * out of order is an error naming the line, never skipped. Floats: candles from files drive
 * indicators, models and the simulated price path, not money.
 *
 * @example const candles = parseCandlesCsv(readFileSync(path, 'utf8'), path);
 */
export function parseCandlesCsv(
  text: string,
  source = 'csv',
  options: { volume?: 'required' | 'optional' } = {},
): Candle[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const wanted = options.volume === 'optional' ? REQUIRED : ([...REQUIRED, 'volume'] as const);
  const missing = wanted.filter((name) => !header.includes(name));
  if (missing.length > 0)
    throw new Error(`${source}: header must contain ${wanted.join(',')}, missing ${missing.join(',')}`);
  const at = (name: string) => header.indexOf(name);
  const idx = { time: at('time'), open: at('open'), high: at('high'), low: at('low'), close: at('close') };
  const vIdx = at('volume');
  const out: Candle[] = [];
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(',');
    const num = (i: number, name: string) => {
      const cell = cells[i]?.trim() ?? '';
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v))
        throw new Error(`${source}: line ${r + 1}: ${name} is not a finite number: ${JSON.stringify(cell)}`);
      return v;
    };
    const candle: Candle = {
      time: num(idx.time, 'time'),
      open: num(idx.open, 'open'),
      high: num(idx.high, 'high'),
      low: num(idx.low, 'low'),
      close: num(idx.close, 'close'),
      volume: vIdx >= 0 ? num(vIdx, 'volume') : 0,
    };
    const prev = out[out.length - 1];
    if (prev && candle.time <= prev.time) throw new Error(`${source}: line ${r + 1}: time is not ascending`);
    out.push(candle);
  }
  return out;
}
