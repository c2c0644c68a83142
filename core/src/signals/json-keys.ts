import { canonicalJson } from '../canonical-json.ts';
import { SignalParseError } from './errors.ts';

/** One member of an object seen so far: its key as written and where its value's text lies. */
interface Member {
  key: string;
  start: number;
  end: number;
  /** the value re-serialised, computed once when a repeat is compared with it */
  canonical?: string;
}

/** An object (with its members) or an array being scanned. */
interface Frame {
  /** null for an array */
  members: Map<string, Member> | null;
  /** objects: the next string is a key (after `{` or `,`) */
  expectKey: boolean;
  /** objects: the key of the member being read, until the `,` or `}` that ends it */
  key: string | undefined;
  /** objects: just after the current member's `:` */
  valueStart: number;
  /** arrays: the index of the element being read (for the path of a repeat inside it) */
  index: number;
}

const KEY_SHOWN = 64;

/**
 * Refuse a JSON text in which one object gives a member twice with different values: `JSON.parse`
 * keeps the last one silently, so `{"contracts":"2","comment":"x","contracts":"5"}` — a TradingView
 * comment placeholder that expanded to `x","contracts":"5` (TradingView escapes nothing) — would be a
 * size of 5. Only members of the same object count: a nested object has its own keys. The top-level
 * keys are compared as the fields they give (`topLevelField`: case and aliases, so `qty` and
 * `contracts` are one field); nested keys as written (after JSON escapes: `"\u0061"` is `"a"`). The
 * same value twice (after parsing: `2` and `2.0` are one value, `2` and `"2"` are not, and an object's keys
 * may come in any order) is no conflict.
 *
 * `text` must be valid JSON (call it after `JSON.parse` accepted it): the scan does not validate it.
 * One pass over the text with an explicit stack (no recursion); a value is re-parsed only when its key
 * repeats, once per occurrence. The refusal (`invalid_payload`) names the field and its keys, never a
 * value: the secret may be one.
 *
 * @example assertNoDuplicateKeys('{"a":1,"b":{"a":2}}') // fine: the nested "a" is another object's
 * @example assertNoDuplicateKeys('{"a":1,"a":2}') // throws invalid_payload, details { field: 'a' }
 */
export function assertNoDuplicateKeys(text: string, topLevelField: (key: string) => string = (k) => k): void {
  const stack: Frame[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 34 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === 92 /* \ */) {
          escaped = true;
          j++;
        } else if (d === 34) break;
      }
      if (top?.members && top.expectKey) {
        top.key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        top.expectKey = false;
      }
      i = j;
    } else if (c === 58 /* : */) {
      if (top) top.valueStart = i + 1;
    } else if (c === 44 /* , */) {
      if (top?.members) {
        endMember(text, stack, i, topLevelField);
        top.expectKey = true;
      } else if (top) top.index++;
    } else if (c === 123 /* { */) {
      stack.push({ members: new Map(), expectKey: true, key: undefined, valueStart: 0, index: 0 });
    } else if (c === 91 /* [ */) {
      stack.push({ members: null, expectKey: false, key: undefined, valueStart: 0, index: 0 });
    } else if (c === 125 /* } */) {
      if (top?.key !== undefined) endMember(text, stack, i, topLevelField);
      stack.pop();
    } else if (c === 93 /* ] */) stack.pop();
  }
}

/** The member being read in the innermost object ends before `end` (its `,` or `}`). */
function endMember(text: string, stack: Frame[], end: number, topLevelField: (key: string) => string): void {
  const frame = stack[stack.length - 1]!;
  const members = frame.members!;
  const key = frame.key!;
  frame.key = undefined;
  const root = stack.length === 1;
  const id = root ? topLevelField(key) : key;
  const start = frame.valueStart;
  const first = members.get(id);
  if (first === undefined) {
    members.set(id, { key, start, end });
    return;
  }
  first.canonical ??= canonical(text.slice(first.start, first.end));
  if (canonical(text.slice(start, end)) === first.canonical) return;
  const field = root ? id : pathOf(stack, key);
  const shown = (k: string) => JSON.stringify(k.length > KEY_SHOWN ? `${k.slice(0, KEY_SHOWN)}…` : k);
  const fieldShown = field.length > KEY_SHOWN ? `${field.slice(0, KEY_SHOWN)}…` : field;
  throw new SignalParseError(
    'invalid_payload',
    first.key === key
      ? `${shown(root ? key : field)} is given twice, with different values`
      : `${shown(first.key)} and ${shown(key)} both give ${fieldShown}, with different values`,
    { field: fieldShown },
  );
}

/**
 * A value's text, parsed and written back with its keys sorted: equal for equal values whatever the
 * spacing, escapes or key order (`{"rsi":1,"macd":2}` and `{"macd":2,"rsi":1}` are one value).
 */
function canonical(valueText: string): string {
  return canonicalJson(JSON.parse(valueText));
}

/** The dotted path of `key` in the innermost object (array elements by index), as findPlaceholders writes it. */
function pathOf(stack: readonly Frame[], key: string): string {
  const parts: string[] = [];
  for (let d = 0; d < stack.length - 1; d++) {
    const f = stack[d]!;
    parts.push(f.members ? f.key! : String(f.index));
  }
  parts.push(key);
  return parts.join('.');
}
