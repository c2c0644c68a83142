import { SignalParseError } from './errors.ts';
import { parseGuardedJson } from './json.ts';

const MAX_PAIRS = 64;

/**
 * Parse a `text/plain` body. TradingView sends text/plain whenever the alert message is not valid
 * JSON, so three forms are accepted:
 * - JSON anyway (a body starting with `{`),
 * - `key=value` pairs separated by new lines, `&`, `;`, `,` or spaces (`key: value` on its own line too),
 * - the one-line form `ACTION SYMBOL [key=value ...]`, e.g. `buy KUCOIN:XBTUSDTM price=65000.5`.
 *
 * @example parseTextBody('buy BTCUSDT.P\nprice=65000') // { action: 'buy', symbol: 'BTCUSDT.P', price: '65000' }
 */
export function parseTextBody(text: string, maxDepth?: number): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return parseGuardedJson(trimmed, maxDepth);
  if (trimmed === '') throw new SignalParseError('malformed_body', 'empty body');

  const multiLine = /[\r\n]/.test(trimmed);
  const tokens = multiLine
    ? trimmed.split(/[\r\n]+/).flatMap((line) => splitLine(line.trim(), true))
    : splitLine(trimmed, false);

  const out: Record<string, unknown> = Object.create(null);
  const bare: string[] = [];
  for (const token of tokens) {
    const m = /^([A-Za-z_][A-Za-z0-9_.]{0,40})(?:\s*=\s*|:\s+)(.*)$/s.exec(token);
    if (m?.[1] !== undefined && m[2] !== undefined) {
      const key = m[1].toLowerCase();
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
        throw new SignalParseError('forbidden_key', `forbidden key ${JSON.stringify(key)}`, { key });
      }
      out[key] = m[2].trim();
    } else if (token !== '') bare.push(token);
    if (Object.keys(out).length + bare.length > MAX_PAIRS) {
      throw new SignalParseError('malformed_body', `more than ${MAX_PAIRS} fields`);
    }
  }
  // One-line form: leading bare words are ACTION then SYMBOL.
  if (bare.length > 2) {
    throw new SignalParseError(
      'malformed_body',
      'text body must be key=value pairs or "ACTION SYMBOL key=value ..."',
      { unexpected: bare.slice(2, 5).map((t) => t.slice(0, 40)) },
    );
  }
  if (bare[0] !== undefined && out['action'] === undefined) out['action'] = bare[0];
  if (bare[1] !== undefined && out['symbol'] === undefined) out['symbol'] = bare[1];
  return { ...out };
}

/** A line of `key=value key2=value2`; on multi-line bodies a whole line may be one pair with spaces in its value. */
function splitLine(line: string, wholeLineIsPair: boolean): string[] {
  if (wholeLineIsPair && /^[A-Za-z_][A-Za-z0-9_.]*(?:\s*=|:\s)/.test(line) && !/\s\S+\s*=/.test(line)) {
    return [line];
  }
  return line.split(/[\s&;,]+/).filter((t) => t !== '');
}
