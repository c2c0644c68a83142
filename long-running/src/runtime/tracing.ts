import { appendFileSync } from 'node:fs';
import {
  type Attributes,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  type ExportResult,
  ExportResultCode,
  hrTimeToMicroseconds,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/**
 * OpenTelemetry tracing of the long-running processes: one trace per signal, from the edge request
 * (whose W3C traceparent the `signals:incoming` entry carries) through the engine's intake, decision
 * (scoring, risk) and every exchange call. Off unless configured; then exported over OTLP/HTTP
 * (Jaeger, Tempo, Grafana Cloud, any collector), to a JSON-lines file, or to the console.
 *
 * Configuration (standard OpenTelemetry variables where there is one):
 * - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (full URL) or `OTEL_EXPORTER_OTLP_ENDPOINT` (base URL; `/v1/traces`
 *   is appended); `OTEL_EXPORTER_OTLP_HEADERS` (e.g. `authorization=Basic …` for Grafana Cloud) is read by
 *   the exporter itself
 * - `ENIGMA_TRACE_FILE=path`: each finished span as one JSON line
 * - `OTEL_TRACES_EXPORTER=console`: each finished span printed; `none` turns tracing off whatever is set
 * - `OTEL_SERVICE_NAME` overrides the process's name (`enigma-engine`, `enigma-start`, …)
 */

/** The tracer every instrumented module uses (a no-op until `startTracing` registers a provider). */
export const TRACER_NAME = 'enigma';
export const tracer = () => trace.getTracer(TRACER_NAME);

export interface TracingConfig {
  serviceName: string;
  /** full OTLP/HTTP traces URL (…/v1/traces) */
  otlpUrl?: string;
  /** JSON-lines file of finished spans */
  file?: string;
  console?: boolean;
  /** export each span as it ends (tests, the console) instead of in batches */
  immediate?: boolean;
}

export class TracingConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'TracingConfigError';
  }
}

function urlOf(variable: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url.toString();
  } catch {
    throw new TracingConfigError(variable, `"${value}" is not an http(s) URL`);
  }
}

/** The tracing configuration the environment asks for, or null (tracing off). Throws naming a bad variable. */
export function tracingConfigFromEnv(
  defaultServiceName: string,
  env: Record<string, string | undefined> = process.env,
): TracingConfig | null {
  const exporter = env['OTEL_TRACES_EXPORTER']?.trim().toLowerCase();
  if (exporter === 'none') return null;
  if (exporter !== undefined && exporter !== '' && !['otlp', 'console'].includes(exporter)) {
    throw new TracingConfigError('OTEL_TRACES_EXPORTER', `"${exporter}" is not one of otlp, console, none`);
  }
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  const otlpUrl = traces
    ? urlOf('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces)
    : base
      ? urlOf('OTEL_EXPORTER_OTLP_ENDPOINT', `${base.replace(/\/+$/, '')}/v1/traces`)
      : undefined;
  const file = env['ENIGMA_TRACE_FILE']?.trim() || undefined;
  const toConsole = exporter === 'console';
  if (!otlpUrl && !file && !toConsole) return null;
  return {
    serviceName: env['OTEL_SERVICE_NAME']?.trim() || defaultServiceName,
    ...(otlpUrl ? { otlpUrl } : {}),
    ...(file ? { file } : {}),
    ...(toConsole ? { console: true, immediate: true } : {}),
  };
}

/** A finished span as one JSON object (the file exporter's line). */
export function spanRecord(span: ReadableSpan) {
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    name: span.name,
    kind: SpanKind[span.kind],
    startUs: hrTimeToMicroseconds(span.startTime),
    durationUs: hrTimeToMicroseconds(span.duration),
    status: span.status,
    attributes: span.attributes,
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes ?? {} })),
    service: span.resource.attributes['service.name'],
  };
}

/** Appends each finished span to a file, one JSON line each ("locally to a file"). */
export class JsonLinesFileSpanExporter implements SpanExporter {
  constructor(private readonly path: string) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      appendFileSync(this.path, spans.map((s) => `${JSON.stringify(spanRecord(s))}\n`).join(''));
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }
  async shutdown(): Promise<void> {}
}

export interface Tracing {
  /** export everything finished so far */
  flush(): Promise<void>;
  /** flush, then stop exporting and unregister (the API falls back to no-ops) */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { flush: async () => {}, shutdown: async () => {} };

/**
 * Register the global tracer provider, context manager (AsyncLocalStorage: a span started around an
 * async call is the parent of every span the call makes) and W3C propagator. Null config: tracing off.
 */
export function startTracing(config: TracingConfig | null): Tracing {
  if (!config) return OFF;
  const exporters: SpanExporter[] = [];
  if (config.otlpUrl) exporters.push(new OTLPTraceExporter({ url: config.otlpUrl }));
  if (config.file) exporters.push(new JsonLinesFileSpanExporter(config.file));
  if (config.console) exporters.push(new ConsoleSpanExporter());
  const spanProcessors: SpanProcessor[] = exporters.map((exporter) =>
    config.immediate
      ? new SimpleSpanProcessor({ exporter })
      : new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1_000 }),
  );
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors,
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  let stopped = false;
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      if (stopped) return;
      stopped = true;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The context whose (remote) parent is the given W3C traceparent; the root context when there is none. */
export function contextOfTraceparent(traceparent: string | null | undefined) {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/**
 * Whether the current call chain belongs to a sampled trace (its span may have ended already: the
 * background follow-up of a signal still belongs to the signal's trace).
 */
export function inSampledTrace(): boolean {
  const sc = trace.getSpanContext(context.active());
  return sc !== undefined && isSpanContextValid(sc) && (sc.traceFlags & TraceFlags.SAMPLED) !== 0;
}

/** The intake span of each signal this process handled lately (bounded): later work joins its trace. */
const signalSpans = new Map<string, SpanContext>();
const SIGNAL_SPANS_KEPT = 10_000;

/** Remember `span` as the signal's: work done for it outside its call chain (a fill's stop) joins the trace. */
export function rememberSignalSpan(signalId: string, span: Span): void {
  if (!span.isRecording()) return;
  signalSpans.delete(signalId);
  signalSpans.set(signalId, span.spanContext());
  if (signalSpans.size > SIGNAL_SPANS_KEPT) signalSpans.delete(signalSpans.keys().next().value!);
}

/**
 * Run `fn` in the signal's trace when it is not already in a traced call chain (e.g. the protective
 * stop placed when the private socket reports the entry's fill): its spans become children of the
 * signal's intake span. Outside any known signal, `fn` runs as it is.
 */
export function inSignalTrace<T>(signalId: string | null | undefined, fn: () => Promise<T>): Promise<T> {
  if (!signalId || inSampledTrace()) return fn();
  const parent = signalSpans.get(signalId);
  return parent ? context.with(trace.setSpanContext(ROOT_CONTEXT, parent), fn) : fn();
}

/**
 * Run `fn` inside a new active span: it ends when `fn` settles, with an error status (and the
 * exception recorded) when `fn` throws. Costs a no-op span when tracing is off.
 */
export function inSpan<T>(
  name: string,
  options: {
    attributes?: Attributes;
    kind?: SpanKind;
    startTime?: number;
    parent?: ReturnType<typeof contextOfTraceparent>;
  },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    {
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.kind !== undefined ? { kind: options.kind } : {}),
      ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
    },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
