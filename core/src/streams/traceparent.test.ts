import { describe, expect, it } from 'vitest';
import { signalEntrySchema } from './catalog.ts';
import { edgeTraceparent, parseTraceparent } from './traceparent.ts';

const W3C_EXAMPLE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses the W3C example and reads the sampled flag', () => {
    expect(parseTraceparent(W3C_EXAMPLE)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(parseTraceparent(W3C_EXAMPLE.replace(/01$/, '00'))?.sampled).toBe(false);
  });

  it('refuses other versions, upper case, wrong lengths and all-zero ids', () => {
    for (const bad of [
      undefined,
      null,
      '',
      W3C_EXAMPLE.replace(/^00/, '01'),
      W3C_EXAMPLE.toUpperCase(),
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01',
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`,
      `${W3C_EXAMPLE}-extra`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeNull();
    }
  });

  it('continues a valid incoming trace with a new span id and its sampled flag', () => {
    const edge = parseTraceparent(edgeTraceparent(W3C_EXAMPLE))!;
    expect(edge.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(edge.spanId).not.toBe('00f067aa0ba902b7');
    expect(edge.sampled).toBe(true);
    expect(parseTraceparent(edgeTraceparent(W3C_EXAMPLE.replace(/01$/, '00')))!.sampled).toBe(false);
  });

  it('starts a new sampled trace when the request carried none or an invalid one', () => {
    const a = parseTraceparent(edgeTraceparent(null))!;
    const b = parseTraceparent(edgeTraceparent('garbage'))!;
    expect(a.sampled).toBe(true);
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('never makes an all-zero id, even from a random source that starts with zeros', () => {
    let calls = 0;
    const zerosFirst = (b: Uint8Array) => {
      calls++;
      return calls <= 2 ? b.fill(0) : b.fill(7);
    };
    expect(edgeTraceparent(null, zerosFirst)).toBe(`00-${'07'.repeat(16)}-${'07'.repeat(8)}-01`);
  });

  it('is carried by the signals:incoming entry (null when absent, refused when malformed)', () => {
    const entry = {
      signalId: '6f1c1d1e-3a8b-4f63-9a3e-0c1f2b3a4d5e',
      source: 'tradingview',
      symbol: 'XBTUSDTM',
      action: 'buy',
      interval: null,
      alertTime: null,
      receivedAt: 1,
      price: null,
      size: null,
      orderId: null,
      indicators: {},
      conditions: {},
      route: 'tradingview',
    } as const;
    expect(signalEntrySchema.parse(entry).traceparent).toBeNull();
    expect(signalEntrySchema.parse({ ...entry, traceparent: W3C_EXAMPLE }).traceparent).toBe(W3C_EXAMPLE);
    const bad = signalEntrySchema.safeParse({ ...entry, traceparent: 'not-a-trace' });
    expect(bad.error?.issues[0]?.path).toEqual(['traceparent']);
  });
});
