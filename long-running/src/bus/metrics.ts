import { Counter, Histogram, type Registry, register } from 'prom-client';

/** The consumer-loop metrics, created once per registry (prom-client rejects duplicate names). */
export interface BusMetrics {
  /** outcome: acked | failed | dead_lettered | invalid */
  entries: Counter<'stream' | 'group' | 'outcome'>;
  reclaimed: Counter<'stream' | 'group'>;
  handlerSeconds: Histogram<'stream' | 'group'>;
}

const byRegistry = new WeakMap<Registry, BusMetrics>();

/** The bus metrics registered on `registry` (default: prom-client's global registry, served at /metrics). */
export function busMetrics(registry: Registry = register): BusMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = {
      entries: new Counter({
        name: 'enigma_bus_entries_total',
        help: 'Stream entries handled by bus consumers, by outcome',
        labelNames: ['stream', 'group', 'outcome'],
        registers: [registry],
      }),
      reclaimed: new Counter({
        name: 'enigma_bus_reclaimed_total',
        help: 'Pending stream entries taken over from idle or dead consumers',
        labelNames: ['stream', 'group'],
        registers: [registry],
      }),
      handlerSeconds: new Histogram({
        name: 'enigma_bus_handler_seconds',
        help: 'Time spent in bus consumer handlers',
        labelNames: ['stream', 'group'],
        buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
