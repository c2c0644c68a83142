import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_STRATEGY, type StrategyConfig, strategyKey } from '@enigma/core/engine/strategy';
import { parseTraceparent } from '@enigma/core/streams/traceparent';
import { getSignal, ordersOfSignal } from '@enigma/db';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { type AppDeps, bootstrapEmbedded, createApp, DEFAULT_CONFIG, MemoryKv } from '@enigma/workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTimeline, traceSignal } from '../cli/commands/trace.ts';
import { useSimEngine } from '../engine/testing/sim-engine.ts';
import { waitFor } from '../sim/test-helpers.ts';
import { startTracing, type Tracing, tracingConfigFromEnv } from './tracing.ts';

/** One span as a local OTLP/HTTP receiver decodes it from the exporter's JSON. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  attributes: Record<string, unknown>;
  status: number;
}

/**
 * A real OTLP/HTTP traces receiver (what a collector, Jaeger or Tempo listens with on :4318): POST
 * /v1/traces, JSON (optionally gzip); anything else is answered 415 and counted, so the test fails.
 */
async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const refused: string[] = [];
  const read = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  const server: Server = createServer(async (req, res) => {
    const raw = await read(req);
    const type = req.headers['content-type'] ?? '';
    if (req.method !== 'POST' || req.url !== '/v1/traces' || !type.startsWith('application/json')) {
      refused.push(`${req.method} ${req.url} ${type}`);
      res.writeHead(415).end();
      return;
    }
    const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    const request = JSON.parse(body.toString('utf8')) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: Record<string, unknown> }[] };
        scopeSpans: {
          spans: (Omit<ReceivedSpan, 'attributes' | 'service' | 'status'> & {
            attributes?: { key: string; value: Record<string, unknown> }[];
            status?: { code?: number };
          })[];
        }[];
      }[];
    };
    for (const rs of request.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value['stringValue'];
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            service: String(service),
            attributes: Object.fromEntries(
              (s.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]),
            ),
            status: s.status?.code ?? 0,
          });
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    spans,
    refused,
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const strategy: StrategyConfig = { ...DEFAULT_STRATEGY, stop: { kind: 'pct', pct: '1' } };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('tracing: one trace per signal, edge → stream → decision → exchange, over OTLP', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing;
  let app: ReturnType<typeof createApp>;
  let secret: string;

  // Before the fixture starts, and (after-hooks run in reverse) after it has stopped the engine.
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // As a deployment configures it: the standard variable, the base URL of the receiver.
    tracing = startTracing(
      tracingConfigFromEnv('enigma-test', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.base }),
    );
  });
  afterAll(async () => {
    await tracing?.shutdown();
    await receiver?.close();
  });

  const f = useSimEngine({
    // the strategy of the source the embedded bootstrap creates
    settings: { [strategyKey('tradingview')]: strategy },
    beforeEngine: async (env) => {
      const deps: AppDeps = {
        db: env.db,
        kv: new MemoryKv(),
        bus: env.bus,
        config: {
          ...DEFAULT_CONFIG,
          jwtSecret: 'j'.repeat(40),
          masterKey: generateMasterKey(),
          now: Date.now,
        },
        logger: quiet,
      };
      app = createApp(deps);
      const boot = await bootstrapEmbedded(deps, { baseUrl: 'http://127.0.0.1:1' });
      secret = boot.source.secret!;
    },
  });

  /** The alert TradingView posts, through the real intake (the Hono app the Worker and `enigma start` serve). */
  async function postAlert(action: 'buy' | 'close', headers: Record<string, string> = {}) {
    const res = await app.fetch(
      new Request('http://edge.test/webhooks/tradingview', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          secret,
          timestamp: new Date().toISOString(),
          exchange: 'KUCOIN',
          symbol: 'XBTUSDTM',
          interval: '15',
          action,
          comment: `${action} ${Math.random()}`,
        }),
      }),
    );
    expect(res.status).toBe(202);
    return ((await res.json()) as { signalId: string }).signalId;
  }

  const { settled } = f;

  /** The signal's trace as the receiver got it, once its spans (intake and its orders') are all exported. */
  async function traceOf(signalId: string) {
    const row = await getSignal(f.db, signalId);
    const edge = parseTraceparent((row?.metadata as { traceparent?: string } | undefined)?.traceparent);
    expect(edge, 'the signal row keeps the edge request traceparent').not.toBeNull();
    const orders = await ordersOfSignal(f.db, signalId);
    expect(orders.length).toBeGreaterThan(0);
    await waitFor(async () => {
      await tracing.flush();
      const sent = new Set(
        receiver.spans
          .filter((s) => s.name.startsWith('kucoin POST'))
          .map((s) => s.attributes['kucoin.client_oid']),
      );
      return receiver.spans.some(
        (s) => s.name === 'signal.intake' && s.attributes['enigma.signal_id'] === signalId,
      ) && orders.every((o) => sent.has(o.clientOid))
        ? true
        : undefined;
    }, 20_000);
    return { edge: edge!, orders, spans: receiver.spans.filter((s) => s.traceId === edge!.traceId) };
  }

  it('a buy: intake, decision (score, risk) and every order and stop request in the trace the edge started', async () => {
    const signalId = await postAlert('buy');
    expect(await settled(signalId)).toBe('protected');
    const { edge, orders, spans } = await traceOf(signalId);

    const one = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    // The edge request's own span (this Node process has the SDK; a Worker only sends the traceparent).
    const webhook = one('webhook POST /webhooks/tradingview');
    expect(webhook.spanId).toBe(edge.spanId);
    expect(webhook.parentSpanId).toBe('');
    const intake = one('signal.intake');
    // The engine's intake span is the child of the edge request's span (the entry carried its traceparent).
    expect(intake.parentSpanId).toBe(edge.spanId);
    expect(intake.attributes).toMatchObject({ 'enigma.signal_id': signalId, 'enigma.symbol': 'XBTUSDTM' });
    expect(intake.service).toBe('enigma-test');
    const decide = one('signal.decide');
    expect(decide.parentSpanId).toBe(intake.spanId);
    expect(decide.attributes['enigma.decision']).toBe('decided');
    expect(one('signal.score').parentSpanId).toBe(decide.spanId);
    expect(one('signal.risk').parentSpanId).toBe(decide.spanId);

    // Every order of the signal (the entry and its protective stop) was a client span of this trace.
    const stop = orders.find((o) => o.purpose === 'stop');
    expect(stop, 'the signal placed its stop').toBeDefined();
    const ids = new Set(spans.map((s) => s.spanId));
    for (const order of orders) {
      const placed = spans.filter((s) => s.attributes['kucoin.client_oid'] === order.clientOid);
      expect(placed, `order ${order.purpose} ${order.clientOid}`).toHaveLength(1);
      expect(placed[0]!.name).toMatch(/^kucoin POST \/api\/v1\/(orders|st-orders)$/);
      expect(placed[0]!.attributes['http.response.status_code']).toBe(200);
      // nested under this signal's spans, not floating as a root of its own
      expect(ids.has(placed[0]!.parentSpanId)).toBe(true);
    }
    // No span of this signal went to another trace.
    const elsewhere = receiver.spans.filter(
      (s) =>
        s.traceId !== edge.traceId &&
        (s.attributes['enigma.signal_id'] === signalId ||
          orders.some((o) => o.clientOid === s.attributes['kucoin.client_oid'])),
    );
    expect(elsewhere).toEqual([]);
    expect(receiver.refused).toEqual([]);

    // `enigma trace <signalId>`: the same trace id, and the timeline from the database, in order.
    const timeline = (await traceSignal(f.db, signalId))!;
    expect(timeline).toMatchObject({ signalId, status: 'protected', traceId: edge.traceId });
    const steps = timeline.steps.map((s) => s.step);
    const at = (step: string) => {
      const i = steps.indexOf(step);
      expect(i, `${step} in ${steps.join(', ')}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(at('received')).toBeLessThan(at('decided'));
    expect(at('decided')).toBeLessThan(at('order entry'));
    expect(at('order entry')).toBeLessThan(at('fill'));
    expect(at('fill')).toBeLessThan(at('order stop'));
    expect(steps.at(-1)).toBe('now protected');
    const entry = orders.find((o) => o.purpose === 'entry')!;
    const printed = formatTimeline(timeline).join('\n');
    expect(printed).toContain(`trace  ${edge.traceId}`);
    expect(printed).toContain(`clientOid ${entry.clientOid}`);
    expect(printed).toContain(`clientOid ${stop!.clientOid}`);
  }, 60_000);

  it("continues the caller's trace when the alert request carries a traceparent", async () => {
    const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const signalId = await postAlert('close', { traceparent: caller });
    await settled(signalId);
    const { edge, orders, spans } = await traceOf(signalId);
    expect(edge.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(edge.spanId).not.toBe('b7ad6b7169203331');
    // the edge span is the caller's child
    expect(spans.find((s) => s.spanId === edge.spanId)?.parentSpanId).toBe('b7ad6b7169203331');
    expect(spans.find((s) => s.name === 'signal.intake')?.parentSpanId).toBe(edge.spanId);
    for (const order of orders) {
      expect(spans.some((s) => s.attributes['kucoin.client_oid'] === order.clientOid)).toBe(true);
    }
  }, 60_000);
});
