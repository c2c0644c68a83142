import { Counter, Histogram, type Registry, register } from 'prom-client';

/** KuCoin client metrics, created once per registry (prom-client rejects duplicate names). */
export interface KucoinMetrics {
  /** outcome: ok | <error kind> | network */
  requests: Counter<'method' | 'outcome'>;
  requestSeconds: Histogram<'method'>;
  /** Lost order responses, by how they were settled: found | unknown. */
  orderResolutions: Counter<'result'>;
  wsReconnects: Counter<'channel'>;
  l2Resyncs: Counter<'symbol'>;
}

const byRegistry = new WeakMap<Registry, KucoinMetrics>();

/** The KuCoin metrics registered on `registry` (default: prom-client's global registry, served at /metrics). */
export function kucoinMetrics(registry: Registry = register): KucoinMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    const registers = [registry];
    metrics = {
      requests: new Counter({
        name: 'enigma_kucoin_requests_total',
        help: 'KuCoin REST attempts by method and outcome',
        labelNames: ['method', 'outcome'],
        registers,
      }),
      requestSeconds: new Histogram({
        name: 'enigma_kucoin_request_seconds',
        help: 'KuCoin REST attempt latency',
        labelNames: ['method'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
        registers,
      }),
      orderResolutions: new Counter({
        name: 'enigma_kucoin_order_resolutions_total',
        help: 'Order requests with a lost response, settled by clientOid lookup',
        labelNames: ['result'],
        registers,
      }),
      wsReconnects: new Counter({
        name: 'enigma_kucoin_ws_reconnects_total',
        help: 'KuCoin WebSocket reconnects',
        labelNames: ['channel'],
        registers,
      }),
      l2Resyncs: new Counter({
        name: 'enigma_kucoin_l2_resyncs_total',
        help: 'Level-2 book rebuilds (gaps, bad deltas, reconnects)',
        labelNames: ['symbol'],
        registers,
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
