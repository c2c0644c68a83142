import { Counter, Histogram, type Registry, register } from 'prom-client';

/** How a job run ended. `released`: stopped by a shutdown and put back, to run again. */
export type JobRunOutcome = 'completed' | 'retrying' | 'failed' | 'released';

/** The job metrics, created once per registry (prom-client rejects duplicate names). */
export interface JobMetrics {
  runs: Counter<'queue' | 'outcome'>;
  handlerSeconds: Histogram<'queue'>;
}

const byRegistry = new WeakMap<Registry, JobMetrics>();

/** The job metrics registered on `registry` (default: prom-client's global registry, served at /metrics). */
export function jobMetrics(registry: Registry = register): JobMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = {
      runs: new Counter({
        name: 'enigma_job_runs_total',
        help: 'Job runs by queue and outcome (completed, retrying, failed = attempts used up, released at shutdown)',
        labelNames: ['queue', 'outcome'],
        registers: [registry],
      }),
      handlerSeconds: new Histogram({
        name: 'enigma_job_handler_seconds',
        help: 'Time spent in job handlers',
        labelNames: ['queue'],
        buckets: [0.005, 0.05, 0.25, 1, 5, 30, 120],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
