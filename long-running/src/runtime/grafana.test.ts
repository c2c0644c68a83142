import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../bus/memory.ts';
import { busMetrics } from '../bus/metrics.ts';
import { collectorMetrics } from '../collector/metrics.ts';
import { engineMetrics } from '../engine/metrics.ts';
import { kucoinMetrics } from '../exchange/kucoin/metrics.ts';
import { jobMetrics } from '../jobs/metrics.ts';
import { createMetricsRegistry } from './metrics.ts';
import { busDepthMetrics, engineStateMetrics, gatewayMetrics, metricsText } from './process-metrics.ts';

const DASHBOARD = new URL('../../../docs/grafana/enigma.json', import.meta.url);

/** Every metric the long-running processes register, as `enigma engine`, `collector` and `gateway` do. */
function allProcessMetrics(bus = createMemoryBus()): Registry {
  const registry = createMetricsRegistry();
  engineMetrics(registry);
  kucoinMetrics(registry);
  collectorMetrics(registry);
  busMetrics(registry);
  jobMetrics(registry);
  busDepthMetrics(registry, bus, [{ stream: 'signals:incoming', group: 'engine' }]);
  engineStateMetrics(registry, () => ({
    breaker: 'reduce_only',
    killSwitch: { on: true },
    state: 'trading',
  }));
  gatewayMetrics(registry, { clients: 3 });
  return registry;
}

/** The series names a metric exposes: histograms add _bucket/_sum/_count. */
function seriesOf(registry: Registry): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const m of registry.getMetricsAsArray() as unknown as { name: string; labelNames?: string[] }[]) {
    const json = m as unknown as { constructor: { name: string } };
    const labels = new Set(m.labelNames ?? []);
    const names =
      json.constructor.name === 'Histogram'
        ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]
        : json.constructor.name === 'Summary'
          ? [m.name, `${m.name}_sum`, `${m.name}_count`]
          : [m.name];
    for (const n of names) series.set(n, n.endsWith('_bucket') ? new Set([...labels, 'le']) : labels);
  }
  return series;
}

function exprsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) exprsOf(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'expr' && typeof v === 'string') out.push(v);
      else exprsOf(v, out);
    }
  }
  return out;
}

const METRIC = /\b(?:enigma|nodejs|process)_[a-z0-9_]+\b/g;
/** Labels Prometheus adds at scrape time, not the registry. */
const SCRAPE_LABELS = new Set(['job', 'instance', 'le']);

describe('docs/grafana/enigma.json', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { title: string; targets: { expr: string }[]; datasource: { type: string } }[];
  };
  const series = seriesOf(allProcessMetrics());
  const exprs = exprsOf(dashboard);

  it('names only metrics that exist in the processes’ registries, grouped by labels they have', () => {
    expect(exprs.length).toBeGreaterThan(10);
    const unknown: string[] = [];
    const badLabels: string[] = [];
    for (const expr of exprs) {
      const names = [...new Set(expr.match(METRIC) ?? [])];
      expect(names.length, expr).toBeGreaterThan(0);
      for (const n of names) if (!series.has(n)) unknown.push(`${n} in ${expr}`);
      const labels = new Set(names.flatMap((n) => [...(series.get(n) ?? [])]));
      for (const by of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const label of by[1]!.split(',').map((l) => l.trim())) {
          if (!SCRAPE_LABELS.has(label) && !labels.has(label)) badLabels.push(`${label} in ${expr}`);
        }
      }
    }
    expect(unknown).toEqual([]);
    expect(badLabels).toEqual([]);
  });

  it('charts what the issue asks for: signals, orders, latency, reconnects, breaker, event loop, queue depth', () => {
    const named = new Set(exprs.flatMap((e) => e.match(METRIC) ?? []));
    for (const required of [
      'enigma_engine_signals_total',
      'enigma_engine_orders_total',
      'enigma_engine_decision_seconds_bucket',
      'enigma_kucoin_request_seconds_bucket',
      'enigma_kucoin_ws_reconnects_total',
      'enigma_collector_reconnects_total',
      'enigma_engine_breaker_state',
      'nodejs_eventloop_lag_p99_seconds',
      'enigma_bus_pending',
      'enigma_gateway_clients',
    ]) {
      expect(named.has(required), required).toBe(true);
    }
    for (const p of dashboard.panels) expect(p.datasource.type, p.title).toBe('prometheus');
  });

  it('the process gauges read their state at scrape time, with the global registry’s metrics merged in', async () => {
    const bus = createMemoryBus();
    await bus.ensureGroup('signals:incoming', 'engine');
    await bus.append('signals:incoming', { n: 1 });
    await bus.append('signals:incoming', { n: 2 });
    await bus.readGroup('signals:incoming', 'engine', 'c1', { count: 1 });
    const registry = allProcessMetrics(bus);
    // what a module registered on the global registry (the KuCoin client by default) is served too
    kucoinMetrics();
    const { text } = await metricsText(registry);
    expect(text).toMatch(/enigma_bus_stream_length\{stream="signals:incoming",app="enigma"\} 2/);
    expect(text).toMatch(/enigma_engine_breaker_state\{state="reduce_only",app="enigma"\} 1/);
    expect(text).toMatch(/enigma_engine_breaker_state\{state="active",app="enigma"\} 0/);
    expect(text).toMatch(/enigma_engine_kill_switch\{app="enigma"\} 1/);
    expect(text).toMatch(/enigma_gateway_clients\{app="enigma"\} 3/);
    expect(text).toMatch(/enigma_bus_pending\{stream="signals:incoming",group="engine",app="enigma"\} 1/);
    expect(text).toMatch(/# TYPE enigma_kucoin_requests_total counter/);
    expect(text.match(/# TYPE enigma_kucoin_requests_total/g)).toHaveLength(1);
    expect(text).toMatch(/nodejs_eventloop_lag_p99_seconds/);
  });
});
