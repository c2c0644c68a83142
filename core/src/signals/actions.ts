import { SignalParseError } from './errors.ts';

/** What a signal asks the engine to do, after normalisation. */
export type SignalAction = 'buy' | 'sell' | 'close' | 'reverse';

/** Every spelling we accept, lower-cased. TradingView gives buy/sell ({{strategy.order.action}}) and long/short/flat ({{strategy.market_position}}). */
export const ACCEPTED_ACTIONS: Readonly<Record<string, SignalAction>> = Object.freeze({
  buy: 'buy',
  long: 'buy',
  sell: 'sell',
  short: 'sell',
  close: 'close',
  exit: 'close',
  flat: 'close',
  reverse: 'reverse',
});

/**
 * Normalise an action word, case-insensitively. Unknown words throw `unknown_action` naming the
 * accepted ones.
 *
 * @example normaliseAction(' Long ') // 'buy'
 */
export function normaliseAction(raw: string): SignalAction {
  const key = raw.trim().toLowerCase();
  const action = Object.hasOwn(ACCEPTED_ACTIONS, key) ? ACCEPTED_ACTIONS[key] : undefined;
  if (!action) {
    const accepted = Object.keys(ACCEPTED_ACTIONS);
    throw new SignalParseError(
      'unknown_action',
      `unknown action ${JSON.stringify(raw.slice(0, 40))}; accepted: ${accepted.join(', ')}`,
      { accepted },
    );
  }
  return action;
}
