/**
 * The Worker's edge span under workerd: with OTEL_EXPORTER_OTLP_ENDPOINT the webhook request's span is
 * posted as OTLP/HTTP JSON to a real local collector (test/workerd-services.ts), with the ids of the
 * traceparent stored on the signal row and the `signals:incoming` entry; a dead or stalled collector
 * neither delays nor fails the answer.
 */
import { env } from 'cloudflare:workers';
import { configureNeon, openNeonPool } from '@enigma/db/client.edge';
import { signals } from '@enigma/db/schema/index';
import { Redis } from '@upstash/redis/cloudflare';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import worker from '../worker.ts';

const b = env as unknown as Record<string, string>;
configureNeon({ wsProxy: b['NEON_WS_PROXY']! });
const { db, pool } = openNeonPool(b['DATABASE_URL']!);
const redis = new Redis({
  url: b['UPSTASH_REDIS_REST_URL']!,
  token: b['UPSTASH_REDIS_REST_TOKEN']!,
  automaticDeserialization: false,
  enableTelemetry: false,
});
afterAll(() => pool.end());

const collector = b['TEST_OTLP_COLLECTOR']!;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string } }[];
  status: { code: number };
}
interface Received {
  headers: Record<string, string>;
  body: {
    resourceSpans: {
      resource: { attributes: { key: string; value: { stringValue?: string } }[] };
      scopeSpans: { spans: OtlpSpan[] }[];
    }[];
  };
}

async function received(): Promise<Received[]> {
  return (await (await fetch(`${collector}/received`)).json()) as Received[];
}

/** Each span the collector holds, with the request headers it came with and its resource's service.name. */
async function spansReceived(): Promise<
  { span: OtlpSpan; headers: Record<string, string>; service: string | undefined }[]
> {
  return (await received()).flatMap((r) =>
    r.body.resourceSpans.flatMap((rs) => {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
      return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, headers: r.headers, service })));
    }),
  );
}

function attr(span: OtlpSpan, key: string): string | undefined {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue;
}

/** Run the worker entry with extra bindings and a ctx whose waitUntil promises the test can watch. */
async function call(extra: Record<string, string>, body: string, headers: Record<string, string> = {}) {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p) };
  const res = await worker.fetch(
    new Request('http://edge.test/webhooks/tradingview?source=tv-otlp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '198.18.254.7', ...headers },
      body,
    }),
    { ...b, ...extra },
    ctx,
  );
  return { res, pending };
}

function alert() {
  return JSON.stringify({
    secret: b['TEST_OTLP_SECRET'],
    timestamp: new Date().toISOString(),
    exchange: 'KUCOIN',
    symbol: 'XBTUSDTM',
    interval: '15',
    action: 'buy',
    order_id: crypto.randomUUID(),
  });
}

async function streamTraceparentOf(signalId: string): Promise<string | undefined> {
  const raw = (await redis.xrange(`${b['REDIS_KEY_PREFIX']}signals:incoming`, '-', '+')) as unknown;
  const entries = Array.isArray(raw) ? (raw as unknown[]) : Object.entries(raw as object);
  const entry = entries.find((e) => JSON.stringify(e).includes(signalId));
  return JSON.stringify(entry).match(/00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/)?.[0];
}

