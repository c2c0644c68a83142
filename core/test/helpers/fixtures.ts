/// <reference types="node" />
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One TA-Lib reference fixture written by scripts/talib/generate.mjs. */
export interface TalibFixture {
  name: string;
  generator: string;
  source: { file: string; start: number; count: number };
  compareFrom: number;
  params: {
    sma: number;
    ema: number;
    rsi: number;
    macd: [number, number, number];
    bollinger: [number, number];
    atr: number;
    stochRsi: [number, number, number, number];
  };
  values: Record<string, (number | null)[]>;
}

export function talibFixtures(): TalibFixture[] {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'talib');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...JSON.parse(readFileSync(join(dir, f), 'utf8')) }));
}
