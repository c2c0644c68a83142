import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  contextOfTraceparent,
  inSampledTrace,
  inSignalTrace,
  inSpan,
  rememberSignalSpan,
  startTracing,
  TracingConfigError,
  tracingConfigFromEnv,
} from './tracing.ts';

describe('tracingConfigFromEnv', () => {
  it('is off unless an exporter is configured, or when OTEL_TRACES_EXPORTER=none', () => {
    expect(tracingConfigFromEnv('enigma-engine', {})).toBeNull();
    expect(
      tracingConfigFromEnv('enigma-engine', {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        OTEL_TRACES_EXPORTER: 'none',
      }),
    ).toBeNull();
  });

  it('appends /v1/traces to the base endpoint; the traces endpoint is taken as it is and wins', () => {
    expect(
      tracingConfigFromEnv('enigma-engine', { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example/otlp/' }),
    ).toEqual({
      serviceName: 'enigma-engine',
      otlpUrl: 'https://otlp.example/otlp/v1/traces',
    });
    expect(
      tracingConfigFromEnv('enigma-engine', {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom',
        OTEL_SERVICE_NAME: 'engine-nrt',
      }),
    ).toEqual({ serviceName: 'engine-nrt', otlpUrl: 'http://b:4318/custom' });
  });

  it('exports to a file or the console when asked', () => {
    expect(tracingConfigFromEnv('enigma-start', { ENIGMA_TRACE_FILE: '/tmp/spans.jsonl' })).toEqual({
      serviceName: 'enigma-start',
      file: '/tmp/spans.jsonl',
    });
    expect(tracingConfigFromEnv('enigma-start', { OTEL_TRACES_EXPORTER: 'console' })).toEqual({
      serviceName: 'enigma-start',
      console: true,
      immediate: true,
    });
  });

  it('refuses a bad value naming the variable', () => {
    expect(() => tracingConfigFromEnv('x', { OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318\/v1\/traces" is not an http\(s\) URL/,
    );
    expect(() =>
      tracingConfigFromEnv('x', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://h/v1/traces' }),
    ).toThrow(TracingConfigError);
    expect(() => tracingConfigFromEnv('x', { OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(
      /OTEL_TRACES_EXPORTER/,
    );
  });

  it('makes the CLI exit 2 naming the variable before the command runs', async () => {
    const bin = fileURLToPath(new URL('../../bin/enigma.js', import.meta.url));
    const run = promisify(execFile)(process.execPath, [bin, 'db:check'], {
      encoding: 'utf8',
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url', DATABASE_URL: '' },
    });
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('enigma db:check: OTEL_EXPORTER_OTLP_ENDPOINT'),
    });
  }, 60_000);
});

describe('spans to a JSON-lines file', () => {
  it("writes the signal's spans under the edge's trace, and joins later work to it by signal id", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'enigma-trace-')), 'spans.jsonl');
    const tracing = startTracing({ serviceName: 'enigma-test', file, immediate: true });
    const edge = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(inSampledTrace()).toBe(false);
    await inSpan('signal.intake', { parent: contextOfTraceparent(edge) }, async (span) => {
      rememberSignalSpan('sig-1', span);
      expect(inSampledTrace()).toBe(true);
      await inSpan('signal.decide', {}, async () => {});
    });
    // later, from outside the signal's call chain (a fill's protective stop)
    await inSignalTrace('sig-1', () => inSpan('kucoin POST /api/v1/orders', {}, async () => {}));
    await inSignalTrace('unknown', () => inSpan('unrelated', {}, async () => {}));
    await expect(
      inSpan('failing', {}, async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await tracing.shutdown();

    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byName = Object.fromEntries(lines.map((l) => [l['name'], l]));
    const intake = byName['signal.intake']!;
    expect(intake).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
      service: 'enigma-test',
    });
    expect(byName['signal.decide']).toMatchObject({
      traceId: intake['traceId'],
      parentSpanId: intake['spanId'],
    });
    expect(byName['kucoin POST /api/v1/orders']).toMatchObject({
      traceId: intake['traceId'],
      parentSpanId: intake['spanId'],
    });
    expect(byName['unrelated']!['traceId']).not.toBe(intake['traceId']);
    expect(byName['failing']).toMatchObject({ status: { code: 2, message: 'refused' } });
    expect(byName['failing']!['events']).toEqual([expect.objectContaining({ name: 'exception' })]);
  });
});

describe('enigma trace', () => {
  it('refuses anything but one signal id, naming it, before opening the database', async () => {
    const bin = fileURLToPath(new URL('../../bin/enigma.js', import.meta.url));
    const run = promisify(execFile)(process.execPath, [bin, 'trace', 'not-a-uuid'], { encoding: 'utf8' });
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'enigma trace: signalId must be one signal id (a UUID), got "not-a-uuid"',
      ),
    });
  }, 60_000);
});
