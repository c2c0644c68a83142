import { SignalParseError } from './errors.ts';
import { assertNoDuplicateKeys } from './json-keys.ts';
import { conflictNameOf } from './schema.ts';

/** Keys that could reach an object's prototype once a payload is spread or merged. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Default nesting limit: the deepest real TradingView payload (indicators inside the body) is 2. */
export const DEFAULT_MAX_JSON_DEPTH = 8;

/**
 * Parse JSON with the guards an untrusted webhook body needs: nesting depth is measured before
 * parsing (so a pathological body cannot exhaust the stack), prototype-reaching keys are refused,
 * the top level must be an object, and no object may give a key twice with different values (at the
 * top level: one field by two keys, `qty` and `contracts`, `Action` and `action`; see
 * `assertNoDuplicateKeys`), which `JSON.parse` would settle silently by keeping the last.
 *
 * @example parseGuardedJson('{"action":"buy"}') // { action: 'buy' }
 */
export function parseGuardedJson(text: string, maxDepth = DEFAULT_MAX_JSON_DEPTH): Record<string, unknown> {
  const depth = jsonDepth(text);
  if (depth > maxDepth) {
    throw new SignalParseError('too_deep', `JSON nested deeper than ${maxDepth} levels`, { maxDepth });
  }
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v) => {
      if (FORBIDDEN_KEYS.has(key)) {
        throw new SignalParseError('forbidden_key', `forbidden key ${JSON.stringify(key)} in JSON`, { key });
      }
      return v;
    });
  } catch (e) {
    if (e instanceof SignalParseError) throw e;
    throw new SignalParseError('malformed_body', 'body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SignalParseError('malformed_body', 'JSON body must be an object');
  }
  // only once the text is known to be JSON, and an object: the scan does not validate
  assertNoDuplicateKeys(text, conflictNameOf);
  return value as Record<string, unknown>;
}

/** Maximum bracket nesting outside string literals; a linear scan with no recursion. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}
