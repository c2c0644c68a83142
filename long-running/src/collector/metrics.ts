import { Counter, Gauge, type Registry } from 'prom-client';

/** The collector's Prometheus metrics, registered on the process registry (or a test's own). */
export interface CollectorMetrics {
  messages: Counter<'symbol' | 'feed'>;
  messagesPerSecond: Gauge;
  reconnects: Counter;
  sequenceGaps: Counter<'symbol'>;
  resyncs: Counter<'symbol'>;
  lagMs: Gauge<'symbol' | 'feed'>;
  feedFresh: Gauge<'symbol' | 'feed'>;
  staleSymbols: Gauge;
  parseErrors: Counter<'feed'>;
  candlesStored: Counter<'symbol' | 'timeframe' | 'source'>;
  candleDisagreements: Counter<'symbol'>;
  backfillErrors: Counter<'symbol'>;
  referenceDivergenceBps: Gauge<'symbol'>;
  divergenceAlerts: Counter<'symbol'>;
  samplesStored: Counter<'kind'>;
  sampleWriteFailures: Counter<'kind'>;
  samplesDropped: Counter<'kind' | 'reason'>;
}

/**
 * Create (or reuse, when already registered on `registry`) the collector metrics. Names start with
 * `enigma_collector_`; `messages_per_second` is a 10-second moving figure for dashboards without PromQL.
 */
export function collectorMetrics(registry: Registry): CollectorMetrics {
  function reuse<T>(name: string, make: () => T): T {
    return (registry.getSingleMetric(name) as T | undefined) ?? make();
  }
  const registers = [registry];
  return {
    messages: reuse(
      'enigma_collector_messages_total',
      () =>
        new Counter({
          name: 'enigma_collector_messages_total',
          help: 'WebSocket data messages received, by symbol and feed',
          labelNames: ['symbol', 'feed'] as const,
          registers,
        }),
    ),
    messagesPerSecond: reuse(
      'enigma_collector_messages_per_second',
      () =>
        new Gauge({
          name: 'enigma_collector_messages_per_second',
          help: 'Data messages per second over the last 10 seconds',
          registers,
        }),
    ),
    reconnects: reuse(
      'enigma_collector_reconnects_total',
      () =>
        new Counter({ name: 'enigma_collector_reconnects_total', help: 'WebSocket reconnects', registers }),
    ),
    sequenceGaps: reuse(
      'enigma_collector_sequence_gaps_total',
      () =>
        new Counter({
          name: 'enigma_collector_sequence_gaps_total',
          help: 'Level-2 sequence gaps detected',
          labelNames: ['symbol'] as const,
          registers,
        }),
    ),
    resyncs: reuse(
      'enigma_collector_resyncs_total',
      () =>
        new Counter({
          name: 'enigma_collector_resyncs_total',
          help: 'Order book rebuilds from a REST snapshot',
          labelNames: ['symbol'] as const,
          registers,
        }),
    ),
    lagMs: reuse(
      'enigma_collector_lag_ms',
      () =>
        new Gauge({
          name: 'enigma_collector_lag_ms',
          help: 'Receive time minus exchange event time of the latest message (ms)',
          labelNames: ['symbol', 'feed'] as const,
          registers,
        }),
    ),
    feedFresh: reuse(
      'enigma_collector_feed_fresh',
      () =>
        new Gauge({
          name: 'enigma_collector_feed_fresh',
          help: '1 when the feed delivered within the stale window, else 0',
          labelNames: ['symbol', 'feed'] as const,
          registers,
        }),
    ),
    staleSymbols: reuse(
      'enigma_collector_stale_symbols',
      () =>
        new Gauge({
          name: 'enigma_collector_stale_symbols',
          help: 'Symbols with at least one stale feed',
          registers,
        }),
    ),
    parseErrors: reuse(
      'enigma_collector_parse_errors_total',
      () =>
        new Counter({
          name: 'enigma_collector_parse_errors_total',
          help: 'Messages rejected at the parse boundary',
          labelNames: ['feed'] as const,
          registers,
        }),
    ),
    candlesStored: reuse(
      'enigma_collector_candles_stored_total',
      () =>
        new Counter({
          name: 'enigma_collector_candles_stored_total',
          help: 'Candles upserted, by timeframe and source (trades or rest)',
          labelNames: ['symbol', 'timeframe', 'source'] as const,
          registers,
        }),
    ),
    candleDisagreements: reuse(
      'enigma_collector_candle_disagreements_total',
      () =>
        new Counter({
          name: 'enigma_collector_candle_disagreements_total',
          help: "1m bars built from trades whose OHLC differ from the exchange's candle channel",
          labelNames: ['symbol'] as const,
          registers,
        }),
    ),
    backfillErrors: reuse(
      'enigma_collector_backfill_errors_total',
      () =>
        new Counter({
          name: 'enigma_collector_backfill_errors_total',
          help: 'Failed REST kline backfills (retried)',
          labelNames: ['symbol'] as const,
          registers,
        }),
    ),
    referenceDivergenceBps: reuse(
      'enigma_collector_reference_divergence_bps',
      () =>
        new Gauge({
          name: 'enigma_collector_reference_divergence_bps',
          help: 'KuCoin mid vs the Binance reference mid, basis points (signed)',
          labelNames: ['symbol'] as const,
          registers,
        }),
    ),
    divergenceAlerts: reuse(
      'enigma_collector_divergence_alerts_total',
      () =>
        new Counter({
          name: 'enigma_collector_divergence_alerts_total',
          help: 'Times the KuCoin price diverged from the reference beyond the threshold',
          labelNames: ['symbol'] as const,
          registers,
        }),
    ),
    samplesStored: reuse(
      'enigma_collector_samples_stored_total',
      () =>
        new Counter({
          name: 'enigma_collector_samples_stored_total',
          help: 'Mark-price samples and funding rates written to the database, by kind (mark, funding)',
          labelNames: ['kind'] as const,
          registers,
        }),
    ),
    sampleWriteFailures: reuse(
      'enigma_collector_sample_write_failures_total',
      () =>
        new Counter({
          name: 'enigma_collector_sample_write_failures_total',
          help: 'Failed batch writes of mark samples or funding rates (kept queued and retried)',
          labelNames: ['kind'] as const,
          registers,
        }),
    ),
    samplesDropped: reuse(
      'enigma_collector_samples_dropped_total',
      () =>
        new Counter({
          name: 'enigma_collector_samples_dropped_total',
          help: 'Samples never written: rejected as invalid, or the oldest dropped when the queue was full',
          labelNames: ['kind', 'reason'] as const,
          registers,
        }),
    ),
  };
}
