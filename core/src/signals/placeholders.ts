import { SignalParseError } from './errors.ts';

const PLACEHOLDER = /\{\{[^{}]{0,80}\}\}/;

/**
 * Paths of every string that still holds a TradingView `{{placeholder}}`, which happens when an
 * alert message names a variable that is not available in that alert's context.
 *
 * @example findPlaceholders({ price: '{{close}}' }) // [{ path: 'price', placeholder: '{{close}}' }]
 */
export function findPlaceholders(value: unknown, path = ''): { path: string; placeholder: string }[] {
  if (typeof value === 'string') {
    const m = PLACEHOLDER.exec(value);
    return m ? [{ path: path || '(body)', placeholder: m[0] }] : [];
  }
  if (typeof value !== 'object' || value === null) return [];
  const found: { path: string; placeholder: string }[] = [];
  for (const [k, v] of Object.entries(value)) {
    found.push(...findPlaceholders(v, path ? `${path}.${k}` : k));
  }
  return found;
}

/** Throw `unexpanded_placeholder` (a 422 at the edge) when any placeholder is left. */
export function assertNoPlaceholders(value: unknown): void {
  const found = findPlaceholders(value);
  if (found.length > 0) {
    const first = found[0]!;
    throw new SignalParseError(
      'unexpanded_placeholder',
      `TradingView left ${first.placeholder} unexpanded in ${first.path}: that variable is not available in this alert`,
      { placeholders: found.slice(0, 20) },
    );
  }
}
