import { afterEach, describe, expect, it, vi } from 'vitest';
import { scoreCommand } from '../cli/commands/score.ts';

const csv = new URL('../../../../shared/data/candles/binance-futures/SOLUSDT-1m.csv', import.meta.url)
  .pathname;

/** Runs `enigma score` in-process and returns what it printed. */
async function run(values: Record<string, string | boolean>) {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await scoreCommand.run({ values, positionals: [] });
    return { code, out: lines.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('enigma score', () => {
  it('prints direction, score, model output with the gate, and reasons for the latest candles', async () => {
    const { code, out } = await run({ csv, at: '2025-06-01T12:00:00Z' });
    expect(code).toBe(0);
    expect(out).toContain('SOLUSDT at 2025-06-01T12:00:00.000Z');
    expect(out).toMatch(/direction: (long|short|neutral) {3}score: \d+\/100/);
    expect(out).toMatch(/model: signal-model@[0-9a-f]{12} {2}p\(long\) [01]\.\d{3}/);
    expect(out).toMatch(/gate: (LONG|SHORT|WAIT)/);
    expect(out).toContain('reasons:');
  });

  it('scores an alert against the candles and lists the fields that disagree, as JSON', async () => {
    const alert = JSON.stringify({
      symbol: 'SOLUSDT.P',
      action: 'sell',
      indicators: { rsi: '99', close: '1' },
    });
    const { code, out } = await run({ csv, alert, at: '2025-06-01T12:00:00Z', json: true, 'no-model': true });
    expect(code).toBe(0);
    const scored = JSON.parse(out);
    expect(scored.disagreements.map((d: { field: string }) => d.field)).toEqual(['close', 'rsi']);
    expect(scored.modelVersion).toBeNull();
    expect(scored.reasons).toContain('model disabled: --no-model');
  });

  it('keeps scoring when the model file is missing, and says so', async () => {
    const { code, out } = await run({ csv, model: '/nonexistent/model.onnx' });
    expect(code).toBe(0);
    expect(out).toContain('model: model disabled: signal model: file not found: /nonexistent/model.onnx');
  });

  it('refuses to run with nothing to score', async () => {
    const { code, out } = await run({});
    expect(code).toBe(2);
    expect(out).toContain('give --alert/--alert-file, --csv or --symbol');
  });
});
