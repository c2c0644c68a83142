/**
 * One measured number. A benchmark that claims a speed names the peer it was measured against
 * in the same run; `ratio` is ours / peer for throughput (higher is better) or peer / ours for latency.
 */
export interface BenchResult {
  /** e.g. "candle upsert (PostgreSQL)" */
  name: string;
  /** e.g. "rows/s", "µs/candle", "ms p99" */
  unit: string;
  value: number;
  /** true when a bigger value is better (throughput); false for latencies and costs */
  higherIsBetter: boolean;
  peer?: { name: string; value: number };
  /** ours relative to the peer, oriented so that > 1 means we are better */
  ratio?: number;
  /** e.g. ">= 0.5x raw pg" */
  goal?: string;
  /** whether the goal was met in this run, when there is one */
  goalMet?: boolean;
  extra?: Record<string, number | string>;
}

export interface BenchSuite {
  name: string;
  /** Report progress to the terminal through `progress`; return the results. */
  run(progress: (message: string) => void): Promise<BenchResult[]>;
}

/** Orient a ratio so that > 1 means ours is better. */
export function ratioOf(ours: number, peer: number, higherIsBetter: boolean): number {
  if (peer === 0 || ours === 0) return Number.NaN;
  return higherIsBetter ? ours / peer : peer / ours;
}
