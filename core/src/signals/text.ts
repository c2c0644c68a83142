import { SignalParseError } from './errors.ts';
import { parseGuardedJson } from './json.ts';
import { conflictNameOf, KNOWN_FIELD_NAMES } from './schema.ts';

const MAX_PAIRS = 64;

const KEY = '[A-Za-z_][A-Za-z0-9_.]{0,40}';
/** `key=` where a pair starts inside a line (sticky). */
const PAIR_AT = new RegExp(`(${KEY})=`, 'y');
/** `key=`, `key = ` or `key: ` as the first thing on a line of a multi-line body (sticky). */
const LINE_PAIR_AT = new RegExp(`(${KEY})(?:\\s*=|:\\s)`, 'y');
/**
 * The run of separators before the next `key=`, which ends the value before it. It may start only
 * where a run starts (the look-behind), so finding it takes time linear in the line.
 */
const NEXT_PAIR = new RegExp(`(?<![\\s&;,])[\\s&;,]+(?=(${KEY})=)`, 'g');
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

type Token = { key: string; value: string } | { word: string };

/**
 * Parse a `text/plain` body. TradingView sends text/plain whenever the alert message is not valid
 * JSON, so three forms are accepted:
 * - JSON anyway (a body starting with `{`),
 * - `key=value` pairs separated by new lines, `&`, `;`, `,` or spaces (`key: value` and `key = value`
 *   at the start of a line of a multi-line body too),
 * - the one-line form `ACTION SYMBOL [key=value ...]`, e.g. `buy KUCOIN:XBTUSDTM price=65000.5`.
 *
 * A value may hold spaces (TradingView's `{{strategy.order.comment}}`, `{{strategy.order.id}}`): it runs
 * until the separators before the next `key=` on its line, so `comment=take profit 1 qty=2` is comment
 * "take profit 1" and qty "2". A value in double quotes (`comment="buy when rsi=30"`) is taken as written;
 * it ends at the first `"` after the opening one, which must be followed by the end of the line or by
 * separators and a `key=` (otherwise the quotes are text). A value with spaces that runs into a `key=` no
 * route reads (`comment=buy when rsi=30`) is refused, naming the field: it cannot be told whether `rsi`
 * was meant as a key. The action and symbol come first: after a line's first pair, words are values.
 * A key given twice with different values (`price=1 price=2`, `buy X action=sell`) is refused, naming it.
 *
 * @example parseTextBody('buy BTCUSDT.P\nprice=65000') // { action: 'buy', symbol: 'BTCUSDT.P', price: '65000' }
 */
export function parseTextBody(text: string, maxDepth?: number): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return parseGuardedJson(trimmed, maxDepth);
  if (trimmed === '') throw new SignalParseError('malformed_body', 'empty body');

  const out: Record<string, unknown> = Object.create(null);
  // per field (aliases resolved): the first key that gave it and its value. `qty=2` and a placeholder's
  // `contracts=5` give one field; the real name would otherwise win over the alias written out.
  const given = new Map<string, { key: string; value: string }>();
  const bare: string[] = [];
  for (const token of bodyTokens(trimmed)) {
    if ('key' in token) {
      const key = token.key.toLowerCase();
      if (FORBIDDEN_KEYS.has(key)) {
        throw new SignalParseError('forbidden_key', `forbidden key ${JSON.stringify(key)}`, { key });
      }
      const field = conflictNameOf(key);
      const first = given.get(field);
      if (first === undefined) given.set(field, { key, value: token.value });
      else if (first.value !== token.value) throw givenTwice(field, first.key, key);
      out[key] = token.value;
    } else bare.push(token.word);
    if (Object.keys(out).length + bare.length > MAX_PAIRS) {
      throw new SignalParseError('malformed_body', `more than ${MAX_PAIRS} fields`);
    }
  }
  // One-line form: leading bare words are ACTION then SYMBOL.
  if (bare.length > 2) {
    throw new SignalParseError(
      'malformed_body',
      'text body must be key=value pairs or "ACTION SYMBOL key=value ..."',
      { unexpected: unexpectedWords(bare.slice(2)) },
    );
  }
  // action= and symbol= may repeat the words (in any case: both are read case-insensitively). An alias
  // (`order_action=sell` beside `close`) does not: the words are written out and win over it, so the
  // alias is dropped here (normaliseKeys refuses a key and its alias with different values). `ticker=`
  // stays: the symbol is read by precedence, `symbol` first.
  for (const [word, field] of [
    [bare[0], 'action'],
    [bare[1], 'symbol'],
  ] as const) {
    if (word === undefined) continue;
    const given = out[field];
    if (given === undefined) {
      for (const key of Object.keys(out)) if (conflictNameOf(key) === field) delete out[key];
      out[field] = word;
    } else if (typeof given !== 'string' || given.toLowerCase() !== word.toLowerCase())
      throw givenTwice(field, field, field);
  }
  return { ...out };
}

