/**
 * JSON with object keys sorted at every level (arrays keep their order): one text for one value, whatever
 * order its keys were written or stored in (jsonb reorders them). The audit chain hashes it
 * (db/repositories/audit.ts), and intake compares two values given for one field with it, so
 * `{"rsi":1,"macd":2}` and `{"macd":2,"rsi":1}` are the same value, not a conflict.
 *
 * @example canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: null } })
 * // '{"a":{"c":null,"d":[2,{"x":2,"y":1}]},"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
