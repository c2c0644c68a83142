/**
 * W3C Trace Context (`traceparent`, https://www.w3.org/TR/trace-context/) as the edge makes it and the
 * stream carries it: `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. The edge (intake)
 * starts a signal's trace, or continues the caller's when the request carried a valid `traceparent`;
 * the `signals:incoming` entry and the signal row keep it, and the engine's spans are its children.
 * Pure: no OpenTelemetry SDK here, so the Worker bundle stays light.
 */

/** Version 00 only, lower-case hex; an all-zero trace or span id is invalid (spec §3.2.2). */
export const TRACEPARENT_PATTERN = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface TraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

/** The parts of a valid `traceparent`, or null (absent, another version, malformed, all-zero ids). */
export function parseTraceparent(value: string | null | undefined): TraceParent | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  if (!TRACEPARENT_PATTERN.test(v)) return null;
  const [, traceId, spanId, flags] = v.split('-') as [string, string, string, string];
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** Two lower-case hex digits per byte value. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** `bytes` random bytes as lower-case hex, never all zeros (drawn again then). Once per webhook request. */
function randomHex(bytes: number, random: (b: Uint8Array) => Uint8Array): string {
  for (;;) {
    const b = random(new Uint8Array(bytes));
    let hex = '';
    let any = 0;
    for (let i = 0; i < bytes; i++) {
      hex += HEX[b[i]!];
      any |= b[i]!;
    }
    if (any !== 0) return hex;
  }
}

/**
 * The edge request's own `traceparent`: the caller's trace id when `incoming` is valid (and its sampled
 * flag), else a new trace, sampled; always a new span id (the edge request's span).
 *
 * @example edgeTraceparent(null) // '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
 */
export function edgeTraceparent(
  incoming?: string | null,
  random: (b: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const parent = parseTraceparent(incoming);
  const traceId = parent?.traceId ?? randomHex(16, random);
  const flags = parent && !parent.sampled ? '00' : '01';
  return `00-${traceId}-${randomHex(8, random)}-${flags}`;
}