/**
 * Up to three of the words, 40 characters each, stopping before one that may give a secret: one that
 * holds a secret's name, at its start or after other text (`secret hunter2`, `"secret": "hunter2"` from
 * a message that is not quite JSON, `webhook_secret hunter2`, `mySecret:hunter2`, `api_key hunter2`),
 * or a `name=value` of its own (`x-webhook-key=hunter2`: a name the key pattern does not read).
 */
function unexpectedWords(words: readonly string[]): string[] {
  const shown: string[] = [];
  for (const word of words.slice(0, 3)) {
    if (word.includes('=') || /(?:secret|passphrase|passwd|password|token|api[_-]?key)(?![a-z])/i.test(word))
      break;
    shown.push(word.slice(0, 40));
  }
  return shown;
}

/**
 * A field given twice with different values (a value with spaces may hold ` qty=9` or ` action=sell`
 * from a TradingView placeholder), by one key or by a key and its alias (`qty` and `contracts`): which
 * one the sender meant cannot be known. Never echoes a value.
 */
function givenTwice(field: string, key: string, other: string): SignalParseError {
  if (key === other) {
    return new SignalParseError(
      'invalid_payload',
      `${JSON.stringify(key)} is given twice, with different values`,
      {
        field: key,
      },
    );
  }
  return new SignalParseError(
    'invalid_payload',
    `${JSON.stringify(key)} and ${JSON.stringify(other)} both give ${field}, with different values`,
    { field },
  );
}

/** The tokens of a body, read lazily so the field limit stops the reading. */
function* bodyTokens(body: string): Generator<Token> {
  if (!/[\r\n]/.test(body)) {
    yield* lineTokens(body, false);
    return;
  }
  for (const line of body.split(/[\r\n]+/)) yield* lineTokens(line.trim(), true);
}

function isSeparator(c: string | undefined): boolean {
  return c === ' ' || c === '&' || c === ';' || c === ',' || (c !== undefined && /\s/.test(c));
}

function skipSeparators(line: string, pos: number): number {
  let p = pos;
  while (p < line.length && isSeparator(line[p])) p++;
  return p;
}

/**
 * One line: bare words (ACTION SYMBOL) until the first pair, then pairs to the end of the line, each
 * value running to the separators before the next `key=` (or to its closing quote).
 */
function* lineTokens(line: string, multiLine: boolean): Generator<Token> {
  let pos = skipSeparators(line, 0);
  let pairAt = multiLine ? LINE_PAIR_AT : PAIR_AT;
  let key: string | undefined;
  while (pos < line.length) {
    pairAt.lastIndex = pos;
    const m = pairAt.exec(line);
    if (m?.[1] !== undefined) {
      key = m[1];
      pos += m[0].length;
      break;
    }
    let end = pos;
    while (end < line.length && !isSeparator(line[end])) end++;
    yield { word: line.slice(pos, end) };
    pos = skipSeparators(line, end);
    pairAt = PAIR_AT;
  }
  while (key !== undefined) {
    const { value, end } = readValue(line, pos, key);
    yield { key, value };
    pos = skipSeparators(line, end);
    if (pos >= line.length) return;
    PAIR_AT.lastIndex = pos;
    key = PAIR_AT.exec(line)?.[1];
    // readValue ends a value only before separators and a key= (or at the end): not reached
    if (key === undefined) throw new SignalParseError('malformed_body', `no key= at character ${pos}`);
    pos += key.length + 1;
  }
}

/** The value of `key` starting at `from` (just after its `=` or `: `), and where it ends. */
function readValue(line: string, from: number, key: string): { value: string; end: number } {
  let start = from;
  while (start < line.length && /\s/.test(line[start] ?? '')) start++;
  if (line[start] === '"') {
    const close = line.indexOf('"', start + 1);
    if (close !== -1 && endsValue(line, close + 1))
      return { value: line.slice(start + 1, close), end: close + 1 };
  }
  NEXT_PAIR.lastIndex = from;
  const next = NEXT_PAIR.exec(line);
  let end = next ? next.index : line.length;
  while (end > start && isSeparator(line[end - 1])) end--;
  const value = line.slice(start, end);
  const nextKey = next?.[1]?.toLowerCase();
  if (
    nextKey !== undefined &&
    !KNOWN_FIELD_NAMES.has(nextKey) &&
    !FORBIDDEN_KEYS.has(nextKey) &&
    /[\s&;,]/.test(value)
  ) {
    // Never echo the value: it may be the secret.
    const field = key.toLowerCase();
    throw new SignalParseError(
      'invalid_payload',
      `the value of ${JSON.stringify(field)} has spaces and runs into ${JSON.stringify(`${nextKey}=`)}, which is not a field: quote the value (${field}="...") or rename the key`,
      { field, next: nextKey },
    );
  }
  return { value, end: next ? next.index : line.length };
}

/** Whether a quoted value may end before `at`: at the end of the line, or at separators and a `key=`. */
function endsValue(line: string, at: number): boolean {
  const p = skipSeparators(line, at);
  if (p === line.length) return true;
  if (p === at) return false;
  PAIR_AT.lastIndex = p;
  return PAIR_AT.test(line);
}
