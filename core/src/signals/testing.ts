import { SignalParseError } from './errors.ts';

/** The SignalParseError `fn` throws (tests): anything else thrown is rethrown, nothing thrown fails. */
export function parseErrorOf(fn: () => unknown): SignalParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SignalParseError) return e;
    throw e;
  }
  throw new Error('expected a SignalParseError');
}
