import type { Bus } from '@enigma/core/bus/index';
import { Gauge, register as globalRegistry, type Metric, Registry } from 'prom-client';

/**
 * Gauges read at scrape time that every long-running process adds to its registry
 * (runtime/metrics.ts, which already carries Node's defaults: event-loop delay
 * `nodejs_eventloop_lag_seconds` / `nodejs_eventloop_lag_p99_seconds`, heap, CPU, handles).
 * docs/grafana/enigma.json charts them; its test checks every metric it names exists here.
 */

/** Engine states as numbers for a stat panel: the breaker's worst state and the kill switch. */
export const BREAKER_STATES = ['active', 'reduce_only', 'halted'] as const;

/** Queue depth of the streams a process consumes: entries in the stream and entries read but not acked. */
export function busDepthMetrics(
  registry: Registry,
  bus: Bus,
  consumers: { stream: string; group: string }[],
) {
  new Gauge({
    name: 'enigma_bus_stream_length',
    help: 'entries in the stream (trimmed by MAXLEN), read at scrape time',
    labelNames: ['stream'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const stream of new Set(consumers.map((c) => c.stream))) {
        this.set({ stream }, await bus.length(stream).catch(() => Number.NaN));
      }
    },
  });
  new Gauge({
    name: 'enigma_bus_pending',
    help: 'entries delivered to the consumer group and not acked yet (queue depth in hand)',
    labelNames: ['stream', 'group'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { stream, group } of consumers) {
        const pending = await bus.pending(stream, group).catch(() => null);
        this.set({ stream, group }, pending ? pending.count : Number.NaN);
      }
    },
  });
}

/** The engine's safety state: breaker (1 on the current state's series) and kill switch (1 when on). */
export function engineStateMetrics(
  registry: Registry,
  status: () => { breaker: (typeof BREAKER_STATES)[number]; killSwitch: { on: boolean }; state: string },
) {
  new Gauge({
    name: 'enigma_engine_breaker_state',
    help: 'circuit breaker state: 1 on the series of the current state (active, reduce_only, halted)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const now = status().breaker;
      for (const state of BREAKER_STATES) this.set({ state }, state === now ? 1 : 0);
    },
  });
  new Gauge({
    name: 'enigma_engine_kill_switch',
    help: '1 while the kill switch is on (no new risk is taken)',
    registers: [registry],
    collect() {
      this.set(status().killSwitch.on ? 1 : 0);
    },
  });
  new Gauge({
    name: 'enigma_engine_trading',
    help: '1 while this engine holds the lease and trades (0: standby, reconciling, stopped)',
    registers: [registry],
    collect() {
      this.set(status().state === 'trading' ? 1 : 0);
    },
  });
}

/** The gateway's connected dashboard clients. */
export function gatewayMetrics(registry: Registry, gateway: { readonly clients: number }) {
  new Gauge({
    name: 'enigma_gateway_clients',
    help: 'authenticated WebSocket clients connected to the gateway',
    registers: [registry],
    collect() {
      this.set(gateway.clients);
    },
  });
}

/**
 * The process's registry plus what modules registered on prom-client's global registry by default
 * (the KuCoin client's request metrics), as one Prometheus text exposition.
 */
export async function metricsText(registry: Registry): Promise<{ text: string; contentType: string }> {
  const own = new Set(registry.getMetricsAsArray().map((m) => m.name));
  const extra = new Registry();
  for (const m of globalRegistry.getMetricsAsArray())
    if (!own.has(m.name)) extra.registerMetric(m as unknown as Metric);
  // Concatenated, not Registry.merge: the process registry's default labels (app) stay on its series.
  return { text: (await registry.metrics()) + (await extra.metrics()), contentType: registry.contentType };
}
