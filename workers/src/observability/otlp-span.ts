/**
 * The Worker's own edge span, exported without an OpenTelemetry SDK (the bundle carries only the no-op
 * `@opentelemetry/api`): one SERVER span per webhook request, encoded as OTLP/HTTP JSON
 * (`POST <endpoint>/v1/traces`, resourceSpans → scopeSpans → spans, hex ids, unix-nano strings) and
 * sent with `fetch` after the answer (`ctx.waitUntil`). Its trace and span ids are those of the
 * traceparent the edge put on the signal row and the `signals:incoming` entry, so the engine's spans
 * hang under it. Export never delays nor fails the answer: errors are swallowed and logged.
 */
import { parseTraceparent } from '@enigma/core/streams/traceparent';

export interface EdgeSpan {
  /** the W3C traceparent the edge made for this request (its ids are the span's) */
  traceparent: string;
  /** the caller's traceparent, when the request carried a valid one (the span's parent) */
  parent?: string | undefined;
  name: string;
  startMs: number;
  endMs: number;
  /** HTTP status of the answer; >= 500 marks the span as an error */
  statusCode: number;
  attributes: Record<string, string | number | undefined>;
}

/** OTLP JSON span kind SERVER (opentelemetry-proto trace.proto `SPAN_KIND_SERVER`). */
const SPAN_KIND_SERVER = 2;
const STATUS_OK = 1;
const STATUS_ERROR = 2;

const nanos = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/** The OTLP/HTTP JSON body for one span, or null when the traceparent is not valid. */
export function encodeEdgeSpan(span: EdgeSpan, serviceName = 'enigma-edge'): object | null {
  const ids = parseTraceparent(span.traceparent);
  if (!ids) return null;
  const parent = parseTraceparent(span.parent);
  const attributes = Object.entries({ ...span.attributes, 'http.response.status_code': span.statusCode })
    .filter(([, v]) => v !== undefined)
    .map(([key, v]) => ({
      key,
      value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: String(v) },
    }));
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [
          {
            scope: { name: 'enigma' },
            spans: [
              {
                traceId: ids.traceId,
                spanId: ids.spanId,
                ...(parent && parent.traceId === ids.traceId ? { parentSpanId: parent.spanId } : {}),
                flags: ids.sampled ? 1 : 0,
                name: span.name,
                kind: SPAN_KIND_SERVER,
                startTimeUnixNano: nanos(span.startMs),
                endTimeUnixNano: nanos(Math.max(span.endMs, span.startMs)),
                attributes,
                status: { code: span.statusCode >= 500 ? STATUS_ERROR : STATUS_OK },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** `OTEL_EXPORTER_OTLP_HEADERS` as the OTel spec writes it: `k1=v1,k2=v2`, values URL-encoded. */
export function parseOtlpHeaders(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) continue;
    const key = pair.slice(0, i).trim();
    const value = pair.slice(i + 1).trim();
    if (!key) continue;
    try {
      out[key] = decodeURIComponent(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

export interface OtlpExporterOptions {
  endpoint: string;
  headers?: string | undefined;
  /** the resource's `service.name` (`OTEL_SERVICE_NAME`); default `enigma-edge` */
  serviceName?: string | undefined;
  fetch?: typeof fetch;
  /** told of each failed export (never thrown) */
  onError?: (err: unknown) => void;
}

/**
 * `export(span)` posts the span; the returned promise always resolves (true when the collector
 * accepted it). Hand it to `ctx.waitUntil`, never await it on the request path.
 */
export function otlpSpanExporter(opts: OtlpExporterOptions): (span: EdgeSpan) => Promise<boolean> {
  const url = `${opts.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const headers = { ...parseOtlpHeaders(opts.headers), 'content-type': 'application/json' };
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  return async (span) => {
    try {
      // An unsampled trace (the caller's `traceparent` flags 00) is not exported, as an SDK would not.
      if (!parseTraceparent(span.traceparent)?.sampled) return false;
      const body = encodeEdgeSpan(span, opts.serviceName ?? 'enigma-edge');
      if (!body) return false;
      const res = await doFetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`OTLP collector answered ${res.status}`);
      return true;
    } catch (e) {
      opts.onError?.(e);
      return false;
    }
  };
}