describe('edge span export (workerd)', () => {
  it('posts the webhook request span with the ids of the stored traceparent', async () => {
    const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { res, pending } = await call(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: `${collector}/`,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-otlp-key=k%20v',
        OTEL_SERVICE_NAME: 'enigma-edge-eu',
      },
      alert(),
      { traceparent: caller },
    );
    expect(res.status).toBe(202);
    const { signalId } = (await res.json()) as { signalId: string };
    expect(await Promise.all(pending)).toContain(true); // the collector accepted the export
    const [row] = await db.select().from(signals).where(eq(signals.id, signalId));
    const stored = (row!.metadata as { traceparent: string }).traceparent;
    expect(stored).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(await streamTraceparentOf(signalId)).toBe(stored);
    const [, traceId, spanId] = stored.split('-');

    const mine = (await spansReceived()).filter((s) => attr(s.span, 'enigma.signal_id') === signalId);
    expect(mine).toHaveLength(1);
    const { span, headers, service } = mine[0]!;
    expect(service).toBe('enigma-edge-eu');
    expect(span).toMatchObject({
      traceId,
      spanId,
      parentSpanId: '00f067aa0ba902b7',
      name: 'webhook POST /webhooks/tradingview',
      kind: 2,
      status: { code: 1 },
    });
    expect(attr(span, 'http.response.status_code')).toBe('202');
    expect(attr(span, 'enigma.source')).toBe('tv-otlp');
    expect(attr(span, 'enigma.symbol')).toBe('XBTUSDTM');
    expect(headers['x-otlp-key']).toBe('k v');
    const start = BigInt(span.startTimeUnixNano);
    expect(start).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1_000_000n);
    expect(BigInt(span.endTimeUnixNano)).toBeGreaterThanOrEqual(start);
  });

  it('exports a refused request too, with its status and record id', async () => {
    const { res, pending } = await call(
      { OTEL_EXPORTER_OTLP_ENDPOINT: collector },
      alert().replace('"buy"', '"moon"'),
    );
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as { error: { details: { recordId: string } } };
    await Promise.all(pending);
    const [row] = await db.select().from(signals).where(eq(signals.id, error.details.recordId));
    const [, traceId, spanId] = (row!.metadata as { traceparent: string }).traceparent.split('-');
    const mine = (await spansReceived()).filter(
      (s) => attr(s.span, 'enigma.signal_id') === error.details.recordId,
    );
    expect(mine.map((s) => s.span)).toMatchObject([{ traceId, spanId, status: { code: 1 } }]);
    expect(attr(mine[0]!.span, 'http.response.status_code')).toBe('422');
    expect(mine[0]!.service).toBe('enigma-edge'); // the default without OTEL_SERVICE_NAME
  });

  it('accepts the alert when the collector is down (closed port): the export is swallowed', async () => {
    const before = (await received()).length;
    const { res, pending } = await call({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, alert());
    expect(res.status).toBe(202);
    const { signalId } = (await res.json()) as { signalId: string };
    const [row] = await db.select().from(signals).where(eq(signals.id, signalId));
    expect(row!.status).toBe('received');
    expect(await Promise.all(pending)).toContain(false); // failed, resolved, never thrown
    expect((await received()).length).toBe(before);
  });

  it('answers before a stalled collector does: the export waits in ctx.waitUntil', async () => {
    const hung = async () => Number(await (await fetch(`${collector}/hung`)).text());
    const before = await hung();
    // The collector never answers under /hang: an answer at all proves the request did not wait for it.
    const { res } = await call({ OTEL_EXPORTER_OTLP_ENDPOINT: `${collector}/hang` }, alert());
    expect(res.status).toBe(202);
    expect(((await res.json()) as { status: string }).status).toBe('received');
    // ...and the export was made, and is still held by the collector.
    await vi.waitFor(async () => expect(await hung()).toBe(before + 1), { timeout: 10_000, interval: 50 });
  });

  it('exports nothing for a caller whose trace is not sampled (traceparent flags 00)', async () => {
    const before = (await received()).length;
    const { res, pending } = await call({ OTEL_EXPORTER_OTLP_ENDPOINT: collector }, alert(), {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
    });
    expect(res.status).toBe(202);
    await Promise.all(pending);
    expect((await received()).length).toBe(before);
  });

  it('exports nothing without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const before = (await received()).length;
    const { res, pending } = await call({}, alert());
    expect(res.status).toBe(202);
    await Promise.all(pending);
    expect((await received()).length).toBe(before);
  });
});
