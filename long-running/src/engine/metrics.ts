import { Counter, Gauge, register as globalRegistry, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the engine. */
export function engineMetrics(registry?: Registry) {
  const registers = registry ? [registry] : undefined;
  // One set per registry: a second engine in the same process (tests, a take-over) shares it.
  const get = <T>(name: string, make: () => T): T =>
    ((registry ?? globalRegistry).getSingleMetric(name) as T | undefined) ?? make();
  return {
    signals: get(
      'enigma_engine_signals_total',
      () =>
        new Counter({
          name: 'enigma_engine_signals_total',
          help: 'signals handled by the engine, by final status',
          labelNames: ['status'],
          registers,
        }),
    ),
    orders: get(
      'enigma_engine_orders_total',
      () =>
        new Counter({
          name: 'enigma_engine_orders_total',
          help: 'orders sent by the engine, by purpose and outcome',
          labelNames: ['purpose', 'outcome'],
          registers,
        }),
    ),
    riskBlocks: get(
      'enigma_engine_risk_blocks_total',
      () =>
        new Counter({
          name: 'enigma_engine_risk_blocks_total',
          help: 'pre-trade risk blocks by reason code',
          labelNames: ['code'],
          registers,
        }),
    ),
    fills: get(
      'enigma_engine_fills_total',
      () =>
        new Counter({
          name: 'enigma_engine_fills_total',
          help: 'exchange fills applied to positions, by purpose of the order (external: not placed by the engine) and liquidity',
          labelNames: ['purpose', 'liquidity'],
          registers,
        }),
    ),
    decisionSeconds: get(
      'enigma_engine_decision_seconds',
      () =>
        new Histogram({
          name: 'enigma_engine_decision_seconds',
          help: 'stream entry read → first order request on the wire',
          buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
          registers,
        }),
    ),
    orderReports: get(
      'enigma_engine_order_reports_total',
      () =>
        new Counter({
          name: 'enigma_engine_order_reports_total',
          help: "followed orders' reports, by source: the private socket's pushes (whole: done, every lot matched) or a REST look-up",
          labelNames: ['source'],
          registers,
        }),
    ),
    fillSyncs: get(
      'enigma_engine_fill_syncs_total',
      () =>
        new Counter({
          name: 'enigma_engine_fill_syncs_total',
          help: "fill syncs, by what they ask the exchange for: the done orders' own fills (order) or a contract's recent window (window: the watchdog, reconciliation, an order whose answer was lost)",
          labelNames: ['by'],
          registers,
        }),
    ),
    fillOwnerLookups: get(
      'enigma_engine_fill_owner_lookups_total',
      () =>
        new Counter({
          name: 'enigma_engine_fill_owner_lookups_total',
          help: 'fills of an exchange order id the engine had no row for, whose order it asked the exchange about (a lost or not yet received answer)',
          registers,
        }),
    ),
    unprotected: get(
      'enigma_engine_unprotected_positions',
      () =>
        new Gauge({
          name: 'enigma_engine_unprotected_positions',
          help: 'open positions without a confirmed exchange-side stop',
          registers,
        }),
    ),
  };
}
export type EngineMetrics = ReturnType<typeof engineMetrics>;
