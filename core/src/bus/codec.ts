import { BusError, type BusPayload } from './types.ts';

/**
 * Serialise a payload or event for the wire. Rejects (never coerces) what JSON would silently
 * change: non-finite numbers (JSON writes null), functions and symbols (JSON drops them), bigints,
 * cycles, and anything that is not a plain object at the top level. `undefined` properties are
 * dropped, as JSON does, because optional fields are routinely present-but-undefined in TypeScript.
 */
export function encodePayload(payload: unknown): string {
  if (!isPlainObject(payload)) {
    throw new BusError(
      'INVALID_PAYLOAD',
      `bus payload must be a plain JSON object, got ${describe(payload)}`,
    );
  }
  try {
    return JSON.stringify(payload, rejectLossy);
  } catch (error) {
    if (error instanceof BusError) throw error;
    throw new BusError(
      'INVALID_PAYLOAD',
      `bus payload is not JSON-serialisable: ${(error as Error).message}`,
    );
  }
}

/** Parse wire text back into a payload; an adapter's own data, so a failure is a corrupted entry. */
export function decodePayload(text: string): BusPayload {
  const value: unknown = JSON.parse(text);
  if (!isPlainObject(value)) throw new BusError('INVALID_PAYLOAD', 'stored bus payload is not a JSON object');
  return value;
}

function rejectLossy(this: unknown, key: string, value: unknown): unknown {
  const at = key === '' ? 'payload' : `field "${key}"`;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new BusError('INVALID_PAYLOAD', `bus payload ${at} is ${value}, which JSON cannot represent`);
  }
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw new BusError('INVALID_PAYLOAD', `bus payload ${at} is a ${typeof value}`);
  }
  return value;
}

function isPlainObject(value: unknown): value is BusPayload {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'unknown'}`;
  return typeof value;
}

/** Throw `BusError('INVALID_ARGUMENT')` unless `value` is a non-empty string (stream, group, consumer, channel). */
export function assertName(kind: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new BusError('INVALID_ARGUMENT', `${kind} must be a non-empty string`);
  }
}

/** Throw `BusError('INVALID_ARGUMENT')` unless `value` is undefined or an integer >= `min`. */
export function assertOptionalInt(kind: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new BusError('INVALID_ARGUMENT', `${kind} must be an integer >= ${min}, got ${String(value)}`);
  }
}
